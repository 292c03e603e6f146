package main

import (
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
)

// TestUsageListsEverySource: the import line of the usage names every
// source kind the domain knows.
func TestUsageListsEverySource(t *testing.T) {
	var line string
	for _, l := range strings.Split(usage, "\n") {
		if strings.Contains(l, "epiloop import ") {
			line = l
		}
	}
	for _, k := range epiloop.SourceKinds {
		if !strings.Contains(line, string(k)) {
			t.Errorf("usage %q lacks source %s", line, k)
		}
	}
}
