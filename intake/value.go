package intake

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
)

// Parsers for the cells of a manifest. Each takes the cell as read and
// either returns the canonical value or reports that the cell cannot be
// read; an empty cell is "not given", never an error.

// parseDate reads a date as people and spreadsheets write it: 2020-01-22,
// 2020/1/22, 2020.1.22, 2020年1月22日, 20200122, with or without a time after
// it, or an Excel serial day number (43852), counted from 1904 when the
// workbook says so. It returns YYYY-MM-DD.
func parseDate(s string, date1904 bool) (string, bool) {
	s = strings.TrimSpace(epiloop.ToHalfWidth(s))
	if s == "" {
		return "", true
	}
	if len(s) == 8 && isDigits(s) {
		return formatDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
	}
	if days, ok := excelSerial(s); ok {
		return serialDate(days, date1904)
	}
	y, rest, ok := cutNumber(s, 4)
	if !ok || len(rest) == 0 {
		return "", false
	}
	rest, ok = cutDateSep(rest, "年")
	if !ok {
		return "", false
	}
	m, rest, ok := cutNumber(rest, 2)
	if !ok {
		return "", false
	}
	rest, ok = cutDateSep(rest, "月")
	if !ok {
		return "", false
	}
	d, rest, ok := cutNumber(rest, 2)
	if !ok {
		return "", false
	}
	rest = strings.TrimPrefix(rest, "日")
	rest = strings.TrimPrefix(rest, "号")
	// A time may follow the date (2020-01-22 14:30, 2020-01-22T14:30:00).
	if rest != "" && rest[0] != ' ' && rest[0] != 'T' {
		return "", false
	}
	return formatDate(y, m, d)
}

// cutNumber reads 1 to max leading ASCII digits.
func cutNumber(s string, max int) (int, string, bool) {
	n := 0
	for n < len(s) && n < max && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return 0, s, false
	}
	return atoi(s[:n]), s[n:], true
}

// cutDateSep removes one date separator: -, /, . or the given character.
func cutDateSep(s, word string) (string, bool) {
	if s == "" {
		return s, false
	}
	switch s[0] {
	case '-', '/', '.':
		return s[1:], true
	}
	return strings.CutPrefix(s, word)
}

// excelSerial reads a day number as a spreadsheet stores a date: digits,
// perhaps with a fraction for the time of day, at most 2958465
// (9999-12-31).
func excelSerial(s string) (int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 7 || !isDigits(whole) || (frac != "" && !isDigits(frac)) {
		return 0, false
	}
	n := atoi(whole)
	return n, n > 0 && n <= 2958465
}

// serialDate converts an Excel day number. The 1900 date system counts the
// 29 February 1900 that never was (day 60), as Lotus 1-2-3 did.
func serialDate(days int, date1904 bool) (string, bool) {
	var t time.Time
	switch {
	case date1904:
		t = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	case days == 60:
		return "", false
	case days < 60:
		t = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	default:
		t = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days)
	}
	return formatDate(t.Year(), int(t.Month()), t.Day())
}

// formatDate checks a calendar date in the years intake accepts and
// formats it as YYYY-MM-DD.
func formatDate(y, m, d int) (string, bool) {
	if y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", false
	}
	var b [10]byte
	b[0], b[1], b[2], b[3] = digit(y/1000), digit(y/100), digit(y/10), digit(y)
	b[4] = '-'
	b[5], b[6] = digit(m/10), digit(m)
	b[7] = '-'
	b[8], b[9] = digit(d/10), digit(d)
	return string(b[:]), true
}

func digit(n int) byte { return byte('0' + n%10) }

// daysIn returns the number of days of month m (1–12) in year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// atoi converts digits already checked.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// parseFlag reads a yes/no cell. Clerks write 是/否, 有/无, √/×, Y/N, 1/0,
// and for fever also the finding itself (发热 / 正常).
func parseFlag(s string) (value, ok bool) {
	if s == "" {
		return false, true
	}
	s = strings.TrimSpace(epiloop.ToHalfWidth(s))
	switch strings.ToLower(s) {
	case "是", "有", "y", "yes", "true", "t", "1", "√", "✓", "✔", "对", "阳性", "发热", "发烧", "密接":
		return true, true
	case "", "否", "无", "没有", "不是", "n", "no", "false", "f", "0", "×", "✗", "✘", "x", "-", "/", "正常", "阴性", "未":
		return false, true
	}
	return false, false
}

// parseSex reads a sex cell into the domain's "M" and "F". The codes 1
// and 2 are those of GB/T 2261.1; 0 and 9 (unknown, unstated) read as not
// given.
func parseSex(s string) (string, bool) {
	switch s {
	case "男":
		return "M", true
	case "女":
		return "F", true
	case "":
		return "", true
	}
	s = strings.TrimSpace(epiloop.ToHalfWidth(s))
	switch strings.ToLower(s) {
	case "男", "男性", "m", "male", "1":
		return "M", true
	case "女", "女性", "f", "female", "2":
		return "F", true
	case "", "0", "9", "未知", "-", "/":
		return "", true
	}
	return "", false
}

// parseTemperature reads a body temperature in °C (36.5, 36.5℃, 36.5度),
// rounded to a tenth. Values outside epiloop.MinTemperature–MaxTemperature are misreadings or a
// thermometer in Fahrenheit, not a person.
func parseTemperature(s string) (float64, bool) {
	if s == "" {
		return 0, true
	}
	s = strings.TrimSpace(epiloop.ToHalfWidth(s))
	if s == "" {
		return 0, true
	}
	for _, suf := range [...]string{"℃", "°C", "°c", "°", "度", "C", "c"} {
		s = strings.TrimSuffix(s, suf)
	}
	t, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !epiloop.ValidTemperature(t) {
		return 0, false
	}
	return float64(int(t*10+0.5)) / 10, true
}

// normalizeCode brings a train number or a plate to the form they are
// matched in: half width, upper case, without white space and the
// separators people put in plates (辽A·12345, 辽A-12345 → 辽A12345), and a
// train number without 次 (G1234次 → G1234). It allocates only when it
// changes something.
func normalizeCode(s string) string {
	if plainCode(s) {
		return s
	}
	s = strings.TrimSuffix(strings.TrimSpace(epiloop.ToHalfWidth(s)), "次")
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c == ' ' || c == '-' || c == '.' || c == '\t' {
			clean = false
			break
		}
	}
	if clean && !strings.ContainsAny(s, "·•・\u3000") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteByte(byte(r - 'a' + 'A'))
		case r == ' ' || r == '-' || r == '.' || r == '\t' || r == '·' || r == '•' || r == '・' || r == '\u3000':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// originResolver turns the origin cells of a row into the domain's origin:
// a division or country code when the index knows the place, the cleaned
// text when there is no index. A place the index does not know answers
// its cleaned text and !ok. Origins repeat down a manifest (one train, one
// station), so answers are cached by cell text.
type originResolver struct {
	regions *divisions.RegionIndex
	last    memo
	cache   map[string]answer
}

// answer is a cached result: the value, and !ok when the cell is invalid
// (an origin's value is then its cleaned text).
type answer struct {
	value string
	ok    bool
}

// maxCache bounds each per-file cache: beyond it values are resolved
// afresh, so a hostile file with a million distinct values costs time, not
// memory.
const maxCache = 4096

func (o *originResolver) resolve(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if a, ok := o.last.get(s); ok {
		return a.value, a.ok
	}
	if a, ok := o.cache[s]; ok {
		o.last.put(s, a)
		return a.value, a.ok
	}
	origin, ok := o.lookup(s)
	o.last.put(s, answer{origin, ok})
	if o.cache == nil {
		o.cache = make(map[string]answer)
	}
	if len(o.cache) < maxCache {
		o.cache[strings.Clone(s)] = answer{origin, ok}
	}
	return origin, ok
}

// lookup resolves a code (420100), a name (武汉, 湖北省武汉市, 香港, 日本) or
// a station (武汉站, 北京西站, 汉口站 is not a place and stays unresolved:
// its cleaned text and false).
func (o *originResolver) lookup(s string) (string, bool) {
	name := epiloop.NormalizeSpace(Simplify(s))
	if name == "" {
		return "", true
	}
	if o.regions == nil {
		return name, true
	}
	if r, ok := o.regions.Lookup(name); ok {
		return r.Code, true
	}
	if stem, ok := strings.CutSuffix(name, "站"); ok {
		for _, cand := range [...]string{stem, trimLastRune(stem, "东西南北")} {
			if cand == "" {
				continue
			}
			if r, ok := o.regions.Lookup(cand); ok {
				return r.Code, true
			}
		}
	}
	return name, false
}

// trimLastRune removes the last rune of s if it is one of set.
func trimLastRune(s, set string) string {
	r, n := utf8.DecodeLastRuneInString(s)
	if n > 0 && strings.ContainsRune(set, r) {
		return s[:len(s)-n]
	}
	return ""
}

// dateCache remembers parsed arrival dates: a manifest has few distinct
// ones, and the cell text is its own key.
type dateCache struct {
	date1904 bool
	last     memo
	m        map[string]answer
}

func (c *dateCache) parse(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if a, ok := c.last.get(s); ok {
		return a.value, a.ok
	}
	if a, ok := c.m[s]; ok {
		c.last.put(s, a)
		return a.value, a.ok
	}
	d, ok := parseDate(s, c.date1904)
	c.last.put(s, answer{d, ok})
	if c.m == nil {
		c.m = make(map[string]answer)
	}
	if len(c.m) < maxCache {
		c.m[strings.Clone(s)] = answer{d, ok}
	}
	return d, ok
}
