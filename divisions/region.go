package divisions

import (
	"fmt"
	"strings"
)

// Region levels, from the length of a GB/T 2260 code: 2, 4 or 6 digits.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"
)

// Region is a province, prefecture-level city or county of China, or a
// foreign country (LevelCountry): the unit in which travellers' origins
// and risk areas are stated.
type Region struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

// RegionIndex resolves the codes and names people type for a place of
// origin.
type RegionIndex struct {
	byCode map[string]Region
	// byName holds official names and full names (湖北省武汉市); byShort
	// the short names people say (湖北, 武汉). An official name wins over a
	// short one.
	byName  map[string][]Region
	byShort map[string][]Region
	// aliases holds the other names of Taiwan, Hong Kong, Macao and the
	// foreign countries (addOrigins), English ones in lower case.
	aliases map[string]Region
	// placeholder marks the cities that are only a grouping of counties
	// under a province (省直辖县级行政区划): they have no name of their own
	// to look up or print.
	placeholder map[string]bool
}

// Regions returns the index of all China's provinces, cities and counties
// (2023 statistical division codes), Taiwan, Hong Kong and Macao (71, 81,
// 82: not in the statistical data) and the foreign countries travellers
// come from (epiloop.CountryCode: "F:JP").
func Regions() (*RegionIndex, error) {
	x := &RegionIndex{
		byCode:      make(map[string]Region),
		byName:      make(map[string][]Region),
		byShort:     make(map[string][]Region),
		aliases:     make(map[string]Region),
		placeholder: make(map[string]bool),
	}
	err := readTable("china-provinces.csv", []string{"code", "name"}, func(rec []string) error {
		return x.add(Region{Code: rec[0], Name: rec[1], Level: LevelProvince}, 2, "")
	})
	if err != nil {
		return nil, err
	}
	err = readTable("china-cities.csv", []string{"code", "name", "provinceCode"}, func(rec []string) error {
		return x.add(Region{Code: rec[0], Name: rec[1], Level: LevelCity}, 4, rec[2])
	})
	if err != nil {
		return nil, err
	}
	err = readTable("china-counties.csv", []string{"code", "name", "cityCode", "provinceCode"}, func(rec []string) error {
		if rec[3] != rec[2][:min(2, len(rec[2]))] {
			return fmt.Errorf("county %s: city %s is not in province %s", rec[0], rec[2], rec[3])
		}
		return x.add(Region{Code: rec[0], Name: rec[1], Level: LevelCounty}, 6, rec[2])
	})
	if err != nil {
		return nil, err
	}
	if err := x.addOrigins(); err != nil {
		return nil, err
	}
	x.indexNames()
	return x, nil
}

// add checks one region's shape and records it under its code. The cities
// of the municipalities are named "市辖区" (and Chongqing's counties "县") in
// the data; they take the municipality's name, which is what people write.
func (x *RegionIndex) add(r Region, digits int, parent string) error {
	switch {
	case !isDigits(r.Code, digits):
		return fmt.Errorf("%s code %q is not %d digits", r.Level, r.Code, digits)
	case strings.TrimSpace(r.Name) == "":
		return fmt.Errorf("%s %s has no name", r.Level, r.Code)
	case parent != "" && !strings.HasPrefix(r.Code, parent):
		return fmt.Errorf("%s code %s is not under %s", r.Level, r.Code, parent)
	}
	if parent != "" {
		if _, ok := x.byCode[parent]; !ok {
			return fmt.Errorf("%s %s: unknown parent %s", r.Level, r.Code, parent)
		}
	}
	if _, dup := x.byCode[r.Code]; dup {
		return fmt.Errorf("%s code %s occurs twice", r.Level, r.Code)
	}
	if r.Level == LevelCity {
		switch {
		case r.Name == "市辖区" || r.Name == "县":
			r.Name = x.byCode[parent].Name
		case strings.HasSuffix(r.Name, "直辖县级行政区划"):
			x.placeholder[r.Code] = true
		}
	}
	x.byCode[r.Code] = r
	return nil
}

// indexNames indexes every region by name, full name and short name once
// all codes are known.
func (x *RegionIndex) indexNames() {
	for code, r := range x.byCode {
		if x.placeholder[code] || r.Level == LevelCountry {
			continue
		}
		x.byName[r.Name] = append(x.byName[r.Name], r)
		if full := x.FullName(code); full != r.Name {
			x.byName[full] = append(x.byName[full], r)
		}
		if short := shortRegionName(r.Name); short != "" {
			x.byShort[short] = append(x.byShort[short], r)
		}
	}
}

// canonicalCode turns the codes people type into the code of the level they
// mean: 42 and 420000 are the province, 4201 and 420100 the city.
func canonicalCode(s string) string {
	if len(s) == 6 {
		switch {
		case s[2:] == "0000":
			return s[:2]
		case s[4:] == "00":
			return s[:4]
		}
	}
	return s
}

// Lookup resolves a 2-, 4- or 6-digit code (420000 and 420100 are taken as
// the province and the city), a country's code (F:JP) or a name: official
// (湖北省), full (湖北省武汉市), another name of Taiwan, Hong Kong, Macao or
// a country (中国香港, 日本, Japan), or short (湖北, 武汉, 香港). Where a name
// belongs to regions of several levels the largest wins (吉林 is the
// province); where it belongs to several regions of the same level (鼓楼区)
// there is no answer, because guessing the wrong one would send an alert
// to the wrong place.
func (x *RegionIndex) Lookup(codeOrName string) (Region, bool) {
	s := strings.TrimSpace(codeOrName)
	if s == "" {
		return Region{}, false
	}
	if isDigits(s, len(s)) {
		r, ok := x.byCode[canonicalCode(s)]
		if !ok || x.placeholder[r.Code] {
			return Region{}, false
		}
		return r, true
	}
	if r, ok := best(x.byName[s]); ok {
		return r, true
	}
	if r, ok := x.lookupAlias(s); ok {
		return r, true
	}
	return best(x.byShort[s])
}

// best picks the region of the largest level, reporting false when that
// level holds more than one region.
func best(rs []Region) (Region, bool) {
	var out Region
	n := 0
	for _, r := range rs {
		switch {
		case n == 0 || len(r.Code) < len(out.Code):
			out, n = r, 1
		case len(r.Code) == len(out.Code) && r.Code != out.Code:
			n++
		}
	}
	return out, n == 1
}

// FullName returns the name of a region with the names of the regions it
// lies in (湖北省武汉市, 北京市朝阳区, 湖北省仙桃市), a country's name (日本),
// or "" for an unknown code. It accepts the same codes as Lookup.
func (x *RegionIndex) FullName(code string) string {
	code = canonicalCode(code)
	r, ok := x.byCode[code]
	if !ok || x.placeholder[code] {
		return ""
	}
	if r.Level == LevelCountry {
		return r.Name
	}
	var b strings.Builder
	if len(code) >= 4 {
		b.WriteString(x.byCode[code[:2]].Name)
	}
	if len(code) == 6 {
		if c := code[:4]; !x.placeholder[c] && x.byCode[c].Name != x.byCode[code[:2]].Name {
			b.WriteString(x.byCode[c].Name)
		}
	}
	if b.String() != r.Name {
		b.WriteString(r.Name)
	}
	return b.String()
}
