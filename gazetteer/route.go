package gazetteer

import (
	"slices"
	"strings"
)

// hit is one name found in an address, as rune offsets [start, end).
type hit struct {
	start, end int
	term       int32
}

// Route finds the community an address lies in. It finds every known name
// in the address, reads the address as the sequence of names that covers
// most of it (so 新华社区 wins over the 华社区 inside it, and 长滩镇东街村委会
// reads as 长滩镇 + 东街村委会), then narrows the communities named to the
// district and street the address also names.
func (g *Gazetteer) Route(address string) Match {
	var rbuf [128]rune
	rs := normalize(rbuf[:0], address)
	if len(rs) == 0 {
		return Match{Reason: ReasonNoAddress}
	}

	g.mu.RLock()
	defer g.mu.RUnlock()
	var hbuf [32]hit
	hits := segment(g.scan(rs, hbuf[:0]), len(rs))
	return g.decide(rs, hits)
}

// scan returns every name occurring in rs, ordered by start then end. From
// each start position it walks the trie only as far as some name
// continues, so a typical address costs a few dozen map lookups whatever
// the size of the city.
func (g *Gazetteer) scan(rs []rune, hits []hit) []hit {
	for i := range rs {
		n := int32(0)
		for j := i; j < len(rs); j++ {
			next, ok := g.trie.edges[edge{n, rs[j]}]
			if !ok {
				break
			}
			n = next
			t := g.trie.term[n]
			if t < 0 || g.shortBeforePlaceWord(t, rs, j+1) {
				continue
			}
			hits = append(hits, hit{start: i, end: j + 1, term: t})
		}
	}
	return hits
}

// placeWords are the characters that, right after a short form, show it is
// part of another place's name: 南京南 in 南京南街 is a street, not 南京南社区.
const placeWords = "省市县区镇乡路街道巷"

// shortBeforePlaceWord reports whether term t is only a short form and the
// address goes on, at end, with a place word.
func (g *Gazetteer) shortBeforePlaceWord(t int32, rs []rune, end int) bool {
	tm := &g.terms[t]
	if end >= len(rs) || len(tm.districts)+len(tm.streets) > 0 ||
		len(tm.communities[tierTaught])+len(tm.communities[tierExact])+len(tm.communities[tierPlace]) > 0 {
		return false
	}
	return strings.ContainsRune(placeWords, rs[end])
}

// segment picks from hits, which are ordered by start, the non-overlapping
// ones that together cover the most runes of an address of n runes, and
// among those the fewest (so the longer names). Greedily taking the
// longest name first would misread 长滩镇东街村委会 as 镇东街村委会, a village
// of another county.
func segment(hits []hit, n int) []hit {
	if len(hits) < 2 {
		return hits
	}
	type cell struct {
		cover, count int
		pick         int // index in hits of the name starting here, or -1
	}
	var buf [129]cell
	var best []cell
	if n < len(buf) {
		best = buf[:n+1]
	} else {
		best = make([]cell, n+1)
	}
	k := len(hits) - 1
	for i := n - 1; i >= 0; i-- {
		best[i] = cell{cover: best[i+1].cover, count: best[i+1].count, pick: -1}
		for ; k >= 0 && hits[k].start == i; k-- {
			h := hits[k]
			next := best[h.end]
			c := cell{cover: h.end - h.start + next.cover, count: next.count + 1, pick: k}
			if c.cover > best[i].cover || c.cover == best[i].cover && c.count < best[i].count {
				best[i] = c
			}
		}
	}
	// Picks come in order of start, so they compact hits in place.
	kept := hits[:0]
	for i := 0; i < n; {
		p := best[i].pick
		if p < 0 {
			i++
			continue
		}
		i = hits[p].end
		kept = append(kept, hits[p])
	}
	return kept
}

// decide turns the names read from an address rs into a Match.
func (g *Gazetteer) decide(rs []rune, hits []hit) Match {
	var dbuf, sbuf [8]int32
	districts, streets := dbuf[:0], sbuf[:0]
	var nbuf [tiers][8]int32
	var named [tiers][]int32
	for tier := range named {
		named[tier] = nbuf[tier][:0]
	}
	for _, h := range hits {
		t := &g.terms[h.term]
		districts = append(districts, t.districts...)
		streets = append(streets, t.streets...)
		for tier := range named {
			named[tier] = append(named[tier], t.communities[tier]...)
		}
	}

	// A street outside the named district is a slip in one of the two; the
	// street is the more precise, so it stands unless one inside exists.
	if len(districts) > 0 && len(streets) > 0 {
		var buf [8]int32
		if in := g.filterStreets(buf[:0], streets, districts); len(in) > 0 {
			streets = in
		}
	}
	// An address that starts in another city names none of this one's
	// places, whatever names of them follow (大连市甘井子区…社区).
	if g.outside(rs, hits) {
		return Match{Reason: ReasonOutsideCity}
	}
	m := Match{}
	m.District, m.Street = g.where(districts, streets)

	// The strongest tier with a community inside the named district and
	// street decides.
	var strongest []int32
	for _, cands := range named {
		if len(cands) == 0 {
			continue
		}
		if strongest == nil {
			strongest = cands
		}
		var buf [8]int32
		in := compact(g.filterCommunities(buf[:0], cands, districts, streets))
		switch {
		case len(in) == 1:
			m.Community = g.communities[in[0]].code
			return m
		case len(in) > 1:
			m.Candidates, m.Reason = g.codes(in), ReasonAmbiguous
			return m
		}
	}
	village := namesVillage(rs, hits)
	switch {
	case len(streets) > 0:
		var all []int32
		for _, s := range compact(streets) {
			all = append(all, g.streets[s].communities...)
		}
		m.Candidates, m.Reason = g.codes(compact(all)), ReasonStreetOnly
		if village {
			m.Reason = ReasonUnknownVillage
		}
	case len(strongest) > 0:
		// The communities named are not in the district named.
		m.Candidates, m.Reason = g.codes(compact(strongest)), ReasonAmbiguous
	case village:
		m.Reason = ReasonUnknownVillage
	default:
		m.Reason = ReasonNoMatch
	}
	return m
}

// where returns the codes of the district and street the address names:
// the street when all the streets named are one, and its district, or
// else the district the streets share, or the first district named.
func (g *Gazetteer) where(districts, streets []int32) (district, street string) {
	if len(streets) > 0 {
		d := g.streets[streets[0]].district
		one := true
		for _, s := range streets[1:] {
			one = one && s == streets[0]
			if g.streets[s].district != d {
				d = -1
			}
		}
		if one {
			street = g.streets[streets[0]].code
		}
		if d >= 0 {
			return g.districts[d], street
		}
	}
	if len(districts) > 0 {
		return g.districts[districts[0]], street
	}
	return "", street
}

// filterStreets appends to dst the streets that lie in one of districts.
func (g *Gazetteer) filterStreets(dst, streets, districts []int32) []int32 {
	for _, s := range streets {
		if slices.Contains(districts, g.streets[s].district) {
			dst = append(dst, s)
		}
	}
	return dst
}

// filterCommunities appends to dst the communities that lie in one of
// districts and one of streets, each constraint applying only when the
// address names one.
func (g *Gazetteer) filterCommunities(dst, named, districts, streets []int32) []int32 {
	for _, c := range named {
		cm := g.communities[c]
		if len(districts) > 0 && !slices.Contains(districts, cm.district) {
			continue
		}
		if len(streets) > 0 && !slices.Contains(streets, cm.street) {
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// compact sorts s and removes repeats in place.
func compact(s []int32) []int32 {
	slices.Sort(s)
	return slices.Compact(s)
}

// codes returns the community codes of s, in code order.
func (g *Gazetteer) codes(s []int32) []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = g.communities[c].code
	}
	slices.Sort(out)
	return out
}
