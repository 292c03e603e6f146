package epiloop_test

import (
	"slices"
	"testing"

	"github.com/epiloop/epiloop"
)

func TestAgreementDecides(t *testing.T) {
	rule := epiloop.HandoverAgreement
	n := func(v int) *int { return &v }
	a := &epiloop.HandoverReport{OpenConflicts: n(1), OverdueTasks: n(2), Alerts: n(0)}
	b := &epiloop.HandoverReport{OpenConflicts: n(1), OverdueTasks: n(2), Alerts: n(3)}
	if d := rule.Decide(map[string]*epiloop.HandoverReport{epiloop.PartyOutgoing: a}); d.State != epiloop.AgreementWaiting ||
		!slices.Equal(d.Missing, []string{epiloop.PartyIncoming}) {
		t.Errorf("one side: %+v, want waiting for the incoming side", d)
	}
	if d := rule.Decide(map[string]*epiloop.HandoverReport{epiloop.PartyOutgoing: a, epiloop.PartyIncoming: b}); d.State != epiloop.AgreementDisputed ||
		!slices.Equal(d.Reasons, []string{epiloop.ReasonHandoverAlerts}) {
		t.Errorf("alerts differ: %+v", d)
	}
	if d := rule.Decide(map[string]*epiloop.HandoverReport{epiloop.PartyOutgoing: a, epiloop.PartyIncoming: a}); d.State != epiloop.AgreementAgreed {
		t.Errorf("same figures: %+v", d)
	}
	if err := rule.Check("bystander", a); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("a bystander's confirmation: %v", err)
	}
	if err := rule.Check(epiloop.PartyIncoming, &epiloop.HandoverReport{OpenConflicts: n(-1), OverdueTasks: n(0), Alerts: n(0)}); epiloop.ErrorField(err) != "open_conflicts" {
		t.Errorf("a negative figure: %v", err)
	}
}

// The double verification is the same agreement: its decision is
// Reconcile's verdict, agreed unless it is a conflict.
func TestDoubleVerificationIsAnAgreement(t *testing.T) {
	temp := func(v float64) *float64 { return &v }
	home := epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Measure: epiloop.MeasureHomeObservation, Temperature: temp(36.5)}
	fever := home
	fever.Temperature = temp(38.5)
	for _, tc := range []struct {
		name  string
		a, b  epiloop.Feedback
		state epiloop.AgreementState
	}{{"same", home, home, epiloop.AgreementAgreed}, {"fever on one side", home, fever, epiloop.AgreementDisputed}} {
		a, b := tc.a, tc.b
		d := epiloop.DoubleVerification.Decide(map[string]*epiloop.Feedback{"police_station": &a, "committee": &b})
		r := epiloop.Reconcile(&a, &b)
		if d.State != tc.state || d.Outcome.Verdict != r.Verdict || !slices.Equal(d.Reasons, r.Reasons) {
			t.Errorf("%s: %+v, Reconcile %+v", tc.name, d, r)
		}
	}
	one := home
	if d := epiloop.DoubleVerification.Decide(map[string]*epiloop.Feedback{"committee": &one}); d.State != epiloop.AgreementWaiting ||
		!slices.Equal(d.Missing, []string{"police_station"}) {
		t.Errorf("one report: %+v", d)
	}
}
