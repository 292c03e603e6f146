package loop_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Patrols, sorties and incident statistics: who logs for whom, the
// figures kept with every write, corrections, voids and the import.

// patrolUser is a signed-in user of role in unit and district.
func patrolUser(role epiloop.Role, unit, district string) context.Context {
	return epiloop.NewContextWithUser(context.Background(),
		&epiloop.User{ID: 7, Name: string(role), Role: role, UnitCode: unit, DistrictCode: district})
}

var (
	ptStation   = patrolUser(epiloop.RoleStation, shuiyuandiPS, heping)
	ptHeping    = patrolUser(epiloop.RoleDistrict, epiloop.SubCommandCode(heping), heping)
	ptShenhe    = patrolUser(epiloop.RoleDistrict, epiloop.SubCommandCode(shenhe), shenhe)
	ptCommander = patrolUser(epiloop.RoleCommander, epiloop.HeadquartersCode, "")
	ptAnalyst   = patrolUser(epiloop.RoleAnalyst, "", "")
)

func (f *fixture) patrol(officers ...string) epiloop.PatrolLog {
	now := f.clock.Now()
	return epiloop.PatrolLog{Officers: officers, Vehicles: []string{"辽A12345", "辽A2345D"}, Area: "中山路—太原街",
		Start: now.Add(-3 * time.Hour), End: now.Add(-time.Hour)}
}

// totals returns the day's figures of heping and of the city as ctx sees them.
func (f *fixture) totals(ctx context.Context) (district, city epiloop.PatrolTotals) {
	f.t.Helper()
	today := epiloop.CivilDate(f.clock.Now())
	v, err := f.svc.PatrolTotals(ctx, today, today)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, d := range v.Districts {
		if d.District == heping {
			district = d
		}
	}
	return district, v.Total
}

func TestPatrolWorkflow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		p, err := f.svc.LogPatrol(ptStation, f.patrol("张伟", "李娜", "王强"))
		if err != nil {
			t.Fatal(err)
		}
		if p.UnitCode != shuiyuandiPS || p.DistrictCode != heping {
			t.Errorf("logged for %s in %s", p.UnitCode, p.DistrictCode)
		}
		if _, err := f.svc.LogPatrol(ptHeping, epiloop.PatrolLog{UnitCode: "PS210102002", Officers: []string{"赵敏"},
			Area: "南湖", Start: f.clock.Now().Add(-time.Hour), End: f.clock.Now()}); err != nil {
			t.Fatalf("district commander for a station of its district: %v", err)
		}
		d, _ := f.totals(ptCommander)
		want := epiloop.PatrolTotals{District: heping, Patrols: 2, OfficerShifts: 4, VehicleShifts: 2}
		if d != want {
			t.Errorf("totals %+v, want %+v", d, want)
		}
		f.checkStats()

		// Who may log for whom.
		refused := []struct {
			name string
			ctx  context.Context
			p    epiloop.PatrolLog
		}{
			{"a station for another", ptStation, epiloop.PatrolLog{UnitCode: "PS210102002"}},
			{"a district commander outside its district", ptShenhe, epiloop.PatrolLog{UnitCode: "PS210102002"}},
			{"a unit that does not exist", ptCommander, epiloop.PatrolLog{UnitCode: "PS999"}},
			{"headquarters without a district", ptCommander, epiloop.PatrolLog{}},
		}
		for _, tt := range refused {
			in := f.patrol("张伟")
			in.UnitCode = tt.p.UnitCode
			if _, err := f.svc.LogPatrol(tt.ctx, in); epiloop.ErrorCode(err) != epiloop.EINVALID {
				t.Errorf("%s: %v, want invalid", tt.name, err)
			}
		}
		if _, err := f.svc.LogPatrol(ptAnalyst, f.patrol("张伟")); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("analyst logs: %v", err)
		}
		hq := f.patrol("孙磊")
		hq.DistrictCode = shenhe
		if p, err := f.svc.LogPatrol(ptCommander, hq); err != nil || p.DistrictCode != shenhe || p.UnitCode != epiloop.HeadquartersCode {
			t.Errorf("headquarters in a named district: %+v, %v", p, err)
		}

		// A correction moves the figures; so does a void.
		c := f.patrol("张伟")
		c.Vehicles = nil
		if _, err := f.svc.CorrectPatrol(ptStation, p.ID, c, false, "少登了人"); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.totals(ptCommander); d.OfficerShifts != 2 || d.VehicleShifts != 0 {
			t.Errorf("after the correction %+v", d)
		}
		f.checkStats()
		if _, err := f.svc.CorrectPatrol(ptShenhe, p.ID, epiloop.PatrolLog{}, true, ""); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another district voids: %v, want not found", err)
		}
		other := patrolUser(epiloop.RoleStation, "PS210102002", heping)
		if _, err := f.svc.CorrectPatrol(other, p.ID, epiloop.PatrolLog{}, true, ""); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another station voids: %v, want not found", err)
		}
		if _, err := f.svc.CorrectPatrol(ptStation, p.ID, epiloop.PatrolLog{}, true, "重复登记"); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.totals(ptCommander); d.Patrols != 1 || d.OfficerShifts != 1 {
			t.Errorf("after the void %+v", d)
		}
		if _, err := f.svc.CorrectPatrol(ptStation, p.ID, epiloop.PatrolLog{}, true, ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("void twice: %v, want conflict", err)
		}
		f.checkStats()

		// Past the window an entry stays as it is.
		late, err := f.svc.LogPatrol(ptStation, f.patrol("周杰"))
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(epiloop.PatrolCorrectionWindow + time.Minute)
		if _, err := f.svc.CorrectPatrol(ptStation, late.ID, epiloop.PatrolLog{}, true, ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("void after the window: %v, want conflict", err)
		}

		// Reading: a station its own, a district its district's, analysts no logs.
		for _, tt := range []struct {
			name string
			ctx  context.Context
			n    int
		}{{"station", ptStation, 1}, {"heping", ptHeping, 2}, {"shenhe", ptShenhe, 1}, {"commander", ptCommander, 3}} {
			_, n, err := f.svc.FindPatrolLogs(tt.ctx, epiloop.PatrolFilter{})
			if err != nil || n != tt.n {
				t.Errorf("%s reads %d patrols (%v), want %d", tt.name, n, err, tt.n)
			}
		}
		if _, _, err := f.svc.FindPatrolLogs(ptAnalyst, epiloop.PatrolFilter{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("analyst reads logs: %v", err)
		}
	})
}

func TestSortieWorkflow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now()
		s, err := f.svc.LogSortie(ptStation, epiloop.DroneSortie{Pilot: "王强", Drone: "UAV-01", Area: "浑河沿岸",
			Start: now.Add(-2 * time.Hour), Minutes: 45})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.LogSortie(ptStation, epiloop.DroneSortie{Pilot: "王强", Drone: "UAV-01", Area: "x",
			Start: now.Add(-time.Hour), Minutes: 2}); err != nil {
			t.Fatal(err)
		}
		// An analyst sees the figures with small counts suppressed.
		if d, _ := f.totals(ptAnalyst); d.Sorties != 0 || d.FlightMinutes != 47 {
			t.Errorf("analyst sees %+v, want sorties suppressed, 47 minutes", d)
		}
		if d, _ := f.totals(ptCommander); d.Sorties != 2 || d.FlightMinutes != 47 {
			t.Errorf("commander sees %+v", d)
		}
		if _, err := f.svc.CorrectSortie(ptStation, s.ID, epiloop.DroneSortie{Pilot: "王强", Drone: "UAV-02", Area: "浑河沿岸",
			Start: now.Add(-2 * time.Hour), Minutes: 60}, false, ""); err != nil {
			t.Fatal(err)
		}
		if d, _ := f.totals(ptCommander); d.FlightMinutes != 62 {
			t.Errorf("after the correction %+v", d)
		}
		if _, err := f.svc.CorrectSortie(ptHeping, s.ID, epiloop.DroneSortie{}, true, ""); err != nil {
			t.Fatalf("district commander voids its district's sortie: %v", err)
		}
		if d, _ := f.totals(ptCommander); d.Sorties != 1 || d.FlightMinutes != 2 {
			t.Errorf("after the void %+v", d)
		}
		f.checkStats()
		if _, err := f.svc.LogSortie(ptStation, epiloop.DroneSortie{Pilot: "王强", Drone: "UAV-01", Area: "x",
			Start: now, Minutes: 0}); epiloop.ErrorField(err) != "minutes" {
			t.Errorf("no minutes: %v", err)
		}
	})
}

func TestIncidents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		// 2020-02-01 is today; the year before is 2019-02-01.
		for _, st := range []epiloop.IncidentStat{
			{DistrictCode: heping, Date: "2020-02-01", PublicOrder: 30, Criminal: 4},
			{DistrictCode: heping, Date: "2019-02-01", PublicOrder: 20, Criminal: 8},
			{DistrictCode: shenhe, Date: "2020-02-01", PublicOrder: 5, Criminal: 1},
		} {
			ctx := ptHeping
			if st.DistrictCode == shenhe {
				ctx = ptCommander
			}
			if _, err := f.svc.EnterIncidents(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.EnterIncidents(ptHeping, epiloop.IncidentStat{DistrictCode: shenhe, Date: "2020-02-01"}); epiloop.ErrorField(err) != "district" {
			t.Errorf("heping enters shenhe: %v", err)
		}
		if _, err := f.svc.EnterIncidents(ptStation, epiloop.IncidentStat{DistrictCode: heping, Date: "2020-02-01"}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("a station enters: %v", err)
		}
		tab, err := f.svc.Incidents(ptCommander, "2020-02-01", "2020-02-01")
		if err != nil {
			t.Fatal(err)
		}
		var hp, sh loop.IncidentRow
		for _, r := range tab.Districts {
			switch r.District {
			case heping:
				hp = r
			case shenhe:
				sh = r
			}
		}
		if hp.PublicOrder.Percent == nil || *hp.PublicOrder.Percent != 50 || !hp.Criminal.SmallBase || hp.Criminal.Diff != -4 {
			t.Errorf("heping %+v", hp)
		}
		if !sh.Total.SmallBase || sh.Total.Diff != 6 || tab.Total.Total.Now != 40 || tab.Total.Total.Before != 28 {
			t.Errorf("shenhe %+v, total %+v", sh, tab.Total)
		}
		if tab, err := f.svc.Incidents(ptHeping, "2020-02-01", "2020-02-01"); err != nil || len(tab.Districts) != 1 {
			t.Errorf("a district reads only its own: %+v, %v", tab, err)
		}
	})
}

func TestImportIncidents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		csv := "区县,日期,治安警情,刑事警情\n" +
			"和平区,2020-01-30,31,5\n" + // 2
			"210102,2020/1/31,28,3\n" + // 3
			"沈河,2020-01-31,40,6\n" + // 4: not heping's
			"铁西区,2020-13-01,4,1\n" + // 5: bad date
			"火星区,2020-01-31,4,1\n" + // 6: no such district
			"和平区,2020-01-29,-1,1\n" + // 7: negative
			"和平区,2020-01-28,12,x\n" // 8: not a number
		imp := func() *loop.IncidentImport {
			t.Helper()
			res, err := f.svc.ImportIncidents(ptHeping, bytes.NewReader([]byte(csv)), int64(len(csv)))
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		res := imp()
		if res.Changed != 2 || res.Unchanged != 0 {
			t.Errorf("first import %+v", res)
		}
		wantRows := map[int]string{4: "district", 5: "date", 6: "district", 7: "public_order", 8: "criminal"}
		if len(res.Rejects) != len(wantRows) {
			t.Errorf("rejects %+v", res.Rejects)
		}
		for _, rj := range res.Rejects {
			if wantRows[rj.Row] != epiloop.ErrorField(rj.Err) {
				t.Errorf("row %d rejected for %q (%v), want %q", rj.Row, epiloop.ErrorField(rj.Err), rj.Err, wantRows[rj.Row])
			}
		}
		if res := imp(); res.Changed != 0 || res.Unchanged != 2 || len(res.Rejects) != 5 {
			t.Errorf("second import %+v, want nothing changed", res)
		}
		tab, err := f.svc.Incidents(ptHeping, "2020-01-30", "2020-01-31")
		if err != nil || tab.Total.PublicOrder.Now != 59 || tab.Total.Criminal.Now != 8 {
			t.Errorf("imported counts %+v, %v", tab, err)
		}
		bad := "日期,数量\n2020-01-01,3\n"
		if _, err := f.svc.ImportIncidents(ptHeping, bytes.NewReader([]byte(bad)), int64(len(bad))); epiloop.ErrorField(err) != "file" {
			t.Errorf("a file without the columns: %v", err)
		}
	})
}

// atRestPatrols logs a patrol and a sortie whose names and areas are
// marked secrets (loop.TestNothingPersonalInClearAtRest).
func atRestPatrols(f *fixture, mark func(string) string) error {
	now := f.clock.Now()
	if _, err := f.svc.LogPatrol(ptStation, epiloop.PatrolLog{Officers: []string{mark("欧阳巡警"), mark("上官巡警")},
		Area: mark("秘密巡区七号线"), Start: now.Add(-2 * time.Hour), End: now.Add(-time.Hour)}); err != nil {
		return err
	}
	_, err := f.svc.LogSortie(ptStation, epiloop.DroneSortie{Pilot: mark("司马飞手"), Drone: "UAV-09",
		Area: mark("秘密航区九号"), Start: now.Add(-time.Hour), Minutes: 20})
	return err
}
