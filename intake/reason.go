package intake

import "github.com/epiloop/epiloop"

// Reasons a row is rejected. The codes are stable: rejects files, the API
// and translations key on them. Where the domain already names a reason
// (the ID number and phone checks) the same code is used, so a reject from a
// file and an error from the API read alike.
const (
	ReasonIdentityMissing    = "identity_missing"
	ReasonIDFormat           = epiloop.ReasonIDFormat
	ReasonIDChecksum         = epiloop.ReasonIDChecksum
	ReasonIDBirthDate        = epiloop.ReasonIDBirthDate
	ReasonIDRegion           = epiloop.ReasonIDRegion
	ReasonPhoneInvalid       = epiloop.ReasonPhoneInvalid
	ReasonNameMissing        = "name_missing"
	ReasonNameTooLong        = "name_too_long"
	ReasonOriginUnknown      = "origin_unknown"
	ReasonDateInvalid        = "date_invalid"
	ReasonTemperatureInvalid = "temperature_invalid"
	ReasonFlagInvalid        = "flag_invalid"
	ReasonSexInvalid         = "sex_invalid"
	ReasonSexMismatch        = "sex_mismatch"
	ReasonTooLong            = "field_too_long"
	ReasonEncoding           = "encoding_invalid"
	ReasonMalformed          = "row_malformed"
)

// Reasons a whole file is refused, carried by an *epiloop.Error with code
// invalid before any row is read.
const (
	ReasonFileEmpty          = "file_empty"
	ReasonFormatUnsupported  = "format_unsupported"
	ReasonSheetNotFound      = "sheet_not_found"
	ReasonHeaderMissing      = "header_missing"
	ReasonIdentityColumns    = "identity_columns_missing"
	ReasonTooManyColumns     = "too_many_columns"
	ReasonRejectsUnsupported = "rejects_format_unsupported"
	// ReasonXLSXTooLarge refuses a workbook that unpacks to more than
	// intake reads, or far more than its size: a decompression bomb.
	ReasonXLSXTooLarge = "xlsx_too_large"
)

// Describe returns the message for a reason code in Chinese, for the clerk
// who fixes the row, and in English, from the catalogue ("reject." + code).
// Unknown codes return the code itself.
func Describe(code string) (zh, en string) {
	key := epiloop.ReasonKey(code)
	if !epiloop.HasText(key) {
		return code, code
	}
	params := reasonParams[code]
	return epiloop.T(epiloop.LangZH, key, params...), epiloop.T(epiloop.LangEN, key, params...)
}

// DescribeWarning returns the message for a warning code (Warning,
// epiloop.ImportWarning) in Chinese and in English, from the catalogue
// ("warning." + code). Unknown codes return the code itself.
func DescribeWarning(code string) (zh, en string) {
	key := epiloop.WarningKey(code)
	if !epiloop.HasText(key) {
		return code, code
	}
	return epiloop.T(epiloop.LangZH, key), epiloop.T(epiloop.LangEN, key)
}

// reasonParams are the limits a reason's message names.
var reasonParams = map[string][]any{
	ReasonTemperatureInvalid: epiloop.TemperatureRange(),
}

// refuse returns the error for a file refused as a whole; detail, if any,
// says more (a catalogue message carrying no personal data).
func refuse(reason string, detail ...epiloop.Msg) *epiloop.Error {
	e := &epiloop.Error{Code: epiloop.EINVALID, Field: "file", Reason: reason, Key: epiloop.ReasonKey(reason)}
	if len(detail) > 0 {
		e.Key, e.Params = "reject.with_detail", []any{epiloop.M(epiloop.ReasonKey(reason)), detail[0]}
	}
	return e
}
