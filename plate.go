package epiloop

import (
	"strings"
	"unicode"
)

// A Chinese vehicle plate (GA 36-2018) is how a checkpoint names a vehicle:
// the province's one-character abbreviation, the issuing office's letter,
// then five characters (ordinary plates, 辽A12345) or six (new-energy
// plates: 辽AD12345 for small vehicles, 辽A12345D for large ones). The
// letters I and O are never issued after the province, so that they are not
// read as 1 and 0. As with ID numbers, errors name a stable reason and
// never quote the plate.

// Reasons for which NormalizePlate rejects a plate.
const (
	ReasonPlateFormat   = "plate_format"   // wrong length or characters
	ReasonPlateProvince = "plate_province" // first character is no province
)

// plateProvinces are the abbreviations of the 31 mainland provinces.
const plateProvinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

const plateField = "plate"

// NormalizePlate returns a plate as typed at a gate in its canonical form:
// full-width characters become half-width, letters are capitalised, and
// spaces, the middle dot (辽A·12345) and dashes are dropped. It then checks
// the ordinary 7-character and the new-energy 8-character forms.
func NormalizePlate(s string) (string, error) {
	var buf [8]rune
	n := 0
	for _, r := range s {
		r = halfWidthRune(r)
		if unicode.IsSpace(r) || isPlateSeparator(r) {
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if n == len(buf) {
			return "", plateFormatError()
		}
		buf[n] = r
		n++
	}
	p := buf[:n]
	if n < 7 {
		return "", plateFormatError()
	}
	if !strings.ContainsRune(plateProvinces, p[0]) {
		return "", ReasonError(plateField, ReasonPlateProvince)
	}
	if !isPlateLetter(p[1]) || !plateSerialOK(p[2:]) {
		return "", plateFormatError()
	}
	return string(p), nil
}

func plateFormatError() error {
	return ReasonError(plateField, ReasonPlateFormat)
}

// plateSerialOK checks what follows the office letter: five letters or
// digits, or a new-energy serial — D or F (electric or hybrid), a letter
// or digit, four digits for small vehicles; five digits then D or F for
// large ones.
func plateSerialOK(s []rune) bool {
	switch len(s) {
	case 5:
		for _, r := range s {
			if !isPlateLetter(r) && !isDigitRune(r) {
				return false
			}
		}
		return true
	case 6:
		small := isEnergyLetter(s[0]) && (isPlateLetter(s[1]) || isDigitRune(s[1])) && allDigitRunes(s[2:])
		large := allDigitRunes(s[:5]) && isEnergyLetter(s[5])
		return small || large
	}
	return false
}

func isPlateSeparator(r rune) bool {
	switch r {
	case '·', '•', '・', '-', '.', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
		return true
	}
	return false
}

// isPlateLetter reports whether r is a capital letter that plates use: any
// but I and O.
func isPlateLetter(r rune) bool { return r >= 'A' && r <= 'Z' && r != 'I' && r != 'O' }

func isEnergyLetter(r rune) bool { return r == 'D' || r == 'F' }

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' }

func allDigitRunes(rs []rune) bool {
	for _, r := range rs {
		if !isDigitRune(r) {
			return false
		}
	}
	return true
}

// NormalizeTrain returns a train number in canonical form (G1234, K27,
// 1461): an optional class letter, then one to five digits.
func NormalizeTrain(s string) (string, error) {
	t := strings.ToUpper(strings.Join(strings.Fields(ToHalfWidth(s)), ""))
	bad := FieldError("train", "err.train_must_train_number_class")
	if t == "" || len(t) > 6 {
		return "", bad
	}
	digits := t
	if strings.ContainsRune("GDCZTKYLS", rune(t[0])) {
		digits = t[1:]
	}
	if digits == "" || len(digits) > 5 || !allDigits([]byte(digits)) {
		return "", bad
	}
	return t, nil
}
