package epiloop

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// CheckpointKind says what a checkpoint watches.
type CheckpointKind string

const (
	CheckpointRoad  CheckpointKind = "road"
	CheckpointRail  CheckpointKind = "rail"
	CheckpointAir   CheckpointKind = "air"
	CheckpointOther CheckpointKind = "other"
)

// Valid reports whether k is a known checkpoint kind.
func (k CheckpointKind) Valid() bool {
	switch k {
	case CheckpointRoad, CheckpointRail, CheckpointAir, CheckpointOther:
		return true
	}
	return false
}

// Checkpoint is a road, rail or air checkpoint (卡点). It is a unit of its
// own (kind UnitCheckpoint): its officers belong to it and see its
// screenings.
type Checkpoint struct {
	Code         string         `json:"code"`
	Kind         CheckpointKind `json:"kind"`
	Name         string         `json:"name"`
	DistrictCode string         `json:"district"`
	Location     string         `json:"location,omitempty"`
}

// Validate checks the checkpoint's fields.
func (c *Checkpoint) Validate() error {
	c.Name = NormalizeSpace(c.Name)
	c.Location = NormalizeSpace(c.Location)
	switch {
	case strings.TrimSpace(c.Code) == "" || len(c.Code) > 32:
		return FieldError("code", "err.checkpoint_code_required_at_most")
	case !c.Kind.Valid():
		return FieldError("kind", "err.kind_must_road_rail_air")
	case c.Name == "" || len(c.Name) > 128:
		return FieldError("name", "err.checkpoint_name_required_at_most")
	case len(c.DistrictCode) != 6 || !allDigits([]byte(c.DistrictCode)):
		return FieldError("district", "err.district_must_6_digit_district")
	case len(c.Location) > 500:
		return FieldError("location", "err.location_too_long_at_most")
	}
	return nil
}

// Unit returns the unit row of the checkpoint.
func (c *Checkpoint) Unit() Unit {
	return Unit{Code: c.Code, Kind: UnitCheckpoint, Name: c.Name, DistrictCode: c.DistrictCode}
}

// Direction is which way a screened vehicle or traveller crossed.
type Direction string

const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

// Decision is what a checkpoint does with one occupant.
type Decision string

const (
	DecisionRelease Decision = "release"
	DecisionLead    Decision = "lead"
	DecisionFever   Decision = "fever"
)

// Text is what the officer at the gate reads for the decision, in lang.
func (d Decision) Text(lang string) string { return T(lang, "decision."+string(d)) }

// MaxOccupants bounds one screening: a full coach, or a carriage's worth
// of passengers typed from a manifest.
const MaxOccupants = 120

// Occupant is one person of a screening. Person holds personal data.
type Occupant struct {
	Seq    int    `json:"seq"`
	Person Person `json:"person"`
	// Origin is the canonical division code (2, 4 or 6 digits) of where the
	// person came from.
	Origin      string   `json:"origin"`
	Destination string   `json:"destination,omitempty"`
	Temperature float64  `json:"temperature"`
	Symptoms    bool     `json:"symptoms"`
	Decision    Decision `json:"decision"`
	// RiskArea is the version of the risk area the origin matched, 0 when
	// none did.
	RiskArea int64 `json:"risk_area,omitempty"`
	LeadID   int64 `json:"lead_id,omitempty"`
}

// Fever reports whether the occupant's reading is a fever.
func (o *Occupant) Fever() bool { return o.Temperature >= FeverThreshold }

// Screening is one crossing registered at a checkpoint: a vehicle and its
// occupants, or a train carriage's travellers, or people on foot. It keeps
// the decisions taken and the risk-area version they were taken against,
// so that a later change of the risk areas never rewrites the past.
type Screening struct {
	ID             int64       `json:"id"`
	CheckpointCode string      `json:"checkpoint"`
	DistrictCode   string      `json:"district"`
	Time           time.Time   `json:"time"`
	Direction      Direction   `json:"direction"`
	Plate          string      `json:"plate,omitempty"`
	Train          string      `json:"train,omitempty"`
	Carriage       string      `json:"carriage,omitempty"`
	RiskVersion    int64       `json:"risk_version"`
	Occupants      []*Occupant `json:"occupants"`
	CreatedAt      time.Time   `json:"created_at"`
	CreatedBy      int64       `json:"created_by,omitempty"`
}

// Normalize validates and normalises the screening in place, the
// occupants' identities included; errors name the field
// (occupants[2].temperature). Origins are resolved by the workflow, which
// has the division index.
func (s *Screening) Normalize() error {
	switch s.Direction {
	case DirectionIn, DirectionOut:
	default:
		return FieldError("direction", "err.direction_must_in_or_out")
	}
	if strings.TrimSpace(s.Plate) != "" {
		p, err := NormalizePlate(s.Plate)
		if err != nil {
			return err
		}
		s.Plate = p
	} else {
		s.Plate = ""
	}
	if strings.TrimSpace(s.Train) != "" {
		t, err := NormalizeTrain(s.Train)
		if err != nil {
			return err
		}
		s.Train = t
	} else {
		s.Train = ""
	}
	s.Carriage = strings.TrimSpace(ToHalfWidth(s.Carriage))
	switch {
	case s.Plate != "" && s.Train != "":
		return FieldError("train", "err.give_plate_or_train_not")
	case s.Carriage != "" && s.Train == "":
		return FieldError("carriage", "err.carriage_needs_train")
	case s.Carriage != "" && (len(s.Carriage) > 2 || !allDigits([]byte(s.Carriage)) || s.Carriage == "0" || s.Carriage == "00"):
		return FieldError("carriage", "err.carriage_must_carriage_number_1")
	case len(s.Occupants) == 0:
		return FieldError("occupants", "err.at_least_one_occupant_required")
	case len(s.Occupants) > MaxOccupants:
		return FieldError("occupants", "err.at_most_0_occupants_per", MaxOccupants)
	}
	seen := make(map[string]int, len(s.Occupants))
	for i, o := range s.Occupants {
		if o == nil {
			return FieldError(occupantField(i, ""), "err.occupant_missing")
		}
		o.Seq = i + 1
		if err := o.normalize(i); err != nil {
			return err
		}
		key := "id:" + o.Person.IDNumber
		if o.Person.IDNumber == "" {
			key = "phone:" + o.Person.Phone + "/" + o.Person.Name
		}
		if j, dup := seen[key]; dup {
			return FieldError(occupantField(i, "id_number"), "err.same_person_as_occupant_0", j+1)
		}
		seen[key] = i
	}
	return nil
}

// normalize checks one occupant's own fields.
func (o *Occupant) normalize(i int) error {
	if err := o.Person.Normalize(); err != nil {
		return renameField(err, occupantField(i, strings.TrimPrefix(ErrorField(err), "person.")))
	}
	o.Origin = NormalizeSpace(o.Origin)
	o.Destination = NormalizeSpace(o.Destination)
	switch t := o.Temperature; {
	case !ValidTemperature(t):
		return FieldError(occupantField(i, "temperature"), "err.temperature_range", TemperatureRange()...)
	case o.Origin == "":
		return FieldError(occupantField(i, "origin"), "err.origin_required_division_code_or")
	case len(o.Origin) > 100:
		return FieldError(occupantField(i, "origin"), "err.origin_too_long")
	case len(o.Destination) > 500:
		return FieldError(occupantField(i, "destination"), "err.destination_too_long_at_most")
	}
	o.Temperature = math.Round(o.Temperature*10) / 10
	return nil
}

// occupantField names a field of the i-th occupant (0-based) as the API
// spells it.
func occupantField(i int, field string) string {
	if field == "" {
		return fmt.Sprintf("occupants[%d]", i)
	}
	return fmt.Sprintf("occupants[%d].%s", i, field)
}

// renameField returns err with its field renamed.
func renameField(err error, field string) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// Decide applies the checkpoint rules to one occupant of a crossing at t:
// a fever (≥ 37.3 °C) goes to the fever clinic and becomes an urgent lead;
// symptoms, or arrival from a risk area inside its watch window, become a
// lead; anyone else is released. The risk-area rule applies to arrivals
// only: for a person leaving the city their origin says nothing. It
// returns the risk area matched, if any.
func Decide(o *Occupant, d Direction, areas *RiskAreaSet, t time.Time) (Decision, *RiskArea) {
	var area *RiskArea
	if d == DirectionIn && areas != nil {
		area = areas.Match(o.Origin, t)
	}
	switch {
	case o.Fever():
		return DecisionFever, area
	case o.Symptoms || area != nil:
		return DecisionLead, area
	}
	return DecisionRelease, nil
}

// Screening statistics are kept in their own counters (not the lead
// funnel's), maintained in the transaction that saves the screening: per
// checkpoint totals, and per checkpoint and civil day the hour-by-hour
// throughput.
const (
	MetricScreenings = "screenings"
	MetricVehicles   = "vehicles"
	MetricPersons    = "persons"
	MetricFevers     = "fevers"
	MetricLeads      = "leads"
	MetricReleased   = "released"
)

// CheckpointMetrics lists a checkpoint's total metrics in display order.
var CheckpointMetrics = []string{MetricScreenings, MetricVehicles, MetricPersons, MetricFevers, MetricLeads, MetricReleased}

// CheckpointScope names the counter scope of one checkpoint's totals.
func CheckpointScope(code string) string { return "ck:" + code }

// CheckpointDayScope names the counter scope of one checkpoint's civil day
// (YYYY-MM-DD), whose metrics are HourMetric(metric, hour).
func CheckpointDayScope(code, date string) string { return "ck:" + code + "@" + date }

// HourMetric names a metric of one hour (0–23) of a civil day.
func HourMetric(metric string, hour int) string { return fmt.Sprintf("%s@%02d", metric, hour) }

// DayTotal sums a metric's 24 hour counters of a day scope's counters.
func DayTotal(day map[string]int64, metric string) int64 {
	var n int64
	for h := range 24 {
		n += day[HourMetric(metric, h)]
	}
	return n
}

// ScreeningContribution is what one screening adds to the checkpoint
// counters, as a pure function of the screening.
func ScreeningContribution(s *Screening) []CounterDelta {
	var fevers, leads, released int64
	for _, o := range s.Occupants {
		switch o.Decision {
		case DecisionFever:
			fevers++
			leads++
		case DecisionLead:
			leads++
		case DecisionRelease:
			released++
		}
	}
	var vehicles int64
	if s.Plate != "" {
		vehicles = 1
	}
	persons := int64(len(s.Occupants))
	total := CheckpointScope(s.CheckpointCode)
	local := s.Time.In(civilZone)
	day := CheckpointDayScope(s.CheckpointCode, local.Format(time.DateOnly))
	h := local.Hour()
	m := map[CounterKey]int64{
		{total, MetricScreenings}:              1,
		{total, MetricVehicles}:                vehicles,
		{total, MetricPersons}:                 persons,
		{total, MetricFevers}:                  fevers,
		{total, MetricLeads}:                   leads,
		{total, MetricReleased}:                released,
		{day, HourMetric(MetricScreenings, h)}: 1,
		{day, HourMetric(MetricVehicles, h)}:   vehicles,
		{day, HourMetric(MetricPersons, h)}:    persons,
		{day, HourMetric(MetricFevers, h)}:     fevers,
		{day, HourMetric(MetricLeads, h)}:      leads,
		{day, HourMetric(MetricReleased, h)}:   released,
	}
	return deltas(m)
}

// deltas turns counter changes into deltas sorted by key, zeros left out,
// so that concurrent transactions touch counter rows in one order.
func deltas(m map[CounterKey]int64) []CounterDelta {
	out := make([]CounterDelta, 0, len(m))
	for k, n := range m {
		if n != 0 {
			out = append(out, CounterDelta{k, n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Scope != out[j].Scope {
			return out[i].Scope < out[j].Scope
		}
		return out[i].Metric < out[j].Metric
	})
	return out
}

// CheckpointFilter selects checkpoints. Scope is always applied: a unit
// sees its own checkpoint only.
type CheckpointFilter struct {
	Scope    Scope
	Kind     *CheckpointKind
	District *string
	Offset   int
	Limit    int
}

// ScreeningFilter selects screenings, newest first.
type ScreeningFilter struct {
	Checkpoint *string
	Since      *time.Time
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

// RiskLevel grades a risk area. A version at level none lifts the area.
type RiskLevel string

const (
	RiskHigh   RiskLevel = "high"
	RiskMedium RiskLevel = "medium"
	RiskLow    RiskLevel = "low"
	RiskNone   RiskLevel = "none"
)

// Valid reports whether l is a known level.
func (l RiskLevel) Valid() bool {
	switch l {
	case RiskHigh, RiskMedium, RiskLow, RiskNone:
		return true
	}
	return false
}

func (l RiskLevel) rank() int {
	switch l {
	case RiskHigh:
		return 3
	case RiskMedium:
		return 2
	case RiskLow:
		return 1
	}
	return 0
}

// RiskArea is one version of a risk area: a division (province, city or
// county code) whose travellers are watched between two civil dates,
// inclusive. Versions are never changed: a change appends a new version
// for the code, and the latest version of each code is in force. The
// version number orders every version of every code.
type RiskArea struct {
	Version   int64     `json:"version"`
	Code      string    `json:"code"`
	Level     RiskLevel `json:"level"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy int64     `json:"created_by,omitempty"`
}

// Validate checks the area's own fields; that the code is a real division
// is checked by the workflow, which has the division index.
func (a *RiskArea) Validate() error {
	a.Note = strings.TrimSpace(a.Note)
	switch {
	case !IsCountryCode(a.Code) && (!(len(a.Code) == 2 || len(a.Code) == 4 || len(a.Code) == 6) || !allDigits([]byte(a.Code))):
		return FieldError("code", "err.code_must_2_4_or")
	case !a.Level.Valid():
		return FieldError("level", "err.level_must_high_medium_low")
	case !isDate(a.From):
		return FieldError("from", "err.from_must_date_yyyy_mm")
	case !isDate(a.To):
		return FieldError("to", "err.to_must_be_date")
	case a.To < a.From:
		return FieldError("to", "err.must_not_before_from")
	case len(a.Note) > MaxReasonBytes:
		return FieldError("note", "err.note_too_long", MaxReasonBytes)
	}
	return nil
}

// Covers reports whether a traveller from origin (a canonical division
// code) crossing at t is inside the area and its watch window. The window
// runs from the start of From to the end of To, civil time. An origin
// given only as a province does not lie in one of its cities.
func (a *RiskArea) Covers(origin string, t time.Time) bool {
	if a.Level == RiskNone || !strings.HasPrefix(origin, a.Code) {
		return false
	}
	d := CivilDate(t)
	return a.From <= d && d <= a.To
}

// RiskAreaSet is the risk areas in force at one version of the list.
type RiskAreaSet struct {
	Version int64      `json:"version"`
	Areas   []RiskArea `json:"items"`
}

// Match returns the area a traveller from origin crossing at t is in: the
// highest level, then the most specific, of those that cover them; nil
// when none does.
func (s *RiskAreaSet) Match(origin string, t time.Time) *RiskArea {
	var best *RiskArea
	for i := range s.Areas {
		a := &s.Areas[i]
		if !a.Covers(origin, t) {
			continue
		}
		if best == nil || a.Level.rank() > best.Level.rank() ||
			(a.Level == best.Level && len(a.Code) > len(best.Code)) {
			best = a
		}
	}
	return best
}

// civilZone is the zone in which calendar dates are read — watch windows,
// observation days, the hours of checkpoint throughput: China Standard
// Time, UTC+8 all year.
var civilZone = time.FixedZone("CST", 8*60*60)

// CivilZone returns the zone of civil dates.
func CivilZone() *time.Location { return civilZone }

// CivilDate returns the civil date (YYYY-MM-DD) of an instant.
func CivilDate(t time.Time) string { return t.In(civilZone).Format(time.DateOnly) }

// CivilMidnight returns the instant a civil date begins; the zero time for
// a malformed date.
func CivilMidnight(date string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, date, civilZone)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// AddDays returns the civil date n days after date ("" for a malformed
// date).
func AddDays(date string, n int) string {
	t, err := time.ParseInLocation(time.DateOnly, date, civilZone)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// DaysBetween returns the number of days from date a to date b.
func DaysBetween(a, b string) int {
	ta, tb := CivilMidnight(a), CivilMidnight(b)
	return int(tb.Sub(ta).Round(time.Hour).Hours() / 24)
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// CheckpointTx stores checkpoints, their screenings, the risk-area
// versions, and the counters of checkpoints and observations (kept apart
// from the lead funnel's).
type CheckpointTx interface {
	// UpsertCheckpoints writes each checkpoint and its unit.
	UpsertCheckpoints(cs []Checkpoint) error
	// FindCheckpoints returns a page of the checkpoint units the filter
	// selects, by code; a checkpoint unit without details is of kind
	// other.
	FindCheckpoints(f CheckpointFilter) ([]Checkpoint, int, error)
	FindCheckpointByCode(code string) (*Checkpoint, error)
	// CreateScreening inserts the screening with its occupants and sets
	// its ID.
	CreateScreening(s *Screening) error
	// SetOccupantLead records the lead an occupant became.
	SetOccupantLead(screeningID int64, seq int, leadID int64) error
	FindScreeningByID(id int64) (*Screening, error)
	// FindScreenings returns a page of screenings with their occupants,
	// newest first, and the total.
	FindScreenings(f ScreeningFilter) ([]*Screening, int, error)
	// CreateRiskArea appends a version and sets a.Version.
	CreateRiskArea(a *RiskArea) error
	// FindRiskAreas returns the areas in force at version asOf (0: the
	// latest): the latest version of each code up to it, lifted ones left
	// out.
	FindRiskAreas(asOf int64) (*RiskAreaSet, error)
	// FindRiskAreaHistory returns a page of every version, newest first.
	FindRiskAreaHistory(offset, limit int) ([]RiskArea, int, error)
	AddStatCounters(ds []CounterDelta) error
	FindStatCounters(scope string) (map[string]int64, error)
	AllStatCounters() (map[CounterKey]int64, error)
}
