package epiloop

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"bare", "13800138000", "13800138000"},
		{"second digit 9", "19912345678", "19912345678"},
		{"spaces", " 138 0013 8000 ", "13800138000"},
		{"dashes", "138-0013-8000", "13800138000"},
		{"dots", "138.0013.8000", "13800138000"},
		{"unicode dashes", "138\u20140013\u20138000", "13800138000"},
		{"full-width", "１３８－００１３－８０００", "13800138000"},
		{"ideographic space", "138\u30000013\u30008000", "13800138000"},
		{"plus 86", "+8613800138000", "13800138000"},
		{"plus 86 with space", "+86 138 0013 8000", "13800138000"},
		{"plus 86 in parentheses", "(+86) 138-0013-8000", "13800138000"},
		{"full-width plus 86", "＋８６　１３８００１３８０００", "13800138000"},
		{"0086", "008613800138000", "13800138000"},
		{"86", "8613800138000", "13800138000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.in)
			if err != nil {
				t.Fatalf("NormalizePhone(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizePhoneErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"only separators", " - . ()"},
		{"ten digits", "1380013800"},
		{"twelve digits", "138001380001"},
		{"second digit 2", "12800138000"},
		{"second digit 0", "10800138000"},
		{"not starting with 1", "23800138000"},
		{"landline", "024-23456789"},
		{"landline with area code", "02423456789"},
		{"letter", "1380013800O"},
		{"plus in the middle", "138+0013800"},
		{"plus 86 and too short", "+86138001380"},
		{"plus other country", "+8513800138000"},
		{"86 and a landline", "8602423456789"},
		{"0086 and too long", "0086138001380001"},
		{"double prefix", "+86 86 13800138000"},
		{"non-ASCII digits", "١٣٨٠٠١٣٨٠٠٠"},
		{"invalid UTF-8", "1380013800\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizePhone(tt.in)
			if err == nil {
				t.Fatalf("NormalizePhone(%q) = %q, want error", tt.in, got)
			}
			if code, field, reason := ErrorCode(err), ErrorField(err), ErrorReason(err); code != EINVALID || field != "phone" || reason != ReasonPhoneInvalid {
				t.Errorf("NormalizePhone(%q) error = (%s, %s, %s), want (%s, phone, %s)", tt.in, code, field, reason, EINVALID, ReasonPhoneInvalid)
			}
			checkNoDigits(t, err)
		})
	}
}

func TestNormalizePhoneAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := NormalizePhone("13800138000"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("NormalizePhone of a canonical number allocates %v times, want 0", allocs)
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"13800138000",
		"+86 138-0013-8000",
		"008613800138000",
		"8613800138000",
		"１３８－００１３－８０００",
		"024-23456789",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorField(err) != "phone" || ErrorReason(err) != ReasonPhoneInvalid {
				t.Fatalf("NormalizePhone(%q) error = %v, want an invalid phone error", s, err)
			}
			checkNoDigits(t, err)
			return
		}
		if len(got) != 11 || got[0] != '1' || got[1] < '3' || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q, want 11 digits 1[3-9]...", s, got)
		}
		again, err := NormalizePhone(got)
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v, want %q unchanged", got, again, err, got)
		}
	})
}
