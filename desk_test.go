package epiloop

import (
	"testing"
	"time"
)

func TestCheckCreditCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		key  string
	}{
		{"91350100M000100Y43", ""},
		{"91210100MA0QD6K370", ""},
		{"91350100M000100Y4", "err.desk_credit_length"},
		{"91350100M000100Y44", "err.desk_credit_check"},
		{"91350100M000100I43", "err.desk_credit_chars"}, // I is not of the alphabet
		{"9135010OM000100Y43", "err.desk_credit_chars"},
	} {
		err := CheckCreditCode(tc.code)
		var got string
		if e, ok := err.(*Error); ok {
			got = e.Key
		}
		if got != tc.key {
			t.Errorf("%s: %q, want %q", tc.code, got, tc.key)
		}
	}
	if got := MaskCreditCode("91350100M000100Y43"); got != "91************0Y43" {
		t.Errorf("masked %s", got)
	}
}

func TestTicketInputNormalize(t *testing.T) {
	in := TicketInput{Measure: " WGFH ", District: "210102", Enterprise: "沈阳某公司", CreditCode: "９１３５０１００m０００１００y４３",
		Contact: "王经理", Phone: "024-2345 6789", Detail: "申请稳岗返还"}
	if err := in.Normalize(); err != nil || in.CreditCode != "91350100M000100Y43" || in.Phone != "02423456789" || in.Measure != "WGFH" {
		t.Fatalf("%+v %v", in, err)
	}
	in.Phone = "12345"
	if err := in.Normalize(); ErrorField(err) != "phone" {
		t.Errorf("a bad phone: %v", err)
	}
}

func TestTicketStepsAndClocks(t *testing.T) {
	t0 := time.Date(2020, 2, 3, 1, 0, 0, 0, time.UTC)
	m := &ServiceMeasure{ID: 1, Code: "M", Name: "稳岗返还", Mode: DeskBoth, UnitCode: "D", FirstResponseMin: 60, UpdateEveryMin: 120, SolutionMin: 600}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	tk := NewTicket(m, TicketInput{District: "210102"}, SourceOnline, t0)
	if got := tk.State.Actions(); len(got) != 2 || got[0] != TicketRespond || got[1] != TicketWait {
		t.Errorf("actions of a new ticket: %v", got)
	}
	steps := []struct {
		a    TicketAction
		at   time.Duration
		want TicketState
		err  string
	}{
		{TicketSolve, 0, TicketNew, ECONFLICT},
		{TicketConfirm, 0, TicketNew, ECONFLICT},
		{TicketRespond, 30 * time.Minute, TicketInProgress, ""},
		{TicketWait, time.Hour, TicketWaiting, ""},
		{TicketUpdate, 2 * time.Hour, TicketWaiting, ECONFLICT},
		{TicketResume, 4 * time.Hour, TicketInProgress, ""},
		{TicketSolve, 5 * time.Hour, TicketSolved, ""},
		{TicketReopen, 6 * time.Hour, TicketInProgress, ""},
		{TicketSolve, 7 * time.Hour, TicketSolved, ""},
		{TicketConfirm, 8 * time.Hour, TicketClosed, ""},
		{TicketReopen, 9 * time.Hour, TicketClosed, ECONFLICT},
	}
	for _, s := range steps {
		err := tk.Apply(s.a, m.SLA, 1, t0.Add(s.at))
		if ErrorCode(err) != s.err || tk.State != s.want {
			t.Fatalf("%s at %v: state %s err %v, want %s %q", s.a, s.at, tk.State, err, s.want, s.err)
		}
	}
	first, sol := tk.Clock(ClockFirstResponse), tk.Clock(ClockSolution)
	if first.MetAt == nil || !first.MetAt.Equal(t0.Add(30*time.Minute)) || first.Breached() {
		t.Errorf("first response: %+v", first)
	}
	// Paused 3 hours while waiting: due at 10 h + 3 h.
	if !sol.Due.Equal(t0.Add(13*time.Hour)) || sol.PausedTotal != 3*time.Hour || sol.MetAt == nil {
		t.Errorf("solution: %+v", sol)
	}
	if tk.ClosedAt == nil || tk.Decide().State != AgreementAgreed {
		t.Errorf("closed %v, agreement %v", tk.ClosedAt, tk.Decide())
	}
}

func TestGreenChannelTakesTheShortestSLA(t *testing.T) {
	m := &ServiceMeasure{SLA: DeskSLA{FirstResponse: 15 * time.Minute, UpdateEvery: 8 * time.Hour, Solution: 72 * time.Hour}}
	got := TicketSLA(m, true)
	want := DeskSLA{FirstResponse: 15 * time.Minute, UpdateEvery: GreenChannelSLA.UpdateEvery, Solution: GreenChannelSLA.Solution}
	if got != want {
		t.Errorf("green: %+v, want %+v", got, want)
	}
	if TicketSLA(m, false) != m.SLA {
		t.Error("a plain ticket takes its measure's")
	}
}

// FuzzCheckCreditCode: the check never panics, and what it accepts is 18
// characters of the alphabet with a matching check character.
func FuzzCheckCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "", "９１", "91350100M000100Y4X", "IIIIIIIIIIIIIIIIII"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckCreditCode(s) == nil && (len(s) != 18 || CreditCheckChar(s[:17]) != s[17]) {
			t.Errorf("accepted %q", s)
		}
		in := TicketInput{Measure: "M", District: "210102", Enterprise: "E", CreditCode: s, Contact: "C", Phone: s, Detail: "12345"}
		in.Normalize()
	})
}
