package http

import "github.com/epiloop/epiloop"

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

// errText is err's caller-safe message in the page's language.
func (p *page) errText(err error) string { return epiloop.ErrorText(err, p.Lang) }
