package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// The suite's isolation sites.
const site1, site2 = "SITE01", "SITE02"

func sites() []epiloop.Site {
	return []epiloop.Site{
		{Code: site1, Name: "浑南集中隔离点", DistrictCode: d1, Address: "浑南区某酒店", Capacity: 2},
		{Code: site2, Name: "沈河集中隔离点", DistrictCode: d2, Capacity: 50},
	}
}

// newObservation returns an active home plan of lead l held by unit.
func newObservation(l *epiloop.Lead, unit string) *epiloop.Observation {
	return &epiloop.Observation{
		LeadID: l.ID, Person: l.Person, Kind: epiloop.ObservationHome, Status: epiloop.ObservationActive,
		Start: "2020-01-30", End: "2020-02-13", UnitCode: unit, DistrictCode: l.DistrictCode,
		CheckDue: "2020-02-01", EscalateAt: at(16 * time.Hour),
		CreatedAt: at(0), UpdatedAt: at(0),
	}
}

func testSites(t *testing.T, s epiloop.Store) {
	seed(t, s)
	update(t, s, func(tx epiloop.Tx) error { return tx.UpsertSites(sites()) })
	l := newLead(d1, c1, epiloop.LeadClosed)
	update(t, s, func(tx epiloop.Tx) error {
		if err := addLead(tx, person(1), l); err != nil {
			return err
		}
		o := newObservation(l, site1)
		o.Kind = epiloop.ObservationCentral
		return tx.CreateObservation(o)
	})
	want := sites()
	want[0].Occupancy = 1
	t.Run("Units", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			u, err := tx.FindUnitByCode(site2)
			if err != nil {
				return err
			}
			diff(t, "unit", *u, epiloop.Unit{Code: site2, Kind: epiloop.UnitIsolationSite, Name: "沈河集中隔离点", DistrictCode: d2})
			return nil
		})
	})
	t.Run("FindSites", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindSites(nil)
			diff(t, "all", got, want)
			if err != nil {
				return err
			}
			got, err = tx.FindSites(ptr(d2))
			diff(t, "district", got, want[1:])
			return err
		})
	})
	t.Run("FindSiteByCode", func(t *testing.T) {
		update(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindSiteByCode(site1, true)
			if err != nil {
				return err
			}
			diff(t, "site", *got, want[0])
			return nil
		})
		for _, code := range []string{"SITE99", ps1} {
			viewCode(t, s, "FindSiteByCode "+code, epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindSiteByCode(code, false)
				return err
			})
		}
	})
	t.Run("Update", func(t *testing.T) {
		st := sites()[1]
		st.Capacity, st.Address = 80, "沈河区某宾馆"
		update(t, s, func(tx epiloop.Tx) error { return tx.UpsertSites([]epiloop.Site{st}) })
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindSiteByCode(site2, false)
			diff(t, "updated", *got, st)
			return err
		})
	})
}

func testObservations(t *testing.T, s epiloop.Store) {
	seed(t, s)
	var (
		l1 = newLead(d1, c1, epiloop.LeadClosed)
		l2 = newLead(d1, c1, epiloop.LeadClosed)
		l3 = newLead(d2, c2, epiloop.LeadClosed)
		o1 *epiloop.Observation
		o2 *epiloop.Observation
		o3 *epiloop.Observation
	)
	update(t, s, func(tx epiloop.Tx) error {
		for i, l := range []*epiloop.Lead{l1, l2, l3} {
			if err := addLead(tx, person(i+1), l); err != nil {
				return err
			}
		}
		o1, o2, o3 = newObservation(l1, cm1), newObservation(l2, cm1), newObservation(l3, cm2)
		o1.Person.Name = "" // the plan reads its person from the persons table
		o2.Status, o2.EscalateAt, o2.CheckDue = epiloop.ObservationPending, time.Time{}, ""
		o3.Kind, o3.EscalateAt = epiloop.ObservationNewDetainee, local(at(10*time.Hour))
		for _, o := range []*epiloop.Observation{o1, o2, o3} {
			if err := tx.CreateObservation(o); err != nil {
				return err
			}
		}
		return nil
	})
	if o1.ID <= 0 || o2.ID <= o1.ID || o3.ID <= o2.ID {
		t.Fatalf("observation IDs %d %d %d: want positive and growing", o1.ID, o2.ID, o3.ID)
	}
	o1.Person.Name = l1.Person.Name
	o3.EscalateAt = o3.EscalateAt.UTC()

	t.Run("RoundTrip", func(t *testing.T) {
		update(t, s, func(tx epiloop.Tx) error {
			for _, want := range []*epiloop.Observation{o1, o2, o3} {
				got, err := tx.FindObservationByID(want.ID, true)
				if err != nil {
					return err
				}
				diff(t, "observation", got, want)
				wantUTC(t, "EscalateAt", got.EscalateAt)
			}
			return nil
		})
	})
	t.Run("Update", func(t *testing.T) {
		u := *o2
		u.Status, u.Kind, u.UnitCode, u.DistrictCode = epiloop.ObservationReleased, epiloop.ObservationHome, "", d2
		u.Site, u.Proposal, u.Overdue, u.Missed = "某隔离点", epiloop.ProposeRelease, true, 3
		u.LastCheck, u.Override, u.EndReason, u.Hospital = "2020-02-12", true, "提前解除", "盛京医院"
		u.UpdatedAt, u.EndedAt = local(at(time.Hour)), ptr(local(at(time.Hour)))
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdateObservation(&u) })
		u.UpdatedAt, u.EndedAt = at(time.Hour), ptr(at(time.Hour))
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindObservationByID(o2.ID, false)
			diff(t, "updated", got, &u)
			return err
		})
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdateObservation(o2) })
	})
	ids := func(os []*epiloop.Observation) []int64 {
		var out []int64
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	active := epiloop.ObservationActive
	tests := []struct {
		name  string
		f     epiloop.ObservationFilter
		want  []int64
		total int
	}{
		{"All", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}}, []int64{o3.ID, o2.ID, o1.ID}, 3},
		{"District", epiloop.ObservationFilter{Scope: epiloop.Scope{District: d1}}, []int64{o2.ID, o1.ID}, 2},
		{"Unit", epiloop.ObservationFilter{Scope: epiloop.Scope{Unit: cm2}}, []int64{o3.ID}, 1},
		{"ZeroScope", epiloop.ObservationFilter{}, nil, 0},
		{"Status", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Status: &active}, []int64{o3.ID, o1.ID}, 2},
		{"UnitFilter", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Unit: ptr(cm1)}, []int64{o2.ID, o1.ID}, 2},
		{"Kind", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Kind: ptr(epiloop.ObservationNewDetainee)}, []int64{o3.ID}, 1},
		{"Page", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Offset: 1, Limit: 1}, []int64{o2.ID}, 3},
		{"PastTheEnd", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Offset: 3}, nil, 3},
		{"Before", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Before: o3.ID}, []int64{o2.ID, o1.ID}, 2},
		{"BeforeInDistrict", epiloop.ObservationFilter{Scope: epiloop.Scope{District: d1}, Before: o2.ID}, []int64{o1.ID}, 1},
		{"NoCount", epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Before: o2.ID, NoCount: true, Limit: 5}, []int64{o1.ID}, 1},
	}
	for _, tc := range tests {
		t.Run("Find/"+tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, total, err := tx.FindObservations(tc.f)
				diff(t, "observations", ids(got), tc.want)
				diff(t, "total", total, tc.total)
				return err
			})
		})
	}
	t.Run("FindDue", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			now  time.Time
			want []int64
		}{
			{"NoneYet", at(9 * time.Hour), nil},
			{"One", local(at(10 * time.Hour)), []int64{o3.ID}},
			{"Both", at(20 * time.Hour), []int64{o3.ID, o1.ID}},
		} {
			view(t, s, func(tx epiloop.Tx) error {
				got, err := tx.FindDueObservations(tc.now, 10)
				diff(t, tc.name, ids(got), tc.want)
				return err
			})
		}
	})
	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name string
			want string
			fn   func(tx epiloop.Tx) error
		}{
			{"SecondPlanForLead", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
				return tx.CreateObservation(newObservation(l1, cm1))
			}},
			{"NoLead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				l := *l1
				l.ID += 1000
				return tx.CreateObservation(newObservation(&l, cm1))
			}},
			{"FindObservationByID", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindObservationByID(o3.ID+1000, false)
				return err
			}},
			{"UpdateObservation", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				o := *o1
				o.ID += 1000
				return tx.UpdateObservation(&o)
			}},
			{"CheckWithoutPlan", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				return tx.CreateObservationCheck(&epiloop.ObservationCheck{ObservationID: o3.ID + 1000, Date: "2020-02-01", Time: at(0), Temperature: 36.5})
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { updateCode(t, s, tc.name, tc.want, tc.fn) })
		}
	})
	t.Run("Checks", func(t *testing.T) {
		c1 := &epiloop.ObservationCheck{ObservationID: o1.ID, Date: "2020-02-01", Time: local(at(time.Hour)),
			Temperature: 36.6, Present: true, By: 4}
		c2 := &epiloop.ObservationCheck{ObservationID: o1.ID, Date: "2020-02-02", Time: at(25 * time.Hour),
			Temperature: 37.8, Symptoms: true, Present: false, Note: "咳嗽"}
		update(t, s, func(tx epiloop.Tx) error {
			if err := tx.CreateObservationCheck(c1); err != nil {
				return err
			}
			return tx.CreateObservationCheck(c2)
		})
		if c1.ID <= 0 || c2.ID <= c1.ID {
			t.Fatalf("check IDs %d %d: want positive and growing", c1.ID, c2.ID)
		}
		c1.Time = c1.Time.UTC()
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindObservationChecks(o1.ID)
			diff(t, "checks", got, []*epiloop.ObservationCheck{c1, c2})
			if err != nil {
				return err
			}
			got, err = tx.FindObservationChecks(o2.ID)
			diff(t, "no checks", len(got), 0)
			return err
		})
	})
	t.Run("Escalations", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			date string
			want bool
		}{
			{"First", "2020-02-01", true},
			{"Again", "2020-02-01", false},
			{"NextDay", "2020-02-02", true},
		} {
			update(t, s, func(tx epiloop.Tx) error {
				got, err := tx.CreateObservationEscalation(o1.ID, tc.date, at(20*time.Hour))
				diff(t, tc.name, got, tc.want)
				return err
			})
		}
		updateCode(t, s, "escalation without plan", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			_, err := tx.CreateObservationEscalation(o3.ID+1000, "2020-02-01", at(0))
			return err
		})
	})
}
