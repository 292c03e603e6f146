package epiloop_test

import (
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
)

// TestCaseProcedure walks every pair of states: a case moves only along
// the procedure, one state at a time, and never skips one.
func TestCaseProcedure(t *testing.T) {
	allowed := map[[2]epiloop.CaseState]bool{
		{epiloop.CaseAccepted, epiloop.CaseFiled}:          true,
		{epiloop.CaseAccepted, epiloop.CaseDeclined}:       true,
		{epiloop.CaseFiled, epiloop.CaseInvestigating}:     true,
		{epiloop.CaseFiled, epiloop.CaseWithdrawn}:         true,
		{epiloop.CaseInvestigating, epiloop.CaseSolved}:    true,
		{epiloop.CaseInvestigating, epiloop.CaseWithdrawn}: true,
		{epiloop.CaseSolved, epiloop.CaseProsecuted}:       true,
	}
	for _, from := range epiloop.CaseStates {
		for _, to := range epiloop.CaseStates {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				c := &epiloop.Case{ID: 1, State: from}
				tr, err := c.Transition(to, "沈公(和)立字〔2026〕1号", "")
				want := allowed[[2]epiloop.CaseState{from, to}]
				if got := err == nil; got != want {
					t.Fatalf("transition allowed = %v (err %v), want %v", got, err, want)
				}
				if !want {
					if epiloop.ErrorCode(err) != epiloop.ECONFLICT || c.State != from {
						t.Errorf("refused with %q, state %s; want conflict, state unchanged", epiloop.ErrorCode(err), c.State)
					}
					return
				}
				if c.State != to || tr.From != from || tr.To != to {
					t.Errorf("state %s, transition %s→%s", c.State, tr.From, tr.To)
				}
			})
		}
	}
	// Skipping: from 受案 straight to 破案 or 移送起诉 is refused.
	for _, to := range []epiloop.CaseState{epiloop.CaseInvestigating, epiloop.CaseSolved, epiloop.CaseProsecuted, epiloop.CaseWithdrawn} {
		c := &epiloop.Case{State: epiloop.CaseAccepted}
		if _, err := c.Transition(to, "doc", ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("受案 → %s: %v, want conflict", to, err)
		}
	}
	for _, s := range []epiloop.CaseState{epiloop.CaseProsecuted, epiloop.CaseDeclined, epiloop.CaseWithdrawn} {
		if !s.Ended() || len(s.Next()) != 0 {
			t.Errorf("%s: not ended", s)
		}
	}
}

func TestCaseTransitionFields(t *testing.T) {
	tests := []struct {
		name, doc, note string
		to              epiloop.CaseState
		field           string
	}{
		{"no document", " ", "", epiloop.CaseFiled, "doc_no"},
		{"unknown state", "d", "", "rumour", "to"},
		{"long note", "d", string(make([]byte, epiloop.MaxCaseSummary+1)), epiloop.CaseFiled, "note"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &epiloop.Case{State: epiloop.CaseAccepted}
			_, err := c.Transition(tc.to, tc.doc, tc.note)
			if epiloop.ErrorField(err) != tc.field || c.State != epiloop.CaseAccepted {
				t.Errorf("field %q (err %v), state %s; want %q, unchanged", epiloop.ErrorField(err), err, c.State, tc.field)
			}
		})
	}
}

func TestCaseValidate(t *testing.T) {
	ok := func() epiloop.Case {
		return epiloop.Case{Kind: epiloop.CaseCounterfeit, Title: " 制售假冒口罩案 ", AmountFen: 100,
			Provinces: []string{"21", "13", "21"}, Cities: []string{"2101", "1301"}, Places: []string{"P1", ""}}
	}
	c := ok()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Title != "制售假冒口罩案" || !slices.Equal(c.Provinces, []string{"21", "13"}) || !slices.Equal(c.Places, []string{"P1"}) {
		t.Errorf("normalised to %+v", c)
	}
	tests := []struct {
		name  string
		edit  func(c *epiloop.Case)
		field string
	}{
		{"kind", func(c *epiloop.Case) { c.Kind = "rumour" }, "kind"},
		{"title", func(c *epiloop.Case) { c.Title = "" }, "title"},
		{"amount", func(c *epiloop.Case) { c.AmountFen = -1 }, "amount"},
		{"province code", func(c *epiloop.Case) { c.Provinces = []string{"210"} }, "provinces"},
		{"city code", func(c *epiloop.Case) { c.Cities = []string{"21a1"} }, "cities"},
		{"city outside provinces", func(c *epiloop.Case) { c.Cities = []string{"3201"} }, "cities"},
		{"place code", func(c *epiloop.Case) { c.Places = []string{"a/b"} }, "places"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok()
			tc.edit(&c)
			if got := epiloop.ErrorField(c.Validate()); got != tc.field {
				t.Errorf("field %q, want %q", got, tc.field)
			}
		})
	}
}

func TestYuan(t *testing.T) {
	for _, tc := range []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"22,000,000", 2_200_000_000, true},
		{"１２００.5", 120_050, true},
		{"¥ 3.05", 305, true},
		{"", 0, true},
		{"1.234", 0, false},
		{"-5", 0, false},
		{"abc", 0, false},
		{".", 0, false},
	} {
		fen, ok := epiloop.ParseYuan(tc.in)
		if fen != tc.fen || ok != tc.ok {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, %v", tc.in, fen, ok, tc.fen, tc.ok)
		}
	}
	for fen, want := range map[int64]string{2_200_000_000: "22,000,000", 150: "1.50", 0: "0", 123_456_789: "1,234,567.89"} {
		if got := epiloop.FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func TestCaseNumber(t *testing.T) {
	names := []string{"和平区", "沈河区", "大东区", "沈北新区", "苏家屯区"}
	if got := epiloop.CaseNumber(epiloop.CaseAgency("沈阳市"), epiloop.DistrictShortName("和平区", names), 2026, 123); got != "沈公(和)涉疫〔2026〕123" {
		t.Errorf("number %q", got)
	}
	for name, want := range map[string]string{"沈河区": "沈河", "沈北新区": "沈北", "大东区": "大"} {
		if got := epiloop.DistrictShortName(name, names); got != want {
			t.Errorf("short name of %s = %q, want %q", name, got, want)
		}
	}
	if got := epiloop.CaseNumber("沈公", "", 2026, 7); got != "沈公涉疫〔2026〕7" {
		t.Errorf("headquarters' number %q", got)
	}
}

func TestCaseMeasureValidate(t *testing.T) {
	open := &epiloop.Case{State: epiloop.CaseInvestigating}
	dropped := &epiloop.Case{State: epiloop.CaseWithdrawn}
	tests := []struct {
		name string
		m    epiloop.CaseMeasure
		c    *epiloop.Case
		code string
	}{
		{"detention names its facility", epiloop.CaseMeasure{Kind: epiloop.MeasureCriminalDetain, Date: "2026-02-01"}, open, epiloop.EINVALID},
		{"detention", epiloop.CaseMeasure{Kind: epiloop.MeasureCriminalDetain, Date: "2026-02-01", FacilityCode: "KSS1"}, open, ""},
		{"bad date", epiloop.CaseMeasure{Kind: epiloop.MeasureSummons, Date: "2026-02-30"}, open, epiloop.EINVALID},
		{"dropped case: no summons", epiloop.CaseMeasure{Kind: epiloop.MeasureSummons, Date: "2026-02-01"}, dropped, epiloop.ECONFLICT},
		{"dropped case: release", epiloop.CaseMeasure{Kind: epiloop.MeasureRelease, Date: "2026-02-01"}, dropped, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := epiloop.ErrorCode(tc.m.Validate(tc.c)); got != tc.code {
				t.Errorf("code %q, want %q", got, tc.code)
			}
		})
	}
	m := epiloop.CaseMeasure{Kind: epiloop.MeasureBail, Date: "2026-02-01", FacilityCode: "KSS1"}
	if err := m.Validate(open); err != nil || m.FacilityCode != "" {
		t.Errorf("bail keeps facility %q (%v)", m.FacilityCode, err)
	}
}

// custodyLog builds a sealed log of n rows for case c.
func custodyLog(t *testing.T, kr *keyring.Keyring, c *epiloop.Case, n int) []epiloop.CustodyEntry {
	t.Helper()
	at := time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC)
	var rows []epiloop.CustodyEntry
	var prev []byte
	for i := range n {
		e := epiloop.CustodyEntry{CaseID: c.ID, Seq: int64(i + 1), Action: epiloop.CustodyActions[i%len(epiloop.CustodyActions)],
			Quantity: 1000, Place: "涉案物品保管室", ActorID: 4, At: at.Add(time.Duration(i) * time.Hour)}
		e.Seal(prev, kr)
		prev = e.Hash
		rows = append(rows, e)
	}
	c.CustodyCount, c.CustodyHead = int64(n), prev
	return rows
}

func TestVerifyCustody(t *testing.T) {
	kr, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		edit     func(c *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry
		firstBad int64
		reason   string
	}{
		{"intact", func(_ *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry { return rows }, 0, ""},
		{"quantity edited", func(_ *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry {
			rows[2].Quantity = 10
			return rows
		}, 3, epiloop.CustodyAltered},
		{"holder edited", func(_ *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry {
			rows[0].Holder = "某人"
			return rows
		}, 1, epiloop.CustodyAltered},
		{"middle row deleted", func(_ *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry {
			return slices.Delete(rows, 1, 2)
		}, 2, epiloop.CustodyMissing},
		{"row deleted and renumbered", func(_ *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry {
			rows = slices.Delete(rows, 1, 2)
			for i := range rows {
				rows[i].Seq = int64(i + 1)
			}
			return rows
		}, 2, epiloop.CustodyAltered},
		{"last row deleted", func(_ *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry {
			return rows[:len(rows)-1]
		}, 4, epiloop.CustodyTruncated},
		{"last row deleted and head rewound", func(c *epiloop.Case, rows []epiloop.CustodyEntry) []epiloop.CustodyEntry {
			c.CustodyCount = 3
			return rows[:len(rows)-1]
		}, 4, epiloop.CustodyTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &epiloop.Case{ID: 9}
			rows := tc.edit(c, custodyLog(t, kr, c, 4))
			got := epiloop.VerifyCustody(c, rows, kr)
			if got.OK != (tc.reason == "") || got.FirstBad != tc.firstBad || got.Reason != tc.reason {
				t.Errorf("check %+v, want first bad %d (%s)", got, tc.firstBad, tc.reason)
			}
		})
	}
	// A row resealed under another key does not pass.
	other, _ := keyring.New()
	c := &epiloop.Case{ID: 9}
	rows := custodyLog(t, kr, c, 2)
	rows[1].Seal(rows[0].Hash, other)
	c.CustodyHead = rows[1].Hash
	if got := epiloop.VerifyCustody(c, rows, kr); got.OK || got.FirstBad != 2 {
		t.Errorf("foreign key: %+v", got)
	}
}

func TestCaseContribution(t *testing.T) {
	c := &epiloop.Case{Kind: epiloop.CaseFraud, State: epiloop.CaseSolved, DistrictCode: "210102", Suspects: 3, Handled: 2, AmountFen: 500}
	got := map[epiloop.CounterKey]int64{}
	for _, d := range epiloop.CaseContribution(c) {
		got[d.CounterKey] += d.N
	}
	for _, scope := range []string{epiloop.CaseScope(""), epiloop.CaseScope("210102"), epiloop.CaseKindScope("", epiloop.CaseFraud),
		epiloop.CaseKindScope("210102", epiloop.CaseFraud)} {
		tot := epiloop.CaseTotalsOf("", counters(got, scope))
		if tot.Cases != 1 || tot.Solved != 1 || tot.Suspects != 3 || tot.Handled != 2 || tot.AmountFen != 500 || tot.States[epiloop.CaseSolved] != 1 {
			t.Errorf("%s: %+v", scope, tot)
		}
	}
	if got[epiloop.CounterKey{Scope: epiloop.CaseScope("210102"), Metric: epiloop.CaseKindMetric(epiloop.CaseFraud)}] != 1 {
		t.Error("district's kind count missing")
	}
	hq := &epiloop.Case{Kind: epiloop.CaseFraud, State: epiloop.CaseAccepted}
	for _, d := range epiloop.CaseContribution(hq) {
		if d.Scope == epiloop.CaseScope("") && d.Metric == epiloop.MetricCasesSolved {
			t.Error("an accepted case counts as solved")
		}
		if d.Scope != epiloop.CaseScope("") && d.Scope != epiloop.CaseKindScope("", epiloop.CaseFraud) {
			t.Errorf("headquarters' case counts in %s", d.Scope)
		}
	}
}

func counters(m map[epiloop.CounterKey]int64, scope string) map[string]int64 {
	out := map[string]int64{}
	for k, n := range m {
		if k.Scope == scope {
			out[k.Metric] = n
		}
	}
	return out
}

func TestCaseVisibility(t *testing.T) {
	c := &epiloop.Case{DistrictCode: "210102", UnitCode: "PS210102001"}
	tests := []struct {
		u    epiloop.User
		read bool
	}{
		{epiloop.User{Role: epiloop.RoleCommander}, true},
		{epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210102"}, true},
		{epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210103"}, false},
		{epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS210102001"}, true},
		{epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS210102002"}, false},
		{epiloop.User{Role: epiloop.RoleAnalyst}, false},
		{epiloop.User{Role: epiloop.RoleCommittee, UnitCode: "PS210102001"}, false},
	}
	for _, tc := range tests {
		if got := epiloop.CaseVisible(&tc.u, c); got != tc.read {
			t.Errorf("%s/%s%s: visible %v, want %v", tc.u.Role, tc.u.DistrictCode, tc.u.UnitCode, got, tc.read)
		}
	}
	station := &epiloop.Unit{Code: "PS210102001", Kind: epiloop.UnitPoliceStation, DistrictCode: "210102"}
	hq := &epiloop.Unit{Code: epiloop.HeadquartersCode, Kind: epiloop.UnitHeadquarters}
	committee := &epiloop.Unit{Code: "CM1", Kind: epiloop.UnitCommittee, DistrictCode: "210102"}
	district := &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210102"}
	cmd := &epiloop.User{Role: epiloop.RoleCommander}
	switch {
	case !epiloop.MayHandleCaseAt(district, station), epiloop.MayHandleCaseAt(district, hq):
		t.Error("district commander's handling units")
	case !epiloop.MayHandleCaseAt(cmd, hq), epiloop.MayHandleCaseAt(cmd, committee):
		t.Error("commander's handling units")
	}
}

// FuzzParseYuan: whatever is typed, ParseYuan never panics, never returns
// a negative or out-of-bounds amount, and reads its own formatting back.
func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"22,000,000", "1.5", "￥3.05元", "-1", "9999999999999999999", "１２", ".5", "5."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, ok := epiloop.ParseYuan(s)
		if !ok {
			return
		}
		if fen < 0 || fen > epiloop.MaxCaseFen {
			t.Fatalf("ParseYuan(%q) = %d", s, fen)
		}
		if back, ok := epiloop.ParseYuan(epiloop.FormatYuan(fen)); !ok || back != fen {
			t.Fatalf("ParseYuan(FormatYuan(%d)) = %d, %v", fen, back, ok)
		}
	})
}
