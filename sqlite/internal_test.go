package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
	"github.com/mattn/go-sqlite3"
)

func TestConstraintError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"Unique", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintUnique}, epiloop.ECONFLICT},
		{"PrimaryKey", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintPrimaryKey}, epiloop.ECONFLICT},
		{"Wrapped", fmt.Errorf("x: %w", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintUnique}), epiloop.ECONFLICT},
		{"ForeignKey", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintForeignKey}, epiloop.ENOTFOUND},
		{"NotNull", sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintNotNull}, epiloop.EINTERNAL},
		{"Busy", sqlite3.Error{Code: sqlite3.ErrBusy}, epiloop.EINTERNAL},
		{"Other", errors.New("disk on fire"), epiloop.EINTERNAL},
		{"Nil", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := epiloop.ErrorCode(constraintError(tc.err, "c", "m")); got != tc.want {
				t.Errorf("code %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIsBusy(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Busy", sqlite3.Error{Code: sqlite3.ErrBusy}, true},
		{"BusySnapshot", sqlite3.Error{Code: sqlite3.ErrBusy, ExtendedCode: sqlite3.ErrBusySnapshot}, true},
		{"Locked", fmt.Errorf("begin: %w", sqlite3.Error{Code: sqlite3.ErrLocked}), true},
		{"Constraint", sqlite3.Error{Code: sqlite3.ErrConstraint}, false},
		{"NoRows", sql.ErrNoRows, false},
		{"Nil", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isBusy(tc.err); got != tc.want {
				t.Errorf("isBusy = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 {
		t.Fatalf("migrations %v: want 1, 2, …", ms)
	}
}

// TestPragmas checks that every connection of both pools gets its pragmas
// from the DSN.
func TestPragmas(t *testing.T) {
	db := openInternal(t)
	tests := []struct {
		pool   *sql.DB
		pragma string
		want   string
	}{
		{db.writer, "journal_mode", "wal"},
		{db.writer, "synchronous", "1"}, // NORMAL: the commit loop syncs the log
		{db.writer, "foreign_keys", "1"},
		{db.writer, "busy_timeout", "10000"},
		{db.writer, "cache_size", "-65536"},
		{db.writer, "wal_autocheckpoint", "16384"},
		{db.writer, "query_only", "0"},
		{db.writer, "temp_store", "2"}, // MEMORY: no temporary files for journals
		{db.reader, "temp_store", "0"},
		{db.reader, "cache_size", "-8192"},
		{db.reader, "journal_mode", "wal"},
		{db.reader, "foreign_keys", "1"},
		{db.reader, "busy_timeout", "10000"},
		{db.reader, "query_only", "1"},
	}
	for _, tc := range tests {
		name := "reader"
		if tc.pool == db.writer {
			name = "writer"
		}
		t.Run(name+"/"+tc.pragma, func(t *testing.T) {
			var got string
			if err := tc.pool.QueryRow("PRAGMA " + tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s = %s, want %s", tc.pragma, got, tc.want)
			}
		})
	}
}

// openInternal opens a fresh database for a test, closed when it ends.
func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "epiloop.db"), internalKeys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func internalKeys(t testing.TB) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestQPSG checks that both pools' connections have the query planner
// stability guarantee on, and that a cached join statement is therefore
// not recompiled at each execution.
func TestQPSG(t *testing.T) {
	db := openInternal(t)
	for name, pool := range map[string]*sql.DB{"writer": db.writer, "reader": db.reader} {
		conn, err := pool.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		err = conn.Raw(func(c any) error {
			if !qpsgOn(c.(*sqlite3.SQLiteConn)) {
				t.Errorf("%s: QPSG is off", name)
			}
			return nil
		})
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A join with "= ?" and LIMIT ?: with the QPSG off it is recompiled
	// every time go-sqlite3 returns it to its cache.
	const q = `SELECT l.id FROM leads l JOIN persons p ON p.id = l.person_id WHERE l.id = ? LIMIT ?`
	var before, after int64
	conn, err := db.reader.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reprepares := func() (n int64) {
		conn.Raw(func(c any) error { n = stmtReprepares(c.(*sqlite3.SQLiteConn), q); return nil })
		return n
	}
	for i := range 20 {
		rows, err := conn.QueryContext(context.Background(), q, i, 10)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if i == 0 {
			before = reprepares()
		}
	}
	after = reprepares()
	if before < 0 {
		t.Fatal("the statement is not in go-sqlite3's statement cache")
	}
	if after != before {
		t.Errorf("the statement was recompiled %d times in 19 executions", after-before)
	}
}

// TestSyncBeforeAnswer checks the pipelined sync: every answered write
// was preceded by a sync of the log, and a failed sync fails that write
// and every later one.
func TestSyncBeforeAnswer(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	write := func() error {
		return db.Update(ctx, func(tx epiloop.Tx) error {
			return tx.UpsertUnits([]epiloop.Unit{{Code: "PS1", Kind: epiloop.UnitPoliceStation, Name: "x", DistrictCode: "210102"}})
		})
	}
	syncs := func() int64 {
		db.wal.mu.Lock()
		defer db.wal.mu.Unlock()
		return db.wal.syncs
	}
	for i := range 5 {
		before := syncs()
		if err := write(); err != nil {
			t.Fatal(err)
		}
		if syncs() <= before {
			t.Fatalf("write %d answered without a sync of the log", i)
		}
	}
	db.wal.mu.Lock()
	db.wal.fsync = func(*os.File) error { return errors.New("EIO") }
	db.wal.mu.Unlock()
	if err := write(); err == nil {
		t.Fatal("write answered success after a failed sync")
	}
	db.wal.mu.Lock()
	db.wal.fsync = (*os.File).Sync
	db.wal.mu.Unlock()
	if err := write(); err == nil {
		t.Fatal("write after a failed sync succeeded; the database must stay failed")
	}
}

// TestPlansUnderQPSG checks that the hot queries use their indexes with
// the query planner stability guarantee on: partial indexes must be
// matched by the literal conditions the queries spell out, not by bound
// values the planner no longer looks at.
func TestPlansUnderQPSG(t *testing.T) {
	db := openInternal(t)
	tests := []struct {
		name, query, index string
		args               []any
	}{
		{"unit's open tasks", `SELECT t.id FROM tasks t WHERE 1 AND t.unit_code = ? AND ` + openTask + `
			ORDER BY ` + taskOrder(epiloop.TaskFilter{Open: true}) + ` LIMIT ? OFFSET ?`, "INDEX tasks_open", []any{"PS1", 20, 0}},
		{"due tasks", `SELECT t.id FROM tasks t WHERE ` + openTask + ` AND t.escalate_at <= ?
			ORDER BY t.escalate_at, t.id LIMIT ?`, "INDEX tasks_escalate", []any{1, 50}},
		{"person by blind index", `SELECT person_id FROM person_ids WHERE id_key IN (SELECT unhex(value) FROM json_each(?))`,
			"SEARCH person_ids USING PRIMARY KEY", []any{`["00"]`}},
		{"person by new blind index", `SELECT person_id FROM person_ids_new WHERE id_key = ?`,
			"SEARCH person_ids_new USING PRIMARY KEY", []any{[]byte{1}}},
		{"person by phone and name", `SELECT id FROM persons WHERE phone_key = ? AND name_key IS ? AND id_key IS NULL`,
			"INDEX persons_phone_name", []any{[]byte{1}, []byte{2}}},
		{"open lead of a person", `SELECT l.id FROM leads l WHERE l.person_id = ? AND l.status NOT IN ('closed', 'handed_over')`,
			"INDEX leads_open_person", []any{1}},
		{"district's overdue leads", `SELECT l.id FROM leads l WHERE l.district_code = ? AND l.overdue = 1 ORDER BY l.id DESC LIMIT ?`,
			"INDEX leads_overdue", []any{"210102", 50}},
		{"purgeable leads", `SELECT l.id FROM leads l INDEXED BY leads_purge WHERE l.purged_at IS NULL AND l.closed_at IS NOT NULL AND l.closed_at < ? AND l.id > ?
			ORDER BY l.id LIMIT ?`, "INDEX leads_purge", []any{1, 0, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := db.reader.Query("EXPLAIN QUERY PLAN "+tc.query, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			if !strings.Contains(strings.Join(plan, "\n"), tc.index) {
				t.Errorf("plan lacks %q:\n%s", tc.index, strings.Join(plan, "\n"))
			}
		})
	}
}

// TestBulkLogSize checks that a bulk insert lets the log grow to its bulk
// size and that the log returns to its interactive size once bulk inserts
// have stopped for bulkQuiet.
func TestBulkLogSize(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	size := func() int {
		var n int
		if err := db.writer.QueryRow("PRAGMA wal_autocheckpoint").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	bulk := func() error {
		return db.Update(ctx, func(tx epiloop.Tx) error {
			return tx.InsertBulk(&epiloop.BulkBatch{Counters: []epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "t", Metric: "m"}, N: 1}}})
		})
	}
	plain := func() error {
		return db.Update(ctx, func(tx epiloop.Tx) error {
			return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "t", Metric: "m"}, N: -1}})
		})
	}
	if n := size(); n != walPages {
		t.Fatalf("log size %d at open, want %d", n, walPages)
	}
	if err := bulk(); err != nil {
		t.Fatal(err)
	}
	if n := size(); n != walPagesBulk {
		t.Errorf("log size %d after a bulk insert, want %d", n, walPagesBulk)
	}
	if err := plain(); err != nil {
		t.Fatal(err)
	}
	if n := size(); n != walPagesBulk {
		t.Errorf("log size %d right after the bulk insert, want still %d", n, walPagesBulk)
	}
	defer func(q time.Duration) { bulkQuiet = q }(bulkQuiet)
	bulkQuiet = 0
	if err := plain(); err != nil {
		t.Fatal(err)
	}
	if n := size(); n != walPages {
		t.Errorf("log size %d once bulk inserts stopped, want %d", n, walPages)
	}
}

// TestBulkWorkCommitsAlone: a bulk request (epiloop.WithBulk) never shares
// a group — the interactive requests queued around it commit together
// (those after it too: a waiting bulk batch does not hold field writes
// back), and it commits alone.
func TestBulkWorkCommitsAlone(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	add := func(tx epiloop.Tx) error {
		return tx.AddCounters([]epiloop.CounterDelta{{CounterKey: epiloop.CounterKey{Scope: "t", Metric: "m"}, N: 1}})
	}
	before := db.WriterStats()
	release, started := make(chan struct{}), make(chan struct{}, 1)
	errs := make(chan error, 5)
	go func() {
		errs <- db.Update(ctx, func(tx epiloop.Tx) error {
			select {
			case started <- struct{}{}:
			default:
			}
			<-release
			return add(tx)
		})
	}()
	<-started
	// The writer is held by the first request; queue the others in order.
	waitQueued := func(n int) {
		for deadline := time.Now().Add(5 * time.Second); len(db.queue) < n; {
			if time.Now().After(deadline) {
				t.Fatalf("%d requests queued, want %d", len(db.queue), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i, bulk := range []bool{false, false, true, false} {
		c := ctx
		if bulk {
			c = epiloop.WithBulk(ctx)
		}
		go func() { errs <- db.Update(c, add) }()
		waitQueued(i + 1)
	}
	close(release)
	for range 5 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	after := db.WriterStats()
	if g, n := after.Groups-before.Groups, after.Transactions-before.Transactions; g != 3 || n != 5 {
		t.Errorf("%d groups of %d transactions, want 3 of 5: [held] [plain plain plain] [bulk]", g, n)
	}
}

// TestNewPersonKeys checks the blind index's two tables: bulk batches add
// their keys to person_ids_new, a batch that would grow it past newKeys
// first merges it into person_ids, and wherever a key is, its person is
// found, matched, refused as a duplicate and re-keyed.
func TestNewPersonKeys(t *testing.T) {
	defer func(n int) { newKeys = n }(newKeys)
	newKeys = 5
	db := openInternal(t)
	ctx := context.Background()
	idNumber := func(i int) string { return fmt.Sprintf("11010119900101%04d", i) }
	people := map[string]int64{} // ID number → person
	bulk := func(from, n int) {
		t.Helper()
		err := db.Update(epiloop.WithBulk(ctx), func(etx epiloop.Tx) error {
			tx := etx.(*Tx)
			first, err := tx.ReserveIDs("persons", n)
			if err != nil {
				return err
			}
			b := &epiloop.BulkBatch{}
			for i := range n {
				p := &epiloop.Person{ID: first + int64(i), IDNumber: idNumber(from + i), Name: "张三"}
				b.Persons = append(b.Persons, p)
				people[p.IDNumber] = p.ID
			}
			return tx.InsertBulk(b)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(table string) (n int) {
		t.Helper()
		if err := db.reader.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	check := func(stage string, main, recent int) {
		t.Helper()
		if m, r := count("person_ids"), count("person_ids_new"); m != main || r != recent {
			t.Errorf("%s: %d keys in person_ids and %d in person_ids_new, want %d and %d", stage, m, r, main, recent)
		}
	}
	bulk(0, 3)
	check("first batch", 0, 3)
	bulk(3, 2)
	check("second batch, up to the limit", 0, 5)
	bulk(5, 2)
	check("third batch, past it: merged first", 5, 2)
	err := db.Update(ctx, func(tx epiloop.Tx) error {
		p := &epiloop.Person{IDNumber: idNumber(7), Name: "李四"}
		if err := tx.CreatePerson(p); err != nil {
			return err
		}
		people[p.IDNumber] = p.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("a report's person", 6, 2)

	err = db.Update(ctx, func(tx epiloop.Tx) error {
		var in []epiloop.Person
		for i := range 9 {
			in = append(in, epiloop.Person{IDNumber: idNumber(i)})
		}
		ms, err := tx.(*Tx).MatchPersons(in)
		if err != nil {
			return err
		}
		for i, m := range ms {
			if want := people[in[i].IDNumber]; m.PersonID != want {
				t.Errorf("match %d: person %d, want %d", i, m.PersonID, want)
			}
			if i < 8 {
				p, err := tx.FindPerson(&in[i])
				if err != nil || p.ID != people[in[i].IDNumber] || p.Name == "" {
					t.Errorf("find %d: %+v, %v", i, p, err)
				}
			}
		}
		for _, i := range []int{1, 6} { // one in each table
			err := tx.CreatePerson(&epiloop.Person{IDNumber: idNumber(i)})
			if epiloop.ErrorCode(err) != epiloop.ECONFLICT {
				t.Errorf("a second person with ID number %d: %v, want a conflict", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Purged (in person_ids_new) and corrected (in person_ids).
	err = db.Update(ctx, func(tx epiloop.Tx) error {
		purged := &epiloop.Person{ID: people[idNumber(6)], Name: "—"}
		if err := tx.UpdatePerson(purged); err != nil {
			return err
		}
		fixed := &epiloop.Person{ID: people[idNumber(2)], IDNumber: idNumber(20), Name: "张三"}
		if err := tx.UpdatePerson(fixed); err != nil {
			return err
		}
		for _, id := range []string{idNumber(6), idNumber(2)} {
			if _, err := tx.FindPerson(&epiloop.Person{IDNumber: id}); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				t.Errorf("old key still finds a person: %v", err)
			}
		}
		if p, err := tx.FindPerson(&epiloop.Person{IDNumber: idNumber(20)}); err != nil || p.ID != people[idNumber(2)] {
			t.Errorf("new key: %+v, %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check("after a purge and a correction", 6, 1)
}

// TestBulkChecksReferences checks that a bulk batch, run with SQLite's
// foreign key checks off, still refuses a reference to a missing row —
// and leaves the checks on for the transactions after it.
func TestBulkChecksReferences(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	if err := db.Update(ctx, func(tx epiloop.Tx) error {
		return tx.UpsertUnits([]epiloop.Unit{{Code: "PS1", Kind: epiloop.UnitPoliceStation, Name: "站"}})
	}); err != nil {
		t.Fatal(err)
	}
	batch := func(tx *Tx, person int64, unit string) *epiloop.BulkBatch {
		ids := map[string]int64{}
		for _, table := range []string{"persons", "leads", "tasks"} {
			id, err := tx.ReserveIDs(table, 1)
			if err != nil {
				t.Fatal(err)
			}
			ids[table] = id
		}
		if person == 0 {
			person = ids["persons"]
		}
		l := &epiloop.Lead{ID: ids["leads"], Person: epiloop.Person{ID: person}, Status: epiloop.LeadPushed, Priority: epiloop.PriorityNormal}
		return &epiloop.BulkBatch{
			Persons: []*epiloop.Person{{ID: ids["persons"], Name: "张三"}},
			Leads:   []*epiloop.Lead{l},
			Tasks: []*epiloop.Task{{ID: ids["tasks"], LeadID: l.ID, Round: 1, Side: epiloop.UnitPoliceStation, UnitCode: unit,
				Status: epiloop.TaskPushed, Priority: epiloop.PriorityNormal}},
		}
	}
	for _, tc := range []struct {
		name   string
		person int64
		unit   string
		want   string
	}{
		{"all present", 0, "PS1", ""},
		{"a missing unit", 0, "PS404", epiloop.ENOTFOUND},
		{"a missing person", 404, "PS1", epiloop.ENOTFOUND},
	} {
		err := db.Update(epiloop.WithBulk(ctx), func(etx epiloop.Tx) error {
			tx := etx.(*Tx)
			if !tx.noForeignKeys {
				t.Error("a bulk batch runs with SQLite's foreign key checks on")
			}
			return tx.InsertBulk(batch(tx, tc.person, tc.unit))
		})
		if got := epiloop.ErrorCode(err); got != tc.want {
			t.Errorf("%s: %v, want code %q", tc.name, err, tc.want)
		}
	}
	var leads int
	if err := db.reader.QueryRow(`SELECT count(*) FROM leads`).Scan(&leads); err != nil || leads != 1 {
		t.Errorf("%d leads stored (%v), want the one batch with all its references", leads, err)
	}
	err := db.Update(ctx, func(etx epiloop.Tx) error {
		var on int
		if err := etx.(*Tx).queryRow(`PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
			t.Errorf("foreign keys after a bulk batch: %d, %v; want 1", on, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
