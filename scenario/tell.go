package scenario

import (
	"context"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// ages say how long before now each story began.
var ages = map[string]time.Duration{
	"pushed": 20 * time.Minute, "accepted": 50 * time.Minute, "one_side": 2 * time.Hour,
	"closed_home": 5 * time.Hour, "closed_none": 6 * time.Hour, "closed_central": 8 * time.Hour,
	"conflict_measure": 4 * time.Hour, "unroutable": time.Hour, "overdue_accept": 9 * time.Hour,
	"rerouted": 3 * time.Hour, "handed_over": 7 * time.Hour, "conflict_fever": 3 * time.Hour,
	"overdue_feedback": 30 * time.Hour, "urgent_overdue": 3*time.Hour + 30*time.Minute,
}

var sourceKinds = []epiloop.SourceKind{epiloop.SourceRail, epiloop.SourceRoad, epiloop.SourceHealth, epiloop.SourceHotline, epiloop.SourceCity}

// tell creates one lead and plays its story through the workflows.
func tell(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time,
	d epiloop.District, c, other epiloop.Community, fate string) error {
	start := now.Add(-ages[fate])
	clock.Set(start)
	origin := Origins[g.Intn(len(Origins))]
	in := loop.LeadInput{
		Person:  epiloop.Person{IDNumber: g.IDNumber(origin), Name: g.Name(), Phone: g.Phone()},
		Address: g.Address(d.Name, c.Name),
		Source:  epiloop.Source{Kind: sourceKinds[g.Intn(len(sourceKinds))], Ref: "演示数据"},
		Reason: epiloop.Reason{
			Origin: origin, ArrivalDate: start.AddDate(0, 0, -g.Intn(5)).Format(time.DateOnly),
			Fever: fate == "urgent_overdue", CloseContact: fate == "conflict_fever",
		},
	}
	if fate == "unroutable" {
		in.Address = "沈阳市" + d.Name + "幸福家园小区" + in.Address[len(in.Address)-6:]
	}
	rc, err := svc.CreateLead(ctx, in)
	if err != nil || fate == "unroutable" {
		return err
	}
	l := rc.Lead
	if l.Status == epiloop.LeadUnroutable {
		if l, err = svc.RouteLead(ctx, l.ID, c.Code); err != nil {
			return err
		}
	}
	p := player{ctx: ctx, svc: svc, clock: clock, g: g}
	for _, t := range l.LiveTasks() {
		u := &epiloop.User{Name: "scenario-unit", Role: epiloop.RoleStation, UnitCode: t.UnitCode}
		if t.Side == epiloop.UnitCommittee {
			u.Role = epiloop.RoleCommittee
			p.committee, p.cctx = t.ID, epiloop.NewContextWithUser(ctx, u)
		} else {
			p.station, p.sctx = t.ID, epiloop.NewContextWithUser(ctx, u)
		}
	}
	home := fb(epiloop.LocatedAtAddress, epiloop.MeasureHomeObservation, g.Temperature(false))
	switch fate {
	case "accepted":
		p.accept(p.sctx, p.station)
	case "one_side":
		p.accept(p.sctx, p.station)
		p.submit(p.cctx, p.committee, home)
	case "closed_home", "closed_none", "closed_central":
		f := home
		if fate == "closed_none" {
			f = fb(epiloop.LocatedAtAddress, epiloop.MeasureNoneRequired, g.Temperature(false))
		} else if fate == "closed_central" {
			f = fb(epiloop.LocatedAtAddress, epiloop.MeasureCentralIsolation, g.Temperature(false))
			f.Site = "沈阳市集中隔离点（浑南）"
		}
		p.accept(p.sctx, p.station)
		p.accept(p.cctx, p.committee)
		p.submit(p.sctx, p.station, f)
		p.submit(p.cctx, p.committee, f)
	case "conflict_measure":
		p.submit(p.sctx, p.station, home)
		p.submit(p.cctx, p.committee, fb(epiloop.LocatedAtAddress, epiloop.MeasureNoneRequired, g.Temperature(false)))
	case "conflict_fever":
		p.submit(p.sctx, p.station, fb(epiloop.LocatedAtAddress, epiloop.MeasureHomeObservation, g.Temperature(true)))
		p.submit(p.cctx, p.committee, home)
	case "rerouted":
		f := fb(epiloop.LocatedElsewhereInCity, "", nil)
		f.Address = g.Address(d.Name, other.Name)
		p.submit(p.sctx, p.station, f)
		p.submit(p.cctx, p.committee, f)
	case "handed_over":
		f := fb(epiloop.LocatedLeftCity, "", nil)
		f.Destination = "北京市朝阳区"
		f.Contact = epiloop.ContactPhone
		p.submit(p.sctx, p.station, f)
		p.submit(p.cctx, p.committee, f)
	case "overdue_feedback":
		p.accept(p.sctx, p.station)
		p.accept(p.cctx, p.committee)
	}
	return p.err
}

func fb(located epiloop.Located, m epiloop.Measure, t *float64) epiloop.Feedback {
	return epiloop.Feedback{Located: located, Measure: m, Temperature: t, Contact: epiloop.ContactInPerson}
}

// player acts for the two units of one lead, a few minutes apart, and
// keeps the first error.
type player struct {
	ctx                context.Context
	svc                *loop.Service
	clock              *epiloop.FakeClock
	g                  *Gen
	sctx, cctx         context.Context
	station, committee int64
	err                error
}

func (p *player) accept(ctx context.Context, task int64) {
	if p.err != nil || ctx == nil {
		return
	}
	p.clock.Add(time.Duration(5+p.g.Intn(30)) * time.Minute)
	_, p.err = p.svc.AcceptTask(ctx, task)
}

func (p *player) submit(ctx context.Context, task int64, f epiloop.Feedback) {
	if p.err != nil || ctx == nil {
		return
	}
	p.clock.Add(time.Duration(10+p.g.Intn(40)) * time.Minute)
	_, p.err = p.svc.SubmitFeedback(ctx, task, f)
}
