package loop_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/sqlite"
)

// TestMain runs the package in a PostgreSQL database of its own when a
// server is there (see pgtest).
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Shenyang places used by the tests.
const (
	shuiyuandi   = "210102001002" // 和平区 浑河湾街道 水源地社区
	shuiyuandiPS = "PS210102001"
	shuiyuandiCM = "CM210102001002"
	heping       = "210102"
	addrHome     = "沈阳市和平区水源地社区12号楼3单元"
)

var (
	treeOnce sync.Once
	tree     loop.Jurisdictions
	regions  *divisions.RegionIndex
	treeErr  error
)

type regionCodes struct{ idx *divisions.RegionIndex }

func (r regionCodes) LookupCode(s string) (string, bool) {
	reg, ok := r.idx.Lookup(s)
	return reg.Code, ok
}

// fixture is a workflow service on a real database — an SQLite file in a
// temp dir, or a fresh PostgreSQL schema — seeded with Shenyang's tree, on
// a fake clock.
type fixture struct {
	t     testing.TB
	store epiloop.Store
	svc   *loop.Service
	clock *epiloop.FakeClock
}

// engines are the storage engines the workflows are tested on: the same
// tests, the same assertions.
var engines = []struct {
	name string
	open func(t testing.TB) epiloop.Store
}{
	{"sqlite", openSQLite},
	{"postgres", func(t testing.TB) epiloop.Store { return pgtest.Open(t, testKeyring(t)) }},
}

// forEachEngine runs test once per engine, as subtests named after them,
// each on a new fixture. PostgreSQL's subtest skips when no server answers
// (and fails when EPILOOP_TEST_POSTGRES is set).
func forEachEngine(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, newFixtureOn(t, e.open(t))) })
	}
}

func openSQLite(t testing.TB) epiloop.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "epiloop.db"), testKeyring(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// newFixture returns a fixture on SQLite, or on the engine named by
// EPILOOP_TEST_ENGINE (sqlite, postgres); forEachEngine runs a test on
// every engine.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	name := os.Getenv("EPILOOP_TEST_ENGINE")
	for _, e := range engines {
		if e.name == name {
			return newFixtureOn(t, e.open(t))
		}
	}
	if name != "" && name != "sqlite" {
		t.Fatalf("EPILOOP_TEST_ENGINE=%s: no such engine", name)
	}
	return newFixtureOn(t, openSQLite(t))
}

// newFixtureOn returns a fixture on store, seeded.
func newFixtureOn(t testing.TB, store epiloop.Store) *fixture {
	t.Helper()
	treeOnce.Do(func() {
		var tr *divisions.Tree
		if tr, treeErr = divisions.Shenyang(); treeErr != nil {
			return
		}
		tree = loop.Jurisdictions{Districts: tr.Districts, Streets: tr.Streets, Communities: tr.Communities, Units: tr.Units()}
		regions, treeErr = divisions.Regions()
	})
	if treeErr != nil {
		t.Fatal(treeErr)
	}
	ctx := context.Background()
	f := &fixture{t: t, store: store, clock: epiloop.NewFakeClock(time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC))}
	f.svc = loop.NewService(store)
	f.svc.Clock = f.clock
	f.svc.Regions = regionCodes{regions}
	if _, err := f.svc.SeedJurisdictions(ctx, tree); err != nil {
		t.Fatal(err)
	}
	return f
}

// as returns a context acting as a user of role in unit.
func as(role epiloop.Role, unit string) context.Context {
	u := &epiloop.User{ID: 1, Name: string(role), Role: role, UnitCode: unit}
	if role == epiloop.RoleDistrict && len(unit) > 2 {
		u.DistrictCode = unit[2:]
	}
	return epiloop.NewContextWithUser(context.Background(), u)
}

var (
	commander = as(epiloop.RoleCommander, epiloop.HeadquartersCode)
	station   = as(epiloop.RoleStation, shuiyuandiPS)
	committee = as(epiloop.RoleCommittee, shuiyuandiCM)
)

func (f *fixture) lead(id, address string, reason epiloop.Reason) *epiloop.Lead {
	f.t.Helper()
	l, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
		Person:  epiloop.Person{IDNumber: id, Name: "张三", Phone: "13800138000"},
		Address: address,
		Source:  epiloop.Source{Kind: epiloop.SourceHotline, Ref: "12345"},
		Reason:  reason,
	}))
	if err != nil {
		f.t.Fatalf("create lead: %v", err)
	}
	return l
}

func (f *fixture) find(id int64) *epiloop.Lead {
	f.t.Helper()
	l, err := f.svc.FindLead(commander, id)
	if err != nil {
		f.t.Fatalf("find lead: %v", err)
	}
	return l
}

func taskOf(t testing.TB, l *epiloop.Lead, side epiloop.UnitKind) *epiloop.Task {
	t.Helper()
	tk := l.LiveTask(side)
	if tk == nil {
		t.Fatalf("lead %d has no live %s task", l.ID, side)
	}
	return tk
}

func (f *fixture) submit(ctx context.Context, task int64, fb epiloop.Feedback) {
	f.t.Helper()
	if _, err := f.svc.SubmitFeedback(ctx, task, fb); err != nil {
		f.t.Fatalf("submit feedback: %v", err)
	}
}

func (f *fixture) checkCounters() {
	f.t.Helper()
	drift, err := f.svc.VerifyCounters(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range drift {
		f.t.Errorf("counter %s/%s = %d, rows say %d", k.Scope, k.Metric, v[0], v[1])
	}
}

func temp(v float64) *float64 { return &v }

var home = epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Temperature: temp(36.5), Measure: epiloop.MeasureHomeObservation}

// IDs with valid check characters.
const (
	id1 = "11010519491231002X"
	id2 = "210102199001011237"
	id3 = "420102198505120036"
	id4 = "21010319770203456X"
)

func testKeyring(t testing.TB) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leadOf unpacks a receipt as the tests read it: the lead, whether it is
// new, the error.
func leadOf(rc *loop.Receipt, err error) (*epiloop.Lead, bool, error) {
	if err != nil {
		return nil, false, err
	}
	return rc.Lead, rc.Created, nil
}
