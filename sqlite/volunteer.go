package sqlite

import (
	"database/sql"
	"strings"

	"github.com/epiloop/epiloop"
)

const volunteerColumns = `v.id, v.person_id, p.id_enc, p.name, p.phone_enc, v.unit_code, v.station_code, v.district_code,
	v.community_code, v.team, v.skills, v.availability, v.status, v.vetting, v.vetted_by, v.vetted_at, v.minutes_served,
	v.import_id, v.created_by, v.created_at, v.updated_at`

const volunteerFrom = ` FROM volunteers v JOIN persons p ON p.id = v.person_id`

func (tx *Tx) volunteerArgs(v *epiloop.Volunteer) []any {
	return []any{v.Person.ID, v.UnitCode, v.StationCode, v.DistrictCode, v.CommunityCode, v.Team,
		epiloop.SkillMask(v.Skills), tx.sealed(v.Availability), string(v.Status), string(v.Vetting), v.VettedBy,
		millisPtr(v.VettedAt), v.MinutesServed, v.ImportID, v.CreatedBy, millis(v.CreatedAt), millis(v.UpdatedAt)}
}

const volunteerInsert = `INSERT INTO volunteers (person_id, unit_code, station_code, district_code, community_code, team,
	skills, availability, status, vetting, vetted_by, vetted_at, minutes_served, import_id, created_by, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateVolunteer inserts v and sets its ID.
func (tx *Tx) CreateVolunteer(v *epiloop.Volunteer) error {
	res, err := tx.exec(volunteerInsert, tx.volunteerArgs(v)...)
	if err != nil {
		return wrap(constraintError(err, "err.volunteer_exists", "err.person_not_found"), "create volunteer")
	}
	v.ID, err = res.LastInsertId()
	return wrap(err, "create volunteer")
}

// CreateVolunteers inserts the volunteers not yet in their unit's pool.
func (tx *Tx) CreateVolunteers(vs []*epiloop.Volunteer) (int, error) {
	if len(vs) == 0 {
		return 0, nil
	}
	st, err := tx.tx.PrepareContext(tx.ctx, volunteerInsert+` ON CONFLICT (unit_code, person_id) DO NOTHING`)
	if err != nil {
		return 0, wrap(err, "create volunteers")
	}
	defer st.Close()
	n := 0
	for _, v := range vs {
		res, err := st.ExecContext(tx.ctx, tx.volunteerArgs(v)...)
		if err != nil {
			return n, wrap(constraintError(err, "err.volunteer_exists", "err.person_not_found"), "create volunteers")
		}
		if k, _ := res.RowsAffected(); k > 0 {
			v.ID, _ = res.LastInsertId()
			n++
		}
	}
	return n, nil
}

// UpdateVolunteer writes a volunteer's changeable fields.
func (tx *Tx) UpdateVolunteer(v *epiloop.Volunteer) error {
	err := tx.execOne("err.volunteer_not_found", `UPDATE volunteers SET team = ?, skills = ?, availability = ?, status = ?,
		vetting = ?, vetted_by = ?, vetted_at = ?, updated_at = ? WHERE id = ?`,
		v.Team, epiloop.SkillMask(v.Skills), tx.sealed(v.Availability), string(v.Status), string(v.Vetting), v.VettedBy,
		millisPtr(v.VettedAt), millis(v.UpdatedAt), v.ID)
	return wrap(err, "update volunteer")
}

func (tx *Tx) scanVolunteer(s scanner) (epiloop.Volunteer, error) {
	var (
		v                epiloop.Volunteer
		idE, phoneE      []byte
		skills           int64
		vetted           sql.NullInt64
		created, updated sql.NullInt64
	)
	err := s.Scan(&v.ID, &v.Person.ID, &idE, tx.opened(&v.Person.Name), &phoneE, &v.UnitCode, &v.StationCode,
		&v.DistrictCode, &v.CommunityCode, &v.Team, &skills, tx.opened(&v.Availability), &v.Status, &v.Vetting,
		&v.VettedBy, &vetted, &v.MinutesServed, &v.ImportID, &v.CreatedBy, &created, &updated)
	if err != nil {
		return v, err
	}
	v.Skills = epiloop.SkillsOf(skills)
	v.VettedAt, v.CreatedAt, v.UpdatedAt = timePtrOf(vetted), timeOf(created), timeOf(updated)
	return v, tx.openPerson(&v.Person, idE, phoneE)
}

// FindVolunteerByID loads one volunteer. SQLite runs one write
// transaction at a time: lock has nothing to add.
func (tx *Tx) FindVolunteerByID(id int64, lock bool) (*epiloop.Volunteer, error) {
	v, err := tx.scanVolunteer(tx.queryRow(`SELECT `+volunteerColumns+volunteerFrom+` WHERE v.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.volunteer_not_found"), "find volunteer")
	}
	return &v, nil
}

// volunteerWhere spells f's conditions; the status and skill conditions
// only with full.
func volunteerWhere(f epiloop.VolunteerFilter, full bool) (string, []any) {
	conds := []string{"true"}
	var args []any
	if f.Unit != nil {
		if f.Community != nil {
			// The community's index drives: a unit's own index would
			// match its whole pool (333,000 rows), the community's 500.
			conds = append(conds, "? IN (+v.unit_code, +v.station_code)")
			args = append(args, *f.Unit)
		} else {
			conds = append(conds, "(v.unit_code = ? OR v.station_code = ?)")
			args = append(args, *f.Unit, *f.Unit)
		}
	}
	if f.District != nil {
		conds = append(conds, "v.district_code = ?")
		args = append(args, *f.District)
	}
	if f.Community != nil {
		conds = append(conds, "v.community_code = ?")
		args = append(args, *f.Community)
	}
	if f.Team != nil {
		conds = append(conds, "v.team = ?")
		args = append(args, *f.Team)
	}
	if f.Vetting != nil && full {
		conds = append(conds, "v.vetting = ?")
		args = append(args, string(*f.Vetting))
	}
	if f.Status != nil && full {
		conds = append(conds, "v.status = ?")
		args = append(args, string(*f.Status))
	}
	if f.Skill != nil && full {
		conds = append(conds, "v.skills & ? != 0")
		args = append(args, epiloop.SkillBit(*f.Skill))
	}
	return strings.Join(conds, " AND "), args
}

// FindVolunteers returns one page of volunteers by id, and the total.
func (tx *Tx) FindVolunteers(f epiloop.VolunteerFilter) ([]epiloop.Volunteer, int, error) {
	where, args := volunteerWhere(f, true)
	total, err := tx.countRows(false, "volunteers v", where, args...)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > epiloop.MaxVolunteerPage {
		limit = epiloop.MaxVolunteerPage
	}
	rows, err := tx.query(`SELECT `+volunteerColumns+volunteerFrom+` WHERE `+where+` ORDER BY v.id LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find volunteers")
	}
	defer rows.Close()
	out := []epiloop.Volunteer{}
	for rows.Next() {
		v, err := tx.scanVolunteer(rows)
		if err != nil {
			return nil, 0, wrap(err, "find volunteers")
		}
		out = append(out, v)
	}
	return out, total, wrap(rows.Err(), "find volunteers")
}

// TallyVolunteers counts the volunteers f selects by status and vetting.
func (tx *Tx) TallyVolunteers(f epiloop.VolunteerFilter, by string) ([]epiloop.VolunteerTally, error) {
	key := "''"
	switch by {
	case "district":
		key = "v.district_code"
	case "community":
		key = "v.community_code"
	}
	where, args := volunteerWhere(f, false)
	rows, err := tx.query(`SELECT `+key+`, v.status, v.vetting, count(*),
			sum(CASE WHEN v.status = 'active' AND v.vetting = 'vetted' THEN 1 ELSE 0 END), coalesce(sum(v.minutes_served), 0)
		FROM volunteers v WHERE `+where+` GROUP BY 1, 2, 3 ORDER BY 1`, args...)
	if err != nil {
		return nil, wrap(err, "tally volunteers")
	}
	defer rows.Close()
	var t epiloop.VolunteerTallier
	for rows.Next() {
		var (
			k, st, vet        string
			n, ready, minutes int64
		)
		if err := rows.Scan(&k, &st, &vet, &n, &ready, &minutes); err != nil {
			return nil, wrap(err, "tally volunteers")
		}
		t.Add(k, epiloop.VolunteerStatus(st), epiloop.Vetting(vet), n, ready, minutes)
	}
	return t.Tallies(), wrap(rows.Err(), "tally volunteers")
}

const assignmentColumns = `id, volunteer_id, slot_id, assigned_by, assigned_at, checked_in_at, checked_out_at, minutes`

func scanAssignment(s scanner) (epiloop.VolunteerAssignment, error) {
	var (
		a           epiloop.VolunteerAssignment
		at, in, out sql.NullInt64
	)
	err := s.Scan(&a.ID, &a.VolunteerID, &a.SlotID, &a.AssignedBy, &at, &in, &out, &a.Minutes)
	a.AssignedAt, a.CheckedInAt, a.CheckedOutAt = timeOf(at), timePtrOf(in), timePtrOf(out)
	return a, err
}

// CreateVolunteerAssignment puts a volunteer on a slot.
func (tx *Tx) CreateVolunteerAssignment(a *epiloop.VolunteerAssignment) error {
	res, err := tx.exec(`INSERT INTO volunteer_assignments (volunteer_id, slot_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?)`,
		a.VolunteerID, a.SlotID, a.AssignedBy, millis(a.AssignedAt))
	if err != nil {
		return wrap(constraintError(err, "err.duty_already_assigned", "err.duty_slot_not_found"), "create volunteer assignment")
	}
	a.ID, err = res.LastInsertId()
	return wrap(err, "create volunteer assignment")
}

// FindVolunteerAssignment returns a volunteer's assignment to a slot.
func (tx *Tx) FindVolunteerAssignment(slotID, volunteerID int64) (*epiloop.VolunteerAssignment, error) {
	a, err := scanAssignment(tx.queryRow(`SELECT `+assignmentColumns+` FROM volunteer_assignments
		WHERE slot_id = ? AND volunteer_id = ?`, slotID, volunteerID))
	if err != nil {
		return nil, wrap(noRows(err, "err.duty_not_assigned"), "find volunteer assignment")
	}
	return &a, nil
}

// FindVolunteerAssignments returns a volunteer's assignments, newest first.
func (tx *Tx) FindVolunteerAssignments(volunteerID int64, limit int) ([]epiloop.VolunteerAssignment, error) {
	rows, err := tx.query(`SELECT `+assignmentColumns+` FROM volunteer_assignments WHERE volunteer_id = ?
		ORDER BY slot_id DESC LIMIT ?`, volunteerID, limit)
	if err != nil {
		return nil, wrap(err, "find volunteer assignments")
	}
	defer rows.Close()
	out := []epiloop.VolunteerAssignment{}
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			return nil, wrap(err, "find volunteer assignments")
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err(), "find volunteer assignments")
}

// SetVolunteerCheck records an assignment's check-in and check-out, and
// on check-out adds its minutes to the volunteer's.
func (tx *Tx) SetVolunteerCheck(a *epiloop.VolunteerAssignment) error {
	if err := tx.execOne("err.duty_not_assigned", `UPDATE volunteer_assignments SET checked_in_at = ?, checked_out_at = ?,
		minutes = ? WHERE id = ?`, millisPtr(a.CheckedInAt), millisPtr(a.CheckedOutAt), a.Minutes, a.ID); err != nil {
		return wrap(err, "set volunteer check")
	}
	if a.CheckedOutAt == nil {
		return nil
	}
	err := tx.execOne("err.volunteer_not_found", `UPDATE volunteers SET minutes_served = minutes_served + ? WHERE id = ?`,
		a.Minutes, a.VolunteerID)
	return wrap(err, "set volunteer check")
}

// CountSlotVolunteers counts the volunteers on a slot.
func (tx *Tx) CountSlotVolunteers(slotID int64) (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM volunteer_assignments WHERE slot_id = ?`, slotID).Scan(&n)
	return n, wrap(err, "count slot volunteers")
}
