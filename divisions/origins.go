package divisions

import (
	"fmt"
	"strings"

	"github.com/epiloop/epiloop"
)

// LevelCountry is the level of a foreign country: an origin, never a
// division of China.
const LevelCountry = "country"

// Origins beyond the 31 provinces of the statistical division codes, which
// travellers come from all the same.
//
// Taiwan, Hong Kong and Macao carry the province-level codes GB/T 2260 gives
// them (71, 81, 82); they have no cities or counties here. Their short
// names (台湾, 香港, 澳门) come from the official ones as every province's
// do.
var otherProvinces = []struct {
	code, name string
	aliases    []string
}{
	{"71", "台湾省", []string{"中国台湾", "台湾地区", "台灣", "臺灣", "Taiwan"}},
	{"81", "香港特别行政区", []string{"中国香港", "香港特区", "Hong Kong", "HKSAR"}},
	{"82", "澳门特别行政区", []string{"中国澳门", "澳门特区", "澳門", "Macao", "Macau"}},
}

// addOrigins adds Taiwan, Hong Kong and Macao, and the foreign countries of
// countries.csv: each country under epiloop.CountryCode of its ISO 3166-1
// alpha-2 code, found by its Chinese name (日本), its official name (日本国),
// its English name in any case (japan) and the aliases people write (澳洲,
// 印尼). A name that could mean a place in China is left out (蒙古 could
// be 内蒙古: only 蒙古国 is Mongolia), so that guessing never sends a
// traveller's origin abroad.
func (x *RegionIndex) addOrigins() error {
	for _, p := range otherProvinces {
		if err := x.add(Region{Code: p.code, Name: p.name, Level: LevelProvince}, 2, ""); err != nil {
			return err
		}
		for _, a := range p.aliases {
			x.alias(a, p.code)
		}
	}
	return readTable("countries.csv", []string{"code", "name", "fullName", "english", "aliases"}, func(rec []string) error {
		code := epiloop.CountryCode(rec[0])
		if !epiloop.IsCountryCode(code) {
			return fmt.Errorf("country code %q is not ISO 3166-1 alpha-2", rec[0])
		}
		if _, dup := x.byCode[code]; dup {
			return fmt.Errorf("country %s occurs twice", rec[0])
		}
		if strings.TrimSpace(rec[1]) == "" {
			return fmt.Errorf("country %s has no name", rec[0])
		}
		x.byCode[code] = Region{Code: code, Name: rec[1], Level: LevelCountry}
		x.alias(code, code)
		for _, n := range append([]string{rec[1], rec[2], rec[3]}, strings.Split(rec[4], "|")...) {
			x.alias(n, code)
		}
		return nil
	})
}

// alias records another name of the region of code; English names are
// kept in lower case, as lookupAlias asks for them.
func (x *RegionIndex) alias(name, code string) {
	name = strings.TrimSpace(name)
	if name == "" {
		return
	}
	if isASCII(name) && !epiloop.IsCountryCode(name) {
		name = strings.ToLower(name)
	}
	x.aliases[name] = x.byCode[code]
}

// lookupAlias finds a region by one of its other names.
func (x *RegionIndex) lookupAlias(s string) (Region, bool) {
	if isASCII(s) && !epiloop.IsCountryCode(s) {
		s = strings.ToLower(s)
	}
	r, ok := x.aliases[s]
	return r, ok
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
