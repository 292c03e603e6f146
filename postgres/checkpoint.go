package postgres

import (
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// UpsertCheckpoints writes each checkpoint's unit and details.
func (tx *Tx) UpsertCheckpoints(cs []epiloop.Checkpoint) error {
	for _, c := range cs {
		if err := tx.UpsertUnits([]epiloop.Unit{c.Unit()}); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO checkpoints (code, kind, location) VALUES ($1, $2, $3)
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
		a     args
	)
	conds = append(conds, epiloop.ScopeSQL(f.Scope, "u.district_code", "u.code", a.add, nil))
	if f.Kind != nil {
		conds = append(conds, "COALESCE(c.kind, 'other') = "+a.add(string(*f.Kind)))
	}
	if f.District != nil {
		conds = append(conds, "u.district_code = "+a.add(*f.District))
	}
	where := ""
	if len(conds) > 0 {
		where = " AND " + strings.Join(conds, " AND ")
	}
	var total int
	if err := tx.queryRow(`SELECT COUNT(*)`+checkpointFrom+where, a...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count checkpoints")
	}
	offset := max(f.Offset, 0)
	if offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+checkpointColumns+checkpointFrom+where+` ORDER BY u.code LIMIT `+
		a.add(epiloop.PageLimit(f.Limit))+` OFFSET `+a.add(offset), a...)
	if err != nil {
		return nil, 0, wrap(err, "find checkpoints")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (epiloop.Checkpoint, error) { return scanCheckpoint(r) })
	return out, total, wrap(err, "find checkpoints")
}

// FindCheckpointByCode returns one checkpoint; a unit of another kind is
// not found.
func (tx *Tx) FindCheckpointByCode(code string) (*epiloop.Checkpoint, error) {
	c, err := scanCheckpoint(tx.queryRow(`SELECT `+checkpointColumns+checkpointFrom+` AND u.code = $1`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.checkpoint_not_found"), "find checkpoint")
	}
	return &c, nil
}

// CreateScreening inserts the screening and its occupants and sets s.ID.
// The checkpoint's unit and any lead named must exist.
func (tx *Tx) CreateScreening(s *epiloop.Screening) error {
	err := tx.queryRow(`INSERT INTO screenings (checkpoint_code, district_code, time, direction, plate, train,
			carriage, risk_version, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		s.CheckpointCode, s.DistrictCode, msUTC(s.Time), string(s.Direction), tx.sealed(s.Plate), s.Train,
		s.Carriage, s.RiskVersion, ts(s.CreatedAt), nullID(s.CreatedBy)).Scan(&s.ID)
	if err != nil {
		return wrap(constraintError(err, "err.screening_already_exists", "err.checkpoint_not_found"), "create screening")
	}
	if len(s.Occupants) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, o := range s.Occupants {
		vals, err := tx.personValues(&o.Person)
		if err != nil {
			return wrap(err, "create screening")
		}
		b.Queue(`INSERT INTO screening_occupants (id_key, id_enc, phone_key, phone_enc, name,
				screening_id, seq, origin, destination, temperature, symptoms, decision, risk_area, lead_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			// An occupant has no name index (vals[5]): a screening is found
			// by ID number, and a name search goes to persons.
			append(vals[:5:5], s.ID, o.Seq, tx.sealed(o.Origin), tx.sealed(o.Destination), o.Temperature, o.Symptoms,
				string(o.Decision), o.RiskArea, nullID(o.LeadID))...)
	}
	if err = tx.sendWrites(); err == nil {
		err = tx.tx.SendBatch(tx.ctx, b).Close()
	}
	return wrap(constraintError(err, "err.occupant_already_exists", "err.lead_not_found"), "create screening")
}

// SetOccupantLead records the lead an occupant became.
func (tx *Tx) SetOccupantLead(screeningID int64, seq int, leadID int64) error {
	err := tx.execOne("err.occupant_not_found", `UPDATE screening_occupants SET lead_id = $1
		WHERE screening_id = $2 AND seq = $3`, leadID, screeningID, seq)
	return wrap(constraintError(err, "", "err.lead_not_found"), "set occupant lead")
}

const screeningColumns = `id, checkpoint_code, district_code, time, direction, plate, train, carriage,
	risk_version, created_at, created_by`

func (tx *Tx) scanScreening(s scanner) (*epiloop.Screening, error) {
	var (
		sc         epiloop.Screening
		t, created pgtype.Timestamptz
		createdBy  pgtype.Int8
	)
	if err := s.Scan(&sc.ID, &sc.CheckpointCode, &sc.DistrictCode, &t, &sc.Direction, tx.opened(&sc.Plate), &sc.Train,
		&sc.Carriage, &sc.RiskVersion, &created, &createdBy); err != nil {
		return nil, err
	}
	sc.Time, sc.CreatedAt, sc.CreatedBy = timeOf(t), timeOf(created), createdBy.Int64
	return &sc, nil
}

// FindScreeningByID returns one screening with its occupants.
func (tx *Tx) FindScreeningByID(id int64) (*epiloop.Screening, error) {
	s, err := tx.scanScreening(tx.queryRow(`SELECT `+screeningColumns+` FROM screenings WHERE id = $1`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.screening_not_found"), "find screening")
	}
	return s, wrap(tx.loadOccupants([]*epiloop.Screening{s}), "find screening")
}

// FindScreenings returns one page of the screenings f selects, newest
// first, with their occupants, and the total.
func (tx *Tx) FindScreenings(f epiloop.ScreeningFilter) ([]*epiloop.Screening, int, error) {
	var (
		conds = []string{"TRUE"}
		a     args
	)
	if f.Checkpoint != nil {
		conds = append(conds, "checkpoint_code = "+a.add(*f.Checkpoint))
	}
	if f.Since != nil {
		conds = append(conds, "time >= "+a.add(msUTC(*f.Since)))
	}
	if f.Before > 0 {
		conds = append(conds, "id < "+a.add(f.Before))
	}
	where := strings.Join(conds, " AND ")
	total, err := tx.countRows(f.NoCount, "screenings", where, a...)
	if err != nil {
		return nil, 0, err
	}
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+screeningColumns+` FROM screenings WHERE `+where+`
		ORDER BY id DESC LIMIT `+a.add(epiloop.PageLimit(f.Limit))+` OFFSET `+a.add(offset), a...)
	if err != nil {
		return nil, 0, wrap(err, "find screenings")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (*epiloop.Screening, error) { return tx.scanScreening(r) })
	if err != nil {
		return nil, 0, wrap(err, "find screenings")
	}
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
		FROM screening_occupants WHERE screening_id = ANY($1)
		ORDER BY screening_id, seq`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			o           epiloop.Occupant
			sid         int64
			idE, phoneE []byte
			lead        pgtype.Int8
		)
		if err := rows.Scan(&sid, &o.Seq, &idE, &phoneE, tx.opened(&o.Person.Name), tx.opened(&o.Origin), tx.opened(&o.Destination),
			&o.Temperature, &o.Symptoms, &o.Decision, &o.RiskArea, &lead); err != nil {
			return err
		}
		if err := tx.openPerson(&o.Person, idE, phoneE); err != nil {
			return err
		}
		o.LeadID = lead.Int64
		if s := by[sid]; s != nil {
			s.Occupants = append(s.Occupants, &o)
		}
	}
	return rows.Err()
}

// CreateRiskArea appends a version of a risk area and sets a.Version.
// Versions are drawn under the log lock, so they are in commit order: a
// list "as of version v" never gains an older version later.
func (tx *Tx) CreateRiskArea(a *epiloop.RiskArea) error {
	if err := tx.lockLogs(); err != nil {
		return err
	}
	err := tx.queryRow(`INSERT INTO risk_areas (code, level, from_date, to_date, note, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		a.Code, string(a.Level), a.From, a.To, a.Note, ts(a.CreatedAt), nullID(a.CreatedBy)).Scan(&a.Version)
	return wrap(err, "create risk area")
}

const riskAreaColumns = `id, code, level, from_date, to_date, note, created_at, created_by`

func scanRiskArea(s scanner) (epiloop.RiskArea, error) {
	var (
		a       epiloop.RiskArea
		created pgtype.Timestamptz
		by      pgtype.Int8
	)
	err := s.Scan(&a.Version, &a.Code, &a.Level, &a.From, &a.To, &a.Note, &created, &by)
	a.CreatedAt, a.CreatedBy = timeOf(created), by.Int64
	return a, err
}

// FindRiskAreas returns the areas in force at version asOf (0: latest).
func (tx *Tx) FindRiskAreas(asOf int64) (*epiloop.RiskAreaSet, error) {
	set := &epiloop.RiskAreaSet{}
	if err := tx.queryRow(`SELECT COALESCE(MAX(id), 0) FROM risk_areas WHERE $1::bigint = 0 OR id <= $1`, asOf).
		Scan(&set.Version); err != nil {
		return nil, wrap(err, "find risk areas")
	}
	rows, err := tx.query(`SELECT `+riskAreaColumns+` FROM risk_areas r
		WHERE r.id = (SELECT MAX(id) FROM risk_areas x WHERE x.code = r.code AND x.id <= $1)
			AND r.level <> 'none'
		ORDER BY r.code`, set.Version)
	if err != nil {
		return nil, wrap(err, "find risk areas")
	}
	set.Areas, err = collect(rows, func(r pgx.CollectableRow) (epiloop.RiskArea, error) { return scanRiskArea(r) })
	return set, wrap(err, "find risk areas")
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
	rows, err := tx.query(`SELECT `+riskAreaColumns+` FROM risk_areas ORDER BY id DESC LIMIT $1 OFFSET $2`,
		epiloop.PageLimit(limit), offset)
	if err != nil {
		return nil, 0, wrap(err, "find risk area history")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (epiloop.RiskArea, error) { return scanRiskArea(r) })
	return out, total, wrap(err, "find risk area history")
}
