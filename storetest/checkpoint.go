package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// The suite's checkpoints: a rail checkpoint in d1, a road one in d2.
const ck1, ck2 = "CK01", "CK02"

func checkpoints() []epiloop.Checkpoint {
	return []epiloop.Checkpoint{
		{Code: ck1, Kind: epiloop.CheckpointRail, Name: "沈阳站卡点", DistrictCode: d1, Location: "胜利南街2号"},
		{Code: ck2, Kind: epiloop.CheckpointRoad, Name: "沈阳西收费站卡点", DistrictCode: d2},
	}
}

func testCheckpoints(t *testing.T, s epiloop.Store) {
	seed(t, s)
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.UpsertCheckpoints(checkpoints()); err != nil {
			return err
		}
		// A checkpoint unit without details, as an admin might add one.
		return tx.UpsertUnits([]epiloop.Unit{{Code: "CK03", Kind: epiloop.UnitCheckpoint, Name: "临时卡点", DistrictCode: d1}})
	})
	bare := epiloop.Checkpoint{Code: "CK03", Kind: epiloop.CheckpointOther, Name: "临时卡点", DistrictCode: d1}

	t.Run("Units", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			u, err := tx.FindUnitByCode(ck1)
			if err != nil {
				return err
			}
			diff(t, "unit", *u, epiloop.Unit{Code: ck1, Kind: epiloop.UnitCheckpoint, Name: "沈阳站卡点", DistrictCode: d1})
			return nil
		})
	})
	t.Run("FindCheckpointByCode", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			for _, want := range append(checkpoints(), bare) {
				got, err := tx.FindCheckpointByCode(want.Code)
				if err != nil {
					return err
				}
				diff(t, "checkpoint "+want.Code, *got, want)
			}
			return nil
		})
		for _, code := range []string{"CK99", ps1} {
			viewCode(t, s, "FindCheckpointByCode "+code, epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindCheckpointByCode(code)
				return err
			})
		}
	})
	t.Run("Update", func(t *testing.T) {
		c := checkpoints()[1]
		c.Name, c.Location, c.Kind = "沈阳西收费站", "京哈高速", epiloop.CheckpointOther
		update(t, s, func(tx epiloop.Tx) error { return tx.UpsertCheckpoints([]epiloop.Checkpoint{c}) })
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindCheckpointByCode(ck2)
			diff(t, "updated", *got, c)
			return err
		})
		update(t, s, func(tx epiloop.Tx) error { return tx.UpsertCheckpoints(checkpoints()[1:]) })
	})
	codes := func(cs []epiloop.Checkpoint) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Code)
		}
		return out
	}
	tests := []struct {
		name  string
		f     epiloop.CheckpointFilter
		want  []string
		total int
	}{
		{"All", epiloop.CheckpointFilter{Scope: epiloop.Scope{All: true}}, []string{ck1, ck2, "CK03"}, 3},
		{"District", epiloop.CheckpointFilter{Scope: epiloop.Scope{District: d1}}, []string{ck1, "CK03"}, 2},
		{"Unit", epiloop.CheckpointFilter{Scope: epiloop.Scope{Unit: ck2}}, []string{ck2}, 1},
		{"OtherUnit", epiloop.CheckpointFilter{Scope: epiloop.Scope{Unit: ps1}}, nil, 0},
		{"ZeroScope", epiloop.CheckpointFilter{}, nil, 0},
		{"Kind", epiloop.CheckpointFilter{Scope: epiloop.Scope{All: true}, Kind: ptr(epiloop.CheckpointOther)}, []string{"CK03"}, 1},
		{"DistrictFilter", epiloop.CheckpointFilter{Scope: epiloop.Scope{All: true}, District: ptr(d2)}, []string{ck2}, 1},
		{"Page", epiloop.CheckpointFilter{Scope: epiloop.Scope{All: true}, Offset: 1, Limit: 1}, []string{ck2}, 3},
		{"PastTheEnd", epiloop.CheckpointFilter{Scope: epiloop.Scope{All: true}, Offset: 3}, nil, 3},
	}
	for _, tc := range tests {
		t.Run("Find/"+tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, total, err := tx.FindCheckpoints(tc.f)
				diff(t, "codes", codes(got), tc.want)
				diff(t, "total", total, tc.total)
				return err
			})
		})
	}
}

// newScreening returns a screening at ck1 at time t with two occupants,
// one with an ID number, one known by phone and name.
func newScreening(t time.Time, plate string) *epiloop.Screening {
	return &epiloop.Screening{
		CheckpointCode: ck1, DistrictCode: d1, Time: t, Direction: epiloop.DirectionIn, Plate: plate,
		RiskVersion: 0, CreatedAt: t, CreatedBy: 3,
		Occupants: []*epiloop.Occupant{
			{Seq: 1, Person: person(1), Origin: "4201", Destination: "测试路1号", Temperature: 38.2,
				Decision: epiloop.DecisionFever},
			{Seq: 2, Person: epiloop.Person{Name: "李四", Phone: "13900001111"}, Origin: "21",
				Temperature: 36.4, Symptoms: true, Decision: epiloop.DecisionRelease},
		},
	}
}

func testScreenings(t *testing.T, s epiloop.Store) {
	seed(t, s)
	update(t, s, func(tx epiloop.Tx) error { return tx.UpsertCheckpoints(checkpoints()) })
	a := newScreening(local(at(time.Hour)), "辽A12345")
	b := newScreening(at(2*time.Hour), "")
	b.Train, b.Carriage, b.Direction, b.RiskVersion = "G1234", "8", epiloop.DirectionOut, 7
	c := newScreening(at(3*time.Hour), "辽AD12345")
	c.CheckpointCode, c.DistrictCode = ck2, d2
	l := newLead(d1, c1, epiloop.LeadPushed)
	update(t, s, func(tx epiloop.Tx) error {
		if err := addLead(tx, person(9), l); err != nil {
			return err
		}
		for _, sc := range []*epiloop.Screening{a, b, c} {
			if err := tx.CreateScreening(sc); err != nil {
				return err
			}
		}
		return tx.SetOccupantLead(a.ID, 1, l.ID)
	})
	if a.ID <= 0 || b.ID <= a.ID || c.ID <= b.ID {
		t.Fatalf("screening IDs %d, %d, %d: want positive and growing", a.ID, b.ID, c.ID)
	}
	a.Time, a.CreatedAt, a.Occupants[0].LeadID = a.Time.UTC(), a.CreatedAt.UTC(), l.ID

	t.Run("RoundTrip", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			for _, want := range []*epiloop.Screening{a, b} {
				got, err := tx.FindScreeningByID(want.ID)
				if err != nil {
					return err
				}
				diff(t, "screening", got, want)
				diff(t, "occupants", got.Occupants, want.Occupants)
				wantUTC(t, "Time", got.Time)
			}
			return nil
		})
	})
	t.Run("FindScreenings", func(t *testing.T) {
		ids := func(ss []*epiloop.Screening) []int64 {
			var out []int64
			for _, sc := range ss {
				out = append(out, sc.ID)
			}
			return out
		}
		tests := []struct {
			name  string
			f     epiloop.ScreeningFilter
			want  []int64
			total int
		}{
			{"All", epiloop.ScreeningFilter{}, []int64{c.ID, b.ID, a.ID}, 3},
			{"Checkpoint", epiloop.ScreeningFilter{Checkpoint: ptr(ck1)}, []int64{b.ID, a.ID}, 2},
			{"Since", epiloop.ScreeningFilter{Since: ptr(local(at(2 * time.Hour)))}, []int64{c.ID, b.ID}, 2},
			{"Page", epiloop.ScreeningFilter{Offset: 1, Limit: 1}, []int64{b.ID}, 3},
			{"PastTheEnd", epiloop.ScreeningFilter{Offset: 3}, nil, 3},
			{"Before", epiloop.ScreeningFilter{Before: c.ID}, []int64{b.ID, a.ID}, 2},
			{"BeforeAtCheckpoint", epiloop.ScreeningFilter{Checkpoint: ptr(ck1), Before: b.ID}, []int64{a.ID}, 1},
			{"NoCount", epiloop.ScreeningFilter{NoCount: true, Limit: 2}, []int64{c.ID, b.ID}, 2},
			{"BeforeTheFirst", epiloop.ScreeningFilter{Before: a.ID, NoCount: true}, nil, 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				view(t, s, func(tx epiloop.Tx) error {
					got, total, err := tx.FindScreenings(tc.f)
					diff(t, "screenings", ids(got), tc.want)
					diff(t, "total", total, tc.total)
					for _, sc := range got {
						if len(sc.Occupants) != 2 {
							t.Errorf("screening %d has %d occupants, want 2", sc.ID, len(sc.Occupants))
						}
					}
					return err
				})
			})
		}
	})
	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name string
			want string
			fn   func(tx epiloop.Tx) error
		}{
			{"FindScreeningByID", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindScreeningByID(c.ID + 1000)
				return err
			}},
			{"CreateScreening/NoCheckpoint", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				sc := newScreening(at(0), "")
				sc.CheckpointCode = "CK99"
				return tx.CreateScreening(sc)
			}},
			{"SetOccupantLead/NoOccupant", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				return tx.SetOccupantLead(a.ID, 9, l.ID)
			}},
			{"SetOccupantLead/NoLead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				return tx.SetOccupantLead(a.ID, 2, l.ID+1000)
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { updateCode(t, s, tc.name, tc.want, tc.fn) })
		}
	})
}

func testRiskAreas(t *testing.T, s epiloop.Store) {
	view(t, s, func(tx epiloop.Tx) error {
		set, err := tx.FindRiskAreas(0)
		diff(t, "empty list", set, &epiloop.RiskAreaSet{})
		return err
	})
	area := func(code string, level epiloop.RiskLevel, from, to string) *epiloop.RiskArea {
		return &epiloop.RiskArea{Code: code, Level: level, From: from, To: to, CreatedAt: at(0), CreatedBy: 1}
	}
	v1 := area("4201", epiloop.RiskHigh, "2020-01-01", "2020-03-31")
	v2 := area("42", epiloop.RiskMedium, "2020-01-10", "2020-02-29")
	v3 := area("4201", epiloop.RiskNone, "2020-01-01", "2020-03-31") // lifts 4201
	v3.Note = "解除"
	v4 := area("110105", epiloop.RiskLow, "2020-02-01", "2020-02-14")
	for _, a := range []*epiloop.RiskArea{v1, v2, v3, v4} {
		// Each in its own transaction, as commanders make them.
		update(t, s, func(tx epiloop.Tx) error { return tx.CreateRiskArea(a) })
	}
	if v1.Version <= 0 || v2.Version <= v1.Version || v3.Version <= v2.Version || v4.Version <= v3.Version {
		t.Fatalf("versions %d %d %d %d: want positive and growing", v1.Version, v2.Version, v3.Version, v4.Version)
	}
	tests := []struct {
		name string
		asOf int64
		want *epiloop.RiskAreaSet
	}{
		{"Latest", 0, &epiloop.RiskAreaSet{Version: v4.Version, Areas: []epiloop.RiskArea{*v4, *v2}}},
		{"AsOfV1", v1.Version, &epiloop.RiskAreaSet{Version: v1.Version, Areas: []epiloop.RiskArea{*v1}}},
		{"AsOfV2", v2.Version, &epiloop.RiskAreaSet{Version: v2.Version, Areas: []epiloop.RiskArea{*v2, *v1}}},
		{"AsOfV3", v3.Version, &epiloop.RiskAreaSet{Version: v3.Version, Areas: []epiloop.RiskArea{*v2}}},
		{"AfterLatest", v4.Version + 100, &epiloop.RiskAreaSet{Version: v4.Version, Areas: []epiloop.RiskArea{*v4, *v2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, err := tx.FindRiskAreas(tc.asOf)
				diff(t, "set", got, tc.want)
				return err
			})
		})
	}
	t.Run("History", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, total, err := tx.FindRiskAreaHistory(0, 0)
			diff(t, "history", got, []epiloop.RiskArea{*v4, *v3, *v2, *v1})
			diff(t, "total", total, 4)
			if err != nil {
				return err
			}
			got, total, err = tx.FindRiskAreaHistory(1, 2)
			diff(t, "page", got, []epiloop.RiskArea{*v3, *v2})
			diff(t, "page total", total, 4)
			return err
		})
	})
}

func testStatCounters(t *testing.T, s epiloop.Store) {
	k := func(scope, metric string) epiloop.CounterKey { return epiloop.CounterKey{Scope: scope, Metric: metric} }
	update(t, s, func(tx epiloop.Tx) error {
		return tx.AddStatCounters([]epiloop.CounterDelta{
			{CounterKey: k("ck:CK01", "persons"), N: 5},
			{CounterKey: k("ck:CK01", "vehicles"), N: 1},
			{CounterKey: k("obs", "active"), N: 2},
		})
	})
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.AddStatCounters([]epiloop.CounterDelta{{CounterKey: k("ck:CK01", "persons"), N: 2}}); err != nil {
			return err
		}
		// Read back in the transaction that wrote it.
		m, err := tx.FindStatCounters("ck:CK01")
		diff(t, "in transaction", m, map[string]int64{"persons": 7, "vehicles": 1})
		if err != nil {
			return err
		}
		return tx.AddStatCounters([]epiloop.CounterDelta{{CounterKey: k("obs", "active"), N: -2}})
	})
	view(t, s, func(tx epiloop.Tx) error {
		m, err := tx.FindStatCounters("ck:CK01")
		diff(t, "scope", m, map[string]int64{"persons": 7, "vehicles": 1})
		if err != nil {
			return err
		}
		m, err = tx.FindStatCounters("obs")
		diff(t, "zero sums left out", m, map[string]int64{})
		if err != nil {
			return err
		}
		all, err := tx.AllStatCounters()
		diff(t, "all", all, map[epiloop.CounterKey]int64{k("ck:CK01", "persons"): 7, k("ck:CK01", "vehicles"): 1})
		if err != nil {
			return err
		}
		// The funnel's counters are another table.
		funnel, err := tx.AllCounters()
		diff(t, "funnel counters", len(funnel), 0)
		return err
	})
}

// testScreeningRetention: released travellers are purged after the
// cutoff, occupants with a lead are left to their lead's purge, and
// sealed identities can be re-sealed.
func testScreeningRetention(t *testing.T, s epiloop.Store) {
	seed(t, s)
	update(t, s, func(tx epiloop.Tx) error { return tx.UpsertCheckpoints(checkpoints()) })
	old := newScreening(at(time.Hour), "辽A12345")
	recent := newScreening(at(48*time.Hour), "辽A54321")
	l := newLead(d1, c1, epiloop.LeadClosed)
	closed := at(2 * time.Hour)
	l.ClosedAt = &closed
	update(t, s, func(tx epiloop.Tx) error {
		if err := addLead(tx, person(9), l); err != nil {
			return err
		}
		for _, sc := range []*epiloop.Screening{old, recent} {
			if err := tx.CreateScreening(sc); err != nil {
				return err
			}
		}
		return tx.SetOccupantLead(old.ID, 1, l.ID)
	})
	update(t, s, func(tx epiloop.Tx) error {
		n, err := tx.PurgeScreenings(at(24 * time.Hour))
		if n != 1 {
			t.Errorf("purged %d released travellers, want 1 (the old screening's second occupant)", n)
		}
		return err
	})
	update(t, s, func(tx epiloop.Tx) error {
		n, err := tx.PurgeScreenings(at(24 * time.Hour))
		if n != 0 {
			t.Errorf("second purge blanked %d again", n)
		}
		return err
	})
	update(t, s, func(tx epiloop.Tx) error { return tx.PurgeLeadRecords(l.ID, at(30*time.Hour)) })
	view(t, s, func(tx epiloop.Tx) error {
		sc, err := tx.FindScreeningByID(old.ID)
		if err != nil {
			return err
		}
		for _, o := range sc.Occupants {
			if o.Person.IDNumber != "" || o.Person.Phone != "" || o.Person.Name != "" {
				t.Errorf("old occupant %d keeps its identity", o.Seq)
			}
		}
		sc, err = tx.FindScreeningByID(recent.ID)
		if err != nil {
			return err
		}
		if sc.Occupants[1].Person.Phone != "13900001111" {
			t.Errorf("recent occupant purged")
		}
		occ, err := tx.FindSealedOccupants(0, 0, 10)
		if err != nil {
			return err
		}
		if len(occ) != 4 || occ[0].ScreeningID != old.ID || occ[3].Seq != 2 {
			t.Fatalf("sealed occupants = %+v", occ)
		}
		more, err := tx.FindSealedOccupants(occ[1].ScreeningID, occ[1].Seq, 10)
		if len(more) != 2 || more[0].ScreeningID != recent.ID {
			t.Errorf("after %d/%d: %+v", occ[1].ScreeningID, occ[1].Seq, more)
		}
		return err
	})
	err := s.Update(t.Context(), func(tx epiloop.Tx) error {
		return tx.UpdateSealedOccupant(epiloop.SealedOccupant{ScreeningID: 999, Seq: 1})
	})
	wantCode(t, "reseal unknown occupant", err, epiloop.ENOTFOUND)
}
