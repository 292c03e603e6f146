package loop

import (
	"context"

	"github.com/epiloop/epiloop"
)

// CaseFigures are the register's figures (epiloop/case_figures.go) in the
// caller's scope: the city's (or the caller's district's) totals, a row
// per district and a row per kind, read from the counters.
type CaseFigures struct {
	Total     epiloop.CaseTotals   `json:"total"`
	Districts []epiloop.CaseTotals `json:"districts"`
	Kinds     []epiloop.CaseTotals `json:"kinds"`
}

// CaseFigures returns the figures of the caller's scope: a district
// commander's district (its kinds from the district's own counters), the
// city with its districts and kinds for city-wide readers. Counts are
// suppressed as the caller's role requires (MinPublishedCount).
func (s *Service) CaseFigures(ctx context.Context) (*CaseFigures, error) {
	u, err := allowed(ctx, epiloop.ActCaseFigures)
	if err != nil {
		return nil, err
	}
	out := &CaseFigures{Districts: []epiloop.CaseTotals{}, Kinds: []epiloop.CaseTotals{}}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		var err error
		out.Total, out.Districts, out.Kinds, err = s.caseFigures(tx, u.Scope())
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, t := range append(append([]*epiloop.CaseTotals{&out.Total}, ptrs(out.Districts)...), ptrs(out.Kinds)...) {
		t.Suppress(u)
	}
	return out, nil
}

func ptrs[T any](xs []T) []*T {
	out := make([]*T, len(xs))
	for i := range xs {
		out[i] = &xs[i]
	}
	return out
}

// caseFigures reads the counters of scope sc: the total, the districts'
// rows and the kinds' rows.
func (s *Service) caseFigures(tx epiloop.Tx, sc epiloop.Scope) (epiloop.CaseTotals, []epiloop.CaseTotals, []epiloop.CaseTotals, error) {
	var districts, kinds []epiloop.CaseTotals
	if !sc.All {
		c, err := tx.FindStatCounters(epiloop.CaseScope(sc.District))
		if err != nil {
			return epiloop.CaseTotals{}, nil, nil, err
		}
		t := epiloop.CaseTotalsOf(sc.District, c)
		districts = append(districts, t)
		for _, k := range epiloop.CaseKinds {
			c, err := tx.FindStatCounters(epiloop.CaseKindScope(sc.District, k))
			if err != nil {
				return t, nil, nil, err
			}
			kinds = append(kinds, epiloop.CaseTotalsOf(string(k), c))
		}
		return t, districts, kinds, nil
	}
	c, err := tx.FindStatCounters(epiloop.CaseScope(""))
	if err != nil {
		return epiloop.CaseTotals{}, nil, nil, err
	}
	total := epiloop.CaseTotalsOf("", c)
	ds, err := tx.FindDistricts()
	if err != nil {
		return total, nil, nil, err
	}
	for _, d := range ds {
		c, err := tx.FindStatCounters(epiloop.CaseScope(d.Code))
		if err != nil {
			return total, nil, nil, err
		}
		districts = append(districts, epiloop.CaseTotalsOf(d.Code, c))
	}
	for _, k := range epiloop.CaseKinds {
		c, err := tx.FindStatCounters(epiloop.CaseKindScope("", k))
		if err != nil {
			return total, nil, nil, err
		}
		kinds = append(kinds, epiloop.CaseTotalsOf(string(k), c))
	}
	return total, districts, kinds, nil
}

// recountCases adds every case's contribution to want (the stat
// counters' recomputation from the rows).
func recountCases(tx epiloop.Tx, want map[epiloop.CounterKey]int64) error {
	const page = 1000
	for before := int64(0); ; {
		cs, _, err := tx.FindCases(epiloop.CaseFilter{Before: before, NoCount: true, Limit: page})
		if err != nil {
			return err
		}
		for i := range cs {
			for _, d := range epiloop.CaseContribution(&cs[i]) {
				want[d.CounterKey] += d.N
			}
		}
		if len(cs) < page {
			return nil
		}
		before = cs[len(cs)-1].ID
	}
}

// The daily report's case register section (ReportCases): figures of the
// moment from the same counters as the dashboard's tile, so a report
// carries them for today only. A district's row holds its own cases; the
// city's row also those handled by headquarters.
const (
	ReportCases = "cases"
	// MetricCaseAmountYuan is the amount involved as the report shows it:
	// yuan with separators.
	MetricCaseAmountYuan = "case_amount_yuan"
)

var caseReportSection = ReportSection{ReportCases, []string{epiloop.MetricCases, epiloop.MetricCasesSolved,
	epiloop.MetricCaseSuspects, epiloop.MetricCaseHandled, MetricCaseAmountYuan}}

// caseReportCells returns the section's cells of each area, by area code;
// none for the undetermined row.
func caseReportCells(tx epiloop.Tx, areas []reportArea, suppressed bool) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, a := range areas {
		if !a.city && a.district == "" {
			continue
		}
		c, err := tx.FindStatCounters(epiloop.CaseScope(a.district))
		if err != nil {
			return nil, err
		}
		out[a.code] = map[string]string{
			epiloop.MetricCases:        cell(c[epiloop.MetricCases], suppressed),
			epiloop.MetricCasesSolved:  cell(c[epiloop.MetricCasesSolved], suppressed),
			epiloop.MetricCaseSuspects: cell(c[epiloop.MetricCaseSuspects], suppressed),
			epiloop.MetricCaseHandled:  cell(c[epiloop.MetricCaseHandled], suppressed),
			MetricCaseAmountYuan:       epiloop.FormatYuan(c[epiloop.MetricCaseAmountFen]),
		}
	}
	return out, nil
}
