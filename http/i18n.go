package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
)

// The pages' words, the API's errors and every other text a person reads
// live in the domain's catalogue (epiloop.T, i18n/<lang>/*.json). Simplified
// Chinese is the default; English is one click away (a cookie) or asked
// for by the browser's Accept-Language.

// LangCookie remembers the language a person chose.
const LangCookie = "epiloop_lang"

// catalog is the catalogue in one language.
type catalog string

// T returns the text of key with args filled in. A missing key shows
// itself in brackets, so it is seen on the page and caught by the tests.
func (c catalog) T(key string, args ...any) string { return epiloop.T(string(c), key, args...) }

// Has reports whether the catalogue has key.
func (c catalog) Has(key string) bool { return epiloop.HasText(key) }

// pickLang chooses the language: the cookie, then Accept-Language, then
// Chinese.
func pickLang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && epiloop.KnownLang(c.Value) {
		return c.Value
	}
	return acceptLang(r.Header.Get("Accept-Language"))
}

// acceptLang picks the best known language of an Accept-Language header.
func acceptLang(h string) string {
	best, bestQ := epiloop.Langs[0], -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if epiloop.KnownLang(base) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}

// handleLang sets the language cookie and goes back where the person was.
func (ui *ui) handleLang(w http.ResponseWriter, r *http.Request, p *page) error {
	lang := r.PostFormValue("lang")
	if !epiloop.KnownLang(lang) {
		lang = epiloop.Langs[0]
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
