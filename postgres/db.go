// Package postgres is the storage engine for a city deployment: several
// stateless replicas of epiloop serve one PostgreSQL database. It implements
// epiloop.Store over a pgx connection pool.
//
// Concurrency, in short:
//
//   - Update runs fn in a READ COMMITTED transaction, shared with the other
//     Updates waiting at that moment, each in its own savepoint: one commit
//     (one log lock, one fsync) for the group (see group.go). The workflows
//     lock the lead they change (FindLeadByID and FindOpenLeadByPerson with
//     lock take SELECT … FOR UPDATE on its row), which serialises two units
//     reporting on one lead at the same instant: the second waits, then
//     reads the first one's committed tasks and reconciles exactly once.
//   - A transaction that fails with a serialization failure (40001) or a
//     deadlock (40P01) is rolled back and fn runs again, alone.
//   - View runs fn in a REPEATABLE READ READ ONLY transaction: one snapshot.
//   - The append-only logs (the event outbox and the audit chain) are
//     written at commit, under a transaction-level advisory lock, so that
//     their IDs are in commit order (see log.go).
//   - Counter deltas are summed over the transaction and written at commit,
//     sorted, into one of several shards per counter (see event.go).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// retries is how many more times Update runs a transaction that failed
	// with a serialization failure or a deadlock.
	retries = 8
	// counterShards is how many rows a hot counter is spread over.
	counterShards = 8
)

// DB is a PostgreSQL database opened as an epiloop.Store.
type DB struct {
	pool   *pgxpool.Pool
	cipher epiloop.Cipher
	// tracer sees the statements of both pools (see Trace).
	tracer *tracer
	// head is the audit chain's last link as this store last appended
	// it (committed or about to be): a transaction seals its entries onto
	// it and inserts them only if it is still the last — another replica
	// may have appended since, or the appender rolled back — which saves
	// reading it first (see flush).
	head atomic.Pointer[auditHead]
	// logKey is the advisory lock that orders the append-only logs of this
	// database schema.
	logKey int64

	// writers holds the committers' connections, apart from pool so that
	// readers cannot starve the writes (see group.go).
	writers    *pgxpool.Pool
	queue      chan *request
	stop       chan struct{}
	stopped    chan struct{}
	committing sync.WaitGroup
	closeOnce  sync.Once
}

var _ epiloop.Store = (*DB)(nil)

// Open connects to the database dsn names (a postgres:// URL or a
// key=value connection string; pool_max_conns and search_path are
// honoured) and brings its schema up to date. Replicas starting together
// take turns migrating.
func Open(ctx context.Context, dsn string, c epiloop.Cipher) (*DB, error) {
	if c == nil {
		return nil, errors.New("postgres: a cipher for personal data is required")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return nil, errors.New("postgres: invalid connection string")
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// Enough for request handlers, the broker and background work; a
		// View opened inside an Update needs a second connection.
		cfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["timezone"]; !ok {
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	}
	tr := &tracer{}
	cfg.ConnConfig.Tracer = tr
	wcfg := cfg.Copy()
	wcfg.MaxConns, wcfg.MinConns = committers, 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool, cipher: c, tracer: tr}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT hashtextextended('epiloop.log:' || current_schema(), 0)`).Scan(&db.logKey); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if db.writers, err = pgxpool.NewWithConfig(ctx, wcfg); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db.startCommitters()
	return db, nil
}

// Engine names the engine.
func (db *DB) Engine() string { return "postgres" }

// Close commits the transactions already queued, then closes the pools,
// waiting for connections in use to be returned. Updates after Close fail.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stop)
		db.committing.Wait()
		close(db.stopped)
		db.writers.Close()
		db.pool.Close()
	})
	return nil
}

// Pool returns the connection pool, for tools and tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// updateAlone runs fn in a READ COMMITTED write transaction of its own
// and commits it; a serialization failure or a deadlock rolls back and
// runs fn again, after a pause. It is the way of a transaction that could
// not commit with its group.
func (db *DB) updateAlone(ctx context.Context, fn func(tx epiloop.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.update(ctx, db.pool, fn)
		if err == nil || attempt == retries || !retryable(err) {
			return err
		}
		// A short random pause, growing, so that two transactions that
		// deadlocked do not meet again at once.
		pause := time.Duration(1+rand.IntN(5<<min(attempt, 5))) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// update runs fn in one READ COMMITTED write transaction on a connection
// of pool and commits it; a commit PostgreSQL acknowledged is durable
// (synchronous_commit on, the server default). If fn returns an error the
// transaction is rolled back and the error returned as is. The commit
// itself is not cancelled with ctx: its outcome would be unknown.
func (db *DB) update(ctx context.Context, pool *pgxpool.Pool, fn func(tx epiloop.Tx) error) error {
	ptx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer ptx.Rollback(context.WithoutCancel(ctx)) // no-op after Commit
	tx := db.newTx(ctx, ptx, true)
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.flush(); err != nil {
		return err
	}
	if err := ptx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// publishHead makes h, the last link a transaction appended, the store's
// known head, unless a later one is known already.
func (db *DB) publishHead(h *auditHead) {
	for h != nil {
		cur := db.head.Load()
		if cur != nil && cur.id >= h.id || db.head.CompareAndSwap(cur, h) {
			return
		}
	}
}

// View runs fn in a read-only transaction: every read in fn sees one
// snapshot of the database, taken at fn's first statement. Writes fail.
func (db *DB) View(ctx context.Context, fn func(tx epiloop.Tx) error) error {
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer ptx.Rollback(context.WithoutCancel(ctx))
	if err := fn(db.newTx(ctx, ptx, false)); err != nil {
		return err
	}
	return ptx.Commit(ctx)
}

func (db *DB) newTx(ctx context.Context, ptx pgx.Tx, write bool) *Tx {
	return bound(&Tx{tx: ptx, ctx: ctx, db: db, write: write, shard: int16(rand.IntN(counterShards))})
}

// SQLSTATE codes the engine acts on.
const (
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
)

// retryable reports whether err is PostgreSQL's "run the transaction
// again": a serialization failure or a deadlock.
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == codeSerializationFailure || e.Code == codeDeadlockDetected)
}

// SchemaVersion returns the version of the last migration applied to the
// database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
