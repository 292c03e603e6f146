package loop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

// Volunteers (epiloop/volunteer.go): registration into a unit's pool,
// status and vetting, the audited reveal, assignment to duty slots beside
// the roster's staff, check-in and check-out, and the pools' figures.
// Every change writes its event and audit entry in its transaction; a
// volunteer outside the caller's scope reads as missing.

func volunteerNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.volunteer_not_found") }

func volunteerObject(id int64) string { return fmt.Sprintf("volunteer:%d", id) }

// volunteerEvent is an event of v: its district and units see it; its data
// carries ids and states only.
func volunteerEvent(kind string, v *epiloop.Volunteer, now time.Time, u *epiloop.User, data map[string]any) *epiloop.Event {
	if data == nil {
		data = map[string]any{}
	}
	data["volunteer"] = v.ID
	e := epiloop.NewEvent(kind, nil, now, u.ID, data)
	e.District, e.Units = v.DistrictCode, v.Units()
	return e
}

// recordVolunteer writes v's event and audit entry.
func (s *Service) recordVolunteer(tx epiloop.Tx, u *epiloop.User, kind string, v *epiloop.Volunteer, now time.Time, data map[string]any) error {
	if err := tx.CreateEvent(volunteerEvent(kind, v, now, u, data)); err != nil {
		return err
	}
	return s.audit(tx, u, epiloop.AuditChange, volunteerObject(v.ID), kind)
}

// servedCommunity returns the community code names, when u's unit may
// register volunteers for it.
func (s *Service) servedCommunity(u *epiloop.User, code string) (*epiloop.Community, error) {
	cm, ok := s.Community(code)
	if !ok {
		return nil, epiloop.FieldError("community", "err.volunteer_community_unknown")
	}
	if !epiloop.UnitServes(u.UnitCode, &cm) {
		return nil, epiloop.FieldError("community", "err.volunteer_community_not_served")
	}
	return &cm, nil
}

// placeVolunteer fills the pool, community, district and station of a new
// volunteer of u's unit in cm.
func placeVolunteer(v *epiloop.Volunteer, u *epiloop.User, cm *epiloop.Community, now time.Time) {
	v.UnitCode, v.CommunityCode, v.DistrictCode, v.StationCode = u.UnitCode, cm.Code, cm.DistrictCode, cm.Station
	v.Status, v.Vetting = epiloop.VolunteerActive, epiloop.VettingPending
	v.VettedBy, v.VettedAt, v.MinutesServed = 0, nil, 0
	v.CreatedBy, v.CreatedAt, v.UpdatedAt = u.ID, now, now
}

// personOf finds the volunteer's person by blind index, or records them.
func personOf(tx epiloop.Tx, p *epiloop.Person) error {
	found, err := tx.FindPerson(p)
	switch {
	case err == nil:
		p.ID = found.ID
		return nil
	case epiloop.ErrorCode(err) != epiloop.ENOTFOUND:
		return err
	}
	return tx.CreatePerson(p)
}

// RegisterVolunteer registers a person into the caller's unit's pool for
// a community it serves: active, vetting pending.
func (s *Service) RegisterVolunteer(ctx context.Context, v *epiloop.Volunteer) (*epiloop.Volunteer, error) {
	u, err := allowed(ctx, epiloop.ActRegisterVolunteers)
	if err != nil {
		return nil, err
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	cm, err := s.servedCommunity(u, v.CommunityCode)
	if err != nil {
		return nil, err
	}
	now := s.now()
	placeVolunteer(v, u, cm, now)
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := personOf(tx, &v.Person); err != nil {
			return err
		}
		if err := tx.CreateVolunteer(v); err != nil {
			return err
		}
		return s.recordVolunteer(tx, u, epiloop.EventVolunteerRegistered, v, now,
			map[string]any{"community": v.CommunityCode, "unit": v.UnitCode})
	})
	if err != nil {
		return nil, err
	}
	s.volunteerTiles.forget()
	s.notify()
	m := v.Masked()
	return &m, nil
}

// scopeVolunteers narrows f to what u may read.
func scopeVolunteers(u *epiloop.User, f *epiloop.VolunteerFilter) {
	narrowToScope(u, &f.District, &f.Unit)
}

// VolunteerPool is one page of a pool, masked, with the tally of the
// whole selection (its status and skill filters aside).
type VolunteerPool struct {
	Volunteers []epiloop.Volunteer    `json:"volunteers"`
	Total      int                    `json:"total"`
	Tally      epiloop.VolunteerTally `json:"tally"`
	Figures    map[string]int64       `json:"figures"`
}

// FindVolunteers returns a page of the volunteers f selects within the
// caller's scope, masked, and the selection's figures.
func (s *Service) FindVolunteers(ctx context.Context, f epiloop.VolunteerFilter) (*VolunteerPool, error) {
	u, err := allowed(ctx, epiloop.ActReadVolunteers)
	if err != nil {
		return nil, err
	}
	scopeVolunteers(u, &f)
	out := &VolunteerPool{}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		var err error
		if out.Volunteers, out.Total, err = tx.FindVolunteers(f); err != nil {
			return err
		}
		ts, err := tx.TallyVolunteers(f, "")
		if len(ts) > 0 {
			out.Tally = ts[0]
		} else {
			out.Tally = epiloop.VolunteerTally{Status: map[epiloop.VolunteerStatus]int64{}, Vetting: map[epiloop.Vetting]int64{}}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range out.Volunteers {
		out.Volunteers[i] = out.Volunteers[i].Masked()
	}
	out.Figures = out.Tally.Figures()
	return out, nil
}

// VolunteerView is one volunteer, masked, with their latest assignments.
type VolunteerView struct {
	epiloop.Volunteer
	Assignments []epiloop.VolunteerAssignment `json:"assignments"`
}

// MaxVolunteerAssignmentsShown bounds the assignments a volunteer's view
// lists (and the overlap check reads).
const MaxVolunteerAssignmentsShown = 50

// visibleVolunteer loads a volunteer u may read; any other reads as
// missing.
func visibleVolunteer(tx epiloop.Tx, u *epiloop.User, id int64, lock bool) (*epiloop.Volunteer, error) {
	v, err := tx.FindVolunteerByID(id, lock)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && !epiloop.VolunteerVisible(u, v) {
		return nil, volunteerNotFound()
	}
	return v, err
}

// FindVolunteer returns one volunteer, masked, with their assignments.
func (s *Service) FindVolunteer(ctx context.Context, id int64) (*VolunteerView, error) {
	u, err := allowed(ctx, epiloop.ActReadVolunteers)
	if err != nil {
		return nil, err
	}
	var out VolunteerView
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		v, err := visibleVolunteer(tx, u, id, false)
		if err != nil {
			return err
		}
		out.Volunteer = v.Masked()
		out.Assignments, err = tx.FindVolunteerAssignments(id, MaxVolunteerAssignmentsShown)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RevealVolunteer returns a volunteer's full identity for a stated
// purpose, audited like a lead's reveal.
func (s *Service) RevealVolunteer(ctx context.Context, id int64, purpose string) (epiloop.Person, error) {
	u, err := allowed(ctx, epiloop.ActReadVolunteers)
	if err != nil {
		return epiloop.Person{}, err
	}
	purpose, err = checkPurpose(purpose)
	if err != nil {
		return epiloop.Person{}, err
	}
	var p epiloop.Person
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		v, err := visibleVolunteer(tx, u, id, false)
		if err != nil {
			return err
		}
		if !u.Can(epiloop.ActReveal) {
			return forbidden()
		}
		p = v.Person
		p.ID = 0
		e := epiloop.NewAuditEntry(u, epiloop.AuditReveal, volunteerObject(id), s.now())
		e.Purpose = purpose
		return tx.AppendAudit(e)
	})
	return p, err
}

// VolunteerUpdate changes a volunteer's team, skills or availability
// (nil: unchanged) or status.
type VolunteerUpdate struct {
	Team         *string                  `json:"team"`
	Skills       *[]epiloop.Skill         `json:"skills"`
	Availability *string                  `json:"availability"`
	Status       *epiloop.VolunteerStatus `json:"status"`
}

// UpdateVolunteer applies up for the volunteer's pool or station: the
// status moves by the status machine.
func (s *Service) UpdateVolunteer(ctx context.Context, id int64, up VolunteerUpdate) (*epiloop.Volunteer, error) {
	return s.changeVolunteer(ctx, epiloop.ActRegisterVolunteers, id, func(tx epiloop.Tx, u *epiloop.User, v *epiloop.Volunteer) (string, map[string]any, error) {
		if !epiloop.MayEditVolunteer(u, v) {
			return "", nil, forbidden()
		}
		if up.Status != nil {
			if !up.Status.Valid() {
				return "", nil, epiloop.FieldError("status", "err.volunteer_status_unknown")
			}
			if !v.Status.CanBecome(*up.Status) {
				return "", nil, epiloop.Errorf(epiloop.ECONFLICT, "err.volunteer_status_move", string(v.Status), string(*up.Status)).WithReason("volunteer_status")
			}
			data := map[string]any{"from": v.Status, "to": *up.Status}
			v.Status = *up.Status
			return epiloop.EventVolunteerStatus, data, nil
		}
		if up.Team != nil {
			v.Team = *up.Team
		}
		if up.Skills != nil {
			v.Skills = *up.Skills
		}
		if up.Availability != nil {
			v.Availability = *up.Availability
		}
		if err := v.Validate(); err != nil {
			return "", nil, err
		}
		return epiloop.EventVolunteerUpdated, nil, nil
	})
}

// VetVolunteer records the station's decision on a pending volunteer.
func (s *Service) VetVolunteer(ctx context.Context, id int64, decision epiloop.Vetting) (*epiloop.Volunteer, error) {
	if !decision.Decided() {
		return nil, epiloop.FieldError("vetting", "err.volunteer_vetting_decision")
	}
	return s.changeVolunteer(ctx, epiloop.ActVetVolunteers, id, func(tx epiloop.Tx, u *epiloop.User, v *epiloop.Volunteer) (string, map[string]any, error) {
		if !epiloop.MayVet(u, v) {
			return "", nil, forbidden()
		}
		if v.Vetting != epiloop.VettingPending {
			return "", nil, epiloop.Errorf(epiloop.ECONFLICT, "err.volunteer_vetted_already").WithReason("volunteer_vetted")
		}
		now := s.now()
		v.Vetting, v.VettedBy, v.VettedAt = decision, u.ID, &now
		return epiloop.EventVolunteerVetted, map[string]any{"vetting": decision}, nil
	})
}

// changeVolunteer runs fn on a volunteer the caller sees, locked, and
// writes it with fn's event.
func (s *Service) changeVolunteer(ctx context.Context, act epiloop.Action, id int64,
	fn func(tx epiloop.Tx, u *epiloop.User, v *epiloop.Volunteer) (string, map[string]any, error)) (*epiloop.Volunteer, error) {
	u, err := allowed(ctx, act)
	if err != nil {
		return nil, err
	}
	var out epiloop.Volunteer
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		v, err := visibleVolunteer(tx, u, id, true)
		if err != nil {
			return err
		}
		kind, data, err := fn(tx, u, v)
		if err != nil {
			return err
		}
		v.UpdatedAt = s.now()
		if err := tx.UpdateVolunteer(v); err != nil {
			return err
		}
		out = v.Masked()
		return s.recordVolunteer(tx, u, kind, v, v.UpdatedAt, data)
	})
	if err != nil {
		return nil, err
	}
	s.volunteerTiles.forget()
	s.notify()
	return &out, nil
}

// AssignVolunteer puts an active, vetted volunteer on a duty slot that
// has not ended, within the post's MaxStaff counted with its staff, and
// not overlapping another slot of theirs.
func (s *Service) AssignVolunteer(ctx context.Context, id, slotID int64) (*epiloop.VolunteerAssignment, error) {
	u, err := allowed(ctx, epiloop.ActAssignVolunteers)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var a *epiloop.VolunteerAssignment
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		v, slot, err := s.volunteerSlot(tx, u, id, slotID, true)
		if err != nil {
			return err
		}
		if err := v.Assignable(); err != nil {
			return err
		}
		if !now.Before(slot.End) {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.volunteer_slot_over").WithReason("duty_window")
		}
		n, err := tx.CountSlotVolunteers(slotID)
		if err != nil {
			return err
		}
		if len(slot.Persons)+n >= slot.Post.MaxStaff {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_slot_full", slot.Post.MaxStaff).WithReason("duty_full")
		}
		if err := volunteerOverlap(tx, id, slot); err != nil {
			return err
		}
		a = &epiloop.VolunteerAssignment{VolunteerID: id, SlotID: slotID, AssignedBy: u.ID, AssignedAt: now}
		if err := tx.CreateVolunteerAssignment(a); err != nil {
			return err
		}
		return s.recordVolunteer(tx, u, epiloop.EventVolunteerAssigned, v, now, map[string]any{"slot": slotID, "post": slot.PostID})
	})
	if err != nil {
		return nil, err
	}
	s.dutyTiles.forget()
	s.notify()
	return a, nil
}

// volunteerOverlap refuses a slot overlapping one the volunteer holds.
func volunteerOverlap(tx epiloop.Tx, id int64, slot *epiloop.DutySlot) error {
	theirs, err := tx.FindVolunteerAssignments(id, MaxVolunteerAssignmentsShown)
	if err != nil {
		return err
	}
	for _, a := range theirs {
		o, err := tx.FindDutySlotByID(a.SlotID, false)
		if err != nil {
			return err
		}
		if o.ID == slot.ID || o.Start.Before(slot.End) && slot.Start.Before(o.End) {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_overlap").WithReason("duty_overlap")
		}
	}
	return nil
}

// volunteerSlot loads a volunteer the caller sees and a slot (locked
// with lock), and checks that the caller may assign the one to the other.
func (s *Service) volunteerSlot(tx epiloop.Tx, u *epiloop.User, id, slotID int64, lock bool) (*epiloop.Volunteer, *epiloop.DutySlot, error) {
	v, err := visibleVolunteer(tx, u, id, lock)
	if err != nil {
		return nil, nil, err
	}
	slot, err := tx.FindDutySlotByID(slotID, lock)
	if err != nil {
		return nil, nil, err
	}
	node, err := tx.FindCommandNodeByCode(slot.Post.NodeCode)
	if err != nil {
		return nil, nil, err
	}
	if !epiloop.MayAssignVolunteer(u, v, node) {
		return nil, nil, forbidden()
	}
	return v, slot, nil
}

// CheckInVolunteer records a volunteer's arrival on their slot.
func (s *Service) CheckInVolunteer(ctx context.Context, id, slotID int64) (*epiloop.VolunteerAssignment, error) {
	return s.checkVolunteer(ctx, id, slotID, epiloop.EventVolunteerCheckedIn, (*epiloop.VolunteerAssignment).CheckIn)
}

// CheckOutVolunteer records a volunteer's leaving, and the minutes served.
func (s *Service) CheckOutVolunteer(ctx context.Context, id, slotID int64) (*epiloop.VolunteerAssignment, error) {
	return s.checkVolunteer(ctx, id, slotID, epiloop.EventVolunteerCheckedOut, (*epiloop.VolunteerAssignment).CheckOut)
}

func (s *Service) checkVolunteer(ctx context.Context, id, slotID int64, kind string,
	fn func(a *epiloop.VolunteerAssignment, slot *epiloop.DutySlot, now time.Time) error) (*epiloop.VolunteerAssignment, error) {
	u, err := allowed(ctx, epiloop.ActAssignVolunteers)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var a *epiloop.VolunteerAssignment
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		v, slot, err := s.volunteerSlot(tx, u, id, slotID, true)
		if err != nil {
			return err
		}
		if a, err = tx.FindVolunteerAssignment(slotID, id); err != nil {
			return err
		}
		if err := fn(a, slot, now); err != nil {
			return err
		}
		if err := tx.SetVolunteerCheck(a); err != nil {
			return err
		}
		return s.recordVolunteer(tx, u, kind, v, now, map[string]any{"slot": slotID, "minutes": a.Minutes})
	})
	if err != nil {
		return nil, err
	}
	if kind == epiloop.EventVolunteerCheckedOut {
		s.volunteerTiles.forget()
	}
	s.notify()
	return a, nil
}

// VolunteerDistrictRow is one district's volunteer figures.
type VolunteerDistrictRow struct {
	District string           `json:"district"`
	Name     string           `json:"name"`
	Figures  map[string]int64 `json:"figures"`
}

// VolunteerFigures returns the volunteer figures per district of the
// caller's scope (the dashboard tile, the daily report), kept
// volunteerTileTTL.
func (s *Service) VolunteerFigures(ctx context.Context) ([]VolunteerDistrictRow, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActDashboard) && !u.Can(epiloop.ActReport) {
		return nil, forbidden()
	}
	var f epiloop.VolunteerFilter
	sc := u.Scope()
	key := "all"
	if !sc.All {
		if sc.District == "" {
			return nil, forbidden()
		}
		f.District, key = &sc.District, sc.District
	}
	rows, ok := s.volunteerTiles.get(key, s.now())
	if !ok {
		err = s.Store.View(ctx, func(tx epiloop.Tx) error {
			ts, err := tx.TallyVolunteers(f, "district")
			rows = make([]VolunteerDistrictRow, 0, len(ts))
			for _, t := range ts {
				d, _ := s.District(t.Key)
				rows = append(rows, VolunteerDistrictRow{District: t.Key, Name: d.Name, Figures: t.Figures()})
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		s.volunteerTiles.put(key, rows, s.now())
	}
	out := make([]VolunteerDistrictRow, len(rows))
	for i, r := range rows {
		out[i] = VolunteerDistrictRow{District: r.District, Name: r.Name, Figures: u.Counts(cloneFigures(r.Figures))}
	}
	return out, nil
}

func cloneFigures(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// VolunteerTilesTTL is how long the volunteer figures of a scope are
// kept: a registration, a vetting or a check-out forgets them at once.
const VolunteerTilesTTL = 30 * time.Second

// volunteerTiles keeps the volunteer figures per scope.
type volunteerTiles struct {
	mu sync.Mutex
	by map[string]cachedVolunteerTiles
}

type cachedVolunteerTiles struct {
	at   time.Time
	rows []VolunteerDistrictRow
}

func (c *volunteerTiles) get(key string, now time.Time) ([]VolunteerDistrictRow, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.by[key]
	if !ok || now.Sub(t.at) > VolunteerTilesTTL || now.Before(t.at) {
		return nil, false
	}
	return t.rows, true
}

func (c *volunteerTiles) put(key string, rows []VolunteerDistrictRow, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string]cachedVolunteerTiles{}
	}
	c.by[key] = cachedVolunteerTiles{now, rows}
}

func (c *volunteerTiles) forget() {
	c.mu.Lock()
	c.by = nil
	c.mu.Unlock()
}

// VolunteerCommunities are the communities of the caller's pools, by
// code, for the pool page's choice: a unit's served communities, a
// district's communities; none for the city (too many to list).
func (s *Service) VolunteerCommunities(ctx context.Context) ([]epiloop.Community, error) {
	u, err := allowed(ctx, epiloop.ActReadVolunteers)
	if err != nil {
		return nil, err
	}
	sc := u.Scope()
	var out []epiloop.Community
	s.mu.RLock()
	for _, c := range s.communities {
		if sc.District != "" && c.DistrictCode == sc.District || sc.Unit != "" && (epiloop.UnitServes(sc.Unit, &c)) {
			out = append(out, c)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b epiloop.Community) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}
