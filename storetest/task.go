package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func testTasks(t *testing.T, s epiloop.Store) {
	seed(t, s)
	l := newLead(d1, c1, epiloop.LeadPushed)
	tk := newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)
	tk.Priority, tk.AcceptBy, tk.FeedbackBy = epiloop.PriorityUrgent, local(at(time.Hour)), local(at(3*time.Hour))
	tk.EscalateAt, tk.CreatedAt = local(at(time.Hour)), local(at(0))
	update(t, s, func(tx epiloop.Tx) error { return addLead(tx, person(1), l, tk) })
	if tk.ID <= 0 || tk.LeadID != l.ID {
		t.Fatalf("task ID %d lead %d, want positive and %d", tk.ID, tk.LeadID, l.ID)
	}
	want := *tk
	want.Unit = unit(ps1)
	want.AcceptBy, want.FeedbackBy, want.EscalateAt, want.CreatedAt =
		tk.AcceptBy.UTC(), tk.FeedbackBy.UTC(), tk.EscalateAt.UTC(), tk.CreatedAt.UTC()

	t.Run("RoundTrip", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindTaskByID(tk.ID)
			if err != nil {
				return err
			}
			diff(t, "task", got, &want)
			wantUTC(t, "AcceptBy", got.AcceptBy)
			wantUTC(t, "EscalateAt", got.EscalateAt)
			return nil
		})
		update(t, s, func(tx epiloop.Tx) error { // as the task workflows load it
			byTask, err := tx.FindLeadByTaskID(tk.ID, true)
			if err != nil {
				return err
			}
			byID, err := tx.FindLeadByID(l.ID, true)
			if err != nil {
				return err
			}
			diff(t, "lead of the task", byTask, byID)
			if len(byTask.Tasks) != 1 || byTask.Tasks[0].ID != tk.ID {
				t.Errorf("lead of the task has tasks %+v, want task %d", byTask.Tasks, tk.ID)
			}
			return nil
		})
	})

	t.Run("UpdateTask", func(t *testing.T) {
		u := want
		u.Status, u.Escalation, u.EscalateAt = epiloop.TaskSubmitted, 2, time.Time{}
		u.AcceptedAt, u.SubmittedAt = ptr(at(30*time.Minute)), ptr(local(at(2*time.Hour)))
		u.Feedback = &epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "大连", Contact: epiloop.ContactPhone,
			ArrivalDate: "2020-01-25", Note: "已离沈", SubmittedAt: local(at(2 * time.Hour)), SubmittedBy: 9}
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdateTask(&u) })
		u.SubmittedAt, u.Feedback.SubmittedAt = ptr(at(2*time.Hour)), at(2*time.Hour)
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindTaskByID(tk.ID)
			if err != nil {
				return err
			}
			diff(t, "task", got, &u)
			diff(t, "feedback", got.Feedback, u.Feedback)
			return nil
		})
		u.Status, u.ReturnReason, u.Feedback, u.SubmittedAt = epiloop.TaskReturned, "不属本辖区", nil, nil
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdateTask(&u) })
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindTaskByID(tk.ID)
			if err != nil {
				return err
			}
			diff(t, "returned task", got, &u)
			return nil
		})
	})

	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name string
			want string
			fn   func(tx epiloop.Tx) error
		}{
			{"FindTaskByID", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindTaskByID(tk.ID + 1000)
				return err
			}},
			{"FindLeadByTaskID", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindLeadByTaskID(tk.ID+1000, true)
				return err
			}},
			{"UpdateTask", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				u := want
				u.ID = tk.ID + 1000
				return tx.UpdateTask(&u)
			}},
			{"CreateTask/NoLead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				nt := newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)
				nt.LeadID = l.ID + 1000
				return tx.CreateTask(nt)
			}},
			{"CreateTask/NoUnit", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				nt := newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)
				nt.LeadID, nt.UnitCode = l.ID, "PS999999999"
				return tx.CreateTask(nt)
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { updateCode(t, s, tc.name, tc.want, tc.fn) })
		}
	})
}

func testFindTasks(t *testing.T, s epiloop.Store) {
	seed(t, s)
	// Unit ps1's tasks, each on its own lead; the open ones sort by the
	// deadline they work against.
	task := func(status epiloop.TaskStatus, acceptBy, feedbackBy time.Duration) *epiloop.Task {
		tk := newTask(ps1, epiloop.UnitPoliceStation, status, 1)
		tk.AcceptBy, tk.FeedbackBy = at(acceptBy), at(feedbackBy)
		return tk
	}
	var (
		a = task(epiloop.TaskPushed, 3*time.Hour, 10*time.Hour)        // deadline 3h
		b = task(epiloop.TaskAccepted, 0, 2*time.Hour)                 // deadline 2h
		c = task(epiloop.TaskPushed, time.Hour, 30*time.Minute)        // deadline 1h
		d = task(epiloop.TaskSubmitted, -time.Hour, -time.Hour)        // closed
		e = task(epiloop.TaskReturned, -2*time.Hour, -2*time.Hour)     // closed
		f = task(epiloop.TaskPushed, 3*time.Hour, 4*time.Hour)         // deadline 3h, after a
		g = newTask(cm2, epiloop.UnitCommittee, epiloop.TaskPushed, 1) // another unit and district
	)
	update(t, s, func(tx epiloop.Tx) error {
		for i, tk := range []*epiloop.Task{a, b, c, d, e, f, g} {
			if err := addLead(tx, person(i), newLead(d1, c1, epiloop.LeadPushed), tk); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(ts ...*epiloop.Task) []int64 { return taskIDs(ts) }
	tests := []struct {
		name  string
		f     epiloop.TaskFilter
		want  []int64
		total int
	}{
		{"Unit", epiloop.TaskFilter{Unit: ptr(ps1)}, ids(c, b, a, f, d, e), 6},
		{"Open", epiloop.TaskFilter{Open: true}, ids(c, b, a, f, g), 5},
		{"UnitOpen", epiloop.TaskFilter{Unit: ptr(ps1), Open: true}, ids(c, b, a, f), 4},
		{"UnitStatus", epiloop.TaskFilter{Unit: ptr(ps1), Status: ptr(epiloop.TaskPushed)}, ids(c, a, f), 3},
		{"Closed", epiloop.TaskFilter{Status: ptr(epiloop.TaskReturned)}, ids(e), 1},
		{"District", epiloop.TaskFilter{District: ptr(d2)}, ids(g), 1},
		{"DistrictUnitMismatch", epiloop.TaskFilter{District: ptr(d2), Unit: ptr(ps1)}, nil, 0},
		{"Page", epiloop.TaskFilter{Unit: ptr(ps1), Offset: 1, Limit: 2}, ids(b, a), 6},
		{"PastTheEnd", epiloop.TaskFilter{Unit: ptr(ps1), Offset: 6}, nil, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, total, err := tx.FindTasks(tc.f)
				if err != nil {
					return err
				}
				diff(t, "tasks", taskIDs(got), tc.want)
				diff(t, "total", total, tc.total)
				for _, tk := range got {
					if tk.Unit == nil || tk.Unit.Code != tk.UnitCode {
						t.Errorf("task %d: unit %v, want %s", tk.ID, tk.Unit, tk.UnitCode)
					}
				}
				// The same page with its leads, in one statement: each
				// lead whole, as FindLeadByID reads it, without tasks.
				withTasks, leads, total, err := tx.FindTasksWithLeads(tc.f)
				if err != nil {
					return err
				}
				diff(t, "with leads: tasks", taskIDs(withTasks), tc.want)
				diff(t, "with leads: total", total, tc.total)
				if len(leads) != len(withTasks) {
					t.Fatalf("%d leads for %d tasks", len(leads), len(withTasks))
				}
				for i, tk := range withTasks {
					want, err := tx.FindLeadByID(tk.LeadID, false)
					if err != nil {
						return err
					}
					l := leads[i]
					if l.ID != tk.LeadID || l.Person.ID != want.Person.ID || l.Person.IDNumber != want.Person.IDNumber ||
						l.Person.Name != want.Person.Name || l.Address != want.Address || l.Status != want.Status || len(l.Tasks) != 0 {
						t.Errorf("task %d: lead %+v, want %+v without tasks", tk.ID, l, want)
					}
					if tk.Unit == nil || tk.Unit.Code != tk.UnitCode || tk.Status != got[i].Status {
						t.Errorf("task %d with its lead: %+v, want %+v", tk.ID, tk, got[i])
					}
				}
				return nil
			})
		})
	}
	// A total kept in a counter rides on the page's rows; a page past the
	// end reads it alone. The counter, not a count, is what comes back.
	t.Run("TotalCounter", func(t *testing.T) {
		key := epiloop.CounterKey{Scope: epiloop.UnitScope(ps1), Metric: epiloop.MetricOpenTasks}
		update(t, s, func(tx epiloop.Tx) error {
			return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: key, N: 40}})
		})
		for _, offset := range []int{0, 2, 10} {
			view(t, s, func(tx epiloop.Tx) error {
				tf := epiloop.TaskFilter{Unit: ptr(ps1), Open: true, Offset: offset, Limit: 2, TotalCounter: &key}
				got, leads, total, err := tx.FindTasksWithLeads(tf)
				if err != nil {
					return err
				}
				want := ids(c, b, a, f)[min(offset, 4):min(offset+2, 4)]
				if len(want) == 0 {
					want = nil
				}
				diff(t, fmt.Sprintf("offset %d: tasks", offset), taskIDs(got), want)
				diff(t, fmt.Sprintf("offset %d: total", offset), total, 40)
				diff(t, fmt.Sprintf("offset %d: leads", offset), len(leads), len(want))
				plain, n, err := tx.FindTasks(tf)
				if err != nil {
					return err
				}
				diff(t, fmt.Sprintf("offset %d: FindTasks", offset), taskIDs(plain), want)
				diff(t, fmt.Sprintf("offset %d: FindTasks total", offset), n, 40)
				return nil
			})
		}
	})
}

func testFindDueTasks(t *testing.T, s epiloop.Store) {
	seed(t, s)
	task := func(status epiloop.TaskStatus, escalateAt time.Time) *epiloop.Task {
		tk := newTask(cm1, epiloop.UnitCommittee, status, 1)
		tk.EscalateAt = escalateAt
		return tk
	}
	var (
		x = task(epiloop.TaskPushed, at(time.Hour))
		y = task(epiloop.TaskAccepted, at(30*time.Minute))
		z = task(epiloop.TaskSubmitted, at(0))        // no longer open
		w = task(epiloop.TaskPushed, at(5*time.Hour)) // not yet due
		v = task(epiloop.TaskPushed, time.Time{})     // no escalation due
		u = task(epiloop.TaskAccepted, at(time.Hour)) // due with x: ID order
	)
	update(t, s, func(tx epiloop.Tx) error {
		for i, tk := range []*epiloop.Task{x, y, z, w, v, u} {
			if err := addLead(tx, person(i), newLead(d1, c1, epiloop.LeadPushed), tk); err != nil {
				return err
			}
		}
		return nil
	})
	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []int64
	}{
		{"Due", at(2 * time.Hour), 10, taskIDs([]*epiloop.Task{y, x, u})},
		{"DueAtItsTime", at(30 * time.Minute), 10, taskIDs([]*epiloop.Task{y})},
		{"LocalTime", local(at(30 * time.Minute)), 10, taskIDs([]*epiloop.Task{y})},
		{"Limit", at(2 * time.Hour), 2, taskIDs([]*epiloop.Task{y, x})},
		{"NoneDue", at(0), 10, nil},
		{"AllDue", at(100 * time.Hour), 0, taskIDs([]*epiloop.Task{y, x, u, w})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			view(t, s, func(tx epiloop.Tx) error {
				got, err := tx.FindDueTasks(tc.now, tc.limit)
				if err != nil {
					return err
				}
				diff(t, "due tasks", taskIDs(got), tc.want)
				return nil
			})
		})
	}
}

func testEscalations(t *testing.T, s epiloop.Store) {
	seed(t, s)
	tk := newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1)
	update(t, s, func(tx epiloop.Tx) error { return addLead(tx, person(1), newLead(d1, c1, epiloop.LeadPushed), tk) })
	tests := []struct {
		name     string
		deadline time.Time
		level    int
		want     bool
	}{
		{"First", at(4 * time.Hour), epiloop.EscalateUnit, true},
		{"Again", at(4 * time.Hour), epiloop.EscalateUnit, false},
		{"AgainLocalTime", local(at(4 * time.Hour)), epiloop.EscalateUnit, false},
		{"NextLevel", at(4 * time.Hour), epiloop.EscalateDistrict, true},
		{"NewDeadline", at(24 * time.Hour), epiloop.EscalateUnit, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Each in its own transaction: idempotence must hold across
			// restarts and replicas.
			update(t, s, func(tx epiloop.Tx) error {
				got, err := tx.CreateEscalation(&epiloop.Escalation{TaskID: tk.ID, Deadline: tc.deadline, Level: tc.level, At: at(5 * time.Hour), District: d1})
				diff(t, "created", got, tc.want)
				return err
			})
		})
	}
	t.Run("SameTransaction", func(t *testing.T) {
		update(t, s, func(tx epiloop.Tx) error {
			for _, want := range []bool{true, false} {
				got, err := tx.CreateEscalation(&epiloop.Escalation{TaskID: tk.ID, Deadline: at(24 * time.Hour), Level: epiloop.EscalateHeadquarters, At: at(30 * time.Hour), District: d1})
				if err != nil {
					return err
				}
				diff(t, "created", got, want)
			}
			return nil
		})
	})
	updateCode(t, s, "missing task", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.CreateEscalation(&epiloop.Escalation{TaskID: tk.ID + 1000, Deadline: at(0), Level: epiloop.EscalateUnit, At: at(0)})
		return err
	})
	// Read back in key order, page by page, each with its time and
	// district (the hourly counters' verification reads them so).
	t.Run("Find", func(t *testing.T) {
		want := []epiloop.Escalation{
			{TaskID: tk.ID, Deadline: at(4 * time.Hour), Level: epiloop.EscalateUnit, At: at(5 * time.Hour), District: d1},
			{TaskID: tk.ID, Deadline: at(4 * time.Hour), Level: epiloop.EscalateDistrict, At: at(5 * time.Hour), District: d1},
			{TaskID: tk.ID, Deadline: at(24 * time.Hour), Level: epiloop.EscalateUnit, At: at(5 * time.Hour), District: d1},
			{TaskID: tk.ID, Deadline: at(24 * time.Hour), Level: epiloop.EscalateHeadquarters, At: at(30 * time.Hour), District: d1},
		}
		view(t, s, func(tx epiloop.Tx) error {
			var got []epiloop.Escalation
			var after *epiloop.Escalation
			for range len(want) + 1 {
				es, err := tx.FindEscalations(after, 3)
				if err != nil {
					return err
				}
				for _, e := range es {
					got = append(got, *e)
				}
				if len(es) < 3 {
					break
				}
				after = es[len(es)-1]
			}
			diff(t, "escalations", got, want)
			return nil
		})
	})
}
