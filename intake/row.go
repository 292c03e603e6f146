package intake

import (
	"strings"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
)

// Row is one data row of a file: the cells as read and, when they pass,
// the person and report they describe. Next reuses a Row and its slices for
// the following row; the strings in it may be kept (a CSV row's strings
// share a block of text with their neighbours, which a kept one keeps in
// memory).
type Row struct {
	// Line is the row's number as a spreadsheet shows it, the header row
	// and any title rows above it counted, so a clerk can find it.
	Line int
	// Cells are the row's cells as read (decoded to UTF-8, otherwise
	// untouched but for a workbook's arrival date, shown as the date it
	// is rather than its serial number, and the quote a rejects report
	// puts before a cell that would start a formula, taken off by
	// epiloop.CSVRestore), one per column of
	// Info().Columns; a row longer than the header keeps its extra cells
	// at the end.
	Cells []string
	// Reject says why the row was rejected; its Code is "" for a good row.
	Reject Reject
	// Warnings say which secondary fields of a good row did not parse and
	// were kept as written (see Warning).
	Warnings []Warning

	// The fields below are set for good rows only.

	// Person holds the normalised identity: the 18-character ID number,
	// the 11-digit mobile number, the name in simplified characters.
	Person epiloop.Person
	// Address is where the person is to be found, in simplified
	// characters with white space normalised; routing is the caller's.
	Address string
	// Reason carries the origin (a division or country code when
	// Options.Regions knows it, else the text as written, warned), the
	// arrival date as YYYY-MM-DD (a date that is none is warned and kept
	// in the note), fever (stated, or a temperature of 37.3 °C or more),
	// close contact and the note.
	Reason epiloop.Reason
	// Sex is "M" or "F" from the sex column or else the ID number, or "".
	Sex string
	// Temperature is the body temperature in °C, 0 when not given.
	Temperature float64
	// Train, Seat and Plate identify the conveyance, normalised
	// (G1234, 05车12F, 辽A12345).
	Train, Seat, Plate string
	// Extra holds the cells of the unrecognised columns, in the order of
	// Info().Extra.
	Extra []string
}

// Valid reports whether the row passed validation.
func (r *Row) Valid() bool { return r.Reject.Code == "" }

// Reject says why a row was rejected.
type Reject struct {
	// Code is a stable reason code (ReasonIDChecksum, …); Describe gives
	// its messages.
	Code string `json:"code"`
	// Field is the field at fault, "" when the row as a whole is.
	Field Field `json:"field,omitempty"`
	// Column is the index of the column at fault, -1 when the row as a
	// whole is.
	Column int `json:"column"`
}

// Warning says which secondary field of a good row — origin, arrival
// date, train, seat, plate — did not parse. A row that identifies a person
// and gives an address is never rejected for one: it is taken in with the
// field kept as written, and the import lists it in its report's
// warnings. A row without an address is rejected for it, as before.
type Warning struct {
	// Code is a stable warning code (epiloop.WarningOriginUnknown, …);
	// DescribeWarning gives its messages.
	Code  string `json:"code"`
	Field Field  `json:"field"`
	// Column is the index of the column at fault.
	Column int `json:"column"`
}

// feverThreshold is the temperature from which a person counts as having
// a fever, as in the reconcile rules.
const feverThreshold = 37.3

// Length limits, in bytes, as the domain and the workflows enforce them.
const (
	maxName    = 128
	maxAddress = 500
	maxNote    = 2000
	maxCode    = 64
)

// parser validates and normalises rows against one header. It is the part
// of a Reader that knows nothing about files.
type parser struct {
	h *header
	// col is h.col, copied here to spare a pointer per cell.
	col     [numFields]int
	t2s     *runeTable
	origins originResolver
	dates   dateCache
}

func newParser(h *header, regions *divisions.RegionIndex, date1904 bool) *parser {
	p := &parser{t2s: t2s(), origins: originResolver{regions: regions}, dates: dateCache{date1904: date1904}}
	p.setHeader(h)
	return p
}

// setHeader points the parser at the file's header.
func (p *parser) setHeader(h *header) {
	p.h = h
	if h != nil {
		p.col = h.col
	}
}

// cell returns the cell of field f, "" when the file has no such column.
func (p *parser) cell(cells []string, f int) string {
	i := p.col[f]
	if uint(i) >= uint(len(cells)) {
		return ""
	}
	return cells[i]
}

// Positions of the fields in fieldList.
const (
	iName = iota
	iIDNumber
	iPhone
	iAddress
	iOrigin
	iOriginCode
	iArrivalDate
	iTrain
	iSeat
	iPlate
	iSex
	iFever
	iTemperature
	iCloseContact
	iNote
)

// parse fills row from cells: the normalised fields, or the first reason
// the row cannot be imported. The order of the checks puts identity first,
// because that is what the clerk must fix before anything else matters.
func (p *parser) parse(row *Row, cells []string) {
	row.Reject = Reject{Column: -1}
	row.Warnings = row.Warnings[:0]
	row.Person = epiloop.Person{}
	row.Address, row.Sex, row.Train, row.Seat, row.Plate = "", "", "", "", ""
	row.Reason = epiloop.Reason{}
	row.Temperature = 0
	if !p.parseIdentity(row, cells) || !p.parseReport(row, cells) || !p.parseConveyance(row, cells) {
		row.Person, row.Reason = epiloop.Person{}, epiloop.Reason{}
		row.Address, row.Sex, row.Train, row.Seat, row.Plate = "", "", "", "", ""
		row.Temperature = 0
		row.Warnings = row.Warnings[:0]
	}
	row.Extra = row.Extra[:0]
	for _, i := range p.h.extra {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		row.Extra = append(row.Extra, v)
	}
}

// showDate replaces a workbook's date serial number (43852) in the cells
// with the date it stands for (2020-01-22), as the spreadsheet shows it,
// so that a rejects report shows the clerk the date and not a number.
func (p *parser) showDate(cells []string) {
	i := p.col[iArrivalDate]
	if uint(i) >= uint(len(cells)) {
		return
	}
	if _, ok := excelSerial(cells[i]); !ok {
		return
	}
	if d, ok := p.dates.parse(cells[i]); ok {
		cells[i] = d
	}
}

// reject records why the row fails, always false.
func (p *parser) reject(row *Row, code string, f int) bool {
	row.Reject = Reject{Code: code, Column: -1}
	if f >= 0 {
		row.Reject.Field = fieldList()[f]
		row.Reject.Column = p.col[f]
	}
	return false
}

// secondary records that a secondary field f did not parse: a warning
// when the row identifies a person (parseIdentity passed) and says where
// to find them, so that the person is not lost for a train number;
// otherwise the reject it always was. It reports whether the row goes on.
func (p *parser) secondary(row *Row, warning, reject string, f int) bool {
	if row.Address == "" {
		return p.reject(row, reject, f)
	}
	row.Warnings = append(row.Warnings, Warning{Code: warning, Field: fieldList()[f], Column: p.col[f]})
	return true
}

// parseIdentity reads the ID number, phone, name and sex.
func (p *parser) parseIdentity(row *Row, cells []string) bool {
	if s := p.cell(cells, iIDNumber); canonicalID(s) {
		row.Person.IDNumber = s
	} else if !blank(s) {
		id, err := epiloop.NormalizeIDNumber(s)
		if err != nil {
			return p.reject(row, epiloop.ErrorReason(err), iIDNumber)
		}
		row.Person.IDNumber = id
	}
	if s := p.cell(cells, iPhone); !blank(s) {
		ph, ok := parsePhone(s)
		if !ok {
			return p.reject(row, ReasonPhoneInvalid, iPhone)
		}
		row.Person.Phone = ph
	}
	if row.Person.IDNumber == "" && row.Person.Phone == "" {
		return p.reject(row, ReasonIdentityMissing, -1)
	}
	name, bad := normText(p.t2s, p.cell(cells, iName), true)
	if bad {
		return p.reject(row, ReasonEncoding, iName)
	}
	row.Person.Name = name
	switch {
	case row.Person.IDNumber == "" && row.Person.Name == "":
		return p.reject(row, ReasonNameMissing, iName)
	case len(row.Person.Name) > maxName:
		return p.reject(row, ReasonNameTooLong, iName)
	}
	sex, ok := parseSex(p.cell(cells, iSex))
	if !ok {
		return p.reject(row, ReasonSexInvalid, iSex)
	}
	if fromID := epiloop.IDNumberSex(row.Person.IDNumber); fromID != "" {
		if sex != "" && sex != fromID {
			return p.reject(row, ReasonSexMismatch, iSex)
		}
		sex = fromID
	}
	row.Sex = sex
	return true
}

// parsePhone normalises a mobile number. A cell with several numbers
// (13800138000/13900139000) gives its first, since that is the one the
// person wrote first.
func parsePhone(s string) (string, bool) {
	if canonicalMobile(s) {
		return s, true
	}
	if ph, err := epiloop.NormalizePhone(s); err == nil {
		return ph, true
	}
	if i := strings.IndexAny(s, "/,;、，；|"); i > 0 {
		if ph, err := epiloop.NormalizePhone(s[:i]); err == nil {
			return ph, true
		}
	}
	return "", false
}

// parseReport reads where the person is, where from, when, and how they
// are: address, origin, arrival date, temperature, fever, close contact
// and note.
func (p *parser) parseReport(row *Row, cells []string) bool {
	addr, bad := normText(p.t2s, p.cell(cells, iAddress), false)
	if bad {
		return p.reject(row, ReasonEncoding, iAddress)
	}
	row.Address = addr
	if len(row.Address) > maxAddress {
		return p.reject(row, ReasonTooLong, iAddress)
	}
	if !p.parseOrigin(row, cells) {
		return false
	}
	date, dated := p.dates.parse(p.cell(cells, iArrivalDate))
	if !dated && !p.secondary(row, epiloop.WarningArrivalDate, ReasonDateInvalid, iArrivalDate) {
		return false
	}
	row.Reason.ArrivalDate = date
	var ok bool
	if row.Temperature, ok = parseTemperature(p.cell(cells, iTemperature)); !ok {
		return p.reject(row, ReasonTemperatureInvalid, iTemperature)
	}
	fever, ok := parseFlag(p.cell(cells, iFever))
	if !ok {
		return p.reject(row, ReasonFlagInvalid, iFever)
	}
	row.Reason.Fever = fever || row.Temperature >= feverThreshold
	if row.Reason.CloseContact, ok = parseFlag(p.cell(cells, iCloseContact)); !ok {
		return p.reject(row, ReasonFlagInvalid, iCloseContact)
	}
	note, bad := normText(p.t2s, p.cell(cells, iNote), false)
	if bad {
		return p.reject(row, ReasonEncoding, iNote)
	}
	row.Reason.Note = note
	if len(row.Reason.Note) > maxNote {
		return p.reject(row, ReasonTooLong, iNote)
	}
	if !dated {
		p.keepDate(row, cells)
	}
	return true
}

// keepDate keeps an arrival date that is no date as written, in the note
// after the column's header ("到达日期：2月30日"): the reason's date is a
// date, and the units that verify the person confirm the real one.
func (p *parser) keepDate(row *Row, cells []string) {
	text := keep(epiloop.NormalizeSpace(p.cell(cells, iArrivalDate)))
	kept := p.h.columns[p.col[iArrivalDate]].Header + "：" + text
	if row.Reason.Note != "" {
		kept = row.Reason.Note + "；" + kept
	}
	if len(kept) <= maxNote {
		row.Reason.Note = kept
	}
}

// keep cuts a field kept as written to epiloop.MaxKeptBytes, at a
// character's boundary.
func keep(s string) string {
	if len(s) <= epiloop.MaxKeptBytes {
		return s
	}
	n := epiloop.MaxKeptBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// parseOrigin prefers the division code column over the place name, since
// a code is unambiguous; a code the index does not know falls back to the
// name. An origin it does not know is kept as written (secondary).
func (p *parser) parseOrigin(row *Row, cells []string) bool {
	if code := p.cell(cells, iOriginCode); !blank(code) {
		o, ok := p.origins.resolve(code)
		if ok && (isDigits(o) || epiloop.IsCountryCode(o)) {
			row.Reason.Origin = o
			return true
		}
		if blank(p.cell(cells, iOrigin)) {
			row.Reason.Origin = keep(o)
			return p.secondary(row, epiloop.WarningOriginUnknown, ReasonOriginUnknown, iOriginCode)
		}
	}
	o, ok := p.origins.resolve(p.cell(cells, iOrigin))
	row.Reason.Origin = o
	if !ok {
		row.Reason.Origin = keep(o)
		return p.secondary(row, epiloop.WarningOriginUnknown, ReasonOriginUnknown, iOrigin)
	}
	return true
}

// parseConveyance reads train, seat and plate: secondary fields all, a
// value too long kept as written (cut to epiloop.MaxKeptBytes).
func (p *parser) parseConveyance(row *Row, cells []string) bool {
	row.Train = normalizeCode(p.cell(cells, iTrain))
	seat, bad := normText(p.t2s, p.cell(cells, iSeat), false)
	if bad && !p.secondary(row, epiloop.WarningEncoding, ReasonEncoding, iSeat) {
		return false
	}
	row.Seat = seat
	row.Plate = normalizeCode(Simplify(p.cell(cells, iPlate)))
	for _, c := range [...]struct {
		v *string
		f int
	}{{&row.Train, iTrain}, {&row.Seat, iSeat}, {&row.Plate, iPlate}} {
		if len(*c.v) <= maxCode {
			continue
		}
		if !p.secondary(row, epiloop.WarningTooLong, ReasonTooLong, c.f) {
			return false
		}
		*c.v = keep(*c.v)
	}
	return true
}

// blank reports whether s holds nothing but white space, ideographic
// spaces included.
func blank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case c == 0xE3 && strings.HasPrefix(s[i:], "\u3000"):
			i += 2
		case c == 0xC2 && strings.HasPrefix(s[i:], "\u00a0"):
			i++
		default:
			return false
		}
	}
	return true
}

// blankRow reports whether every cell is blank: spreadsheets end with
// such rows, and they are skipped, not rejected.
func blankRow(cells []string) bool {
	for _, c := range cells {
		if !blank(c) {
			return false
		}
	}
	return true
}
