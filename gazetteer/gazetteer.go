// Package gazetteer routes free-text addresses to a community, so that a
// lead reaches the police station and committee responsible for where the
// person lives. It is pure Go and in memory: intake routes millions of rows
// and cannot afford a database round trip per address.
package gazetteer

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

// Reasons a Match carries no community, for the commander who routes the
// lead by hand (the unroutable queue words each one).
const (
	// ReasonNoAddress: the address is empty.
	ReasonNoAddress = "no_address"
	// ReasonNoMatch: the address names no known community, street or
	// village (it may name a district: Match.District).
	ReasonNoMatch = "no_match"
	// ReasonAmbiguous: the address fits several communities (a name used in
	// more than one district), or names a community that is not in the
	// district or street it also names. Candidates lists them.
	ReasonAmbiguous = "ambiguous"
	// ReasonStreetOnly: the address names a street but no community in it.
	// Candidates lists the street's communities.
	ReasonStreetOnly = "street_only"
	// ReasonUnknownVillage: the address writes a village (…村, …屯) the
	// tree does not hold; when it names the town, Candidates lists the
	// town's communities.
	ReasonUnknownVillage = "unknown_village"
	// ReasonOutsideCity: the address begins with a province, city or
	// county outside the city (大连市…, 北京市朝阳区…), so no community of
	// the city is the person's, whatever names follow. Known only once
	// SetRegions gave the gazetteer the country's division names.
	ReasonOutsideCity = "outside_city"
)

// Match is the result of routing one address. A routed address has a
// Community and no Reason; any other goes to the unroutable queue with its
// Reason and the Candidates a commander chooses from. District and Street
// are what the address names, routed or not, so that a page can start
// where the address points, and a commander routing elsewhere is asked to
// confirm.
type Match struct {
	// Community is the 12-digit code of the community, "" when not routed.
	Community string `json:"community,omitempty"`
	// Candidates are community codes, in code order, when the address is
	// ambiguous or names only a street.
	Candidates []string `json:"candidates,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	// District is the 6-digit code of the district the address names (the
	// street's, when it names one street), "" when it names none.
	District string `json:"district,omitempty"`
	// Street is the 9-digit code of the street the address names, "" when
	// it names none, or a name that several streets share.
	Street string `json:"street,omitempty"`
}

// Gazetteer maps addresses to communities. It is safe for concurrent use:
// many importers may Route while a commander's manual routing adds an alias.
type Gazetteer struct {
	mu    sync.RWMutex
	trie  trie
	terms []term

	// The jurisdiction tree, by index; fixed after New.
	districts   []string
	streets     []street
	communities []community
	communityOf map[string]int32

	// places tells the country's divisions apart from the city's
	// (SetRegions); nil, no address is known to lie outside.
	places *places
}

type street struct {
	code        string
	district    int32
	communities []int32
}

type community struct {
	code             string
	street, district int32
}

// term is what one name means: a name may at once be a district, a street,
// and a name of several communities.
type term struct {
	districts []int32
	streets   []int32
	// communities holds the communities this name identifies, by tier.
	communities [tiers][]int32
}

// Tiers of community names, strongest first. Where an address names
// communities at several tiers only the strongest counts: a name a person
// taught decides before the registered names (a commander taught it from
// an address those names could not decide: 三隆社区华府花园 names two
// 三隆社区 but one 华府花园), 十里河社区 is the community of that name before
// the village 十里河社区村民委员会, and either beats a short form.
const (
	// tierTaught: an alias a person taught (AddAlias).
	tierTaught = iota
	// tierExact: the registered name.
	tierExact
	// tierPlace: the place a committee's name stands for, as addresses
	// write it (文官村委会 → 文官村).
	tierPlace
	// tierShort: the name without 社区 or 村 (水源地).
	tierShort
	tiers
)

// New builds a gazetteer over a city's jurisdiction tree. Communities are
// known by their name, by the village form addresses use for villagers'
// committees (文官村委会 → 文官村) and, at lower priority, by their name
// without 社区 or 村 (水源地); streets and districts by their full names
// only, since a bare 浑河湾 names a community as often as a street.
// Communities whose street or district is not in the tree are still found
// by name, but never inside a named street or district.
func New(districts []epiloop.District, streets []epiloop.Street, communities []epiloop.Community) *Gazetteer {
	g := &Gazetteer{
		trie:        newTrie(),
		communityOf: make(map[string]int32, len(communities)),
	}
	districtOf := make(map[string]int32, len(districts))
	for n, d := range districts {
		i := int32(n)
		districtOf[d.Code] = i
		g.districts = append(g.districts, d.Code)
		g.add(d.Name, func(t *term) { t.districts = appendUnique(t.districts, i) })
	}
	streetOf := make(map[string]int32, len(streets))
	for _, s := range streets {
		i := int32(len(g.streets))
		streetOf[s.Code] = i
		g.streets = append(g.streets, street{code: s.Code, district: lookup(districtOf, s.DistrictCode)})
		g.add(s.Name, func(t *term) { t.streets = appendUnique(t.streets, i) })
	}
	for _, c := range communities {
		i := int32(len(g.communities))
		st := lookup(streetOf, c.StreetCode)
		g.communities = append(g.communities, community{code: c.Code, street: st, district: lookup(districtOf, c.DistrictCode)})
		g.communityOf[c.Code] = i
		if st >= 0 {
			g.streets[st].communities = append(g.streets[st].communities, i)
		}
		for tier, name := range communityNames(c.Name) {
			if name != "" {
				g.addCommunity(name, tier, i)
			}
		}
	}
	return g
}

// AddAlias teaches the gazetteer another name for a community: a compound,
// a building, a road that lies wholly in it, or the short form people use.
// An alias counts more than the registered names (tierTaught), but only
// inside the district and street the address names, as they do. The alias
// needs at least two characters, since a single one would match almost
// any address.
func (g *Gazetteer) AddAlias(alias, communityCode string) error {
	i, ok := g.communityOf[communityCode]
	if !ok {
		return epiloop.FieldError("community", "err.unknown_community_code")
	}
	if len(normalize(nil, alias)) < 2 {
		return epiloop.FieldError("alias", "err.alias_must_have_at_least")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.addCommunity(alias, tierTaught, i)
	return nil
}

// addCommunity records name as identifying community i at tier.
func (g *Gazetteer) addCommunity(name string, tier int, i int32) {
	g.add(name, func(t *term) { t.communities[tier] = appendUnique(t.communities[tier], i) })
}

// add records what name means; the caller holds the write lock or owns g.
func (g *Gazetteer) add(name string, set func(*term)) {
	key := normalize(nil, name)
	if len(key) == 0 {
		return
	}
	n := g.trie.node(key)
	if g.trie.term[n] < 0 {
		g.trie.term[n] = int32(len(g.terms))
		g.terms = append(g.terms, term{})
	}
	set(&g.terms[g.trie.term[n]])
}

// committeeSuffixes turn the name of a committee into the name of its place
// as addresses write it: 前詹屯村民委员会 → 前詹屯村, 刘南社区村委会 → 刘南社区.
// Longest first, so that 满融村村民委员会 gives 满融村, not 满融村村.
var committeeSuffixes = []struct{ suffix, keep string }{
	{"社区村民委员会", "社区"},
	{"社区居民委员会", "社区"},
	{"社区村委会", "社区"},
	{"社区居委会", "社区"},
	{"村村民委员会", "村"},
	{"村民委员会", "村"},
	{"村村委会", "村"},
	{"村委会", "村"},
	{"居民委员会", ""},
	{"居委会", ""},
	{"虚拟生活区", ""},
	{"生活区", ""},
}

// communityNames returns, by tier, the names that identify a community: its
// own, the place its committee stands for and the short form; "" where
// there is none of at least two characters (and always at tierTaught).
func communityNames(name string) [tiers]string {
	var names [tiers]string
	names[tierExact] = name
	place := name
	for _, cs := range committeeSuffixes {
		if rest, ok := strings.CutSuffix(name, cs.suffix); ok && utf8.RuneCountInString(rest) >= 2 {
			place = rest + cs.keep
			names[tierPlace] = place
			break
		}
	}
	for _, suf := range []string{"社区", "村"} {
		if rest, ok := strings.CutSuffix(place, suf); ok && utf8.RuneCountInString(rest) >= 2 {
			names[tierShort] = rest
			break
		}
	}
	return names
}

func lookup(m map[string]int32, code string) int32 {
	if i, ok := m[code]; ok {
		return i
	}
	return -1
}

func appendUnique(s []int32, v int32) []int32 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
