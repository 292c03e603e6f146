package epiloop

import (
	"encoding/json"
	"math"
	"strings"
	"time"
)

// ObservationKind is the kind of a medical observation plan (医学观察); each
// kind has its own duration.
type ObservationKind string

const (
	ObservationHome    ObservationKind = "home"
	ObservationCentral ObservationKind = "central"
	// ObservationNewDetainee is the observation of a person newly taken
	// into a detention facility.
	ObservationNewDetainee ObservationKind = "new_detainee"
	// ObservationDetentionStaff is the rotation of staff of a facility
	// under closed management.
	ObservationDetentionStaff ObservationKind = "detention_staff"
)

// Valid reports whether k is a known kind.
func (k ObservationKind) Valid() bool {
	switch k {
	case ObservationHome, ObservationCentral, ObservationNewDetainee, ObservationDetentionStaff:
		return true
	}
	return false
}

// ObservationDurations maps each kind to its length in days.
type ObservationDurations map[ObservationKind]int

// DefaultObservationDurations are the design's defaults: 14 days, new
// detainees 15, detention staff a 14-day rotation.
func DefaultObservationDurations() ObservationDurations {
	return ObservationDurations{
		ObservationHome:           14,
		ObservationCentral:        14,
		ObservationNewDetainee:    15,
		ObservationDetentionStaff: 14,
	}
}

// ObservationStatus is where a plan stands. A plan whose site could not
// take the person waits as pending until a commander places it.
type ObservationStatus string

const (
	ObservationPending     ObservationStatus = "pending"
	ObservationActive      ObservationStatus = "active"
	ObservationReleased    ObservationStatus = "released"
	ObservationTransferred ObservationStatus = "transferred_to_hospital"
)

// Valid reports whether s is a known status.
func (s ObservationStatus) Valid() bool {
	switch s {
	case ObservationPending, ObservationActive, ObservationReleased, ObservationTransferred:
		return true
	}
	return false
}

// Open reports whether the plan is still running.
func (s ObservationStatus) Open() bool { return s == ObservationPending || s == ObservationActive }

// Proposal is what the daily checks suggest the responsible unit do next.
type Proposal string

const (
	ProposeRelease  Proposal = "release"
	ProposeTransfer Proposal = "transfer_to_hospital"
)

// UnitIsolationSite is the unit kind of a central isolation site (集中隔离
// 点): it holds the central plans placed there, up to its capacity.
const UnitIsolationSite UnitKind = "isolation_site"

// Site is a central isolation site with its capacity.
type Site struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	DistrictCode string `json:"district"`
	Address      string `json:"address,omitempty"`
	Capacity     int    `json:"capacity"`
	// Occupancy counts the active plans placed at the site; it is read,
	// never stored.
	Occupancy int `json:"occupancy"`
}

// Validate checks the site's fields.
func (s *Site) Validate() error {
	s.Name = NormalizeSpace(s.Name)
	s.Address = NormalizeSpace(s.Address)
	switch {
	case strings.TrimSpace(s.Code) == "" || len(s.Code) > 32:
		return FieldError("code", "err.site_code_required_at_most")
	case s.Name == "" || len(s.Name) > 128:
		return FieldError("name", "err.site_name_required_at_most")
	case len(s.DistrictCode) != 6 || !allDigits([]byte(s.DistrictCode)):
		return FieldError("district", "err.district_must_6_digit_district")
	case s.Capacity < 0 || s.Capacity > 100000:
		return FieldError("capacity", "err.capacity_must_between_0_and")
	case len(s.Address) > 500:
		return FieldError("address", "err.address_too_long_at_most")
	}
	return nil
}

// Unit returns the unit row of the site.
func (s *Site) Unit() Unit {
	return Unit{Code: s.Code, Kind: UnitIsolationSite, Name: s.Name, DistrictCode: s.DistrictCode}
}

// Observation is one person's medical observation plan, started when a
// lead closes with home observation or central isolation. Its days run
// from Start to the day before End (civil dates); each needs a check by
// the responsible unit — the community committee at home, the site for
// central isolation.
type Observation struct {
	ID     int64             `json:"id"`
	LeadID int64             `json:"lead_id"`
	Person Person            `json:"person"`
	Kind   ObservationKind   `json:"kind"`
	Status ObservationStatus `json:"status"`
	Start  string            `json:"start"`
	// End is Start plus the kind's duration: the day the person may go.
	End          string `json:"end"`
	UnitCode     string `json:"unit"`
	DistrictCode string `json:"district"`
	// Site is the site as the units named it, for central isolation.
	Site     string   `json:"site,omitempty"`
	Proposal Proposal `json:"proposal,omitempty"`
	// Overdue is set while the last due check is missing.
	Overdue bool `json:"overdue"`
	// Missed counts the days whose check never came.
	Missed    int    `json:"missed"`
	LastCheck string `json:"last_check,omitempty"`
	// CheckDue is the day whose check the escalation watches, due at
	// EscalateAt; both are empty once the last day is past.
	CheckDue   string    `json:"check_due,omitempty"`
	EscalateAt time.Time `json:"-"`
	// Override records that the person was placed at a full site by a
	// commander's explicit decision.
	Override  bool       `json:"override,omitempty"`
	EndReason string     `json:"end_reason,omitempty"`
	Hospital  string     `json:"hospital,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
}

// LastDay returns the last day of observation.
func (o *Observation) LastDay() string { return AddDays(o.End, -1) }

// Day returns the number of the day date is in the plan (the start is 1).
func (o *Observation) Day(date string) int { return DaysBetween(o.Start, date) + 1 }

// ObservationCheck is one daily check of a plan.
type ObservationCheck struct {
	ID            int64     `json:"id"`
	ObservationID int64     `json:"observation_id"`
	Date          string    `json:"date"`
	Time          time.Time `json:"time"`
	Temperature   float64   `json:"temperature"`
	Symptoms      bool      `json:"symptoms"`
	Present       bool      `json:"present"`
	Note          string    `json:"note,omitempty"`
	By            int64     `json:"by,omitempty"`
}

// Validate checks the reading and the note.
func (c *ObservationCheck) Validate() error {
	c.Note = strings.TrimSpace(c.Note)
	switch t := c.Temperature; {
	case !ValidTemperature(t):
		return FieldError("temperature", "err.temperature_range", TemperatureRange()...)
	case len(c.Note) > MaxReasonBytes:
		return FieldError("note", "err.note_too_long", MaxReasonBytes)
	}
	c.Temperature = math.Round(c.Temperature*10) / 10
	return nil
}

// Alarming reports whether the check found a fever or symptoms: the
// person should go to hospital.
func (c *ObservationCheck) Alarming() bool { return c.Temperature >= FeverThreshold || c.Symptoms }

// Normal reports whether the check found the person present and well.
func (c *ObservationCheck) Normal() bool { return c.Present && !c.Alarming() }

// Observation event kinds. Their events carry the plan's district and unit
// (not its lead, whose timeline ends when it closes).
const (
	EventObservationStarted         = "observation.started"
	EventObservationPending         = "observation.pending"
	EventObservationPlaced          = "observation.placed"
	EventObservationChecked         = "observation.checked"
	EventObservationAlert           = "observation.alert"
	EventObservationAbsent          = "observation.absent"
	EventObservationOverdue         = "observation.check_overdue"
	EventObservationReleaseProposed = "observation.release_proposed"
	EventObservationReleased        = "observation.released"
	EventObservationTransferred     = "observation.transferred"
	EventScreeningCreated           = "screening.created"
	EventRiskAreaChanged            = "risk_area.changed"
)

// NewObservationEvent builds an event about a plan at time t.
func NewObservationEvent(kind string, o *Observation, t time.Time, actor int64, data map[string]any) *Event {
	e := &Event{Time: t, Kind: kind, ActorID: actor, District: o.DistrictCode}
	if o.UnitCode != "" {
		e.Units = []string{o.UnitCode}
	}
	if data == nil {
		data = map[string]any{}
	}
	data["observation"] = o.ID
	data["lead"] = o.LeadID
	if b, err := json.Marshal(data); err == nil {
		e.Data = b
	}
	return e
}

// Observation metrics, kept in the stat counters.
const (
	MetricObsOverdue         = "overdue"
	MetricObsAlerts          = "alerts"
	MetricObsReleaseProposed = "release_proposed"
)

// ObservationMetrics lists the metrics of an observation scope in display
// order: one per status, the active plans by kind, then the flags.
var ObservationMetrics = []string{
	string(ObservationPending), string(ObservationActive), string(ObservationReleased), string(ObservationTransferred),
	ActiveKindMetric(ObservationHome), ActiveKindMetric(ObservationCentral),
	ActiveKindMetric(ObservationNewDetainee), ActiveKindMetric(ObservationDetentionStaff),
	MetricObsOverdue, MetricObsAlerts, MetricObsReleaseProposed,
}

// ActiveKindMetric names the metric of active plans of one kind.
func ActiveKindMetric(k ObservationKind) string { return "active_" + string(k) }

// ObservationScope returns the counter scope of observations in a user's
// jurisdiction.
func ObservationScope(s Scope) string {
	switch {
	case s.All:
		return "obs"
	case s.District != "":
		return "obs:d:" + s.District
	}
	return "obs:u:" + s.Unit
}

// ObservationContribution is what one plan adds to the observation
// counters, as a pure function of its state, like Contribution for leads:
// a plan counts in the city, its district and its unit.
func ObservationContribution(o *Observation) []CounterKey {
	if o == nil {
		return nil
	}
	metrics := []string{string(o.Status)}
	if o.Status == ObservationActive {
		metrics = append(metrics, ActiveKindMetric(o.Kind))
		if o.Overdue {
			metrics = append(metrics, MetricObsOverdue)
		}
		switch o.Proposal {
		case ProposeTransfer:
			metrics = append(metrics, MetricObsAlerts)
		case ProposeRelease:
			metrics = append(metrics, MetricObsReleaseProposed)
		}
	}
	scopes := []string{ObservationScope(Scope{All: true})}
	if o.DistrictCode != "" {
		scopes = append(scopes, ObservationScope(Scope{District: o.DistrictCode}))
	}
	if o.UnitCode != "" {
		scopes = append(scopes, ObservationScope(Scope{Unit: o.UnitCode}))
	}
	keys := make([]CounterKey, 0, len(scopes)*len(metrics))
	for _, s := range scopes {
		for _, m := range metrics {
			keys = append(keys, CounterKey{s, m})
		}
	}
	return keys
}

// ObservationFilter selects plans. Scope is always applied.
type ObservationFilter struct {
	Scope  Scope
	Status *ObservationStatus
	Unit   *string
	Kind   *ObservationKind
	// Before, when > 0, selects IDs below it only: a scan of every row
	// asks for the page after the one that ended at Before, found through
	// the ID index, instead of skipping an ever longer Offset.
	Before int64
	// NoCount skips counting what the filter selects: the total returned
	// is the page's length (a scan page by page does not need it).
	NoCount bool
	Offset  int
	Limit   int
}

// ObservationTx stores isolation sites, observation plans and their daily
// checks.
type ObservationTx interface {
	// UpsertSites writes each site and its unit.
	UpsertSites(ss []Site) error
	// FindSites returns the sites, of one district when given, by code,
	// with their occupancy.
	FindSites(district *string) ([]Site, error)
	// FindSiteByCode returns one site with its occupancy; with lock the
	// site is locked until the transaction ends, so that two placements
	// cannot both take its last place.
	FindSiteByCode(code string, lock bool) (*Site, error)
	// CreateObservation inserts a plan for o.Person (who must exist) and
	// o.LeadID (0: a plan of no lead, as a detainee's or a detention
	// staff member's), and sets its ID. A second plan for a lead is
	// ECONFLICT.
	CreateObservation(o *Observation) error
	// UpdateObservation writes the plan's mutable fields.
	UpdateObservation(o *Observation) error
	// FindObservationByID loads a plan with its person; with lock it is
	// locked for update until the transaction ends.
	FindObservationByID(id int64, lock bool) (*Observation, error)
	// FindObservations returns a page of plans, newest first, and the
	// total.
	FindObservations(f ObservationFilter) ([]*Observation, int, error)
	// FindDueObservations returns active plans whose check escalation is
	// due at now, the longest due first.
	FindDueObservations(now time.Time, limit int) ([]*Observation, error)
	CreateObservationCheck(c *ObservationCheck) error
	// FindObservationChecks returns a plan's checks, oldest first.
	FindObservationChecks(observationID int64) ([]*ObservationCheck, error)
	// CreateObservationEscalation records that the check of date was
	// missed; it reports false when that was already recorded.
	CreateObservationEscalation(observationID int64, date string, at time.Time) (bool, error)
}
