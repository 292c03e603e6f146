package postgres

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/epiloop/epiloop"
)

// Patrol logs, drone sorties and incident statistics (epiloop/patrol.go).

const patrolColumns = `id, unit_code, district_code, officers, vehicles::text, area, start_at, end_at, voided,
	created_by, created_at, updated_at`

const sortieColumns = `id, unit_code, district_code, pilot, drone, area, start_at, minutes, voided,
	created_by, created_at, updated_at`

func (tx *Tx) scanPatrolLog(sc scanner) (epiloop.PatrolLog, error) {
	var (
		p                            epiloop.PatrolLog
		officers                     epiloop.JSONColumn
		vehicles                     string
		start, end, created, updated pgtype.Timestamptz
	)
	err := sc.Scan(&p.ID, &p.UnitCode, &p.DistrictCode, tx.openedJSON(&officers), &vehicles, tx.opened(&p.Area),
		&start, &end, &p.Voided, &p.CreatedBy, &created, &updated)
	if err != nil {
		return p, err
	}
	p.Start, p.End, p.CreatedAt, p.UpdatedAt = timeOf(start), timeOf(end), timeOf(created), timeOf(updated)
	if _, err := officers.Decode(&p.Officers); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(vehicles), &p.Vehicles)
}

func (tx *Tx) patrolArgs(p *epiloop.PatrolLog) (args, error) {
	officers, err := tx.sealedJSON(p.Officers)
	if err != nil {
		return nil, err
	}
	vs := p.Vehicles
	if vs == nil {
		vs = []string{}
	}
	vehicles, err := json.Marshal(vs)
	if err != nil {
		return nil, err
	}
	return args{p.UnitCode, p.DistrictCode, officers, len(p.Officers), string(vehicles), tx.sealed(p.Area),
		ts(p.Start), ts(p.End), p.Voided, ts(p.UpdatedAt)}, nil
}

// CreatePatrolLog inserts a log and sets its ID.
func (tx *Tx) CreatePatrolLog(p *epiloop.PatrolLog) error {
	a, err := tx.patrolArgs(p)
	if err != nil {
		return wrap(err, "create patrol log")
	}
	a = append(a, p.CreatedBy, ts(p.CreatedAt))
	err = tx.queryRow(`INSERT INTO patrol_logs (unit_code, district_code, officers, officer_count, vehicles, area,
		start_at, end_at, voided, updated_at, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, a...).Scan(&p.ID)
	return wrap(err, "create patrol log")
}

// UpdatePatrolLog writes a log's correction or void.
func (tx *Tx) UpdatePatrolLog(p *epiloop.PatrolLog) error {
	a, err := tx.patrolArgs(p)
	if err != nil {
		return wrap(err, "update patrol log")
	}
	return wrap(tx.execOne("err.patrol_not_found", `UPDATE patrol_logs SET unit_code = $1, district_code = $2,
		officers = $3, officer_count = $4, vehicles = $5::jsonb, area = $6, start_at = $7, end_at = $8, voided = $9,
		updated_at = $10 WHERE id = $11`, append(a, p.ID)...), "update patrol log")
}

// FindPatrolLogByID returns one log.
func (tx *Tx) FindPatrolLogByID(id int64) (*epiloop.PatrolLog, error) {
	p, err := tx.scanPatrolLog(tx.queryRow(`SELECT `+patrolColumns+` FROM patrol_logs WHERE id = $1`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.patrol_not_found"), "find patrol log")
	}
	return &p, nil
}

// patrolWhere is the condition and order of a patrol filter (both tables
// share their columns).
func patrolWhere(f epiloop.PatrolFilter, a *args) (cond, order string) {
	conds := []string{"TRUE"}
	switch {
	case f.Scope.All:
	case f.Scope.District != "":
		conds = append(conds, "district_code = "+a.add(f.Scope.District))
	default:
		conds = append(conds, "unit_code = "+a.add(f.Scope.Unit))
	}
	if f.District != nil {
		conds = append(conds, "district_code = "+a.add(*f.District))
	}
	if f.Unit != nil {
		conds = append(conds, "unit_code = "+a.add(*f.Unit))
	}
	if !f.From.IsZero() {
		conds = append(conds, "start_at >= "+a.add(msUTC(f.From)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "start_at < "+a.add(msUTC(f.To)))
	}
	if !f.Voided {
		conds = append(conds, "NOT voided")
	}
	if f.Before > 0 {
		conds = append(conds, "id < "+a.add(f.Before))
	}
	order = "start_at DESC, id DESC"
	if f.Before > 0 || f.NoCount {
		order = "id DESC"
	}
	return strings.Join(conds, " AND "), order
}

// findPatrolRows runs a filtered, paged query of table and scans each row.
func findPatrolRows[T any](tx *Tx, table, columns string, f epiloop.PatrolFilter, scan func(scanner) (T, error)) ([]T, int, error) {
	var a args
	cond, order := patrolWhere(f, &a)
	total, err := tx.countRows(f.NoCount, table, cond, a...)
	if err != nil {
		return nil, 0, err
	}
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+columns+` FROM `+table+` WHERE `+cond+` ORDER BY `+order+
		` LIMIT `+a.add(epiloop.PageLimit(f.Limit))+` OFFSET `+a.add(offset), a...)
	if err != nil {
		return nil, 0, wrap(err, "find "+table)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, 0, wrap(err, "find "+table)
	}
	if total < 0 {
		total = len(out)
	}
	return out, total, nil
}

// FindPatrolLogs returns one page of the logs f selects and the total.
func (tx *Tx) FindPatrolLogs(f epiloop.PatrolFilter) ([]epiloop.PatrolLog, int, error) {
	return findPatrolRows(tx, "patrol_logs", patrolColumns, f, tx.scanPatrolLog)
}

func (tx *Tx) scanDroneSortie(sc scanner) (epiloop.DroneSortie, error) {
	var (
		s                       epiloop.DroneSortie
		start, created, updated pgtype.Timestamptz
	)
	err := sc.Scan(&s.ID, &s.UnitCode, &s.DistrictCode, tx.opened(&s.Pilot), &s.Drone, tx.opened(&s.Area),
		&start, &s.Minutes, &s.Voided, &s.CreatedBy, &created, &updated)
	s.Start, s.CreatedAt, s.UpdatedAt = timeOf(start), timeOf(created), timeOf(updated)
	return s, err
}

func (tx *Tx) sortieArgs(s *epiloop.DroneSortie) args {
	return args{s.UnitCode, s.DistrictCode, tx.sealed(s.Pilot), s.Drone, tx.sealed(s.Area), ts(s.Start), s.Minutes,
		s.Voided, ts(s.UpdatedAt)}
}

// CreateDroneSortie inserts a sortie and sets its ID.
func (tx *Tx) CreateDroneSortie(s *epiloop.DroneSortie) error {
	err := tx.queryRow(`INSERT INTO drone_sorties (unit_code, district_code, pilot, drone, area, start_at, minutes,
		voided, updated_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		append(tx.sortieArgs(s), s.CreatedBy, ts(s.CreatedAt))...).Scan(&s.ID)
	return wrap(err, "create drone sortie")
}

// UpdateDroneSortie writes a sortie's correction or void.
func (tx *Tx) UpdateDroneSortie(s *epiloop.DroneSortie) error {
	return wrap(tx.execOne("err.sortie_not_found", `UPDATE drone_sorties SET unit_code = $1, district_code = $2,
		pilot = $3, drone = $4, area = $5, start_at = $6, minutes = $7, voided = $8, updated_at = $9 WHERE id = $10`,
		append(tx.sortieArgs(s), s.ID)...), "update drone sortie")
}

// FindDroneSortieByID returns one sortie.
func (tx *Tx) FindDroneSortieByID(id int64) (*epiloop.DroneSortie, error) {
	s, err := tx.scanDroneSortie(tx.queryRow(`SELECT `+sortieColumns+` FROM drone_sorties WHERE id = $1`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.sortie_not_found"), "find drone sortie")
	}
	return &s, nil
}

// FindDroneSorties returns one page of the sorties f selects and the total.
func (tx *Tx) FindDroneSorties(f epiloop.PatrolFilter) ([]epiloop.DroneSortie, int, error) {
	return findPatrolRows(tx, "drone_sorties", sortieColumns, f, tx.scanDroneSortie)
}

// UpsertIncidentStat writes a district's counts of a day, returning the
// counts replaced; the row is locked first so that two entries of the
// same day answer each its own predecessor.
func (tx *Tx) UpsertIncidentStat(s *epiloop.IncidentStat) (*epiloop.IncidentStat, error) {
	var (
		before epiloop.IncidentStat
		at     pgtype.Timestamptz
	)
	err := tx.queryRow(`SELECT district_code, day::text, public_order, criminal, updated_by, updated_at
		FROM incident_stats WHERE district_code = $1 AND day = $2::date FOR UPDATE`, s.DistrictCode, s.Date).
		Scan(&before.DistrictCode, &before.Date, &before.PublicOrder, &before.Criminal, &before.UpdatedBy, &at)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(err, "upsert incident stat")
	}
	before.UpdatedAt = timeOf(at)
	_, err = tx.exec(`INSERT INTO incident_stats (district_code, day, public_order, criminal, updated_by, updated_at)
		VALUES ($1, $2::date, $3, $4, $5, $6) ON CONFLICT (district_code, day) DO UPDATE SET
		public_order = excluded.public_order, criminal = excluded.criminal, updated_by = excluded.updated_by,
		updated_at = excluded.updated_at`, s.DistrictCode, s.Date, s.PublicOrder, s.Criminal, s.UpdatedBy, ts(s.UpdatedAt))
	if err != nil || !found {
		return nil, wrap(err, "upsert incident stat")
	}
	return &before, nil
}

// FindIncidentStats returns the counts f selects, by date and district.
func (tx *Tx) FindIncidentStats(f epiloop.IncidentFilter) ([]epiloop.IncidentStat, error) {
	var a args
	cond := "day >= " + a.add(f.From) + "::date AND day <= " + a.add(f.To) + "::date"
	if len(f.Districts) > 0 {
		cond += " AND district_code = ANY(" + a.add(f.Districts) + ")"
	}
	rows, err := tx.query(`SELECT district_code, day::text, public_order, criminal, updated_by, updated_at
		FROM incident_stats WHERE `+cond+` ORDER BY day, district_code`, a...)
	if err != nil {
		return nil, wrap(err, "find incident stats")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (epiloop.IncidentStat, error) {
		var (
			s  epiloop.IncidentStat
			at pgtype.Timestamptz
		)
		err := r.Scan(&s.DistrictCode, &s.Date, &s.PublicOrder, &s.Criminal, &s.UpdatedBy, &at)
		s.UpdatedAt = timeOf(at)
		return s, err
	})
	return out, wrap(err, "find incident stats")
}
