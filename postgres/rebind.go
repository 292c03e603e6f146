package postgres

import (
	"strconv"
	"strings"
)

// lockOf locks the rows of alias with lock.
func lockOf(lock bool, alias string) string {
	if lock {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// rebind numbers the ? placeholders of q ($1, $2, …): the shared store
// code (package sqlstore) writes its queries with ? as SQLite does.
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
