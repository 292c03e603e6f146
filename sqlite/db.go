// Package sqlite is the embedded storage engine: one file, no setup. It
// implements epiloop.Store over SQLite in WAL mode with one writer
// connection (writers are serialised by BEGIN IMMEDIATE, so a write
// transaction never fails half-way on a lock) and a pool of read-only
// connections that read consistent snapshots beside it. Other processes
// (CLI subcommands) may open the same file while a server has it open:
// every connection waits up to busyTimeout for the write lock.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/mattn/go-sqlite3"
)

const (
	// busyTimeout is how long a connection waits for a lock held by another
	// connection or process before SQLITE_BUSY.
	busyTimeout = 10 * time.Second
	// busyRetries is how many more times Update runs a transaction that
	// failed with SQLITE_BUSY or SQLITE_LOCKED despite busyTimeout.
	busyRetries = 3
	// cacheKiB is each reader connection's page cache (allocated as used).
	// It is small on purpose: SQLite empties a reader's cache whenever the
	// database changed since its last transaction — at every read under
	// write load — and emptying costs in proportion to its size, while
	// the kernel keeps the file's pages anyway.
	cacheKiB = 8192
	// writerCacheKiB is the writer's. It holds a bulk batch's dirty pages
	// and the upper levels of the indexes; measured, a larger one buys
	// little (1 M rows: no faster with 128 MiB, 4 % faster with 5 M
	// persons present, no faster with 256 MiB) and costs its size in
	// every import's memory.
	writerCacheKiB = 65536
	// walPages is how large the write-ahead log may grow before a
	// checkpoint copies it into the database: fewer, larger checkpoints
	// write each hot page once instead of at every batch.
	walPages = 16384
	// walPagesBulk is the log's size before a checkpoint while bulk
	// imports run (and for bulkQuiet after the last): a large database's
	// pages are then copied into it four times less often — 8–11 % faster
	// imports into a database of 7 million persons. Interactive traffic
	// keeps the smaller log, whose checkpoints pause the writer less.
	walPagesBulk = 65536
	// mmapBytes is how much of the database file every reader connection reads
	// through a memory map instead of read() calls (SQLite's own cap is
	// 2 GiB). A reader's page cache is emptied whenever the database
	// changed since its last read — at every read under write load — so
	// without it each read copies every page it touches, the B-trees'
	// upper levels included, from the kernel again; with it a page is a
	// pointer into the kernel's page cache. Writes still go through the
	// log with write() and fsync, so durability is unchanged.
	mmapBytes = 1 << 31
	// stmtCache is how many prepared statements each connection keeps:
	// every statement this package runs is a constant string, so the hot
	// paths (events, counters, task updates) are prepared once per
	// connection.
	stmtCache = 128
)

// bulkQuiet is how long after the last bulk insert the log returns to its
// interactive size (a variable for the tests).
var bulkQuiet = 10 * time.Second

// DB is an SQLite database file opened as an epiloop.Store.
type DB struct {
	writer *sql.DB
	reader *sql.DB
	cipher epiloop.Cipher

	queue  chan *request
	synced chan outcome
	wal    *walFile
	broken atomic.Pointer[error]
	stats  writerStats
	// bulkLog is set while the log runs at walPagesBulk; lastBulk is when
	// a bulk insert last committed. Both belong to the commit loop.
	bulkLog  bool
	lastBulk time.Time
	stop     chan struct{}
	stopped  chan struct{}
	// trace, when set, sees every statement a transaction runs (see
	// Trace).
	trace atomic.Pointer[func(query string, args []any)]
}

// Trace calls fn with every statement the store's transactions run from
// now on, and its arguments, until the returned stop is called: the tests
// that hold a workflow's statements to their query plans, and the
// benchmark that counts the statements of a feedback. fn runs on the
// transaction's goroutine and must be safe for concurrent use.
func (db *DB) Trace(fn func(query string, args []any)) (stop func()) {
	db.trace.Store(&fn)
	return func() { db.trace.Store(nil) }
}

// tracer returns the trace function in force, or nil.
func (db *DB) tracer() func(string, []any) {
	if p := db.trace.Load(); p != nil {
		return *p
	}
	return nil
}

var _ epiloop.Store = (*DB)(nil)

// Open opens or creates the database file at path and brings its schema up
// to date. The path is a file name, not a URI: ":memory:" is refused because
// the writer and the readers must share one database.
func Open(ctx context.Context, path string, c epiloop.Cipher) (*DB, error) {
	switch {
	case path == "", path == ":memory:", strings.HasPrefix(path, "file:"):
		return nil, fmt.Errorf("sqlite: %q is not a database file path", path)
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("sqlite: database path must not contain '?'")
	}
	if c == nil {
		return nil, fmt.Errorf("sqlite: a cipher for personal data is required")
	}
	if err := ownerOnly(path); err != nil {
		return nil, err
	}
	db := &DB{cipher: c, queue: make(chan *request, maxQueue), synced: make(chan outcome, maxQueue),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go db.commitLoop()
	var err error
	if db.writer, err = sql.Open(driverName, dsn(path, true)); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	if err := migrate(ctx, db.writer); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Refresh the planner's statistics where they are missing or stale
	// (bounded work; SQLite's advice for long-lived connections).
	// The writer pool holds its one connection for good, so a pragma set
	// on it stays set.
	if _, err := db.writer.ExecContext(ctx, "PRAGMA wal_autocheckpoint="+strconv.Itoa(walPages)); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: wal_autocheckpoint: %w", err)
	}
	// Statement journals and savepoints' sub-journals in memory: SQLite
	// keeps a copy of every page a multi-row INSERT or a group's request
	// changes, in memory only up to 64 KiB and then in a temporary file —
	// 10 GB of write() calls for a 300,000-row import. They live for one
	// statement or one request, so memory holds them easily (an import's
	// batch, whose journal would be large, commits alone, in no savepoint:
	// see request.alone). Readers keep the default: their temporary
	// storage is sorting, which may be large.
	// The writer reads through its own large cache, not the map: an
	// import's index lookups would otherwise count every page of the
	// file they touch in the process's resident memory.
	if _, err := db.writer.ExecContext(ctx, "PRAGMA mmap_size=0"); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: mmap_size: %w", err)
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA temp_store=MEMORY"); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: temp_store: %w", err)
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA optimize=0x10002"); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: optimize: %w", err)
	}
	// From here the commit loop syncs the log itself (see syncLoop).
	if db.wal, err = openWAL(path); err != nil {
		db.writer.Close()
		return nil, err
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA synchronous=NORMAL"); err != nil {
		db.wal.close()
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: synchronous: %w", err)
	}
	if db.reader, err = sql.Open(driverName, dsn(path, false)); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	n := max(4, runtime.NumCPU())
	db.reader.SetMaxOpenConns(n)
	db.reader.SetMaxIdleConns(n)
	if err := db.reader.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open reader: %w", err)
	}
	return db, nil
}

// dsn returns the data source name of a writer or a reader connection. The
// pragmas are DSN parameters so that every connection the pools open gets
// them. synchronous=FULL makes a commit durable (WAL fsynced at each
// commit); once open, the writer runs with NORMAL and the commit loop
// syncs the log before it answers (see syncLoop).
func dsn(path string, write bool) string {
	v := url.Values{}
	v.Set("_busy_timeout", strconv.Itoa(int(busyTimeout/time.Millisecond)))
	v.Set("_foreign_keys", "on")
	// Deleted and purged content is overwritten, not left in free pages.
	v.Set("_secure_delete", "on")
	v.Set("_synchronous", "FULL")
	if write {
		v.Set("_cache_size", strconv.Itoa(-writerCacheKiB))
	} else {
		v.Set("_cache_size", strconv.Itoa(-cacheKiB))
	}
	v.Set("_stmt_cache_size", strconv.Itoa(stmtCache))
	if write {
		v.Set("_journal_mode", "WAL")
		v.Set("_txlock", "immediate")
	} else {
		v.Set("_query_only", "on")
		v.Set("_txlock", "deferred")
	}
	return path + "?" + v.Encode()
}

// ownerOnly makes the database file readable by its owner only, creating
// it so when it is new: SQLite gives its WAL and shared-memory files the
// database file's permissions.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return fmt.Errorf("sqlite: %w", err)
			}
		}
	}
	return nil
}

// Engine names the engine.
func (db *DB) Engine() string { return "sqlite" }

// Close closes both pools, after letting SQLite refresh its query planner
// statistics.
func (db *DB) Close() error {
	if db.stop != nil {
		select {
		case <-db.stop:
			return nil // closed already
		default:
			close(db.stop)
			<-db.stopped
		}
	}
	var errs []error
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		_, err := db.writer.Exec("PRAGMA optimize")
		errs = append(errs, err, db.writer.Close())
	}
	if db.wal != nil {
		errs = append(errs, db.wal.close())
	}
	return errors.Join(errs...)
}

// View runs fn in a read transaction: every read in fn sees one snapshot
// of the database, taken at fn's first read. Writes fail.
func (db *DB) View(ctx context.Context, fn func(tx epiloop.Tx) error) error {
	stx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer stx.Rollback()
	if err := fn(bound(&Tx{tx: stx, ctx: ctx, cipher: db.cipher, trace: db.tracer()})); err != nil {
		return err
	}
	return stx.Commit()
}

// isBusy reports whether err is SQLite's "try again": the database or a
// table was locked.
func isBusy(err error) bool {
	var e sqlite3.Error
	return errors.As(err, &e) && (e.Code == sqlite3.ErrBusy || e.Code == sqlite3.ErrLocked)
}
