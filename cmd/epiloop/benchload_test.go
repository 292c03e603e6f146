package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchLoadSmall runs the load benchmark at a tiny scale: every kind
// of traffic gets through without an error and the last line of stdout is
// the JSON report. A manifest uploaded through the API during the run is
// imported whole.
func TestBenchLoadSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server for a few seconds")
	}
	var out, errOut bytes.Buffer
	// Dashboards re-read every 200 ms, lead lists every 800 ms, each
	// first within its interval: 2 s sees both.
	args := []string{"bench", "load", "--leads", "400", "--duration", "2s", "--clients", "4", "--sse", "3",
		"--dashboards", "2", "--refresh", "200ms", "--screenings", "10", "--import", "300"}
	if err := run(context.Background(), args, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("bench load: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res benchLoadResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line is not the report: %v", err)
	}
	if res.Engine != "sqlite" || res.Leads < 390 || res.BaselineCommitRPS <= 0 || res.Writer == nil {
		t.Errorf("report %+v", res)
	}
	for _, op := range []string{"tasks_list", "accept", "feedback", "overview", "leads_list", "lead_create", "screening"} {
		o, ok := res.Ops[op]
		if !ok || o.RPS <= 0 {
			t.Errorf("%s: no successful requests (%+v)", op, o)
		}
		if o.Errors != 0 {
			t.Errorf("%s: %d errors", op, o.Errors)
		}
	}
	if im := res.Import; im == nil || im.Status != "done" || im.Rows != 300 || im.Leads < 250 {
		t.Errorf("import during the run: %+v, want 300 rows done", im)
	}
	if res.SSEEvents == 0 {
		t.Error("the subscribers saw no events")
	}
}
