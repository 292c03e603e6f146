package postgres

import (
	"sort"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
)

// Counters (the lead funnel's in counters, the checkpoints' and
// observations' in stat_counters) are kept by the transaction and written
// when it commits: the deltas of the whole transaction summed by counter,
// in one statement, sorted by key so that concurrent transactions lock
// counter rows in one order (no deadlocks), each into the transaction's
// shard. A hot counter (the city's "received") is thus spread over several
// rows: of two concurrent transactions touching it, most often neither
// waits for the other. Reads sum the shards.

// pending is a transaction's unwritten counter deltas.
type pending map[epiloop.CounterKey]int64

func (tx *Tx) addCounters(p *pending, ds []epiloop.CounterDelta, op string) error {
	if err := tx.requireWrite(op); err != nil {
		return err
	}
	if *p == nil {
		*p = make(pending, len(ds))
	}
	for _, d := range ds {
		(*p)[d.CounterKey] += d.N
	}
	return nil
}

// queueCounters queues the upsert of a table's pending deltas, summed,
// sorted, into shard; it reports whether there was anything to write.
func queueCounters(b *pgx.Batch, table string, p pending, shard int16) bool {
	keys := make([]epiloop.CounterKey, 0, len(p))
	for k, n := range p {
		if n != 0 {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return false
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].Scope != keys[j].Scope {
			return keys[i].Scope < keys[j].Scope
		}
		return keys[i].Metric < keys[j].Metric
	})
	scopes, metrics, ns := make([]string, len(keys)), make([]string, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		scopes[i], metrics[i], ns[i] = k.Scope, k.Metric, p[k]
	}
	b.Queue(`INSERT INTO `+table+` (scope, metric, shard, n)
		SELECT d.scope, d.metric, $4::smallint, d.n
		FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS d (scope, metric, n, i)
		ORDER BY d.i
		ON CONFLICT (scope, metric, shard) DO UPDATE SET n = `+table+`.n + excluded.n`,
		scopes, metrics, ns, shard)
	return true
}

// findCounters sums one scope's counters by metric, leaving out those that
// sum to zero (a missing metric reads as 0).
func (tx *Tx) findCounters(table, scope string) (map[string]int64, error) {
	m, err := tx.findCountersOf(table, []string{scope})
	return m[scope], err
}

// findCountersOf sums the counters of several scopes by scope and metric
// in one statement; every scope asked has a map, empty when it has none.
func (tx *Tx) findCountersOf(table string, scopes []string) (map[string]map[string]int64, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	out := make(map[string]map[string]int64, len(scopes))
	for _, sc := range scopes {
		out[sc] = map[string]int64{}
	}
	if len(scopes) == 0 {
		return out, nil
	}
	rows, err := tx.query(`SELECT scope, metric, SUM(n)::bigint FROM `+table+` WHERE scope = ANY($1)
		GROUP BY scope, metric HAVING SUM(n) <> 0`, scopes)
	if err != nil {
		return nil, wrap(err, "find "+table)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			sc, m string
			n     int64
		)
		if err := rows.Scan(&sc, &m, &n); err != nil {
			return nil, wrap(err, "find "+table)
		}
		out[sc][m] = n
	}
	return out, wrap(rows.Err(), "find "+table)
}

// allCounters sums every counter, leaving out those that sum to zero, so
// that the map compares equal to a recomputation from the rows.
func (tx *Tx) allCounters(table string) (map[epiloop.CounterKey]int64, error) {
	if err := tx.flush(); err != nil {
		return nil, err
	}
	rows, err := tx.query(`SELECT scope, metric, SUM(n)::bigint FROM ` + table + `
		GROUP BY scope, metric HAVING SUM(n) <> 0`)
	if err != nil {
		return nil, wrap(err, "all "+table)
	}
	defer rows.Close()
	out := make(map[epiloop.CounterKey]int64)
	for rows.Next() {
		var (
			k epiloop.CounterKey
			n int64
		)
		if err := rows.Scan(&k.Scope, &k.Metric, &n); err != nil {
			return nil, wrap(err, "all "+table)
		}
		out[k] = n
	}
	return out, wrap(rows.Err(), "all "+table)
}

// AddCounters adds deltas to the lead funnel's counters at commit.
func (tx *Tx) AddCounters(ds []epiloop.CounterDelta) error {
	return tx.addCounters(&tx.counters, ds, "add counters")
}

// FindCounters returns the funnel counters of one scope by metric.
func (tx *Tx) FindCounters(scope string) (map[string]int64, error) {
	return tx.findCounters("counters", scope)
}

// FindCountersOf returns the funnel counters of several scopes in one
// statement.
func (tx *Tx) FindCountersOf(scopes []string) (map[string]map[string]int64, error) {
	return tx.findCountersOf("counters", scopes)
}

// AllCounters returns every funnel counter that does not sum to zero.
func (tx *Tx) AllCounters() (map[epiloop.CounterKey]int64, error) {
	return tx.allCounters("counters")
}

// AddStatCounters adds deltas to the checkpoint and observation counters
// at commit, like AddCounters.
func (tx *Tx) AddStatCounters(ds []epiloop.CounterDelta) error {
	return tx.addCounters(&tx.statCounters, ds, "add stat counters")
}

// FindStatCounters returns the stat counters of one scope by metric.
func (tx *Tx) FindStatCounters(scope string) (map[string]int64, error) {
	return tx.findCounters("stat_counters", scope)
}

// AllStatCounters returns every stat counter that does not sum to zero.
func (tx *Tx) AllStatCounters() (map[epiloop.CounterKey]int64, error) {
	return tx.allCounters("stat_counters")
}
