package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func testRollback(t *testing.T, s epiloop.Store) {
	seed(t, s)
	update(t, s, func(tx epiloop.Tx) error {
		return tx.CreateUser(&epiloop.User{Name: "admin", Role: epiloop.RoleAdmin, CreatedAt: at(0)})
	})
	var leadID int64
	writeAll := func(tx epiloop.Tx) error {
		if err := tx.CreateUser(&epiloop.User{Name: "ghost", Role: epiloop.RoleCommander, CreatedAt: at(0)}); err != nil {
			return err
		}
		l := newLead(d1, c1, epiloop.LeadPushed)
		if err := addLead(tx, person(1), l, newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)); err != nil {
			return err
		}
		leadID = l.ID
		if err := tx.CreateEvent(epiloop.NewEvent(epiloop.EventLeadCreated, l, at(0), 0, nil)); err != nil {
			return err
		}
		return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}, N: 1}})
	}
	errStop := errors.New("stop")
	tests := []struct {
		name     string
		fn       func(tx epiloop.Tx) error
		wantCode string
	}{
		{"FnError", func(tx epiloop.Tx) error {
			if err := writeAll(tx); err != nil {
				return err
			}
			return errStop
		}, epiloop.EINTERNAL},
		{"StoreError", func(tx epiloop.Tx) error {
			if err := writeAll(tx); err != nil {
				return err
			}
			return tx.CreateUser(&epiloop.User{Name: "admin", Role: epiloop.RoleAdmin})
		}, epiloop.ECONFLICT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), tc.fn)
			wantCode(t, "Update", err, tc.wantCode)
			if tc.wantCode == epiloop.EINTERNAL && !errors.Is(err, errStop) {
				t.Errorf("Update returned %v, want fn's error", err)
			}
			view(t, s, func(tx epiloop.Tx) error {
				_, err := tx.FindUserByName("ghost")
				wantCode(t, "user", err, epiloop.ENOTFOUND)
				_, err = tx.FindPerson(&epiloop.Person{IDNumber: person(1).IDNumber})
				wantCode(t, "person", err, epiloop.ENOTFOUND)
				_, err = tx.FindLeadByID(leadID, false)
				wantCode(t, "lead", err, epiloop.ENOTFOUND)
				id, err := tx.LastEventID()
				diff(t, "last event", id, int64(0))
				counters, err2 := tx.AllCounters()
				diff(t, "counters", len(counters), 0)
				return errors.Join(err, err2)
			})
		})
	}
}

func testViewIsolation(t *testing.T, s epiloop.Store) {
	user := func(name string) *epiloop.User {
		return &epiloop.User{Name: name, Role: epiloop.RoleAnalyst, CreatedAt: at(time.Minute)}
	}
	update(t, s, func(tx epiloop.Tx) error { return tx.CreateUser(user("first")) })

	t.Run("UncommittedInvisible", func(t *testing.T) {
		update(t, s, func(tx epiloop.Tx) error {
			if err := tx.CreateUser(user("pending")); err != nil {
				return err
			}
			viewCode(t, s, "View during Update", epiloop.ENOTFOUND, func(vtx epiloop.Tx) error {
				_, err := vtx.FindUserByName("pending")
				return err
			})
			return nil
		})
		viewCode(t, s, "View after commit", "", func(tx epiloop.Tx) error {
			_, err := tx.FindUserByName("pending")
			return err
		})
	})

	t.Run("Snapshot", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			before, err := tx.FindUsers()
			if err != nil {
				return err
			}
			update(t, s, func(tx epiloop.Tx) error { return tx.CreateUser(user("later")) })
			after, err := tx.FindUsers()
			if err != nil {
				return err
			}
			diff(t, "users seen in one View", len(after), len(before))
			_, err = tx.FindUserByName("later")
			wantCode(t, "user committed after the snapshot", err, epiloop.ENOTFOUND)
			return nil
		})
	})

	t.Run("ViewCannotWrite", func(t *testing.T) {
		err := s.View(t.Context(), func(tx epiloop.Tx) error { return tx.CreateUser(user("intruder")) })
		if err == nil {
			t.Error("CreateUser in View succeeded")
		}
		viewCode(t, s, "written in View", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			_, err := tx.FindUserByName("intruder")
			return err
		})
	})
}
