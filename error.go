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
	EINTERNAL     = "internal"
)

// Error is an application error that is safe to show to the caller. Its
// message must never carry personal data: it names fields and reasons, not
// values.
type Error struct {
	Code    string
	Message string
	// Field names the offending input field, when there is one.
	Field string
	// Reason is a stable machine-readable reason code (e.g. "id_checksum")
	// that intake reports and translations key on.
	Reason string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("epiloop error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("epiloop error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an Error with code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an invalid-input error that names the field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

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

// ErrorMessage returns the caller-safe message of err: the Error's message,
// or a generic one for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the field named by err, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ReasonError returns an invalid-input error for field with a stable reason
// code.
func ReasonError(field, reason, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ErrorReason returns the stable reason code of err, if any.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
