package epiloop

// The case register's figures (docs/figures.md), kept in stat counters in
// the transaction of every change to a case, in the scopes of the city
// (CaseScope("")), each district (CaseScope(code); headquarters' cases
// count in the city only), and each kind in the city and in each district
// (CaseKindScope):
//
//   - cases: cases registered; case_state.<state>: those now in a state
//     (CaseStates), so the states add up to cases;
//   - cases_solved: cases now solved or sent for prosecution
//     (CaseState.Solved);
//   - case_suspects: suspects recorded on the cases; case_handled: those
//     with at least one measure taken (the "suspects handled");
//   - case_amount_fen: the amounts involved, in fen;
//   - case_kind.<kind>: in the city's and the districts' scopes, the
//     cases of each kind.
const (
	MetricCases         = "cases"
	MetricCasesSolved   = "cases_solved"
	MetricCaseSuspects  = "case_suspects"
	MetricCaseHandled   = "case_handled"
	MetricCaseAmountFen = "case_amount_fen"
)

// CaseStateMetric is the metric of the cases in state s.
func CaseStateMetric(s CaseState) string { return "case_state." + string(s) }

// CaseKindMetric is the metric of the cases of kind k.
func CaseKindMetric(k CaseKind) string { return "case_kind." + string(k) }

// CaseScope names the stat counter scope of a district's cases; the
// city's with district "".
func CaseScope(district string) string {
	if district == "" {
		return "cs"
	}
	return "cs:d:" + district
}

// CaseKindScope names the stat counter scope of a kind's cases in a
// district, or in the city with district "".
func CaseKindScope(district string, k CaseKind) string {
	if district == "" {
		return "cs:k:" + string(k)
	}
	return "cs:d:" + district + ":k:" + string(k)
}

// CaseContribution is what one case adds to the counters, as a pure
// function of its row (nil for none).
func CaseContribution(c *Case) []CounterDelta {
	if c == nil {
		return nil
	}
	m := map[string]int64{
		MetricCases:              1,
		CaseStateMetric(c.State): 1,
		MetricCaseSuspects:       int64(c.Suspects),
		MetricCaseHandled:        int64(c.Handled),
		MetricCaseAmountFen:      c.AmountFen,
	}
	if c.State.Solved() {
		m[MetricCasesSolved] = 1
	}
	scopes := []string{CaseScope(""), CaseKindScope("", c.Kind)}
	if c.DistrictCode != "" {
		scopes = append(scopes, CaseScope(c.DistrictCode), CaseKindScope(c.DistrictCode, c.Kind))
	}
	var out []CounterDelta
	for i, scope := range scopes {
		for metric, n := range m {
			if n != 0 {
				out = append(out, CounterDelta{CounterKey{scope, metric}, n})
			}
		}
		if i%2 == 0 { // the city's and the district's scopes count the kinds
			out = append(out, CounterDelta{CounterKey{scope, CaseKindMetric(c.Kind)}, 1})
		}
	}
	SortCounterDeltas(out)
	return out
}

// CaseTotals are the figures of one scope.
type CaseTotals struct {
	// Key is the district's or the kind's code ("" for the city).
	Key       string              `json:"key"`
	Cases     int64               `json:"cases"`
	Solved    int64               `json:"solved"`
	Suspects  int64               `json:"suspects"`
	Handled   int64               `json:"handled"`
	AmountFen int64               `json:"amount_fen"`
	States    map[CaseState]int64 `json:"states"`
	Kinds     map[CaseKind]int64  `json:"kinds,omitempty"`
}

// CaseTotalsOf reads a scope's counters.
func CaseTotalsOf(key string, c map[string]int64) CaseTotals {
	t := CaseTotals{Key: key, Cases: c[MetricCases], Solved: c[MetricCasesSolved], Suspects: c[MetricCaseSuspects],
		Handled: c[MetricCaseHandled], AmountFen: c[MetricCaseAmountFen], States: map[CaseState]int64{}, Kinds: map[CaseKind]int64{}}
	for _, s := range CaseStates {
		t.States[s] = c[CaseStateMetric(s)]
	}
	for _, k := range CaseKinds {
		if n := c[CaseKindMetric(k)]; n != 0 {
			t.Kinds[k] = n
		}
	}
	return t
}

// Suppress applies u's count rule (MinPublishedCount) to the counts (the
// amount is not a count of persons or cases).
func (t *CaseTotals) Suppress(u *User) {
	t.Cases, t.Solved, t.Suspects, t.Handled = u.Count(t.Cases), u.Count(t.Solved), u.Count(t.Suspects), u.Count(t.Handled)
	for s, n := range t.States {
		t.States[s] = u.Count(n)
	}
	for k, n := range t.Kinds {
		t.Kinds[k] = u.Count(n)
	}
}
