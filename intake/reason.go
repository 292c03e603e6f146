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
)

// Describe returns the message for a reason code in Chinese, for the clerk
// who fixes the row, and in English. Unknown codes return the code itself.
func Describe(code string) (zh, en string) {
	switch code {
	case ReasonIdentityMissing:
		return "缺少身份证号和手机号，至少需要填写一项", "Neither an ID number nor a mobile number is given; at least one is required."
	case ReasonIDFormat:
		return "身份证号位数或字符不对：应为18位（最后一位可为X），或15位旧号", "ID number must have 18 characters (the last may be X), or 15 digits in the old form."
	case ReasonIDChecksum:
		return "身份证号校验位不符，请逐位核对", "ID number check character does not match: check each digit."
	case ReasonIDBirthDate:
		return "身份证号中的出生日期不存在", "ID number holds a birth date that does not exist."
	case ReasonIDRegion:
		return "身份证号前两位不是有效的省级行政区代码", "ID number starts with an unknown province code."
	case ReasonPhoneInvalid:
		return "手机号不是11位大陆手机号（固定电话请填入备注）", "Phone must be an 11-digit mainland mobile number (put landlines in the note)."
	case ReasonNameMissing:
		return "没有身份证号时必须填写姓名", "A name is required when there is no ID number."
	case ReasonNameTooLong:
		return "姓名过长", "Name is too long."
	case ReasonOriginUnknown:
		return "出发地无法识别：请填写省、市、县名称或行政区划代码", "Origin unknown: give a province, city or county name or a division code."
	case ReasonDateInvalid:
		return "日期无法识别，请写成 2020-01-22 这样的格式", "Date cannot be read: write it like 2020-01-22."
	case ReasonTemperatureInvalid:
		return "体温无法识别，或不在34–43℃之间", "Temperature cannot be read or is outside 34–43 °C."
	case ReasonFlagInvalid:
		return "是否项只能填 是 或 否", "A yes/no column must say yes or no."
	case ReasonSexInvalid:
		return "性别只能填 男 或 女", "Sex must be male or female."
	case ReasonSexMismatch:
		return "性别与身份证号不符，请核对身份证号", "Sex does not match the ID number: check the ID number."
	case ReasonTooLong:
		return "内容过长", "Value is too long."
	case ReasonEncoding:
		return "含有无法识别的字符（文件编码混杂或已损坏），请重新导出", "Holds characters that cannot be read (mixed or damaged encoding): export the file again."
	case ReasonMalformed:
		return "该行格式有误（引号不配对等），请检查", "The row is malformed (unbalanced quotes or the like)."
	case ReasonFileEmpty:
		return "文件是空的", "The file is empty."
	case ReasonFormatUnsupported:
		return "不支持的文件格式：请另存为 .xlsx 或 CSV", "Unsupported file format: save it as .xlsx or CSV."
	case ReasonSheetNotFound:
		return "工作簿中没有指定的工作表", "The workbook has no sheet of that name."
	case ReasonHeaderMissing:
		return "第一行像是数据而不是表头，请在首行加上表头", "The first row looks like data, not headers: add a header row."
	case ReasonIdentityColumns:
		return "找不到身份证号列或手机号列", "No ID number or phone column found."
	case ReasonTooManyColumns:
		return "列数过多", "Too many columns."
	case ReasonRejectsUnsupported:
		return "问题行报告只能是 CSV 或 XLSX", "A rejects report is CSV or XLSX."
	}
	return code, code
}

// refuse returns the error for a file refused as a whole. The message holds
// both languages, since it reaches a person before any translation can key
// on the reason; detail, if any, must carry no personal data.
func refuse(reason, detail string) *epiloop.Error {
	zh, en := Describe(reason)
	msg := zh + " / " + en
	if detail != "" {
		msg += " " + detail
	}
	return &epiloop.Error{Code: epiloop.EINVALID, Field: "file", Reason: reason, Message: msg}
}
