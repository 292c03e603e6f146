package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The patrol API: a station reads its own logs only, bad input names its
// field, the totals and the daily report carry the figures.

func TestPatrolAPI(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now()
	start, end := now.Add(-3*time.Hour).Format(time.RFC3339), now.Add(-time.Hour).Format(time.RFC3339)
	for _, tc := range []struct{ as, officer string }{{uStation, "和平巡警"}, {uOther, "沈河巡警"}} {
		f.call(request{Method: "POST", Path: "/patrols", As: tc.as, Body: map[string]any{
			"officers": []string{tc.officer, "同组民警"}, "vehicles": []string{"辽A12345"}, "area": "路线", "start": start, "end": end}},
			http.StatusCreated, nil)
	}
	res := f.call(request{Method: "GET", Path: "/patrols", As: uOther}, http.StatusOK, nil)
	if bytes.Contains(res.Body, []byte("和平巡警")) || !bytes.Contains(res.Body, []byte("沈河巡警")) {
		t.Errorf("station-other reads %s", res.Body)
	}
	res = f.call(request{Method: "GET", Path: "/patrols", As: uHeping}, http.StatusOK, nil)
	if bytes.Contains(res.Body, []byte("沈河巡警")) {
		t.Errorf("heping reads shenhe's patrols: %s", res.Body)
	}

	// Bad input: 400 naming the field, never a 500.
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"officers": []string{}, "area": "x", "start": start, "end": end}, "officers"},
		{map[string]any{"officers": []string{"甲"}, "vehicles": []string{"ABC"}, "area": "x", "start": start, "end": end}, "vehicles"},
		{map[string]any{"officers": []string{"甲"}, "area": "x", "start": end, "end": start}, "end"},
		{map[string]any{"officers": []string{"甲"}, "area": "x", "start": "yesterday", "end": end}, "start"},
		{map[string]any{"officers": []string{"甲"}, "area": "x", "start": start, "end": now.Add(2 * time.Hour).Format(time.RFC3339)}, "end"},
	} {
		var e apiError
		json.Unmarshal(f.call(request{Method: "POST", Path: "/patrols", As: uStation, Body: tc.body}, http.StatusBadRequest, nil).Body, &e)
		if e.Error.Field != tc.field {
			t.Errorf("%v: field %q, want %q", tc.body, e.Error.Field, tc.field)
		}
	}

	// The totals, as a commander and as an analyst (counts under 5 read 0).
	var totals struct {
		Districts []struct {
			District      string `json:"district"`
			OfficerShifts int64  `json:"officer_shifts"`
		} `json:"districts"`
		Total struct {
			OfficerShifts int64 `json:"officer_shifts"`
			VehicleShifts int64 `json:"vehicle_shifts"`
		} `json:"total"`
	}
	f.call(request{Method: "GET", Path: "/patrols/totals", As: uCommander}, http.StatusOK, &totals)
	if totals.Total.OfficerShifts != 4 || totals.Total.VehicleShifts != 2 {
		t.Errorf("commander's totals %+v", totals.Total)
	}
	f.call(request{Method: "GET", Path: "/patrols/totals", As: uAnalyst}, http.StatusOK, &totals)
	if totals.Total.OfficerShifts != 0 {
		t.Errorf("analyst's totals %+v, want suppressed", totals.Total)
	}
	f.call(request{Method: "GET", Path: "/patrols/totals?from=2020-02-01&to=2019-01-01", As: uCommander}, http.StatusBadRequest, nil)

	// Incidents year on year, and the daily report's section.
	for _, st := range []map[string]any{
		{"district": heping, "date": "2020-02-01", "public_order": 30, "criminal": 2},
		{"district": heping, "date": "2019-02-01", "public_order": 24, "criminal": 5},
	} {
		f.call(request{Method: "POST", Path: "/incidents", As: uHeping, Body: st}, http.StatusOK, nil)
	}
	var tab struct {
		Districts []struct {
			District    string `json:"district"`
			PublicOrder struct {
				Percent   *float64 `json:"percent"`
				SmallBase bool     `json:"small_base"`
			} `json:"public_order"`
			Criminal struct {
				Diff      int64 `json:"diff"`
				SmallBase bool  `json:"small_base"`
			} `json:"criminal"`
		} `json:"districts"`
	}
	f.call(request{Method: "GET", Path: "/incidents?from=2020-02-01", As: uHeping}, http.StatusOK, &tab)
	if len(tab.Districts) != 1 || tab.Districts[0].PublicOrder.Percent == nil || *tab.Districts[0].PublicOrder.Percent != 25 ||
		!tab.Districts[0].Criminal.SmallBase || tab.Districts[0].Criminal.Diff != -3 {
		t.Errorf("incidents %+v", tab)
	}
	res = f.call(request{Method: "GET", Path: "/reports/daily?date=2020-02-01&format=csv", As: uCommander}, http.StatusOK, nil)
	if !strings.Contains(string(res.Body), "+10.3%") || !strings.Contains(string(res.Body), "基数小") {
		t.Errorf("the report has no incidents year on year: %.400s", res.Body)
	}
}
