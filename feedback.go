package epiloop

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Located says where a unit found the person.
type Located string

const (
	LocatedAtAddress       Located = "at_address"
	LocatedElsewhereInCity Located = "elsewhere_in_city"
	LocatedLeftCity        Located = "left_city"
	LocatedNotFound        Located = "not_found"
)

// Contact says how the unit reached the person.
type Contact string

const (
	ContactInPerson Contact = "in_person"
	ContactPhone    Contact = "phone"
)

// Measure is what was done about the person.
type Measure string

const (
	MeasureHomeObservation  Measure = "home_observation"
	MeasureCentralIsolation Measure = "central_isolation"
	MeasureHospital         Measure = "hospital"
	MeasureNoneRequired     Measure = "none_required"
)

// FeverThreshold is the temperature (°C) from which a reading is a fever.
const FeverThreshold = 37.3

// A body temperature reading (°C) outside this range is a typing error.
const (
	MinTemperature = 34.0
	MaxTemperature = 43.0
)

// TemperatureRange is the valid range as the messages show it (34.0,
// 43.0): the parameters of err.temperature_range and its reject.
func TemperatureRange() []any {
	return []any{strconv.FormatFloat(MinTemperature, 'f', 1, 64), strconv.FormatFloat(MaxTemperature, 'f', 1, 64)}
}

// ValidTemperature reports whether t is a reading a person can have.
func ValidTemperature(t float64) bool {
	return !math.IsNaN(t) && t >= MinTemperature && t <= MaxTemperature
}

// Free text limits, in bytes: a note on a report or a command, and the
// shorter reason or note on a check, a return or a release.
const (
	MaxNoteBytes   = 2000
	MaxReasonBytes = 1000
)

// TemperatureTolerance is how far apart two readings may be and still agree.
const TemperatureTolerance = 0.5

// Feedback is a unit's structured report on a lead. It is also the shape of
// a lead's outcome and of a commander's adjudication.
type Feedback struct {
	Located     Located  `json:"located"`
	Address     string   `json:"address,omitempty"`
	Destination string   `json:"destination,omitempty"`
	Contact     Contact  `json:"contact,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	Symptoms    bool     `json:"symptoms"`
	// ArrivalDate is the arrival date the unit confirmed, YYYY-MM-DD.
	ArrivalDate string  `json:"arrival_date,omitempty"`
	Measure     Measure `json:"measure,omitempty"`
	Site        string  `json:"site,omitempty"`
	Note        string  `json:"note,omitempty"`
	// Resolution says, in a lead's outcome, how it was reached: the two
	// reports agreed, or a commander adjudicated. A unit's report has
	// none (Normalize clears it).
	Resolution  string    `json:"resolution,omitempty"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	SubmittedBy int64     `json:"submitted_by,omitempty"`
}

// Fever reports whether the feedback records a fever.
func (f *Feedback) Fever() bool {
	return f.Temperature != nil && *f.Temperature >= FeverThreshold
}

// Resolutions of a lead's outcome.
const (
	ResolutionAgreed      = "agreed"
	ResolutionAdjudicated = "adjudicated"
)

// Normalize tidies free-text fields in place.
func (f *Feedback) Normalize() {
	f.Resolution = ""
	f.Address = NormalizeSpace(f.Address)
	f.Destination = NormalizeSpace(f.Destination)
	f.Site = NormalizeSpace(f.Site)
	f.Note = strings.TrimSpace(f.Note)
}

// BlankFreeText empties the fields a person typed (addresses, site,
// note), keeping the codes and flags statistics count: what retention
// does to a closed lead's feedback.
func (f *Feedback) BlankFreeText() {
	f.Address, f.Destination, f.Site, f.Note = "", "", "", ""
}

// Validate checks that the feedback is complete for what it says.
func (f *Feedback) Validate() error {
	switch f.Located {
	case LocatedAtAddress, LocatedNotFound:
	case LocatedElsewhereInCity:
		if f.Address == "" {
			return FieldError("address", "err.address_required_when_person_lives")
		}
	case LocatedLeftCity:
		if f.Destination == "" {
			return FieldError("destination", "err.destination_required_when_person_left")
		}
	default:
		return FieldError("located", "err.located_must_at_address_elsewhere")
	}
	switch f.Contact {
	case "", ContactInPerson, ContactPhone:
	default:
		return FieldError("contact", "err.contact_must_in_person_or")
	}
	if t := f.Temperature; t != nil && !ValidTemperature(*t) {
		return FieldError("temperature", "err.temperature_range", TemperatureRange()...)
	}
	if f.ArrivalDate != "" {
		if _, err := time.Parse(time.DateOnly, f.ArrivalDate); err != nil {
			return FieldError("arrival_date", "err.arrival_date_must_yyyy_mm")
		}
	}
	switch f.Measure {
	case MeasureHomeObservation, MeasureHospital, MeasureNoneRequired:
	case MeasureCentralIsolation:
		if f.Site == "" {
			return FieldError("site", "err.site_required_for_central_isolation")
		}
	case "":
		if f.Located == LocatedAtAddress {
			return FieldError("measure", "err.measure_required_when_person_was")
		}
	default:
		return FieldError("measure", "err.measure_must_home_observation_central")
	}
	if len(f.Note) > MaxNoteBytes {
		return FieldError("note", "err.note_too_long", MaxNoteBytes)
	}
	return nil
}
