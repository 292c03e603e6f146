package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
)

// feedbackForm is a feedback (or an adjudication's outcome) being filled
// in: the values as typed, and the messages to show beside the fields.
type feedbackForm struct {
	F      epiloop.Feedback
	Temp   string
	Note   string
	Action string
	Reason string
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
	f.set(p, err, strings.TrimPrefix(epiloop.ErrorField(err), "outcome."))
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
