package epiloop

import (
	"slices"
	"time"
)

// Inspections of places (督导、暗访、检查) by a post's officer, with a
// checklist; a defect opens a rectification for the place's responsible
// unit that closes only when a re-inspection confirms the fix
// (RectificationAgreement).

// InspectionKind is how a place was inspected.
type InspectionKind string

const (
	InspectionSupervision InspectionKind = "supervision" // 督导
	InspectionUnannounced InspectionKind = "unannounced" // 暗访
	InspectionCheck       InspectionKind = "check"       // 检查
)

// InspectionKinds lists the kinds in display order.
var InspectionKinds = []InspectionKind{InspectionSupervision, InspectionUnannounced, InspectionCheck}

// ItemClosureKept is the item a closed gathering place is checked for: an
// inspection that finds it open records it as a defect whatever the
// inspector ticked (Inspection.Apply).
const ItemClosureKept = "closure_kept"

// Checklists are the items each kind of place is inspected for.
var Checklists = map[PlaceKind][]string{
	PlaceHospital:      {"guard_on_post", "entry_screening", "fever_clinic_separate", "visitor_register"},
	PlaceIsolationSite: {"perimeter_closed", "entry_register", "staff_protection", "waste_handling"},
	PlaceGathering:     {"closure_notice", "no_crowding", "entry_screening", "disinfection"},
	PlaceCompound:      {"gate_guard", "entry_register", "temperature_check", "notice_posted"},
	PlaceDetention:     {"entry_screening", "isolation_cells", "staff_protection"},
}

// ChecklistFor returns a place's checklist: its kind's, and for a closed
// gathering place ItemClosureKept first.
func ChecklistFor(p *Place) []string {
	items := Checklists[p.Kind]
	if p.Kind == PlaceGathering && p.State.Closed() {
		items = append([]string{ItemClosureKept}, items...)
	}
	return items
}

// MaxInspectionNote bounds a note.
const MaxInspectionNote = 2000

// CheckItem is one item of an inspection's checklist: ok, or a defect
// with a note. The note is free text and kept sealed.
type CheckItem struct {
	Item string `json:"item"`
	OK   bool   `json:"ok"`
	Note string `json:"note,omitempty"`
}

// Inspection is one inspection of a place. RectificationID names the
// rectification it re-inspects (0: a recurring one).
type Inspection struct {
	ID              int64          `json:"id"`
	PlaceID         int64          `json:"place_id"`
	Kind            InspectionKind `json:"kind"`
	InspectorID     int64          `json:"inspector_id"`
	At              time.Time      `json:"at"`
	Items           []CheckItem    `json:"items"`
	FoundOpen       bool           `json:"found_open,omitempty"`
	Note            string         `json:"note,omitempty"`
	Defects         []string       `json:"defects,omitempty"`
	RectificationID int64          `json:"rectification_id,omitempty"`
}

// Apply checks an inspection of p against p's checklist (every item once,
// each of the list, a defect's note within bounds) and records its
// defects: the items not ok, and ItemClosureKept when a closed gathering
// place was found open.
func (in *Inspection) Apply(p *Place) error {
	if !slices.Contains(InspectionKinds, in.Kind) {
		return FieldError("kind", "err.inspection_kind")
	}
	if len(in.Note) > MaxInspectionNote {
		return FieldError("note", "err.inspection_note", MaxInspectionNote)
	}
	list := ChecklistFor(p)
	seen := map[string]bool{}
	for _, it := range in.Items {
		switch {
		case !slices.Contains(list, it.Item):
			return FieldError("items", "err.inspection_item", it.Item)
		case seen[it.Item]:
			return FieldError("items", "err.inspection_item_twice", M("check."+it.Item))
		case len(it.Note) > MaxInspectionNote:
			return FieldError("items."+it.Item, "err.inspection_note", MaxInspectionNote)
		}
		seen[it.Item] = true
	}
	if in.FoundOpen && !(p.Kind == PlaceGathering && p.State.Closed()) {
		return FieldError("found_open", "err.inspection_found_open")
	}
	for _, item := range list {
		if !seen[item] && !(item == ItemClosureKept && in.FoundOpen) {
			return FieldError("items."+item, "err.inspection_item_missing", M("check."+item))
		}
	}
	if in.FoundOpen {
		i := slices.IndexFunc(in.Items, func(c CheckItem) bool { return c.Item == ItemClosureKept })
		if i < 0 {
			in.Items = append([]CheckItem{{Item: ItemClosureKept}}, in.Items...)
		} else {
			in.Items[i].OK = false
		}
	}
	in.Defects = nil
	for _, it := range in.Items {
		if !it.OK {
			in.Defects = append(in.Defects, it.Item)
		}
	}
	return nil
}

// Rectification event kinds (EventKinds).
const (
	EventInspectionRecorded   = "inspection.recorded"
	EventRectificationOpened  = "rectification.opened"
	EventRectificationFixed   = "rectification.fixed"
	EventRectificationChecked = "rectification.checked"
	EventRectificationClosed  = "rectification.closed"
	EventRectificationOverdue = "rectification.overdue"
)

// Rectification parties: the responsible unit reports it fixed, an
// inspector's re-inspection confirms it.
const (
	PartyResponsibleUnit = "responsible_unit"
	PartyInspector       = "inspector"
)

// RectificationDue is how long the responsible unit has to fix a defect.
const RectificationDue = 72 * time.Hour

// RectificationGrace is how long past its due time an open rectification
// waits before it escalates to the district's duty post.
const RectificationGrace = 12 * time.Hour

// RectifyReport is one party's confirmation: the unit's "fixed" (with a
// note, sealed), or the re-inspection's verdict (Fixed false: the defects
// persist).
type RectifyReport struct {
	UserID       int64     `json:"user_id"`
	At           time.Time `json:"at"`
	Fixed        bool      `json:"fixed"`
	Note         string    `json:"note,omitempty"`
	InspectionID int64     `json:"inspection_id,omitempty"`
}

// ReasonDefectPersists is why a rectification's two sides disagree: the
// re-inspection found a defect still there.
const ReasonDefectPersists = "defect_persists"

// RectificationAgreement is the rectification's agreement: it closes when
// the unit reported the defects fixed and a re-inspection confirmed it.
var RectificationAgreement = AgreementRule[*RectifyReport, struct{}]{
	Name:    "place_rectification",
	Parties: []string{PartyResponsibleUnit, PartyInspector},
	Required: func(r *RectifyReport) error {
		if len(r.Note) > MaxInspectionNote {
			return FieldError("note", "err.inspection_note", MaxInspectionNote)
		}
		return nil
	},
	Compare: func(cs []*RectifyReport) (struct{}, bool, []string) {
		if cs[0].Fixed && cs[1].Fixed {
			return struct{}{}, true, nil
		}
		return struct{}{}, false, []string{ReasonDefectPersists}
	},
	EscalateAfter: RectificationGrace,
	EscalateTo:    "district_duty_post",
}

// Rectification is the task a defect opens for the place's responsible
// unit.
type Rectification struct {
	ID           int64          `json:"id"`
	PlaceID      int64          `json:"place_id"`
	InspectionID int64          `json:"inspection_id"`
	DistrictCode string         `json:"district"`
	UnitCode     string         `json:"unit"`
	Items        []string       `json:"items"`
	Due          time.Time      `json:"due"`
	Fixed        *RectifyReport `json:"fixed,omitempty"`
	Confirmed    *RectifyReport `json:"confirmed,omitempty"`
	State        AgreementState `json:"state"`
	Reasons      []string       `json:"reasons,omitempty"`
	ClosedAt     *time.Time     `json:"closed_at,omitempty"`
	EscalatedAt  *time.Time     `json:"escalated_at,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	// Place is the place's code and name, for lists.
	PlaceCode string `json:"place_code,omitempty"`
	PlaceName string `json:"place_name,omitempty"`
}

// NewRectification opens the rectification of an inspection's defects.
func NewRectification(p *Place, in *Inspection) *Rectification {
	return &Rectification{PlaceID: p.ID, InspectionID: in.ID, DistrictCode: p.DistrictCode, UnitCode: p.UnitCode,
		Items: slices.Clone(in.Defects), Due: in.At.Add(RectificationDue), State: AgreementWaiting, CreatedAt: in.At,
		PlaceCode: p.Code, PlaceName: p.Name}
}

// Decide applies the confirmations to the agreement and sets the state
// (and ClosedAt at now when agreed).
func (r *Rectification) Decide(now time.Time) {
	confirmed := map[string]*RectifyReport{}
	if r.Fixed != nil {
		confirmed[PartyResponsibleUnit] = r.Fixed
	}
	if r.Confirmed != nil {
		confirmed[PartyInspector] = r.Confirmed
	}
	d := RectificationAgreement.Decide(confirmed)
	r.State, r.Reasons = d.State, d.Reasons
	if d.State == AgreementAgreed && r.ClosedAt == nil {
		r.ClosedAt = &now
	}
}

// Open reports whether the rectification is not closed.
func (r *Rectification) Open() bool { return r.ClosedAt == nil }

// FoundOpen reports whether the rectification is of a closed place found
// open (MetricClosedFoundOpen).
func (r *Rectification) FoundOpen() bool { return slices.Contains(r.Items, ItemClosureKept) }

// ReportFixed records the unit's report; a new report of the unit asks
// for a new re-inspection (the previous verdict no longer stands).
func (r *Rectification) ReportFixed(rep *RectifyReport, now time.Time) error {
	if !r.Open() {
		return Errorf(ECONFLICT, "err.rectification_closed")
	}
	if err := RectificationAgreement.Check(PartyResponsibleUnit, rep); err != nil {
		return err
	}
	rep.Fixed, rep.At = true, now
	r.Fixed, r.Confirmed = rep, nil
	r.Decide(now)
	return nil
}

// Reinspect records a re-inspection's verdict: fixed when none of the
// rectification's items is a defect of it. A re-inspection before the
// unit reported is refused.
func (r *Rectification) Reinspect(in *Inspection, now time.Time) error {
	if !r.Open() {
		return Errorf(ECONFLICT, "err.rectification_closed")
	}
	if r.Fixed == nil {
		return Errorf(ECONFLICT, "err.rectification_not_fixed")
	}
	fixed := true
	for _, d := range in.Defects {
		if slices.Contains(r.Items, d) {
			fixed = false
		}
	}
	r.Confirmed = &RectifyReport{UserID: in.InspectorID, At: now, Fixed: fixed, InspectionID: in.ID}
	r.Decide(now)
	return nil
}

// RectificationFilter selects rectifications.
type RectificationFilter struct {
	PlaceID  *int64
	District *string
	Unit     *string
	Open     bool
	// DueBefore selects open ones due before it, not yet escalated.
	DueBefore *time.Time
	Offset    int
	Limit     int
}

// MayRectify reports whether u may report r fixed: a user of its
// responsible unit.
func MayRectify(u *User, r *Rectification) bool {
	return u.Can(ActRectify) && u.UnitCode == r.UnitCode
}

// MayInspect reports whether u may inspect a place it sees: a commander
// or district commander, or an officer on a duty slot now (onDuty).
func MayInspect(u *User, onDuty bool) bool {
	if !u.Can(ActInspect) {
		return false
	}
	return u.Role == RoleCommander || u.Role == RoleDistrict || onDuty
}

// DutyItemRectificationOverdue: a rectification of the district's places
// open RectificationGrace past its due time (to whoever holds the
// district sub-command's duty post).
const DutyItemRectificationOverdue DutyItemKind = "rectification_overdue"
