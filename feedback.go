package epiloop

import (
	"math"
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
	ArrivalDate string    `json:"arrival_date,omitempty"`
	Measure     Measure   `json:"measure,omitempty"`
	Site        string    `json:"site,omitempty"`
	Note        string    `json:"note,omitempty"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"`
	SubmittedBy int64     `json:"submitted_by,omitempty"`
}

// Fever reports whether the feedback records a fever.
func (f *Feedback) Fever() bool {
	return f.Temperature != nil && *f.Temperature >= FeverThreshold
}

// Normalize tidies free-text fields in place.
func (f *Feedback) Normalize() {
	f.Address = NormalizeSpace(f.Address)
	f.Destination = NormalizeSpace(f.Destination)
	f.Site = NormalizeSpace(f.Site)
	f.Note = strings.TrimSpace(f.Note)
}

// Validate checks that the feedback is complete for what it says.
func (f *Feedback) Validate() error {
	switch f.Located {
	case LocatedAtAddress, LocatedNotFound:
	case LocatedElsewhereInCity:
		if f.Address == "" {
			return FieldError("address", "Address required when the person lives elsewhere in the city.")
		}
	case LocatedLeftCity:
		if f.Destination == "" {
			return FieldError("destination", "Destination required when the person left the city.")
		}
	default:
		return FieldError("located", "located must be at_address, elsewhere_in_city, left_city or not_found.")
	}
	switch f.Contact {
	case "", ContactInPerson, ContactPhone:
	default:
		return FieldError("contact", "contact must be in_person or phone.")
	}
	if t := f.Temperature; t != nil && (math.IsNaN(*t) || *t < 34.0 || *t > 43.0) {
		return FieldError("temperature", "Temperature must be between 34.0 and 43.0 °C.")
	}
	if f.ArrivalDate != "" {
		if _, err := time.Parse(time.DateOnly, f.ArrivalDate); err != nil {
			return FieldError("arrival_date", "arrival_date must be YYYY-MM-DD.")
		}
	}
	switch f.Measure {
	case MeasureHomeObservation, MeasureHospital, MeasureNoneRequired:
	case MeasureCentralIsolation:
		if f.Site == "" {
			return FieldError("site", "Site required for central isolation.")
		}
	case "":
		if f.Located == LocatedAtAddress {
			return FieldError("measure", "Measure required when the person was found.")
		}
	default:
		return FieldError("measure", "measure must be home_observation, central_isolation, hospital or none_required.")
	}
	if len(f.Note) > 2000 {
		return FieldError("note", "Note too long (at most 2000 bytes).")
	}
	return nil
}
