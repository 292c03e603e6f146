package epiloop

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"well-known example", "11010519491231002X", "11010519491231002X"},
		{"check digit", "210102199003070011", "210102199003070011"},
		{"historical county", "210122198507150016", "210122198507150016"},
		{"lowercase x", "11010519491231002x", "11010519491231002X"},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"},
		{"full-width lowercase x", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"spaces between groups", "110105 19491231 002X", "11010519491231002X"},
		{"leading and trailing space", "  210102199003070011\t", "210102199003070011"},
		{"ideographic space", "\u3000110105\u300019491231002X\u3000", "11010519491231002X"},
		{"newline from a spreadsheet cell", "210102199003070011\r\n", "210102199003070011"},
		{"legacy 15 digits", "110105491231002", "11010519491231002X"},
		{"legacy 15 digits historical county", "210122850715001", "210122198507150016"},
		{"legacy 15 digits full-width with spaces", "１１０１０５ ４９１２３１ ００２", "11010519491231002X"},
		{"leap day in leap year", "210102200002290026", "210102200002290026"},
		{"leap day in 2024", "110101202402290032", "110101202402290032"},
		{"earliest birth date", "110101190001010065", "110101190001010065"},
		{"latest birth date", "110101209912310074", "110101209912310074"},
		{"Taiwan", "710000198001010010", "710000198001010010"},
		{"Hong Kong", "810000198001010022", "810000198001010022"},
		{"Macau", "820000198001010032", "820000198001010032"},
		{"residence permit", "830000198001010042", "830000198001010042"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeIDNumber(tt.in)
			if err != nil {
				t.Fatalf("NormalizeIDNumber(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIDNumberErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // reason
	}{
		{"empty", "", ReasonIDFormat},
		{"only white space", " \u3000\t", ReasonIDFormat},
		{"seventeen digits", "11010519491231002", ReasonIDFormat},
		{"nineteen characters", "11010519491231002X0", ReasonIDFormat},
		{"sixteen digits", "1101051949123100", ReasonIDFormat},
		{"X not last", "1101051949123100X2", ReasonIDFormat},
		{"letter inside", "11010519491231A02X", ReasonIDFormat},
		{"dashes", "110105-19491231-002X", ReasonIDFormat},
		{"legacy with X", "11010549123100X", ReasonIDFormat},
		{"non-ASCII digit", "११०१०५१९४९१२३१००२X", ReasonIDFormat},
		{"invalid UTF-8", "11010519491231002\xff", ReasonIDFormat},
		{"wrong check digit", "110105194912310021", ReasonIDChecksum},
		{"wrong check X", "21010219900307001X", ReasonIDChecksum},
		{"transposed digits", "11010519491231020X", ReasonIDChecksum},
		{"leap day in non-leap year", "110101202302290043", ReasonIDBirthDate},
		{"leap day in 1900", "110101190002290054", ReasonIDBirthDate},
		{"before 1900", "110101189912310087", ReasonIDBirthDate},
		{"after 2099", "110101210001010095", ReasonIDBirthDate},
		{"day 32", "110105194912320025", ReasonIDBirthDate},
		{"month 13", "110105194913000023", ReasonIDBirthDate},
		{"month 0", "110105194900150022", ReasonIDBirthDate},
		{"February 30", "110105194902300020", ReasonIDBirthDate},
		{"legacy February 30", "110105490230002", ReasonIDBirthDate},
		{"region 00", "000101198001010015", ReasonIDRegion},
		{"region 99", "990101198001010014", ReasonIDRegion},
		{"region 10", "100101198001010019", ReasonIDRegion},
		{"legacy region 99", "990105491231002", ReasonIDRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeIDNumber(tt.in)
			if err == nil {
				t.Fatalf("NormalizeIDNumber(%q) = %q, want error %s", tt.in, got, tt.want)
			}
			if code, field, reason := ErrorCode(err), ErrorField(err), ErrorReason(err); code != EINVALID || field != "id_number" || reason != tt.want {
				t.Errorf("NormalizeIDNumber(%q) error = (%s, %s, %s), want (%s, id_number, %s)", tt.in, code, field, reason, EINVALID, tt.want)
			}
			checkNoDigits(t, err)
		})
	}
}

// checkNoDigits fails when err's text carries any digit: messages must not
// quote the personal data they are about, and no legitimate message needs one.
func checkNoDigits(tb testing.TB, err error) {
	tb.Helper()
	if i := strings.IndexAny(err.Error(), "0123456789"); i >= 0 {
		tb.Errorf("error %q contains a digit", err.Error())
	}
}

func TestIDNumberBirthDate(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   time.Time
		wantOK bool
	}{
		{"valid", "11010519491231002X", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), true},
		{"leap day", "210102200002290026", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), true},
		{"invalid date", "110101202302290043", time.Time{}, false},
		{"legacy form", "110105491231002", time.Time{}, false},
		{"not digits", "110105ABCDEFGH002X", time.Time{}, false},
		{"empty", "", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := IDNumberBirthDate(tt.in)
			if !got.Equal(tt.want) || ok != tt.wantOK {
				t.Errorf("IDNumberBirthDate(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestIDNumberSex(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"even is female", "11010519491231002X", "F"},
		{"odd is male", "210102199003070011", "M"},
		{"zero is female", "110101190001010065", "F"},
		{"legacy form", "110105491231002", ""},
		{"empty", "", ""},
		{"not a digit", "1101051949123100AX", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IDNumberSex(tt.in); got != tt.want {
				t.Errorf("IDNumberSex(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIDNumberAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := NormalizeIDNumber("11010519491231002X"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("NormalizeIDNumber of a canonical number allocates %v times, want 0", allocs)
	}
}

func FuzzNormalizeIDNumber(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X",
		"11010519491231002x",
		"110105491231002",
		"１１０１０５１９４９１２３１００２Ｘ",
		"\u3000210122198507150016 ",
		"110101202302290043",
		"990101198001010014",
		"110105194912310021",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeIDNumber(s)
		if err != nil {
			if ErrorCode(err) != EINVALID || ErrorField(err) != "id_number" {
				t.Fatalf("NormalizeIDNumber(%q) error = %v, want an invalid id_number error", s, err)
			}
			switch ErrorReason(err) {
			case ReasonIDFormat, ReasonIDChecksum, ReasonIDBirthDate, ReasonIDRegion:
			default:
				t.Fatalf("NormalizeIDNumber(%q) reason = %q, want a known reason", s, ErrorReason(err))
			}
			checkNoDigits(t, err)
			return
		}
		if len(got) != 18 {
			t.Fatalf("NormalizeIDNumber(%q) = %q, want 18 characters", s, got)
		}
		again, err := NormalizeIDNumber(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeIDNumber(%q) = %q, %v, want %q unchanged", got, again, err, got)
		}
		if _, ok := IDNumberBirthDate(got); !ok {
			t.Fatalf("IDNumberBirthDate(%q) not ok for a valid number", got)
		}
		if IDNumberSex(got) == "" {
			t.Fatalf("IDNumberSex(%q) empty for a valid number", got)
		}
	})
}
