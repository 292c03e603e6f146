package epiloop

import (
	"slices"
	"time"
)

// The wartime command structure and its real-name duty roster: nodes
// (headquarters, sub-commands, working groups, fronts) with their leaders
// and responsibility lists; posts of a node staffed by slots of a shift
// pattern; the rules an assignment must keep; and who is on duty now.

// NodeKind is the kind of a command-structure node.
type NodeKind string

const (
	NodeHeadquarters NodeKind = "headquarters"
	NodeSubCommand   NodeKind = "sub_command"
	NodeWorkingGroup NodeKind = "working_group"
	NodeFront        NodeKind = "front"
)

// NodeKinds lists the node kinds in display order.
var NodeKinds = []NodeKind{NodeHeadquarters, NodeSubCommand, NodeWorkingGroup, NodeFront}

// Valid reports whether k is a known node kind.
func (k NodeKind) Valid() bool { return slices.Contains(NodeKinds, k) }

// Responsibility is one item of a node's responsibility list; Metric, when
// set, is the dashboard metric (Metrics) that measures it.
type Responsibility struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	Metric string `json:"metric,omitempty"`
}

// CommandNode is one node of the command structure. A sub-command is by
// district (DistrictCode set: its district commander manages it) or by
// theme (Theme set).
type CommandNode struct {
	Code         string   `json:"code"`
	Kind         NodeKind `json:"kind"`
	Name         string   `json:"name"`
	ParentCode   string   `json:"parent,omitempty"`
	DistrictCode string   `json:"district,omitempty"`
	Theme        string   `json:"theme,omitempty"`
	Leader       string   `json:"leader"`
	// LeaderUserID is the leader's account, when they have one: an
	// overdue hand-over of the node escalates to them.
	LeaderUserID     int64            `json:"leader_user_id,omitempty"`
	Deputy           string           `json:"deputy,omitempty"`
	Mandate          string           `json:"mandate,omitempty"`
	Responsibilities []Responsibility `json:"responsibilities"`
	UpdatedAt        time.Time        `json:"updated_at"`
}

// MaxDutyText bounds a node's name, leader, mandate and a responsibility's
// text, in bytes.
const MaxDutyText = 2000

// Validate checks a node's own fields; that its parent exists is the
// workflow's to check.
func (n *CommandNode) Validate() error {
	switch {
	case n.Code == "" || len(n.Code) > 64:
		return FieldError("code", "err.duty_code_required")
	case !n.Kind.Valid():
		return FieldError("kind", "err.duty_node_kind")
	case n.Name == "" || len(n.Name) > MaxDutyText:
		return FieldError("name", "err.duty_name_required", MaxDutyText)
	case n.Leader == "" || len(n.Leader) > MaxDutyText:
		return FieldError("leader", "err.duty_leader_required", MaxDutyText)
	case len(n.Deputy) > MaxDutyText || len(n.Mandate) > MaxDutyText || len(n.Theme) > MaxDutyText:
		return FieldError("mandate", "err.duty_text_too_long", MaxDutyText)
	case n.ParentCode == n.Code:
		return FieldError("parent", "err.duty_parent_self")
	case n.Kind == NodeHeadquarters && n.ParentCode != "":
		return FieldError("parent", "err.duty_hq_no_parent")
	case n.Kind != NodeHeadquarters && n.ParentCode == "":
		return FieldError("parent", "err.duty_parent_required")
	}
	seen := map[string]bool{}
	for _, r := range n.Responsibilities {
		switch {
		case r.Code == "" || seen[r.Code]:
			return FieldError("responsibilities", "err.duty_responsibility_code")
		case r.Text == "" || len(r.Text) > MaxDutyText:
			return FieldError("responsibilities", "err.duty_responsibility_text", MaxDutyText)
		case r.Metric != "" && !slices.Contains(Metrics, r.Metric):
			return FieldError("responsibilities", "err.duty_responsibility_metric")
		}
		seen[r.Code] = true
	}
	return nil
}

// PostKind is the kind of a duty post.
type PostKind string

const (
	PostDutyChief       PostKind = "duty_chief"       // 值班长
	PostDutyOfficer     PostKind = "duty_officer"     // 值班员
	PostLeaderOnDuty    PostKind = "leader_on_duty"   // 带班领导
	PostCheckpointChief PostKind = "checkpoint_chief" // 卡点长
)

// PostKinds lists the post kinds in display order.
var PostKinds = []PostKind{PostLeaderOnDuty, PostDutyChief, PostDutyOfficer, PostCheckpointChief}

// Valid reports whether k is a known post kind.
func (k PostKind) Valid() bool { return slices.Contains(PostKinds, k) }

// MaxPostStaff bounds a post's maximum staff.
const MaxPostStaff = 50

// Post is a real-name duty post of a node, optionally at a place (the code
// of a unit: a checkpoint, a site), staffed by at least MinStaff and at
// most MaxStaff persons in each slot.
type Post struct {
	ID        int64    `json:"id"`
	NodeCode  string   `json:"node"`
	Kind      PostKind `json:"kind"`
	Name      string   `json:"name"`
	PlaceCode string   `json:"place,omitempty"`
	// FrontCode tags the post with a front (a node of kind front) it
	// serves, besides the node it belongs to.
	FrontCode string `json:"front,omitempty"`
	// Phone is the post's duty telephone (a desk, not a person's): the
	// SMS notices of the node go to it.
	Phone    string `json:"phone,omitempty"`
	MinStaff int    `json:"min_staff"`
	MaxStaff int    `json:"max_staff"`
}

// Validate checks a post's own fields.
func (p *Post) Validate() error {
	switch {
	case !p.Kind.Valid():
		return FieldError("kind", "err.duty_post_kind")
	case p.Name == "" || len(p.Name) > MaxDutyText:
		return FieldError("name", "err.duty_name_required", MaxDutyText)
	case p.MinStaff < 1 || p.MinStaff > MaxPostStaff:
		return FieldError("min_staff", "err.duty_staff_range", 1, MaxPostStaff)
	case p.MaxStaff < p.MinStaff || p.MaxStaff > MaxPostStaff:
		return FieldError("max_staff", "err.duty_staff_max", MaxPostStaff)
	case len(p.Phone) > 32:
		return FieldError("phone", "err.duty_phone")
	}
	return nil
}

// ShiftPattern is how a post's day is cut into slots.
type ShiftPattern string

const (
	Shift24h         ShiftPattern = "24h"  // one 24-hour duty from 08:00
	Shift4x6h        ShiftPattern = "4x6h" // 08–14, 14–20, 20–02, 02–08
	Shift12h         ShiftPattern = "12h"  // day 08–20, night 20–08
	ShiftDayHour                  = 8      // the duty day begins at 08:00 China Standard Time
	MaxRosterDays                 = 62     // the longest range one roster call generates
	ShiftPatternList              = "24h, 4x6h, 12h"
)

// ShiftPatterns lists the patterns.
var ShiftPatterns = []ShiftPattern{Shift24h, Shift4x6h, Shift12h}

// Valid reports whether p is a known pattern.
func (p ShiftPattern) Valid() bool { return slices.Contains(ShiftPatterns, p) }

func (p ShiftPattern) hours() int {
	switch p {
	case Shift4x6h:
		return 6
	case Shift12h:
		return 12
	}
	return 24
}

// Slots returns the slots of post for the duty days from..to (civil dates,
// inclusive): each day begins at 08:00 China Standard Time.
func (p ShiftPattern) Slots(postID int64, from, to string) ([]DutySlot, error) {
	if !p.Valid() {
		return nil, FieldError("pattern", "err.duty_pattern", ShiftPatternList)
	}
	start, end := CivilMidnight(from), CivilMidnight(to)
	switch {
	case start.IsZero():
		return nil, FieldError("from", "err.duty_date")
	case end.IsZero():
		return nil, FieldError("to", "err.duty_date")
	case end.Before(start):
		return nil, FieldError("to", "err.duty_range")
	}
	var out []DutySlot
	h := p.hours()
	for d, n := start, 0; !d.After(end); d, n = d.AddDate(0, 0, 1), n+1 {
		if n >= MaxRosterDays {
			return nil, FieldError("to", "err.duty_range_too_long", MaxRosterDays)
		}
		day := d.Add(ShiftDayHour * time.Hour)
		for i := 0; i < 24/h; i++ {
			s := day.Add(time.Duration(i*h) * time.Hour)
			out = append(out, DutySlot{PostID: postID, Start: s.UTC(), End: s.Add(time.Duration(h) * time.Hour).UTC()})
		}
	}
	return out, nil
}

// DutySlot is one shift of a post, held by several persons.
type DutySlot struct {
	ID      int64        `json:"id"`
	PostID  int64        `json:"post_id"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end"`
	Post    Post         `json:"post"`
	Persons []DutyPerson `json:"persons"`
}

// DutyPerson is a person assigned to a slot, and their check-in.
type DutyPerson struct {
	UserID       int64      `json:"user_id"`
	Name         string     `json:"name"`
	CheckedInAt  *time.Time `json:"checked_in_at,omitempty"`
	CheckedOutAt *time.Time `json:"checked_out_at,omitempty"`
}

// Holds reports whether user is assigned to s.
func (s *DutySlot) Holds(user int64) bool {
	return slices.ContainsFunc(s.Persons, func(p DutyPerson) bool { return p.UserID == user })
}

// Gap reports whether s has fewer persons than its post's minimum.
func (s *DutySlot) Gap() bool { return len(s.Persons) < s.Post.MinStaff }

// DutySlotFilter selects slots overlapping From..To (either may be zero:
// unbounded), of a node's posts, a post, or a person's; Gaps keeps the
// slots below their post's minimum.
type DutySlotFilter struct {
	Node   *string
	Post   *int64
	User   *int64
	From   time.Time
	To     time.Time
	Gaps   bool
	Offset int
	Limit  int
}

// DutyRules are the server-side rules of an assignment.
type DutyRules struct {
	// MinRest is the least time between the end of one slot of a person
	// and the start of their next (24-hour duties back to back excepted:
	// MaxConsecutive24 bounds those).
	MinRest time.Duration
	// MaxConsecutive24 is the most 24-hour duties a person holds back to
	// back.
	MaxConsecutive24 int
}

// Defaults of DutyRules.
const (
	DefaultMinRest          = 8 * time.Hour
	DefaultMaxConsecutive24 = 2
)

// DefaultDutyRules are the rules unless configured otherwise.
func DefaultDutyRules() DutyRules {
	return DutyRules{MinRest: DefaultMinRest, MaxConsecutive24: DefaultMaxConsecutive24}
}

// Reach is how far before and after a slot another slot of the same
// person can break a rule: the window Check must be given.
func (r DutyRules) Reach() time.Duration {
	return r.MinRest + time.Duration(r.MaxConsecutive24+1)*24*time.Hour
}

func (s *DutySlot) is24h() bool { return s.End.Sub(s.Start) == 24*time.Hour }

// Check reports whether a person may take slot s besides theirs (their
// other slots within Reach of s): a refusal names its rule as reason
// duty_overlap, duty_rest or duty_consecutive.
func (r DutyRules) Check(s DutySlot, theirs []DutySlot) error {
	for _, o := range theirs {
		if o.ID != s.ID && o.Start.Before(s.End) && s.Start.Before(o.End) {
			return Errorf(ECONFLICT, "err.duty_overlap").WithReason("duty_overlap")
		}
	}
	for _, o := range theirs {
		if o.ID == s.ID {
			continue
		}
		gap := s.Start.Sub(o.End)
		if o.Start.After(s.Start) {
			gap = o.Start.Sub(s.End)
		}
		if gap == 0 && s.is24h() && o.is24h() {
			continue
		}
		if gap < r.MinRest {
			return Errorf(ECONFLICT, "err.duty_rest", int(r.MinRest.Hours())).WithReason("duty_rest")
		}
	}
	if s.is24h() && r.chain(s, theirs) > r.MaxConsecutive24 {
		return Errorf(ECONFLICT, "err.duty_consecutive", r.MaxConsecutive24).WithReason("duty_consecutive")
	}
	return nil
}

// chain counts the 24-hour duties back to back with s, s included.
func (r DutyRules) chain(s DutySlot, theirs []DutySlot) int {
	n := 1
	for dir := -1; dir <= 1; dir += 2 {
		edge := s
		for {
			i := slices.IndexFunc(theirs, func(o DutySlot) bool {
				return o.is24h() && (dir < 0 && o.End.Equal(edge.Start) || dir > 0 && o.Start.Equal(edge.End))
			})
			if i < 0 {
				break
			}
			edge = theirs[i]
			n++
		}
	}
	return n
}

// WithReason sets e's machine-readable reason and returns e.
func (e *Error) WithReason(reason string) *Error {
	e.Reason = reason
	return e
}

// Check-in times: a person checks in from CheckInEarly before their slot
// until its end; an assignee is on duty without check-in until
// CheckInGrace after the start; they check out until CheckOutLate after
// the end.
const (
	CheckInEarly = 30 * time.Minute
	CheckInGrace = 30 * time.Minute
	CheckOutLate = 2 * time.Hour
)

// OnDuty reports whether p holds s at now: checked in and not out, or
// assigned while check-in is not yet due.
func (s *DutySlot) OnDuty(p DutyPerson, now time.Time) bool {
	if now.Before(s.Start) || !now.Before(s.End) || p.CheckedOutAt != nil {
		return false
	}
	return p.CheckedInAt != nil || now.Before(s.Start.Add(CheckInGrace))
}

// PostOnDuty is who holds a post now: the slot in force, the persons on
// duty and those assigned but absent (check-in overdue, never checked in).
type PostOnDuty struct {
	Post   Post         `json:"post"`
	Slot   *DutySlot    `json:"slot"`
	OnDuty []DutyPerson `json:"on_duty"`
	Absent []DutyPerson `json:"absent"`
}

// MayManageNode reports whether u may change n, its posts and its roster:
// city-wide roster managers every node, a district commander their
// district's sub-command.
func MayManageNode(u *User, n *CommandNode) bool {
	if !u.Can(ActManageRoster) {
		return false
	}
	s := u.Scope()
	return s.All || s.District != "" && n.DistrictCode == s.District
}
