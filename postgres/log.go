package postgres

import (
	"errors"
	"slices"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
)

// The event outbox and the audit trail are append-only logs read in ID
// order: the broker of every replica remembers the last event ID it
// delivered and asks for the ones after it; the audit chain links each
// entry to the one before.
//
// A sequence alone would not keep those readers right. Transactions draw
// IDs in one order and commit in another: T1 draws event 10, T2 draws 11
// and commits, a replica reads "after 9" and gets 11, then T1 commits 10 —
// and that replica never delivers it. Filtering on the writer's
// transaction ID (xid < pg_snapshot_xmin(pg_current_snapshot())) is not
// enough while the cursor is an event ID either: a transaction with an
// older xid can draw a higher event ID than a younger one still running,
// so that filter must come with an (xid, id) cursor, which the event
// stream's Last-Event-ID is not; and it holds every reader back behind
// the oldest writing transaction of the whole cluster, in any database.
//
// So the logs are written at commit, under a transaction-level advisory
// lock (one per database schema) held until the commit is visible: IDs are
// drawn in commit order, and a snapshot that sees an event sees every event
// with a lower ID. The lock covers only the log inserts and the commit
// itself; everything else in the transaction, its row locks included, runs
// concurrently. The audit chain needs the same lock anyway, to link each
// entry to the last without forks.

// requireWrite refuses a write in a View, which would otherwise be kept
// for a commit that never comes.
func (tx *Tx) requireWrite(op string) error {
	if !tx.write {
		return errors.New("postgres: " + op + ": read-only transaction")
	}
	return nil
}

// flush writes what the transaction kept for its commit, in one round
// trip: the counter deltas first (they may wait for another transaction's
// counter row, and must not hold the log lock while they do), then the log
// lock, the events, and the read of the audit chain's last link; then the
// audit entries, sealed onto it. The lock is held from there to the end
// of the commit.
func (tx *Tx) flush() error {
	b := &pgx.Batch{}
	reads := tx.queueWrites(b)
	exec := func(op string) func(pgx.BatchResults) error {
		return func(br pgx.BatchResults) error {
			_, err := br.Exec()
			return wrap(err, op)
		}
	}
	for _, c := range []struct {
		table string
		p     *pending
	}{{"counters", &tx.counters}, {"stat_counters", &tx.statCounters}} {
		if queueCounters(b, c.table, *c.p, tx.shard) {
			reads = append(reads, exec("add "+c.table))
		}
		*c.p = nil
	}
	events, audit := tx.events, tx.audit
	if (len(events) > 0 || len(audit) > 0) && !tx.logLocked {
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, tx.db.logKey)
		reads = append(reads, exec("lock logs"))
	}
	var ids []int64 // drawn for a COPY of many events
	switch {
	case len(events) >= copyEvents:
		b.Queue(`SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, $1)`, len(events))
		reads = append(reads, func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err == nil {
				ids, err = collect(rows, pgx.RowTo[int64])
			}
			return wrap(err, "create events")
		})
	case len(events) > 0:
		for _, e := range events {
			b.Queue(`INSERT INTO events (time, kind, lead_id, task_id, actor_id, district, units, data, detail)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, tx.eventValues(e)...)
			reads = append(reads, func(br pgx.BatchResults) error {
				return wrap(br.QueryRow().Scan(&e.ID), "create event")
			})
		}
	}
	// The audit entries go onto the chain's last link: the one this
	// transaction appended, else the one the store knows (DB.head), each
	// inserted only if it is still the last; the batch then reads the
	// last link, which on a miss is the one to seal onto, in one more
	// round trip.
	var (
		last     int64
		prev     []byte
		chained  bool
		inserted int64
	)
	if len(audit) > 0 {
		head := tx.head
		if head == nil {
			head = tx.db.head.Load()
		}
		if head != nil {
			chained = true
			for i, q := range tx.auditInserts(audit, head.id, head.hash, true) {
				b.Queue(q.sql, q.args...)
				reads = append(reads, func(br pgx.BatchResults) error {
					tag, err := br.Exec()
					if err == nil && i == 0 {
						inserted = tag.RowsAffected()
					}
					return wrap(err, "append audit")
				})
			}
		}
		// The last link after the guarded inserts: ours when they went
		// in, else the one to seal onto, without another round trip.
		b.Queue(`SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`)
		reads = append(reads, func(br pgx.BatchResults) error {
			err := br.QueryRow().Scan(&last, &prev)
			if errors.Is(err, pgx.ErrNoRows) {
				err = nil
			}
			return wrap(err, "append audit")
		})
	}
	if b.Len() == 0 {
		return nil
	}
	if err := tx.sendBatch(b, reads); err != nil {
		return err
	}
	tx.events, tx.audit = nil, nil
	if len(events) > 0 || len(audit) > 0 {
		tx.logLocked = true
	}
	if ids != nil {
		if err := tx.copyEvents(events, ids); err != nil {
			return err
		}
	}
	switch {
	case len(audit) == 0:
		return nil
	case chained && inserted == 1:
		e := audit[len(audit)-1]
		tx.setHead(e.ID, e.Hash)
		return nil
	}
	// Another writer appended since the head this transaction knew (or
	// it knew none): seal onto the last link read above, under the lock.
	return tx.insertAudit(audit, last, prev)
}

// setHead records the audit chain's last link this transaction appended,
// and makes it the store's known head at once: the lock is held until the
// commit, so a transaction that seals onto it meanwhile waits for that
// commit, and finds its guard true — or, when this one rolls back, false,
// and reads the link again.
func (tx *Tx) setHead(id int64, hash []byte) {
	tx.head = &auditHead{id, hash}
	tx.db.publishHead(tx.head)
}

// auditHead is the audit chain's last link: its entry's ID and hash.
type auditHead struct {
	id   int64
	hash []byte
}

// auditInserts seals the entries onto link (last, prev) and returns their
// inserts; with guard, the first inserts nothing unless (last, prev) is
// still the chain's last link, and each later one nothing unless the one
// before it went in.
func (tx *Tx) auditInserts(audit []*epiloop.AuditEntry, last int64, prev []byte, guard bool) []write {
	out := make([]write, 0, len(audit))
	for _, e := range audit {
		e.ID = last + 1
		e.Seal(prev, tx.db.cipher)
		args := []any{e.ID, e.Time, e.ActorID, e.Actor, string(e.Role), e.Action, e.Object, tx.sealed(e.Purpose), e.Detail,
			nilBytes(e.Prev), e.Hash}
		q := `INSERT INTO audit (id, time, actor_id, actor, role, action, object, purpose, detail, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
		if guard {
			q = `INSERT INTO audit (id, time, actor_id, actor, role, action, object, purpose, detail, prev_hash, hash)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bytea, $11
			WHERE (SELECT a.hash FROM audit a ORDER BY a.id DESC LIMIT 1) = $10::bytea`
		}
		out = append(out, write{sql: q, args: args})
		last, prev = e.ID, e.Hash
	}
	return out
}

// lockLogs takes the log lock once per transaction (for writes other than
// events and audit entries that want commit order); it is released when
// the transaction ends, after its commit became visible.
func (tx *Tx) lockLogs() error {
	if tx.logLocked {
		return nil
	}
	if err := tx.flush(); err != nil || tx.logLocked { // counters before the lock
		return err
	}
	if _, err := tx.exec(`SELECT pg_advisory_xact_lock($1)`, tx.db.logKey); err != nil {
		return wrap(err, "lock logs")
	}
	tx.logLocked = true
	return nil
}

// copyEvents is the batch size from which events are written with COPY
// (bulk imports) rather than one pipelined INSERT each.
const copyEvents = 32

// copyEvents copies many events in with the IDs drawn for them under the
// log lock (no other transaction draws any meanwhile, so in order).
func (tx *Tx) copyEvents(es []*epiloop.Event, ids []int64) error {
	slices.Sort(ids)
	cells := make([][]any, len(es))
	for i, e := range es {
		e.ID = ids[i]
		cells[i] = append([]any{e.ID}, tx.eventValues(e)...)
	}
	_, err := tx.copyFrom("events", []string{"id", "time", "kind", "lead_id", "task_id", "actor_id", "district",
		"units", "data", "detail"}, cells)
	return wrap(err, "create events")
}

// eventValues returns the columns time, kind, lead_id, task_id, actor_id,
// district, units, data, detail (sealed) of an event.
func (tx *Tx) eventValues(e *epiloop.Event) []any {
	var data []byte
	if len(e.Data) > 0 {
		data = e.Data
	}
	units := e.Units
	if units == nil {
		units = []string{}
	}
	return []any{ts(e.Time), e.Kind, nullID(e.LeadID), nullID(e.TaskID), nullID(e.ActorID), e.District, units, data,
		tx.sealed(string(e.Detail))}
}

// insertAudit seals the audit entries onto the chain's last link (last,
// prev) and inserts them; the log lock is held.
func (tx *Tx) insertAudit(audit []*epiloop.AuditEntry, last int64, prev []byte) error {
	if len(audit) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, q := range tx.auditInserts(audit, last, prev, false) {
		b.Queue(q.sql, q.args...)
	}
	if err := wrap(tx.tx.SendBatch(tx.ctx, b).Close(), "append audit"); err != nil {
		return err
	}
	e := audit[len(audit)-1]
	tx.setHead(e.ID, e.Hash)
	return nil
}

// nullID stores an absent reference (0) as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// AppendAudit adds e to the trail when the transaction commits: then it
// gets the next ID and is linked to and sealed after the last entry, under
// the log lock, so the chain cannot fork. The entry's time is kept at
// millisecond precision in UTC.
func (tx *Tx) AppendAudit(e *epiloop.AuditEntry) error {
	if err := tx.requireWrite("append audit"); err != nil {
		return err
	}
	e.Time = msUTC(e.Time)
	tx.audit = append(tx.audit, e)
	return nil
}
