package epiloop

import (
	"strings"
	"unicode/utf8"
)

// Masking shows enough of a personal identifier for a person on the phone or
// at a checkpoint to confirm whom a record is about, without putting the
// whole identifier on a screen, a printout or an export. The functions work
// on runes, not bytes, so that they never cut a character in half, and they
// never return an unmasked value longer than one rune.

// MaskIDNumber masks an ID number to its six-digit region code and last four
// characters, "210102********0017": the region and the tail are what people
// read back to confirm an identity. Other lengths fall back to maskMiddle.
func MaskIDNumber(s string) string {
	if utf8.RuneCountInString(s) == 18 {
		return maskRunes(s, 6, 4)
	}
	return maskMiddle(s)
}

// MaskPhone masks an 11-character mobile number to "138****8000", the form
// Chinese carriers and apps use. Other lengths fall back to maskMiddle.
func MaskPhone(s string) string {
	if utf8.RuneCountInString(s) == 11 {
		return maskRunes(s, 3, 4)
	}
	return maskMiddle(s)
}

// MaskName keeps the first rune of a name, which for a Chinese name is the
// surname, and replaces each further rune with a star: "张三丰" → "张**". A
// one-rune name is returned unchanged.
func MaskName(s string) string {
	return maskRunes(s, 1, 0)
}

// maskMiddle keeps the first and last rune and stars the rest. A value of
// one or two runes, which that would leave bare, keeps only its first rune
// when it has two and is a single star when it has one.
func maskMiddle(s string) string {
	switch utf8.RuneCountInString(s) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return maskRunes(s, 1, 0)
	}
	return maskRunes(s, 1, 1)
}

// maskRunes keeps the first head and last tail runes of s and replaces each
// rune between them with a star.
func maskRunes(s string, head, tail int) string {
	n := utf8.RuneCountInString(s)
	if n <= head+tail {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0 // rune index
	for k, r := range s {
		switch {
		case i < head:
		case i >= n-tail:
			b.WriteString(s[k:])
			return b.String()
		default:
			r = '*'
		}
		b.WriteRune(r)
		i++
	}
	return b.String()
}
