package scenario

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Checkpoints are the demo's checkpoints: Shenyang's railway stations and
// airport and the toll stations where the expressways enter the city.
// DemoCheckpoint (沈阳站) comes first.
var Checkpoints = []epiloop.Checkpoint{
	{Code: DemoCheckpoint, Kind: epiloop.CheckpointRail, Name: "沈阳站卡点", DistrictCode: "210102", Location: "和平区胜利南街2号 沈阳站出站口"},
	{Code: "CK0002", Kind: epiloop.CheckpointRail, Name: "沈阳北站卡点", DistrictCode: "210103", Location: "沈河区北站路102号 沈阳北站出站口"},
	{Code: "CK0003", Kind: epiloop.CheckpointRail, Name: "沈阳南站卡点", DistrictCode: "210112", Location: "浑南区 沈阳南站出站口"},
	{Code: "CK0004", Kind: epiloop.CheckpointAir, Name: "桃仙机场卡点", DistrictCode: "210112", Location: "浑南区桃仙街道 沈阳桃仙国际机场T3到达层"},
	{Code: "CK0005", Kind: epiloop.CheckpointRoad, Name: "沈阳西收费站卡点", DistrictCode: "210114", Location: "于洪区 京哈高速沈阳西收费站"},
	{Code: "CK0006", Kind: epiloop.CheckpointRoad, Name: "沈阳南收费站卡点", DistrictCode: "210111", Location: "苏家屯区 沈大高速沈阳南收费站"},
	{Code: "CK0007", Kind: epiloop.CheckpointRoad, Name: "沈阳北收费站卡点", DistrictCode: "210113", Location: "沈北新区 京哈高速沈阳北收费站"},
}

// Sites are the demo's central isolation sites; the first is the one the
// scenario's units name for central isolation.
var Sites = []epiloop.Site{
	{Code: "SITE0001", Name: "沈阳市集中隔离点（浑南）", DistrictCode: "210112", Address: "浑南区某酒店", Capacity: 120},
	{Code: "SITE0002", Name: "沈阳市集中隔离点（于洪）", DistrictCode: "210114", Address: "于洪区某宾馆", Capacity: 80},
	{Code: "SITE0003", Name: "沈阳市集中隔离点（沈北）", DistrictCode: "210113", Address: "沈北新区某培训中心", Capacity: 60},
}

// plateRegions are the plate prefixes of the vehicles the scenario's road
// checkpoints see: mostly Liaoning, some from the neighbours and further.
var plateRegions = []string{"辽A", "辽A", "辽A", "辽B", "辽C", "辽H", "吉A", "吉B", "黑A", "京A", "冀A", "鄂A"}

// seedPlaces adds the checkpoints, the isolation sites and the risk areas
// (武汉 high and 湖北 medium, watched from forty days before now to fifty
// after), before any lead of the scenario closes.
func seedPlaces(ctx context.Context, svc *loop.Service, now time.Time) error {
	if err := svc.SaveCheckpoints(ctx, Checkpoints); err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	if err := svc.SaveSites(ctx, Sites); err != nil {
		return fmt.Errorf("sites: %w", err)
	}
	from, to := epiloop.CivilDate(now.AddDate(0, 0, -40)), epiloop.CivilDate(now.AddDate(0, 0, 50))
	for _, a := range []loop.RiskAreaInput{
		{Code: "4201", Level: epiloop.RiskHigh, From: from, To: to, Note: "演示数据"},
		{Code: "42", Level: epiloop.RiskMedium, From: from, To: to, Note: "演示数据"},
	} {
		if _, err := svc.AddRiskArea(ctx, a); err != nil {
			return fmt.Errorf("risk area %s: %w", a.Code, err)
		}
	}
	svc.Risk = loop.NewRiskAreas(svc.Store)
	return nil
}

// seedScreenings registers perCheckpoint crossings at each checkpoint over
// the twelve hours before now, in time order, as its officers would: cars
// and their occupants at the toll stations, carriages at the stations,
// passengers at the airport. Travellers from the risk areas and those with
// a fever become leads through the loop.
func seedScreenings(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time,
	byDistrict map[string][]epiloop.Community, districts []epiloop.District, perCheckpoint int) error {
	type crossing struct {
		at time.Time
		ck epiloop.Checkpoint
	}
	var all []crossing
	for _, ck := range Checkpoints {
		for range perCheckpoint {
			all = append(all, crossing{now.Add(-time.Duration(1+g.Intn(12*60)) * time.Minute), ck})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	for _, c := range all {
		clock.Set(c.at)
		officer := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario-checkpoint", Role: epiloop.RoleCheckpoint, UnitCode: c.ck.Code})
		in := crossingInput(g, c.ck.Kind, byDistrict, districts)
		if _, err := svc.Screen(officer, c.ck.Code, in); err != nil {
			return fmt.Errorf("screening at %s: %w", c.ck.Code, err)
		}
	}
	return nil
}

// crossingInput makes one crossing of a kind of checkpoint.
func crossingInput(g *Gen, kind epiloop.CheckpointKind, byDistrict map[string][]epiloop.Community, districts []epiloop.District) loop.ScreeningInput {
	in := loop.ScreeningInput{Direction: epiloop.DirectionIn}
	people := 1 + g.Intn(2)
	switch kind {
	case epiloop.CheckpointRoad:
		in.Plate = fmt.Sprintf("%s%05d", plateRegions[g.Intn(len(plateRegions))], g.Intn(100000))
		people = 1 + g.Intn(5)
	case epiloop.CheckpointRail:
		in.Train = fmt.Sprintf("%c%d", "GDK"[g.Intn(3)], 1+g.Intn(2999))
		in.Carriage = fmt.Sprint(1 + g.Intn(16))
		people = 1 + g.Intn(3)
	}
	if g.Intn(10) == 0 {
		in.Direction = epiloop.DirectionOut
	}
	for range people {
		origin := Origins[g.Intn(len(Origins))]
		d := districts[g.Intn(len(districts))]
		cs := byDistrict[d.Code]
		c := cs[g.Intn(len(cs))]
		in.Occupants = append(in.Occupants, loop.OccupantInput{
			Person:      epiloop.Person{IDNumber: g.IDNumber(origin), Name: g.Name(), Phone: g.Phone()},
			Origin:      origin,
			Destination: g.Address(d.Name, c.Name),
			Temperature: g.Temperature(g.Intn(40) == 0),
			Symptoms:    g.Intn(50) == 0,
		})
	}
	return in
}

// seedObservations gives the demo community observation plans at every
// stage: people who arrived one to fourteen days ago, found at home and
// observed since, checked by the committee each morning — with a missed
// day here and there (escalated), a fever on the last morning for one,
// and release proposed for those at their fourteenth day. The plans the
// scenario's closed leads started today get their first check.
func seedObservations(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, c epiloop.Community, d epiloop.District) error {
	today := epiloop.CivilMidnight(epiloop.CivilDate(now))
	for days := 1; days <= 14; days++ {
		start := today.AddDate(0, 0, -(days - 1))
		clock.Set(start.Add(-6 * time.Hour)) // the evening before: reported, verified, closed
		o, err := observedAtHome(ctx, svc, clock, g, c, d, epiloop.CivilDate(start))
		if err != nil {
			return err
		}
		unit := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario-committee", Role: epiloop.RoleCommittee, UnitCode: o.UnitCode})
		for day := 1; day <= days; day++ {
			clock.Set(start.AddDate(0, 0, day-1).Add(9*time.Hour + time.Duration(g.Intn(90))*time.Minute))
			if clock.Now().After(now) {
				break
			}
			if _, err := svc.EscalateObservations(ctx); err != nil {
				return err
			}
			if day > 1 && day < days && g.Intn(6) == 0 {
				continue // missed: escalated the next morning
			}
			fever := day == days && days == 9
			if _, err := svc.SubmitCheck(unit, o.ID, loop.CheckInput{
				Temperature: g.Temperature(fever), Symptoms: false, Present: ptrTo(true),
			}); err != nil {
				return fmt.Errorf("observation check: %w", err)
			}
		}
	}
	clock.Set(now)
	return firstChecks(ctx, svc, g)
}

// observedAtHome reports a traveller to the community, has both units
// find them at home, and returns the observation plan that started.
func observedAtHome(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, c epiloop.Community, d epiloop.District, arrival string) (*epiloop.Observation, error) {
	origin := Origins[g.Intn(2)] // 武汉
	rc, err := svc.CreateLead(ctx, loop.LeadInput{
		Person:  epiloop.Person{IDNumber: g.IDNumber(origin), Name: g.Name(), Phone: g.Phone()},
		Address: g.Address(d.Name, c.Name),
		Source:  epiloop.Source{Kind: epiloop.SourceRail, Ref: "演示数据"},
		Reason:  epiloop.Reason{Origin: origin, ArrivalDate: arrival},
	})
	if err != nil {
		return nil, err
	}
	l := rc.Lead
	p := player{ctx: ctx, svc: svc, clock: clock, g: g}
	found := fb(epiloop.LocatedAtAddress, epiloop.MeasureHomeObservation, g.Temperature(false))
	for _, t := range l.LiveTasks() {
		u := &epiloop.User{Name: "scenario-unit", Role: epiloop.RoleStation, UnitCode: t.UnitCode}
		if t.Side == epiloop.UnitCommittee {
			u.Role = epiloop.RoleCommittee
		}
		p.submit(epiloop.NewContextWithUser(ctx, u), t.ID, found)
	}
	if p.err != nil {
		return nil, p.err
	}
	os, _, err := svc.FindObservations(ctx, epiloop.ObservationFilter{Unit: ptrTo(epiloop.CommitteeCode(c.Code)), Limit: 1})
	if err != nil || len(os) == 0 || os[0].LeadID != l.ID {
		return nil, fmt.Errorf("lead %d started no observation plan (%v)", l.ID, err)
	}
	return os[0], nil
}

// firstChecks checks in, at now, on half of the plans that are due today
// and not yet checked.
func firstChecks(ctx context.Context, svc *loop.Service, g *Gen) error {
	active := epiloop.ObservationActive
	os, _, err := svc.FindObservations(ctx, epiloop.ObservationFilter{Status: &active, Limit: 1000})
	if err != nil {
		return err
	}
	today := epiloop.CivilDate(svc.Clock.Now())
	for _, o := range os {
		if o.LastCheck == today || g.Intn(2) == 0 {
			continue
		}
		unit := epiloop.NewContextWithUser(ctx, &epiloop.User{Name: "scenario-unit", Role: epiloop.RoleCommittee, UnitCode: o.UnitCode})
		if _, err := svc.SubmitCheck(unit, o.ID, loop.CheckInput{Temperature: g.Temperature(false), Present: ptrTo(true)}); err != nil {
			return fmt.Errorf("first check: %w", err)
		}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// seedGates plays the checkpoint and observation part of the scenario
// once the leads are told: crossings at every checkpoint, then plans at
// every stage in the demo community.
func seedGates(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time,
	byDistrict map[string][]epiloop.Community, districts []epiloop.District, perCheckpoint int) error {
	if err := seedScreenings(ctx, svc, clock, g, now, byDistrict, districts, perCheckpoint); err != nil {
		return err
	}
	for _, d := range districts {
		if d.Code == DemoDistrict {
			return seedObservations(ctx, svc, clock, g, now, findCommunity(byDistrict[d.Code], DemoCommunity), d)
		}
	}
	return nil
}
