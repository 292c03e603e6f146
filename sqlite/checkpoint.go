package sqlite

import (
	"database/sql"
	"strings"

	"github.com/epiloop/epiloop"
)

// UpsertCheckpoints writes each checkpoint's unit and details.
func (tx *Tx) UpsertCheckpoints(cs []epiloop.Checkpoint) error {
	for _, c := range cs {
		if err := tx.UpsertUnits([]epiloop.Unit{c.Unit()}); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO checkpoints (code, kind, location) VALUES (?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, location = excluded.location`,
			c.Code, string(c.Kind), c.Location); err != nil {
			return wrap(err, "upsert checkpoint")
		}
	}
	return nil
}

// checkpointColumns read a checkpoint unit with its details; a unit
// without details is of kind other.
const checkpointColumns = `u.code, COALESCE(c.kind, 'other'), u.name, u.district_code, COALESCE(c.location, '')`

const checkpointFrom = ` FROM units u LEFT JOIN checkpoints c ON c.code = u.code WHERE u.kind = 'checkpoint'`

func scanCheckpoint(s scanner) (epiloop.Checkpoint, error) {
	var c epiloop.Checkpoint
	err := s.Scan(&c.Code, &c.Kind, &c.Name, &c.DistrictCode, &c.Location)
	return c, err
}

// FindCheckpoints returns one page of the checkpoints f selects, by code,
// and the total. A zero scope selects nothing.
func (tx *Tx) FindCheckpoints(f epiloop.CheckpointFilter) ([]epiloop.Checkpoint, int, error) {
	var (
		conds []string
		args  []any
	)
	conds = append(conds, epiloop.ScopeSQL(f.Scope, "u.district_code", "u.code", binder(&args), nil))
	if f.Kind != nil {
		conds = append(conds, "COALESCE(c.kind, 'other') = ?")
		args = append(args, string(*f.Kind))
	}
	if f.District != nil {
		conds = append(conds, "u.district_code = ?")
		args = append(args, *f.District)
	}
	where := ""
	if len(conds) > 0 {
		where = " AND " + strings.Join(conds, " AND ")
	}
	var total int
	if err := tx.queryRow(`SELECT COUNT(*)`+checkpointFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count checkpoints")
	}
	offset := max(f.Offset, 0)
	if offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+checkpointColumns+checkpointFrom+where+` ORDER BY u.code LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find checkpoints")
	}
	defer rows.Close()
	var out []epiloop.Checkpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, 0, wrap(err, "find checkpoints")
		}
		out = append(out, c)
	}
	return out, total, wrap(rows.Err(), "find checkpoints")
}

// FindCheckpointByCode returns one checkpoint; a unit of another kind is
// not found.
func (tx *Tx) FindCheckpointByCode(code string) (*epiloop.Checkpoint, error) {
	c, err := scanCheckpoint(tx.queryRow(`SELECT `+checkpointColumns+checkpointFrom+` AND u.code = ?`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.checkpoint_not_found"), "find checkpoint")
	}
	return &c, nil
}

// CreateScreening inserts the screening and its occupants and sets s.ID.
// The checkpoint's unit and any lead named must exist.
func (tx *Tx) CreateScreening(s *epiloop.Screening) error {
	res, err := tx.exec(`INSERT INTO screenings (checkpoint_code, district_code, time, direction, plate, train,
			carriage, risk_version, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.CheckpointCode, s.DistrictCode, s.Time.UnixMilli(), string(s.Direction), tx.sealed(s.Plate), s.Train,
		s.Carriage, s.RiskVersion, millis(s.CreatedAt), nullID(s.CreatedBy))
	if err != nil {
		return wrap(constraintError(err, "err.screening_already_exists", "err.checkpoint_not_found"), "create screening")
	}
	if s.ID, err = res.LastInsertId(); err != nil {
		return wrap(err, "create screening")
	}
	for _, o := range s.Occupants {
		vals, err := tx.personValues(&o.Person)
		if err != nil {
			return wrap(err, "create screening")
		}
		_, err = tx.exec(`INSERT INTO screening_occupants (id_key, id_enc, phone_key, phone_enc, name,
				screening_id, seq, origin, destination, temperature, symptoms, decision, risk_area, lead_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			// An occupant has no name index (vals[5]): a screening is found
			// by ID number, and a name search goes to persons.
			append(vals[:5:5], s.ID, o.Seq, tx.sealed(o.Origin), tx.sealed(o.Destination), o.Temperature, o.Symptoms,
				string(o.Decision), o.RiskArea, nullID(o.LeadID))...)
		if err != nil {
			return wrap(constraintError(err, "err.occupant_already_exists", "err.lead_not_found"), "create screening")
		}
	}
	return nil
}

// SetOccupantLead records the lead an occupant became.
func (tx *Tx) SetOccupantLead(screeningID int64, seq int, leadID int64) error {
	err := tx.execOne("err.occupant_not_found", `UPDATE screening_occupants SET lead_id = ?
		WHERE screening_id = ? AND seq = ?`, leadID, screeningID, seq)
	return wrap(constraintError(err, "", "err.lead_not_found"), "set occupant lead")
}

const screeningColumns = `id, checkpoint_code, district_code, time, direction, plate, train, carriage,
	risk_version, created_at, created_by`

func (tx *Tx) scanScreening(s scanner) (*epiloop.Screening, error) {
	var (
		sc         epiloop.Screening
		t, created sql.NullInt64
		createdBy  sql.NullInt64
		direction  string
	)
	if err := s.Scan(&sc.ID, &sc.CheckpointCode, &sc.DistrictCode, &t, &direction, tx.opened(&sc.Plate), &sc.Train,
		&sc.Carriage, &sc.RiskVersion, &created, &createdBy); err != nil {
		return nil, err
	}
	sc.Direction = epiloop.Direction(direction)
	sc.Time, sc.CreatedAt, sc.CreatedBy = timeOf(t), timeOf(created), createdBy.Int64
	return &sc, nil
}

// FindScreeningByID returns one screening with its occupants.
func (tx *Tx) FindScreeningByID(id int64) (*epiloop.Screening, error) {
	s, err := tx.scanScreening(tx.queryRow(`SELECT `+screeningColumns+` FROM screenings WHERE id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.screening_not_found"), "find screening")
	}
	return s, wrap(tx.loadOccupants([]*epiloop.Screening{s}), "find screening")
}

// FindScreenings returns one page of the screenings f selects, newest
// first, with their occupants, and the total.
func (tx *Tx) FindScreenings(f epiloop.ScreeningFilter) ([]*epiloop.Screening, int, error) {
	conds, args := []string{"1"}, []any(nil)
	if f.Checkpoint != nil {
		conds = append(conds, "checkpoint_code = ?")
		args = append(args, *f.Checkpoint)
	}
	if f.Since != nil {
		conds = append(conds, "time >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if f.Before > 0 {
		conds = append(conds, "id < ?")
		args = append(args, f.Before)
	}
	where := strings.Join(conds, " AND ")
	total, err := tx.countRows(f.NoCount, "screenings", where, args...)
	if err != nil {
		return nil, 0, err
	}
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+screeningColumns+` FROM screenings WHERE `+where+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, epiloop.PageLimit(f.Limit), offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find screenings")
	}
	defer rows.Close()
	var out []*epiloop.Screening
	for rows.Next() {
		s, err := tx.scanScreening(rows)
		if err != nil {
			return nil, 0, wrap(err, "find screenings")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap(err, "find screenings")
	}
	rows.Close()
	if total < 0 {
		total = len(out)
	}
	return out, total, wrap(tx.loadOccupants(out), "find screenings")
}

// loadOccupants loads the occupants of screenings in one query.
func (tx *Tx) loadOccupants(ss []*epiloop.Screening) error {
	if len(ss) == 0 {
		return nil
	}
	by := make(map[int64]*epiloop.Screening, len(ss))
	ids := make([]int64, 0, len(ss))
	for _, s := range ss {
		by[s.ID] = s
		ids = append(ids, s.ID)
	}
	rows, err := tx.query(`SELECT screening_id, seq, id_enc, phone_enc, name, origin, destination,
			temperature, symptoms, decision, risk_area, lead_id
		FROM screening_occupants WHERE screening_id IN (SELECT value FROM json_each(?))
		ORDER BY screening_id, seq`, idArray(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			o           epiloop.Occupant
			sid         int64
			idE, phoneE []byte
			decision    string
			lead        sql.NullInt64
		)
		if err := rows.Scan(&sid, &o.Seq, &idE, &phoneE, tx.opened(&o.Person.Name), tx.opened(&o.Origin), tx.opened(&o.Destination),
			&o.Temperature, &o.Symptoms, &decision, &o.RiskArea, &lead); err != nil {
			return err
		}
		if err := tx.openPerson(&o.Person, idE, phoneE); err != nil {
			return err
		}
		o.Decision, o.LeadID = epiloop.Decision(decision), lead.Int64
		if s := by[sid]; s != nil {
			s.Occupants = append(s.Occupants, &o)
		}
	}
	return rows.Err()
}

// CreateRiskArea appends a version of a risk area and sets a.Version.
func (tx *Tx) CreateRiskArea(a *epiloop.RiskArea) error {
	res, err := tx.exec(`INSERT INTO risk_areas (code, level, from_date, to_date, note, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.Code, string(a.Level), a.From, a.To, a.Note, millis(a.CreatedAt), nullID(a.CreatedBy))
	if err != nil {
		return wrap(err, "create risk area")
	}
	a.Version, err = res.LastInsertId()
	return wrap(err, "create risk area")
}

const riskAreaColumns = `id, code, level, from_date, to_date, note, created_at, created_by`

func scanRiskArea(s scanner) (epiloop.RiskArea, error) {
	var (
		a           epiloop.RiskArea
		level       string
		created, by sql.NullInt64
	)
	err := s.Scan(&a.Version, &a.Code, &level, &a.From, &a.To, &a.Note, &created, &by)
	a.Level, a.CreatedAt, a.CreatedBy = epiloop.RiskLevel(level), timeOf(created), by.Int64
	return a, err
}

// FindRiskAreas returns the areas in force at version asOf (0: latest).
func (tx *Tx) FindRiskAreas(asOf int64) (*epiloop.RiskAreaSet, error) {
	set := &epiloop.RiskAreaSet{}
	if err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM risk_areas WHERE ?1 = 0 OR id <= ?1`, asOf).
		Scan(&set.Version); err != nil {
		return nil, wrap(err, "find risk areas")
	}
	rows, err := tx.query(`SELECT `+riskAreaColumns+` FROM risk_areas r
		WHERE r.id = (SELECT MAX(id) FROM risk_areas x WHERE x.code = r.code AND x.id <= ?)
			AND r.level <> 'none'
		ORDER BY r.code`, set.Version)
	if err != nil {
		return nil, wrap(err, "find risk areas")
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanRiskArea(rows)
		if err != nil {
			return nil, wrap(err, "find risk areas")
		}
		set.Areas = append(set.Areas, a)
	}
	return set, wrap(rows.Err(), "find risk areas")
}

// FindRiskAreaHistory returns one page of every version, newest first,
// and the total.
func (tx *Tx) FindRiskAreaHistory(offset, limit int) ([]epiloop.RiskArea, int, error) {
	var total int
	if err := tx.queryRow(`SELECT COUNT(*) FROM risk_areas`).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count risk areas")
	}
	offset = max(offset, 0)
	if offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+riskAreaColumns+` FROM risk_areas ORDER BY id DESC LIMIT ? OFFSET ?`,
		epiloop.PageLimit(limit), offset)
	if err != nil {
		return nil, 0, wrap(err, "find risk area history")
	}
	defer rows.Close()
	var out []epiloop.RiskArea
	for rows.Next() {
		a, err := scanRiskArea(rows)
		if err != nil {
			return nil, 0, wrap(err, "find risk area history")
		}
		out = append(out, a)
	}
	return out, total, wrap(rows.Err(), "find risk area history")
}

// AddStatCounters adds each delta to its checkpoint or observation
// counter, like AddCounters.
func (tx *Tx) AddStatCounters(ds []epiloop.CounterDelta) error {
	return wrap(tx.addCounters("stat_counters", ds), "add stat counters")
}

// FindStatCounters returns the stat counters of one scope by metric,
// leaving out those that sum to zero.
func (tx *Tx) FindStatCounters(scope string) (map[string]int64, error) {
	m, err := tx.findCounters("stat_counters", scope)
	return m, wrap(err, "find stat counters")
}

// AllStatCounters returns every stat counter that does not sum to zero.
func (tx *Tx) AllStatCounters() (map[epiloop.CounterKey]int64, error) {
	m, err := tx.allCounters("stat_counters")
	return m, wrap(err, "all stat counters")
}
