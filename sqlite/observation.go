package sqlite

import (
	"database/sql"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// UpsertSites writes each site's unit and details.
func (tx *Tx) UpsertSites(ss []epiloop.Site) error {
	for _, s := range ss {
		if err := tx.UpsertUnits([]epiloop.Unit{s.Unit()}); err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO sites (code, capacity, address) VALUES (?, ?, ?)
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
	var d any
	if district != nil {
		d = *district
	}
	rows, err := tx.query(`SELECT u.code, u.name, u.district_code, s.address, s.capacity,
			`+epiloop.SiteOccupancySQL()+`
		FROM units u JOIN sites s ON s.code = u.code
		WHERE u.kind = 'isolation_site' AND (?1 IS NULL OR u.district_code = ?1)
		ORDER BY u.code`, d)
	if err != nil {
		return nil, wrap(err, "find sites")
	}
	defer rows.Close()
	var out []epiloop.Site
	for rows.Next() {
		var s epiloop.Site
		if err := rows.Scan(&s.Code, &s.Name, &s.DistrictCode, &s.Address, &s.Capacity, &s.Occupancy); err != nil {
			return nil, wrap(err, "find sites")
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "find sites")
}

// FindSiteByCode returns one site with its occupancy. lock is not needed
// on SQLite: a write transaction holds the database's one write lock.
func (tx *Tx) FindSiteByCode(code string, lock bool) (*epiloop.Site, error) {
	var s epiloop.Site
	err := tx.queryRow(`SELECT u.code, u.name, u.district_code, s.address, s.capacity,
			`+epiloop.SiteOccupancySQL()+`
		FROM units u JOIN sites s ON s.code = u.code
		WHERE u.kind = 'isolation_site' AND u.code = ?`, code).
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
		o                      epiloop.Observation
		kind, status, proposal string
		escalate, created      sql.NullInt64
		updated, ended         sql.NullInt64
		idSealed, phoneSealed  []byte
	)
	if err := s.Scan(&o.ID, &o.LeadID, &kind, &status, &o.Start, &o.End, &o.UnitCode,
		&o.DistrictCode, &o.Site, &proposal, &o.Overdue, &o.Missed, &o.LastCheck, &o.CheckDue, &escalate,
		&o.Override, tx.opened(&o.EndReason), tx.opened(&o.Hospital), &created, &updated, &ended,
		&o.Person.ID, &idSealed, tx.opened(&o.Person.Name), &phoneSealed); err != nil {
		return nil, err
	}
	if err := tx.openPerson(&o.Person, idSealed, phoneSealed); err != nil {
		return nil, err
	}
	o.Kind, o.Status, o.Proposal = epiloop.ObservationKind(kind), epiloop.ObservationStatus(status), epiloop.Proposal(proposal)
	o.EscalateAt, o.CreatedAt, o.UpdatedAt, o.EndedAt = timeOf(escalate), timeOf(created), timeOf(updated), timePtrOf(ended)
	return &o, nil
}

// observationValues returns the plan's mutable columns in the order
// status, unit_code, district_code, site, proposal, overdue, missed,
// last_check, check_due, escalate_at, override, end_reason, hospital,
// updated_at, ended_at.
func (tx *Tx) observationValues(o *epiloop.Observation) []any {
	return []any{string(o.Status), o.UnitCode, o.DistrictCode, o.Site, string(o.Proposal), o.Overdue, o.Missed,
		o.LastCheck, o.CheckDue, millis(o.EscalateAt), o.Override, tx.sealed(o.EndReason), tx.sealed(o.Hospital),
		millis(o.UpdatedAt), millisPtr(o.EndedAt)}
}

// CreateObservation inserts a plan and sets o.ID. A second plan for the
// lead is ECONFLICT; a missing lead or person ENOTFOUND.
func (tx *Tx) CreateObservation(o *epiloop.Observation) error {
	res, err := tx.exec(`INSERT INTO observations (status, unit_code, district_code, site, proposal, overdue,
			missed, last_check, check_due, escalate_at, override, end_reason, hospital, updated_at, ended_at,
			lead_id, person_id, kind, start_date, end_date, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?)`,
		append(tx.observationValues(o), o.LeadID, o.Person.ID, string(o.Kind), o.Start, o.End, millis(o.CreatedAt))...)
	if err != nil {
		return wrap(constraintError(err, "err.lead_already_has_observation_plan", "err.lead_or_person_not_found"), "create observation")
	}
	o.ID, err = res.LastInsertId()
	return wrap(err, "create observation")
}

// UpdateObservation writes the plan's mutable fields.
func (tx *Tx) UpdateObservation(o *epiloop.Observation) error {
	err := tx.execOne("err.observation_not_found", `UPDATE observations SET status = ?, unit_code = ?,
			district_code = ?, site = ?, proposal = ?, overdue = ?, missed = ?, last_check = ?, check_due = ?,
			escalate_at = ?, override = ?, end_reason = ?, hospital = ?, updated_at = ?, ended_at = ?
		WHERE id = ?`, append(tx.observationValues(o), o.ID)...)
	return wrap(err, "update observation")
}

// FindObservationByID returns one plan with its person. lock is not
// needed on SQLite (see FindLeadByID).
func (tx *Tx) FindObservationByID(id int64, lock bool) (*epiloop.Observation, error) {
	o, err := tx.scanObservation(tx.queryRow(`SELECT `+observationColumns+observationFrom+` WHERE o.id = ?`, id))
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
		args  []any
	)
	conds = append(conds, epiloop.ScopeSQL(f.Scope, "o.district_code", "o.unit_code", binder(&args), nil))
	if f.Status != nil {
		conds = append(conds, "o.status = ?")
		args = append(args, string(*f.Status))
	}
	if f.Unit != nil {
		conds = append(conds, "o.unit_code = ?")
		args = append(args, *f.Unit)
	}
	if f.Kind != nil {
		conds = append(conds, "o.kind = ?")
		args = append(args, string(*f.Kind))
	}
	if f.Before > 0 {
		conds = append(conds, "o.id < ?")
		args = append(args, f.Before)
	}
	where := strings.Join(conds, " AND ")
	total, err := tx.countRows(f.NoCount, "observations o", where, args...)
	if err != nil {
		return nil, 0, err
	}
	offset := max(f.Offset, 0)
	if total >= 0 && offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+observationColumns+observationFrom+` WHERE `+where+`
		ORDER BY o.id DESC LIMIT ? OFFSET ?`, append(args, epiloop.PageLimit(f.Limit), offset)...)
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
		WHERE o.status = 'active' AND o.escalate_at <= ?
		ORDER BY o.escalate_at, o.id LIMIT ?`, now.UnixMilli(), epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find due observations")
	}
	out, err := tx.collectObservations(rows)
	return out, wrap(err, "find due observations")
}

func (tx *Tx) collectObservations(rows *sql.Rows) ([]*epiloop.Observation, error) {
	defer rows.Close()
	var out []*epiloop.Observation
	for rows.Next() {
		o, err := tx.scanObservation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CreateObservationCheck inserts a daily check and sets c.ID.
func (tx *Tx) CreateObservationCheck(c *epiloop.ObservationCheck) error {
	res, err := tx.exec(`INSERT INTO observation_checks (observation_id, date, time, temperature, symptoms,
			present, note, by_user)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ObservationID, c.Date, c.Time.UnixMilli(), c.Temperature, c.Symptoms, c.Present, tx.sealed(c.Note), nullID(c.By))
	if err != nil {
		return wrap(constraintError(err, "err.check_already_exists", "err.observation_not_found"), "create observation check")
	}
	c.ID, err = res.LastInsertId()
	return wrap(err, "create observation check")
}

// FindObservationChecks returns a plan's checks, oldest first.
func (tx *Tx) FindObservationChecks(observationID int64) ([]*epiloop.ObservationCheck, error) {
	rows, err := tx.query(`SELECT id, observation_id, date, time, temperature, symptoms, present, note, by_user
		FROM observation_checks WHERE observation_id = ? ORDER BY id`, observationID)
	if err != nil {
		return nil, wrap(err, "find observation checks")
	}
	defer rows.Close()
	var out []*epiloop.ObservationCheck
	for rows.Next() {
		var (
			c     epiloop.ObservationCheck
			t, by sql.NullInt64
		)
		if err := rows.Scan(&c.ID, &c.ObservationID, &c.Date, &t, &c.Temperature, &c.Symptoms, &c.Present,
			tx.opened(&c.Note), &by); err != nil {
			return nil, wrap(err, "find observation checks")
		}
		c.Time, c.By = timeOf(t), by.Int64
		out = append(out, &c)
	}
	return out, wrap(rows.Err(), "find observation checks")
}

// CreateObservationEscalation records that the check of date was missed.
// It reports false when that was already recorded.
func (tx *Tx) CreateObservationEscalation(observationID int64, date string, at time.Time) (bool, error) {
	res, err := tx.exec(`INSERT INTO observation_escalations (observation_id, date, at) VALUES (?, ?, ?)
		ON CONFLICT (observation_id, date) DO NOTHING`, observationID, date, at.UnixMilli())
	if err != nil {
		return false, wrap(constraintError(err, "err.escalation_already_exists", "err.observation_not_found"), "create observation escalation")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "create observation escalation")
}
