package postgres

import (
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// UpsertSites writes each site's unit and details.
func (tx *Tx) UpsertSites(ss []epiloop.Site) error {
	for _, s := range ss {
		if err := tx.UpsertUnits([]epiloop.Unit{s.Unit()}); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO sites (code, capacity, address) VALUES ($1, $2, $3)
			ON CONFLICT (code) DO UPDATE SET capacity = excluded.capacity, address = excluded.address`,
			s.Code, s.Capacity, s.Address); err != nil {
			return wrap(err, "upsert site")
		}
	}
	return nil
}

// FindSites returns the sites, of one district when given, by code, each
// with the number of active plans placed there.
func (tx *Tx) FindSites(district *string) ([]epiloop.Site, error) {
	rows, err := tx.query(`SELECT u.code, u.name, u.district_code, s.address, s.capacity,
			`+epiloop.SiteOccupancySQL()+`
		FROM units u JOIN sites s ON s.code = u.code
		WHERE u.kind = 'isolation_site' AND ($1::text IS NULL OR u.district_code = $1)
		ORDER BY u.code`, district)
	if err != nil {
		return nil, wrap(err, "find sites")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (s epiloop.Site, err error) {
		err = r.Scan(&s.Code, &s.Name, &s.DistrictCode, &s.Address, &s.Capacity, &s.Occupancy)
		return s, err
	})
	return out, wrap(err, "find sites")
}

// FindSiteByCode returns one site with its occupancy. With lock the site's
// row is locked first, in a statement of its own, and the occupancy counted
// after: a placement that waited for another sees the plan the other one
// committed (READ COMMITTED: each statement sees what committed before it
// began).
func (tx *Tx) FindSiteByCode(code string, lock bool) (*epiloop.Site, error) {
	if lock {
		if err := tx.execOne("err.site_not_found", `SELECT 1 FROM sites WHERE code = $1 FOR UPDATE`, code); err != nil {
			return nil, wrap(err, "find site")
		}
	}
	var s epiloop.Site
	err := tx.queryRow(`SELECT u.code, u.name, u.district_code, s.address, s.capacity,
			`+epiloop.SiteOccupancySQL()+`
		FROM units u JOIN sites s ON s.code = u.code
		WHERE u.kind = 'isolation_site' AND u.code = $1`, code).
		Scan(&s.Code, &s.Name, &s.DistrictCode, &s.Address, &s.Capacity, &s.Occupancy)
	if err != nil {
		return nil, wrap(noRows(err, "err.site_not_found"), "find site")
	}
	return &s, nil
}

const observationColumns = `o.id, COALESCE(o.lead_id, 0), o.kind, o.status, o.start_date, o.end_date, o.unit_code,
	o.district_code, o.site, o.proposal, o.overdue, o.missed, o.last_check, o.check_due, o.escalate_at,
	o.override, o.end_reason, o.hospital, o.created_at, o.updated_at, o.ended_at,
	p.id, p.id_enc, p.name, p.phone_enc`

const observationFrom = ` FROM observations o JOIN persons p ON p.id = o.person_id`

func (tx *Tx) scanObservation(s scanner) (*epiloop.Observation, error) {
	var (
		o                     epiloop.Observation
		escalate, created     pgtype.Timestamptz
		updated, ended        pgtype.Timestamptz
		idSealed, phoneSealed []byte
	)
	if err := s.Scan(&o.ID, &o.LeadID, &o.Kind, &o.Status, &o.Start, &o.End, &o.UnitCode,
		&o.DistrictCode, &o.Site, &o.Proposal, &o.Overdue, &o.Missed, &o.LastCheck, &o.CheckDue, &escalate,
		&o.Override, tx.opened(&o.EndReason), tx.opened(&o.Hospital), &created, &updated, &ended,
		&o.Person.ID, &idSealed, tx.opened(&o.Person.Name), &phoneSealed); err != nil {
		return nil, err
	}
	if err := tx.openPerson(&o.Person, idSealed, phoneSealed); err != nil {
		return nil, err
	}
	o.EscalateAt, o.CreatedAt, o.UpdatedAt, o.EndedAt = timeOf(escalate), timeOf(created), timeOf(updated), timePtrOf(ended)
	return &o, nil
}

func (tx *Tx) collectObservations(rows pgx.Rows) ([]*epiloop.Observation, error) {
	return collect(rows, func(r pgx.CollectableRow) (*epiloop.Observation, error) { return tx.scanObservation(r) })
}

// observationValues returns the plan's mutable columns in the order
// status, unit_code, district_code, site, proposal, overdue, missed,
// last_check, check_due, escalate_at, override, end_reason, hospital,
// updated_at, ended_at.
func (tx *Tx) observationValues(o *epiloop.Observation) []any {
	return []any{string(o.Status), o.UnitCode, o.DistrictCode, o.Site, string(o.Proposal), o.Overdue, o.Missed,
		o.LastCheck, o.CheckDue, ts(o.EscalateAt), o.Override, tx.sealed(o.EndReason), tx.sealed(o.Hospital),
		ts(o.UpdatedAt), tsPtr(o.EndedAt)}
}

// CreateObservation inserts a plan and sets o.ID. A second plan for the
// lead is ECONFLICT; a missing lead or person ENOTFOUND.
func (tx *Tx) CreateObservation(o *epiloop.Observation) error {
	err := tx.queryRow(`INSERT INTO observations (status, unit_code, district_code, site, proposal, overdue,
			missed, last_check, check_due, escalate_at, override, end_reason, hospital, updated_at, ended_at,
			lead_id, person_id, kind, start_date, end_date, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULLIF($16::bigint, 0), $17, $18, $19, $20, $21)
		RETURNING id`,
		append(tx.observationValues(o), o.LeadID, o.Person.ID, string(o.Kind), o.Start, o.End, ts(o.CreatedAt))...).Scan(&o.ID)
	return wrap(constraintError(err, "err.lead_already_has_observation_plan", "err.lead_or_person_not_found"), "create observation")
}

// UpdateObservation writes the plan's mutable fields.
func (tx *Tx) UpdateObservation(o *epiloop.Observation) error {
	err := tx.execOne("err.observation_not_found", `UPDATE observations SET status = $1, unit_code = $2,
			district_code = $3, site = $4, proposal = $5, overdue = $6, missed = $7, last_check = $8,
			check_due = $9, escalate_at = $10, override = $11, end_reason = $12, hospital = $13,
			updated_at = $14, ended_at = $15
		WHERE id = $16`, append(tx.observationValues(o), o.ID)...)
	return wrap(err, "update observation")
}

// FindObservationByID returns one plan with its person; with lock the
// plan's row is locked for update until the transaction ends (two checks
// of one plan at once take turns).
func (tx *Tx) FindObservationByID(id int64, lock bool) (*epiloop.Observation, error) {
	q := `SELECT ` + observationColumns + observationFrom + ` WHERE o.id = $1`
	if lock {
		q += ` FOR UPDATE OF o`
	}
	o, err := tx.scanObservation(tx.queryRow(q, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.observation_not_found"), "find observation")
	}
	return o, nil
}

// FindObservations returns one page of the plans f selects, newest first,
// and the total. A zero scope selects nothing.
func (tx *Tx) FindObservations(f epiloop.ObservationFilter) ([]*epiloop.Observation, int, error) {
	var (
		conds []string
		a     args
	)
	conds = append(conds, epiloop.ScopeSQL(f.Scope, "o.district_code", "o.unit_code", a.add, nil))
	if f.Status != nil {
		conds = append(conds, "o.status = "+a.add(string(*f.Status)))
	}
	if f.Unit != nil {
		conds = append(conds, "o.unit_code = "+a.add(*f.Unit))
	}
	if f.Kind != nil {
		conds = append(conds, "o.kind = "+a.add(string(*f.Kind)))
	}
	if f.Before > 0 {
		conds = append(conds, "o.id < "+a.add(f.Before))
	}
	where := strings.Join(conds, " AND ")
	total, err := tx.countRows(f.NoCount, "observations o", where, a...)
	if err != nil {
		return nil, 0, err
	}
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+observationColumns+observationFrom+` WHERE `+where+`
		ORDER BY o.id DESC LIMIT `+a.add(epiloop.PageLimit(f.Limit))+` OFFSET `+a.add(offset), a...)
	if err != nil {
		return nil, 0, wrap(err, "find observations")
	}
	out, err := tx.collectObservations(rows)
	if total < 0 {
		total = len(out)
	}
	return out, total, wrap(err, "find observations")
}

// FindDueObservations returns active plans whose escalation is due at now,
// the longest due first; limit defaults to 50 and is at most 1000.
func (tx *Tx) FindDueObservations(now time.Time, limit int) ([]*epiloop.Observation, error) {
	rows, err := tx.query(`SELECT `+observationColumns+observationFrom+`
		WHERE o.status = 'active' AND o.escalate_at <= $1
		ORDER BY o.escalate_at, o.id LIMIT $2`, msUTC(now), epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find due observations")
	}
	out, err := tx.collectObservations(rows)
	return out, wrap(err, "find due observations")
}

// CreateObservationCheck inserts a daily check and sets c.ID.
func (tx *Tx) CreateObservationCheck(c *epiloop.ObservationCheck) error {
	err := tx.queryRow(`INSERT INTO observation_checks (observation_id, date, time, temperature, symptoms,
			present, note, by_user)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.ObservationID, c.Date, msUTC(c.Time), c.Temperature, c.Symptoms, c.Present, tx.sealed(c.Note), nullID(c.By)).Scan(&c.ID)
	return wrap(constraintError(err, "err.check_already_exists", "err.observation_not_found"), "create observation check")
}

// FindObservationChecks returns a plan's checks, oldest first.
func (tx *Tx) FindObservationChecks(observationID int64) ([]*epiloop.ObservationCheck, error) {
	rows, err := tx.query(`SELECT id, observation_id, date, time, temperature, symptoms, present, note, by_user
		FROM observation_checks WHERE observation_id = $1 ORDER BY id`, observationID)
	if err != nil {
		return nil, wrap(err, "find observation checks")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (*epiloop.ObservationCheck, error) {
		var (
			c  epiloop.ObservationCheck
			t  pgtype.Timestamptz
			by pgtype.Int8
		)
		if err := r.Scan(&c.ID, &c.ObservationID, &c.Date, &t, &c.Temperature, &c.Symptoms, &c.Present,
			tx.opened(&c.Note), &by); err != nil {
			return nil, err
		}
		c.Time, c.By = timeOf(t), by.Int64
		return &c, nil
	})
	return out, wrap(err, "find observation checks")
}

// CreateObservationEscalation records that the check of date was missed.
// It reports false when that was already recorded (by this transaction or
// one that committed first, on any replica).
func (tx *Tx) CreateObservationEscalation(observationID int64, date string, at time.Time) (bool, error) {
	tag, err := tx.exec(`INSERT INTO observation_escalations (observation_id, date, at) VALUES ($1, $2, $3)
		ON CONFLICT (observation_id, date) DO NOTHING`, observationID, date, msUTC(at))
	if err != nil {
		return false, wrap(constraintError(err, "err.escalation_already_exists", "err.observation_not_found"), "create observation escalation")
	}
	return tag.RowsAffected() == 1, nil
}
