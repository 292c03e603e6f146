package epiloop

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCatalogParity: every language has every key, and a key's
// placeholders are the same in every language.
func TestCatalogParity(t *testing.T) {
	if err := CheckCatalogue(); err != nil {
		t.Fatal(err)
	}
	ph := regexp.MustCompile(`\{\d+\}`)
	c := mustCatalogue()
	for _, k := range CatalogueKeys() {
		want := ph.FindAllString(c[Langs[0]][k], -1)
		slices.Sort(want)
		want = slices.Compact(want)
		for _, lang := range Langs[1:] {
			got := ph.FindAllString(c[lang][k], -1)
			slices.Sort(got)
			if got = slices.Compact(got); !slices.Equal(got, want) {
				t.Errorf("%s: %s has placeholders %v, %s has %v", k, Langs[0], want, lang, got)
			}
		}
	}
}

// TestCatalogHoldsEveryKeyUsed walks the Go source and fails on a message
// or reject key that the catalogue lacks: an error whose text would show
// as its key.
func TestCatalogHoldsEveryKeyUsed(t *testing.T) {
	key := regexp.MustCompile(`"((?:err|reject|decision|report|note|area)\.[a-z0-9_.]+)"`)
	reason := regexp.MustCompile(`ReasonError\([^,]+, "([a-z_]+)"`)
	n := 0
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range key.FindAllSubmatch(b, -1) {
			n++
			if k := string(m[1]); !strings.HasSuffix(k, ".") && !HasText(k) {
				t.Errorf("%s: key %s not in the catalogue", path, k)
			}
		}
		for _, m := range reason.FindAllSubmatch(b, -1) {
			if k := ReasonKey(string(m[1])); !HasText(k) {
				t.Errorf("%s: reason %s has no text (%s)", path, m[1], k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 150 {
		t.Errorf("found %d keys in the source; the walk is broken", n)
	}
}

func TestTParams(t *testing.T) {
	e := FieldError("note", "err.note_too_long", MaxNoteBytes)
	if got := e.Text(LangEN); got != "Note too long (at most 2000 bytes)." {
		t.Errorf("en: %q", got)
	}
	if got := ErrorText(Errorf(EINVALID, "err.row_0_1", 3, e), LangEN); !strings.Contains(got, "Row 3") || !strings.Contains(got, "2000 bytes") {
		t.Errorf("nested: %q", got)
	}
	if got := T("xx", "err.not_found"); got != T(LangZH, "err.not_found") {
		t.Errorf("unknown language: %q", got)
	}
	if got := T(LangEN, "no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key: %q", got)
	}
}
