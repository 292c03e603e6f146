package loop

import (
	"slices"
	"time"

	"github.com/epiloop/epiloop"
)

// The daily dispatch (每日调度) of the daily report: per node of the
// caller's jurisdiction, the duty day's roster coverage, its hand-overs,
// and the node's responsibility items with the figure that measures each.

// DispatchItem is a responsibility item with its figure now (the node's
// scope: its district for a sub-command by district, else the city) and
// whether it is open: a figure of outstanding work above zero.
type DispatchItem struct {
	epiloop.Responsibility
	Value int64 `json:"value"`
	Open  bool  `json:"open"`
}

// DispatchRow is one node's line of the daily dispatch.
type DispatchRow struct {
	Code string           `json:"code"`
	Name string           `json:"name"`
	Kind epiloop.NodeKind `json:"kind"`
	// Slots and Gaps count the duty day's slots of the node's posts, and
	// those below their minimum; Staffed counts the persons assigned.
	Slots   int `json:"slots"`
	Gaps    int `json:"gaps"`
	Staffed int `json:"staffed"`
	// Handovers are the day's hand-overs: closed, still open, and
	// escalated as late.
	HandoversClosed    int            `json:"handovers_closed"`
	HandoversOpen      int            `json:"handovers_open"`
	HandoversEscalated int            `json:"handovers_escalated"`
	Items              []DispatchItem `json:"items"`
	OpenItems          int            `json:"open_items"`
}

// dispatch builds the daily dispatch of a scope for the duty day that
// begins at 08:00 of date: the city-wide reader every node, a district's
// its sub-command.
func dispatch(tx epiloop.Tx, scope epiloop.Scope, date string) ([]DispatchRow, error) {
	nodes, err := tx.FindCommandNodes()
	if err != nil {
		return nil, err
	}
	// Headquarters, sub-commands, working groups, then the fronts.
	slices.SortStableFunc(nodes, func(a, b epiloop.CommandNode) int {
		return slices.Index(epiloop.NodeKinds, a.Kind) - slices.Index(epiloop.NodeKinds, b.Kind)
	})
	from := epiloop.CivilMidnight(date).Add(epiloop.ShiftDayHour * time.Hour)
	to := from.Add(24 * time.Hour)
	var out []DispatchRow
	for _, n := range nodes {
		if !scope.All && (n.Kind != epiloop.NodeSubCommand || n.DistrictCode != scope.District) {
			continue
		}
		row := DispatchRow{Code: n.Code, Name: n.Name, Kind: n.Kind, Items: []DispatchItem{}}
		code := n.Code
		for offset := 0; ; offset += 1000 {
			slots, total, err := tx.FindDutySlots(epiloop.DutySlotFilter{Node: &code, From: from, To: to, Offset: offset, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, sl := range slots {
				row.Slots++
				row.Staffed += len(sl.Persons)
				if sl.Gap() {
					row.Gaps++
				}
			}
			if offset+len(slots) >= total || len(slots) == 0 {
				break
			}
		}
		hs, err := tx.FindHandovers(epiloop.HandoverFilter{Node: &code, From: from, To: to.Add(time.Millisecond), Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			switch {
			case h.ClosedAt != nil:
				row.HandoversClosed++
			default:
				row.HandoversOpen++
			}
			if h.EscalatedAt != nil {
				row.HandoversEscalated++
			}
		}
		if len(n.Responsibilities) > 0 {
			sc := epiloop.Scope{All: true}
			if n.DistrictCode != "" {
				sc = epiloop.Scope{District: n.DistrictCode}
			}
			c, err := tx.FindCounters(epiloop.CounterScope(sc))
			if err != nil {
				return nil, err
			}
			for _, r := range n.Responsibilities {
				it := DispatchItem{Responsibility: r}
				if r.Metric != "" {
					it.Value = c[r.Metric]
					it.Open = epiloop.OutstandingMetric(r.Metric) && it.Value > 0
				}
				if it.Open {
					row.OpenItems++
				}
				row.Items = append(row.Items, it)
			}
		}
		out = append(out, row)
	}
	return out, nil
}
