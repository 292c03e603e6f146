package epiloop

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizePlate(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string
		reason string
	}{
		{"ordinary", "辽A12345", "辽A12345", ""},
		{"ordinary with letters", "辽AB123C", "辽AB123C", ""},
		{"lower case", "辽a12345", "辽A12345", ""},
		{"middle dot", "辽A·12345", "辽A12345", ""},
		{"spaces", " 辽 A 12345 ", "辽A12345", ""},
		{"full-width", "辽Ａ１２３４５", "辽A12345", ""},
		{"dash", "京B-88888", "京B88888", ""},
		{"new energy small, electric", "辽AD12345", "辽AD12345", ""},
		{"new energy small, hybrid", "粤BF1A234", "", ReasonPlateFormat}, // the four last must be digits
		{"new energy small, letter second", "粤BFA1234", "粤BFA1234", ""},
		{"new energy large", "辽A12345D", "辽A12345D", ""},
		{"new energy large, hybrid", "沪C12345F", "沪C12345F", ""},
		{"letter I after the province", "辽I12345", "", ReasonPlateFormat},
		{"letter O after the province", "辽O12345", "", ReasonPlateFormat},
		{"letter O in the serial", "辽A1O345", "", ReasonPlateFormat},
		{"letter I in the serial", "辽A1234I", "", ReasonPlateFormat},
		{"too short", "辽A1234", "", ReasonPlateFormat},
		{"too long", "辽A1234567", "", ReasonPlateFormat},
		{"eight without energy letter", "辽A123456", "", ReasonPlateFormat},
		{"energy letter misplaced", "辽A1D2345", "", ReasonPlateFormat},
		{"no province", "AA12345", "", ReasonPlateProvince},
		{"Hong Kong", "港A12345", "", ReasonPlateProvince},
		{"digit as office", "辽112345", "", ReasonPlateFormat},
		{"symbol", "辽A1234#", "", ReasonPlateFormat},
		{"empty", "", "", ReasonPlateFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePlate(tt.in)
			if tt.reason != "" {
				if ErrorCode(err) != EINVALID || ErrorField(err) != "plate" || ErrorReason(err) != tt.reason {
					t.Errorf("NormalizePlate(%q) = %q, %v; want reason %s", tt.in, got, err, tt.reason)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("NormalizePlate(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestNormalizeTrain(t *testing.T) {
	for in, want := range map[string]string{"G1234": "G1234", "g 1234": "G1234", "Ｋ２７": "K27", "1461": "1461", "D5": "D5"} {
		if got, err := NormalizeTrain(in); err != nil || got != want {
			t.Errorf("NormalizeTrain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "X12", "G", "G123456", "GG12", "G12A"} {
		if got, err := NormalizeTrain(in); ErrorField(err) != "train" {
			t.Errorf("NormalizeTrain(%q) = %q, %v; want an invalid train", in, got, err)
		}
	}
}

func FuzzNormalizePlate(f *testing.F) {
	for _, s := range []string{"辽A12345", "辽a·12345", "辽AD12345", "辽A12345D", "辽I12345", "港A12345", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePlate(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorField(err) != "plate" || ErrorReason(err) == "" {
				t.Fatalf("NormalizePlate(%q) error = %v, want an invalid plate error", s, err)
			}
			return
		}
		if n := utf8.RuneCountInString(got); n != 7 && n != 8 {
			t.Fatalf("NormalizePlate(%q) = %q, %d characters", s, got, n)
		}
		if strings.ContainsAny(got[len(string([]rune(got)[0])):], "IO") {
			t.Fatalf("NormalizePlate(%q) = %q contains I or O", s, got)
		}
		again, err := NormalizePlate(got)
		if err != nil || again != got {
			t.Fatalf("NormalizePlate(%q) = %q, %v, want %q unchanged", got, again, err, got)
		}
	})
}
