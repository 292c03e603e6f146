package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// leadWorld is a small population of leads across both districts.
type leadWorld struct {
	a          []*epiloop.Lead // district 1, community 1, tasks of ps1 and cm1
	b          []*epiloop.Lead // district 2, community 2, tasks of ps2 and cm2
	unroutable *epiloop.Lead   // no district, no tasks
	rerouted   *epiloop.Lead   // ps1 (cancelled, round 1), then ps2 and cm2 in district 2
}

func seedLeads(t testing.TB, s epiloop.Store) *leadWorld {
	t.Helper()
	seed(t, s)
	w := &leadWorld{}
	n := 0
	add := func(tx epiloop.Tx, l *epiloop.Lead, tasks ...*epiloop.Task) (*epiloop.Lead, error) {
		n++
		return l, addLead(tx, person(n), l, tasks...)
	}
	update(t, s, func(tx epiloop.Tx) error {
		for i := range 5 {
			l := newLead(d1, c1, epiloop.LeadPushed)
			switch i {
			case 0:
				l.Priority = epiloop.PriorityUrgent
			case 1:
				l.Status = epiloop.LeadClosed
				l.ClosedAt = ptr(at(time.Hour))
			case 2:
				l.Overdue = true
			}
			l, err := add(tx, l,
				newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1),
				newTask(cm1, epiloop.UnitCommittee, epiloop.TaskPushed, 1))
			if err != nil {
				return err
			}
			w.a = append(w.a, l)
		}
		for i := range 3 {
			l := newLead(d2, c2, epiloop.LeadVerifying)
			if i == 0 {
				l.Priority = epiloop.PriorityUrgent
			}
			l, err := add(tx, l,
				newTask(ps2, epiloop.UnitPoliceStation, epiloop.TaskAccepted, 1),
				newTask(cm2, epiloop.UnitCommittee, epiloop.TaskSubmitted, 1))
			if err != nil {
				return err
			}
			w.b = append(w.b, l)
		}
		var err error
		if w.unroutable, err = add(tx, newLead("", "", epiloop.LeadUnroutable)); err != nil {
			return err
		}
		r := newLead(d2, c2, epiloop.LeadPushed)
		r.Round = 2
		w.rerouted, err = add(tx, r,
			newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskCancelled, 1),
			newTask(ps2, epiloop.UnitPoliceStation, epiloop.TaskPushed, 2),
			newTask(cm2, epiloop.UnitCommittee, epiloop.TaskPushed, 2))
		if err != nil {
			return err
		}
		// Sources are not loaded by FindLeads.
		return tx.AddSource(w.a[0].ID, &epiloop.Source{Kind: epiloop.SourceHotline, CreatedAt: at(0)})
	})
	return w
}

// newestFirst returns the IDs of leads, highest first.
func newestFirst(ls ...*epiloop.Lead) []int64 {
	ids := leadIDs(ls)
	slices.Sort(ids)
	slices.Reverse(ids)
	return ids
}

func testFindLeads(t *testing.T, s epiloop.Store) {
	w := seedLeads(t, s)
	all := append(append(slices.Clone(w.a), w.b...), w.unroutable, w.rerouted)
	district2 := append(slices.Clone(w.b), w.rerouted)
	tests := []struct {
		name  string
		f     epiloop.LeadFilter
		want  []int64
		total int
	}{
		{"All", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}}, newestFirst(all...), 10},
		{"ZeroScopeSeesNothing", epiloop.LeadFilter{}, nil, 0},
		{"DistrictScope", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}}, newestFirst(w.a...), 5},
		{"DistrictScope2", epiloop.LeadFilter{Scope: epiloop.Scope{District: d2}}, newestFirst(district2...), 4},
		// A unit sees the leads it holds a live task of the current round
		// on: not the re-routed one, whose task was cancelled; a closed
		// one for epiloop.UnitReadGrace after it closed.
		{"UnitScopeLiveTasks", epiloop.LeadFilter{Scope: epiloop.Scope{Unit: ps1}, Now: at(2 * time.Hour)}, newestFirst(w.a...), 5},
		{"UnitScopeAfterGrace", epiloop.LeadFilter{Scope: epiloop.Scope{Unit: ps1}, Now: at(time.Hour + epiloop.UnitReadGrace + time.Minute)},
			newestFirst(w.a[0], w.a[2], w.a[3], w.a[4]), 4},
		{"UnitScope", epiloop.LeadFilter{Scope: epiloop.Scope{Unit: cm2}}, newestFirst(district2...), 4},
		{"UnitWithoutTasks", epiloop.LeadFilter{Scope: epiloop.Scope{Unit: epiloop.HeadquartersCode}}, nil, 0},
		{"Status", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Status: ptr(epiloop.LeadUnroutable)}, newestFirst(w.unroutable), 1},
		{"ScopeAndStatus", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}, Status: ptr(epiloop.LeadClosed)}, newestFirst(w.a[1]), 1},
		{"Priority", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Priority: ptr(epiloop.PriorityUrgent)}, newestFirst(w.a[0], w.b[0]), 2},
		{"DistrictFilter", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, District: ptr(d2)}, newestFirst(district2...), 4},
		{"ScopeAlwaysApplies", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}, District: ptr(d2)}, nil, 0},
		{"UnitScopeAndDistrict", epiloop.LeadFilter{Scope: epiloop.Scope{Unit: ps2}, District: ptr(d2)}, newestFirst(district2...), 4},
		{"FormerUnitScopeAndDistrict", epiloop.LeadFilter{Scope: epiloop.Scope{Unit: ps1}, District: ptr(d2)}, nil, 0},
		{"Overdue", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Overdue: ptr(true)}, newestFirst(w.a[2]), 1},
		{"NotOverdue", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}, Overdue: ptr(false)},
			newestFirst(w.a[0], w.a[1], w.a[3], w.a[4]), 4},
		{"Community", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Community: ptr(c1)}, newestFirst(w.a...), 5},
		{"IDs", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, IDs: []int64{w.a[0].ID, w.b[1].ID, 99999}}, newestFirst(w.a[0], w.b[1]), 2},
		{"IDsInScope", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}, IDs: []int64{w.a[0].ID, w.b[1].ID}}, newestFirst(w.a[0]), 1},
		{"NoIDs", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, IDs: []int64{}}, nil, 0},
		{"IDsPaged", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, IDs: []int64{w.a[0].ID, w.a[1].ID, w.b[1].ID}, Offset: 1, Limit: 1},
			newestFirst(w.a[0], w.a[1], w.b[1])[1:2], 3},
		{"IDsNoTasks", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, IDs: []int64{w.a[0].ID, w.b[1].ID}, NoTasks: true}, newestFirst(w.a[0], w.b[1]), 2},
		{"Page", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Offset: 2, Limit: 3}, newestFirst(all...)[2:5], 10},
		{"LastPage", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Offset: 8, Limit: 3}, newestFirst(all...)[8:], 10},
		{"PastTheEnd", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Offset: 10}, nil, 10},
		{"NegativeOffset", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}, Offset: -1}, newestFirst(w.a...), 5},
		{"Before", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Before: newestFirst(all...)[3], Limit: 3}, newestFirst(all...)[4:7], 6},
		{"BeforeInScope", epiloop.LeadFilter{Scope: epiloop.Scope{District: d1}, Before: newestFirst(w.a...)[1]}, newestFirst(w.a...)[2:], 3},
		{"BeforeNoCount", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Before: newestFirst(all...)[7], NoCount: true, Limit: 5}, newestFirst(all...)[8:], 2},
		{"NoCount", epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, NoCount: true, Limit: 4}, newestFirst(all...)[:4], 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, total, err := tx.FindLeads(tc.f)
				if err != nil {
					return err
				}
				diff(t, "leads", leadIDs(got), tc.want)
				diff(t, "total", total, tc.total)
				for _, l := range got {
					if tc.f.NoTasks && l.Tasks != nil {
						t.Errorf("lead %d: tasks loaded", l.ID)
					}
				}
				return nil
			})
		})
	}

	t.Run("Loaded", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, _, err := tx.FindLeads(epiloop.LeadFilter{Scope: epiloop.Scope{All: true}})
			if err != nil {
				return err
			}
			byID := make(map[int64]*epiloop.Lead)
			for _, l := range all {
				byID[l.ID] = l
			}
			for _, l := range got {
				want := byID[l.ID]
				diff(t, "person", l.Person, want.Person)
				diff(t, "tasks", l.Tasks, withUnits(want.Tasks))
				if l.Sources != nil {
					t.Errorf("lead %d: sources loaded", l.ID)
				}
			}
			return nil
		})
	})
}

func testFindLeadsLimit(t *testing.T, s epiloop.Store) {
	seed(t, s)
	const n = 1001
	update(t, s, func(tx epiloop.Tx) error {
		for i := range n {
			if err := addLead(tx, person(i), newLead(d1, c1, epiloop.LeadPushed)); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"Default", 0, 50},
		{"Given", 7, 7},
		{"Max", 5000, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, total, err := tx.FindLeads(epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Limit: tc.limit})
				if err != nil {
					return err
				}
				diff(t, "page size", len(got), tc.want)
				diff(t, "total", total, n)
				return nil
			})
		})
	}
	// A total the caller knows (from the counters) is returned as given,
	// and a page past it is empty.
	known := []struct {
		name          string
		offset, total int
		want          int
	}{
		{"KnownTotal", 0, n, 50},
		{"KnownTotalPastEnd", 20, 10, 0},
	}
	for _, tc := range known {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				total := tc.total
				got, gotTotal, err := tx.FindLeads(epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Offset: tc.offset, Total: &total})
				if err != nil {
					return err
				}
				diff(t, "page size", len(got), tc.want)
				diff(t, "total", gotTotal, tc.total)
				return nil
			})
		})
	}
}
