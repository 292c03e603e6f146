package epiloop

import (
	"slices"
	"time"
)

// An agreement is a record that closes only when every party has
// confirmed it and their confirmations agree; left open too long it
// escalates. The double verification of a lead (a police station and a
// committee report, Reconcile compares) and the shift hand-over (the
// outgoing and the incoming officer) are agreements; later fronts
// (re-inspection of places, desk tickets, a city's hand-over result) are
// written the same way: an AgreementRule and the record's confirmations.

// AgreementState is where an agreement stands.
type AgreementState string

const (
	// AgreementWaiting: a party has not confirmed yet.
	AgreementWaiting AgreementState = "waiting"
	// AgreementAgreed: every party confirmed and the comparison agreed;
	// the record closes.
	AgreementAgreed AgreementState = "agreed"
	// AgreementDisputed: every party confirmed and the comparison found
	// differences; the record stays open for a party to correct, or for
	// whoever the rule escalates to.
	AgreementDisputed AgreementState = "disputed"
)

// AgreementRule is one kind of agreement: who must confirm, what each
// confirmation must carry, how the confirmations are compared, and when
// and to whom an open one escalates. C is a party's confirmation, O what
// the comparison decides.
type AgreementRule[C, O any] struct {
	// Name is the agreement's stable code.
	Name string
	// Parties are the roles that must each confirm, in order.
	Parties []string
	// Required checks that one confirmation carries the required fields
	// (a FieldError names the first missing one).
	Required func(c C) error
	// Compare decides from every party's confirmation, in Parties order:
	// agreed, or the reasons (stable codes) they differ; out is what the
	// record takes either way (a merged outcome, a verdict).
	Compare func(cs []C) (out O, agreed bool, reasons []string)
	// EscalateAfter is how long after its due time a record that has not
	// closed escalates (0: the record's own deadlines escalate it, as
	// the tasks of a lead do).
	EscalateAfter time.Duration
	// EscalateTo names who an overdue record escalates to (a stable code:
	// "node_leader", "unit_district_headquarters").
	EscalateTo string
}

// AgreementDecision is what a rule decides from the confirmations so far.
type AgreementDecision[O any] struct {
	State AgreementState `json:"state"`
	// Missing are the parties still to confirm.
	Missing []string `json:"missing,omitempty"`
	Outcome O        `json:"outcome"`
	Reasons []string `json:"reasons,omitempty"`
}

// Check returns the error of a confirmation from party that the rule does
// not take: a party it does not know, or a required field missing.
func (r AgreementRule[C, O]) Check(party string, c C) error {
	if !slices.Contains(r.Parties, party) {
		return Errorf(EFORBIDDEN, "err.agreement_not_a_party")
	}
	if r.Required != nil {
		return r.Required(c)
	}
	return nil
}

// Decide decides from the confirmations by party (a party absent from
// the map has not confirmed): waiting until every party has, then agreed
// or disputed as Compare says.
func (r AgreementRule[C, O]) Decide(confirmed map[string]C) AgreementDecision[O] {
	var d AgreementDecision[O]
	cs := make([]C, 0, len(r.Parties))
	for _, p := range r.Parties {
		c, ok := confirmed[p]
		if !ok {
			d.Missing = append(d.Missing, p)
			continue
		}
		cs = append(cs, c)
	}
	if len(d.Missing) > 0 {
		d.State = AgreementWaiting
		return d
	}
	out, agreed, reasons := r.Compare(cs)
	d.Outcome, d.Reasons = out, reasons
	d.State = AgreementDisputed
	if agreed {
		d.State = AgreementAgreed
	}
	return d
}

// Overdue reports whether a record due at due that has not closed must
// escalate at now.
func (r AgreementRule[C, O]) Overdue(due, now time.Time) bool {
	return r.EscalateAfter > 0 && !now.Before(due.Add(r.EscalateAfter))
}

// DoubleVerification is the closed loop's agreement: the police station
// and the committee each report a structured feedback; Reconcile compares
// them (agree, hand over and re-route close the round; a conflict goes to
// a commander). Its escalation runs on the tasks' own deadlines, unit →
// district → headquarters.
var DoubleVerification = AgreementRule[*Feedback, Reconciliation]{
	Name:     "double_verification",
	Parties:  []string{string(UnitPoliceStation), string(UnitCommittee)},
	Required: func(f *Feedback) error { return f.Validate() },
	Compare: func(cs []*Feedback) (Reconciliation, bool, []string) {
		r := Reconcile(cs[0], cs[1])
		return r, r.Verdict != VerdictConflict, r.Reasons
	},
	EscalateTo: "unit_district_headquarters",
}
