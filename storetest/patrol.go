package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// Patrol logs, drone sorties and incident statistics.

func testPatrols(t *testing.T, s epiloop.Store) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	mk := func(unit, district string, start time.Time, officers ...string) *epiloop.PatrolLog {
		return &epiloop.PatrolLog{UnitCode: unit, DistrictCode: district, Officers: officers, Vehicles: []string{"辽A12345"},
			Area: "中街—北市场", Start: start, End: start.Add(2 * time.Hour), CreatedBy: 1, CreatedAt: t0, UpdatedAt: t0}
	}
	a := mk("PS1", "210102", t0, "张伟", "李娜")
	b := mk("PS2", "210102", t0.Add(time.Hour), "王强")
	c := mk("PS3", "210103", t0.Add(2*time.Hour), "赵敏")
	c.Vehicles = nil
	update(t, s, func(tx epiloop.Tx) error {
		for _, p := range []*epiloop.PatrolLog{a, b, c} {
			if err := tx.CreatePatrolLog(p); err != nil {
				return err
			}
		}
		return nil
	})
	if !(a.ID > 0 && b.ID > a.ID && c.ID > b.ID) {
		t.Fatalf("ids %d %d %d", a.ID, b.ID, c.ID)
	}
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindPatrolLogByID(a.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("read back %+v, want %+v", got, a)
		}
		got, err = tx.FindPatrolLogByID(c.ID)
		if err == nil && len(got.Vehicles) != 0 {
			t.Errorf("no vehicles read back as %v", got.Vehicles)
		}
		return err
	})
	viewCode(t, s, "missing patrol", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.FindPatrolLogByID(c.ID + 100)
		return err
	})
	find := func(f epiloop.PatrolFilter) ([]int64, int) {
		t.Helper()
		var ids []int64
		var total int
		view(t, s, func(tx epiloop.Tx) error {
			ps, n, err := tx.FindPatrolLogs(f)
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			total = n
			return err
		})
		return ids, total
	}
	all := epiloop.Scope{All: true}
	tests := []struct {
		name  string
		f     epiloop.PatrolFilter
		ids   []int64
		total int
	}{
		{"all, newest start first", epiloop.PatrolFilter{Scope: all}, []int64{c.ID, b.ID, a.ID}, 3},
		{"a district", epiloop.PatrolFilter{Scope: epiloop.Scope{District: "210102"}}, []int64{b.ID, a.ID}, 2},
		{"a unit", epiloop.PatrolFilter{Scope: epiloop.Scope{Unit: "PS2"}}, []int64{b.ID}, 1},
		{"a page", epiloop.PatrolFilter{Scope: all, Offset: 1, Limit: 1}, []int64{b.ID}, 3},
		{"start range", epiloop.PatrolFilter{Scope: all, From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}, []int64{b.ID}, 1},
		{"before", epiloop.PatrolFilter{Scope: all, Before: c.ID, NoCount: true}, []int64{b.ID, a.ID}, -2},
	}
	for _, tt := range tests {
		ids, total := find(tt.f)
		if !reflect.DeepEqual(ids, tt.ids) || tt.total >= 0 && total != tt.total {
			t.Errorf("%s: %v of %d, want %v of %d", tt.name, ids, total, tt.ids, tt.total)
		}
	}
	// A correction and a void.
	b.Officers, b.Area, b.UpdatedAt = []string{"王强", "刘洋"}, "北站", t0.Add(time.Hour)
	a.Voided = true
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.UpdatePatrolLog(b); err != nil {
			return err
		}
		return tx.UpdatePatrolLog(a)
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindPatrolLogByID(b.ID)
		if err == nil && !reflect.DeepEqual(got, b) {
			t.Errorf("corrected %+v, want %+v", got, b)
		}
		return err
	})
	if ids, _ := find(epiloop.PatrolFilter{Scope: all}); !reflect.DeepEqual(ids, []int64{c.ID, b.ID}) {
		t.Errorf("voided left out: %v", ids)
	}
	if ids, _ := find(epiloop.PatrolFilter{Scope: all, Voided: true}); len(ids) != 3 {
		t.Errorf("voided included: %v", ids)
	}
	updateCode(t, s, "update a missing patrol", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		return tx.UpdatePatrolLog(&epiloop.PatrolLog{ID: c.ID + 100, Officers: []string{"x"}, Start: t0, End: t0, UpdatedAt: t0})
	})
}

func testSorties(t *testing.T, s epiloop.Store) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	d := &epiloop.DroneSortie{UnitCode: "PS1", DistrictCode: "210102", Pilot: "王强", Drone: "UAV-01", Area: "浑河沿岸",
		Start: t0, Minutes: 35, CreatedBy: 1, CreatedAt: t0, UpdatedAt: t0}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateDroneSortie(d) })
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindDroneSortieByID(d.ID)
		if err == nil && !reflect.DeepEqual(got, d) {
			t.Errorf("read back %+v, want %+v", got, d)
		}
		return err
	})
	d.Minutes, d.Voided = 50, true
	update(t, s, func(tx epiloop.Tx) error { return tx.UpdateDroneSortie(d) })
	view(t, s, func(tx epiloop.Tx) error {
		ss, total, err := tx.FindDroneSorties(epiloop.PatrolFilter{Scope: epiloop.Scope{District: "210102"}, Voided: true})
		if err == nil && (total != 1 || ss[0].Minutes != 50 || !ss[0].Voided) {
			t.Errorf("sorties %+v (%d)", ss, total)
		}
		ss, total, err = tx.FindDroneSorties(epiloop.PatrolFilter{Scope: epiloop.Scope{District: "210102"}})
		if err == nil && total != 0 {
			t.Errorf("voided sortie listed: %+v", ss)
		}
		return err
	})
}

func testIncidentStats(t *testing.T, s epiloop.Store) {
	t0 := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	st := func(district, date string, po, cr int64) *epiloop.IncidentStat {
		return &epiloop.IncidentStat{DistrictCode: district, Date: date, PublicOrder: po, Criminal: cr, UpdatedBy: 1, UpdatedAt: t0}
	}
	update(t, s, func(tx epiloop.Tx) error {
		for _, x := range []*epiloop.IncidentStat{st("210102", "2026-12-06", 30, 4), st("210103", "2026-12-06", 12, 1),
			st("210102", "2026-12-07", 25, 3), st("210102", "2025-12-07", 40, 6)} {
			if before, err := tx.UpsertIncidentStat(x); err != nil || before != nil {
				t.Errorf("first upsert: before %+v, %v", before, err)
			}
		}
		return nil
	})
	update(t, s, func(tx epiloop.Tx) error {
		before, err := tx.UpsertIncidentStat(st("210102", "2026-12-07", 26, 2))
		if err == nil && (before == nil || before.PublicOrder != 25 || before.Criminal != 3 || before.Date != "2026-12-07") {
			t.Errorf("replaced %+v", before)
		}
		return err
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindIncidentStats(epiloop.IncidentFilter{From: "2026-12-06", To: "2026-12-07"})
		if err != nil {
			return err
		}
		want := []epiloop.IncidentStat{*st("210102", "2026-12-06", 30, 4), *st("210103", "2026-12-06", 12, 1), *st("210102", "2026-12-07", 26, 2)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("stats %+v, want %+v", got, want)
		}
		got, err = tx.FindIncidentStats(epiloop.IncidentFilter{Districts: []string{"210103"}, From: "2026-01-01", To: "2026-12-31"})
		if err == nil && (len(got) != 1 || got[0].PublicOrder != 12) {
			t.Errorf("one district: %+v", got)
		}
		return err
	})
}
