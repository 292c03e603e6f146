package epiloop

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Finding a person. Identities and names are sealed at rest, so a search
// never decrypts rows: the query is classified, normalised as stored
// values are, and looked up by its keyed blind index — an ID number's, a
// phone's, or a full name's. A name matches whole (after NormalizeName),
// not by part: a part of a name would need a token index that says more
// about the names than a stolen file should.

// Kinds of person search.
const (
	SearchIDNumber = "id"
	SearchPhone    = "phone"
	SearchName     = "name"
)

// MaxSearchNameRunes bounds a name query.
const MaxSearchNameRunes = 40

// PersonKey is a search for persons by one blind index: the leads of the
// persons it finds, in the caller's scope. Value is the normalised query;
// it lives in memory only, and the engine looks up its Index.
type PersonKey struct {
	Kind  string // SearchIDNumber, SearchPhone or SearchName
	Value string
}

// Index returns the key's blind index (index is the cipher's Index).
func (k PersonKey) Index(index func(kind, value string) []byte) []byte {
	if k.Kind == SearchName {
		return NameIndex(index, k.Value)
	}
	return index(k.Kind, k.Value)
}

// ParsePersonQuery classifies and normalises q — 18 (or 15) characters of
// an ID number, a mobile number, or a full name. An ID number or phone
// that does not validate is refused with the specific reason, as a form
// would; the error never quotes the query.
func ParsePersonQuery(q string) (PersonKey, error) {
	q = strings.TrimSpace(ToHalfWidth(q))
	switch {
	case q == "":
		return PersonKey{}, FieldError("q", "err.search_query_required")
	case looksLikeIDNumber(q):
		id, err := NormalizeIDNumber(q)
		if err != nil {
			return PersonKey{}, searchField(err)
		}
		return PersonKey{SearchIDNumber, id}, nil
	case looksLikePhone(q):
		p, err := NormalizePhone(q)
		if err != nil {
			return PersonKey{}, searchField(err)
		}
		return PersonKey{SearchPhone, p}, nil
	}
	name := NormalizeName(q)
	if n := utf8.RuneCountInString(name); n < 2 || n > MaxSearchNameRunes || strings.ContainsFunc(name, unicode.IsDigit) {
		return PersonKey{}, FieldError("q", "err.search_query_kind", MaxSearchNameRunes)
	}
	return PersonKey{SearchName, name}, nil
}

// searchField moves a validation error onto the query field.
func searchField(err error) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Field = "q"
		return &c
	}
	return err
}

// looksLikeIDNumber: digits (a trailing X allowed), 15 or 18 of them once
// spaces are dropped.
func looksLikeIDNumber(q string) bool {
	s := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, q)
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for i, r := range s {
		if !(r >= '0' && r <= '9') && !(i == len(s)-1 && (r == 'x' || r == 'X')) {
			return false
		}
	}
	return true
}

// looksLikePhone: digits with the separators a phone is written with,
// and a leading +.
func looksLikePhone(q string) bool {
	digits := 0
	for i, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == '-', r == ' ', r == '(', r == ')', r == '.':
		default:
			return false
		}
	}
	return digits >= 7
}
