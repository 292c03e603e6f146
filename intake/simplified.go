package intake

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// t2sData is the traditional → simplified character table; see
// data/README.md for its source and licence.
//
//go:embed data/t2s.txt
var t2sData string

// runeTable maps runes below 0x40000 to runes through blocks of 256: a
// lookup is two array reads, which matters when every character of every
// name and address of a million-row manifest goes through it.
type runeTable struct {
	// bmp has one bit per rune of the Basic Multilingual Plane, set for
	// the mapped ones: 8 KiB that stay in the fastest cache, so the common
	// answer "not mapped" costs one load.
	bmp [0x10000 / 64]uint64
	// index holds, for each block r>>8, its position in blocks plus one;
	// zero means no rune of the block is mapped.
	index  [0x400]uint16
	blocks [][256]rune
}

const runeTableLimit = 0x400 << 8

func (t *runeTable) set(from, to rune) {
	if from >= runeTableLimit {
		return
	}
	b := t.index[from>>8]
	if b == 0 {
		t.blocks = append(t.blocks, [256]rune{})
		b = uint16(len(t.blocks))
		t.index[from>>8] = b
	}
	t.blocks[b-1][from&0xff] = to
	if from < 0x10000 {
		t.bmp[from>>6] |= 1 << (from & 63)
	}
}

// get returns what r maps to, or 0.
func (t *runeTable) get(r rune) rune {
	if r < 0x10000 {
		if r < 0 || t.bmp[r>>6]&(1<<(r&63)) == 0 {
			return 0
		}
	} else if r >= runeTableLimit {
		return 0
	}
	b := t.index[r>>8]
	if b == 0 {
		return 0
	}
	return t.blocks[b-1][r&0xff]
}

// parseT2S reads the embedded table, calling pair for each line.
func parseT2S(pair func(trad, simp rune)) {
	for line := range strings.Lines(t2sData) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		t, n := utf8.DecodeRuneInString(line)
		s, _ := utf8.DecodeRuneInString(line[n:])
		if t != utf8.RuneError && s != utf8.RuneError {
			pair(t, s)
		}
	}
}

// t2s returns the traditional → simplified table, built on first use.
var t2s = sync.OnceValue(func() *runeTable {
	t := new(runeTable)
	parseT2S(t.set)
	return t
})

// Simplify replaces traditional Chinese characters with their simplified
// forms (瀋陽市和平區 → 沈阳市和平区), character by character. Characters
// that are also standard simplified characters (沈, 於, 乾) are left as they
// are, so names and place names are never "corrected" into something else.
// It returns s itself, without allocating, when there is nothing to change.
func Simplify(s string) string {
	out, _ := simplify(s)
	return out
}

// simplify is Simplify that also reports whether s holds invalid UTF-8 or
// the replacement character U+FFFD, the marks a file in a mixed or wrong
// encoding leaves; the scan costs nothing extra on the path every row
// takes.
func simplify(s string) (out string, bad bool) {
	t := t2s()
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError {
			bad = true
		} else if t.get(r) != 0 {
			return simplifyFrom(t, s, i), bad || strings.ContainsRune(s[i:], utf8.RuneError)
		}
		i += size
	}
	return s, bad
}

// simplifyFrom converts s from byte i on, where the first change is.
func simplifyFrom(t *runeTable, s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if m := t.get(r); m != 0 && size > 1 {
			b.WriteRune(m)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// traditional returns the simplified → traditional table the generator
// uses to write names and addresses in traditional characters: for each
// simplified character the first traditional one that maps to it, limited
// to the main CJK block so that every result is encodable in GBK.
func traditional() map[rune]rune {
	m := make(map[rune]rune, 3000)
	parseT2S(func(trad, simp rune) {
		if trad < 0x4E00 || trad > 0x9FA5 {
			return
		}
		if _, ok := m[simp]; !ok {
			m[simp] = trad
		}
	})
	return m
}
