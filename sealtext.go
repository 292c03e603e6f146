package epiloop

import (
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unsafe"
)

// Names, addresses, free text and health fields are kept sealed at rest
// like identity numbers and phones, in the text columns they always had:
// a sealed value is SealedTextMark followed by the base64 of the sealed
// bytes (key id, nonce, ciphertext). A value without the mark is one
// written before sealing (schema 10) and reads as it is until `epiloop key
// reseal` seals it. What must stay searchable has a keyed blind index
// beside it (a person's name: persons.name_key).
//
// The engines never seal or open a column themselves: they pass
// SealedText values as query arguments (the driver asks them to seal) and
// scan into OpenedText (the driver hands them the column to open), so the
// rule lives here once for both.

// SealedTextMark starts every sealed text value: a control character no
// one types, so that a value from before sealing (in clear) is told from a
// sealed one. Every value written since is sealed, whatever it starts
// with.
const SealedTextMark = "\x1e"

// SealText seals s for a text column ("" stays "").
func SealText(c Cipher, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	b, err := c.Seal(s)
	if err != nil {
		return "", err
	}
	// One allocation: the mark and the base64 written into the bytes the
	// string then shares (a bulk import seals six values a row).
	out := make([]byte, 1+base64.RawStdEncoding.EncodedLen(len(b)))
	out[0] = SealedTextMark[0]
	base64.RawStdEncoding.Encode(out[1:], b)
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

// OpenText opens a text column's value: a sealed one is opened, one from
// before sealing is returned as it is.
func OpenText(c Cipher, s string) (string, error) {
	rest, ok := strings.CutPrefix(s, SealedTextMark)
	if !ok {
		return s, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", errors.New("sealed text damaged")
	}
	return c.Open(b)
}

// TextSealedWith returns the id of the key that sealed a text value (0 for
// "" or a value from before sealing).
func TextSealedWith(s string) byte {
	rest, ok := strings.CutPrefix(s, SealedTextMark)
	if !ok || rest == "" {
		return 0
	}
	b, err := base64.RawStdEncoding.DecodeString(rest[:min(len(rest), 4)])
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}

// TextSealed reports whether a stored text value is sealed (or empty).
func TextSealed(s string) bool { return s == "" || strings.HasPrefix(s, SealedTextMark) }

// SealedText is a query argument stored sealed: the driver calls Value,
// which seals. Two SealedText are equal when their plaintexts are, so an
// engine that compares a row's old and new values before writing sees
// no change where the plaintext did not change.
type SealedText struct {
	c Cipher
	s string
}

// Sealed returns s as a query argument stored sealed.
func Sealed(c Cipher, s string) SealedText { return SealedText{c, s} }

// Value seals the text for the driver.
func (t SealedText) Value() (driver.Value, error) { return SealText(t.c, t.s) }

// OpenedText scans a sealed text column into a string, opening it.
type OpenedText struct {
	c   Cipher
	dst *string
	// null, if set, is told whether the column was NULL.
	null *bool
}

// Opened returns a scan destination that opens a sealed column into dst.
func Opened(c Cipher, dst *string) *OpenedText { return &OpenedText{c: c, dst: dst} }

// OpenedNull is Opened for a nullable column: null is set when it is NULL.
func OpenedNull(c Cipher, dst *string, null *bool) *OpenedText {
	return &OpenedText{c: c, dst: dst, null: null}
}

// Scan opens the column's value.
func (o *OpenedText) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case nil:
		*o.dst = ""
		if o.null != nil {
			*o.null = true
		}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("sealed text: cannot scan %T", v)
	}
	if o.null != nil {
		*o.null = false
	}
	var err error
	*o.dst, err = OpenText(o.c, s)
	return err
}

// SealedJSON is v's JSON text as a query argument stored sealed.
func SealedJSON(c Cipher, v any) (SealedText, error) {
	b, err := json.Marshal(v)
	return Sealed(c, string(b)), err
}

// JSONColumn is a scan destination for a sealed JSON column (nullable).
type JSONColumn struct {
	text string
	null bool
}

// Opened returns the scan destination that opens the column.
func (j *JSONColumn) Opened(c Cipher) *OpenedText { return OpenedNull(c, &j.text, &j.null) }

// Decode unmarshals the column into v; it reports false when there was
// nothing to decode (NULL or "").
func (j *JSONColumn) Decode(v any) (bool, error) {
	if j.null || j.text == "" {
		return false, nil
	}
	return true, json.Unmarshal([]byte(j.text), v)
}

// NameIndex is the blind index of a person's name, for de-duplication by
// phone and name and for finding a person by name: the name is normalised
// first, so that spacing and full-width forms do not matter.
// index is the cipher's Index (or an engine's cache of it).
func NameIndex(index func(kind, value string) []byte, name string) []byte {
	name = NormalizeName(name)
	if name == "" {
		return nil
	}
	return index("name", name)
}

// SealedColumn is one text column an engine keeps sealed.
type SealedColumn struct {
	Table, Column string
	// Key names the table's key columns (integers), "id" when empty:
	// the re-sealing pass walks the table in their order.
	Key []string
	// IndexColumn, with IndexKind, names the column of the value's blind
	// index (persons.name_key), written beside it.
	IndexColumn, IndexKind string
	// AppendOnly marks a column of a table no one may update (the audit
	// trail): its values stay sealed under the key that sealed them, so
	// a rotation never retires an old key from the key file.
	AppendOnly bool
}

// SealedColumns lists every text column kept sealed, in both engines: the
// re-sealing pass walks them after a key rotation (and seals values from
// before sealing), and the at-rest tests check that each holds no
// plaintext. A new column of names, addresses, free text or health data
// is added here and written through Sealed.
var SealedColumns = []SealedColumn{
	{Table: "persons", Column: "name", IndexColumn: "name_key", IndexKind: "name"},
	{Table: "leads", Column: "address"},
	{Table: "leads", Column: "reason"},
	{Table: "leads", Column: "outcome"},
	{Table: "sources", Column: "ref"},
	{Table: "sources", Column: "address"},
	{Table: "sources", Column: "reason"},
	{Table: "tasks", Column: "return_reason"},
	{Table: "tasks", Column: "feedback"},
	{Table: "events", Column: "detail"},
	{Table: "screenings", Column: "plate"},
	{Table: "screening_occupants", Column: "name", Key: occupantKey},
	{Table: "screening_occupants", Column: "origin", Key: occupantKey},
	{Table: "screening_occupants", Column: "destination", Key: occupantKey},
	{Table: "observations", Column: "end_reason"},
	{Table: "observations", Column: "hospital"},
	{Table: "observation_checks", Column: "note"},
	{Table: "duty_handovers", Column: "out_note"},
	{Table: "duty_handovers", Column: "in_note"},
	{Table: "audit", Column: "purpose", AppendOnly: true},
	{Table: "import_rejects", Column: "cells", Key: []string{"import_id", "row"}},
	{Table: "import_warnings", Column: "cells", Key: []string{"import_id", "row", "seq"}},
	{Table: "inspections", Column: "items"},
	{Table: "inspections", Column: "note"},
	{Table: "rectifications", Column: "fixed_note"},
	{Table: "deployments", Column: "person_name"},
	{Table: "deployments", Column: "police_number"},
	{Table: "patrol_logs", Column: "officers"},
	{Table: "patrol_logs", Column: "area"},
	{Table: "drone_sorties", Column: "pilot"},
	{Table: "drone_sorties", Column: "area"},
	{Table: "volunteers", Column: "availability"},
	{Table: "desk_tickets", Column: "contact"},
	{Table: "desk_tickets", Column: "phone"},
	{Table: "desk_tickets", Column: "detail"},
	{Table: "desk_steps", Column: "note"},
	{Table: "cases", Column: "title"},
	{Table: "cases", Column: "summary"},
	{Table: "cases", Column: "addresses"},
	{Table: "case_transitions", Column: "note"},
	{Table: "case_measures", Column: "note"},
	{Table: "case_custody", Column: "place", AppendOnly: true},
	{Table: "case_custody", Column: "holder", AppendOnly: true},
	{Table: "case_custody", Column: "note", AppendOnly: true},
	{Table: "detainees", Column: "reason"},
	{Table: "detainees", Column: "override_reason"},
	{Table: "detainees", Column: "end_reason"},
	{Table: "detention_cohorts", Column: "out_note"},
	{Table: "detention_cohorts", Column: "in_note"},
	{Table: "detention_orders", Column: "exceptions"},
	// The hand-over between cities (xcity.go).
	{Table: "xcity_handovers", Column: "person"},
	{Table: "xcity_handovers", Column: "reason"},
	{Table: "xcity_handovers", Column: "destination"},
	{Table: "xcity_handovers", Column: "refusal"},
}

var occupantKey = []string{"screening_id", "seq"}

// KeyColumns returns the column's table's key columns.
func (c SealedColumn) KeyColumns() []string {
	if len(c.Key) == 0 {
		return []string{"id"}
	}
	return c.Key
}

// Index returns the blind index of an opened value of a column with an
// index (nil otherwise, or for "").
func (c SealedColumn) Index(index func(kind, value string) []byte, value string) []byte {
	switch {
	case c.IndexColumn == "" || value == "":
		return nil
	case c.IndexKind == "name":
		return NameIndex(index, value)
	}
	return index(c.IndexKind, value)
}

// SealedTextsSQL returns the statements an engine runs for the re-sealing
// pass over c: the page query (key columns and value after a key, in key
// order; bind gives each parameter's placeholder) and the update. The
// names come from SealedColumns, never from input.
func (c SealedColumn) SealedTextsSQL(bind func(i int) string, first bool) (page, update string) {
	keys := c.KeyColumns()
	cols := strings.Join(keys, ", ")
	n := 0
	next := func() string { n++; return bind(n) }
	var after []string
	for range keys {
		after = append(after, next())
	}
	where := "true"
	if !first {
		where = "(" + cols + ") > (" + strings.Join(after, ", ") + ")"
	} else {
		n = 0
	}
	page = "SELECT " + cols + ", " + c.Column + " FROM " + c.Table + " WHERE " + where +
		" ORDER BY " + cols + " LIMIT " + next()
	n = 0
	set := c.Column + " = " + next()
	if c.IndexColumn != "" {
		set += ", " + c.IndexColumn + " = " + next()
	}
	var conds []string
	for _, k := range keys {
		conds = append(conds, k+" = "+next())
	}
	update = "UPDATE " + c.Table + " SET " + set + " WHERE " + strings.Join(conds, " AND ")
	return page, update
}
