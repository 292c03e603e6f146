package http

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The pages' words live in one catalog per language (i18n/zh.json,
// i18n/en.json), keyed by stable dotted names. Simplified Chinese is the
// default; English is one click away (a cookie) or asked for by the
// browser's Accept-Language.

//go:embed i18n/*.json
var catalogFS embed.FS

// LangCookie remembers the language a person chose.
const LangCookie = "epiloop_lang"

// langs lists the languages, default first.
var langs = []string{"zh", "en"}

// catalog maps a key to its text; "{0}", "{1}" … mark arguments.
type catalog map[string]string

// T returns the text of key with args filled in. A missing key shows
// itself in brackets, so it is seen on the page and caught by the tests.
func (c catalog) T(key string, args ...any) string {
	s, ok := c[key]
	if !ok {
		return "[" + key + "]"
	}
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i)+"}", fmt.Sprint(a))
	}
	return s
}

// Has reports whether the catalog has key.
func (c catalog) Has(key string) bool { _, ok := c[key]; return ok }

// mustLoadCatalogs reads every catalog and checks that they have the same
// keys: a key missing from one language stops the binary at start-up.
func mustLoadCatalogs() map[string]catalog {
	out := map[string]catalog{}
	for _, l := range langs {
		b, err := catalogFS.ReadFile("i18n/" + l + ".json")
		if err != nil {
			panic(err)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			panic(fmt.Sprintf("catalog %s: %v", l, err))
		}
		out[l] = c
	}
	if missing := catalogGaps(out); len(missing) > 0 {
		panic("catalog keys missing: " + strings.Join(missing, ", "))
	}
	return out
}

// catalogGaps lists "lang:key" for each key some catalog lacks.
func catalogGaps(cats map[string]catalog) []string {
	all := map[string]bool{}
	for _, c := range cats {
		for k := range c {
			all[k] = true
		}
	}
	var out []string
	for l, c := range cats {
		for k := range all {
			if !c.Has(k) {
				out = append(out, l+":"+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// pickLang chooses the language: the cookie, then Accept-Language, then
// Chinese.
func pickLang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && knownLang(c.Value) {
		return c.Value
	}
	return acceptLang(r.Header.Get("Accept-Language"))
}

func knownLang(s string) bool { return s == "zh" || s == "en" }

// acceptLang picks the best known language of an Accept-Language header.
func acceptLang(h string) string {
	best, bestQ := langs[0], -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if knownLang(base) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}

// handleLang sets the language cookie and goes back where the person was.
func (ui *ui) handleLang(w http.ResponseWriter, r *http.Request, p *page) error {
	lang := r.PostFormValue("lang")
	if !knownLang(lang) {
		lang = langs[0]
	}
	http.SetCookie(w, &http.Cookie{
		Name: LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	})
	back := localPath(r.PostFormValue("next"))
	if back == "" {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
