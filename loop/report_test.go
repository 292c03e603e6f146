package loop_test

import (
	"context"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// reportRow returns a report's row of an area.
func reportRow(t testing.TB, rep *loop.Report, code string) map[string]string {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Code == code {
			return r.Values
		}
	}
	t.Fatalf("report of %s has no row %s", rep.Date, code)
	return nil
}

func (f *fixture) report(ctx context.Context, date string) *loop.Report {
	f.t.Helper()
	rep, err := f.svc.DailyReport(ctx, date)
	if err != nil {
		f.t.Fatalf("report of %q: %v", date, err)
	}
	return rep
}

// TestDailyReportCivilDay: the report's day is the civil day in China
// Standard Time. What happens at 2020-02-01T16:30Z — a lead, a screening
// with a fever, a plan — is 2 February's; what happened at 15:59Z is 1
// February's. Leads come from the day counters, screenings from the
// checkpoints' day counters, plans from when they were made.
func TestDailyReportCivilDay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		f.withCheckpoints()
		f.clock.Set(time.Date(2020, 2, 1, 15, 59, 0, 0, time.UTC)) // 23:59 CST
		f.lead(id1, addrHome, epiloop.Reason{})
		f.screen(gate, ckStation, loop.ScreeningInput{Direction: epiloop.DirectionIn, Plate: "辽A12345",
			Occupants: []loop.OccupantInput{traveller(id4, "大连市", 36.4)}})

		f.clock.Set(time.Date(2020, 2, 1, 16, 30, 0, 0, time.UTC)) // 2 February, 00:30 CST
		f.lead(id2, addrHome, epiloop.Reason{})
		f.screen(gate, ckStation, loop.ScreeningInput{Direction: epiloop.DirectionIn,
			Occupants: []loop.OccupantInput{traveller(idN(31), "沈阳", 38.2)}})
		f.closeWith(id3, epiloop.Reason{}, home)

		feb2 := f.report(commander, "")
		feb1 := f.report(commander, "2020-02-01")
		if feb2.Date != "2020-02-02" || !feb2.Today || feb1.Today {
			t.Fatalf("today's report is of %s (today %v); 1 February's today %v", feb2.Date, feb2.Today, feb1.Today)
		}
		want := map[string]map[string]string{
			"2020-02-01": {"day_received": "1", "day_closed": "0", "ck_screenings": "1", "ck_vehicles": "1", "ck_persons": "1",
				"ck_fevers": "0", "ck_leads": "0", "obs_new": "0", "obs_under": "0"},
			// id2, the fever's lead and id3, which also closed with home
			// observation.
			"2020-02-02": {"day_received": "3", "day_closed": "1", "ck_screenings": "1", "ck_vehicles": "0", "ck_persons": "1",
				"ck_fevers": "1", "ck_leads": "1", "obs_new": "1", "obs_under": "1", "received": "4", "open": "3"},
		}
		for _, rep := range []*loop.Report{feb1, feb2} {
			for _, code := range []string{heping, "2101"} {
				row := reportRow(t, rep, code)
				for m, n := range want[rep.Date] {
					if row[m] != n {
						t.Errorf("%s %s %s = %q, want %s", rep.Date, code, m, row[m], n)
					}
				}
			}
			if got := reportRow(t, rep, shenhe)["ck_screenings"]; got != "0" {
				t.Errorf("%s: 沈河区 screened %s, want 0 (沈阳站 is in 和平区)", rep.Date, got)
			}
		}
		if _, ok := reportRow(t, feb1, heping)["open"]; ok {
			t.Error("a past day's report has the state of now")
		}
		f.checkCounters()
	})
}

// TestDailyReportScopeAndSuppression: a district commander's report is the
// district's, issued by its sub-command; an analyst reads small counts as
// "<5"; a malformed or future day and a unit are refused.
func TestDailyReportScopeAndSuppression(t *testing.T) {
	f := newFixture(t)
	f.lead(id1, addrHome, epiloop.Reason{})
	district := as(epiloop.RoleDistrict, epiloop.SubCommandCode(heping))
	rep := f.report(district, "")
	if len(rep.Rows) != 1 || rep.Rows[0].Code != heping || rep.Issuer != "和平区分指挥部" {
		t.Errorf("district report: issuer %q, rows %+v", rep.Issuer, rep.Rows)
	}
	if got := rep.Rows[0].Values["day_received"]; got != "1" {
		t.Errorf("district commander reads %q, want 1", got)
	}
	city := f.report(commander, "")
	if city.Issuer != "沈阳市疫情防控指挥部" || len(city.Rows) < 14 {
		t.Errorf("city report: issuer %q, %d rows", city.Issuer, len(city.Rows))
	}
	ana := f.report(as(epiloop.RoleAnalyst, ""), "")
	if !ana.Suppressed || reportRow(t, ana, heping)["day_received"] != "<5" || reportRow(t, ana, shenhe)["day_received"] != "0" {
		t.Errorf("analyst reads 和平区 %q, 沈河区 %q (suppressed %v)", reportRow(t, ana, heping)["day_received"],
			reportRow(t, ana, shenhe)["day_received"], ana.Suppressed)
	}
	for _, date := range []string{"2020-02-02", "2020-02-30", "20200201"} {
		if _, err := f.svc.DailyReport(commander, date); epiloop.ErrorCode(err) != epiloop.EINVALID {
			t.Errorf("date %s: %v, want invalid", date, err)
		}
	}
	if _, err := f.svc.DailyReport(station, ""); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("a station's report: %v, want forbidden", err)
	}
}
