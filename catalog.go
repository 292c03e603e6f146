package epiloop

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The catalogue: every text a person reads — pages, API errors, intake
// reasons, event descriptions, report headers — under a stable dotted key,
// one JSON file per area and language under i18n/<lang>/ (pages.json,
// messages.json, reasons.json, events.json, …; a new front adds its own
// file). Simplified Chinese is the default language; English is kept at
// parity (TestCatalogParity). "{0}", "{1}" … mark parameters.

//go:embed i18n
var catalogFS embed.FS

// Languages.
const (
	LangZH = "zh"
	LangEN = "en"
)

// Langs lists the languages, the default first.
var Langs = []string{LangZH, LangEN}

// KnownLang reports whether lang is a language of the catalogue.
func KnownLang(lang string) bool { return slices.Contains(Langs, lang) }

// catalogue maps language → key → text.
type catalogue map[string]map[string]string

var loadCatalogue = sync.OnceValues(func() (catalogue, error) { return readCatalogue(catalogFS) })

// readCatalogue reads every area file of every language; a key given in
// two files of one language is an error.
func readCatalogue(fsys fs.FS) (catalogue, error) {
	c := catalogue{}
	for _, lang := range Langs {
		files, err := fs.Glob(fsys, path.Join("i18n", lang, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("catalogue: no files for %s", lang)
		}
		m := map[string]string{}
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, err
			}
			var part map[string]string
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("catalogue %s: %w", f, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("catalogue %s: key %q given twice", f, k)
				}
				m[k] = v
			}
		}
		c[lang] = m
	}
	return c, nil
}

// mustCatalogue returns the catalogue; a catalogue that does not parse is
// a build defect (the tests read it), so it stops the binary.
func mustCatalogue() catalogue {
	c, err := loadCatalogue()
	if err != nil {
		panic(err)
	}
	return c
}

// CheckCatalogue reads the catalogue and reports why it is unusable: a
// file that does not parse, a key given twice, a key one language lacks.
// The server calls it at start-up.
func CheckCatalogue() error {
	if _, err := loadCatalogue(); err != nil {
		return err
	}
	if gaps := CatalogueGaps(); len(gaps) > 0 {
		return errors.New("catalogue keys missing: " + strings.Join(gaps, ", "))
	}
	return nil
}

// CatalogueGaps lists "lang:key" for each key some language lacks.
func CatalogueGaps() []string {
	c := mustCatalogue()
	all := map[string]bool{}
	for _, m := range c {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for lang, m := range c {
		for k := range all {
			if _, ok := m[k]; !ok {
				out = append(out, lang+":"+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// CatalogueKeys returns every key of the default language, sorted.
func CatalogueKeys() []string {
	m := mustCatalogue()[Langs[0]]
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HasText reports whether the catalogue has key.
func HasText(key string) bool {
	_, ok := mustCatalogue()[Langs[0]][key]
	return ok
}

// T returns the text of key in lang (the default language when lang is
// unknown) with params filled in. A parameter that is itself a Msg or an
// *Error is rendered in the same language. A missing key shows itself in
// brackets, so it is seen on the page and caught by the tests.
func T(lang, key string, params ...any) string {
	c := mustCatalogue()
	m, ok := c[lang]
	if !ok {
		m = c[Langs[0]]
	}
	s, ok := m[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(params) == 0 {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		n, err := strconv.Atoi(s[i+1 : i+max(j, 1)])
		if j < 0 || err != nil || n < 0 || n >= len(params) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(paramText(lang, params[n]))
		s = s[i+j+1:]
	}
	return b.String()
}

// paramText renders one parameter of a message.
func paramText(lang string, p any) string {
	switch v := p.(type) {
	case Msg:
		return T(lang, v.Key, v.Params...)
	case error:
		return ErrorText(v, lang)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(p)
}

// Msg is a message not yet rendered: a catalogue key and its parameters.
// Workflows return messages, and each reader renders them in its own
// language.
type Msg struct {
	Key    string
	Params []any
}

// M returns the message of key with params.
func M(key string, params ...any) Msg { return Msg{Key: key, Params: params} }

// Text renders the message in lang.
func (m Msg) Text(lang string) string { return T(lang, m.Key, m.Params...) }
