package scenario

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The demo's volunteers (群防群治): every community of DemoDistrict has a
// pool registered by its committee — the demo community a large one — in
// a mix of statuses and vetting states (its station vets most, refuses
// some, has not reached the rest), and the demo community's vetted
// volunteers keep its south gate on the sub-command's roster, checked in
// and out over yesterday's and today's slots.

// Demo pool sizes: DemoVolunteers in DemoCommunity, VolunteersPerCommunity
// in every other community of DemoDistrict.
const (
	DemoVolunteers         = 60
	VolunteersPerCommunity = 6
)

// volunteerRows is an in-memory volunteer list.
type volunteerRows struct {
	rows []epiloop.VolunteerRow
	i    int
}

func (r *volunteerRows) Next() (epiloop.VolunteerRow, error) {
	if r.i >= len(r.rows) {
		return epiloop.VolunteerRow{}, io.EOF
	}
	r.i++
	return r.rows[r.i-1], nil
}

var demoTeams = []string{"一分队", "二分队", "三分队"}

// seedVolunteers registers the demo district's pools and puts the demo
// community's volunteers on the south gate.
func seedVolunteers(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, cs []epiloop.Community) error {
	for _, c := range cs {
		n := VolunteersPerCommunity
		if c.Code == DemoCommunity {
			n = DemoVolunteers
		}
		committee := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario", Role: epiloop.RoleCommittee, UnitCode: epiloop.CommitteeCode(c.Code)})
		src := &volunteerRows{}
		for i := range n {
			skills := []epiloop.Skill{epiloop.Skills[g.Intn(len(epiloop.Skills))], epiloop.Skills[g.Intn(len(epiloop.Skills))]}
			src.rows = append(src.rows, epiloop.VolunteerRow{ImportRow: epiloop.ImportRow{Line: i + 1,
				Person: epiloop.Person{Name: g.Name(), IDNumber: g.IDNumber(DemoDistrict), Phone: g.Phone()}},
				Team: demoTeams[i%len(demoTeams)], Skills: epiloop.SkillsOf(epiloop.SkillMask(skills)), Availability: "每日18:00后及周末",
				CommunityColumn: -1})
		}
		if _, _, err := svc.ImportVolunteers(committee, src, loop.ImportOptions{Name: "志愿者名单.xlsx",
			Fingerprint: "demo:" + c.Code, Format: "xlsx"}); err != nil {
			return fmt.Errorf("volunteers of %s: %w", c.Code, err)
		}
		if err := vetPool(ctx, svc, committee, c); err != nil {
			return err
		}
	}
	return staffGate(ctx, svc, clock, now)
}

// vetPool has the community's station vet its pool: of every six, four
// vetted (one of them paused, one left), one refused, one pending.
func vetPool(ctx context.Context, svc *loop.Service, committee context.Context, c epiloop.Community) error {
	if c.Station == "" {
		return nil
	}
	station := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario", Role: epiloop.RoleStation, UnitCode: c.Station})
	pool, err := svc.FindVolunteers(committee, epiloop.VolunteerFilter{Community: &c.Code, Limit: epiloop.MaxVolunteerPage})
	if err != nil {
		return err
	}
	for i, v := range pool.Volunteers {
		decision := epiloop.VettingVetted
		switch i % 6 {
		case 4:
			decision = epiloop.VettingRefused
		case 5:
			continue
		}
		if _, err := svc.VetVolunteer(station, v.ID, decision); err != nil {
			return fmt.Errorf("vet volunteer %d: %w", v.ID, err)
		}
		var st epiloop.VolunteerStatus
		switch i % 12 {
		case 2:
			st = epiloop.VolunteerPaused
		case 9:
			st = epiloop.VolunteerLeft
		default:
			continue
		}
		if _, err := svc.UpdateVolunteer(committee, v.ID, loop.VolunteerUpdate{Status: &st}); err != nil {
			return err
		}
	}
	return nil
}

// staffGate puts the demo community's first ready volunteers on a gate
// post of 和平区's sub-command: two on each of yesterday's two slots
// (checked in and out) and two on today's slot in force (checked in).
func staffGate(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, now time.Time) error {
	post := &epiloop.Post{NodeCode: "SUB-HP", Kind: epiloop.PostDutyOfficer, Name: "水源地社区南门岗", PlaceCode: DemoCommittee,
		MinStaff: 2, MaxStaff: 4}
	if err := svc.CreatePost(ctx, post); err != nil {
		return fmt.Errorf("gate post: %w", err)
	}
	today := epiloop.CivilDate(now.Add(-epiloop.ShiftDayHour * time.Hour))
	yesterday := epiloop.CivilDate(epiloop.CivilMidnight(today).AddDate(0, 0, -1))
	if _, err := svc.GenerateRoster(ctx, post.ID, epiloop.Shift12h, yesterday, today); err != nil {
		return err
	}
	slots, _, err := svc.FindDutySlots(ctx, epiloop.DutySlotFilter{Post: &post.ID, Limit: 10})
	if err != nil {
		return err
	}
	committee := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario", Role: epiloop.RoleCommittee, UnitCode: DemoCommittee})
	active, vetted := epiloop.VolunteerActive, epiloop.VettingVetted
	community := DemoCommunity
	ready, err := svc.FindVolunteers(committee, epiloop.VolunteerFilter{Community: &community, Status: &active, Vetting: &vetted, Limit: 6})
	if err != nil {
		return err
	}
	defer clock.Set(now)
	next := 0
	for _, sl := range slots {
		if !sl.Start.Before(now) || next+2 > len(ready.Volunteers) {
			continue
		}
		for range 2 {
			v := ready.Volunteers[next]
			next++
			clock.Set(sl.Start.Add(-time.Hour))
			if _, err := svc.AssignVolunteer(committee, v.ID, sl.ID); err != nil {
				return fmt.Errorf("assign volunteer %d: %w", v.ID, err)
			}
			clock.Set(sl.Start.Add(time.Duration(5+next) * time.Minute))
			if _, err := svc.CheckInVolunteer(committee, v.ID, sl.ID); err != nil {
				return err
			}
			if sl.End.After(now) {
				continue
			}
			clock.Set(sl.End.Add(-time.Duration(10+next) * time.Minute))
			if _, err := svc.CheckOutVolunteer(committee, v.ID, sl.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
