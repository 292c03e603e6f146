package http

import (
	"errors"

	"github.com/epiloop/epiloop"
)

// formErrors is the error state every form shares: a message beside each
// field in error, and one above the form. The messages are the workflow
// error's own, in the page's language: the rule that refused the input
// words its refusal once, in the catalogue.
type formErrors struct {
	// Errors maps a field name to its message; Error is a message for the
	// form as a whole.
	Errors map[string]string
	Error  string
}

// Err returns the message for one field.
func (f *formErrors) Err(field string) string {
	if f == nil {
		return ""
	}
	return f.Errors[field]
}

// set places err on the form: beside field when there is one (the form
// then also says "fix the marked fields"), above the form otherwise.
func (f *formErrors) set(p *page, err error, field string) {
	msg := p.errText(err)
	if field == "" {
		f.Error = msg
		return
	}
	f.Errors = map[string]string{field: msg}
	f.Error = p.T("form.fix")
}

// setAll places every error of errs beside its field (field names it, as
// the form spells it; the first error of a field is kept), and one with
// no field above the form.
func (f *formErrors) setAll(p *page, errs []error, field func(error) string) {
	f.Errors, f.Error = map[string]string{}, ""
	for _, err := range errs {
		name := field(err)
		switch {
		case name == "" && f.Error == "":
			f.Error = p.errText(err)
		case name == "":
		case f.Errors[name] == "":
			f.Errors[name] = p.errText(err)
		}
	}
	if len(f.Errors) > 0 && f.Error == "" {
		f.Error = p.T("form.fix_n", len(f.Errors))
	}
}

// maxFormErrors bounds allErrors' rounds: more than any form has fields.
const maxFormErrors = 64

// allErrors gathers every field error a validator finds. A domain
// validator stops at its first refusal; after each one, setAside puts the
// refused field out of the way (a value the rule accepts, or none) and the
// validator runs again, until it passes, refuses without a field, or
// refuses a field it cannot set aside. The rules stay the validator's: the
// form only learns all their refusals at once, each with its own reason
// (校验位不符, not "身份证号有误").
func allErrors(check func() error, setAside func(field string) bool) []error {
	var errs []error
	seen := map[string]bool{}
	for range maxFormErrors {
		err := check()
		if err == nil {
			break
		}
		errs = append(errs, err)
		field := epiloop.ErrorField(err)
		var e *epiloop.Error
		if !errors.As(err, &e) || e.Code != epiloop.EINVALID || field == "" || seen[field] || !setAside(field) {
			break
		}
		seen[field] = true
	}
	return errs
}

// errText is err's caller-safe message in the page's language.
func (p *page) errText(err error) string { return epiloop.ErrorText(err, p.Lang) }
