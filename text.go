package epiloop

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text typed on Chinese input methods and pasted from spreadsheets mixes
// full-width forms (ＡＢＣ１２３), the ideographic space and stray runs of
// white space. The functions here bring such text to one form so that
// matching, deduplication and reconciliation compare like with like. They
// run on every imported row, so each returns its argument unchanged, without
// allocating, when there is nothing to do.

const (
	fullWidthFirst   = '\uFF01' // ！
	fullWidthLast    = '\uFF5E' // ～
	fullWidthOffset  = fullWidthFirst - '!'
	ideographicSpace = '\u3000'
)

// halfWidthRune maps a full-width ASCII variant or the ideographic space to
// its ASCII counterpart and leaves any other rune as it is.
func halfWidthRune(r rune) rune {
	switch {
	case r >= fullWidthFirst && r <= fullWidthLast:
		return r - fullWidthOffset
	case r == ideographicSpace:
		return ' '
	}
	return r
}

// ToHalfWidth replaces the full-width ASCII variants (U+FF01–U+FF5E) with
// their ASCII forms and the ideographic space (U+3000) with a space, so that
// "１２３" typed with a Chinese input method equals "123".
func ToHalfWidth(s string) string {
	i := firstFullWidth(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		writeHalfWidth(&b, s[i:i+size], r)
		i += size
	}
	return b.String()
}

// writeHalfWidth writes the rune r, encoded in s, in half width. Runes that
// need no change are copied as bytes, so that invalid UTF-8 passes through
// as it would on the fast path.
func writeHalfWidth(b *strings.Builder, s string, r rune) {
	if h := halfWidthRune(r); h != r {
		b.WriteByte(byte(h))
		return
	}
	b.WriteString(s)
}

// firstFullWidth returns the byte index of the first rune that ToHalfWidth
// would change, or -1.
func firstFullWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		// Only continue the scan rune by rune from the first non-ASCII
		// byte: pure ASCII input never decodes a rune.
		for j, r := range s[i:] {
			if halfWidthRune(r) != r {
				return i + j
			}
		}
		return -1
	}
	return -1
}

// NormalizeSpace converts s to half width, trims it and collapses every run
// of white space into a single space, so that free-text fields such as
// addresses compare equal however they were typed.
func NormalizeSpace(s string) string {
	if spaceClean(s, false) {
		return s
	}
	return collapseSpace(s, false)
}

// NormalizeName is NormalizeSpace for personal names: Chinese names are
// written without spaces, so white space next to a Han character is removed
// ("张 三" → "张三", "买买提 · 艾力" → "买买提·艾力"), while Latin names keep one
// space between words ("John  Smith" → "John Smith").
func NormalizeName(s string) string {
	if spaceClean(s, true) {
		return s
	}
	return collapseSpace(s, true)
}

// isHan reports whether r is a Chinese character, next to which a name
// carries no white space.
func isHan(r rune) bool {
	return r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// spaceClean reports whether collapseSpace(s, names) would return s
// unchanged: no full-width forms, no leading or trailing white space, and
// only single ASCII spaces between words (none next to Han characters when
// names is set).
func spaceClean(s string, names bool) bool {
	prev := rune(-1) // -1 at the start of s
	prevSpace := false
	for _, r := range s {
		if r >= utf8.RuneSelf && halfWidthRune(r) != r {
			return false
		}
		if unicode.IsSpace(r) {
			if r != ' ' || prev < 0 || prevSpace || (names && isHan(prev)) {
				return false
			}
			prevSpace = true
		} else {
			if prevSpace && names && isHan(r) {
				return false
			}
			prevSpace = false
		}
		prev = r
	}
	return !prevSpace
}

// collapseSpace does the work of NormalizeSpace and, when names is set, of
// NormalizeName.
func collapseSpace(s string, names bool) string {
	var b strings.Builder
	b.Grow(len(s))
	prev := rune(-1) // last rune written, -1 before the first
	pending := false // white space seen since prev
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		enc := s[i : i+size]
		i += size
		h := halfWidthRune(r)
		if unicode.IsSpace(h) {
			pending = prev >= 0
			continue
		}
		if pending && !(names && (isHan(prev) || isHan(h))) {
			b.WriteByte(' ')
		}
		pending = false
		writeHalfWidth(&b, enc, r)
		prev = h
	}
	return b.String()
}

// csvFormulaStart lists the characters with which a spreadsheet program
// (Excel, WPS, LibreOffice) takes a cell for a formula when it opens a CSV
// file: a cell such as =HYPERLINK(…) or @SUM(…) in a file a clerk opens
// runs, or links out with the cell's neighbours. OWASP's CSV injection
// guidance names these six.
const csvFormulaStart = "=+-@\t\r"

// csvGuard is what CSVSafe puts before a cell: a spreadsheet shows a cell
// that starts with a single quote as text.
const csvGuard = '\''

// CSVSafe returns cell as a spreadsheet may open it without running it:
// a cell that starts with one of = + - @, a tab or a carriage return gets a
// single quote before it, as OWASP advises. Every CSV the product writes
// passes its cells through CSVSafe, and every file it imports through
// CSVRestore, so a report written this way and imported again gives back
// the original cells.
//
// Negative numbers ("-5") are quoted too. Exempting "cells that are
// numbers" would need a number grammar that matches every spreadsheet's
// ("-1+1" and "-2+3+cmd|' /C calc'!A0" are formulas, "-5" is not), and a
// mismatch reopens the hole. No column the product writes holds a
// negative number: the daily report's counts are never negative, and in a
// rejects report a temperature of "-5" is why the row was rejected, so
// the clerk sees '-5 for the cell to fix; and a phone number "+86…" keeps
// its digits as text rather than becoming 8.6E+12.
//
// A cell that already starts with quotes followed by one of those
// characters ("'=1") gets one more, so that CSVRestore, which removes one,
// returns it exactly.
func CSVSafe(cell string) string {
	if !csvRisky(cell) {
		return cell
	}
	return string(csvGuard) + cell
}

// CSVRestore undoes CSVSafe: it removes the one single quote CSVSafe put
// before a cell, and returns any other cell unchanged, without allocating.
// For every string s, CSVRestore(CSVSafe(s)) == s. It runs on every
// imported cell, from CSV files and workbooks alike, since a rejects
// report may come back saved in either form; a cell typed as '=1 reads as
// =1, which is what a spreadsheet shows for it.
func CSVRestore(cell string) string {
	if len(cell) < 2 || cell[0] != csvGuard || !csvRisky(cell[1:]) {
		return cell
	}
	return cell[1:]
}

// csvRisky reports whether s, after any single quotes it starts with,
// starts with a character that makes a spreadsheet read it as a formula.
func csvRisky(s string) bool {
	i := 0
	for i < len(s) && s[i] == csvGuard {
		i++
	}
	return i < len(s) && strings.IndexByte(csvFormulaStart, s[i]) >= 0
}
