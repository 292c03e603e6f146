package epiloop

import (
	"testing"
	"time"
)

func TestRiskAreaCovers(t *testing.T) {
	cst := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05.000", s, CivilZone())
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	wuhan := RiskArea{Code: "4201", Level: RiskHigh, From: "2020-01-01", To: "2020-03-31"}
	tests := []struct {
		name   string
		area   RiskArea
		origin string
		at     time.Time
		want   bool
	}{
		{"county inside the city", wuhan, "420102", cst("2020-02-01 12:00:00.000"), true},
		{"the city itself", wuhan, "4201", cst("2020-02-01 12:00:00.000"), true},
		{"the province is not inside the city", wuhan, "42", cst("2020-02-01 12:00:00.000"), false},
		{"another city", wuhan, "4202", cst("2020-02-01 12:00:00.000"), false},
		{"first instant", wuhan, "4201", cst("2020-01-01 00:00:00.000"), true},
		{"just before", wuhan, "4201", cst("2019-12-31 23:59:59.999"), false},
		{"last instant", wuhan, "4201", cst("2020-03-31 23:59:59.999"), true},
		{"just after", wuhan, "4201", cst("2020-04-01 00:00:00.000"), false},
		{"UTC evening is the next civil day", wuhan, "4201", time.Date(2020, 3, 31, 16, 0, 0, 0, time.UTC), false},
		{"lifted", RiskArea{Code: "4201", Level: RiskNone, From: "2020-01-01", To: "2020-03-31"}, "4201", cst("2020-02-01 12:00:00.000"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.area.Covers(tt.origin, tt.at); got != tt.want {
				t.Errorf("Covers(%s, %v) = %v, want %v", tt.origin, tt.at, got, tt.want)
			}
		})
	}
}

func TestRiskAreaSetMatch(t *testing.T) {
	at := time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	set := RiskAreaSet{Areas: []RiskArea{
		{Version: 1, Code: "42", Level: RiskMedium, From: "2020-01-01", To: "2020-12-31"},
		{Version: 2, Code: "4201", Level: RiskHigh, From: "2020-01-01", To: "2020-12-31"},
		{Version: 3, Code: "420102", Level: RiskLow, From: "2020-01-01", To: "2020-12-31"},
	}}
	for origin, want := range map[string]int64{"420102": 2, "420106": 2, "4202": 1, "11": 0} {
		got := set.Match(origin, at)
		if (got == nil && want != 0) || (got != nil && got.Version != want) {
			t.Errorf("Match(%s) = %+v, want version %d", origin, got, want)
		}
	}
}

func TestDecide(t *testing.T) {
	at := time.Date(2020, 2, 1, 0, 0, 0, 0, time.UTC)
	set := &RiskAreaSet{Version: 4, Areas: []RiskArea{{Version: 4, Code: "4201", Level: RiskHigh, From: "2020-01-01", To: "2020-03-31"}}}
	tests := []struct {
		name string
		o    Occupant
		dir  Direction
		want Decision
		area bool
	}{
		{"well, from elsewhere", Occupant{Origin: "2102", Temperature: 36.5}, DirectionIn, DecisionRelease, false},
		{"from the risk area", Occupant{Origin: "420102", Temperature: 36.5}, DirectionIn, DecisionLead, true},
		{"fever at the threshold", Occupant{Origin: "2102", Temperature: 37.3}, DirectionIn, DecisionFever, false},
		{"just below", Occupant{Origin: "2102", Temperature: 37.2}, DirectionIn, DecisionRelease, false},
		{"symptoms", Occupant{Origin: "2102", Temperature: 36.5, Symptoms: true}, DirectionIn, DecisionLead, false},
		{"fever from the risk area", Occupant{Origin: "4201", Temperature: 38}, DirectionIn, DecisionFever, true},
		{"leaving from the risk area", Occupant{Origin: "4201", Temperature: 36.5}, DirectionOut, DecisionRelease, false},
		{"leaving with fever", Occupant{Origin: "2101", Temperature: 38}, DirectionOut, DecisionFever, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, area := Decide(&tt.o, tt.dir, set, at)
			if got != tt.want || (area != nil) != tt.area {
				t.Errorf("Decide = %s, %+v; want %s, area %v", got, area, tt.want, tt.area)
			}
		})
	}
	for d, msg := range map[Decision]string{DecisionRelease: "放行", DecisionLead: "已推送核查", DecisionFever: "发热：转送发热门诊"} {
		if d.Text(LangZH) != msg {
			t.Errorf("%s message %q, want %q", d, d.Text(LangZH), msg)
		}
	}
}

func TestScreeningNormalize(t *testing.T) {
	valid := func() *Screening {
		return &Screening{Direction: DirectionIn, Plate: "辽a 12345", Occupants: []*Occupant{
			{Person: Person{IDNumber: "11010519491231002x"}, Origin: " 武汉 ", Temperature: 36.54},
			{Person: Person{Name: "李四", Phone: "139 0000 1111"}, Origin: "42", Temperature: 37},
		}}
	}
	s := valid()
	if err := s.Normalize(); err != nil {
		t.Fatal(err)
	}
	if s.Plate != "辽A12345" || s.Occupants[0].Person.IDNumber != "11010519491231002X" || s.Occupants[0].Origin != "武汉" ||
		s.Occupants[0].Temperature != 36.5 || s.Occupants[1].Seq != 2 || s.Occupants[1].Person.Phone != "13900001111" {
		t.Errorf("normalised %+v %+v %+v", s, s.Occupants[0], s.Occupants[1])
	}
	tests := []struct {
		name  string
		edit  func(s *Screening)
		field string
	}{
		{"phone", func(s *Screening) { s.Occupants[1].Person.Phone = "12345" }, "occupants[1].phone"},
		{"name without id", func(s *Screening) { s.Occupants[1].Person.Name = "" }, "occupants[1].name"},
		{"temperature", func(s *Screening) { s.Occupants[0].Temperature = 0 }, "occupants[0].temperature"},
		{"nil occupant", func(s *Screening) { s.Occupants[1] = nil }, "occupants[1]"},
		{"carriage zero", func(s *Screening) { s.Plate, s.Train, s.Carriage = "", "G1", "0" }, "carriage"},
		{"too many", func(s *Screening) {
			for range MaxOccupants {
				s.Occupants = append(s.Occupants, &Occupant{})
			}
		}, "occupants"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.edit(s)
			if err := s.Normalize(); ErrorCode(err) != EINVALID || ErrorField(err) != tt.field {
				t.Errorf("err = %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestScreeningContribution(t *testing.T) {
	s := &Screening{CheckpointCode: "CK1", Plate: "辽A12345", Time: time.Date(2020, 2, 1, 23, 30, 0, 0, time.UTC),
		Occupants: []*Occupant{{Decision: DecisionFever}, {Decision: DecisionLead}, {Decision: DecisionRelease}}}
	got := map[CounterKey]int64{}
	for _, d := range ScreeningContribution(s) {
		got[d.CounterKey] = d.N
	}
	// 23:30 UTC is 07:30 the next civil day.
	day := CheckpointDayScope("CK1", "2020-02-02")
	want := map[CounterKey]int64{
		{"ck:CK1", "screenings"}: 1, {"ck:CK1", "vehicles"}: 1, {"ck:CK1", "persons"}: 3,
		{"ck:CK1", "fevers"}: 1, {"ck:CK1", "leads"}: 2, {"ck:CK1", "released"}: 1,
		{day, "screenings@07"}: 1, {day, "vehicles@07"}: 1, {day, "persons@07"}: 3, {day, "fevers@07"}: 1, {day, "leads@07"}: 2,
		{day, "released@07"}: 1,
	}
	if len(got) != len(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v = %d, want %d", k, got[k], n)
		}
	}
}

func TestCivilDates(t *testing.T) {
	if got := AddDays("2020-02-28", 2); got != "2020-03-01" {
		t.Errorf("AddDays = %s", got)
	}
	if got := DaysBetween("2020-02-01", "2020-02-15"); got != 14 {
		t.Errorf("DaysBetween = %d", got)
	}
	if got := CivilDate(time.Date(2020, 1, 31, 16, 0, 0, 0, time.UTC)); got != "2020-02-01" {
		t.Errorf("CivilDate = %s", got)
	}
	if AddDays("2020-02-30", 1) != "" || !CivilMidnight("x").IsZero() {
		t.Error("malformed dates accepted")
	}
}
