package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/epiloop/epiloop"
)

// Patrol logs, drone sorties and incident statistics (epiloop/patrol.go).

const patrolColumns = `id, unit_code, district_code, officers, vehicles, area, start_at, end_at, voided,
	created_by, created_at, updated_at`

const sortieColumns = `id, unit_code, district_code, pilot, drone, area, start_at, minutes, voided,
	created_by, created_at, updated_at`

func (tx *Tx) scanPatrolLog(sc scanner) (epiloop.PatrolLog, error) {
	var (
		p                            epiloop.PatrolLog
		officers                     epiloop.JSONColumn
		vehicles                     string
		start, end, created, updated int64
	)
	err := sc.Scan(&p.ID, &p.UnitCode, &p.DistrictCode, tx.openedJSON(&officers), &vehicles, tx.opened(&p.Area),
		&start, &end, &p.Voided, &p.CreatedBy, &created, &updated)
	if err != nil {
		return p, err
	}
	p.Start, p.End = timeOf(sql.NullInt64{Int64: start, Valid: true}), timeOf(sql.NullInt64{Int64: end, Valid: true})
	p.CreatedAt, p.UpdatedAt = timeOf(sql.NullInt64{Int64: created, Valid: true}), timeOf(sql.NullInt64{Int64: updated, Valid: true})
	if _, err := officers.Decode(&p.Officers); err != nil {
		return p, err
	}
	return p, json.Unmarshal([]byte(vehicles), &p.Vehicles)
}

func (tx *Tx) patrolArgs(p *epiloop.PatrolLog) ([]any, error) {
	officers, err := tx.sealedJSON(p.Officers)
	if err != nil {
		return nil, err
	}
	vehicles, err := jsonText(epiloop.NonNil(p.Vehicles))
	if err != nil {
		return nil, err
	}
	return []any{p.UnitCode, p.DistrictCode, officers, len(p.Officers), vehicles, tx.sealed(p.Area),
		millis(p.Start), millis(p.End), p.Voided, millis(p.UpdatedAt)}, nil
}

// CreatePatrolLog inserts a log and sets its ID.
func (tx *Tx) CreatePatrolLog(p *epiloop.PatrolLog) error {
	vals, err := tx.patrolArgs(p)
	if err != nil {
		return wrap(err, "create patrol log")
	}
	res, err := tx.exec(`INSERT INTO patrol_logs (unit_code, district_code, officers, officer_count, vehicles, area,
		start_at, end_at, voided, updated_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(vals, p.CreatedBy, millis(p.CreatedAt))...)
	if err != nil {
		return wrap(err, "create patrol log")
	}
	p.ID, err = res.LastInsertId()
	return wrap(err, "create patrol log")
}

// UpdatePatrolLog writes a log's correction or void.
func (tx *Tx) UpdatePatrolLog(p *epiloop.PatrolLog) error {
	vals, err := tx.patrolArgs(p)
	if err != nil {
		return wrap(err, "update patrol log")
	}
	return wrap(tx.execOne("err.patrol_not_found", `UPDATE patrol_logs SET unit_code = ?, district_code = ?, officers = ?,
		officer_count = ?, vehicles = ?, area = ?, start_at = ?, end_at = ?, voided = ?, updated_at = ? WHERE id = ?`,
		append(vals, p.ID)...), "update patrol log")
}

// FindPatrolLogByID returns one log.
func (tx *Tx) FindPatrolLogByID(id int64) (*epiloop.PatrolLog, error) {
	p, err := tx.scanPatrolLog(tx.queryRow(`SELECT `+patrolColumns+` FROM patrol_logs WHERE id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.patrol_not_found"), "find patrol log")
	}
	return &p, nil
}

// patrolWhere is the condition of a patrol filter (both tables share
// their columns).
func patrolWhere(f epiloop.PatrolFilter) (string, []any) {
	conds, args := []string{"1"}, []any(nil)
	add := func(c string, v any) { conds, args = append(conds, c), append(args, v) }
	switch {
	case f.Scope.All:
	case f.Scope.District != "":
		add("district_code = ?", f.Scope.District)
	default:
		add("unit_code = ?", f.Scope.Unit)
	}
	if f.District != nil {
		add("district_code = ?", *f.District)
	}
	if f.Unit != nil {
		add("unit_code = ?", *f.Unit)
	}
	if !f.From.IsZero() {
		add("start_at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("start_at < ?", f.To.UnixMilli())
	}
	if !f.Voided {
		conds = append(conds, "voided = 0")
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	order := "start_at DESC, id DESC"
	if f.Before > 0 || f.NoCount {
		order = "id DESC"
	}
	return strings.Join(conds, " AND ") + " ORDER BY " + order, args
}

// findPatrolRows runs a filtered, paged query of table and scans each row.
func findPatrolRows[T any](tx *Tx, table, columns string, f epiloop.PatrolFilter, scan func(scanner) (T, error)) ([]T, int, error) {
	where, args := patrolWhere(f)
	cond, _, _ := strings.Cut(where, " ORDER BY ")
	total, err := tx.countRows(f.NoCount, table, cond, args...)
	if err != nil {
		return nil, 0, err
	}
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+columns+` FROM `+table+` WHERE `+where+` LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find "+table)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, wrap(err, "find "+table)
		}
		out = append(out, v)
	}
	return out, total, wrap(rows.Err(), "find "+table)
}

// FindPatrolLogs returns one page of the logs f selects and the total.
func (tx *Tx) FindPatrolLogs(f epiloop.PatrolFilter) ([]epiloop.PatrolLog, int, error) {
	return findPatrolRows(tx, "patrol_logs", patrolColumns, f, tx.scanPatrolLog)
}

func (tx *Tx) scanDroneSortie(sc scanner) (epiloop.DroneSortie, error) {
	var (
		s                       epiloop.DroneSortie
		start, created, updated int64
	)
	err := sc.Scan(&s.ID, &s.UnitCode, &s.DistrictCode, tx.opened(&s.Pilot), &s.Drone, tx.opened(&s.Area),
		&start, &s.Minutes, &s.Voided, &s.CreatedBy, &created, &updated)
	s.Start = timeOf(sql.NullInt64{Int64: start, Valid: true})
	s.CreatedAt, s.UpdatedAt = timeOf(sql.NullInt64{Int64: created, Valid: true}), timeOf(sql.NullInt64{Int64: updated, Valid: true})
	return s, err
}

func (tx *Tx) sortieArgs(s *epiloop.DroneSortie) []any {
	return []any{s.UnitCode, s.DistrictCode, tx.sealed(s.Pilot), s.Drone, tx.sealed(s.Area), millis(s.Start), s.Minutes,
		s.Voided, millis(s.UpdatedAt)}
}

// CreateDroneSortie inserts a sortie and sets its ID.
func (tx *Tx) CreateDroneSortie(s *epiloop.DroneSortie) error {
	res, err := tx.exec(`INSERT INTO drone_sorties (unit_code, district_code, pilot, drone, area, start_at, minutes,
		voided, updated_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(tx.sortieArgs(s), s.CreatedBy, millis(s.CreatedAt))...)
	if err != nil {
		return wrap(err, "create drone sortie")
	}
	s.ID, err = res.LastInsertId()
	return wrap(err, "create drone sortie")
}

// UpdateDroneSortie writes a sortie's correction or void.
func (tx *Tx) UpdateDroneSortie(s *epiloop.DroneSortie) error {
	return wrap(tx.execOne("err.sortie_not_found", `UPDATE drone_sorties SET unit_code = ?, district_code = ?, pilot = ?,
		drone = ?, area = ?, start_at = ?, minutes = ?, voided = ?, updated_at = ? WHERE id = ?`,
		append(tx.sortieArgs(s), s.ID)...), "update drone sortie")
}

// FindDroneSortieByID returns one sortie.
func (tx *Tx) FindDroneSortieByID(id int64) (*epiloop.DroneSortie, error) {
	s, err := tx.scanDroneSortie(tx.queryRow(`SELECT `+sortieColumns+` FROM drone_sorties WHERE id = ?`, id))
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
// counts replaced.
func (tx *Tx) UpsertIncidentStat(s *epiloop.IncidentStat) (*epiloop.IncidentStat, error) {
	var before *epiloop.IncidentStat
	olds, err := tx.FindIncidentStats(epiloop.IncidentFilter{Districts: []string{s.DistrictCode}, From: s.Date, To: s.Date})
	if err != nil {
		return nil, err
	}
	if len(olds) == 1 {
		before = &olds[0]
	}
	_, err = tx.exec(`INSERT INTO incident_stats (district_code, day, public_order, criminal, updated_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (district_code, day) DO UPDATE SET public_order = excluded.public_order,
		criminal = excluded.criminal, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		s.DistrictCode, s.Date, s.PublicOrder, s.Criminal, s.UpdatedBy, millis(s.UpdatedAt))
	return before, wrap(err, "upsert incident stat")
}

// FindIncidentStats returns the counts f selects, by date and district.
func (tx *Tx) FindIncidentStats(f epiloop.IncidentFilter) ([]epiloop.IncidentStat, error) {
	conds, args := []string{"day >= ?", "day <= ?"}, []any{f.From, f.To}
	if len(f.Districts) > 0 {
		conds = append(conds, "district_code IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Districts)), ", ")+")")
		for _, d := range f.Districts {
			args = append(args, d)
		}
	}
	rows, err := tx.query(`SELECT district_code, day, public_order, criminal, updated_by, updated_at FROM incident_stats
		WHERE `+strings.Join(conds, " AND ")+` ORDER BY day, district_code`, args...)
	if err != nil {
		return nil, wrap(err, "find incident stats")
	}
	defer rows.Close()
	var out []epiloop.IncidentStat
	for rows.Next() {
		var (
			s  epiloop.IncidentStat
			at int64
		)
		if err := rows.Scan(&s.DistrictCode, &s.Date, &s.PublicOrder, &s.Criminal, &s.UpdatedBy, &at); err != nil {
			return nil, wrap(err, "find incident stats")
		}
		s.UpdatedAt = timeOf(sql.NullInt64{Int64: at, Valid: true})
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "find incident stats")
}
