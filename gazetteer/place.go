package gazetteer

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// places tells the city's own divisions from the rest of the country's, by
// the names an address starts with: 沈阳市 and 辽宁省沈阳市 are the city's,
// 大连市 and 北京市朝阳区 are not.
type places struct {
	lookup func(name string) (code string, ok bool)
	// cities are the 4-digit codes of the city's districts' cities.
	cities []string

	mu sync.RWMutex
	// seen caches lookup's verdict per name, so that the city's own name,
	// which most addresses begin with, costs a map read and no allocation.
	seen map[string]placeVerdict
}

type placeVerdict int8

const (
	placeUnknown placeVerdict = iota
	placeOwn
	placeOther
)

// maxSeenPlaces bounds the cache: the names addresses begin with are few,
// but an address can begin with anything.
const maxSeenPlaces = 1024

// maxLead is how far into an address its province, city and county can
// reach (新疆维吾尔自治区伊犁哈萨克自治州 is 16 runes).
const maxLead = 24

// adminSuffixes end the names of provinces, cities and counties.
const adminSuffixes = "省市区县州盟旗"

// SetRegions gives the gazetteer the country's divisions: lookup resolves
// the name of a province, city or county (official or full, 北京市朝阳区)
// to its 2-, 4- or 6-digit code, as the division index does. With it, an
// address that begins with a place outside the city routes nowhere
// (ReasonOutsideCity), and the city's own name is not taken for a place
// name to teach (PlaceName).
func (g *Gazetteer) SetRegions(lookup func(name string) (code string, ok bool)) {
	p := &places{lookup: lookup, seen: map[string]placeVerdict{}}
	for _, d := range g.districts {
		if len(d) >= 4 && !containsString(p.cities, d[:4]) {
			p.cities = append(p.cities, d[:4])
		}
	}
	g.mu.Lock()
	g.places = p
	g.mu.Unlock()
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// outside reports whether the address rs begins, before any name of the
// city, with a division outside the city.
func (g *Gazetteer) outside(rs []rune, hits []hit) bool {
	if g.places == nil {
		return false
	}
	_, other := g.places.lead(leadOf(rs, hits))
	return other
}

// leadOf returns the runes of rs before the first name of the city read
// in it, where an address writes its province and city.
func leadOf(rs []rune, hits []hit) []rune {
	end := len(rs)
	if len(hits) > 0 {
		end = hits[0].start
	}
	return rs[:min(end, maxLead)]
}

// lead reads the divisions a lead begins with, longest first: own is the
// length of the city's own (辽宁省沈阳市), other whether it is another's.
func (p *places) lead(lead []rune) (own int, other bool) {
	for k := len(lead); k >= 2; k-- {
		if !strings.ContainsRune(adminSuffixes, lead[k-1]) {
			continue
		}
		switch p.verdict(lead[:k]) {
		case placeOwn:
			return k, false
		case placeOther:
			return 0, true
		}
	}
	return 0, false
}

// verdict says whose division name is.
func (p *places) verdict(name []rune) placeVerdict {
	var buf [maxLead * utf8.UTFMax]byte
	b := buf[:0]
	for _, r := range name {
		b = utf8.AppendRune(b, r)
	}
	p.mu.RLock()
	v, ok := p.seen[string(b)]
	p.mu.RUnlock()
	if ok {
		return v
	}
	s := string(b)
	v = placeUnknown
	if code, found := p.lookup(s); found {
		v = placeOther
		for _, c := range p.cities {
			// The city's province and the city, or a county in it.
			if strings.HasPrefix(c, code) || strings.HasPrefix(code, c) {
				v = placeOwn
			}
		}
	}
	p.mu.Lock()
	if len(p.seen) < maxSeenPlaces {
		p.seen[s] = v
	}
	p.mu.Unlock()
	return v
}

// namesVillage reports whether the text of rs that no known name covers
// writes a village: a name ending in 村 or 屯 (not a compound's 新村).
func namesVillage(rs []rune, hits []hit) bool {
	k := 0
	for i := 0; i < len(rs); i++ {
		for k < len(hits) && hits[k].end <= i {
			k++
		}
		if k < len(hits) && hits[k].start <= i {
			continue // covered
		}
		if (rs[i] == '村' || rs[i] == '屯') && i > 0 && unicode.Is(unicode.Han, rs[i-1]) && rs[i-1] != '新' &&
			(k == 0 || hits[k-1].end < i) {
			return true
		}
	}
	return false
}

// PlaceName returns the name in address that a commander routing it by
// hand would teach the gazetteer (AddAlias), or "" when there is none: the
// text no known name covers, less the city's own name and the house
// number — a compound (祥和苑 of 和平区祥和苑B座1201, 阳光100国际新城 of
// …阳光100国际新城5号楼) before any other name, a road last. A short form
// (阳光, 文官) counts as text: it is as often part of a compound's name.
func (g *Gazetteer) PlaceName(address string) string {
	rs := normalize(nil, address)
	g.mu.RLock()
	hits := segment(g.scan(rs, nil), len(rs))
	start := 0
	if g.places != nil {
		start, _ = g.places.lead(leadOf(rs, hits))
	}
	hits = slices.DeleteFunc(hits, g.shortOnly)
	g.mu.RUnlock()

	best, bestScore := "", 0
	k := 0
	for i := start; i < len(rs); {
		for k < len(hits) && hits[k].end <= i {
			k++
		}
		if k < len(hits) && hits[k].start <= i {
			i = hits[k].end
			continue
		}
		end := len(rs)
		if k < len(hits) {
			end = hits[k].start
		}
		for _, piece := range namePieces(rs[i:end]) {
			if sc := pieceScore(piece); sc > bestScore {
				best, bestScore = piece, sc
			}
		}
		i = end
	}
	return best
}

// shortOnly reports whether h names nothing but communities' short forms.
func (g *Gazetteer) shortOnly(h hit) bool {
	t := &g.terms[h.term]
	for tier := range tierShort {
		if len(t.communities[tier]) > 0 {
			return false
		}
	}
	return len(t.districts)+len(t.streets) == 0
}

// maxPlaceName is the longest name PlaceName offers, in runes.
const maxPlaceName = 40

// houseWords follow a house number (5号楼, 3单元, 1201室, B座).
const houseWords = "号栋幢楼单元室层座组门户期"

// hanNumerals write house numbers in words (三号楼).
const hanNumerals = "一二三四五六七八九十百零〇两"

// namePieces splits text no known name covers into the names it holds:
// house numbers and punctuation end a name; digits inside one stay
// (阳光100国际新城).
func namePieces(run []rune) []string {
	var out []string
	var cur []rune
	flush := func() {
		if n := len(cur); n >= 2 && n <= maxPlaceName {
			out = append(out, string(cur))
		}
		cur = cur[:0]
	}
	for i := 0; i < len(run); {
		r := run[i]
		switch {
		case isAlnum(r):
			j := i
			for j < len(run) && (isAlnum(run[j]) || run[j] == '-' || run[j] == '#') {
				j++
			}
			if j < len(run) && unicode.Is(unicode.Han, run[j]) && !strings.ContainsRune(houseWords, run[j]) {
				cur = append(cur, run[i:j]...) // part of a name
				i = j
				continue
			}
			flush()
			i = j
		case strings.ContainsRune(houseWords, r) && (len(cur) == 0 || strings.ContainsRune(hanNumerals, cur[len(cur)-1])):
			// A house word after a number in words, or opening a piece.
			for len(cur) > 0 && strings.ContainsRune(hanNumerals, cur[len(cur)-1]) {
				cur = cur[:len(cur)-1]
			}
			flush()
			i++
		case unicode.Is(unicode.Han, r):
			cur = append(cur, r)
			i++
		default:
			flush()
			i++
		}
	}
	flush()
	return out
}

func isAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
}

// compoundSuffixes end the names of residential compounds and buildings,
// the names worth teaching first.
var compoundSuffixes = []string{"小区", "花园", "家园", "公寓", "大厦", "广场", "新城", "新村", "公馆",
	"苑", "园", "府", "庭", "湾", "居", "里", "城", "院", "村", "屯", "宅", "墅", "邸", "郡", "轩", "阁", "坊"}

// roadSuffixes end the names of roads, which may cross communities.
var roadSuffixes = []string{"路", "街", "道", "巷", "胡同", "大街"}

// pieceScore ranks a name to teach: a compound 3, a road 1, any other 2.
func pieceScore(piece string) int {
	for _, s := range compoundSuffixes {
		if strings.HasSuffix(piece, s) {
			return 3
		}
	}
	for _, s := range roadSuffixes {
		if strings.HasSuffix(piece, s) {
			return 1
		}
	}
	return 2
}
