package epiloop

import (
	"errors"
	"fmt"
)

// Error codes: a small set that one table in the HTTP package maps to status
// codes. An error without a code is internal.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EUNAVAILABLE  = "unavailable"
	ETOOMANY      = "too_many_requests"
	EINTERNAL     = "internal"
)

// Error is an application error that is safe to show to the caller. It
// carries a catalogue key and parameters, not text: each reader renders it
// in its own language (Text). Its parameters must never carry personal
// data: they name fields, limits and reasons, not values.
type Error struct {
	Code string
	// Key is the catalogue key of the message; Params fill its "{0}", "{1}" ….
	Key    string
	Params []any
	// Field names the offending input field, when there is one.
	Field string
	// Reason is a stable machine-readable reason code (e.g. "id_checksum")
	// that intake reports and translations key on.
	Reason string
}

// Error renders the message in English, for logs and tests.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("epiloop error: code=%s field=%s message=%s", e.Code, e.Field, e.Text(LangEN))
	}
	return fmt.Sprintf("epiloop error: code=%s message=%s", e.Code, e.Text(LangEN))
}

// Text renders the message in lang.
func (e *Error) Text(lang string) string { return T(lang, e.Key, e.Params...) }

// Errorf returns an Error with code and the message of catalogue key.
func Errorf(code string, key string, params ...any) *Error {
	return &Error{Code: code, Key: key, Params: params}
}

// FieldError returns an invalid-input error that names the field.
func FieldError(field, key string, params ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Key: key, Params: params}
}

// ReasonError returns an invalid-input error for field with a stable reason
// code; its message is the reason's ("reject." + code in the catalogue), the
// same text an intake reject carries.
func ReasonError(field, reason string, params ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Reason: reason, Key: ReasonKey(reason), Params: params}
}

// ReasonKey is the catalogue key of a reason code's message.
func ReasonKey(reason string) string { return "reject." + reason }

// ErrorCode returns the code of the first Error in err's chain, EINTERNAL for
// any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorText returns the caller-safe message of err in lang: the Error's
// message, or a generic one for internal errors.
func ErrorText(err error, lang string) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Text(lang)
	}
	return T(lang, "err.internal")
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorReason returns the stable reason code of err, if any.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
