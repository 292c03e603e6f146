package storetest

import (
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func testPersons(t *testing.T, s epiloop.Store) {
	withID := epiloop.Person{IDNumber: "11010519491231002X", Name: "张三", Phone: "13800000001"}
	noID := epiloop.Person{Name: "李四", Phone: "13800000002"}
	noIDTwin := noID // the same phone and name, recorded later
	update(t, s, func(tx epiloop.Tx) error {
		for _, p := range []*epiloop.Person{&withID, &noID, &noIDTwin} {
			if err := tx.CreatePerson(p); err != nil {
				return err
			}
		}
		return nil
	})

	tests := []struct {
		name  string
		query epiloop.Person
		want  *epiloop.Person
		code  string
	}{
		{"ByIDNumber", epiloop.Person{IDNumber: withID.IDNumber}, &withID, ""},
		{"ByIDNumberIgnoresPhone", epiloop.Person{IDNumber: withID.IDNumber, Phone: "13900000000", Name: "王五"}, &withID, ""},
		{"ByPhoneAndName", epiloop.Person{Name: noID.Name, Phone: noID.Phone}, &noID, ""},
		{"UnknownIDNumber", epiloop.Person{IDNumber: "110105194912310037", Name: noID.Name, Phone: noID.Phone}, nil, epiloop.ENOTFOUND},
		{"PhoneAndNameOfPersonWithID", epiloop.Person{Name: withID.Name, Phone: withID.Phone}, nil, epiloop.ENOTFOUND},
		{"OtherName", epiloop.Person{Name: "王五", Phone: noID.Phone}, nil, epiloop.ENOTFOUND},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			viewCode(t, s, "FindPerson", tc.code, func(tx epiloop.Tx) error {
				got, err := tx.FindPerson(&tc.query)
				if err == nil {
					diff(t, "person", got, tc.want)
				}
				return err
			})
		})
	}

	t.Run("Errors", func(t *testing.T) {
		updateCode(t, s, "CreatePerson duplicate ID number", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
			return tx.CreatePerson(&epiloop.Person{IDNumber: withID.IDNumber, Name: "别人"})
		})
		updateCode(t, s, "UpdatePerson duplicate ID number", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
			p := noID
			p.IDNumber = withID.IDNumber
			return tx.UpdatePerson(&p)
		})
		updateCode(t, s, "UpdatePerson missing", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
			p := noID
			p.ID = noIDTwin.ID + 1000
			return tx.UpdatePerson(&p)
		})
	})

	t.Run("UpdatePerson", func(t *testing.T) {
		p := noIDTwin
		p.IDNumber, p.Phone = "110105194912310037", "13800000003"
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdatePerson(&p) })
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindPerson(&epiloop.Person{IDNumber: p.IDNumber})
			if err != nil {
				return err
			}
			diff(t, "person", got, &p)
			return nil
		})
	})
}

func testLeads(t *testing.T, s epiloop.Store) {
	seed(t, s)
	closed := local(at(30 * time.Minute))
	l := &epiloop.Lead{
		Status:        epiloop.LeadConflict,
		Priority:      epiloop.PriorityUrgent,
		Address:       "和平区太原街1号",
		CommunityCode: c1,
		DistrictCode:  d1,
		Reason:        epiloop.Reason{Origin: "420100", ArrivalDate: "2020-01-20", Fever: true, Note: "高铁 G1234"},
		Outcome: &epiloop.Feedback{
			Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Temperature: ptr(37.6),
			Symptoms: true, Measure: epiloop.MeasureHospital, Site: "医大一院", SubmittedAt: at(20 * time.Minute),
			SubmittedBy: 7,
		},
		Conflict:  []string{epiloop.ReasonTemperature, epiloop.ReasonFever},
		Round:     2,
		Overdue:   true,
		CreatedAt: local(at(0)),
		UpdatedAt: local(at(10 * time.Minute)),
		ClosedAt:  &closed,
	}
	update(t, s, func(tx epiloop.Tx) error { return addLead(tx, person(1), l) })
	if l.ID <= 0 {
		t.Fatalf("lead ID %d, want positive", l.ID)
	}
	want := *l
	want.CreatedAt, want.UpdatedAt, want.ClosedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC(), ptr(closed.UTC())

	t.Run("RoundTrip", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindLeadByID(l.ID, false)
			if err != nil {
				return err
			}
			diff(t, "lead", got, &want)
			wantUTC(t, "CreatedAt", got.CreatedAt)
			wantUTC(t, "ClosedAt", *got.ClosedAt)
			wantUTC(t, "Outcome.SubmittedAt", got.Outcome.SubmittedAt)
			return nil
		})
	})

	t.Run("FindOpenLeadByPerson", func(t *testing.T) {
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindOpenLeadByPerson(l.Person.ID, false)
			if err != nil {
				return err
			}
			diff(t, "lead", got, &want)
			return nil
		})
	})

	t.Run("UpdateLead", func(t *testing.T) {
		u := want
		u.Status, u.Priority, u.Address, u.CommunityCode, u.DistrictCode = epiloop.LeadPushed, epiloop.PriorityHigh, "沈河区五里河1号", c2, d2
		u.Reason.Fever, u.Outcome, u.Conflict, u.Round, u.Overdue = false, nil, nil, 3, false
		u.UpdatedAt, u.ClosedAt = at(time.Hour), nil
		update(t, s, func(tx epiloop.Tx) error { return tx.UpdateLead(&u) })
		update(t, s, func(tx epiloop.Tx) error { // as the workflows read: locked
			got, err := tx.FindLeadByID(l.ID, true)
			if err != nil {
				return err
			}
			diff(t, "lead", got, &u)
			if got, err = tx.FindOpenLeadByPerson(l.Person.ID, true); err != nil {
				return err
			}
			diff(t, "open lead", got, &u)
			return nil
		})
	})

	t.Run("OneOpenLeadPerPerson", func(t *testing.T) {
		second := newLead(d1, c1, epiloop.LeadPushed)
		second.Person = l.Person
		updateCode(t, s, "second open lead", epiloop.ECONFLICT, func(tx epiloop.Tx) error { return tx.CreateLead(second) })

		// Closing the first lead lets the person have a new one…
		first := want
		first.Status, first.ClosedAt = epiloop.LeadClosed, ptr(at(2*time.Hour))
		update(t, s, func(tx epiloop.Tx) error {
			if err := tx.UpdateLead(&first); err != nil {
				return err
			}
			return tx.CreateLead(second)
		})
		view(t, s, func(tx epiloop.Tx) error {
			got, err := tx.FindOpenLeadByPerson(l.Person.ID, false)
			if err != nil {
				return err
			}
			diff(t, "open lead", got.ID, second.ID)
			return nil
		})
		// …and then the first may not reopen, nor a handed-over lead.
		first.Status = epiloop.LeadVerifying
		updateCode(t, s, "reopen", epiloop.ECONFLICT, func(tx epiloop.Tx) error { return tx.UpdateLead(&first) })
		update(t, s, func(tx epiloop.Tx) error {
			second.Status = epiloop.LeadHandedOver
			if err := tx.UpdateLead(second); err != nil {
				return err
			}
			third := newLead(d1, c1, epiloop.LeadUnroutable)
			third.Person = l.Person
			return tx.CreateLead(third)
		})
	})

	t.Run("Errors", func(t *testing.T) {
		missing := want
		missing.ID = l.ID + 1000
		tests := []struct {
			name string
			want string
			fn   func(tx epiloop.Tx) error
		}{
			{"FindLeadByID", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				_, err := tx.FindLeadByID(missing.ID, false)
				return err
			}},
			{"FindOpenLeadByPerson/NoOpenLead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				p := person(2)
				if err := tx.CreatePerson(&p); err != nil {
					return err
				}
				_, err := tx.FindOpenLeadByPerson(p.ID, false)
				return err
			}},
			{"UpdateLead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error { return tx.UpdateLead(&missing) }},
			{"CreateLead/NoPerson", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
				nl := newLead(d1, c1, epiloop.LeadPushed)
				nl.Person.ID = l.Person.ID + 1000
				return tx.CreateLead(nl)
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { updateCode(t, s, tc.name, tc.want, tc.fn) })
		}
	})
}

func testLeadSources(t *testing.T, s epiloop.Store) {
	seed(t, s)
	l := newLead(d1, c1, epiloop.LeadPushed)
	sources := []*epiloop.Source{
		{Kind: epiloop.SourceRail, Ref: "G1234-05-12F", File: "rail-2020-02-01.xlsx", Row: 17,
			Reason: epiloop.Reason{Origin: "420100", ArrivalDate: "2020-01-31"}, Address: "太原街1号", CreatedAt: local(at(0))},
		{Kind: epiloop.SourceHotline, Ref: "call-99",
			Reason: epiloop.Reason{CloseContact: true, Note: "密接"}, CreatedAt: at(time.Minute)},
	}
	update(t, s, func(tx epiloop.Tx) error {
		if err := addLead(tx, person(1), l); err != nil {
			return err
		}
		for _, src := range sources {
			if err := tx.AddSource(l.ID, src); err != nil {
				return err
			}
		}
		return nil
	})
	if sources[0].ID <= 0 || sources[1].ID <= sources[0].ID {
		t.Fatalf("source IDs %d, %d: want positive and growing", sources[0].ID, sources[1].ID)
	}
	sources[0].CreatedAt = sources[0].CreatedAt.UTC()
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindLeadByID(l.ID, false)
		if err != nil {
			return err
		}
		diff(t, "sources", got.Sources, sources)
		return nil
	})
	update(t, s, func(tx epiloop.Tx) error {
		locked, err := tx.FindLeadByID(l.ID, true)
		if err != nil {
			return err
		}
		if locked.Sources != nil {
			t.Errorf("a lead loaded for update has its sources: %v", locked.Sources)
		}
		return nil
	})
	updateCode(t, s, "AddSource to a missing lead", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		return tx.AddSource(l.ID+1000, &epiloop.Source{Kind: epiloop.SourceOther, CreatedAt: at(0)})
	})
}

func testLeadTasks(t *testing.T, s epiloop.Store) {
	seed(t, s)
	l := newLead(d1, c1, epiloop.LeadPushed)
	l.Round = 2
	submitted := newTask(cm1, epiloop.UnitCommittee, epiloop.TaskSubmitted, 2)
	submitted.AcceptedAt, submitted.SubmittedAt = ptr(at(time.Hour)), ptr(at(2*time.Hour))
	submitted.Feedback = &epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactPhone,
		Temperature: ptr(36.5), Measure: epiloop.MeasureHomeObservation, SubmittedAt: at(2 * time.Hour), SubmittedBy: 3}
	update(t, s, func(tx epiloop.Tx) error {
		return addLead(tx, person(1), l,
			newTask(ps2, epiloop.UnitPoliceStation, epiloop.TaskCancelled, 1),
			newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskAccepted, 2),
			submitted,
		)
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindLeadByID(l.ID, false)
		if err != nil {
			return err
		}
		diff(t, "tasks", got.Tasks, withUnits(l.Tasks))
		diff(t, "live station", got.LiveTask(epiloop.UnitPoliceStation).UnitCode, ps1)
		return nil
	})
}

// testUpdateAfterLoad checks updates of a lead and its tasks loaded in the
// same transaction, the workflows' pattern: changed columns are written,
// unchanged ones kept, a column changed and changed back ends as it began,
// and a second transaction sees exactly the last values.
func testUpdateAfterLoad(t *testing.T, s epiloop.Store) {
	seed(t, s)
	l := newLead(d1, c1, epiloop.LeadPushed)
	update(t, s, func(tx epiloop.Tx) error {
		return addLead(tx, person(1), l,
			newTask(ps1, epiloop.UnitPoliceStation, epiloop.TaskPushed, 1),
			newTask(cm1, epiloop.UnitCommittee, epiloop.TaskPushed, 1))
	})
	var want *epiloop.Lead
	update(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindLeadByID(l.ID, true)
		if err != nil {
			return err
		}
		got.Status, got.UpdatedAt = epiloop.LeadVerifying, at(time.Hour)
		st := got.Tasks[0]
		st.Status, st.AcceptedAt, st.FeedbackBy = epiloop.TaskAccepted, ptr(at(time.Hour)), at(5*time.Hour)
		if err := tx.UpdateLead(got); err != nil {
			return err
		}
		if err := tx.UpdateTask(st); err != nil {
			return err
		}
		// Back to pushed, then verifying again; the other task unchanged.
		got.Status, got.Overdue = epiloop.LeadPushed, true
		if err := tx.UpdateLead(got); err != nil {
			return err
		}
		if err := tx.UpdateTask(got.Tasks[1]); err != nil {
			return err
		}
		got.Status, got.Overdue = epiloop.LeadVerifying, false
		if err := tx.UpdateLead(got); err != nil {
			return err
		}
		st.Escalation = 1
		if err := tx.UpdateTask(st); err != nil {
			return err
		}
		want = got
		return nil
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindLeadByID(l.ID, false)
		if err != nil {
			return err
		}
		diff(t, "status", got.Status, want.Status)
		diff(t, "overdue", got.Overdue, want.Overdue)
		diff(t, "updated", got.UpdatedAt, want.UpdatedAt)
		diff(t, "tasks", got.Tasks, withUnits(want.Tasks))
		return nil
	})
	// A lead updated in a transaction that did not load it.
	update(t, s, func(tx epiloop.Tx) error {
		want.Priority = epiloop.PriorityUrgent
		return tx.UpdateLead(want)
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindLeadByID(l.ID, false)
		if err != nil {
			return err
		}
		diff(t, "priority", got.Priority, epiloop.PriorityUrgent)
		diff(t, "status", got.Status, want.Status)
		return nil
	})
}
