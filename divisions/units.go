package divisions

import (
	"strings"

	"github.com/epiloop/epiloop"
)

// Units returns the default units of the tree: the headquarters, one
// sub-command per district, one police station per street and one
// committee per community. A fresh deployment can push work on day one with
// these; an admin later replaces the stations with the real mapping.
func (t *Tree) Units() []epiloop.Unit {
	units := make([]epiloop.Unit, 0, 1+len(t.Districts)+len(t.Streets)+len(t.Communities))
	units = append(units, epiloop.Unit{
		Code: epiloop.HeadquartersCode,
		Kind: epiloop.UnitHeadquarters,
		Name: t.City.Name + "疫情防控指挥部",
	})
	for _, d := range t.Districts {
		units = append(units, epiloop.Unit{
			Code:         epiloop.SubCommandCode(d.Code),
			Kind:         epiloop.UnitSubCommand,
			Name:         d.Name + "分指挥部",
			DistrictCode: d.Code,
		})
	}
	for i, name := range t.stationNames() {
		s := t.Streets[i]
		units = append(units, epiloop.Unit{
			Code:         epiloop.DefaultStationCode(s.Code),
			Kind:         epiloop.UnitPoliceStation,
			Name:         name,
			DistrictCode: s.DistrictCode,
		})
	}
	for _, c := range t.Communities {
		units = append(units, epiloop.Unit{
			Code:         epiloop.CommitteeCode(c.Code),
			Kind:         epiloop.UnitCommittee,
			Name:         committeeName(c.Name),
			DistrictCode: c.DistrictCode,
		})
	}
	return units
}

// stationNames names the default station of each street the way stations
// are named: district plus the street's own name (和平区浑河湾派出所). Where
// two streets of a district would get the same name, both keep their full
// street name, and as a last resort the street code, so that a station
// officer picking their unit from a list never has to guess.
func (t *Tree) stationNames() []string {
	names := make([]string, len(t.Streets))
	seen := make(map[string]int, len(t.Streets))
	for i, s := range t.Streets {
		names[i] = t.districtName(s.DistrictCode) + t.streetStem(s) + "派出所"
		seen[names[i]]++
	}
	for i, s := range t.Streets {
		if seen[names[i]] > 1 {
			names[i] = t.districtName(s.DistrictCode) + s.Name + "派出所"
		}
	}
	clear(seen)
	for i := range names {
		seen[names[i]]++
	}
	for i, s := range t.Streets {
		if seen[names[i]] > 1 {
			names[i] = t.districtName(s.DistrictCode) + s.Name + "派出所(" + s.Code + ")"
		}
	}
	return names
}

func (t *Tree) districtName(code string) string {
	d, _ := t.District(code)
	return d.Name
}

// streetStem returns a street's name without the city or district it
// repeats (沈北新区马刚林场 → 马刚林场) and without the word for its kind
// (浑河湾街道 → 浑河湾, 沙金台蒙古族满族乡 → 沙金台).
func (t *Tree) streetStem(s epiloop.Street) string {
	n := s.Name
	n, _ = trimPrefix(n, t.City.Name)
	n, _ = trimPrefix(n, t.districtName(s.DistrictCode))
	for _, suf := range []string{"街道", "地区", "镇", "乡"} {
		if rest, ok := trimSuffix(n, suf, 2); ok {
			if suf == "乡" {
				rest = trimEthnic(rest)
			}
			return rest
		}
	}
	return n
}

// trimPrefix removes prefix from s when at least two runes remain.
func trimPrefix(s, prefix string) (string, bool) {
	if prefix == "" {
		return s, false
	}
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len([]rune(rest)) < 2 {
		return s, false
	}
	return rest, true
}

// committeeName names a community's committee as people call it: a
// community has a residents' committee (水源地社区居委会), a village a
// villagers' committee (五五村委会). Names that already name a committee,
// and the virtual living areas of state farms, stay as they are.
func committeeName(community string) string {
	switch {
	case strings.HasSuffix(community, "委会"), strings.HasSuffix(community, "委员会"):
		return community
	case strings.HasSuffix(community, "社区"):
		return community + "居委会"
	case strings.HasSuffix(community, "村"):
		return community + "委会"
	}
	return community
}
