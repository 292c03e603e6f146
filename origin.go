package epiloop

import "strings"

// An origin — where a traveller came from — is stored as a code when the
// place is known: a division code of China (GB/T 2260: 2, 4 or 6 digits;
// Hong Kong 81, Macao 82 and Taiwan 71 at the province level), or a
// foreign country as CountryPrefix followed by its ISO 3166-1 alpha-2 code
// ("F:JP" for Japan). The prefix keeps a country apart from every division
// code, so a risk area of China, matched by code prefix, never covers a
// country: only the country itself listed as a risk area does. An origin
// an import could not resolve is kept as written (with a warning) and is
// no code at all.

// CountryPrefix starts the origin code of a foreign country.
const CountryPrefix = "F:"

// CountryCode returns the origin code of the country with ISO 3166-1
// alpha-2 code iso ("JP" → "F:JP").
func CountryCode(iso string) string { return CountryPrefix + strings.ToUpper(iso) }

// IsCountryCode reports whether s is the origin code of a country:
// CountryPrefix and two upper-case ASCII letters.
func IsCountryCode(s string) bool {
	iso, ok := strings.CutPrefix(s, CountryPrefix)
	if !ok || len(iso) != 2 {
		return false
	}
	for i := 0; i < len(iso); i++ {
		if iso[i] < 'A' || iso[i] > 'Z' {
			return false
		}
	}
	return true
}
