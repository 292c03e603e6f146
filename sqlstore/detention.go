package sqlstore

import (
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// The detention facilities' areas, stays, staff cohorts and
// closed-management orders (epiloop/detention.go).

// detPersonColumns are the person's columns a detainee's or a cohort
// member's row carries (persons p).
const detPersonColumns = `p.id, p.id_enc, p.name, p.phone_enc`

// detPerson scans a person's columns and opens them.
type detPerson struct {
	p         *epiloop.Person
	id, phone []byte
}

func (s Store) detPersonDest(p *epiloop.Person, d *detPerson) []any {
	d.p = p
	return []any{&p.ID, &d.id, s.opened(&p.Name), &d.phone}
}

func (s Store) openDetPerson(d *detPerson) (err error) {
	if d.p.IDNumber, err = s.c.Cipher().Open(d.id); err != nil {
		return err
	}
	d.p.Phone, err = s.c.Cipher().Open(d.phone)
	return err
}

// placeholders returns n ? placeholders separated by commas.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// SaveDetentionArea creates or replaces the area of its facility and code.
func (s Store) SaveDetentionArea(a *epiloop.DetentionArea, now time.Time) error {
	err := s.c.QueryRow(`INSERT INTO detention_areas (facility_code, code, name, kind, capacity, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (facility_code, code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
			capacity = excluded.capacity, updated_at = excluded.updated_at
		RETURNING id`, a.FacilityCode, a.Code, a.Name, string(a.Kind), a.Capacity, now, now).Scan(&a.ID)
	return wrap(err, "save detention area")
}

const areaSelect = `SELECT a.id, a.facility_code, a.code, a.name, a.kind, a.capacity,
	(SELECT COUNT(*) FROM detainees d WHERE d.facility_code = a.facility_code AND d.area_code = a.code AND d.status = ?)
	FROM detention_areas a`

// FindDetentionAreas returns a facility's areas by code with their
// occupancy: the detainees present in each.
func (s Store) FindDetentionAreas(facility string) ([]epiloop.DetentionArea, error) {
	rows, err := s.c.Query(areaSelect+` WHERE a.facility_code = ? ORDER BY a.code`, string(epiloop.DetaineePresent), facility)
	out, err := collect(rows, err, func(r Rows) (epiloop.DetentionArea, error) {
		var a epiloop.DetentionArea
		var kind string
		err := r.Scan(&a.ID, &a.FacilityCode, &a.Code, &a.Name, &kind, &a.Capacity, &a.Occupancy)
		a.Kind = epiloop.AreaKind(kind)
		return a, err
	})
	return out, wrap(err, "find detention areas")
}

const detaineeColumns = `d.id, d.facility_code, d.district_code, d.unit_code, d.area_code, d.area_kind, d.status,
	d.case_ref, d.reason, COALESCE(d.observation_id, 0), d.isolation_end, d.admitted_at, d.moved_at,
	d.override_reason, d.override_by, d.ended_at, d.end_reason, d.created_at, d.updated_at, ` + detPersonColumns

const detaineeFrom = ` FROM detainees d JOIN persons p ON p.id = d.person_id`

func (s Store) scanDetainee(r Row) (epiloop.Detainee, error) {
	var d epiloop.Detainee
	var kind, status string
	var dp detPerson
	dest := append([]any{&d.ID, &d.FacilityCode, &d.DistrictCode, &d.UnitCode, &d.AreaCode, &kind, &status,
		&d.CaseRef, s.opened(&d.Reason), &d.ObservationID, &d.IsolationEnd, &d.AdmittedAt, &d.MovedAt,
		s.opened(&d.OverrideReason), &d.OverrideBy, &d.EndedAt, s.opened(&d.EndReason), &d.CreatedAt, &d.UpdatedAt},
		s.detPersonDest(&d.Person, &dp)...)
	if err := r.Scan(dest...); err != nil {
		return d, err
	}
	d.AreaKind, d.Status = epiloop.AreaKind(kind), epiloop.DetaineeStatus(status)
	return d, s.openDetPerson(&dp)
}

// CreateDetainee inserts a stay; the unique indexes keep an isolation
// cell to one detainee present and a person present once.
func (s Store) CreateDetainee(d *epiloop.Detainee) error {
	id, err := s.insert(`INSERT INTO detainees (facility_code, district_code, unit_code, person_id, area_code, area_kind,
			status, case_ref, reason, observation_id, isolation_end, admitted_at, moved_at, override_reason, override_by,
			ended_at, end_reason, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.FacilityCode, d.DistrictCode, d.UnitCode, d.Person.ID, d.AreaCode, string(d.AreaKind), string(d.Status),
		d.CaseRef, s.sealed(d.Reason), d.ObservationID, d.IsolationEnd, d.AdmittedAt, d.MovedAt,
		s.sealed(d.OverrideReason), d.OverrideBy, d.EndedAt, s.sealed(d.EndReason), d.CreatedAt, d.UpdatedAt)
	if err != nil {
		return wrap(s.c.Constraint(err, "err.detention_cell_or_person_taken", "err.detention_person_not_found"), "create detainee")
	}
	d.ID = id
	return nil
}

// UpdateDetainee writes a stay's area, status, observation, override and
// end.
func (s Store) UpdateDetainee(d *epiloop.Detainee) error {
	err := s.execOne("err.detainee_not_found", `UPDATE detainees SET area_code = ?, area_kind = ?, status = ?,
			observation_id = NULLIF(?, 0), moved_at = ?, override_reason = ?, override_by = ?, ended_at = ?,
			end_reason = ?, updated_at = ?
		WHERE id = ?`, d.AreaCode, string(d.AreaKind), string(d.Status), d.ObservationID, d.MovedAt,
		s.sealed(d.OverrideReason), d.OverrideBy, d.EndedAt, s.sealed(d.EndReason), d.UpdatedAt, d.ID)
	if err != nil {
		return wrap(s.c.Constraint(err, "err.detention_cell_or_person_taken", "err.detention_person_not_found"), "update detainee")
	}
	return nil
}

// FindDetaineeByID returns one stay with its person.
func (s Store) FindDetaineeByID(id int64) (*epiloop.Detainee, error) {
	d, err := s.scanDetainee(s.c.QueryRow(`SELECT `+detaineeColumns+detaineeFrom+` WHERE d.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.detainee_not_found"), "find detainee")
	}
	return &d, nil
}

// FindPresentDetainee returns the person's stay present in a facility
// (a person is present in one at most), or ENOTFOUND.
func (s Store) FindPresentDetainee(personID int64) (*epiloop.Detainee, error) {
	d, err := s.scanDetainee(s.c.QueryRow(`SELECT `+detaineeColumns+detaineeFrom+` WHERE d.person_id = ? AND d.status = ?`,
		personID, string(epiloop.DetaineePresent)))
	if err != nil {
		return nil, wrap(noRows(err, "err.detainee_not_found"), "find present detainee")
	}
	return &d, nil
}

// FindDetainees returns one page of a facility's stays, newest first,
// and the total.
func (s Store) FindDetainees(f epiloop.DetaineeFilter) ([]epiloop.Detainee, int, error) {
	where, args := "d.facility_code = ?", []any{f.Facility}
	if f.Status != nil {
		where, args = where+" AND d.status = ?", append(args, string(*f.Status))
	}
	total, err := s.c.Count("detainees d", where, args...)
	if err != nil {
		return nil, 0, wrap(err, "count detainees")
	}
	rows, err := s.c.Query(`SELECT `+detaineeColumns+detaineeFrom+` WHERE `+where+` ORDER BY d.id DESC LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	out, err := collect(rows, err, func(r Rows) (epiloop.Detainee, error) { return s.scanDetainee(r) })
	return out, total, wrap(err, "find detainees")
}

const cohortColumns = `id, facility_code, district_code, unit_code, name, leader_user_id, start_date, end_date, status,
	next_id, out_confirmed_by, out_confirmed_at, out_note, in_confirmed_by, in_confirmed_at, in_note,
	relieved_at, escalated_at, created_at, updated_at`

func (s Store) scanCohort(r Row) (epiloop.Cohort, error) {
	var c epiloop.Cohort
	var status string
	err := r.Scan(&c.ID, &c.FacilityCode, &c.DistrictCode, &c.UnitCode, &c.Name, &c.LeaderUserID, &c.Start, &c.End,
		&status, &c.NextID, &c.OutConfirmedBy, &c.OutConfirmedAt, s.opened(&c.OutNote), &c.InConfirmedBy,
		&c.InConfirmedAt, s.opened(&c.InNote), &c.RelievedAt, &c.EscalatedAt, &c.CreatedAt, &c.UpdatedAt)
	c.Status = epiloop.CohortStatus(status)
	return c, err
}

// SaveCohort creates (ID 0, with its members) or updates a cohort and
// its members' observations. A second cohort on site at a facility is
// ECONFLICT.
func (s Store) SaveCohort(c *epiloop.Cohort) error {
	args := []any{string(c.Status), c.NextID, c.OutConfirmedBy, c.OutConfirmedAt, s.sealed(c.OutNote), c.InConfirmedBy,
		c.InConfirmedAt, s.sealed(c.InNote), c.RelievedAt, c.EscalatedAt, c.UpdatedAt}
	if c.ID == 0 {
		id, err := s.insert(`INSERT INTO detention_cohorts (status, next_id, out_confirmed_by, out_confirmed_at, out_note,
				in_confirmed_by, in_confirmed_at, in_note, relieved_at, escalated_at, updated_at,
				facility_code, district_code, unit_code, name, leader_user_id, start_date, end_date, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append(args, c.FacilityCode, c.DistrictCode, c.UnitCode, c.Name, c.LeaderUserID, c.Start, c.End, c.CreatedAt)...)
		if err != nil {
			return wrap(s.c.Constraint(err, "err.detention_cohort_on_site", "err.detention_cohort_leader"), "create cohort")
		}
		c.ID = id
		for i, m := range c.Members {
			if _, err := s.c.Exec(`INSERT INTO detention_cohort_members (cohort_id, seq, person_id, observation_id)
				VALUES (?, ?, ?, ?)`, c.ID, i, m.Person.ID, m.ObservationID); err != nil {
				return wrap(s.c.Constraint(err, "err.detention_cohort_member_twice", "err.detention_person_not_found"), "create cohort member")
			}
		}
		return nil
	}
	err := s.execOne("err.detention_cohort_not_found", `UPDATE detention_cohorts SET status = ?, next_id = ?,
			out_confirmed_by = ?, out_confirmed_at = ?, out_note = ?, in_confirmed_by = ?, in_confirmed_at = ?,
			in_note = ?, relieved_at = ?, escalated_at = ?, updated_at = ?
		WHERE id = ?`, append(args, c.ID)...)
	if err != nil {
		return wrap(s.c.Constraint(err, "err.detention_cohort_on_site", "err.detention_cohort_not_found"), "update cohort")
	}
	for i, m := range c.Members {
		if _, err := s.c.Exec(`UPDATE detention_cohort_members SET observation_id = ? WHERE cohort_id = ? AND seq = ?`,
			m.ObservationID, c.ID, i); err != nil {
			return wrap(err, "update cohort member")
		}
	}
	return nil
}

// members loads the members of each cohort, in their order.
func (s Store) members(cs []epiloop.Cohort) error {
	for i := range cs {
		rows, err := s.c.Query(`SELECT m.observation_id, `+detPersonColumns+`
			FROM detention_cohort_members m JOIN persons p ON p.id = m.person_id
			WHERE m.cohort_id = ? ORDER BY m.seq`, cs[i].ID)
		ms, err := collect(rows, err, func(r Rows) (epiloop.CohortMember, error) {
			var m epiloop.CohortMember
			var dp detPerson
			if err := r.Scan(append([]any{&m.ObservationID}, s.detPersonDest(&m.Person, &dp)...)...); err != nil {
				return m, err
			}
			return m, s.openDetPerson(&dp)
		})
		if err != nil {
			return err
		}
		cs[i].Members = ms
	}
	return nil
}

// FindCohortByID returns one cohort with its members.
func (s Store) FindCohortByID(id int64) (*epiloop.Cohort, error) {
	c, err := s.scanCohort(s.c.QueryRow(`SELECT `+cohortColumns+` FROM detention_cohorts WHERE id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.detention_cohort_not_found"), "find cohort")
	}
	cs := []epiloop.Cohort{c}
	if err := s.members(cs); err != nil {
		return nil, wrap(err, "find cohort members")
	}
	return &cs[0], nil
}

// FindCohorts returns the cohorts f selects, newest first, with their
// members.
func (s Store) FindCohorts(f epiloop.CohortFilter) ([]epiloop.Cohort, error) {
	var conds []string
	var args []any
	if f.Facility != nil {
		conds, args = append(conds, "facility_code = ?"), append(args, *f.Facility)
	}
	if f.Status != nil {
		conds, args = append(conds, "status = ?"), append(args, string(*f.Status))
	}
	if f.EndBefore != nil {
		conds, args = append(conds, "status = ? AND end_date <= ?"), append(args, string(epiloop.CohortOnSite), *f.EndBefore)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.c.Query(`SELECT `+cohortColumns+` FROM detention_cohorts`+where+` ORDER BY id DESC LIMIT ?`,
		append(args, epiloop.PageLimit(f.Limit))...)
	out, err := collect(rows, err, func(r Rows) (epiloop.Cohort, error) { return s.scanCohort(r) })
	if err == nil {
		err = s.members(out)
	}
	return out, wrap(err, "find cohorts")
}

// CreateClosedManagement appends an order to a facility's history.
func (s Store) CreateClosedManagement(m *epiloop.ClosedManagement) error {
	ex, err := jsonText(m.Exemptions)
	if err != nil {
		return wrap(err, "create closed management")
	}
	m.ID, err = s.insert(`INSERT INTO detention_orders (facility_code, state, from_date, to_date, order_no, exceptions, by_user, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, m.FacilityCode, string(m.State), m.From, m.To, m.OrderNo, s.sealed(ex), m.By, m.At)
	return wrap(err, "create closed management")
}

// FindClosedManagement returns a facility's orders, newest first.
func (s Store) FindClosedManagement(facility string, limit int) ([]epiloop.ClosedManagement, error) {
	rows, err := s.c.Query(`SELECT id, facility_code, state, from_date, to_date, order_no, exceptions, by_user, at
		FROM detention_orders WHERE facility_code = ? ORDER BY id DESC LIMIT ?`, facility, epiloop.PageLimit(limit))
	out, err := collect(rows, err, func(r Rows) (epiloop.ClosedManagement, error) {
		var m epiloop.ClosedManagement
		var state, ex string
		if err := r.Scan(&m.ID, &m.FacilityCode, &state, &m.From, &m.To, &m.OrderNo, s.opened(&ex), &m.By, &m.At); err != nil {
			return m, err
		}
		m.State, m.Exemptions = epiloop.ClosureState(state), []epiloop.Exemption{}
		return m, fromJSON(ex, &m.Exemptions)
	})
	return out, wrap(err, "find closed management")
}

// FindDetentionStats counts each facility's detainees, isolation cells
// and staff on site on today, from the rows.
func (s Store) FindDetentionStats(codes []string, today string, fever float64) (map[string]*epiloop.DetentionStats, error) {
	out := map[string]*epiloop.DetentionStats{}
	if len(codes) == 0 {
		return out, nil
	}
	in := make([]any, len(codes))
	for i, c := range codes {
		in[i] = c
		out[c] = &epiloop.DetentionStats{FacilityCode: c}
	}
	iso, present := string(epiloop.AreaIsolation), string(epiloop.DetaineePresent)
	queries := []struct {
		q    string
		args []any
		dest func(st *epiloop.DetentionStats) []any
	}{
		{`SELECT facility_code, COUNT(*),
				COALESCE(SUM(CASE WHEN area_kind = ? AND isolation_end > ? THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN area_kind = ? AND isolation_end <= ? THEN 1 ELSE 0 END), 0)
			FROM detainees WHERE status = ? AND facility_code IN (` + placeholders(len(codes)) + `) GROUP BY facility_code`,
			[]any{iso, today, iso, today, present},
			func(st *epiloop.DetentionStats) []any { return []any{&st.Present, &st.Isolated, &st.ReadyToMove} }},
		{`SELECT a.facility_code, COUNT(*),
				COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM detainees d WHERE d.facility_code = a.facility_code
					AND d.area_code = a.code AND d.status = ?) THEN 0 ELSE 1 END), 0)
			FROM detention_areas a WHERE a.kind = ? AND a.facility_code IN (` + placeholders(len(codes)) + `) GROUP BY a.facility_code`,
			[]any{present, iso},
			func(st *epiloop.DetentionStats) []any { return []any{&st.IsolationCells, &st.IsolationCellsFree} }},
		{`SELECT c.facility_code, COUNT(*),
				COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM observation_checks k WHERE k.observation_id = m.observation_id
					AND k.date = ?) THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM observation_checks k WHERE k.observation_id = m.observation_id
					AND k.date = ? AND (k.temperature >= ? OR k.symptoms)) THEN 1 ELSE 0 END), 0)
			FROM detention_cohorts c JOIN detention_cohort_members m ON m.cohort_id = c.id
			WHERE c.status = ? AND c.facility_code IN (` + placeholders(len(codes)) + `) GROUP BY c.facility_code`,
			[]any{today, today, fever, string(epiloop.CohortOnSite)},
			func(st *epiloop.DetentionStats) []any { return []any{&st.StaffOnSite, &st.ChecksDone, &st.StaffFever} }},
	}
	for _, q := range queries {
		rows, err := s.c.Query(q.q, append(q.args, in...)...)
		if err != nil {
			return nil, wrap(err, "find detention stats")
		}
		for rows.Next() {
			var code string
			var st epiloop.DetentionStats
			if err := rows.Scan(append([]any{&code}, q.dest(&st)...)...); err != nil {
				rows.Close()
				return nil, wrap(err, "find detention stats")
			}
			if o := out[code]; o != nil {
				dst := q.dest(o)
				for i, v := range q.dest(&st) {
					*dst[i].(*int) = *v.(*int)
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap(err, "find detention stats")
		}
	}
	return out, nil
}
