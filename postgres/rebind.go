package postgres

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/epiloop/epiloop"
)

// lockOf locks the rows of alias with lock.
func lockOf(lock bool, alias string) string {
	if lock {
		return " FOR UPDATE OF " + alias
	}
	return ""
}

// rebind numbers the ? placeholders of q ($1, $2, …): the queries of
// this file are written once with ? as the SQLite engine's are.
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

// plainArgs passes the domain's string types as plain strings.
func plainArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case epiloop.PlaceKind:
			args[i] = string(v)
		case epiloop.GatheringState:
			args[i] = string(v)
		case epiloop.InspectionKind:
			args[i] = string(v)
		case epiloop.AgreementState:
			args[i] = string(v)
		case epiloop.DeploymentState:
			args[i] = string(v)
		}
	}
	return args
}

// jsonText encodes v as JSON text.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func (tx *Tx) pexec(q string, args ...any) error {
	_, err := tx.exec(rebind(q), plainArgs(args)...)
	return err
}

func (tx *Tx) pexecOne(msg, q string, args ...any) error {
	return tx.execOne(msg, rebind(q), plainArgs(args)...)
}

func (tx *Tx) pquery(q string, args ...any) (pgx.Rows, error) {
	return tx.query(rebind(q), plainArgs(args)...)
}

func (tx *Tx) pqueryRow(q string, args ...any) pgx.Row {
	return tx.queryRow(rebind(q), plainArgs(args)...)
}

func (tx *Tx) pcount(from, where string, args ...any) (int, error) {
	return tx.countRows(false, from, rebind(where), plainArgs(args)...)
}
