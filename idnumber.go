package epiloop

import (
	"time"
	"unicode"
	"unicode/utf8"
)

// A resident ID number (GB 11643-1999) is the key by which leads from
// different sources are matched to one person, so every source must spell it
// the same way: 18 ASCII characters, a capital X as check character. The
// errors below name a stable reason and never quote the number: it is
// personal data, and error messages end up in logs and reports.

// Reasons for which NormalizeIDNumber rejects a number.
const (
	ReasonIDFormat    = "id_format"    // wrong length or characters
	ReasonIDChecksum  = "id_checksum"  // check character does not match
	ReasonIDBirthDate = "id_birthdate" // birth date is not a real date in range
	ReasonIDRegion    = "id_region"    // unknown province-level code
)

const idNumberField = "id_number"

// idCheckWeights are the weights 2^(17-i) mod 11 of the first 17 digits.
var idCheckWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// NormalizeIDNumber returns the canonical 18-character form of a resident ID
// number as typed or imported: full-width characters become half-width,
// white space is dropped, a trailing x is capitalised and a legacy 15-digit
// number is upgraded to 18 digits. It then validates the result.
//
// The specific checks run before the checksum so that a mistyped region or
// birth date is reported as such: the reason tells the person at the
// keyboard which part to look at. The county code is not checked, because
// numbers issued under counties since merged or renamed stay valid.
func NormalizeIDNumber(s string) (string, error) {
	var buf [18]byte
	id, ok := compactIDNumber(&buf, s)
	if !ok {
		return "", idFormatError()
	}
	if len(id) == 15 {
		id, ok = upgradeIDNumber(&buf, id)
	} else {
		ok = isIDNumber18(id)
	}
	if !ok {
		return "", idFormatError()
	}
	if !knownProvince(id[0], id[1]) {
		return "", ReasonError(idNumberField, ReasonIDRegion)
	}
	if _, ok := idBirthDate(id); !ok {
		return "", ReasonError(idNumberField, ReasonIDBirthDate)
	}
	if idCheckChar(id) != id[17] {
		return "", ReasonError(idNumberField, ReasonIDChecksum)
	}
	if string(id) == s {
		return s, nil // already canonical: no allocation
	}
	return string(id), nil
}

func idFormatError() error {
	return ReasonError(idNumberField, ReasonIDFormat)
}

// compactIDNumber copies s into buf in half width, without white space and
// with a trailing x capitalised. It fails for non-ASCII characters and for
// anything that is neither 15 nor 18 characters long; the characters
// themselves are checked by the caller.
func compactIDNumber(buf *[18]byte, s string) ([]byte, bool) {
	n := 0
	for _, r := range s {
		r = halfWidthRune(r)
		if unicode.IsSpace(r) {
			continue
		}
		if r >= utf8.RuneSelf || n == len(buf) {
			return nil, false
		}
		buf[n] = byte(r)
		n++
	}
	if n != 15 && n != 18 {
		return nil, false
	}
	if buf[n-1] == 'x' {
		buf[n-1] = 'X'
	}
	return buf[:n], true
}

// upgradeIDNumber turns a legacy 15-digit number, held at the start of buf,
// into 18 characters in place: "19" before the two-digit year and a check
// character at the end, as the issuing offices did when the 18-digit form
// was introduced. It fails unless all 15 characters are digits.
func upgradeIDNumber(buf *[18]byte, id []byte) ([]byte, bool) {
	if !allDigits(id) {
		return nil, false
	}
	copy(buf[8:17], id[6:15])
	buf[6], buf[7] = '1', '9'
	buf[17] = idCheckChar(buf[:])
	return buf[:], true
}

// isIDNumber18 reports whether id has the shape of an 18-character number:
// 17 digits and a digit or X.
func isIDNumber18(id []byte) bool {
	return len(id) == 18 && allDigits(id[:17]) && (isDigit(id[17]) || id[17] == 'X')
}

// idCheckChar computes the check character of the first 17 digits of id.
func idCheckChar(id []byte) byte {
	sum := 0
	for i, w := range idCheckWeights {
		sum += int(id[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

// IDNumberBirthDate returns the birth date encoded in a normalised
// 18-character ID number, at midnight UTC: it is a calendar date, not an
// instant. The boolean is false when id holds no valid date.
func IDNumberBirthDate(id string) (time.Time, bool) {
	if len(id) != 18 {
		return time.Time{}, false
	}
	var buf [18]byte
	copy(buf[:], id)
	return idBirthDate(buf[:])
}

// idBirthDate parses the YYYYMMDD birth date of an 18-character id and
// accepts it between 1900-01-01 and 2099-12-31. The range is fixed rather
// than relative to today so that validation stays a pure function.
func idBirthDate(id []byte) (time.Time, bool) {
	date := id[6:14]
	if !allDigits(date) {
		return time.Time{}, false
	}
	year := atoiDigits(date[0:4])
	month := atoiDigits(date[4:6])
	day := atoiDigits(date[6:8])
	if year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), true
}

// IDNumberSex returns "M" or "F", the sex encoded by the parity of the 17th
// character of a normalised 18-character ID number (odd is male), or "" when
// id is not of that shape.
func IDNumberSex(id string) string {
	if len(id) != 18 || !isDigit(id[16]) {
		return ""
	}
	if (id[16]-'0')%2 == 1 {
		return "M"
	}
	return "F"
}

// knownProvince reports whether the two digits are a province-level code:
// the 31 mainland provinces, Taiwan, Hong Kong and Macau, and 83, which
// prefixes the residence permits issued to Taiwan residents (830000).
func knownProvince(a, b byte) bool {
	switch int(a-'0')*10 + int(b-'0') {
	case 11, 12, 13, 14, 15,
		21, 22, 23,
		31, 32, 33, 34, 35, 36, 37,
		41, 42, 43, 44, 45, 46,
		50, 51, 52, 53, 54,
		61, 62, 63, 64, 65,
		71, 81, 82, 83:
		return true
	}
	return false
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// atoiDigits converts a run of ASCII digits, already checked, to an int.
func atoiDigits(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// CompleteIDNumber appends the GB 11643 check character to the first 17
// digits of an ID number; generators of test data and the demo use it.
func CompleteIDNumber(first17 string) string {
	if len(first17) != 17 || !allDigits([]byte(first17)) {
		return ""
	}
	return first17 + string(idCheckChar([]byte(first17)))
}
