package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/postgres"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testKeys is one keyring for every store of the tests, so that two
// handles on one schema read each other's rows.
var testKeys = func() *keyring.Keyring {
	k, err := keyring.New()
	if err != nil {
		panic(err)
	}
	return k
}()

func open(t testing.TB) *postgres.DB { return pgtest.Open(t, testKeys) }

// openURL opens another handle on the schema of url, as another replica
// would, closed with the test.
func openURL(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, testKeys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t testing.TB) epiloop.Store { return open(t) })
}

func TestEngine(t *testing.T) {
	if got := open(t).Engine(); got != "postgres" {
		t.Errorf("Engine() = %q, want postgres", got)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if db, err := postgres.Open(ctx, pgtest.URL(t), nil); err == nil {
		db.Close()
		t.Error("Open without a cipher succeeded")
	}
	const secret = "s3cret-passw0rd"
	_, err := postgres.Open(ctx, "postgres://u:"+secret+"@127.0.0.1:5432/db?sslmode=bogus", testKeys)
	if err == nil {
		t.Fatal("Open with an invalid DSN succeeded")
	}
	if bytes.Contains([]byte(err.Error()), []byte(secret)) {
		t.Errorf("error quotes the password: %v", err)
	}
}

// TestReplicasMigrateTogether opens several handles on one new schema at
// once, as replicas starting together do: the advisory lock makes them
// take turns, each migration is applied once, and all end at the same
// version.
func TestReplicasMigrateTogether(t *testing.T) {
	url := pgtest.URL(t)
	const n = 4
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			dbs[i], errs[i] = postgres.Open(context.Background(), url, testKeys)
		})
	}
	wg.Wait()
	var want int
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
		v, err := dbs[i].SchemaVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			want = v
		}
		if v != want || v < 1 {
			t.Errorf("handle %d: schema version %d, want %d", i, v, want)
		}
	}
	var rows int
	if err := dbs[0].Pool().QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != want {
		t.Errorf("%d migration rows, want %d (one per migration)", rows, want)
	}
	// Reopening applies nothing and keeps the data.
	update(t, dbs[0], func(tx epiloop.Tx) error {
		return tx.CreateUser(&epiloop.User{Name: "admin", Role: epiloop.RoleAdmin, CreatedAt: time.Now()})
	})
	again := openURL(t, url)
	if err := again.View(context.Background(), func(tx epiloop.Tx) error {
		_, err := tx.FindUserByName("admin")
		return err
	}); err != nil {
		t.Errorf("after reopen: %v", err)
	}
}

func update(t testing.TB, s epiloop.Store, fn func(tx epiloop.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// TestUpdateContext checks that a cancelled context stops an Update
// before it writes.
func TestUpdateContext(t *testing.T) {
	db := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.Update(ctx, func(tx epiloop.Tx) error {
		return tx.CreateUser(&epiloop.User{Name: "late", Role: epiloop.RoleAdmin})
	})
	if err == nil {
		t.Fatal("Update with a cancelled context succeeded")
	}
	err = db.View(context.Background(), func(tx epiloop.Tx) error {
		_, err := tx.FindUserByName("late")
		return err
	})
	if code := epiloop.ErrorCode(err); code != epiloop.ENOTFOUND {
		t.Errorf("user written despite cancellation: %v", err)
	}
}

// TestUpdateRetriesDeadlock makes two transactions lock two users in
// opposite orders: PostgreSQL aborts one with a deadlock, and Update runs
// it again, so both succeed.
func TestUpdateRetriesDeadlock(t *testing.T) {
	db := open(t)
	users := []*epiloop.User{{Name: "a", Role: epiloop.RoleAdmin}, {Name: "b", Role: epiloop.RoleAdmin}}
	update(t, db, func(tx epiloop.Tx) error {
		for _, u := range users {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	var (
		wg       sync.WaitGroup
		barrier  sync.WaitGroup
		attempts atomic.Int32
	)
	barrier.Add(2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			first, second := users[i], users[1-i]
			errs[i] = db.Update(context.Background(), func(tx epiloop.Tx) error {
				n := attempts.Add(1)
				u := *first
				u.FailedLogins++
				if err := tx.UpdateUser(&u); err != nil {
					return err
				}
				if n <= 2 { // both first attempts meet here
					barrier.Done()
					barrier.Wait()
				}
				v := *second
				v.FailedLogins++
				return tx.UpdateUser(&v)
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Errorf("%d attempts, want a retry after the deadlock", n)
	}
}

// TestEventsInCommitOrder has writers commit events concurrently while a
// poller reads "after the last ID I saw", as each replica's broker does.
// Transactions draw their IDs in one order and commit in another; the
// poller must still see every committed event exactly once.
func TestEventsInCommitOrder(t *testing.T) {
	db := open(t)
	const writers, each = 8, 40
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		seen    = map[int64]int{}
		last    int64
		pollErr error
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			// Stop after a poll that began once every writer was done
			// and found nothing.
			stopping := ctx.Err() != nil
			var events []*epiloop.Event
			err := db.View(context.Background(), func(tx epiloop.Tx) (err error) {
				events, err = tx.FindEventsAfter(last, 1000)
				return err
			})
			if err != nil {
				pollErr = err
				return
			}
			for _, e := range events {
				seen[e.ID]++
				last = e.ID
			}
			if len(events) == 0 && stopping {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	committed := make(chan int64, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				e := &epiloop.Event{Time: time.Now(), Kind: "test.write", Data: fmt.Appendf(nil, `{"w":%d,"i":%d}`, w, i)}
				err := db.Update(context.Background(), func(tx epiloop.Tx) error {
					// Some work before the event, so that transactions
					// overlap and interleave.
					if err := tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "city", Metric: "received"}, N: 1}}); err != nil {
						return err
					}
					if _, err := tx.FindUsers(); err != nil {
						return err
					}
					return tx.CreateEvent(e)
				})
				if err != nil {
					t.Error(err)
					return
				}
				committed <- e.ID
			}
		})
	}
	wg.Wait()
	close(committed)
	cancel()
	<-done
	if pollErr != nil {
		t.Fatal(pollErr)
	}
	n := 0
	for id := range committed {
		n++
		if seen[id] != 1 {
			t.Errorf("event %d delivered %d times, want once", id, seen[id])
		}
	}
	if len(seen) != n {
		t.Errorf("%d events delivered, %d committed", len(seen), n)
	}
}

// TestCountersUnderContention adds to one hot counter from many
// concurrent transactions: the sum is exact, and the shards spread it.
func TestCountersUnderContention(t *testing.T) {
	db := open(t)
	const writers, each = 8, 25
	key := epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				err := db.Update(context.Background(), func(tx epiloop.Tx) error {
					return tx.AddCounters([]epiloop.CounterDelta{
						{CounterKey: key, N: 1},
						{CounterKey: epiloop.CounterKey{Scope: epiloop.DistrictScope("210102"), Metric: epiloop.MetricReceived}, N: 1},
					})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		cs, err := tx.FindCounters(epiloop.ScopeCity)
		if err != nil {
			return err
		}
		if got := cs[key.Metric]; got != writers*each {
			t.Errorf("counter = %d, want %d", got, writers*each)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var shards int
	if err := db.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM counters WHERE scope = $1 AND metric = $2`, key.Scope, key.Metric).Scan(&shards); err != nil {
		t.Fatal(err)
	}
	if shards < 2 {
		t.Errorf("hot counter in %d rows, want it spread over shards", shards)
	}
}

// TestAuditChainUnderConcurrency appends audit entries from many
// concurrent transactions of two replicas (each seals onto the head it
// knows, which the other's appends make stale): the chain has no forks and
// no gaps.
func TestAuditChainUnderConcurrency(t *testing.T) {
	url := pgtest.URL(t)
	db := openURL(t, url)
	replicas := []*postgres.DB{db, openURL(t, url)}
	const writers, each = 6, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := replicas[(w+i)%2].Update(context.Background(), func(tx epiloop.Tx) error {
					e := epiloop.NewAuditEntry(nil, epiloop.AuditChange, fmt.Sprintf("test:%d:%d", w, i), time.Now())
					return tx.AppendAudit(e)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		entries, total, err := tx.FindAudit(epiloop.AuditFilter{Limit: 10000})
		if err != nil {
			return err
		}
		if total != writers*each {
			t.Errorf("%d entries, want %d", total, writers*each)
		}
		var prev []byte
		for i, e := range entries {
			if e.ID != int64(i+1) || !e.Valid(prev, tx.AuditSigner(), false) {
				t.Fatalf("entry %d (id %d) breaks the chain", i, e.ID)
			}
			prev = e.Hash
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The trail is append-only in the database too.
	_, err = db.Pool().Exec(context.Background(), `UPDATE audit SET detail = 'x' WHERE id = 1`)
	if err == nil {
		t.Error("UPDATE audit succeeded")
	}
}

// TestWritesInViewFail checks that the writes the engine keeps for commit
// are refused in a View rather than silently dropped.
func TestWritesInViewFail(t *testing.T) {
	db := open(t)
	writes := map[string]func(tx epiloop.Tx) error{
		"CreateEvent": func(tx epiloop.Tx) error { return tx.CreateEvent(&epiloop.Event{Kind: "x", Time: time.Now()}) },
		"AddCounters": func(tx epiloop.Tx) error {
			return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "city", Metric: "open"}, N: 1}})
		},
		"AppendAudit": func(tx epiloop.Tx) error {
			return tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditChange, "", time.Now()))
		},
	}
	for name, fn := range writes {
		t.Run(name, func(t *testing.T) {
			if err := db.View(context.Background(), fn); err == nil {
				t.Error("succeeded in a View")
			}
		})
	}
}

// TestReadYourWrites checks that a transaction sees the events, counters
// and audit entries it keeps for commit.
func TestReadYourWrites(t *testing.T) {
	db := open(t)
	update(t, db, func(tx epiloop.Tx) error {
		e := &epiloop.Event{Kind: "x", Time: time.Now()}
		if err := tx.CreateEvent(e); err != nil {
			return err
		}
		if err := tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "city", Metric: "open"}, N: 2}}); err != nil {
			return err
		}
		if err := tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditChange, "", time.Now())); err != nil {
			return err
		}
		id, err := tx.LastEventID()
		if err != nil {
			return err
		}
		if id != e.ID || id == 0 {
			t.Errorf("LastEventID %d, event ID %d", id, e.ID)
		}
		cs, err := tx.FindCounters("city")
		if err != nil {
			return err
		}
		if cs["open"] != 2 {
			t.Errorf("counter %d, want 2", cs["open"])
		}
		_, n, err := tx.FindAudit(epiloop.AuditFilter{})
		if n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
		return err
	})
}

// TestNoPlaintextIdentityInDatabase reads every stored byte of the persons
// table back raw and finds no identity number or phone in it.
func TestNoPlaintextIdentityInDatabase(t *testing.T) {
	db := open(t)
	persons := []epiloop.Person{
		{IDNumber: "11010519491231002X", Name: "张三", Phone: "13800138000"},
		{Name: "王五", Phone: "15011112222"},
	}
	update(t, db, func(tx epiloop.Tx) error {
		for i := range persons {
			if err := tx.CreatePerson(&persons[i]); err != nil {
				return err
			}
		}
		return nil
	})
	var raw []byte
	rows, err := db.Pool().Query(context.Background(), `SELECT p::text FROM persons p`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		raw = append(raw, s...)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for _, p := range persons {
		for _, v := range []string{p.IDNumber, p.Phone} {
			if v != "" && bytes.Contains(raw, []byte(v)) {
				t.Errorf("persons table holds a plaintext identity value (%d bytes)", len(v))
			}
		}
	}
}

// TestConstraintMessages checks that a conflict's message is the engine's
// own, never PostgreSQL's detail (which quotes the values).
func TestConstraintMessages(t *testing.T) {
	db := open(t)
	p := epiloop.Person{IDNumber: "11010519491231002X", Name: "张三"}
	update(t, db, func(tx epiloop.Tx) error { return tx.CreatePerson(&p) })
	err := db.Update(context.Background(), func(tx epiloop.Tx) error {
		q := p
		return tx.CreatePerson(&q)
	})
	var e *epiloop.Error
	if !errors.As(err, &e) || e.Code != epiloop.ECONFLICT {
		t.Fatalf("err = %v, want conflict", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("key")) {
		t.Errorf("message %q carries PostgreSQL's detail", err)
	}
}

// benchDeltas are the counters a new lead touches in its city and
// district.
var benchDeltas = []epiloop.CounterDelta{
	{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}, N: 1},
	{CounterKey: epiloop.CounterKey{Scope: epiloop.DistrictScope("210102"), Metric: epiloop.MetricReceived}, N: 1},
}

// BenchmarkUpdate measures one durable write transaction as a request
// makes it: an event, its counters and an audit entry, committed.
func BenchmarkUpdate(b *testing.B) {
	db := open(b)
	for b.Loop() {
		if err := db.Update(context.Background(), benchWrite); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateParallel measures the same transactions from many
// goroutines at once, as a server's requests: concurrent commits share
// the hot counters (sharded) and the log lock.
func BenchmarkUpdateParallel(b *testing.B) {
	db := open(b)
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.Update(context.Background(), benchWrite); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func benchWrite(tx epiloop.Tx) error {
	if err := tx.CreateEvent(&epiloop.Event{Time: time.Now(), Kind: "bench", District: "210102",
		Units: []string{"PS210102001"}, Data: []byte(`{"n":1}`)}); err != nil {
		return err
	}
	if err := tx.AddCounters(benchDeltas); err != nil {
		return err
	}
	return tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditChange, "bench", time.Now()))
}

// BenchmarkLockedLead measures the hot read of every workflow: a lead
// loaded for update with its person, tasks and sources.
func BenchmarkLockedLead(b *testing.B) {
	db := open(b)
	var id int64
	update(b, db, func(tx epiloop.Tx) error {
		if err := tx.UpsertUnits([]epiloop.Unit{{Code: "PS1", Kind: epiloop.UnitPoliceStation, Name: "x"}}); err != nil {
			return err
		}
		p := epiloop.Person{IDNumber: "11010519491231002X", Name: "张三", Phone: "13800138000"}
		if err := tx.CreatePerson(&p); err != nil {
			return err
		}
		l := &epiloop.Lead{Person: p, Status: epiloop.LeadPushed, Priority: epiloop.PriorityNormal, Round: 1,
			CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := tx.CreateLead(l); err != nil {
			return err
		}
		id = l.ID
		for _, side := range []epiloop.UnitKind{epiloop.UnitPoliceStation, epiloop.UnitCommittee} {
			if err := tx.CreateTask(&epiloop.Task{LeadID: id, Round: 1, Side: side, UnitCode: "PS1",
				Status: epiloop.TaskPushed, Priority: epiloop.PriorityNormal, AcceptBy: time.Now(),
				FeedbackBy: time.Now(), CreatedAt: time.Now()}); err != nil {
				return err
			}
		}
		return tx.AddSource(id, &epiloop.Source{Kind: epiloop.SourceHotline, CreatedAt: time.Now()})
	})
	for b.Loop() {
		err := db.Update(context.Background(), func(tx epiloop.Tx) error {
			_, err := tx.FindLeadByID(id, true)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBulkEvents measures the bulk path's outbox writes: a batch of
// 1000 events (COPY) and their counters, committed.
func BenchmarkBulkEvents(b *testing.B) {
	db := open(b)
	events := make([]*epiloop.Event, 1000)
	for b.Loop() {
		err := db.Update(context.Background(), func(tx epiloop.Tx) error {
			for i := range events {
				events[i] = &epiloop.Event{Time: time.Now(), Kind: "lead.imported", LeadID: int64(i + 1),
					District: "210102", Units: []string{"PS210102001", "CM210102001001"}, Data: []byte(`{"row":1}`)}
			}
			if err := tx.InsertBulk(&epiloop.BulkBatch{Events: events, Counters: benchDeltas}); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(events)), "µs/event")
}

// TestBulk writes a batch as the import workflow does — ids reserved, rows
// copied in — and reads it back: persons matched by blind index, leads
// with their tasks, events in order.
func TestBulk(t *testing.T) {
	db := open(t)
	const n = 40 // above the COPY threshold for events
	update(t, db, func(tx epiloop.Tx) error {
		return tx.UpsertUnits([]epiloop.Unit{{Code: "PS1", Kind: epiloop.UnitPoliceStation, Name: "x", DistrictCode: "210102"}})
	})
	var (
		b     epiloop.BulkBatch
		first int64
	)
	persons := make([]epiloop.Person, n)
	for i := range persons {
		persons[i] = epiloop.Person{Name: fmt.Sprintf("测试%d", i), Phone: fmt.Sprintf("138%08d", i)}
	}
	persons[0].IDNumber = "11010519491231002X"
	update(t, db, func(tx epiloop.Tx) error {
		p, err := tx.ReserveIDs("persons", n)
		if err != nil {
			return err
		}
		l, err := tx.ReserveIDs("leads", n)
		if err != nil {
			return err
		}
		tk, err := tx.ReserveIDs("tasks", n)
		if err != nil {
			return err
		}
		s, err := tx.ReserveIDs("sources", n)
		if err != nil {
			return err
		}
		first = l
		now := time.Now()
		for i := range n {
			persons[i].ID = p + int64(i)
			lead := &epiloop.Lead{ID: l + int64(i), Person: persons[i], Status: epiloop.LeadPushed,
				Priority: epiloop.PriorityNormal, DistrictCode: "210102", Round: 1, CreatedAt: now, UpdatedAt: now}
			b.Persons = append(b.Persons, &persons[i])
			b.Leads = append(b.Leads, lead)
			b.Tasks = append(b.Tasks, &epiloop.Task{ID: tk + int64(i), LeadID: lead.ID, Round: 1, Side: epiloop.UnitPoliceStation,
				UnitCode: "PS1", Status: epiloop.TaskPushed, Priority: epiloop.PriorityNormal, CreatedAt: now})
			b.Sources = append(b.Sources, epiloop.BulkSource{LeadID: lead.ID, Source: &epiloop.Source{ID: s + int64(i),
				Kind: epiloop.SourceRail, Row: i + 1, CreatedAt: now}})
			b.Events = append(b.Events, epiloop.NewEvent(epiloop.EventLeadImported, lead, now, 0, map[string]any{"row": i + 1}))
		}
		b.Counters = []epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "city", Metric: "received"}, N: n}}
		return tx.InsertBulk(&b)
	})
	for i, e := range b.Events {
		if e.ID <= 0 || i > 0 && e.ID <= b.Events[i-1].ID {
			t.Fatalf("event %d: id %d, want growing", i, e.ID)
		}
	}
	err := db.View(context.Background(), func(tx epiloop.Tx) error {
		ms, err := tx.MatchPersons([]epiloop.Person{persons[3], {IDNumber: persons[0].IDNumber}, {Name: "无人", Phone: "13900000000"}})
		if err != nil {
			return err
		}
		want := []epiloop.ImportMatch{
			{PersonID: persons[3].ID, OpenLeadID: first + 3, Priority: epiloop.PriorityNormal, District: "210102", Units: []string{"PS1"}},
			// A match by ID number brings the recorded name (a name mismatch).
			{PersonID: persons[0].ID, Name: persons[0].Name, OpenLeadID: first, Priority: epiloop.PriorityNormal, District: "210102", Units: []string{"PS1"}},
			{},
		}
		if fmt.Sprint(ms) != fmt.Sprint(want) {
			t.Errorf("matches %v, want %v", ms, want)
		}
		l, err := tx.FindLeadByID(first+5, false)
		if err != nil {
			return err
		}
		if len(l.Tasks) != 1 || len(l.Sources) != 1 || l.Person.Phone != persons[5].Phone {
			t.Errorf("lead %d: %d tasks, %d sources", l.ID, len(l.Tasks), len(l.Sources))
		}
		events, err := tx.FindEventsAfter(0, 1000)
		if err != nil {
			return err
		}
		if len(events) != n || events[7].ID != b.Events[7].ID || events[7].LeadID != first+7 {
			t.Errorf("%d events read back", len(events))
		}
		cs, err := tx.FindCounters("city")
		if cs["received"] != n {
			t.Errorf("counter %d, want %d", cs["received"], n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A row of a later transaction takes the next id, above the reserved.
	update(t, db, func(tx epiloop.Tx) error {
		p := epiloop.Person{Name: "后来", Phone: "13700000000"}
		if err := tx.CreatePerson(&p); err != nil {
			return err
		}
		if p.ID <= persons[n-1].ID {
			t.Errorf("new person id %d, want above %d", p.ID, persons[n-1].ID)
		}
		return nil
	})
}

// TestKeptWritesFailAsTheirOwn checks that an update the engine keeps for
// the transaction's next round trip fails the transaction with the error
// the update would have returned at once: ENOTFOUND for a missing row, and
// alone or in a group of concurrent transactions.
func TestKeptWritesFailAsTheirOwn(t *testing.T) {
	db := open(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			err := db.Update(context.Background(), func(tx epiloop.Tx) error {
				if i%2 == 0 {
					return tx.AppendAudit(epiloop.NewAuditEntry(nil, epiloop.AuditChange, "ok", time.Now()))
				}
				return tx.UpdateTask(&epiloop.Task{ID: int64(1000 + i), Status: epiloop.TaskAccepted})
			})
			if i%2 == 0 && err != nil {
				t.Errorf("transaction %d: %v", i, err)
			}
			if i%2 == 1 && epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("update of a missing task: err = %v, want not found", err)
			}
		})
	}
	wg.Wait()
}
