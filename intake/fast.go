package intake

import (
	"unicode"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

// The domain's normalisers are written for one value at a time and are
// correct for any input. A manifest sends them millions of values that are
// almost all already in normal form, so the checks here recognise those in
// one cheap pass and hand anything else to the domain. Each fast path
// accepts only what the domain function would return unchanged; the fuzz
// tests hold them to it.

// scanText reads s once and reports whether epiloop.NormalizeSpace (or,
// with names, NormalizeName) would return it unchanged, whether it holds
// traditional characters Simplify would change, and whether it holds
// invalid UTF-8 or U+FFFD. It runs on every name, address and seat of a
// manifest, so the common characters take short paths: ASCII letters and
// digits, and Chinese characters of the main block (three bytes from
// 0xE4 to 0xE9), decoded inline and checked against the traditional
// character bitmap.
func scanText(t *runeTable, s string, names bool) (clean, trad, bad bool) {
	clean = true
	prev := rune(-1)
	prevSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0xE4 && c <= 0xE9 {
			// A run of Chinese characters: none is a space or full width,
			// so only the traditional ones need looking for.
			start := i
			var hit uint64
			for i+2 < len(s) {
				c, c1, c2 := s[i], s[i+1], s[i+2]
				if c < 0xE4 || c > 0xE9 || c1&0xC0 != 0x80 || c2&0xC0 != 0x80 {
					break
				}
				r := uint(c&0x0F)<<12 | uint(c1&0x3F)<<6 | uint(c2&0x3F)
				hit |= t.bmp[(r>>6)%uint(len(t.bmp))] & (1 << (r & 63))
				i += 3
			}
			if i > start {
				trad = trad || hit != 0
				if prevSpace && names && isHanFast(decode3(s[start:])) {
					clean = false
				}
				prevSpace = false
				prev = decode3(s[i-3:])
				continue
			}
		}
		if c < utf8.RuneSelf {
			if c > ' ' {
				prevSpace = false
			} else if c == ' ' {
				if prev < 0 || prevSpace || (names && isHanFast(prev)) {
					clean = false
				}
				prevSpace = true
			} else if c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' {
				clean = false
				prevSpace = true
			} else {
				prevSpace = false
			}
			prev = rune(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError:
			bad = true
		case r <= 0x3000 && unicode.IsSpace(r), r >= 0xFF01 && r <= 0xFF5E:
			clean = false
		}
		if prevSpace && names && isHanFast(r) {
			clean = false
		}
		if t.get(r) != 0 {
			trad = true
		}
		prevSpace = false
		prev = r
		i += size
	}
	if prevSpace {
		clean = false
	}
	return clean, trad, bad
}

// decode3 decodes the three-byte UTF-8 sequence s starts with, already
// checked.
func decode3(s string) rune {
	return rune(s[0]&0x0F)<<12 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F)
}

// isHanFast is the domain's test for a Chinese character, answering the
// common block without a table search.
func isHanFast(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF {
		return true
	}
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// normText brings free text (names when names is set, addresses and notes
// otherwise) to normal form: simplified characters, half width, white
// space as the domain wants it. bad reports invalid UTF-8 or U+FFFD.
func normText(t *runeTable, s string, names bool) (out string, bad bool) {
	if s == "" {
		return "", false
	}
	clean, trad, bad := scanText(t, s, names)
	if bad {
		return "", true
	}
	if trad {
		s = simplifyFrom(t, s, 0)
	}
	if clean {
		// Simplify only swaps one Chinese character for another, so the
		// white space stays as clean as it was.
		return s, false
	}
	if names {
		return epiloop.NormalizeName(s), false
	}
	return epiloop.NormalizeSpace(s), false
}

// canonicalID reports whether s is an 18-character ID number in canonical
// form that epiloop.NormalizeIDNumber accepts as it is: 17 digits and a
// matching check digit or X, a known province, a real birth date.
func canonicalID(s string) bool {
	if len(s) != 18 || !digits8(s[0:8]) || !digits8(s[8:16]) || s[16] < '0' || s[16] > '9' {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	if "10X98765432"[sum%11] != s[17] {
		return false
	}
	y, m, d := atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])
	return knownProvince(atoi(s[:2])) && y >= 1900 && y <= 2099 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
}

// digits8 reports whether the eight bytes of s are all ASCII digits,
// testing them at once: a byte is a digit when it has no high bit, adding
// 0x46 to it sets none (it is below ':'), and taking it from 0xAF leaves
// none either (it is above '/').
func digits8(s string) bool {
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	t := w &^ highs
	return (w|(t+0x4646464646464646)|(0xAFAFAFAFAFAFAFAF-t))&highs == 0
}

// knownProvince mirrors the domain's list of province-level codes.
func knownProvince(p int) bool {
	switch p {
	case 11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
		50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83:
		return true
	}
	return false
}

// canonicalMobile reports whether s is already 11 bare digits of a
// mainland mobile number, as epiloop.NormalizePhone returns it.
func canonicalMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	return isDigits(s)
}

// plainCode reports whether s is only capital letters and digits, the
// form normalizeCode returns train numbers and plates in.
func plainCode(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// memo remembers the last answer of a cache: manifests list a train's
// passengers together, so origin and date repeat row after row, and a
// string comparison is cheaper than a map lookup.
type memo struct {
	key string
	answer
	set bool
}

func (m *memo) get(s string) (answer, bool) {
	if m.set && s == m.key {
		return m.answer, true
	}
	return answer{}, false
}

func (m *memo) put(s string, a answer) {
	m.key, m.answer, m.set = s, a, true
}
