package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// feedbackForm is a feedback (or an adjudication's outcome) being filled
// in: the values as typed, and the messages to show beside the fields.
type feedbackForm struct {
	F      epiloop.Feedback
	Temp   string
	Note   string
	Action string
	Reason string
	// Adopted names the side whose report an adjudication's outcome was
	// filled from (police_station, committee), "" when typed.
	Adopted string
	formErrors
}

// Options used by the form templates.
var (
	locatedOptions = []epiloop.Located{epiloop.LocatedAtAddress, epiloop.LocatedElsewhereInCity, epiloop.LocatedLeftCity, epiloop.LocatedNotFound}
	contactOptions = []epiloop.Contact{epiloop.ContactInPerson, epiloop.ContactPhone}
	measureOptions = []epiloop.Measure{epiloop.MeasureHomeObservation, epiloop.MeasureCentralIsolation, epiloop.MeasureHospital, epiloop.MeasureNoneRequired}
)

// Located, Contacts and Measures list the choices.
func (f *feedbackForm) Located() []epiloop.Located  { return locatedOptions }
func (f *feedbackForm) Contacts() []epiloop.Contact { return contactOptions }
func (f *feedbackForm) Measures() []epiloop.Measure { return measureOptions }

// parseFeedbackForm reads the feedback fields of a posted form. A
// temperature that is not a number is reported like the service's own
// field errors.
func parseFeedbackForm(r *http.Request) (*feedbackForm, error) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &feedbackForm{Temp: v("temperature"), Note: r.PostFormValue("note"), Action: v("action"), Reason: r.PostFormValue("reason")}
	f.F = epiloop.Feedback{
		Located:     epiloop.Located(v("located")),
		Address:     v("address"),
		Destination: v("destination"),
		Contact:     epiloop.Contact(v("contact")),
		Symptoms:    v("symptoms") == "yes",
		ArrivalDate: v("arrival_date"),
		Measure:     epiloop.Measure(v("measure")),
		Site:        v("site"),
		Note:        f.Note,
	}
	// Values for answers that do not apply are dropped, as the form hides
	// them: an address typed before switching to "left the city" is not
	// the unit's answer.
	if f.F.Located != epiloop.LocatedElsewhereInCity {
		f.F.Address = ""
	}
	if f.F.Located != epiloop.LocatedLeftCity {
		f.F.Destination = ""
	}
	if f.F.Measure != epiloop.MeasureCentralIsolation {
		f.F.Site = ""
	}
	if f.Temp != "" {
		t, err := strconv.ParseFloat(strings.Replace(f.Temp, ",", ".", 1), 64)
		if err != nil {
			return f, epiloop.FieldError("temperature", "err.temperature_must_number")
		}
		f.F.Temperature = &t
	}
	return f, nil
}

// setError places a service error on the form.
func (f *feedbackForm) setError(p *page, err error) {
	f.set(p, err, feedbackField(err))
}

// feedbackField is the form's name of the field err names.
func feedbackField(err error) string {
	return strings.TrimPrefix(epiloop.ErrorField(err), "outcome.")
}

// check finds every error of the feedback typed — parseErr, the
// temperature that is not a number, and each of Feedback.Validate's — and
// places them beside their fields; it reports whether there was none.
func (f *feedbackForm) check(p *page, parseErr error) bool {
	fb := f.F
	fb.Normalize()
	var errs []error
	if parseErr != nil {
		errs = append(errs, parseErr)
		fb.Temperature = nil
	}
	errs = append(errs, allErrors(fb.Validate, func(field string) bool {
		switch field {
		case "located":
			fb.Located = epiloop.LocatedNotFound
		case "address":
			fb.Address = "-"
		case "destination":
			fb.Destination = "-"
		case "contact":
			fb.Contact = ""
		case "temperature":
			fb.Temperature = nil
		case "arrival_date":
			fb.ArrivalDate = ""
		case "measure":
			fb.Measure = epiloop.MeasureNoneRequired
		case "site":
			fb.Site = "-"
		case "note":
			fb.Note = ""
		default:
			return false
		}
		return true
	})...)
	if len(errs) == 0 {
		return true
	}
	f.setAll(p, errs, feedbackField)
	return false
}

// adoptFrom fills the form with the report of the side a commander adopts
// as the outcome (adopt is "station" or "committee", as the lead page's
// buttons ask), to be changed before it is submitted.
func (f *feedbackForm) adoptFrom(adopt string, station, committee *epiloop.Task) {
	t := station
	if adopt == "committee" {
		t = committee
	} else if adopt != "station" {
		return
	}
	if t != nil && t.Feedback != nil {
		f.adopt(t.Feedback)
		f.Adopted = string(t.Side)
	}
}

// adopt fills the form with a unit's report.
func (f *feedbackForm) adopt(fb *epiloop.Feedback) {
	f.F = *fb
	f.F.Note, f.F.SubmittedAt, f.F.SubmittedBy = "", time.Time{}, 0
	f.Temp = ""
	if t := fb.Temperature; t != nil {
		f.Temp = strconv.FormatFloat(*t, 'f', 1, 64)
	}
}

// formStatus is the status of a page re-rendered with a form error.
func formStatus(err error) int {
	if epiloop.ErrorCode(err) == epiloop.EINVALID {
		return http.StatusUnprocessableEntity
	}
	return ErrorStatus(epiloop.ErrorCode(err))
}

// userError reports whether err should be shown on the form rather than
// as an error page.
func userError(err error) bool {
	switch epiloop.ErrorCode(err) {
	case epiloop.EINVALID, epiloop.ECONFLICT:
		return true
	}
	return false
}

// checkAll finds every error of the crossing typed — a temperature that
// is not a number or is missing, each refusal of Screening.Normalize, an
// origin the division index does not know — and places each beside its
// field, an occupant's on its row; it reports whether there was none. The
// workflow checks again when it saves.
func (f *ckForm) checkAll(p *page, regions loop.Regions) bool {
	sc := &epiloop.Screening{Direction: epiloop.Direction(f.Direction), Plate: f.Plate, Train: f.Train, Carriage: f.Carriage}
	var errs []error
	var rows []int // the form's row of each occupant
	for i, row := range f.Rows {
		if row.blank() {
			continue
		}
		n := len(rows)
		o := &epiloop.Occupant{Person: epiloop.Person{IDNumber: row.IDNumber, Name: row.Name, Phone: row.Phone},
			Origin: row.Origin, Destination: row.Destination, Symptoms: row.Symptoms, Temperature: sampleTemperature}
		if row.Temp == "" {
			errs = append(errs, epiloop.FieldError(occupantFieldName(n, "temperature"), "err.temperature_required"))
		} else if t, err := strconv.ParseFloat(strings.Replace(epiloop.ToHalfWidth(row.Temp), ",", ".", 1), 64); err != nil {
			errs = append(errs, epiloop.FieldError(occupantFieldName(n, "temperature"), "err.temperature_must_number"))
		} else {
			o.Temperature = t
		}
		rows = append(rows, i)
		sc.Occupants = append(sc.Occupants, o)
	}
	errs = append(errs, allErrors(sc.Normalize, func(field string) bool { return setAsideCrossing(sc, field) })...)
	if regions != nil {
		for n, o := range sc.Occupants {
			if _, ok := regions.LookupCode(o.Origin); !ok && o.Origin != "" && o.Origin != "-" {
				field := occupantFieldName(n, "origin")
				errs = append(errs, epiloop.ReasonError(field, "origin_unknown"))
			}
		}
	}
	if len(errs) == 0 {
		return true
	}
	f.setAll(p, errs, func(err error) string {
		field := epiloop.ErrorField(err)
		if n, sub, ok := occupantField(field); ok && n < len(rows) {
			row := &f.Rows[rows[n]]
			if sub == "" {
				sub = "id_number"
			}
			if row.Errors == nil {
				row.Errors = map[string]string{}
			}
			if row.Errors[sub] == "" {
				row.Errors[sub] = p.errText(err)
			}
			return "row"
		}
		if field == "time" {
			return ""
		}
		return field
	})
	if f.Errors["row"] != "" {
		delete(f.Errors, "row")
		f.Error = p.T("form.fix")
	}
	return false
}

// sampleTemperature stands in for a reading the form lacks or cannot
// read, whose own error is reported already.
const sampleTemperature = 36.5

// occupantFieldName names a field of the n-th occupant as the workflow
// does (occupants[2].temperature).
func occupantFieldName(n int, field string) string {
	return "occupants[" + strconv.Itoa(n) + "]." + field
}

// setAsideCrossing puts a refused field of a crossing out of the way, with
// a value its rule accepts (allErrors); false for a field it cannot.
func setAsideCrossing(sc *epiloop.Screening, field string) bool {
	if n, sub, ok := occupantField(field); ok {
		if n >= len(sc.Occupants) || sc.Occupants[n] == nil {
			return false
		}
		o := sc.Occupants[n]
		switch sub {
		case "id_number":
			// A valid number of this row's own, so that it is no one
			// else's.
			o.Person.IDNumber = epiloop.CompleteIDNumber(fmt.Sprintf("11010519491231%03d", n))
		case "phone":
			o.Person.Phone = ""
		case "name":
			o.Person.Name = "-"
		case "temperature":
			o.Temperature = sampleTemperature
		case "origin":
			o.Origin = "-"
		case "destination":
			o.Destination = ""
		default:
			return false
		}
		return true
	}
	switch field {
	case "direction":
		sc.Direction = epiloop.DirectionIn
	case "plate":
		sc.Plate = ""
	case "train":
		sc.Train, sc.Carriage = "", ""
	case "carriage":
		sc.Carriage = ""
	default:
		return false
	}
	return true
}
