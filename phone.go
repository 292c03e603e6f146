package epiloop

import (
	"unicode"
	"unicode/utf8"
)

// ReasonPhoneInvalid is the reason NormalizePhone gives for anything that
// is not a mainland mobile number.
const ReasonPhoneInvalid = "phone_invalid"

// NormalizePhone returns a mainland mobile number as its 11 bare digits,
// however it was written: full-width digits, spaces, dashes, dots,
// parentheses and a +86, 0086 or 86 country prefix are dropped. Mobile
// numbers are how leads reach people and how sources are matched, so only
// numbers of the form 1[3-9]XXXXXXXXX are accepted; landlines are rejected.
// The error never quotes the number.
func NormalizePhone(s string) (string, error) {
	// The longest acceptable input once compacted is "0086" + 11 digits.
	var buf [15]byte
	n := 0
	for _, r := range s {
		r = halfWidthRune(r)
		if unicode.IsSpace(r) || isPhoneSeparator(r) {
			continue
		}
		if r >= utf8.RuneSelf || n == len(buf) || !(isDigit(byte(r)) || (r == '+' && n == 0)) {
			return "", phoneError()
		}
		buf[n] = byte(r)
		n++
	}
	p := buf[:n]
	for _, prefix := range [...]string{"+86", "0086", "86"} {
		if len(p) == len(prefix)+11 && string(p[:len(prefix)]) == prefix {
			p = p[len(prefix):]
			break
		}
	}
	if !isMobile(p) {
		return "", phoneError()
	}
	if string(p) == s {
		return s, nil // already canonical: no allocation
	}
	return string(p), nil
}

func phoneError() error {
	return ReasonError("phone", ReasonPhoneInvalid)
}

// isPhoneSeparator reports whether r is punctuation that people put between
// groups of digits: dashes of every kind, dots and parentheses.
func isPhoneSeparator(r rune) bool {
	switch r {
	case '-', '.', '(', ')',
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', // hyphens and dashes
		'\u2212': // minus sign
		return true
	}
	return false
}

// isMobile reports whether p matches 1[3-9]\d{9}.
func isMobile(p []byte) bool {
	return len(p) == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9' && allDigits(p)
}
