package intake

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

// Field is what a column means to intake. The names are stable: the import
// preview and the API show them.
type Field string

// Fields intake understands. A column that maps to none is kept as an extra
// attribute.
const (
	FieldName         Field = "name"
	FieldIDNumber     Field = "id_number"
	FieldPhone        Field = "phone"
	FieldAddress      Field = "address"
	FieldOrigin       Field = "origin"
	FieldOriginCode   Field = "origin_code"
	FieldArrivalDate  Field = "arrival_date"
	FieldTrain        Field = "train"
	FieldSeat         Field = "seat"
	FieldPlate        Field = "plate"
	FieldSex          Field = "sex"
	FieldFever        Field = "fever"
	FieldTemperature  Field = "temperature"
	FieldCloseContact Field = "close_contact"
	FieldNote         Field = "note"

	// FieldIgnored marks the columns a rejects report adds (row number,
	// reason): a clerk fixes the report and imports it again, and those
	// columns are neither data nor extra attributes.
	FieldIgnored Field = "-"
)

// numFields is the number of fields a column can map to.
const numFields = 15

// fieldList orders the fields; a row's columns are found through their
// position here (iName, iIDNumber, …).
func fieldList() [numFields]Field {
	return [numFields]Field{
		FieldName, FieldIDNumber, FieldPhone, FieldAddress, FieldOrigin, FieldOriginCode,
		FieldArrivalDate, FieldTrain, FieldSeat, FieldPlate, FieldSex, FieldFever,
		FieldTemperature, FieldCloseContact, FieldNote,
	}
}

func (f Field) index() int {
	for i, g := range fieldList() {
		if g == f {
			return i
		}
	}
	return -1
}

// Column is one column of the file as intake understood it.
type Column struct {
	// Index is the column's position, from 0.
	Index int `json:"index"`
	// Header is the header text as the file has it, trimmed.
	Header string `json:"header"`
	// Field is what the column means; "" for an extra attribute,
	// FieldIgnored for a column a rejects report added.
	Field Field `json:"field,omitempty"`
}

// NormalizeHeader brings header text to the form synonyms are matched in:
// half width, simplified characters, lower case, without white space,
// underscores, dashes, dots, slashes, stars and colons, and without anything
// in parentheses or brackets ("手机号（必填）" and "Phone_Number" become
// "手机号" and "phonenumber").
func NormalizeHeader(s string) string {
	s = Simplify(epiloop.ToHalfWidth(s))
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '{', '【', '〔', '<', '《':
			depth++
			continue
		case ')', ']', '}', '】', '〕', '>', '》':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth > 0 || unicode.IsSpace(r) || strings.ContainsRune("_-./\\*:：#'\"“”‘’、", r) || r == utf8.RuneError {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// synonym strengths: a weak synonym ("id", "电话", "日期") is used for its
// field only when no column has a strong one, so that a sheet with both
// "手机" and "电话" takes the mobile column and keeps the other as extra.
const (
	noMatch = iota
	weak
	strong
)

// lookupField returns the field a normalised header names and how surely.
func lookupField(h string) (Field, int) {
	switch h {
	case "姓名", "名字", "name", "fullname", "personname", "xm":
		return FieldName, strong
	case "身份证号", "身份证号码", "证件号码", "证件号", "公民身份号码", "公民身份证号码", "身份证",
		"身份证件号码", "居民身份证号码", "居民身份证号", "身份号码", "idnumber", "idno", "idcard",
		"idcardnumber", "idcardno", "sfzh", "zjhm":
		return FieldIDNumber, strong
	case "id", "证件":
		return FieldIDNumber, weak
	case "手机", "手机号", "手机号码", "联系电话", "联系手机", "移动电话", "phone", "mobile",
		"mobilephone", "cellphone", "phonenumber", "mobilenumber", "sjhm", "lxdh":
		return FieldPhone, strong
	case "电话", "电话号码", "联系方式", "tel", "telephone":
		return FieldPhone, weak
	case "现住址", "居住地址", "目的地址", "现居住地址", "现居住地", "家庭住址", "住址", "在沈住址",
		"在沈居住地址", "来沈住址", "详细地址", "到达地址", "目的地", "居住地", "address", "homeaddress",
		"residence", "destination", "destinationaddress":
		return FieldAddress, strong
	case "地址", "addr":
		return FieldAddress, weak
	case "出发地", "始发站", "来源地", "出发站", "上车站", "始发地", "出发城市", "来自", "来源城市",
		"途经地", "origin", "from", "departure", "departurestation", "fromstation":
		return FieldOrigin, strong
	case "出发地代码", "出发地区划代码", "出发站区划代码", "出发站代码", "来源地代码", "来源地区划代码",
		"origincode", "origindivision", "origindivisioncode":
		return FieldOriginCode, strong
	case "到达日期", "抵沈日期", "抵达日期", "到沈日期", "来沈日期", "返沈日期", "到达时间", "抵沈时间",
		"抵达时间", "乘车日期", "arrivaldate", "arrival", "arrivedate", "arrivedon":
		return FieldArrivalDate, strong
	case "日期", "date":
		return FieldArrivalDate, weak
	case "车次", "列车车次", "车次号", "train", "trainno", "trainnumber":
		return FieldTrain, strong
	case "座位", "座位号", "车厢座位", "车厢座位号", "铺位", "铺位号", "座次", "seat", "seatno", "seatnumber":
		return FieldSeat, strong
	case "车牌", "车牌号", "车牌号码", "号牌号码", "号牌", "plate", "plateno", "platenumber", "licenseplate":
		return FieldPlate, strong
	case "性别", "sex", "gender":
		return FieldSex, strong
	case "发热", "是否发热", "发烧", "是否发烧", "fever":
		return FieldFever, strong
	case "体温", "测温", "温度", "temperature", "temp", "bodytemperature":
		return FieldTemperature, strong
	case "密接", "是否密接", "密切接触者", "是否密切接触者", "密切接触", "closecontact":
		return FieldCloseContact, strong
	case "备注", "说明", "情况说明", "note", "notes", "remark", "remarks", "comment", "comments":
		return FieldNote, strong
	case "原行号", "问题说明", "问题代码", "问题列", "sourcerow", "problem", "problemcode", "problemcolumn",
		"警告说明", "警告代码", "警告列", "warning", "warningcode", "warningcolumn":
		// The columns a rejects report adds, to its rejects and to its
		// warnings; see RejectWriter.topHeaders and warningHeaders.
		return FieldIgnored, strong
	}
	return "", noMatch
}

// personPrefixes are words a manifest puts before a field name that still
// mean the person on the row: 旅客姓名, 乘车人身份证号. Words that name
// someone else (联系人, 紧急联系人) are deliberately absent.
func personPrefixes() [9]string {
	return [9]string{"旅客", "乘客", "乘车人", "人员", "本人", "居民", "返沈人员", "来沈人员", "入沈人员"}
}

// matchHeader finds the field of a raw header text.
func matchHeader(raw string) (Field, int) {
	h := NormalizeHeader(raw)
	if f, s := lookupField(h); s != noMatch {
		return f, s
	}
	for _, p := range personPrefixes() {
		if rest, ok := strings.CutPrefix(h, p); ok && rest != "" {
			if f, s := lookupField(rest); s != noMatch && f != FieldIgnored {
				return f, s
			}
		}
	}
	return "", noMatch
}

// header is the mapping of one file's header row.
type header struct {
	columns []Column
	// col holds, per field in fieldList order, the column index or -1.
	col [numFields]int
	// extra lists the indexes of the extra columns.
	extra []int
}

// maxColumns bounds a header row: a sheet wider than this is not a list
// of people, and a hostile one must not make every row expensive.
const maxColumns = 512

// mapHeader maps a header row. Each field takes its first strong column,
// or failing that its first weak one; any other column with a header is an
// extra attribute, named by its header or, when blank, by its column letter.
func mapHeader(cells []string) *header {
	h := &header{columns: make([]Column, len(cells))}
	strength := make([]int, len(cells))
	for i := range h.col {
		h.col[i] = -1
	}
	for i, c := range cells {
		raw := strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		h.columns[i] = Column{Index: i, Header: raw}
		f, s := matchHeader(raw)
		strength[i] = s
		if f == FieldIgnored {
			h.columns[i].Field = f
			continue
		}
		if s == noMatch {
			continue
		}
		j := f.index()
		if prev := h.col[j]; prev < 0 || s > strength[prev] {
			h.col[j] = i
		}
	}
	for j, i := range h.col {
		if i >= 0 {
			h.columns[i].Field = fieldList()[j]
		}
	}
	for i := range h.columns {
		if h.columns[i].Field != "" {
			continue
		}
		if h.columns[i].Header == "" {
			h.columns[i].Header = "列" + columnLetter(i)
		}
		h.extra = append(h.extra, i)
	}
	return h
}

// has reports whether the file has a column for f.
func (h *header) has(f Field) bool { return h.col[f.index()] >= 0 }

// identified reports whether the header lets a row name a person: an ID
// number or a phone column.
func (h *header) identified() bool { return h.has(FieldIDNumber) || h.has(FieldPhone) }

// score counts the recognised columns, to choose the header row among the
// first rows of a sheet that opens with a title.
func (h *header) score() int {
	n := 0
	for _, i := range h.col {
		if i >= 0 {
			n++
		}
	}
	return n
}

// columnLetter returns the spreadsheet name of column i (0 → A, 26 → AA).
func columnLetter(i int) string {
	var buf [8]byte
	n := len(buf)
	for i++; i > 0 && n > 0; i = (i - 1) / 26 {
		n--
		buf[n] = byte('A' + (i-1)%26)
	}
	return string(buf[n:])
}

// describeHeader lists a header's columns for a refusal message: each
// header text, shortened, with the field it maps to. Header texts are not
// personal data; callers make sure the row is a header before quoting it.
func describeHeader(h *header) string {
	var b strings.Builder
	for i, c := range h.columns {
		if i == 20 {
			b.WriteString(", …")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(shorten(c.Header, 20))
		if c.Field != "" && c.Field != FieldIgnored {
			b.WriteString("→")
			b.WriteString(string(c.Field))
		}
	}
	return b.String()
}

// shorten cuts s to at most n runes.
func shorten(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i] + "…"
		}
		n--
	}
	return s
}

// looksLikeData reports whether a row that was read as a header holds
// something like an ID or phone number, a run of seven digits or more: then
// the file has no header row, and its first row must not be quoted in an
// error message. No header text has such a run.
func looksLikeData(cells []string) bool {
	for _, c := range cells {
		run := 0
		for _, r := range c {
			if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
				run++
				if run >= 7 {
					return true
				}
			} else if r != ' ' && r != '-' {
				run = 0
			}
		}
	}
	return false
}
