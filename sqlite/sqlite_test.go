package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
	"github.com/epiloop/epiloop/sqlite"
	"github.com/epiloop/epiloop/storetest"
)

// open opens a new database file in a fresh temporary directory.
func open(t testing.TB) *sqlite.DB {
	t.Helper()
	return openPath(t, filepath.Join(t.TempDir(), "epiloop.db"))
}

// openPath opens the database file at path and closes it with the test.
func openPath(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, testKeys)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t testing.TB) epiloop.Store { return open(t) })
}

func TestEngine(t *testing.T) {
	if got := open(t).Engine(); got != "sqlite" {
		t.Errorf("Engine() = %q, want sqlite", got)
	}
}

func TestOpenRefusesNonFiles(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db?mode=memory", "x.db?_fk=0"} {
		if db, err := sqlite.Open(context.Background(), path, testKeys); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", path)
		}
	}
}

// TestReopen checks that migrations are applied once: reopening a file
// keeps its data and its schema version.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epiloop.db")
	db, err := sqlite.Open(context.Background(), path, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	u := &epiloop.User{Name: "admin", Role: epiloop.RoleAdmin}
	if err := db.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateUser(u) }); err != nil {
		t.Fatal(err)
	}
	version, err := db.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if version < 1 {
		t.Fatalf("schema version %d, want at least 1", version)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		db := openPath(t, path)
		got, err := db.SchemaVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got != version {
			t.Errorf("reopen %d: schema version %d, want %d", i, got, version)
		}
		err = db.View(context.Background(), func(tx epiloop.Tx) error {
			_, err := tx.FindUserByName("admin")
			return err
		})
		if err != nil {
			t.Errorf("reopen %d: %v", i, err)
		}
	}
}

// TestTwoHandles opens the file twice, as a CLI subcommand does beside a
// running server, and writes through both at once: the busy timeout and
// BEGIN IMMEDIATE make them take turns without errors.
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epiloop.db")
	handles := []*sqlite.DB{openPath(t, path), openPath(t, path)}
	const writers, writes = 4, 25
	key := epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}
	var wg sync.WaitGroup
	errs := make(chan error, writers*writes)
	for w := range writers {
		db := handles[w%len(handles)]
		wg.Go(func() {
			for i := range writes {
				err := db.Update(context.Background(), func(tx epiloop.Tx) error {
					if err := tx.CreateEvent(&epiloop.Event{Time: time.Now(), Kind: "test.write",
						Data: []byte(fmt.Sprintf(`{"writer":%d,"i":%d}`, w, i))}); err != nil {
						return err
					}
					return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: key, N: 1}})
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("Update: %v", err)
	}
	for i, db := range handles {
		err := db.View(context.Background(), func(tx epiloop.Tx) error {
			events, err := tx.FindEventsAfter(0, 1000)
			if err != nil {
				return err
			}
			if len(events) != writers*writes {
				t.Errorf("handle %d: %d events, want %d", i, len(events), writers*writes)
			}
			cs, err := tx.FindCounters(epiloop.ScopeCity)
			if err != nil {
				return err
			}
			if got := cs[key.Metric]; got != writers*writes {
				t.Errorf("handle %d: counter %d, want %d", i, got, writers*writes)
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
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

// BenchmarkUpdate measures one durable write transaction as a request
// makes it: an event and its counters.
func BenchmarkUpdate(b *testing.B) {
	db := open(b)
	ds := []epiloop.CounterDelta{
		{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}, N: 1},
		{CounterKey: epiloop.CounterKey{Scope: epiloop.DistrictScope("210102"), Metric: epiloop.MetricReceived}, N: 1},
	}
	for b.Loop() {
		err := db.Update(context.Background(), func(tx epiloop.Tx) error {
			if err := tx.CreateEvent(&epiloop.Event{Time: time.Now(), Kind: "bench", District: "210102"}); err != nil {
				return err
			}
			return tx.AddCounters(ds)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch measures the statements of a large write transaction
// (intake's bulk path): per event and counter, without the commit.
func BenchmarkBatch(b *testing.B) {
	db := open(b)
	units := []string{"PS210102001", "CM210102001001"}
	ds := []epiloop.CounterDelta{
		{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeCity, Metric: epiloop.MetricReceived}, N: 1},
		{CounterKey: epiloop.CounterKey{Scope: epiloop.DistrictScope("210102"), Metric: epiloop.MetricReceived}, N: 1},
	}
	err := db.Update(context.Background(), func(tx epiloop.Tx) error {
		for b.Loop() {
			if err := tx.CreateEvent(&epiloop.Event{Time: time.Now(), Kind: "bench", LeadID: 1, District: "210102",
				Units: units, Data: []byte(`{"n":1}`)}); err != nil {
				return err
			}
			if err := tx.AddCounters(ds); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// testKeys is one keyring for every database of the tests, so that two
// handles on one file read each other's rows.
var testKeys = func() *keyring.Keyring {
	k, err := keyring.New()
	if err != nil {
		panic(err)
	}
	return k
}()

// TestNoPlaintextIdentityOnDisk greps the raw database files (main file and
// write-ahead log) for the identity numbers and phones written through the
// store, and finds none: they are sealed, and looked up by blind index.
func TestNoPlaintextIdentityOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "epiloop.db")
	db, err := sqlite.Open(context.Background(), path, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	persons := []epiloop.Person{
		{IDNumber: "11010519491231002X", Name: "张三", Phone: "13800138000"},
		{IDNumber: "210102199001011237", Name: "李四", Phone: "13912345678"},
		{Name: "王五", Phone: "15011112222"},
	}
	err = db.Update(context.Background(), func(tx epiloop.Tx) error {
		for i := range persons {
			if err := tx.CreatePerson(&persons[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range persons {
		err := db.View(context.Background(), func(tx epiloop.Tx) error {
			got, err := tx.FindPerson(&epiloop.Person{IDNumber: p.IDNumber, Phone: p.Phone, Name: p.Name})
			if err == nil && (got.IDNumber != p.IDNumber || got.Phone != p.Phone) {
				t.Errorf("found person %d with a different identity", got.ID)
			}
			return err
		})
		if err != nil {
			t.Fatalf("find by blind index: %v", err)
		}
	}
	var raw []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	raw = append(raw, b...)
	for _, p := range persons {
		for _, v := range []string{p.IDNumber, p.Phone} {
			if v != "" && bytes.Contains(raw, []byte(v)) {
				t.Errorf("database files contain a plaintext identity value (%d bytes)", len(v))
			}
		}
	}
}

// TestBackup copies a live database and reads the copy.
func TestBackup(t *testing.T) {
	dir := t.TempDir()
	db := openPath(t, filepath.Join(dir, "epiloop.db"))
	if err := db.Update(context.Background(), func(tx epiloop.Tx) error {
		return tx.CreatePerson(&epiloop.Person{IDNumber: "11010519491231002X", Name: "张三"})
	}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "copy.db")
	if err := sqlite.Backup(context.Background(), filepath.Join(dir, "epiloop.db"), out); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Backup(context.Background(), filepath.Join(dir, "epiloop.db"), out); err == nil {
		t.Error("backup overwrote an existing file")
	}
	cp := openPath(t, out)
	err := cp.View(context.Background(), func(tx epiloop.Tx) error {
		p, err := tx.FindPerson(&epiloop.Person{IDNumber: "11010519491231002X"})
		if err == nil && p.Name != "张三" {
			t.Errorf("copy holds %q", p.Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
