package postgres

import (
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5/pgtype"
)

const volunteerColumns = `v.id, v.person_id, p.id_enc, p.name, p.phone_enc, v.unit_code, v.station_code, v.district_code,
	v.community_code, v.team, v.skills, v.availability, v.status, v.vetting, v.vetted_by, v.vetted_at, v.minutes_served,
	v.import_id, v.created_by, v.created_at, v.updated_at`

const volunteerFrom = ` FROM volunteers v JOIN persons p ON p.id = v.person_id`

const volunteerInsertColumns = `person_id, unit_code, station_code, district_code, community_code, team,
	skills, availability, status, vetting, vetted_by, vetted_at, minutes_served, import_id, created_by, created_at, updated_at`

const volunteerArity = 17

func (tx *Tx) volunteerArgs(v *epiloop.Volunteer) []any {
	return []any{v.Person.ID, v.UnitCode, v.StationCode, v.DistrictCode, v.CommunityCode, v.Team,
		epiloop.SkillMask(v.Skills), tx.sealed(v.Availability), string(v.Status), string(v.Vetting), v.VettedBy,
		tsPtr(v.VettedAt), v.MinutesServed, v.ImportID, v.CreatedBy, ts(v.CreatedAt), ts(v.UpdatedAt)}
}

// placeholders returns "($1, …, $n)" groups for rows of arity values.
func placeholders(rows, arity int) string {
	var b strings.Builder
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := 0; c < arity; c++ {
			if c > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", r*arity+c+1)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// CreateVolunteer inserts v and sets its ID.
func (tx *Tx) CreateVolunteer(v *epiloop.Volunteer) error {
	err := tx.queryRow(`INSERT INTO volunteers (`+volunteerInsertColumns+`) VALUES `+placeholders(1, volunteerArity)+
		` RETURNING id`, tx.volunteerArgs(v)...).Scan(&v.ID)
	return wrap(constraintError(err, "err.volunteer_exists", "err.person_not_found"), "create volunteer")
}

// volunteerChunk bounds one statement's rows (PostgreSQL takes at most
// 65,535 parameters).
const volunteerChunk = 2000

// CreateVolunteers inserts the volunteers not yet in their unit's pool,
// a chunk of rows a statement.
func (tx *Tx) CreateVolunteers(vs []*epiloop.Volunteer) (int, error) {
	n := 0
	for len(vs) > 0 {
		chunk := vs[:min(len(vs), volunteerChunk)]
		vs = vs[len(chunk):]
		args := make([]any, 0, len(chunk)*volunteerArity)
		byKey := map[string]*epiloop.Volunteer{}
		for _, v := range chunk {
			args = append(args, tx.volunteerArgs(v)...)
			byKey[fmt.Sprint(v.Person.ID, "/", v.UnitCode)] = v
		}
		rows, err := tx.query(`INSERT INTO volunteers (`+volunteerInsertColumns+`) VALUES `+
			placeholders(len(chunk), volunteerArity)+` ON CONFLICT (unit_code, person_id) DO NOTHING
			RETURNING id, person_id, unit_code`, args...)
		if err != nil {
			return n, wrap(constraintError(err, "err.volunteer_exists", "err.person_not_found"), "create volunteers")
		}
		for rows.Next() {
			var (
				id, person int64
				unit       string
			)
			if err := rows.Scan(&id, &person, &unit); err != nil {
				rows.Close()
				return n, wrap(err, "create volunteers")
			}
			if v := byKey[fmt.Sprint(person, "/", unit)]; v != nil {
				v.ID = id
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, wrap(constraintError(err, "err.volunteer_exists", "err.person_not_found"), "create volunteers")
		}
	}
	return n, nil
}

// UpdateVolunteer writes a volunteer's changeable fields.
func (tx *Tx) UpdateVolunteer(v *epiloop.Volunteer) error {
	err := tx.execOne("err.volunteer_not_found", `UPDATE volunteers SET team = $1, skills = $2, availability = $3, status = $4,
		vetting = $5, vetted_by = $6, vetted_at = $7, updated_at = $8 WHERE id = $9`,
		v.Team, epiloop.SkillMask(v.Skills), tx.sealed(v.Availability), string(v.Status), string(v.Vetting), v.VettedBy,
		tsPtr(v.VettedAt), ts(v.UpdatedAt), v.ID)
	return wrap(err, "update volunteer")
}

func (tx *Tx) scanVolunteer(s scanner) (epiloop.Volunteer, error) {
	var (
		v                        epiloop.Volunteer
		idE, phoneE              []byte
		skills                   int64
		vetted, created, updated pgtype.Timestamptz
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

// FindVolunteerByID loads one volunteer, locked for update with lock.
func (tx *Tx) FindVolunteerByID(id int64, lock bool) (*epiloop.Volunteer, error) {
	q := `SELECT ` + volunteerColumns + volunteerFrom + ` WHERE v.id = $1`
	if lock {
		q += ` FOR UPDATE OF v`
	}
	v, err := tx.scanVolunteer(tx.queryRow(q, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.volunteer_not_found"), "find volunteer")
	}
	return &v, nil
}

// volunteerWhere spells f's conditions; the status, vetting and skill
// conditions only with full.
func volunteerWhere(f epiloop.VolunteerFilter, full bool) (string, args) {
	conds := []string{"true"}
	var a args
	if f.Unit != nil {
		p := a.add(*f.Unit)
		if f.Community != nil {
			// The community's index drives; the pool's own would match
			// the unit's whole pool (333,000 rows), the community's 500.
			conds = append(conds, p+" IN (v.unit_code || '', v.station_code || '')")
		} else {
			conds = append(conds, "(v.unit_code = "+p+" OR v.station_code = "+p+")")
		}
	}
	if f.District != nil {
		conds = append(conds, "v.district_code = "+a.add(*f.District))
	}
	if f.Community != nil {
		conds = append(conds, "v.community_code = "+a.add(*f.Community))
	}
	if f.Team != nil {
		conds = append(conds, "v.team = "+a.add(*f.Team))
	}
	if f.Vetting != nil && full {
		conds = append(conds, "v.vetting = "+a.add(string(*f.Vetting)))
	}
	if f.Status != nil && full {
		conds = append(conds, "v.status = "+a.add(string(*f.Status)))
	}
	if f.Skill != nil && full {
		conds = append(conds, "v.skills & "+a.add(epiloop.SkillBit(*f.Skill))+"::bigint != 0")
	}
	return strings.Join(conds, " AND "), a
}

// FindVolunteers returns one page of volunteers by id, and the total.
func (tx *Tx) FindVolunteers(f epiloop.VolunteerFilter) ([]epiloop.Volunteer, int, error) {
	where, a := volunteerWhere(f, true)
	total, err := tx.countRows(false, "volunteers v", where, a...)
	if err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 || limit > epiloop.MaxVolunteerPage {
		limit = epiloop.MaxVolunteerPage
	}
	q := `SELECT ` + volunteerColumns + volunteerFrom + ` WHERE ` + where + ` ORDER BY v.id LIMIT ` + a.add(limit) +
		` OFFSET ` + a.add(f.Offset)
	rows, err := tx.query(q, a...)
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
	where, a := volunteerWhere(f, false)
	rows, err := tx.query(`SELECT `+key+`, v.status, v.vetting, count(*),
			count(*) FILTER (WHERE v.status = 'active' AND v.vetting = 'vetted'), coalesce(sum(v.minutes_served), 0)::bigint
		FROM volunteers v WHERE `+where+` GROUP BY 1, 2, 3 ORDER BY 1`, a...)
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
		at, in, out pgtype.Timestamptz
	)
	err := s.Scan(&a.ID, &a.VolunteerID, &a.SlotID, &a.AssignedBy, &at, &in, &out, &a.Minutes)
	a.AssignedAt, a.CheckedInAt, a.CheckedOutAt = timeOf(at), timePtrOf(in), timePtrOf(out)
	return a, err
}

// CreateVolunteerAssignment puts a volunteer on a slot.
func (tx *Tx) CreateVolunteerAssignment(a *epiloop.VolunteerAssignment) error {
	err := tx.queryRow(`INSERT INTO volunteer_assignments (volunteer_id, slot_id, assigned_by, assigned_at)
		VALUES ($1, $2, $3, $4) RETURNING id`, a.VolunteerID, a.SlotID, a.AssignedBy, ts(a.AssignedAt)).Scan(&a.ID)
	return wrap(constraintError(err, "err.duty_already_assigned", "err.duty_slot_not_found"), "create volunteer assignment")
}

// FindVolunteerAssignment returns a volunteer's assignment to a slot.
func (tx *Tx) FindVolunteerAssignment(slotID, volunteerID int64) (*epiloop.VolunteerAssignment, error) {
	a, err := scanAssignment(tx.queryRow(`SELECT `+assignmentColumns+` FROM volunteer_assignments
		WHERE slot_id = $1 AND volunteer_id = $2`, slotID, volunteerID))
	if err != nil {
		return nil, wrap(noRows(err, "err.duty_not_assigned"), "find volunteer assignment")
	}
	return &a, nil
}

// FindVolunteerAssignments returns a volunteer's assignments, newest first.
func (tx *Tx) FindVolunteerAssignments(volunteerID int64, limit int) ([]epiloop.VolunteerAssignment, error) {
	rows, err := tx.query(`SELECT `+assignmentColumns+` FROM volunteer_assignments WHERE volunteer_id = $1
		ORDER BY slot_id DESC LIMIT $2`, volunteerID, limit)
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
	if err := tx.execOne("err.duty_not_assigned", `UPDATE volunteer_assignments SET checked_in_at = $1, checked_out_at = $2,
		minutes = $3 WHERE id = $4`, tsPtr(a.CheckedInAt), tsPtr(a.CheckedOutAt), a.Minutes, a.ID); err != nil {
		return wrap(err, "set volunteer check")
	}
	if a.CheckedOutAt == nil {
		return nil
	}
	err := tx.execOne("err.volunteer_not_found", `UPDATE volunteers SET minutes_served = minutes_served + $1 WHERE id = $2`,
		a.Minutes, a.VolunteerID)
	return wrap(err, "set volunteer check")
}

// CountSlotVolunteers counts the volunteers on a slot.
func (tx *Tx) CountSlotVolunteers(slotID int64) (int, error) {
	var n int
	err := tx.queryRow(`SELECT count(*) FROM volunteer_assignments WHERE slot_id = $1`, slotID).Scan(&n)
	return n, wrap(err, "count slot volunteers")
}
