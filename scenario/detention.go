package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The detention facilities' demo (监所): 沈阳市看守所 (registered by the
// places' demo), 沈阳市拘留所 and 沈河区看守所, all under closed management
// since a month ago; isolation cells and general areas; a dozen detainees
// at 沈阳市看守所, some in intake isolation days 1–15, one whose isolation
// is over and who waits to move, the others moved on; a cohort on site
// with today's checks partly missing (one fever) and the next cohort's
// hand-over half confirmed; at 沈阳市拘留所 a cohort past its relief.

// DemoFacility is the demo's main facility (the places' demo registers it).
const DemoFacility = "DT210102001"

// Demo facilities the detention demo adds.
const (
	DemoCustody         = "DT210102002"
	DemoShenheDetention = "DT210103001"
)

// DetentionAccounts are the staff of DemoFacility (whose responsible unit
// is DemoStation): the on-site cohort's leader and the next cohort's.
var DetentionAccounts = []Account{
	{"detention-shenyang", Password, epiloop.RoleDetention, DemoStation},
	{"detention-shenyang-next", Password, epiloop.RoleDetention, DemoStation},
}

// demoDetainees are the main facility's detainees: the day they came (days
// before now) and whether they have moved on to a general area.
var demoDetainees = []struct {
	days  int
	moved bool
}{
	{1, false}, {2, false}, {4, false}, {6, false}, {8, false}, {11, false}, {13, false}, {14, false},
	{16, false}, // isolation over, waiting to move
	{20, true}, {24, true}, {27, true},
}

var demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"}

var demoGiven = []string{"建国", "志强", "海涛", "立新", "德明", "宏伟", "春生", "永刚", "振华", "国庆", "玉林", "长江", "凤山", "文博", "子豪", "晓东"}

func demoName(i int) string {
	return demoSurnames[i%len(demoSurnames)] + demoGiven[(i*5+3)%len(demoGiven)]
}

// seedDetention seeds the facilities; svc's clock moves to the days the
// things happened and back to now.
func seedDetention(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, now time.Time, byDistrict map[string][]epiloop.Community) error {
	var main *epiloop.Place
	if err := svc.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		main, err = tx.FindPlaceByCode(DemoFacility)
		return err
	}); err != nil {
		return fmt.Errorf("detention: %w", err)
	}
	facilities := []*epiloop.Place{main}
	for _, f := range []struct {
		code, name, kind, district string
		capacity, community        int
	}{
		{DemoCustody, "沈阳市拘留所", "custody", DemoDistrict, 200, 9},
		{DemoShenheDetention, "沈河区看守所", "detention_center", "210103", 300, 3},
	} {
		cs := byDistrict[f.district]
		if len(cs) == 0 {
			continue
		}
		c := cs[f.community%len(cs)]
		unit := c.Station
		if unit == "" {
			unit = epiloop.CommitteeCode(c.Code)
		}
		p := &epiloop.Place{Code: f.code, Kind: epiloop.PlaceDetention, Name: f.name, DistrictCode: f.district,
			CommunityCode: c.Code, UnitCode: unit, DetentionKind: f.kind, Capacity: f.capacity}
		if _, err := svc.SavePlace(ctx, p); err != nil {
			return fmt.Errorf("detention %s: %w", f.code, err)
		}
		facilities = append(facilities, p)
	}
	since := epiloop.CivilDate(now.AddDate(0, 0, -30))
	for i, p := range facilities {
		areas := []epiloop.DetentionArea{}
		for c := 1; c <= 10-2*i; c++ {
			areas = append(areas, epiloop.DetentionArea{Code: fmt.Sprintf("GL%02d", c), Name: fmt.Sprintf("隔离监室%d", c), Kind: epiloop.AreaIsolation})
		}
		for g := 1; g <= 3; g++ {
			areas = append(areas, epiloop.DetentionArea{Code: fmt.Sprintf("JQ%d", g), Name: fmt.Sprintf("%d监区", g), Kind: epiloop.AreaGeneral, Capacity: 40})
		}
		if _, err := svc.SaveDetentionAreas(ctx, p.Code, areas); err != nil {
			return fmt.Errorf("detention %s areas: %w", p.Code, err)
		}
		m := epiloop.ClosedManagement{State: epiloop.ClosureClosed, From: since, OrderNo: "沈公监发〔2020〕2号", Exemptions: []epiloop.Exemption{}}
		if i == 0 {
			m.Exemptions = append(m.Exemptions, epiloop.Exemption{Name: "林医生", Reason: "驻所医生，每日巡诊",
				From: since, To: epiloop.CivilDate(now.AddDate(0, 0, 30))})
		}
		if _, err := svc.SetClosedManagement(ctx, p.Code, m); err != nil {
			return fmt.Errorf("detention %s closure: %w", p.Code, err)
		}
	}
	if main.UnitCode != DemoStation {
		return fmt.Errorf("detention: %s is %s's, not %s's", DemoFacility, main.UnitCode, DemoStation)
	}
	staff := make([]*epiloop.User, len(DetentionAccounts))
	for i, a := range DetentionAccounts {
		u := &epiloop.User{Name: a.Name, Role: a.Role, UnitCode: a.Unit}
		if err := svc.CreateUser(ctx, u, a.Password); err != nil {
			return fmt.Errorf("detention account %s: %w", a.Name, err)
		}
		staff[i] = u
	}
	var chief *epiloop.User
	if err := svc.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		chief, err = tx.FindUserByName(Accounts[0].Name)
		return err
	}); err != nil {
		return fmt.Errorf("detention: %w", err)
	}
	staff = append(staff, chief)
	officer := epiloop.NewContextWithUser(ctx, staff[0])
	defer clock.Set(now)
	if err := seedDetainees(ctx, officer, svc, clock, now); err != nil {
		return err
	}
	if err := seedCohorts(ctx, officer, svc, clock, now, staff, facilities); err != nil {
		return err
	}
	clock.Set(now)
	_, err := svc.EscalateCohorts(ctx)
	return err
}

// at sets the clock to 10:00 on the day days before now (civil time).
func at(clock *epiloop.FakeClock, now time.Time, days int) {
	clock.Set(epiloop.CivilMidnight(epiloop.CivilDate(now.AddDate(0, 0, -days))).Add(10 * time.Hour))
}

// seedDetainees admits the main facility's detainees day by day, with the
// daily checks of their isolation, and moves on those whose isolation
// ended.
func seedDetainees(ctx, officer context.Context, svc *loop.Service, clock *epiloop.FakeClock, now time.Time) error {
	type stay struct {
		d     *epiloop.Detainee
		moved bool
	}
	var stays []stay
	for day := 30; day >= 0; day-- {
		at(clock, now, day)
		for i, x := range demoDetainees {
			if x.days != day {
				continue
			}
			d, err := svc.AdmitPerson(officer, epiloop.Person{Name: demoName(i), Phone: fmt.Sprintf("1390240%04d", 100+i)},
				epiloop.DetaineeIntake{FacilityCode: DemoFacility, CaseRef: fmt.Sprintf("沈公（刑）字〔2020〕%03d号", 40+i)})
			if err != nil {
				return fmt.Errorf("detainee %d: %w", i, err)
			}
			stays = append(stays, stay{d, x.moved})
		}
		for i := range stays {
			s := &stays[i]
			if s.d.Status != epiloop.DetaineePresent || s.d.AreaKind != epiloop.AreaIsolation {
				continue
			}
			today := epiloop.CivilDate(clock.Now())
			if today >= s.d.IsolationEnd {
				if s.moved {
					d, err := svc.MoveDetainee(officer, s.d.ID, loop.MoveInput{Area: fmt.Sprintf("JQ%d", 1+i%3)})
					if err != nil {
						return fmt.Errorf("move detainee: %w", err)
					}
					s.d = d
				}
				continue
			}
			if day == 0 && i%4 == 1 || s.moved {
				continue // today's check not yet done; the moved ones' plans end with their move
			}
			temp, present := 36.3+float64(i%5)/10, true
			if _, err := svc.SubmitCheck(officer, s.d.ObservationID, loop.CheckInput{Temperature: &temp, Present: &present}); err != nil {
				return fmt.Errorf("detainee check: %w", err)
			}
		}
	}
	return nil
}

// seedCohorts puts a cohort on site at each facility with its daily
// checks (three missing today at the main facility, one fever), the main
// facility's next cohort with the outgoing leader's confirmation, and at
// the custody house a cohort past its relief.
func seedCohorts(ctx, officer context.Context, svc *loop.Service, clock *epiloop.FakeClock, now time.Time, staff []*epiloop.User,
	facilities []*epiloop.Place) error {
	cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{ID: 0, Name: "scenario", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	n := 0
	members := func(k int) []epiloop.Person {
		var out []epiloop.Person
		for range k {
			n++
			out = append(out, epiloop.Person{Name: demoName(n+7) + "警官", Phone: fmt.Sprintf("1380240%04d", n)})
		}
		return out
	}
	type onSite struct {
		ctx  context.Context
		c    *epiloop.Cohort
		days int
	}
	var cohorts []onSite
	// The custody house's cohort serves a 7-day rotation, ended two days
	// ago: overdue for relief.
	startDays, rotation := []int{6, 9, 2}, []int{0, 7, 0}
	for i, p := range facilities {
		at(clock, now, startDays[i])
		// The other facilities' cohorts are led by the commander's account
		// (their staff have no demo account).
		ctx, leader := cmd, staff[2].ID
		if i == 0 {
			ctx, leader = officer, staff[0].ID
		}
		c, err := svc.StartCohort(ctx, p.Code, loop.CohortInput{Name: fmt.Sprintf("第%d轮值班组", 3+i), Leader: leader,
			Members: members(6 - i), Days: rotation[i]})
		if err != nil {
			return fmt.Errorf("cohort at %s: %w", p.Code, err)
		}
		cohorts = append(cohorts, onSite{ctx, c, startDays[i]})
	}
	for _, oc := range cohorts {
		for day := oc.days; day >= 0; day-- {
			at(clock, now, day)
			if epiloop.CivilDate(clock.Now()) >= oc.c.End {
				break // the rotation's days are over
			}
			for j, m := range oc.c.Members {
				if day == 0 && j%2 == 1 {
					continue // today's check missing
				}
				temp, present := 36.4+float64(j%3)/10, true
				if day == 0 && j == 2 && oc.c.FacilityCode == DemoFacility {
					temp = 37.8
				}
				if _, err := svc.SubmitCheck(cmd, m.ObservationID, loop.CheckInput{Temperature: &temp, Present: &present}); err != nil {
					return fmt.Errorf("staff check: %w", err)
				}
			}
		}
	}
	at(clock, now, 0)
	next, err := svc.StartCohort(epiloop.NewContextWithUser(ctx, staff[1]), DemoFacility, loop.CohortInput{Name: "第4轮值班组",
		Leader: staff[1].ID, Members: members(6), Start: cohorts[0].c.End})
	if err != nil {
		return fmt.Errorf("next cohort: %w", err)
	}
	_, err = svc.ConfirmCohortHandover(officer, cohorts[0].c.ID, epiloop.CohortConfirmation{Next: next.ID, Note: "在押人员名册、监控与钥匙清点完毕"})
	return err
}
