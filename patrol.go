package epiloop

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Patrols (巡逻), drone sorties (无人机架次) and incident statistics (警情统计).
// A unit logs its patrols — the officers by real name (staff, not
// residents), the vehicles by plate, the route or area, start and end —
// and its drone sorties; the daily totals per district are counters kept
// in the same transaction as the log (PatrolContribution), so that a
// correction or a void moves the figures with it. Incident counts are a
// table per district and civil day, entered or imported, compared with the
// same days a year earlier by one rule (YearOnYear).

// Bounds of a patrol log and a drone sortie.
const (
	// MaxPatrolLength is the longest a patrol may last.
	MaxPatrolLength = 24 * time.Hour
	// PatrolClockSkew is how far in the future a start or end may lie (a
	// phone's clock ahead of the server's).
	PatrolClockSkew = 10 * time.Minute
	// MaxPatrolOfficers and MaxPatrolVehicles bound one log's lists.
	MaxPatrolOfficers = 60
	MaxPatrolVehicles = 20
	// MaxPatrolName bounds an officer's or a pilot's name, in characters.
	MaxPatrolName = 32
	// MaxPatrolText bounds a route or area, a drone's id, in characters.
	MaxPatrolText = 200
	// MaxSortieMinutes bounds a sortie's flight time.
	MaxSortieMinutes = 600
	// PatrolCorrectionWindow is how long after it was logged an entry may
	// be corrected or voided.
	PatrolCorrectionWindow = 72 * time.Hour
	// MaxPatrolBackdate is how far back a patrol or sortie may start.
	MaxPatrolBackdate = 31 * 24 * time.Hour
)

// Patrol event kinds (EventKinds).
const (
	EventPatrolLogged     = "patrol.logged"
	EventPatrolCorrected  = "patrol.corrected"
	EventPatrolVoided     = "patrol.voided"
	EventSortieLogged     = "sortie.logged"
	EventSortieCorrected  = "sortie.corrected"
	EventSortieVoided     = "sortie.voided"
	EventIncidentsEntered = "incidents.entered"
)

// PatrolLog is one patrol of a unit in a district.
type PatrolLog struct {
	ID           int64     `json:"id"`
	UnitCode     string    `json:"unit"`
	DistrictCode string    `json:"district"`
	Officers     []string  `json:"officers"`
	Vehicles     []string  `json:"vehicles"`
	Area         string    `json:"area"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	// Voided marks an entry withdrawn by its unit: it counts nowhere.
	Voided    bool      `json:"voided"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DroneSortie is one flight of a unit's drone over a district.
type DroneSortie struct {
	ID           int64     `json:"id"`
	UnitCode     string    `json:"unit"`
	DistrictCode string    `json:"district"`
	Pilot        string    `json:"pilot"`
	Drone        string    `json:"drone"`
	Area         string    `json:"area"`
	Start        time.Time `json:"start"`
	Minutes      int       `json:"minutes"`
	Voided       bool      `json:"voided"`
	CreatedBy    int64     `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// cleanNames trims each name and drops the empty ones.
func cleanNames(ns []string) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Normalize trims the lists and texts and puts the plates in their one
// spelling; a plate that does not read is left as typed (Problems names
// it).
func (p *PatrolLog) Normalize() {
	p.Officers = cleanNames(p.Officers)
	p.Vehicles = cleanNames(p.Vehicles)
	for i, v := range p.Vehicles {
		if n, err := NormalizePlate(v); err == nil {
			p.Vehicles[i] = n
		}
	}
	p.Area = strings.TrimSpace(p.Area)
}

// Problems returns every field error of the log at now, in form order
// (the form shows them all at once; the API answers the first).
func (p *PatrolLog) Problems(now time.Time) []error {
	var errs []error
	if len(p.Officers) == 0 {
		errs = append(errs, FieldError("officers", "err.patrol_officers_required"))
	} else if len(p.Officers) > MaxPatrolOfficers {
		errs = append(errs, FieldError("officers", "err.patrol_too_many_officers", MaxPatrolOfficers))
	} else {
		for _, n := range p.Officers {
			if utf8.RuneCountInString(n) > MaxPatrolName {
				errs = append(errs, FieldError("officers", "err.patrol_name_too_long", MaxPatrolName))
				break
			}
		}
	}
	if len(p.Vehicles) > MaxPatrolVehicles {
		errs = append(errs, FieldError("vehicles", "err.patrol_too_many_vehicles", MaxPatrolVehicles))
	} else {
		seen := map[string]bool{}
		for i, v := range p.Vehicles {
			if _, err := NormalizePlate(v); err != nil {
				errs = append(errs, FieldError("vehicles", "err.patrol_plate", i+1))
				break
			}
			if seen[v] {
				errs = append(errs, FieldError("vehicles", "err.patrol_plate_twice"))
				break
			}
			seen[v] = true
		}
	}
	errs = append(errs, areaProblems(p.Area)...)
	errs = append(errs, startProblems(p.Start, now)...)
	switch {
	case p.End.IsZero():
		errs = append(errs, FieldError("end", "err.patrol_end_required"))
	case !p.Start.IsZero() && !p.End.After(p.Start):
		errs = append(errs, FieldError("end", "err.patrol_end_before_start"))
	case !p.Start.IsZero() && p.End.Sub(p.Start) > MaxPatrolLength:
		errs = append(errs, FieldError("end", "err.patrol_too_long", int(MaxPatrolLength.Hours())))
	case p.End.After(now.Add(PatrolClockSkew)):
		errs = append(errs, FieldError("end", "err.patrol_in_future"))
	}
	return errs
}

// Validate returns the log's first problem at now, or nil.
func (p *PatrolLog) Validate(now time.Time) error { return first(p.Problems(now)) }

func first(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

func areaProblems(area string) []error {
	switch {
	case area == "":
		return []error{FieldError("area", "err.patrol_area_required")}
	case utf8.RuneCountInString(area) > MaxPatrolText:
		return []error{FieldError("area", "err.patrol_text_too_long", MaxPatrolText)}
	}
	return nil
}

func startProblems(start, now time.Time) []error {
	switch {
	case start.IsZero():
		return []error{FieldError("start", "err.patrol_start_required")}
	case start.After(now.Add(PatrolClockSkew)):
		return []error{FieldError("start", "err.patrol_in_future")}
	case start.Before(now.Add(-MaxPatrolBackdate)):
		return []error{FieldError("start", "err.patrol_too_old", int(MaxPatrolBackdate.Hours()/24))}
	}
	return nil
}

// Normalize trims the sortie's texts.
func (s *DroneSortie) Normalize() {
	s.Pilot, s.Drone, s.Area = strings.TrimSpace(s.Pilot), strings.TrimSpace(s.Drone), strings.TrimSpace(s.Area)
}

// Problems returns every field error of the sortie at now, in form order.
func (s *DroneSortie) Problems(now time.Time) []error {
	var errs []error
	switch {
	case s.Pilot == "":
		errs = append(errs, FieldError("pilot", "err.sortie_pilot_required"))
	case utf8.RuneCountInString(s.Pilot) > MaxPatrolName:
		errs = append(errs, FieldError("pilot", "err.patrol_name_too_long", MaxPatrolName))
	}
	switch {
	case s.Drone == "":
		errs = append(errs, FieldError("drone", "err.sortie_drone_required"))
	case utf8.RuneCountInString(s.Drone) > MaxPatrolText:
		errs = append(errs, FieldError("drone", "err.patrol_text_too_long", MaxPatrolText))
	}
	errs = append(errs, areaProblems(s.Area)...)
	errs = append(errs, startProblems(s.Start, now)...)
	switch {
	case s.Minutes < 1 || s.Minutes > MaxSortieMinutes:
		errs = append(errs, FieldError("minutes", "err.sortie_minutes", MaxSortieMinutes))
	case !s.Start.IsZero() && s.Start.Add(time.Duration(s.Minutes)*time.Minute).After(now.Add(PatrolClockSkew)):
		errs = append(errs, FieldError("minutes", "err.patrol_in_future"))
	}
	return errs
}

// Validate returns the sortie's first problem at now, or nil.
func (s *DroneSortie) Validate(now time.Time) error { return first(s.Problems(now)) }

// Correctable reports whether an entry logged at created may still be
// corrected or voided at now.
func Correctable(created, now time.Time) bool {
	return !now.After(created.Add(PatrolCorrectionWindow))
}

// The patrol figures, kept in the stat counters of one scope per civil
// day (China Standard Time) of the city and of each district
// (PatrolDayScope), on the day the patrol or sortie started:
//
//   - patrols: patrol logs; officer_shifts: the officers of each (one
//     officer on two patrols of a day counts twice: a shift is a patrol
//     an officer went on); vehicle_shifts: the vehicles of each.
//   - sorties: drone sorties; flight_minutes: their flight time (flight
//     hours are flight_minutes / 60, shown to one decimal).
//
// A voided entry counts nowhere; a corrected one counts as corrected.
const (
	MetricPatrols       = "patrols"
	MetricOfficerShifts = "officer_shifts"
	MetricVehicleShifts = "vehicle_shifts"
	MetricSorties       = "sorties"
	MetricFlightMinutes = "flight_minutes"
)

// PatrolMetrics lists the patrol metrics in display order.
var PatrolMetrics = []string{MetricPatrols, MetricOfficerShifts, MetricVehicleShifts, MetricSorties, MetricFlightMinutes}

// PatrolDayScope names the stat counter scope of a district's civil day
// (YYYY-MM-DD); the city's with district "".
func PatrolDayScope(district, date string) string {
	if district == "" {
		return "pt@" + date
	}
	return "pt:d:" + district + "@" + date
}

// PatrolContribution is what one patrol log adds to the counters, as a
// pure function of its state (nil for a voided one).
func PatrolContribution(p *PatrolLog) []CounterDelta {
	if p == nil || p.Voided {
		return nil
	}
	return patrolDeltas(p.DistrictCode, p.Start, map[string]int64{
		MetricPatrols: 1, MetricOfficerShifts: int64(len(p.Officers)), MetricVehicleShifts: int64(len(p.Vehicles))})
}

// SortieContribution is what one sortie adds to the counters (nil for a
// voided one).
func SortieContribution(s *DroneSortie) []CounterDelta {
	if s == nil || s.Voided {
		return nil
	}
	return patrolDeltas(s.DistrictCode, s.Start, map[string]int64{MetricSorties: 1, MetricFlightMinutes: int64(s.Minutes)})
}

func patrolDeltas(district string, start time.Time, m map[string]int64) []CounterDelta {
	date := CivilDate(start)
	var out []CounterDelta
	for _, scope := range []string{PatrolDayScope("", date), PatrolDayScope(district, date)} {
		for metric, n := range m {
			if n != 0 {
				out = append(out, CounterDelta{CounterKey{scope, metric}, n})
			}
		}
	}
	SortCounterDeltas(out)
	return out
}

// DeltaDiff returns the changes that take counters from contribution
// before to after (each a list of weighted deltas), sorted by key.
func DeltaDiff(before, after []CounterDelta) []CounterDelta {
	m := map[CounterKey]int64{}
	for _, d := range before {
		m[d.CounterKey] -= d.N
	}
	for _, d := range after {
		m[d.CounterKey] += d.N
	}
	out := make([]CounterDelta, 0, len(m))
	for k, n := range m {
		if n != 0 {
			out = append(out, CounterDelta{k, n})
		}
	}
	SortCounterDeltas(out)
	return out
}

// PatrolTotals are a district's (or the city's) patrol figures over some
// days.
type PatrolTotals struct {
	District      string `json:"district"`
	Patrols       int64  `json:"patrols"`
	OfficerShifts int64  `json:"officer_shifts"`
	VehicleShifts int64  `json:"vehicle_shifts"`
	Sorties       int64  `json:"sorties"`
	FlightMinutes int64  `json:"flight_minutes"`
}

// Add adds a day scope's counters to t.
func (t *PatrolTotals) Add(c map[string]int64) {
	t.Patrols += c[MetricPatrols]
	t.OfficerShifts += c[MetricOfficerShifts]
	t.VehicleShifts += c[MetricVehicleShifts]
	t.Sorties += c[MetricSorties]
	t.FlightMinutes += c[MetricFlightMinutes]
}

// Suppress applies u's count rule (MinPublishedCount) to every figure.
func (t *PatrolTotals) Suppress(u *User) {
	t.Patrols, t.OfficerShifts, t.VehicleShifts = u.Count(t.Patrols), u.Count(t.OfficerShifts), u.Count(t.VehicleShifts)
	t.Sorties, t.FlightMinutes = u.Count(t.Sorties), u.Count(t.FlightMinutes)
}

// FlightHours is the flight time in hours, to one decimal.
func (t PatrolTotals) FlightHours() float64 {
	return math.Round(float64(t.FlightMinutes)/6) / 10
}

// PatrolFilter selects patrol logs or sorties. Scope is always applied
// (a unit's own, a district's, or all); From..To bounds the start.
type PatrolFilter struct {
	Scope    Scope
	District *string
	Unit     *string
	From, To time.Time
	// Voided includes voided entries.
	Voided bool
	// Before pages down the ID index (0: from the newest), without a
	// total with NoCount.
	Before  int64
	NoCount bool
	Offset  int
	Limit   int
}

// Incident statistics (警情统计): counts per district and civil day.

// MaxIncidentCount bounds one day's count of a district.
const MaxIncidentCount = 1_000_000

// IncidentStat is one district's incident counts of a civil day.
type IncidentStat struct {
	DistrictCode string    `json:"district"`
	Date         string    `json:"date"`
	PublicOrder  int64     `json:"public_order"`
	Criminal     int64     `json:"criminal"`
	UpdatedBy    int64     `json:"updated_by"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Problems returns every field error of the entry.
func (s *IncidentStat) Problems() []error {
	var errs []error
	if s.DistrictCode == "" {
		errs = append(errs, FieldError("district", "err.incident_district"))
	}
	if !isDate(s.Date) {
		errs = append(errs, FieldError("date", "err.incident_date"))
	}
	for _, f := range []struct {
		name string
		n    int64
	}{{"public_order", s.PublicOrder}, {"criminal", s.Criminal}} {
		if f.n < 0 || f.n > MaxIncidentCount {
			errs = append(errs, FieldError(f.name, "err.incident_count", MaxIncidentCount))
		}
	}
	return errs
}

// Validate returns the entry's first problem, or nil.
func (s *IncidentStat) Validate() error { return first(s.Problems()) }

// IncidentFilter selects incident counts: the districts (none: all) and
// the civil days From..To, both included.
type IncidentFilter struct {
	Districts []string
	From, To  string
}

// YoYMinBase is the smallest count, in both periods, for which a
// year-on-year change is shown as a percentage: below it a change of one
// or two incidents would read as ±50 %, so the raw difference is shown
// with a "small base" (基数小) mark instead.
const YoYMinBase = 20

// YoY is a year-on-year comparison of a count.
type YoY struct {
	Now    int64 `json:"now"`
	Before int64 `json:"year_before"`
	Diff   int64 `json:"diff"`
	// Percent is the change in percent, one decimal, when both counts are
	// at least YoYMinBase; SmallBase is set otherwise.
	Percent   *float64 `json:"percent,omitempty"`
	SmallBase bool     `json:"small_base"`
}

// YearOnYear compares a count with the count of the same dates a year
// earlier: the one rule for the API, the page and the report.
func YearOnYear(now, before int64) YoY {
	y := YoY{Now: now, Before: before, Diff: now - before}
	if now >= YoYMinBase && before >= YoYMinBase {
		p := math.Round(1000*float64(now-before)/float64(before)) / 10
		y.Percent = &p
	} else {
		y.SmallBase = true
	}
	return y
}

// YearEarlier returns the same civil date a year earlier (29 February
// compares with 28 February); "" for a malformed date.
func YearEarlier(date string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return ""
	}
	y, m, d := t.Date()
	if m == time.February && d == 29 {
		d = 28
	}
	return time.Date(y-1, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// MaxPatrolDays bounds the days a totals or incidents query may span.
const MaxPatrolDays = 92

// PatrolTx stores patrol logs, drone sorties and incident statistics.
type PatrolTx interface {
	CreatePatrolLog(p *PatrolLog) error
	// UpdatePatrolLog writes a correction or a void (ENOTFOUND when gone).
	UpdatePatrolLog(p *PatrolLog) error
	FindPatrolLogByID(id int64) (*PatrolLog, error)
	// FindPatrolLogs returns one page of logs, newest start first (by ID
	// descending with Before), and the total.
	FindPatrolLogs(f PatrolFilter) ([]PatrolLog, int, error)
	CreateDroneSortie(s *DroneSortie) error
	UpdateDroneSortie(s *DroneSortie) error
	FindDroneSortieByID(id int64) (*DroneSortie, error)
	FindDroneSorties(f PatrolFilter) ([]DroneSortie, int, error)
	// UpsertIncidentStat writes a district's counts of a day and returns
	// the counts it replaced (nil for a new day).
	UpsertIncidentStat(s *IncidentStat) (*IncidentStat, error)
	// FindIncidentStats returns the counts f selects, by date, district.
	FindIncidentStats(f IncidentFilter) ([]IncidentStat, error)
}

// SeesPatrol reports whether u reads the logs and sorties of unit in
// district: city-wide roles all, a district commander its district's, a
// station its own.
func (u *User) SeesPatrol(unit, district string) bool {
	s := u.Scope()
	switch {
	case s.All:
		return true
	case s.District != "":
		return district == s.District
	}
	return unit != "" && unit == s.Unit
}

// MayLogPatrol reports whether u logs (and corrects) patrols and sorties
// of unit in district: a station for itself, a district commander for the
// units of its district, a city commander for any.
func (u *User) MayLogPatrol(unit, district string) bool {
	if !u.Can(ActLogPatrol) {
		return false
	}
	switch u.Role {
	case RoleCommander:
		return true
	case RoleDistrict:
		return district != "" && district == u.DistrictCode
	}
	return unit != "" && unit == u.UnitCode
}

// PatrolFigureDistrict is the district whose patrol figures and incident
// counts u reads; "" for city-wide roles (every district). A station
// reads its district's figures (counts, not logs).
func (u *User) PatrolFigureDistrict() (district string, all bool) {
	if u.Scope().All {
		return "", true
	}
	return u.DistrictCode, false
}

// MayEnterIncidents reports whether u enters or imports incident counts
// of district: a district commander its own, a city commander any.
func (u *User) MayEnterIncidents(district string) bool {
	if !u.Can(ActEnterIncidents) {
		return false
	}
	return u.Role == RoleCommander || district != "" && district == u.DistrictCode
}

// Text renders the comparison as the pages and the report show it: the
// change in percent ("+12.5%"), or for a small base the raw difference
// with the mark ("+3（基数小）").
func (y YoY) Text(lang string) string {
	if y.Percent != nil {
		return T(lang, "yoy.percent", signed(*y.Percent, 1))
	}
	return T(lang, "yoy.small_base", signed(float64(y.Diff), 0))
}

// signed formats v with its sign and prec decimals.
func signed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if v > 0 {
		s = "+" + s
	}
	return s
}
