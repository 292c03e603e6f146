package scenario

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Password is the password of every demo account.
const Password = "shenyang-demo"

// Demo units: the 水源地社区 of 和平区 (浑河湾街道), its police station and
// committee, and 和平区's sub-command.
const (
	DemoCommunity  = "210102001002"
	DemoDistrict   = "210102"
	DemoStation    = "PS210102001"
	DemoCommittee  = "CM210102001002"
	DemoCheckpoint = "CK0001"
	// DemoRoadCheckpoint is a road toll station's checkpoint (沈阳西收费站),
	// whose form asks for the vehicle's plate.
	DemoRoadCheckpoint = "CK0005"
)

// Account is a demo user.
type Account struct {
	Name     string       `json:"name"`
	Password string       `json:"password"`
	Role     epiloop.Role `json:"role"`
	Unit     string       `json:"unit,omitempty"`
}

// Accounts are the demo accounts, one per role.
var Accounts = []Account{
	{"commander", Password, epiloop.RoleCommander, epiloop.HeadquartersCode},
	{"district-heping", Password, epiloop.RoleDistrict, epiloop.SubCommandCode(DemoDistrict)},
	{"station-hunhewan", Password, epiloop.RoleStation, DemoStation},
	{"committee-shuiyuandi", Password, epiloop.RoleCommittee, DemoCommittee},
	{"checkpoint-shenyang-station", Password, epiloop.RoleCheckpoint, DemoCheckpoint},
	{"checkpoint-shenyang-west-toll", Password, epiloop.RoleCheckpoint, DemoRoadCheckpoint},
	{"analyst", Password, epiloop.RoleAnalyst, ""},
	{"auditor", Password, epiloop.RoleAuditor, ""},
	{"admin", Password, epiloop.RoleAdmin, ""},
	{"desk-hotline", Password, epiloop.RoleDesk, ""},
	{"dept-hrss", Password, epiloop.RoleDepartment, "DEPT-RS"},
}

// CreateAccounts adds the demo checkpoint unit and the demo accounts; it
// reports false when they exist already (a demo restarted on its data).
func CreateAccounts(ctx context.Context, svc *loop.Service) (bool, error) {
	exists := false
	err := svc.Store.Update(ctx, func(tx epiloop.Tx) error {
		if _, err := tx.FindUserByName(Accounts[0].Name); err == nil {
			exists = true
			return nil
		} else if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			return err
		}
		return tx.UpsertUnits(append([]epiloop.Unit{
			{Code: DemoCheckpoint, Kind: epiloop.UnitCheckpoint, Name: "沈阳站卡点", DistrictCode: DemoDistrict},
			{Code: DemoRoadCheckpoint, Kind: epiloop.UnitCheckpoint, Name: "沈阳西收费站卡点", DistrictCode: "210114"},
		}, DeskUnits...))
	})
	if err != nil || exists {
		return false, err
	}
	for _, a := range Accounts {
		u := &epiloop.User{Name: a.Name, Role: a.Role, UnitCode: a.Unit}
		if err := svc.CreateUser(ctx, u, a.Password); err != nil {
			return false, fmt.Errorf("demo account %s: %w", a.Name, err)
		}
	}
	return true, nil
}

// Summary counts what Seed made.
type Summary struct {
	Leads  int
	ByFate map[string]int
}

// fates are the stories the scenario tells, cycled through in each
// district so that every status and every count has something to show.
var fates = []string{
	"pushed", "accepted", "one_side", "closed_home", "closed_none", "conflict_measure",
	"unroutable", "overdue_accept", "rerouted", "handed_over", "conflict_fever",
	"overdue_feedback", "urgent_overdue", "closed_central",
}

// Seed creates perDistrict leads in each district, in every state, with
// deterministic people from seed, as if they had arrived over the last
// hours before now. Units act through svc's rules on a clock of their own.
func Seed(ctx context.Context, store epiloop.Store, regions loop.Regions, now time.Time, seed uint64, perDistrict int) (Summary, error) {
	sum := Summary{ByFate: map[string]int{}}
	clock := epiloop.NewFakeClock(now)
	svc := loop.NewService(store)
	svc.Clock = clock
	svc.Regions = regions
	if err := svc.LoadGazetteer(ctx); err != nil {
		return sum, err
	}
	byDistrict, districts, err := communities(ctx, store)
	if err != nil {
		return sum, err
	}
	g := NewGen(seed)
	cmd := epiloop.NewContextWithUser(ctx, &epiloop.User{ID: 0, Name: "scenario", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode})
	if err := seedPlaces(cmd, svc, now); err != nil {
		return sum, err
	}
	for di, d := range districts {
		cs := byDistrict[d.Code]
		for i := 0; i < perDistrict; i++ {
			fate := fates[(i+di)%len(fates)]
			c := cs[g.Intn(len(cs))]
			if d.Code == DemoDistrict && i%2 == 0 {
				c = findCommunity(cs, DemoCommunity)
			}
			other := cs[g.Intn(len(cs))]
			if err := tell(cmd, svc, clock, g, now, d, c, other, fate); err != nil {
				return sum, fmt.Errorf("scenario %s in %s: %w", fate, d.Code, err)
			}
			sum.Leads++
			sum.ByFate[fate]++
		}
	}
	if err := seedGates(cmd, svc, clock, g, now, byDistrict, districts, perDistrict); err != nil {
		return sum, err
	}
	clock.Set(now)
	if err := seedProtected(cmd, svc, now, byDistrict, districts); err != nil {
		return sum, err
	}
	if err := seedCommand(cmd, svc, now); err != nil {
		return sum, err
	}
	if err := seedPatrols(cmd, svc, clock, g, now, districts); err != nil {
		return sum, err
	}
	if err := seedVolunteers(cmd, svc, clock, g, now, byDistrict[DemoDistrict]); err != nil {
		return sum, err
	}
	if err := seedMerges(cmd, svc, clock, g, now, byDistrict[DemoDistrict]); err != nil {
		return sum, err
	}
	if err := seedDesk(cmd, svc, clock, g, now, districts); err != nil {
		return sum, err
	}
	if err := seedDetention(cmd, svc, clock, now, byDistrict); err != nil {
		return sum, err
	}
	if err := seedCases(cmd, svc, clock, g, now, byDistrict, districts); err != nil {
		return sum, err
	}
	if err := seedXCity(cmd, svc, clock, g, now, findCommunity(byDistrict[DemoDistrict], DemoCommunity), districtOf(districts, DemoDistrict)); err != nil {
		return sum, err
	}
	if _, err := svc.EscalateObservations(ctx); err != nil {
		return sum, err
	}
	_, err = svc.Escalate(ctx)
	return sum, err
}

func findCommunity(cs []epiloop.Community, code string) epiloop.Community {
	for _, c := range cs {
		if c.Code == code {
			return c
		}
	}
	return cs[0]
}

func communities(ctx context.Context, store epiloop.Store) (map[string][]epiloop.Community, []epiloop.District, error) {
	var (
		ds []epiloop.District
		cs []epiloop.Community
	)
	err := store.View(ctx, func(tx epiloop.Tx) (err error) {
		if ds, err = tx.FindDistricts(); err != nil {
			return err
		}
		cs, err = tx.FindCommunities()
		return err
	})
	by := map[string][]epiloop.Community{}
	for _, c := range cs {
		by[c.DistrictCode] = append(by[c.DistrictCode], c)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Code < ds[j].Code })
	return by, ds, err
}
