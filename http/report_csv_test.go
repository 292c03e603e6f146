package http_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/epiloop/epiloop"
)

// TestDailyReportCSVGuardsFormulas: an area name that would run as a
// formula in Excel (an admin loads the tree; a hostile or careless one may
// name a district "=HYPERLINK(…)") reaches the CSV report quoted, so the
// spreadsheet shows it as text.
func TestDailyReportCSVGuardsFormulas(t *testing.T) {
	f := newFixture(t)
	const name = `=HYPERLINK("http://evil.example/","和平区")`
	ctx := context.Background()
	err := f.store.Update(ctx, func(tx epiloop.Tx) error {
		return tx.UpsertDistricts([]epiloop.District{{Code: heping, Name: name}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.LoadGazetteer(ctx); err != nil {
		t.Fatal(err)
	}
	res := f.do(request{Method: "GET", Path: "/reports/daily?format=csv", As: uCommander})
	if res.Status != 200 {
		t.Fatalf("status %d", res.Status)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rows, func(r []string) bool { return r[0] == heping })
	if i < 0 {
		t.Fatalf("no row for %s in %q", heping, rows)
	}
	if got, want := rows[i][1], "'"+name; got != want {
		t.Errorf("area cell %q, want %q", got, want)
	}
	for _, row := range rows {
		for _, c := range row {
			if c != "" && bytes.ContainsRune([]byte("=+-@\t\r"), rune(c[0])) {
				t.Errorf("cell %q starts a formula", c)
			}
		}
	}
}
