// Package divisions holds the reference jurisdiction data: the national
// division codes of all China (for travellers' origins) and one city's tree
// of districts, streets and communities (for routing and units), embedded so
// that a fresh deployment and every test start from the same public facts.
package divisions

import (
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
)

// Tree is one city's jurisdiction tree. The slices are in file order (by
// code); the lookup methods use indexes built once, so callers can resolve
// millions of rows without scanning.
type Tree struct {
	// City is the prefecture-level city the tree belongs to; its name heads
	// the headquarters unit.
	City        Region
	Districts   []epiloop.District
	Streets     []epiloop.Street
	Communities []epiloop.Community

	district      map[string]int
	street        map[string]int
	community     map[string]int
	streetsOf     map[string][]int
	communitiesOf map[string][]int
}

// NewTree checks and indexes a jurisdiction tree, so that a city loaded from
// somewhere other than the embedded files (a database, another city's data)
// obeys the same shape rules: 6-digit districts under the 4-digit city,
// 9-digit streets under their district, 12-digit communities under their
// street, every code unique.
func NewTree(city Region, districts []epiloop.District, streets []epiloop.Street, communities []epiloop.Community) (*Tree, error) {
	if !isDigits(city.Code, 4) {
		return nil, fmt.Errorf("divisions: city code %q is not 4 digits", city.Code)
	}
	t := newTree(city)
	for i, d := range districts {
		if err := t.addDistrict(d); err != nil {
			return nil, fmt.Errorf("divisions: district %d: %w", i+1, err)
		}
	}
	for i, s := range streets {
		if err := t.addStreet(s); err != nil {
			return nil, fmt.Errorf("divisions: street %d: %w", i+1, err)
		}
	}
	for i, c := range communities {
		if err := t.addCommunity(c); err != nil {
			return nil, fmt.Errorf("divisions: community %d: %w", i+1, err)
		}
	}
	return t, nil
}

// Shenyang returns the reference tree of Shenyang (2023 statistical division
// codes), with every community assigned to its street's default police
// station until an admin loads the real mapping.
func Shenyang() (*Tree, error) {
	const cityCode = "2101"
	regions, err := Regions()
	if err != nil {
		return nil, err
	}
	city, ok := regions.Lookup(cityCode)
	if !ok {
		return nil, fmt.Errorf("divisions: city %s missing from china-cities.csv", cityCode)
	}
	t := newTree(city)
	province := cityCode[:2]

	err = readTable("shenyang-districts.csv", []string{"code", "name", "cityCode", "provinceCode"}, func(rec []string) error {
		if rec[2] != cityCode || rec[3] != province {
			return fmt.Errorf("district %s: city/province %s/%s, want %s/%s", rec[0], rec[2], rec[3], cityCode, province)
		}
		return t.addDistrict(epiloop.District{Code: rec[0], Name: rec[1]})
	})
	if err != nil {
		return nil, err
	}

	err = readTable("shenyang-streets.csv", []string{"code", "name", "areaCode", "provinceCode", "cityCode"}, func(rec []string) error {
		if rec[4] != cityCode || rec[3] != province {
			return fmt.Errorf("street %s: city/province %s/%s, want %s/%s", rec[0], rec[4], rec[3], cityCode, province)
		}
		return t.addStreet(epiloop.Street{Code: rec[0], Name: rec[1], DistrictCode: rec[2]})
	})
	if err != nil {
		return nil, err
	}

	err = readTable("shenyang-communities.csv", []string{"code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"}, func(rec []string) error {
		if rec[4] != cityCode || rec[3] != province {
			return fmt.Errorf("community %s: city/province %s/%s, want %s/%s", rec[0], rec[4], rec[3], cityCode, province)
		}
		return t.addCommunity(epiloop.Community{
			Code:         rec[0],
			Name:         rec[1],
			StreetCode:   rec[2],
			DistrictCode: rec[5],
			Station:      epiloop.DefaultStationCode(rec[2]),
		})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func newTree(city Region) *Tree {
	return &Tree{
		City:          city,
		district:      make(map[string]int),
		street:        make(map[string]int),
		community:     make(map[string]int),
		streetsOf:     make(map[string][]int),
		communitiesOf: make(map[string][]int),
	}
}

func (t *Tree) addDistrict(d epiloop.District) error {
	switch {
	case !isDigits(d.Code, 6):
		return fmt.Errorf("district code %q is not 6 digits", d.Code)
	case !strings.HasPrefix(d.Code, t.City.Code):
		return fmt.Errorf("district code %s is not under city %s", d.Code, t.City.Code)
	case strings.TrimSpace(d.Name) == "":
		return fmt.Errorf("district %s has no name", d.Code)
	}
	if _, dup := t.district[d.Code]; dup {
		return fmt.Errorf("district code %s occurs twice", d.Code)
	}
	t.district[d.Code] = len(t.Districts)
	t.Districts = append(t.Districts, d)
	return nil
}

func (t *Tree) addStreet(s epiloop.Street) error {
	switch {
	case !isDigits(s.Code, 9):
		return fmt.Errorf("street code %q is not 9 digits", s.Code)
	case s.Code[:6] != s.DistrictCode:
		return fmt.Errorf("street code %s is not under its district %s", s.Code, s.DistrictCode)
	case strings.TrimSpace(s.Name) == "":
		return fmt.Errorf("street %s has no name", s.Code)
	}
	if _, ok := t.district[s.DistrictCode]; !ok {
		return fmt.Errorf("street %s: unknown district %s", s.Code, s.DistrictCode)
	}
	if _, dup := t.street[s.Code]; dup {
		return fmt.Errorf("street code %s occurs twice", s.Code)
	}
	t.street[s.Code] = len(t.Streets)
	t.streetsOf[s.DistrictCode] = append(t.streetsOf[s.DistrictCode], len(t.Streets))
	t.Streets = append(t.Streets, s)
	return nil
}

func (t *Tree) addCommunity(c epiloop.Community) error {
	switch {
	case !isDigits(c.Code, 12):
		return fmt.Errorf("community code %q is not 12 digits", c.Code)
	case c.Code[:9] != c.StreetCode:
		return fmt.Errorf("community code %s is not under its street %s", c.Code, c.StreetCode)
	case c.Code[:6] != c.DistrictCode:
		return fmt.Errorf("community code %s is not under its district %s", c.Code, c.DistrictCode)
	case strings.TrimSpace(c.Name) == "":
		return fmt.Errorf("community %s has no name", c.Code)
	}
	if _, ok := t.street[c.StreetCode]; !ok {
		return fmt.Errorf("community %s: unknown street %s", c.Code, c.StreetCode)
	}
	if _, dup := t.community[c.Code]; dup {
		return fmt.Errorf("community code %s occurs twice", c.Code)
	}
	t.community[c.Code] = len(t.Communities)
	t.communitiesOf[c.StreetCode] = append(t.communitiesOf[c.StreetCode], len(t.Communities))
	t.Communities = append(t.Communities, c)
	return nil
}

// District returns the district with the given 6-digit code.
func (t *Tree) District(code string) (epiloop.District, bool) {
	i, ok := t.district[code]
	if !ok {
		return epiloop.District{}, false
	}
	return t.Districts[i], true
}

// Street returns the street (sub-district or town) with the given 9-digit
// code.
func (t *Tree) Street(code string) (epiloop.Street, bool) {
	i, ok := t.street[code]
	if !ok {
		return epiloop.Street{}, false
	}
	return t.Streets[i], true
}

// Community returns the community or village with the given 12-digit code.
func (t *Tree) Community(code string) (epiloop.Community, bool) {
	i, ok := t.community[code]
	if !ok {
		return epiloop.Community{}, false
	}
	return t.Communities[i], true
}

// StreetsOf returns the streets of a district in code order, as a new slice
// the caller may keep or change.
func (t *Tree) StreetsOf(district string) []epiloop.Street {
	idx := t.streetsOf[district]
	out := make([]epiloop.Street, len(idx))
	for i, j := range idx {
		out[i] = t.Streets[j]
	}
	return out
}

// CommunitiesOf returns the communities of a street in code order, as a new
// slice the caller may keep or change.
func (t *Tree) CommunitiesOf(street string) []epiloop.Community {
	idx := t.communitiesOf[street]
	out := make([]epiloop.Community, len(idx))
	for i, j := range idx {
		out[i] = t.Communities[j]
	}
	return out
}
