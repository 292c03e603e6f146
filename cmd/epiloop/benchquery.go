package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// runBenchQueries measures the read paths a duty officer's screen uses —
// the funnel for the city and a district, a station's open tasks, a
// district's overdue and newest leads, one lead — on the database given,
// over real HTTP, one request at a time.
func runBenchQueries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := dbFlagSet("bench queries", stderr)
	n := fs.Int("n", 300, "requests per query")
	district := fs.String("district", "210102", "the district measured")
	station := fs.String("station", "PS210102001", "the police station whose task list is measured")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := NewMain(ctx, *db, newLogger(io.Discard))
	if err != nil {
		return err
	}
	defer m.Close()
	m.EscalateEvery = time.Hour
	if err := m.Run(ctx, "127.0.0.1:0"); err != nil {
		return err
	}
	admin := cliContext(ctx)
	users := []*epiloop.User{
		{Name: "bench-q-commander", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode},
		{Name: "bench-q-district", Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(*district)},
		{Name: "bench-q-station", Role: epiloop.RoleStation, UnitCode: *station},
	}
	tok := map[string]string{}
	for _, u := range users {
		if err := m.Service.CreateUser(admin, u, ""); err != nil && epiloop.ErrorField(err) != "name" {
			return err
		}
		if tok[u.Name], err = m.Service.CreateToken(admin, u.Name, time.Hour); err != nil {
			return err
		}
	}
	var total int
	if err := m.Store.View(ctx, func(tx epiloop.Tx) error {
		c, err := tx.FindCounters(epiloop.ScopeCity)
		total = int(c[epiloop.MetricReceived])
		return err
	}); err != nil {
		return err
	}
	b := &loadBench{base: m.Server.URL() + "/api/v1", client: &http.Client{Timeout: 30 * time.Second}, ops: map[string]*opStats{}}
	var one struct {
		Items []struct{ ID int64 } `json:"items"`
	}
	b.call("warm", "GET", "/leads?district="+*district+"&per_page=1", tok["bench-q-district"], nil, &one)
	leadPath := "/leads/1"
	if len(one.Items) > 0 {
		leadPath = fmt.Sprintf("/leads/%d", one.Items[0].ID)
	}
	// Finding a person by ID number, phone and name: the lead's person,
	// revealed (audited) for the benchmark's queries.
	var who epiloop.Person
	if len(one.Items) > 0 {
		commander := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "bench-q-commander", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
		if who, err = m.Service.Reveal(commander, one.Items[0].ID, "bench queries"); err != nil {
			return err
		}
	}
	queries := []struct{ op, path, who string }{
		{"search_id_number", "/persons?q=" + url.QueryEscape(who.IDNumber), "bench-q-commander"},
		{"search_phone", "/persons?q=" + url.QueryEscape(who.Phone), "bench-q-commander"},
		{"search_name", "/persons?q=" + url.QueryEscape(who.Name), "bench-q-commander"},
		{"overview_city", "/stats/overview", "bench-q-commander"},
		{"overview_district", "/stats/overview", "bench-q-district"},
		{"station_open_tasks", "/tasks?status=open&per_page=50", "bench-q-station"},
		{"district_overdue_leads", "/leads?overdue=true&per_page=50", "bench-q-district"},
		{"district_newest_leads", "/leads?per_page=50", "bench-q-district"},
		{"district_conflicts", "/leads?status=conflict&per_page=50", "bench-q-district"},
		{"lead_view", leadPath, "bench-q-district"},
	}
	// A search needs its value: the seeded person may have no phone.
	queries = slices.DeleteFunc(queries, func(q struct{ op, path, who string }) bool {
		return strings.HasSuffix(q.path, "/persons?q=")
	})
	start := time.Now()
	for _, q := range queries {
		for i := 0; i < *n; i++ {
			b.call(q.op, "GET", q.path, tok[q.who], nil, nil)
		}
	}
	elapsed := time.Since(start)
	res := map[string]any{"engine": m.Store.Engine(), "leads": total, "n": *n}
	ops := map[string]opResult{}
	for _, q := range queries {
		r := b.op(q.op).result(elapsed)
		r.RPS = 0
		ops[q.op] = r
		fmt.Fprintf(stderr, "%-24s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  errors %d\n", q.op, r.P50, r.P95, r.P99, r.Errors)
	}
	res["ops"] = ops
	js, _ := json.Marshal(res)
	fmt.Fprintln(stdout, string(js))
	return nil
}
