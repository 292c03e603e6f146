package epiloop

import (
	"math"
)

// Verdict is what reconciling two feedbacks decides.
type Verdict string

const (
	// VerdictAgree closes the lead with the agreed outcome.
	VerdictAgree Verdict = "agree"
	// VerdictConflict sends the lead to a commander.
	VerdictConflict Verdict = "conflict"
	// VerdictReroute pushes the lead again to the address both sides gave.
	VerdictReroute Verdict = "reroute"
	// VerdictHandOver hands the lead to the destination city.
	VerdictHandOver Verdict = "handover"
)

// Reconciliation is the result of Reconcile.
type Reconciliation struct {
	Verdict Verdict `json:"verdict"`
	// Outcome is the merged feedback (agree, handover) or the new address
	// (reroute: Outcome.Address).
	Outcome Feedback `json:"outcome"`
	// Reasons lists every disagreement found, as stable codes.
	Reasons []string `json:"reasons,omitempty"`
}

// Reasons a reconciliation finds a conflict.
const (
	ReasonLocated     = "located_differs"
	ReasonMeasure     = "measure_differs"
	ReasonTemperature = "temperature_differs"
	ReasonFever       = "fever_needs_hospital_review"
	ReasonSymptoms    = "symptoms_differ"
	ReasonDestination = "destination_differs"
	ReasonSite        = "site_differs"
	ReasonAddress     = "address_differs"
)

// Reconcile decides a lead from its two units' feedbacks. It is a pure
// function of the two reports, and symmetric: the order of a and b does not
// change the verdict or the reasons. Where and measure must agree;
// temperatures agree within TemperatureTolerance; a fever or symptoms
// reported by either side need a hospital outcome from both, or a
// commander's review.
//
// For two elsewhere_in_city reports whose addresses differ in text, the
// verdict is reroute with a's address and ReasonAddress among the reasons:
// the workflow, which has the gazetteer, decides whether both addresses
// route to the same community.
func Reconcile(a, b *Feedback) Reconciliation {
	var reasons []string
	if a.Located != b.Located {
		return Reconciliation{Verdict: VerdictConflict, Reasons: []string{ReasonLocated}}
	}
	out := mergeFeedback(a, b)
	switch a.Located {
	case LocatedElsewhereInCity:
		r := Reconciliation{Verdict: VerdictReroute, Outcome: out}
		if a.Address != b.Address {
			r.Reasons = []string{ReasonAddress}
		}
		return r
	case LocatedLeftCity:
		if a.Destination != b.Destination {
			return Reconciliation{Verdict: VerdictConflict, Reasons: []string{ReasonDestination}}
		}
		return Reconciliation{Verdict: VerdictHandOver, Outcome: out}
	case LocatedNotFound:
		return Reconciliation{Verdict: VerdictAgree, Outcome: out}
	}
	if a.Measure != b.Measure {
		reasons = append(reasons, ReasonMeasure)
	}
	if a.Temperature != nil && b.Temperature != nil &&
		math.Abs(*a.Temperature-*b.Temperature) > TemperatureTolerance+1e-9 {
		reasons = append(reasons, ReasonTemperature)
	}
	if a.Symptoms != b.Symptoms {
		reasons = append(reasons, ReasonSymptoms)
	}
	if (a.Fever() || b.Fever() || a.Symptoms || b.Symptoms) &&
		(a.Measure != MeasureHospital || b.Measure != MeasureHospital) {
		reasons = append(reasons, ReasonFever)
	}
	if a.Measure == MeasureCentralIsolation && b.Measure == MeasureCentralIsolation && a.Site != b.Site {
		reasons = append(reasons, ReasonSite)
	}
	if len(reasons) > 0 {
		return Reconciliation{Verdict: VerdictConflict, Reasons: reasons}
	}
	return Reconciliation{Verdict: VerdictAgree, Outcome: out}
}

// mergeFeedback combines two agreeing reports into one outcome: the higher
// temperature, symptoms if either saw them, in-person contact if either
// made it, the first non-empty text fields.
func mergeFeedback(a, b *Feedback) Feedback {
	out := Feedback{
		Located:     a.Located,
		Address:     firstNonEmpty(a.Address, b.Address),
		Destination: firstNonEmpty(a.Destination, b.Destination),
		Contact:     b.Contact,
		Symptoms:    a.Symptoms || b.Symptoms,
		ArrivalDate: firstNonEmpty(a.ArrivalDate, b.ArrivalDate),
		Measure:     a.Measure,
		Site:        firstNonEmpty(a.Site, b.Site),
	}
	if a.Contact == ContactInPerson || out.Contact == "" {
		out.Contact = a.Contact
	}
	if b.Contact == ContactInPerson {
		out.Contact = ContactInPerson
	}
	switch {
	case a.Temperature == nil:
		out.Temperature = b.Temperature
	case b.Temperature == nil || *a.Temperature >= *b.Temperature:
		out.Temperature = a.Temperature
	default:
		out.Temperature = b.Temperature
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
