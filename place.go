package epiloop

import (
	"slices"
	"strings"
	"time"
)

// Places under protection or control (场所): one registry of hospitals,
// central isolation sites, gathering places under closed management,
// compounds and detention facilities. Every place has a jurisdiction (its
// district and community) and a responsible unit; inspections
// (inspection.go) check it and deployments (deployment.go) guard a
// compound.

// PlaceKind is what a place is.
type PlaceKind string

const (
	PlaceHospital      PlaceKind = "hospital"
	PlaceIsolationSite PlaceKind = "isolation_site"
	PlaceGathering     PlaceKind = "gathering"
	PlaceCompound      PlaceKind = "compound"
	PlaceDetention     PlaceKind = "detention"
)

// PlaceKinds lists the kinds in display order.
var PlaceKinds = []PlaceKind{PlaceHospital, PlaceIsolationSite, PlaceGathering, PlaceCompound, PlaceDetention}

// Valid reports whether k is a kind of PlaceKinds.
func (k PlaceKind) Valid() bool { return slices.Contains(PlaceKinds, k) }

// HospitalGrades are a hospital's grades (一级、二级、三级); ProtectedGrade
// and above get one-to-one security.
var HospitalGrades = []string{"I", "II", "III"}

// ProtectedGrade is the lowest grade under one-to-one security.
const ProtectedGrade = "II"

// GatheringCategories are the kinds of gathering place.
var GatheringCategories = []string{"market", "supermarket", "cinema", "internet_cafe", "bath", "ktv", "gym", "restaurant", "other"}

// Compound openness: 开放式 (no wall, many ways in) or closed.
var CompoundOpenness = []string{"open", "closed"}

// DetentionKinds are 看守所 (detention centre) and 拘留所 (custody house).
var DetentionKinds = []string{"detention_center", "custody"}

// GatheringState is where a gathering place stands under closed
// management.
type GatheringState string

const (
	GatheringOpen     GatheringState = "open"
	GatheringClosed   GatheringState = "closed"
	GatheringReopened GatheringState = "reopened"
)

// Closed reports whether a state means the place must be shut.
func (s GatheringState) Closed() bool { return s == GatheringClosed }

// Place event kinds (EventKinds).
const (
	EventPlaceSaved    = "place.saved"
	EventPlaceClosed   = "place.closed"
	EventPlaceReopened = "place.reopened"
)

// MaxPlaceText bounds a place's name, address and order number.
const MaxPlaceText = 200

// MaxPlaceCount bounds a place's households, gates, guard and capacity.
const MaxPlaceCount = 1_000_000

// ClosureOrder is the order that closed a gathering place: its number and
// the civil dates (YYYY-MM-DD) it runs from and, when known, to.
type ClosureOrder struct {
	Number string `json:"order_no"`
	From   string `json:"from"`
	To     string `json:"to,omitempty"`
}

// Validate checks the order's number and dates.
func (o *ClosureOrder) Validate() error {
	switch {
	case strings.TrimSpace(o.Number) == "" || len(o.Number) > MaxPlaceText:
		return FieldError("order_no", "err.place_order_required", MaxPlaceText)
	case !civilDate(o.From):
		return FieldError("from", "err.place_date")
	case o.To != "" && !civilDate(o.To):
		return FieldError("to", "err.place_date")
	case o.To != "" && o.To < o.From:
		return FieldError("to", "err.place_order_dates")
	}
	return nil
}

func civilDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// Place is one place of the registry. The fields of a kind are set for
// that kind only; an isolation site's capacity and occupancy are read
// from the site and its active plans (never typed), a compound's coverage
// from its deployments on site.
type Place struct {
	ID            int64     `json:"id"`
	Code          string    `json:"code"`
	Kind          PlaceKind `json:"kind"`
	Name          string    `json:"name"`
	Address       string    `json:"address,omitempty"`
	DistrictCode  string    `json:"district"`
	CommunityCode string    `json:"community,omitempty"`
	// UnitCode is the responsible unit: the one a defect's rectification
	// goes to.
	UnitCode string `json:"unit"`

	// Hospital.
	Grade           string `json:"grade,omitempty"`
	FeverDesignated bool   `json:"fever_designated,omitempty"`
	// Isolation site: the site's unit code.
	SiteCode string `json:"site,omitempty"`
	// Gathering place.
	Category string         `json:"category,omitempty"`
	State    GatheringState `json:"state,omitempty"`
	Order    *ClosureOrder  `json:"order,omitempty"`
	// Compound.
	Openness   string `json:"openness,omitempty"`
	Households int    `json:"households,omitempty"`
	Gates      int    `json:"gates,omitempty"`
	MinGuard   int    `json:"min_guard,omitempty"`
	// Detention facility.
	DetentionKind string `json:"detention_kind,omitempty"`
	// Capacity is a detention facility's as registered, or an isolation
	// site's as the site has it (read).
	Capacity int `json:"capacity,omitempty"`

	// Read, never stored: an isolation site's active plans, a compound's
	// persons on site now.
	Occupancy int `json:"occupancy,omitempty"`
	Coverage  int `json:"coverage"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the common fields and those of the place's kind, and
// clears the fields of other kinds.
func (p *Place) Validate() error {
	p.Code, p.Name = strings.TrimSpace(p.Code), strings.TrimSpace(p.Name)
	switch {
	case p.Code == "" || len(p.Code) > 64 || strings.ContainsAny(p.Code, " /?#%"):
		return FieldError("code", "err.place_code")
	case !p.Kind.Valid():
		return FieldError("kind", "err.place_kind")
	case p.Name == "" || len(p.Name) > MaxPlaceText:
		return FieldError("name", "err.place_name", MaxPlaceText)
	case len(p.Address) > MaxPlaceText:
		return FieldError("address", "err.place_name", MaxPlaceText)
	case p.DistrictCode == "":
		return FieldError("district", "err.place_district")
	case p.UnitCode == "":
		return FieldError("unit", "err.place_unit")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"households", p.Households}, {"gates", p.Gates}, {"min_guard", p.MinGuard}, {"capacity", p.Capacity}} {
		if f.v < 0 || f.v > MaxPlaceCount {
			return FieldError(f.name, "err.place_count", MaxPlaceCount)
		}
	}
	k := *p
	*p = Place{ID: k.ID, Code: k.Code, Kind: k.Kind, Name: k.Name, Address: k.Address, DistrictCode: k.DistrictCode,
		CommunityCode: k.CommunityCode, UnitCode: k.UnitCode, CreatedAt: k.CreatedAt, UpdatedAt: k.UpdatedAt}
	switch k.Kind {
	case PlaceHospital:
		if !slices.Contains(HospitalGrades, k.Grade) {
			return FieldError("grade", "err.place_grade")
		}
		p.Grade, p.FeverDesignated = k.Grade, k.FeverDesignated
	case PlaceIsolationSite:
		if k.SiteCode == "" {
			return FieldError("site", "err.place_site")
		}
		p.SiteCode = k.SiteCode
	case PlaceGathering:
		if !slices.Contains(GatheringCategories, k.Category) {
			return FieldError("category", "err.place_category")
		}
		p.Category, p.State, p.Order = k.Category, k.State, k.Order
		if p.State == "" {
			p.State = GatheringOpen
		}
		if p.State == GatheringClosed {
			if p.Order == nil {
				return FieldError("order_no", "err.place_order_required", MaxPlaceText)
			}
			if err := p.Order.Validate(); err != nil {
				return err
			}
		}
	case PlaceCompound:
		if !slices.Contains(CompoundOpenness, k.Openness) {
			return FieldError("openness", "err.place_openness")
		}
		if k.CommunityCode == "" {
			return FieldError("community", "err.place_community")
		}
		p.Openness, p.Households, p.Gates, p.MinGuard = k.Openness, k.Households, k.Gates, k.MinGuard
	case PlaceDetention:
		if !slices.Contains(DetentionKinds, k.DetentionKind) {
			return FieldError("detention_kind", "err.place_detention_kind")
		}
		p.DetentionKind, p.Capacity = k.DetentionKind, k.Capacity
	}
	return nil
}

// Protected reports whether a hospital is under one-to-one security:
// grade II or above, or designated for fever cases.
func (p Place) Protected() bool {
	return p.Kind == PlaceHospital && (p.FeverDesignated || slices.Index(HospitalGrades, p.Grade) >= slices.Index(HospitalGrades, ProtectedGrade))
}

// Gathering place transitions.
const (
	GatheringClose  = "close"
	GatheringReopen = "reopen"
)

// Transition applies a closure order (close) or its lifting (reopen) to a
// gathering place: open or reopened → closed with an order; closed →
// reopened. It returns the event kind of the change.
func (p *Place) Transition(action string, order *ClosureOrder) (string, error) {
	if p.Kind != PlaceGathering {
		return "", Errorf(ECONFLICT, "err.place_not_gathering")
	}
	switch {
	case action == GatheringClose && p.State != GatheringClosed:
		if order == nil {
			return "", FieldError("order_no", "err.place_order_required", MaxPlaceText)
		}
		if err := order.Validate(); err != nil {
			return "", err
		}
		p.State, p.Order = GatheringClosed, order
		return EventPlaceClosed, nil
	case action == GatheringReopen && p.State == GatheringClosed:
		p.State = GatheringReopened
		return EventPlaceReopened, nil
	case action == GatheringClose || action == GatheringReopen:
		return "", Errorf(ECONFLICT, "err.place_transition", string(p.State))
	}
	return "", FieldError("action", "err.place_action")
}

// Uncovered reports whether a compound has fewer persons on site than its
// minimum guard: the uncovered-compounds figure (MetricUncoveredCompounds)
// counts these, on the dashboard and in the daily report alike.
func (p Place) Uncovered() bool {
	return p.Kind == PlaceCompound && p.MinGuard > 0 && p.Coverage < p.MinGuard
}

// Places' figures (docs/figures.md), read from the places and their
// deployments and rectifications, not from counters.
const (
	// MetricUncoveredCompounds: compounds whose persons on site now are
	// fewer than their minimum guard (Place.Uncovered).
	MetricUncoveredCompounds = "uncovered_compounds"
	// MetricClosedFoundOpen: open rectifications of a gathering place an
	// inspection found open while closed by order
	// (Rectification.FoundOpen).
	MetricClosedFoundOpen = "closed_found_open"
	// MetricPlacesClosed: gathering places now closed by order.
	MetricPlacesClosed = "places_closed"
)

// PlaceFilter selects places; Scope, when set, limits them to a
// jurisdiction: a district, or for a unit the places it is responsible for
// and those of Communities (the unit's communities).
type PlaceFilter struct {
	Kind        *PlaceKind
	State       *GatheringState
	District    *string
	Unit        *string
	Communities []string
	Code        *string
	Offset      int
	Limit       int
}

// PlaceVisible reports whether u may read place p: city-wide readers, its
// district, its responsible unit, and the units of its community
// (communities lists the caller unit's communities).
func PlaceVisible(u *User, p *Place, communities []string) bool {
	if !u.Can(ActReadPlaces) {
		return false
	}
	return inScope(u.Scope(), p.DistrictCode, func(unit string) bool {
		return unit == p.UnitCode || p.CommunityCode != "" && slices.Contains(communities, p.CommunityCode)
	})
}

// MayManagePlace reports whether u may create or change p: city-wide
// managers, and a district commander in its district.
func MayManagePlace(u *User, p *Place) bool {
	return u.Can(ActManagePlaces) && inScope(u.Scope(), p.DistrictCode, func(string) bool { return false })
}

// PlaceTx stores places, their inspections and rectifications, and
// deployments.
type PlaceTx interface {
	// UpsertPlace creates a place or replaces the one of its code; it
	// reports whether it created it.
	UpsertPlace(p *Place) (bool, error)
	FindPlaceByID(id int64) (*Place, error)
	FindPlaceByCode(code string) (*Place, error)
	// FindPlaces returns one page of places by code with their coverage,
	// and the total.
	FindPlaces(f PlaceFilter) ([]Place, int, error)
	CreateInspection(in *Inspection) error
	FindInspectionByID(id int64) (*Inspection, error)
	FindInspections(placeID int64, limit int) ([]Inspection, error)
	// SaveRectification creates (ID 0) or updates a rectification.
	SaveRectification(r *Rectification) error
	FindRectificationByID(id int64, lock bool) (*Rectification, error)
	FindRectifications(f RectificationFilter) ([]Rectification, int, error)
	// SaveDeployment creates (ID 0) or updates a deployment.
	SaveDeployment(d *Deployment) error
	FindDeploymentByID(id int64, lock bool) (*Deployment, error)
	FindDeployments(f DeploymentFilter) ([]Deployment, int, error)
}
