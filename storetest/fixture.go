package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// The suite's small city: two districts, one street and one community in
// each, and the units that serve them.
const (
	d1, d2   = "210102", "210103"
	s1, s2   = "210102001", "210103001"
	c1, c2   = "210102001001", "210103001001"
	ps1, ps2 = "PS" + s1, "PS" + s2 // epiloop.DefaultStationCode
	cm1, cm2 = "CM" + c1, "CM" + c2 // epiloop.CommitteeCode
)

func districts() []epiloop.District {
	return []epiloop.District{{Code: d1, Name: "和平区"}, {Code: d2, Name: "沈河区"}}
}

func streets() []epiloop.Street {
	return []epiloop.Street{
		{Code: s1, Name: "太原街街道", DistrictCode: d1},
		{Code: s2, Name: "五里河街道", DistrictCode: d2},
	}
}

func communities() []epiloop.Community {
	return []epiloop.Community{
		{Code: c1, Name: "太原社区", StreetCode: s1, DistrictCode: d1, Station: ps1},
		{Code: c2, Name: "五里河社区", StreetCode: s2, DistrictCode: d2, Station: ps2},
	}
}

func units() []epiloop.Unit {
	return []epiloop.Unit{
		{Code: epiloop.HeadquartersCode, Kind: epiloop.UnitHeadquarters, Name: "指挥部"},
		{Code: epiloop.SubCommandCode(d1), Kind: epiloop.UnitSubCommand, Name: "和平分指挥部", DistrictCode: d1},
		{Code: epiloop.SubCommandCode(d2), Kind: epiloop.UnitSubCommand, Name: "沈河分指挥部", DistrictCode: d2},
		{Code: ps1, Kind: epiloop.UnitPoliceStation, Name: "太原街派出所", DistrictCode: d1},
		{Code: ps2, Kind: epiloop.UnitPoliceStation, Name: "五里河派出所", DistrictCode: d2},
		{Code: cm1, Kind: epiloop.UnitCommittee, Name: "太原社区居委会", DistrictCode: d1},
		{Code: cm2, Kind: epiloop.UnitCommittee, Name: "五里河社区居委会", DistrictCode: d2},
	}
}

// unit returns the fixture unit with code.
func unit(code string) *epiloop.Unit {
	for _, u := range units() {
		if u.Code == code {
			return &u
		}
	}
	panic("storetest: no fixture unit " + code)
}

// seed loads the small city into s.
func seed(t testing.TB, s epiloop.Store) {
	t.Helper()
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.UpsertDistricts(districts()); err != nil {
			return err
		}
		if err := tx.UpsertStreets(streets()); err != nil {
			return err
		}
		if err := tx.UpsertCommunities(communities()); err != nil {
			return err
		}
		return tx.UpsertUnits(units())
	})
}

// person returns the n-th test person, identified by an ID number.
func person(n int) epiloop.Person {
	return epiloop.Person{IDNumber: fmt.Sprintf("210102199001%06d", n), Name: fmt.Sprintf("测试%d", n)}
}

// newLead returns an open lead in a community of district.
func newLead(district, community string, status epiloop.LeadStatus) *epiloop.Lead {
	return &epiloop.Lead{
		Status:        status,
		Priority:      epiloop.PriorityNormal,
		Address:       "测试路1号",
		CommunityCode: community,
		DistrictCode:  district,
		Reason:        epiloop.Reason{Origin: "420100", ArrivalDate: "2020-01-20"},
		Round:         1,
		CreatedAt:     at(0),
		UpdatedAt:     at(0),
	}
}

// newTask returns a task pushed at at(0) with the normal SLA.
func newTask(unitCode string, side epiloop.UnitKind, status epiloop.TaskStatus, round int) *epiloop.Task {
	return &epiloop.Task{
		Round:        round,
		Side:         side,
		UnitCode:     unitCode,
		Status:       status,
		Priority:     epiloop.PriorityNormal,
		DistrictCode: unit(unitCode).DistrictCode,
		AcceptBy:     at(4 * time.Hour),
		FeedbackBy:   at(24 * time.Hour),
		CreatedAt:    at(0),
	}
}

// addLead creates p, the lead l for p, and the tasks of l, setting their
// IDs and l.Tasks.
func addLead(tx epiloop.Tx, p epiloop.Person, l *epiloop.Lead, tasks ...*epiloop.Task) error {
	if err := tx.CreatePerson(&p); err != nil {
		return fmt.Errorf("create person: %w", err)
	}
	l.Person = p
	if err := tx.CreateLead(l); err != nil {
		return fmt.Errorf("create lead: %w", err)
	}
	for _, tk := range tasks {
		tk.LeadID = l.ID
		if err := tx.CreateTask(tk); err != nil {
			return fmt.Errorf("create task: %w", err)
		}
		l.Tasks = append(l.Tasks, tk)
	}
	return nil
}

// withUnits returns the tasks with their Unit set, as the store loads them.
func withUnits(tasks []*epiloop.Task) []*epiloop.Task {
	var out []*epiloop.Task
	for _, tk := range tasks {
		c := *tk
		c.Unit = unit(tk.UnitCode)
		out = append(out, &c)
	}
	return out
}

// leadIDs returns the IDs of leads.
func leadIDs(ls []*epiloop.Lead) []int64 {
	var out []int64
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}

// taskIDs returns the IDs of tasks.
func taskIDs(ts []*epiloop.Task) []int64 {
	var out []int64
	for _, tk := range ts {
		out = append(out, tk.ID)
	}
	return out
}
