package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The places' demo (场所, 下沉): hospitals in every district (grade II and
// above, fever-designated ones among them), the isolation sites
// registered as places, gathering places of the demo district closed by
// order — one of them found open by an unannounced inspection, its
// rectification open — and compounds of the demo district with officers
// sent down, some of them below their minimum guard.

// demoHospitals are the demo district's hospitals; the other districts
// get their people's and central hospitals.
type hospital struct {
	name, grade string
	fever       bool
}

var demoHospitals = []hospital{
	{"中国医科大学附属第一医院", "III", true},
	{"辽宁省人民医院", "III", false},
	{"沈阳市第四人民医院", "III", true},
	{"和平区中心医院", "II", false},
}

// demoGathering are the demo district's gathering places: category, name,
// and whether an order closed them.
var demoGathering = []struct {
	category, name string
	closed         bool
}{
	{"internet_cafe", "太原街极速网咖", true},
	{"bath", "南京街汤泉洗浴", true},
	{"cinema", "中华路影城", true},
	{"ktv", "北市场欢乐KTV", true},
	{"gym", "西塔健身会所", true},
	{"market", "南市农贸市场", false},
	{"supermarket", "太原街大型超市", false},
}

// DemoFoundOpen is the closed gathering place an inspection found open.
const DemoFoundOpen = "GP210102001"

// demoCompounds are the demo district's compounds: openness, households,
// gates, minimum guard, and the deployments sent (police, auxiliaries on
// site; one more approved, not yet on site).
var demoCompounds = []struct {
	name, openness                      string
	households, gates, min, police, aux int
	approved                            bool
}{
	{"水源地小区", "open", 860, 4, 3, 1, 2, false},
	{"浑河湾新城", "closed", 1200, 2, 2, 1, 1, false},
	{"长白岛东区", "open", 2100, 6, 4, 1, 1, true},  // 2 of 4: uncovered
	{"沙岗子老旧小区", "open", 540, 5, 2, 0, 1, true}, // 1 of 2: uncovered
	{"南湖家园", "closed", 780, 2, 2, 1, 1, false},
}

// seedProtected registers the demo's places, inspections and deployments.
// It runs after the accounts exist (the inspection is the district
// commander's, who inspects without a duty slot).
func seedProtected(ctx context.Context, svc *loop.Service, now time.Time, byDistrict map[string][]epiloop.Community,
	districts []epiloop.District) error {
	save := func(p *epiloop.Place) error {
		if _, err := svc.SavePlace(ctx, p); err != nil {
			return fmt.Errorf("place %s: %w", p.Code, err)
		}
		return nil
	}
	stationOf := func(c epiloop.Community) string {
		if c.Station != "" {
			return c.Station
		}
		return epiloop.CommitteeCode(c.Code)
	}
	for _, d := range districts {
		cs := byDistrict[d.Code]
		if len(cs) == 0 {
			continue
		}
		hs := demoHospitals
		if d.Code != DemoDistrict {
			hs = []hospital{{d.Name + "人民医院", "II", false}, {d.Name + "中心医院", "III", true}, {d.Name + "中医院", "II", false}}
		}
		for i, h := range hs {
			c := cs[i%len(cs)]
			if err := save(&epiloop.Place{Code: fmt.Sprintf("HP%s%03d", d.Code, i+1), Kind: epiloop.PlaceHospital, Name: h.name,
				DistrictCode: d.Code, CommunityCode: c.Code, UnitCode: stationOf(c), Grade: h.grade, FeverDesignated: h.fever}); err != nil {
				return err
			}
		}
	}
	for _, st := range Sites {
		if err := save(&epiloop.Place{Code: "IS" + st.Code, Kind: epiloop.PlaceIsolationSite, Name: st.Name, Address: st.Address,
			DistrictCode: st.DistrictCode, UnitCode: st.Code, SiteCode: st.Code}); err != nil {
			return err
		}
	}
	cs := byDistrict[DemoDistrict]
	if len(cs) == 0 {
		return nil
	}
	demo := findCommunity(cs, DemoCommunity)
	order := &epiloop.ClosureOrder{Number: "沈疫指发〔2020〕1号", From: epiloop.CivilDate(now.AddDate(0, 0, -10)),
		To: epiloop.CivilDate(now.AddDate(0, 0, 20))}
	for i, g := range demoGathering {
		c := cs[(i*7)%len(cs)]
		if i == 0 {
			c = demo
		}
		p := &epiloop.Place{Code: fmt.Sprintf("GP%s%03d", DemoDistrict, i+1), Kind: epiloop.PlaceGathering, Name: g.name,
			DistrictCode: DemoDistrict, CommunityCode: c.Code, UnitCode: stationOf(c), Category: g.category}
		if err := save(p); err != nil {
			return err
		}
		if g.closed {
			if _, err := svc.TransitionPlace(ctx, p.Code, epiloop.GatheringClose, order); err != nil {
				return fmt.Errorf("close %s: %w", p.Code, err)
			}
		}
	}
	if err := save(&epiloop.Place{Code: "DT210102001", Kind: epiloop.PlaceDetention, Name: "沈阳市看守所", DistrictCode: DemoDistrict,
		CommunityCode: demo.Code, UnitCode: stationOf(demo), DetentionKind: "detention_center", Capacity: 600}); err != nil {
		return err
	}
	if err := seedFoundOpen(ctx, svc); err != nil {
		return err
	}
	return seedDeployments(ctx, svc, now, cs, demo)
}

// seedFoundOpen has the demo district's commander find DemoFoundOpen open
// at night: a defect, and a rectification for its station, left open.
func seedFoundOpen(ctx context.Context, svc *loop.Service) error {
	ids, err := userIDs(ctx, svc)
	if err != nil {
		return err
	}
	id, ok := ids["district-heping"]
	if !ok {
		return nil // no demo accounts: no inspector
	}
	inspector := epiloop.NewContextWithUser(ctx, &epiloop.User{ID: id, Name: "district-heping", Role: epiloop.RoleDistrict,
		UnitCode: epiloop.SubCommandCode(DemoDistrict), DistrictCode: DemoDistrict})
	var items []epiloop.CheckItem
	for _, it := range epiloop.Checklists[epiloop.PlaceGathering] {
		items = append(items, epiloop.CheckItem{Item: it, OK: it != "no_crowding", Note: map[bool]string{true: "二十余人上网"}[it == "no_crowding"]})
	}
	_, err = svc.RecordInspection(inspector, DemoFoundOpen, epiloop.Inspection{Kind: epiloop.InspectionUnannounced,
		Items: items, FoundOpen: true, Note: "夜间暗访发现卷帘门半开，仍在营业"})
	if err != nil {
		return fmt.Errorf("inspection: %w", err)
	}
	return nil
}

// seedDeployments registers the demo district's compounds and sends the
// demo station's officers and auxiliaries to them.
func seedDeployments(ctx context.Context, svc *loop.Service, now time.Time, cs []epiloop.Community, demo epiloop.Community) error {
	g := NewGen(19)
	from, to := epiloop.CivilDate(now.AddDate(0, 0, -5)), epiloop.CivilDate(now.AddDate(0, 0, 25))
	n := 0
	for i, c := range demoCompounds {
		cm := cs[(i*5)%len(cs)]
		if i == 0 {
			cm = demo
		}
		p := &epiloop.Place{Code: fmt.Sprintf("CP%s%03d", DemoDistrict, i+1), Kind: epiloop.PlaceCompound, Name: c.name,
			DistrictCode: DemoDistrict, CommunityCode: cm.Code, UnitCode: epiloop.CommitteeCode(cm.Code), Openness: c.openness,
			Households: c.households, Gates: c.gates, MinGuard: c.min}
		if _, err := svc.SavePlace(ctx, p); err != nil {
			return fmt.Errorf("compound %s: %w", p.Code, err)
		}
		send := func(kind string, steps ...string) error {
			n++
			d := epiloop.Deployment{PersonName: g.Name(), PersonKind: kind, UnitCode: DemoStation, From: from, To: to}
			if kind == "police" {
				d.PoliceNumber = fmt.Sprintf("%06d", 210000+n)
			}
			dep, err := svc.RequestDeployment(ctx, p.Code, d)
			if err != nil {
				return fmt.Errorf("deployment to %s: %w", p.Code, err)
			}
			for _, s := range steps {
				if _, err := svc.StepDeployment(ctx, dep.ID, s); err != nil {
					return fmt.Errorf("deployment %d %s: %w", dep.ID, s, err)
				}
			}
			return nil
		}
		for range c.police {
			if err := send("police", epiloop.DeployApprove, epiloop.DeployCheckIn); err != nil {
				return err
			}
		}
		for range c.aux {
			if err := send("auxiliary", epiloop.DeployApprove, epiloop.DeployCheckIn); err != nil {
				return err
			}
		}
		if c.approved {
			if err := send("police", epiloop.DeployApprove); err != nil {
				return err
			}
			if err := send("auxiliary"); err != nil {
				return err
			}
		}
	}
	return nil
}
