package sqlstore

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// Places, inspections, rectifications and deployments (epiloop/place.go,
// inspection.go, deployment.go).

const placeColumns = `p.id, p.code, p.kind, p.name, p.address, p.district_code, p.community_code, p.unit_code,
	p.grade, p.fever_designated, p.site_code, p.category, p.state, p.order_no, p.order_from, p.order_to,
	p.openness, p.households, p.gates, p.min_guard, p.detention_kind, p.capacity, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM deployments d WHERE d.place_id = p.id AND d.state = ?)`

func scanPlace(sc Row) (*epiloop.Place, error) {
	var (
		p                epiloop.Place
		o                epiloop.ClosureOrder
		created, updated time.Time
	)
	err := sc.Scan(&p.ID, &p.Code, &p.Kind, &p.Name, &p.Address, &p.DistrictCode, &p.CommunityCode, &p.UnitCode,
		&p.Grade, &p.FeverDesignated, &p.SiteCode, &p.Category, &p.State, &o.Number, &o.From, &o.To,
		&p.Openness, &p.Households, &p.Gates, &p.MinGuard, &p.DetentionKind, &p.Capacity, &created, &updated, &p.Coverage)
	if err != nil {
		return nil, err
	}
	if o.Number != "" {
		p.Order = &o
	}
	p.CreatedAt, p.UpdatedAt = created, updated
	return &p, nil
}

// UpsertPlace creates a place or replaces the one of its code.
func (s Store) UpsertPlace(p *epiloop.Place) (bool, error) {
	var o epiloop.ClosureOrder
	if p.Order != nil {
		o = *p.Order
	}
	vals := []any{p.Kind, p.Name, p.Address, p.DistrictCode, p.CommunityCode, p.UnitCode, p.Grade, p.FeverDesignated,
		p.SiteCode, p.Category, p.State, o.Number, o.From, o.To, p.Openness, p.Households, p.Gates, p.MinGuard,
		p.DetentionKind, p.Capacity, p.UpdatedAt}
	var id int64
	err := s.c.QueryRow(`SELECT id FROM places WHERE code = ?`, p.Code).Scan(&id)
	switch {
	case errors.Is(err, ErrNoRows):
		err := s.c.QueryRow(`INSERT INTO places (kind, name, address, district_code, community_code, unit_code, grade,
			fever_designated, site_code, category, state, order_no, order_from, order_to, openness, households, gates,
			min_guard, detention_kind, capacity, updated_at, code, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			append(vals, p.Code, p.CreatedAt)...).Scan(&p.ID)
		return true, wrap(s.c.Constraint(err, "err.place_exists", ""), "upsert place")
	case err != nil:
		return false, wrap(err, "upsert place")
	}
	p.ID = id
	_, err = s.c.Exec(`UPDATE places SET kind = ?, name = ?, address = ?, district_code = ?, community_code = ?,
		unit_code = ?, grade = ?, fever_designated = ?, site_code = ?, category = ?, state = ?, order_no = ?,
		order_from = ?, order_to = ?, openness = ?, households = ?, gates = ?, min_guard = ?, detention_kind = ?,
		capacity = ?, updated_at = ? WHERE id = ?`, append(vals, id)...)
	return false, wrap(err, "upsert place")
}

// FindPlaceByID returns one place with its coverage.
func (s Store) FindPlaceByID(id int64) (*epiloop.Place, error) {
	p, err := scanPlace(s.c.QueryRow(`SELECT `+placeColumns+` FROM places p WHERE p.id = ?`, epiloop.DeploymentOnSite, id))
	return p, wrap(noRows(err, "err.place_not_found"), "find place")
}

// FindPlaceByCode returns one place with its coverage.
func (s Store) FindPlaceByCode(code string) (*epiloop.Place, error) {
	p, err := scanPlace(s.c.QueryRow(`SELECT `+placeColumns+` FROM places p WHERE p.code = ?`, epiloop.DeploymentOnSite, code))
	return p, wrap(noRows(err, "err.place_not_found"), "find place")
}

// placeWhere is the condition of a filter.
func placeWhere(f epiloop.PlaceFilter) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Kind != nil {
		conds, args = append(conds, "p.kind = ?"), append(args, *f.Kind)
	}
	if f.State != nil {
		conds, args = append(conds, "p.state = ?"), append(args, *f.State)
	}
	if f.District != nil {
		conds, args = append(conds, "p.district_code = ?"), append(args, *f.District)
	}
	if f.Code != nil {
		conds, args = append(conds, "p.code = ?"), append(args, *f.Code)
	}
	if f.Unit != nil {
		c := "p.unit_code = ?"
		args = append(args, *f.Unit)
		if len(f.Communities) > 0 {
			c += " OR p.community_code IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(f.Communities)), ", ") + ")"
			for _, cm := range f.Communities {
				args = append(args, cm)
			}
		}
		conds = append(conds, "("+c+")")
	}
	return strings.Join(conds, " AND "), args
}

// FindPlaces returns one page of places by code, and the total.
func (s Store) FindPlaces(f epiloop.PlaceFilter) ([]epiloop.Place, int, error) {
	where, args := placeWhere(f)
	total, err := s.c.Count("places p", where, args...)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.c.Query(`SELECT `+placeColumns+` FROM places p WHERE `+where+` ORDER BY p.code LIMIT ? OFFSET ?`,
		append(append([]any{epiloop.DeploymentOnSite}, args...), epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, wrap(err, "find places")
	}
	defer rows.Close()
	var out []epiloop.Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, 0, wrap(err, "find places")
		}
		out = append(out, *p)
	}
	return out, total, wrap(rows.Err(), "find places")
}

const inspectionColumns = `id, place_id, kind, inspector_id, at, items, found_open, note, defects, rectification_id`

func (s Store) scanInspection(sc Row) (*epiloop.Inspection, error) {
	var (
		in             epiloop.Inspection
		at             time.Time
		items, defects string
	)
	if err := sc.Scan(&in.ID, &in.PlaceID, &in.Kind, &in.InspectorID, &at, s.opened(&items), &in.FoundOpen,
		s.opened(&in.Note), &defects, &in.RectificationID); err != nil {
		return nil, err
	}
	in.At = at
	if err := json.Unmarshal([]byte(items), &in.Items); err != nil {
		return nil, err
	}
	return &in, json.Unmarshal([]byte(defects), &in.Defects)
}

// CreateInspection records an inspection.
func (s Store) CreateInspection(in *epiloop.Inspection) error {
	items, err := s.sealedJSON(epiloop.NonNil(in.Items))
	if err != nil {
		return wrap(err, "create inspection")
	}
	defects, err := jsonText(epiloop.NonNil(in.Defects))
	if err != nil {
		return wrap(err, "create inspection")
	}
	err = s.c.QueryRow(`INSERT INTO inspections (place_id, kind, inspector_id, at, items, found_open, note, defects,
		rectification_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.PlaceID, in.Kind, in.InspectorID, in.At,
		items, in.FoundOpen, s.sealed(in.Note), defects, in.RectificationID).Scan(&in.ID)
	return wrap(s.c.Constraint(err, "", "err.place_not_found"), "create inspection")
}

// FindInspectionByID returns one inspection.
func (s Store) FindInspectionByID(id int64) (*epiloop.Inspection, error) {
	in, err := s.scanInspection(s.c.QueryRow(`SELECT `+inspectionColumns+` FROM inspections WHERE id = ?`, id))
	return in, wrap(noRows(err, "err.inspection_not_found"), "find inspection")
}

// FindInspections returns a place's inspections, newest first.
func (s Store) FindInspections(placeID int64, limit int) ([]epiloop.Inspection, error) {
	rows, err := s.c.Query(`SELECT `+inspectionColumns+` FROM inspections WHERE place_id = ? ORDER BY at DESC, id DESC LIMIT ?`,
		placeID, epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find inspections")
	}
	defer rows.Close()
	var out []epiloop.Inspection
	for rows.Next() {
		in, err := s.scanInspection(rows)
		if err != nil {
			return nil, wrap(err, "find inspections")
		}
		out = append(out, *in)
	}
	return out, wrap(rows.Err(), "find inspections")
}

const rectificationColumns = `r.id, r.place_id, r.inspection_id, r.district_code, r.unit_code, r.items, r.due_at,
	r.fixed_by, r.fixed_at, r.fixed_note, r.confirmed_by, r.confirmed_at, r.confirmed_fixed, r.reinspection_id,
	r.state, r.reasons, r.closed_at, r.escalated_at, r.created_at, p.code, p.name`

const rectificationFrom = ` FROM rectifications r JOIN places p ON p.id = r.place_id`

func (s Store) scanRectification(sc Row) (*epiloop.Rectification, error) {
	var (
		r                                   epiloop.Rectification
		items, reasons, note                string
		due, created                        time.Time
		fixedBy, confirmedBy, reinspection  int64
		fixedAt, confirmedAt, closed, escal *time.Time
		confirmedFixed                      bool
	)
	if err := sc.Scan(&r.ID, &r.PlaceID, &r.InspectionID, &r.DistrictCode, &r.UnitCode, &items, &due,
		&fixedBy, &fixedAt, s.opened(&note), &confirmedBy, &confirmedAt, &confirmedFixed, &reinspection,
		&r.State, &reasons, &closed, &escal, &created, &r.PlaceCode, &r.PlaceName); err != nil {
		return nil, err
	}
	r.Due, r.CreatedAt = due, created
	if fixedAt != nil {
		r.Fixed = &epiloop.RectifyReport{UserID: fixedBy, At: *fixedAt, Fixed: true, Note: note}
	}
	if confirmedAt != nil {
		r.Confirmed = &epiloop.RectifyReport{UserID: confirmedBy, At: *confirmedAt, Fixed: confirmedFixed,
			InspectionID: reinspection}
	}
	r.ClosedAt, r.EscalatedAt = closed, escal
	if err := json.Unmarshal([]byte(items), &r.Items); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(reasons), &r.Reasons); err != nil || len(r.Reasons) > 0 {
		return &r, err
	}
	r.Reasons = nil
	return &r, nil
}

// rectifyArgs are the columns of the two parties.
func (s Store) rectifyArgs(r *epiloop.Rectification) []any {
	vals := []any{int64(0), nil, s.sealed(""), int64(0), nil, false, int64(0)}
	if f := r.Fixed; f != nil {
		vals[0], vals[1], vals[2] = f.UserID, f.At, s.sealed(f.Note)
	}
	if c := r.Confirmed; c != nil {
		vals[3], vals[4], vals[5], vals[6] = c.UserID, c.At, c.Fixed, c.InspectionID
	}
	return vals
}

// SaveRectification creates or updates a rectification.
func (s Store) SaveRectification(r *epiloop.Rectification) error {
	reasons, err := jsonText(epiloop.NonNil(r.Reasons))
	if err != nil {
		return wrap(err, "save rectification")
	}
	vals := append(s.rectifyArgs(r), r.State, reasons, r.ClosedAt, r.EscalatedAt)
	if r.ID != 0 {
		err := s.execOne("err.rectification_not_found", `UPDATE rectifications SET fixed_by = ?, fixed_at = ?,
			fixed_note = ?, confirmed_by = ?, confirmed_at = ?, confirmed_fixed = ?, reinspection_id = ?, state = ?,
			reasons = ?, closed_at = ?, escalated_at = ? WHERE id = ?`, append(vals, r.ID)...)
		return wrap(err, "save rectification")
	}
	items, err := jsonText(epiloop.NonNil(r.Items))
	if err != nil {
		return wrap(err, "save rectification")
	}
	err = s.c.QueryRow(`INSERT INTO rectifications (fixed_by, fixed_at, fixed_note, confirmed_by, confirmed_at,
		confirmed_fixed, reinspection_id, state, reasons, closed_at, escalated_at, place_id, inspection_id,
		district_code, unit_code, items, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		append(vals, r.PlaceID, r.InspectionID, r.DistrictCode, r.UnitCode, items, r.Due, r.CreatedAt)...).Scan(&r.ID)
	return wrap(s.c.Constraint(err, "", "err.place_not_found"), "save rectification")
}

// FindRectificationByID returns one rectification. Its row is locked with lock.
func (s Store) FindRectificationByID(id int64, lock bool) (*epiloop.Rectification, error) {
	r, err := s.scanRectification(s.c.QueryRow(`SELECT `+rectificationColumns+rectificationFrom+` WHERE r.id = ?`+s.c.ForUpdate(lock, "r"), id))
	return r, wrap(noRows(err, "err.rectification_not_found"), "find rectification")
}

// FindRectifications returns one page of rectifications, newest first,
// and the total.
func (s Store) FindRectifications(f epiloop.RectificationFilter) ([]epiloop.Rectification, int, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.PlaceID != nil {
		conds, args = append(conds, "r.place_id = ?"), append(args, *f.PlaceID)
	}
	if f.District != nil {
		conds, args = append(conds, "r.district_code = ?"), append(args, *f.District)
	}
	if f.Unit != nil {
		conds, args = append(conds, "r.unit_code = ?"), append(args, *f.Unit)
	}
	if f.Open {
		conds = append(conds, "r.closed_at IS NULL")
	}
	if f.DueBefore != nil {
		conds, args = append(conds, "r.closed_at IS NULL AND r.escalated_at IS NULL AND r.due_at < ?"), append(args, *f.DueBefore)
	}
	where := strings.Join(conds, " AND ")
	total, err := s.c.Count("rectifications r", where, args...)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.c.Query(`SELECT `+rectificationColumns+rectificationFrom+` WHERE `+where+
		` ORDER BY r.id DESC LIMIT ? OFFSET ?`, append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, wrap(err, "find rectifications")
	}
	defer rows.Close()
	var out []epiloop.Rectification
	for rows.Next() {
		r, err := s.scanRectification(rows)
		if err != nil {
			return nil, 0, wrap(err, "find rectifications")
		}
		out = append(out, *r)
	}
	return out, total, wrap(rows.Err(), "find rectifications")
}

const deploymentColumns = `d.id, d.place_id, d.district_code, d.unit_code, d.person_name, d.police_number,
	d.person_kind, d.from_date, d.to_date, d.state, d.requested_by, d.approved_by, d.approved_at, d.checked_in_at,
	d.ended_at, d.created_at, p.code, p.name`

const deploymentFrom = ` FROM deployments d JOIN places p ON p.id = d.place_id`

func (s Store) scanDeployment(sc Row) (*epiloop.Deployment, error) {
	var (
		d                        epiloop.Deployment
		approved, checked, ended *time.Time
		created                  time.Time
	)
	if err := sc.Scan(&d.ID, &d.PlaceID, &d.DistrictCode, &d.UnitCode, s.opened(&d.PersonName), s.opened(&d.PoliceNumber),
		&d.PersonKind, &d.From, &d.To, &d.State, &d.RequestedBy, &d.ApprovedBy, &approved, &checked, &ended, &created,
		&d.PlaceCode, &d.PlaceName); err != nil {
		return nil, err
	}
	d.ApprovedAt, d.CheckedInAt, d.EndedAt = approved, checked, ended
	d.CreatedAt = created
	return &d, nil
}

// SaveDeployment creates or updates a deployment.
func (s Store) SaveDeployment(d *epiloop.Deployment) error {
	vals := []any{d.State, d.ApprovedBy, d.ApprovedAt, d.CheckedInAt, d.EndedAt}
	if d.ID != 0 {
		err := s.execOne("err.deployment_not_found", `UPDATE deployments SET state = ?, approved_by = ?,
			approved_at = ?, checked_in_at = ?, ended_at = ? WHERE id = ?`, append(vals, d.ID)...)
		return wrap(err, "save deployment")
	}
	err := s.c.QueryRow(`INSERT INTO deployments (state, approved_by, approved_at, checked_in_at, ended_at, place_id,
		district_code, unit_code, person_name, police_number, person_kind, from_date, to_date, requested_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, append(vals, d.PlaceID, d.DistrictCode, d.UnitCode,
		s.sealed(d.PersonName), s.sealed(d.PoliceNumber), d.PersonKind, d.From, d.To, d.RequestedBy, d.CreatedAt)...).Scan(&d.ID)
	return wrap(s.c.Constraint(err, "", "err.place_not_found"), "save deployment")
}

// FindDeploymentByID returns one deployment, its row locked with lock.
func (s Store) FindDeploymentByID(id int64, lock bool) (*epiloop.Deployment, error) {
	d, err := s.scanDeployment(s.c.QueryRow(`SELECT `+deploymentColumns+deploymentFrom+` WHERE d.id = ?`+s.c.ForUpdate(lock, "d"), id))
	return d, wrap(noRows(err, "err.deployment_not_found"), "find deployment")
}

// FindDeployments returns one page of deployments, newest first, and the
// total.
func (s Store) FindDeployments(f epiloop.DeploymentFilter) ([]epiloop.Deployment, int, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.PlaceID != nil {
		conds, args = append(conds, "d.place_id = ?"), append(args, *f.PlaceID)
	}
	if f.District != nil {
		conds, args = append(conds, "d.district_code = ?"), append(args, *f.District)
	}
	if f.Unit != nil {
		conds, args = append(conds, "d.unit_code = ?"), append(args, *f.Unit)
	}
	if f.State != nil {
		conds, args = append(conds, "d.state = ?"), append(args, *f.State)
	}
	where := strings.Join(conds, " AND ")
	total, err := s.c.Count("deployments d", where, args...)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.c.Query(`SELECT `+deploymentColumns+deploymentFrom+` WHERE `+where+
		` ORDER BY d.id DESC LIMIT ? OFFSET ?`, append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, wrap(err, "find deployments")
	}
	defer rows.Close()
	var out []epiloop.Deployment
	for rows.Next() {
		d, err := s.scanDeployment(rows)
		if err != nil {
			return nil, 0, wrap(err, "find deployments")
		}
		out = append(out, *d)
	}
	return out, total, wrap(rows.Err(), "find deployments")
}
