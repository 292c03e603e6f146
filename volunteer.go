package epiloop

import (
	"slices"
	"strings"
	"time"
)

// Volunteers (群防群治, the "盛京义勇"): residents registered by a police
// station or a community committee into its pool, vetted by the station
// of the community they serve (可信赖、可依靠), and put on duty slots at
// places (compound gates, checkpoints) beside the staff of the roster. A
// volunteer is a person like any other — identity sealed, blind-indexed,
// masked, revealed only for a stated purpose — who has no account: they
// never verify a lead and no lead data is reachable through them.

// VolunteerStatus is whether a volunteer serves.
type VolunteerStatus string

const (
	VolunteerActive VolunteerStatus = "active"
	VolunteerPaused VolunteerStatus = "paused"
	VolunteerLeft   VolunteerStatus = "left"
)

// VolunteerStatuses lists the statuses in display order.
var VolunteerStatuses = []VolunteerStatus{VolunteerActive, VolunteerPaused, VolunteerLeft}

// Valid reports whether st is a known status.
func (st VolunteerStatus) Valid() bool { return slices.Contains(VolunteerStatuses, st) }

// volunteerMoves is the status machine: an active volunteer pauses or
// leaves, a paused one comes back or leaves; one who left is gone (a new
// registration brings them back).
var volunteerMoves = map[VolunteerStatus][]VolunteerStatus{
	VolunteerActive: {VolunteerPaused, VolunteerLeft},
	VolunteerPaused: {VolunteerActive, VolunteerLeft},
}

// CanBecome reports whether a volunteer of status st may move to to.
func (st VolunteerStatus) CanBecome(to VolunteerStatus) bool {
	return slices.Contains(volunteerMoves[st], to)
}

// Vetting is a volunteer's vetting by the station.
type Vetting string

const (
	VettingPending Vetting = "pending"
	VettingVetted  Vetting = "vetted"
	VettingRefused Vetting = "refused"
)

// Vettings lists the vetting states in display order.
var Vettings = []Vetting{VettingPending, VettingVetted, VettingRefused}

// Valid reports whether v is a known vetting state.
func (v Vetting) Valid() bool { return slices.Contains(Vettings, v) }

// Decided reports whether v is a vetting decision (vetted or refused),
// the only states a vetting may set.
func (v Vetting) Decided() bool { return v == VettingVetted || v == VettingRefused }

// Skill is one of the fixed list of what a volunteer can do. The order
// of Skills is stored (a bit per skill): append, never reorder.
type Skill string

const (
	SkillGate         Skill = "gate"         // 门岗值守
	SkillTemperature  Skill = "temperature"  // 测温登记
	SkillPatrol       Skill = "patrol"       // 巡逻
	SkillDelivery     Skill = "delivery"     // 物资配送
	SkillMedical      Skill = "medical"      // 医疗卫生
	SkillPsychology   Skill = "psychology"   // 心理疏导
	SkillDriving      Skill = "driving"      // 驾驶
	SkillPublicity    Skill = "publicity"    // 宣传劝导
	SkillDisinfection Skill = "disinfection" // 消杀
)

// Skills is the fixed list, in display (and bit) order.
var Skills = []Skill{SkillGate, SkillTemperature, SkillPatrol, SkillDelivery, SkillMedical,
	SkillPsychology, SkillDriving, SkillPublicity, SkillDisinfection}

// SkillBit is the bit of s in a skill set, 0 for an unknown skill.
func SkillBit(s Skill) int64 {
	i := slices.Index(Skills, s)
	if i < 0 {
		return 0
	}
	return 1 << i
}

// SkillMask is the bit set of ss (unknown skills ignored).
func SkillMask(ss []Skill) int64 {
	var m int64
	for _, s := range ss {
		m |= SkillBit(s)
	}
	return m
}

// SkillsOf returns the skills of a bit set, in list order.
func SkillsOf(mask int64) []Skill {
	out := []Skill{}
	for i, s := range Skills {
		if mask&(1<<i) != 0 {
			out = append(out, s)
		}
	}
	return out
}

// Bounds of a volunteer's text fields, in bytes, and of a pool page.
const (
	MaxVolunteerTeam         = 100
	MaxVolunteerAvailability = 500
	MaxVolunteerPage         = 500
)

// Volunteer event kinds (EventKinds). Their data carries the volunteer's
// id and states, never an identity.
const (
	EventVolunteerRegistered = "volunteer.registered"
	EventVolunteerUpdated    = "volunteer.updated"
	EventVolunteerStatus     = "volunteer.status_changed"
	EventVolunteerVetted     = "volunteer.vetted"
	EventVolunteerImported   = "volunteer.imported"
	EventVolunteerAssigned   = "volunteer.assigned"
	EventVolunteerCheckedIn  = "volunteer.checked_in"
	EventVolunteerCheckedOut = "volunteer.checked_out"
)

// Volunteer is one person in one unit's pool. Availability is free text
// and kept sealed; the person's identity is the persons table's.
type Volunteer struct {
	ID     int64  `json:"id"`
	Person Person `json:"person"`
	// UnitCode is the pool: the station or committee that registered
	// the volunteer.
	UnitCode string `json:"unit"`
	// CommunityCode is the community served, DistrictCode its district,
	// StationCode its police station (who vets).
	CommunityCode string          `json:"community"`
	DistrictCode  string          `json:"district"`
	StationCode   string          `json:"station"`
	Team          string          `json:"team,omitempty"`
	Skills        []Skill         `json:"skills"`
	Availability  string          `json:"availability,omitempty"`
	Status        VolunteerStatus `json:"status"`
	Vetting       Vetting         `json:"vetting"`
	VettedBy      int64           `json:"vetted_by,omitempty"`
	VettedAt      *time.Time      `json:"vetted_at,omitempty"`
	// MinutesServed sums the checked-out assignments' time on duty.
	MinutesServed int64     `json:"minutes_served"`
	ImportID      int64     `json:"import_id,omitempty"`
	CreatedBy     int64     `json:"created_by,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Validate normalises and checks the volunteer's own fields: the
// identity (Person.Normalize), team, skills and availability.
func (v *Volunteer) Validate() error {
	if err := v.Person.Normalize(); err != nil {
		// A volunteer's request names the identity's fields at its top.
		if e, ok := err.(*Error); ok {
			c := *e
			c.Field = strings.TrimPrefix(c.Field, "person.")
			return &c
		}
		return err
	}
	v.Team = NormalizeSpace(v.Team)
	v.Availability = strings.TrimSpace(v.Availability)
	switch {
	case v.CommunityCode == "":
		return FieldError("community", "err.volunteer_community_required")
	case len(v.Team) > MaxVolunteerTeam:
		return FieldError("team", "err.volunteer_text_too_long", MaxVolunteerTeam)
	case len(v.Availability) > MaxVolunteerAvailability:
		return FieldError("availability", "err.volunteer_text_too_long", MaxVolunteerAvailability)
	}
	for _, s := range v.Skills {
		if SkillBit(s) == 0 {
			return FieldError("skills", "err.volunteer_skill_unknown", SkillList())
		}
	}
	v.Skills = SkillsOf(SkillMask(v.Skills))
	return nil
}

// SkillList is Skills for a message, joined by ", ".
func SkillList() string {
	out := make([]string, len(Skills))
	for i, s := range Skills {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

// Masked returns v with its identity masked, as every list and page
// shows it (the reveal unmasks).
func (v Volunteer) Masked() Volunteer {
	v.Person = Person{IDNumber: MaskIDNumber(v.Person.IDNumber), Phone: MaskPhone(v.Person.Phone), Name: MaskName(v.Person.Name)}
	return v
}

// Assignable reports why v may not take a duty slot: only an active,
// vetted volunteer may.
func (v *Volunteer) Assignable() error {
	switch {
	case v.Vetting != VettingVetted:
		return Errorf(ECONFLICT, "err.volunteer_not_vetted").WithReason("volunteer_not_vetted")
	case v.Status != VolunteerActive:
		return Errorf(ECONFLICT, "err.volunteer_not_active").WithReason("volunteer_not_active")
	}
	return nil
}

// Units are the units a volunteer's events and records belong to: the
// pool and the community's station.
func (v *Volunteer) Units() []string {
	if v.StationCode == "" || v.StationCode == v.UnitCode {
		return []string{v.UnitCode}
	}
	return []string{v.UnitCode, v.StationCode}
}

// UnitServes reports whether unit may register volunteers for community
// c: its police station and its committee.
func UnitServes(unit string, c *Community) bool {
	return unit != "" && (unit == c.Station || unit == CommitteeCode(c.Code))
}

// VolunteerVisible reports whether u may read v: city-wide readers every
// pool, a district commander the district's, a unit its own pool and, for
// a station, the volunteers of the communities it vets.
func VolunteerVisible(u *User, v *Volunteer) bool {
	if !u.Can(ActReadVolunteers) {
		return false
	}
	return inScope(u.Scope(), v.DistrictCode, func(unit string) bool {
		return unit == v.UnitCode || unit == v.StationCode
	})
}

// MayEditVolunteer reports whether u may change v (status, team, skills,
// availability): the pool's own unit, and the community's station.
func MayEditVolunteer(u *User, v *Volunteer) bool {
	return u.Can(ActRegisterVolunteers) && VolunteerVisible(u, v) && u.Scope().Unit != ""
}

// MayVet reports whether u may vet v: only the police station of the
// volunteer's community.
func MayVet(u *User, v *Volunteer) bool {
	return u.Can(ActVetVolunteers) && u.Role == RoleStation && v.StationCode != "" && u.UnitCode == v.StationCode
}

// MayAssignVolunteer reports whether u may put v on (or check in and
// out of) a slot of node n: whoever manages the node's roster
// (MayManageNode) when they also see the volunteer, and the volunteer's
// own pool unit or station for any slot.
func MayAssignVolunteer(u *User, v *Volunteer, n *CommandNode) bool {
	if !u.Can(ActAssignVolunteers) || !VolunteerVisible(u, v) {
		return false
	}
	if s := u.Scope(); s.Unit != "" {
		return s.Unit == v.UnitCode || s.Unit == v.StationCode
	}
	return MayManageNode(u, n)
}

// VolunteerFilter selects one page of a pool. Unit selects a unit's pool
// and the volunteers its station vets; District a district's.
type VolunteerFilter struct {
	Unit      *string
	District  *string
	Community *string
	Team      *string
	Status    *VolunteerStatus
	Vetting   *Vetting
	Skill     *Skill
	Offset    int
	Limit     int
}

// VolunteerAssignment is a volunteer on a duty slot, with their check-in
// and check-out (recorded by their pool or the roster's manager).
type VolunteerAssignment struct {
	ID           int64      `json:"id"`
	VolunteerID  int64      `json:"volunteer_id"`
	SlotID       int64      `json:"slot_id"`
	AssignedBy   int64      `json:"assigned_by"`
	AssignedAt   time.Time  `json:"assigned_at"`
	CheckedInAt  *time.Time `json:"checked_in_at,omitempty"`
	CheckedOutAt *time.Time `json:"checked_out_at,omitempty"`
	// Minutes is the time between check-in and check-out.
	Minutes int64 `json:"minutes"`
}

// CheckIn records the volunteer's arrival at now: within the slot's
// check-in window (CheckInEarly before its start until its end).
func (a *VolunteerAssignment) CheckIn(slot *DutySlot, now time.Time) error {
	switch {
	case a.CheckedInAt != nil:
		return Errorf(ECONFLICT, "err.duty_checked_in")
	case now.Before(slot.Start.Add(-CheckInEarly)) || !now.Before(slot.End):
		return Errorf(ECONFLICT, "err.duty_check_in_window", int(CheckInEarly.Minutes())).WithReason("duty_window")
	}
	a.CheckedInAt = &now
	return nil
}

// CheckOut records the volunteer's leaving at now and the minutes served
// (until now, or the slot's end if later than CheckOutLate after it).
func (a *VolunteerAssignment) CheckOut(slot *DutySlot, now time.Time) error {
	switch {
	case a.CheckedInAt == nil:
		return Errorf(ECONFLICT, "err.duty_not_checked_in")
	case a.CheckedOutAt != nil:
		return Errorf(ECONFLICT, "err.duty_checked_out")
	case now.After(slot.End.Add(CheckOutLate)):
		return Errorf(ECONFLICT, "err.duty_check_out_window", int(CheckOutLate.Hours())).WithReason("duty_window")
	}
	a.CheckedOutAt = &now
	a.Minutes = int64(now.Sub(*a.CheckedInAt) / time.Minute)
	return nil
}

// The volunteers' figures, defined here once (docs/figures.md), read from
// the volunteer rows of a scope (a district, a pool, a community):
//
//   - volunteers: registered volunteers who have not left.
//   - volunteers_active: of them, those active now.
//   - volunteers_vetted: of them, those the station vetted.
//   - volunteers_ready: active and vetted — who may be assigned.
//   - volunteer_hours: hours served, from every check-in to its
//     check-out (VolunteerAssignment.Minutes), whole hours rounded down.
const (
	MetricVolunteers       = "volunteers"
	MetricVolunteersActive = "volunteers_active"
	MetricVolunteersVetted = "volunteers_vetted"
	MetricVolunteersReady  = "volunteers_ready"
	MetricVolunteerHours   = "volunteer_hours"
)

// VolunteerMetrics lists the figures in display order.
var VolunteerMetrics = []string{MetricVolunteers, MetricVolunteersActive, MetricVolunteersVetted,
	MetricVolunteersReady, MetricVolunteerHours}

// VolunteerTally is what an engine counts of a scope's volunteer rows
// (the ones that have not left): by status, by vetting, and the minutes.
type VolunteerTally struct {
	Key     string                    `json:"key"`
	Status  map[VolunteerStatus]int64 `json:"status"`
	Vetting map[Vetting]int64         `json:"vetting"`
	Ready   int64                     `json:"ready"`
	Minutes int64                     `json:"minutes"`
}

// VolunteerTallier adds an engine's grouped counts (by key, status and
// vetting, the keys in order) into tallies: a volunteer who left counts
// by status and for the minutes served only.
type VolunteerTallier struct{ out []VolunteerTally }

// Add adds n volunteers of key, status st and vetting vet, ready of them
// active and vetted, who served minutes.
func (t *VolunteerTallier) Add(key string, st VolunteerStatus, vet Vetting, n, ready, minutes int64) {
	if len(t.out) == 0 || t.out[len(t.out)-1].Key != key {
		t.out = append(t.out, VolunteerTally{Key: key, Status: map[VolunteerStatus]int64{}, Vetting: map[Vetting]int64{}})
	}
	c := &t.out[len(t.out)-1]
	c.Status[st] += n
	c.Minutes += minutes
	if st != VolunteerLeft {
		c.Vetting[vet] += n
		c.Ready += ready
	}
}

// Tallies returns the tallies added, by key.
func (t *VolunteerTallier) Tallies() []VolunteerTally {
	if t.out == nil {
		return []VolunteerTally{}
	}
	return t.out
}

// Figures returns the tally's figures (VolunteerMetrics): left
// volunteers count in none but the hours they served.
func (t *VolunteerTally) Figures() map[string]int64 {
	var n int64
	for _, st := range VolunteerStatuses {
		if st != VolunteerLeft {
			n += t.Status[st]
		}
	}
	return map[string]int64{
		MetricVolunteers:       n,
		MetricVolunteersActive: t.Status[VolunteerActive],
		MetricVolunteersVetted: t.Vetting[VettingVetted],
		MetricVolunteersReady:  t.Ready,
		MetricVolunteerHours:   t.Minutes / 60,
	}
}

// VolunteerTx stores volunteers and their assignments to duty slots.
type VolunteerTx interface {
	// CreateVolunteer inserts v (its person must exist) and sets its ID;
	// the person already in the unit's pool is ECONFLICT.
	CreateVolunteer(v *Volunteer) error
	// CreateVolunteers inserts the volunteers whose person is not in
	// their unit's pool yet, and reports how many it inserted.
	CreateVolunteers(vs []*Volunteer) (int, error)
	// UpdateVolunteer writes team, skills, availability, status and
	// vetting.
	UpdateVolunteer(v *Volunteer) error
	// FindVolunteerByID loads a volunteer with its person; with lock it
	// is locked for update until the transaction ends.
	FindVolunteerByID(id int64, lock bool) (*Volunteer, error)
	// FindVolunteers returns one page, by id, and the total.
	FindVolunteers(f VolunteerFilter) ([]Volunteer, int, error)
	// TallyVolunteers counts the volunteers f selects (its paging and
	// status ignored) grouped by by: "district", "community" or "" (one
	// tally).
	TallyVolunteers(f VolunteerFilter, by string) ([]VolunteerTally, error)
	CreateVolunteerAssignment(a *VolunteerAssignment) error
	// FindVolunteerAssignment returns the assignment of a volunteer to a
	// slot (ENOTFOUND when none).
	FindVolunteerAssignment(slotID, volunteerID int64) (*VolunteerAssignment, error)
	// FindVolunteerAssignments returns a volunteer's assignments, newest
	// slot first, at most limit.
	FindVolunteerAssignments(volunteerID int64, limit int) ([]VolunteerAssignment, error)
	// SetVolunteerCheck records an assignment's check-in and check-out,
	// and adds its minutes to the volunteer's once checked out.
	SetVolunteerCheck(a *VolunteerAssignment) error
	// CountSlotVolunteers counts the volunteers on a slot (they fill the
	// post's MaxStaff beside its persons).
	CountSlotVolunteers(slotID int64) (int, error)
}

// VolunteerRow is one row of a volunteer list as intake read it: the
// person (or the reject) and the volunteer's own cells, cleaned; the
// community is a code or a name, resolved by the import.
type VolunteerRow struct {
	ImportRow
	Community    string
	Team         string
	Skills       []Skill
	Availability string
	// CommunityColumn is the index of the community column, -1 when the
	// file has none.
	CommunityColumn int
}

// Reasons a volunteer row is rejected besides intake's (reject.<code>).
const (
	ReasonVolunteerSkill        = "volunteer_skill_unknown"
	ReasonVolunteerCommunity    = "volunteer_community_missing"
	ReasonVolunteerNotServed    = "volunteer_community_not_served"
	ReasonVolunteerFieldTooLong = "volunteer_field_too_long"
)

// ParseSkill reads one skill by its code or its name in either language
// (the catalogue's "volunteer.skill.<code>").
func ParseSkill(s string) (Skill, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, k := range Skills {
		if s == string(k) || s == T(LangZH, "volunteer.skill."+string(k)) || s == strings.ToLower(T(LangEN, "volunteer.skill."+string(k))) {
			return k, true
		}
	}
	return "", false
}

// ParseSkills reads a cell of skills separated by commas, 、, ;, / or
// spaces; false when one is unknown.
func ParseSkills(s string) ([]Skill, bool) {
	parts := strings.FieldsFunc(ToHalfWidth(s), func(r rune) bool { return strings.ContainsRune(",、;/| ，；", r) })
	var out []Skill
	for _, p := range parts {
		k, ok := ParseSkill(p)
		if !ok {
			return nil, false
		}
		out = append(out, k)
	}
	return SkillsOf(SkillMask(out)), true
}
