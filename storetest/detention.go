package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testDetention pins the detention storage: areas upsert by facility and
// code and read their occupancy from the detainees present; an isolation
// cell takes one detainee present and a person is present once
// (ECONFLICT); a stay round-trips its sealed reasons and its person; a
// plan of no lead is stored; cohorts round-trip with their members and
// hand-over, one on site per facility; orders keep their sealed
// exemptions, newest first; and the stats count the rows on a day.
func testDetention(t *testing.T, s epiloop.Store) {
	const fac = "DT1"
	leader := &epiloop.User{Name: "leader", Role: epiloop.RoleDetention, UnitCode: "PS1", CreatedAt: at(0)}
	persons := make([]epiloop.Person, 4)
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.CreateUser(leader); err != nil {
			return err
		}
		for i := range persons {
			persons[i] = epiloop.Person{Name: "人员" + string(rune('甲'+i)), Phone: "1390000000" + string(rune('0'+i))}
			if err := tx.CreatePerson(&persons[i]); err != nil {
				return err
			}
		}
		for _, a := range []epiloop.DetentionArea{{FacilityCode: fac, Code: "I1", Name: "隔离1", Kind: epiloop.AreaIsolation, Capacity: 1},
			{FacilityCode: fac, Code: "G1", Name: "监区", Kind: epiloop.AreaGeneral, Capacity: 5}} {
			if err := tx.SaveDetentionArea(&a, at(0)); err != nil {
				return err
			}
		}
		g := epiloop.DetentionArea{FacilityCode: fac, Code: "G1", Name: "一监区", Kind: epiloop.AreaGeneral, Capacity: 8}
		return tx.SaveDetentionArea(&g, at(time.Hour))
	})
	// A plan of no lead (a detainee's).
	obs := &epiloop.Observation{Person: persons[0], Kind: epiloop.ObservationNewDetainee, Status: epiloop.ObservationActive,
		Start: "2020-02-01", End: "2020-02-16", UnitCode: "PS1", DistrictCode: "210102", CreatedAt: at(0), UpdatedAt: at(0)}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateObservation(obs) })
	view(t, s, func(tx epiloop.Tx) error {
		o, err := tx.FindObservationByID(obs.ID, false)
		if err == nil && (o.LeadID != 0 || o.Kind != epiloop.ObservationNewDetainee) {
			t.Errorf("plan of no lead: %+v", o)
		}
		return err
	})
	stay := func(p epiloop.Person, area string, kind epiloop.AreaKind) *epiloop.Detainee {
		return &epiloop.Detainee{FacilityCode: fac, DistrictCode: "210102", UnitCode: "PS1", Person: p, AreaCode: area,
			AreaKind: kind, Status: epiloop.DetaineePresent, CaseRef: "C-1", Reason: "刑拘", IsolationEnd: "2020-02-16",
			AdmittedAt: at(0), CreatedAt: at(0), UpdatedAt: at(0)}
	}
	d1 := stay(persons[0], "I1", epiloop.AreaIsolation)
	d1.ObservationID = obs.ID
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateDetainee(d1) })
	updateCode(t, s, "second in an isolation cell", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.CreateDetainee(stay(persons[1], "I1", epiloop.AreaIsolation))
	})
	updateCode(t, s, "a person present twice", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.CreateDetainee(stay(persons[0], "G1", epiloop.AreaGeneral))
	})
	d2 := stay(persons[1], "G1", epiloop.AreaGeneral)
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateDetainee(d2) })
	view(t, s, func(tx epiloop.Tx) error {
		as, err := tx.FindDetentionAreas(fac)
		if err != nil {
			return err
		}
		if len(as) != 2 || as[0].Code != "G1" || as[0].Capacity != 8 || as[0].Name != "一监区" || as[0].Occupancy != 1 || as[1].Occupancy != 1 {
			t.Errorf("areas: %+v", as)
		}
		got, err := tx.FindDetaineeByID(d1.ID)
		if err != nil {
			return err
		}
		if got.Person.Phone != persons[0].Phone || got.Person.Name != persons[0].Name || got.Reason != "刑拘" ||
			got.ObservationID != obs.ID || !got.AdmittedAt.Equal(at(0)) || got.MovedAt != nil {
			t.Errorf("stay: %+v", got)
		}
		st, err := tx.FindDetentionStats([]string{fac, "NONE"}, "2020-02-10", epiloop.FeverThreshold)
		if err != nil {
			return err
		}
		if s := st[fac]; s.Present != 2 || s.Isolated != 1 || s.IsolationCells != 1 || s.IsolationCellsFree != 0 || s.ReadyToMove != 0 {
			t.Errorf("stats: %+v", s)
		}
		if st["NONE"] == nil || st["NONE"].Present != 0 {
			t.Errorf("stats of a facility with no rows: %+v", st["NONE"])
		}
		st, err = tx.FindDetentionStats([]string{fac}, "2020-02-16", epiloop.FeverThreshold)
		if err == nil && (st[fac].Isolated != 0 || st[fac].ReadyToMove != 1) {
			t.Errorf("stats on the isolation's end: %+v", st[fac])
		}
		return err
	})
	// Moving the first out frees the cell; the override's reason is sealed.
	update(t, s, func(tx epiloop.Tx) error {
		moved := at(time.Hour)
		d1.AreaCode, d1.AreaKind, d1.MovedAt, d1.OverrideReason, d1.OverrideBy, d1.UpdatedAt = "G1", epiloop.AreaGeneral, &moved, "就医", leader.ID, moved
		if err := tx.UpdateDetainee(d1); err != nil {
			return err
		}
		return tx.CreateDetainee(stay(persons[2], "I1", epiloop.AreaIsolation))
	})
	view(t, s, func(tx epiloop.Tx) error {
		ds, total, err := tx.FindDetainees(epiloop.DetaineeFilter{Facility: fac, Status: ptr(epiloop.DetaineePresent), Limit: 2})
		if err == nil && (total != 3 || len(ds) != 2 || ds[0].Person.Name != persons[2].Name) {
			t.Errorf("detainees: %d %+v", total, ds)
		}
		got, err := tx.FindDetaineeByID(d1.ID)
		if err == nil && (got.OverrideReason != "就医" || got.MovedAt == nil || got.AreaKind != epiloop.AreaGeneral) {
			t.Errorf("moved: %+v", got)
		}
		return err
	})

	// Cohorts: one on site per facility; members and hand-over round-trip.
	c1 := &epiloop.Cohort{FacilityCode: fac, DistrictCode: "210102", UnitCode: "PS1", Name: "一班", LeaderUserID: leader.ID,
		Start: "2020-02-01", End: "2020-02-15", Status: epiloop.CohortOnSite, CreatedAt: at(0), UpdatedAt: at(0),
		Members: []epiloop.CohortMember{{Person: persons[2]}, {Person: persons[3], ObservationID: obs.ID}}}
	update(t, s, func(tx epiloop.Tx) error { return tx.SaveCohort(c1) })
	c2 := *c1
	c2.ID, c2.Name, c2.Members = 0, "二班", []epiloop.CohortMember{{Person: persons[0]}}
	updateCode(t, s, "two on site", epiloop.ECONFLICT, func(tx epiloop.Tx) error { return tx.SaveCohort(&c2) })
	c2.Status = epiloop.CohortPlanned
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.SaveCohort(&c2); err != nil {
			return err
		}
		ok := at(2 * time.Hour)
		c1.NextID, c1.OutConfirmedBy, c1.OutConfirmedAt, c1.OutNote = c2.ID, leader.ID, &ok, "名册已交接"
		c1.Members[0].ObservationID = obs.ID
		return tx.SaveCohort(c1)
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindCohortByID(c1.ID)
		if err != nil {
			return err
		}
		if got.NextID != c2.ID || got.OutNote != "名册已交接" || got.OutConfirmedAt == nil || got.InConfirmedAt != nil ||
			len(got.Members) != 2 || got.Members[0].ObservationID != obs.ID || got.Members[1].Person.Phone != persons[3].Phone {
			t.Errorf("cohort: %+v", got)
		}
		due, err := tx.FindCohorts(epiloop.CohortFilter{EndBefore: ptr("2020-02-15")})
		if err == nil && (len(due) != 1 || due[0].ID != c1.ID) {
			t.Errorf("due cohorts: %+v", due)
		}
		due, err = tx.FindCohorts(epiloop.CohortFilter{EndBefore: ptr("2020-02-14")})
		if err == nil && len(due) != 0 {
			t.Errorf("not yet due: %+v", due)
		}
		st, err := tx.FindDetentionStats([]string{fac}, "2020-02-01", epiloop.FeverThreshold)
		if err == nil && st[fac].StaffOnSite != 2 {
			t.Errorf("staff on site: %+v", st[fac])
		}
		return err
	})
	// A check with a fever today counts once per member.
	update(t, s, func(tx epiloop.Tx) error {
		for _, temp := range []float64{38.1, 36.5} {
			if err := tx.CreateObservationCheck(&epiloop.ObservationCheck{ObservationID: obs.ID, Date: "2020-02-02", Time: at(26 * time.Hour),
				Temperature: temp, Present: true}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx epiloop.Tx) error {
		st, err := tx.FindDetentionStats([]string{fac}, "2020-02-02", epiloop.FeverThreshold)
		if err == nil && (st[fac].ChecksDone != 2 || st[fac].StaffFever != 2) {
			t.Errorf("checks today: %+v", st[fac])
		}
		return err
	})

	// Orders: newest first, exemptions sealed and read back.
	update(t, s, func(tx epiloop.Tx) error {
		for i, m := range []epiloop.ClosedManagement{
			{FacilityCode: fac, State: epiloop.ClosureClosed, From: "2020-02-21", OrderNo: "3号", By: leader.ID, At: at(0),
				Exemptions: []epiloop.Exemption{{Name: "王医生", Reason: "驻所医疗", From: "2020-02-21", To: "2020-03-06"}}},
			{FacilityCode: fac, State: epiloop.ClosureLifted, From: "2020-04-01", OrderNo: "9号", At: at(time.Hour), Exemptions: []epiloop.Exemption{}},
		} {
			if err := tx.CreateClosedManagement(&m); err != nil || m.ID == 0 {
				t.Errorf("order %d: %v", i, err)
			}
		}
		return nil
	})
	view(t, s, func(tx epiloop.Tx) error {
		ms, err := tx.FindClosedManagement(fac, 10)
		if err == nil && (len(ms) != 2 || ms[0].OrderNo != "9号" || ms[1].Exemptions[0].Name != "王医生" || !ms[1].At.Equal(at(0))) {
			t.Errorf("orders: %+v", ms)
		}
		return err
	})
}
