package epiloop_test

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

var patrolNow = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

func validPatrol() epiloop.PatrolLog {
	return epiloop.PatrolLog{UnitCode: "PS210102001", DistrictCode: "210102", Officers: []string{" 张伟 ", "李娜", ""},
		Vehicles: []string{"辽a·12345"}, Area: " 中街一线 ", Start: patrolNow.Add(-3 * time.Hour), End: patrolNow.Add(-time.Hour)}
}

func TestPatrolProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *epiloop.PatrolLog)
		fields []string
	}{
		{"valid", func(p *epiloop.PatrolLog) {}, nil},
		{"no officers", func(p *epiloop.PatrolLog) { p.Officers = []string{" "} }, []string{"officers"}},
		{"bad plate", func(p *epiloop.PatrolLog) { p.Vehicles = []string{"辽A12345", "XYZ"} }, []string{"vehicles"}},
		{"plate twice", func(p *epiloop.PatrolLog) { p.Vehicles = []string{"辽A12345", "辽A 12345"} }, []string{"vehicles"}},
		{"end before start", func(p *epiloop.PatrolLog) { p.End = p.Start }, []string{"end"}},
		{"too long", func(p *epiloop.PatrolLog) { p.Start = p.End.Add(-25 * time.Hour) }, []string{"end"}},
		{"in the future", func(p *epiloop.PatrolLog) { p.End = patrolNow.Add(time.Hour) }, []string{"end"}},
		{"within the skew", func(p *epiloop.PatrolLog) { p.End = patrolNow.Add(epiloop.PatrolClockSkew) }, nil},
		{"too old", func(p *epiloop.PatrolLog) {
			p.Start, p.End = patrolNow.Add(-40*24*time.Hour), patrolNow.Add(-40*24*time.Hour+time.Hour)
		}, []string{"start"}},
		{"everything missing", func(p *epiloop.PatrolLog) { *p = epiloop.PatrolLog{} }, []string{"officers", "area", "start", "end"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPatrol()
			tt.change(&p)
			p.Normalize()
			var got []string
			for _, err := range p.Problems(patrolNow) {
				if epiloop.ErrorCode(err) != epiloop.EINVALID {
					t.Errorf("code %q, want invalid", epiloop.ErrorCode(err))
				}
				got = append(got, epiloop.ErrorField(err))
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("fields %v, want %v", got, tt.fields)
			}
			for i := range got {
				if got[i] != tt.fields[i] {
					t.Errorf("fields %v, want %v", got, tt.fields)
				}
			}
		})
	}
	p := validPatrol()
	p.Normalize()
	if len(p.Officers) != 2 || p.Officers[0] != "张伟" || p.Vehicles[0] != "辽A12345" || p.Area != "中街一线" {
		t.Errorf("normalised %+v", p)
	}
}

func TestSortieProblems(t *testing.T) {
	ok := epiloop.DroneSortie{Pilot: "王强", Drone: "UAV-01", Area: "浑河沿岸", Start: patrolNow.Add(-2 * time.Hour), Minutes: 40}
	tests := []struct {
		name   string
		change func(s *epiloop.DroneSortie)
		fields []string
	}{
		{"valid", func(s *epiloop.DroneSortie) {}, nil},
		{"no minutes", func(s *epiloop.DroneSortie) { s.Minutes = 0 }, []string{"minutes"}},
		{"too many minutes", func(s *epiloop.DroneSortie) { s.Minutes = epiloop.MaxSortieMinutes + 1 }, []string{"minutes"}},
		{"ends in the future", func(s *epiloop.DroneSortie) { s.Minutes = 180 }, []string{"minutes"}},
		{"no pilot nor drone", func(s *epiloop.DroneSortie) { s.Pilot, s.Drone = "", " " }, []string{"pilot", "drone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.change(&s)
			s.Normalize()
			var got []string
			for _, err := range s.Problems(patrolNow) {
				got = append(got, epiloop.ErrorField(err))
			}
			if len(got) != len(tt.fields) || len(got) > 0 && got[0] != tt.fields[0] {
				t.Errorf("fields %v, want %v", got, tt.fields)
			}
		})
	}
}

func TestYearOnYear(t *testing.T) {
	tests := []struct {
		now, before int64
		percent     string // "" for small base
		text        string
	}{
		{40, 20, "100", "+100.0%"},
		{20, 40, "-50", "-50.0%"},
		{25, 24, "4.2", "+4.2%"},
		{19, 40, "", "-21（基数小）"},
		{40, 19, "", "+21（基数小）"},
		{3, 0, "", "+3（基数小）"},
		{0, 0, "", "0（基数小）"},
		{epiloop.YoYMinBase, epiloop.YoYMinBase, "0", "0.0%"},
	}
	for _, tt := range tests {
		y := epiloop.YearOnYear(tt.now, tt.before)
		if y.Diff != tt.now-tt.before {
			t.Errorf("%d vs %d: diff %d", tt.now, tt.before, y.Diff)
		}
		switch {
		case tt.percent == "" && (y.Percent != nil || !y.SmallBase):
			t.Errorf("%d vs %d: %+v, want small base", tt.now, tt.before, y)
		case tt.percent != "" && (y.Percent == nil || y.SmallBase):
			t.Errorf("%d vs %d: %+v, want a percentage", tt.now, tt.before, y)
		}
		if got := y.Text(epiloop.LangZH); got != tt.text {
			t.Errorf("%d vs %d: text %q, want %q", tt.now, tt.before, got, tt.text)
		}
	}
	if got := epiloop.YearOnYear(3, 1).Text(epiloop.LangEN); got != "+2 (small base)" {
		t.Errorf("en: %q", got)
	}
}

func TestYearEarlier(t *testing.T) {
	for in, want := range map[string]string{"2026-12-07": "2025-12-07", "2028-02-29": "2027-02-28", "x": ""} {
		if got := epiloop.YearEarlier(in); got != want {
			t.Errorf("YearEarlier(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPatrolContribution(t *testing.T) {
	p := validPatrol()
	p.Normalize()
	// 23:30 UTC is the next civil day in China Standard Time.
	p.Start = time.Date(2026, 12, 6, 23, 30, 0, 0, time.UTC)
	got := map[epiloop.CounterKey]int64{}
	for _, d := range epiloop.PatrolContribution(&p) {
		got[d.CounterKey] = d.N
	}
	for _, scope := range []string{epiloop.PatrolDayScope("", "2026-12-07"), epiloop.PatrolDayScope("210102", "2026-12-07")} {
		if got[epiloop.CounterKey{scope, epiloop.MetricOfficerShifts}] != 2 || got[epiloop.CounterKey{scope, epiloop.MetricVehicleShifts}] != 1 ||
			got[epiloop.CounterKey{scope, epiloop.MetricPatrols}] != 1 {
			t.Errorf("%s: %v", scope, got)
		}
	}
	v := p
	v.Voided = true
	if c := epiloop.PatrolContribution(&v); c != nil {
		t.Errorf("voided contributes %v", c)
	}
	corrected := p
	corrected.Officers = []string{"张伟"}
	diff := epiloop.DeltaDiff(epiloop.PatrolContribution(&p), epiloop.PatrolContribution(&corrected))
	if len(diff) != 2 || diff[0].N != -1 || diff[0].Metric != epiloop.MetricOfficerShifts {
		t.Errorf("correction diff %v", diff)
	}
	s := epiloop.DroneSortie{DistrictCode: "210102", Start: p.Start, Minutes: 45}
	sum := map[string]int64{}
	for _, d := range epiloop.SortieContribution(&s) {
		if d.Scope == epiloop.PatrolDayScope("210102", "2026-12-07") {
			sum[d.Metric] = d.N
		}
	}
	if sum[epiloop.MetricSorties] != 1 || sum[epiloop.MetricFlightMinutes] != 45 {
		t.Errorf("sortie %v", sum)
	}
	if h := (epiloop.PatrolTotals{FlightMinutes: 26040}).FlightHours(); h != 434 {
		t.Errorf("flight hours %v", h)
	}
}

func TestPatrolScoping(t *testing.T) {
	station := &epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS1", DistrictCode: "210102"}
	district := &epiloop.User{Role: epiloop.RoleDistrict, UnitCode: "SC210102", DistrictCode: "210102"}
	commander := &epiloop.User{Role: epiloop.RoleCommander, UnitCode: "HQ"}
	analyst := &epiloop.User{Role: epiloop.RoleAnalyst}
	tests := []struct {
		u              *epiloop.User
		unit, district string
		sees, logs     bool
	}{
		{station, "PS1", "210102", true, true},
		{station, "PS2", "210102", false, false},
		{district, "PS2", "210102", true, true},
		{district, "PS9", "210103", false, false},
		{commander, "PS9", "210103", true, true},
		{analyst, "PS1", "210102", true, false},
	}
	for _, tt := range tests {
		if got := tt.u.SeesPatrol(tt.unit, tt.district); got != tt.sees {
			t.Errorf("%s sees %s/%s: %v", tt.u.Role, tt.unit, tt.district, got)
		}
		if got := tt.u.MayLogPatrol(tt.unit, tt.district); got != tt.logs {
			t.Errorf("%s logs %s/%s: %v", tt.u.Role, tt.unit, tt.district, got)
		}
	}
	if analyst.Can(epiloop.ActReadPatrolLogs) || !analyst.Can(epiloop.ActReadPatrols) {
		t.Error("analysts read figures, not logs")
	}
	if !district.MayEnterIncidents("210102") || district.MayEnterIncidents("210103") || station.MayEnterIncidents("210102") {
		t.Error("incidents: district commanders their own district only, stations none")
	}
}
