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
			ORDER BY ` + taskOrder(epiloop.TaskFilter{Open: true}) + ` LIMIT ? OFFSET ?`, "tasks_open", []any{"PS1", 20, 0}},
		{"due tasks", `SELECT t.id FROM tasks t WHERE ` + openTask + ` AND t.escalate_at <= ?
			ORDER BY t.escalate_at, t.id LIMIT ?`, "tasks_escalate", []any{1, 50}},
		{"person by blind index", `SELECT p.id FROM persons p
			WHERE p.id_key IN (SELECT unhex(value) FROM json_each(?)) AND p.id_key IS NOT NULL`, "persons_id_key", []any{`["00"]`}},
		{"person by phone and name", `SELECT id FROM persons WHERE phone_key = ? AND name = ? AND id_key IS NULL`,
			"persons_phone_name", []any{[]byte{1}, "x"}},
		{"open lead of a person", `SELECT l.id FROM leads l WHERE l.person_id = ? AND l.status NOT IN ('closed', 'handed_over')`,
			"leads_open_person", []any{1}},
		{"district's overdue leads", `SELECT l.id FROM leads l WHERE l.district_code = ? AND l.overdue = 1 ORDER BY l.id DESC LIMIT ?`,
			"leads_overdue", []any{"210102", 50}},
		{"purgeable leads", `SELECT l.id FROM leads l INDEXED BY leads_purge WHERE l.purged_at IS NULL AND l.closed_at IS NOT NULL AND l.closed_at < ? AND l.id > ?
			ORDER BY l.id LIMIT ?`, "leads_purge", []any{1, 0, 10}},
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
			if !strings.Contains(strings.Join(plan, "\n"), "INDEX "+tc.index) {
				t.Errorf("plan does not use %s:\n%s", tc.index, strings.Join(plan, "\n"))
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
// a group — the requests queued before it commit together, it commits
// alone, and those after it form the next group.
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
	if g, n := after.Groups-before.Groups, after.Transactions-before.Transactions; g != 4 || n != 5 {
		t.Errorf("%d groups of %d transactions, want 4 of 5: [held] [plain plain] [bulk] [plain]", g, n)
	}
}
