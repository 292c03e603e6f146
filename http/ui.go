package http

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/loop"
)

// The web pages: html/template rendered on the server, htmx for partial
// updates, ECharts for charts, every asset embedded. Pages authenticate by
// the session cookie only; every state-changing form is checked by Go's
// cross-origin protection (Sec-Fetch-Site / Origin), and the pages' CSP
// allows no inline script or style.

//go:embed templates
var templateFS embed.FS

// pageCSP is the content security policy of every page: nothing inline,
// nothing from elsewhere.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// shanghai is the wall-clock zone of the pages (China has one zone and no
// daylight saving, so a fixed offset needs no tz database offline).
var shanghai = time.FixedZone("CST", 8*3600)

// ui holds what the page handlers share.
type ui struct {
	s      *Server
	pages  map[string]*template.Template
	assets *assets
	cop    *http.CrossOriginProtection

	// The jurisdiction tree, cached for a minute: reference data that
	// changes only when an admin loads a station mapping.
	treeMu  sync.Mutex
	treeVal *loop.Jurisdictions
	treeAt  time.Time

	// uploads keeps previewed intake files until they are committed.
	uploads *pendingUploads

	// regions is the service's division index (nil if it failed to
	// load: origins then show as codes); origins, the origin field's
	// suggestions, is built from it on first use.
	regions *divisions.RegionIndex
	origins func() []originRegion
}

// page is what every template receives.
type page struct {
	ui   *ui
	req  *http.Request
	cat  catalog
	Lang string
	User *epiloop.User
	// Title is a catalog key; Nav names the active navigation entry.
	Title string
	Nav   string
	// Live pages open the event stream and refresh their live parts.
	Live   bool
	Charts bool
	Now    time.Time
	Flash  string
	Data   any
	// LeadID marks a lead's page, so the script can say when it changed.
	LeadID int64
}

// T translates a catalog key, formatting args into it.
func (p *page) T(key string, args ...any) string { return p.cat.T(key, args...) }

// Path is the current path and query, for the language switch to return to.
func (p *page) Path() string {
	if p.req == nil {
		return "/"
	}
	return p.req.URL.RequestURI()
}

// HTMLLang is the lang attribute of the page.
func (p *page) HTMLLang() string {
	if p.Lang == "en" {
		return "en"
	}
	return "zh-CN"
}

// Can reports whether the user is granted action (a name of the
// permission table), for the templates.
func (p *page) Can(action string) bool { return p.User.Can(epiloop.Action(action)) }

// CityWide reports whether the user's scope is the whole city.
func (p *page) CityWide() bool { return p.User != nil && p.User.Scope().All }

// registerUIRoutes parses the templates (panicking on an error, so a broken
// template stops the binary at start-up rather than on a page) and
// registers the pages.
func (s *Server) registerUIRoutes() {
	ui := &ui{
		s:      s,
		assets: mustLoadAssets(),
		cop:    http.NewCrossOriginProtection(),
	}
	ui.regions, _ = s.Service.RegionIndex()
	ui.origins = sync.OnceValue(func() []originRegion { return listRegions(ui.regions) })
	ui.pages = ui.mustParseTemplates()
	ui.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ui.renderError(w, r, epiloop.Errorf(epiloop.EFORBIDDEN, "err.cross_origin_request_refused"))
	}))
	m := s.mux
	m.handle("GET /static/{hash}/{file...}", epiloop.ActPublic, ui.handleAsset)
	ui.publicPage("GET /{$}", ui.handleHome)
	ui.publicPage("/", func(w http.ResponseWriter, r *http.Request, p *page) error {
		return epiloop.Errorf(epiloop.ENOTFOUND, "err.page_not_found")
	})
	ui.publicPage("POST /lang", ui.handleLang)
	ui.registerAuthPages()
	ui.registerDashboardPages()
	ui.registerLeadPages()
	ui.registerQueuePages()
	ui.registerAuditPages()
	ui.registerInboxPages()
	ui.registerAdminPages()
	ui.registerCheckpointPages()
	ui.registerObservationPages()
	ui.registerDutyPages()
	ui.registerRosterPages()
	ui.registerHandoverPages()
	ui.registerPlacePages()
	ui.registerPatrolPages()
	ui.registerIntakePages()
	ui.registerReportPages()
	ui.registerExportPages()
	ui.registerVolunteerPages()
	ui.registerMergePages()
	ui.registerDeskPages()
	ui.registerCasePages()
	ui.registerDetentionPages()
	ui.registerXCityPages()
}

// pageFunc is a page handler: it fills p and renders, or returns an error
// for one place to render as a page.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *page) error

// publicPage registers a page that needs no sign-in (login, language,
// errors).
func (ui *ui) publicPage(pattern string, h pageFunc) {
	ui.s.mux.handle(pattern, epiloop.ActPublic, ui.wrap(epiloop.ActPublic, h))
}

// page registers a page for signed-in users granted a.
func (ui *ui) page(pattern string, a epiloop.Action, h pageFunc) {
	ui.s.mux.handle(pattern, a, ui.wrap(a, h))
}

func (ui *ui) wrap(a epiloop.Action, h pageFunc) http.HandlerFunc {
	auth := a != epiloop.ActPublic
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", pageCSP)
		p := ui.newPage(r)
		if err := ui.cop.Check(r); err != nil {
			ui.renderErrorPage(w, r, p, epiloop.Errorf(epiloop.EFORBIDDEN, "err.cross_origin_request_refused"))
			return
		}
		if u := ui.sessionUser(r); u != nil {
			p.User = u
			r = r.WithContext(epiloop.NewContextWithUser(r.Context(), u))
		}
		if auth && p.User == nil {
			ui.toLogin(w, r)
			return
		}
		if auth && !p.User.Can(a) {
			ui.renderErrorPage(w, r, p, epiloop.Errorf(epiloop.EFORBIDDEN, "err.your_role_may_not_open"))
			return
		}
		if err := h(w, r, p); err != nil {
			ui.renderErrorPage(w, r, p, err)
		}
	}
}

// sessionUser returns the user of the session cookie, or nil.
func (ui *ui) sessionUser(r *http.Request) *epiloop.User {
	tok := ui.s.sessionToken(r)
	if tok == "" {
		return nil
	}
	u, err := ui.s.Service.UserBySession(r.Context(), tok)
	if err != nil {
		return nil
	}
	return u
}

// toLogin sends a visitor without a session to the login page, keeping
// where they were going (a path: ids only, never personal data).
func (ui *ui) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (ui *ui) newPage(r *http.Request) *page {
	lang := pickLang(r)
	return &page{ui: ui, req: r, cat: catalog(lang), Lang: lang, Now: ui.s.Service.Clock.Now()}
}

// render executes a page's layout (or, for an htmx request naming a
// fragment, just the fragment) into a buffer, then writes it.
func (ui *ui) render(w http.ResponseWriter, status int, name string, p *page) error {
	return ui.renderTemplate(w, status, name, "layout", p)
}

// renderFragment renders one named template of a page, for htmx swaps.
func (ui *ui) renderFragment(w http.ResponseWriter, status int, name, fragment string, p *page) error {
	return ui.renderTemplate(w, status, name, fragment, p)
}

func (ui *ui) renderTemplate(w http.ResponseWriter, status int, name, tmpl string, p *page) error {
	t, ok := ui.pages[name]
	if !ok {
		return epiloop.Errorf(epiloop.EINTERNAL, "err.no_template_0", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, p); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", p.HTMLLang())
	h.Add("Vary", "Cookie, Accept-Language, HX-Request")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// errorData is what the error page shows.
type errorData struct {
	Code    string
	Status  int
	Message string
}

// renderErrorPage renders err as a page: the safe message for application
// errors, a generic one (and a log line without personal data) for
// internal ones.
func (ui *ui) renderErrorPage(w http.ResponseWriter, r *http.Request, p *page, err error) {
	code := epiloop.ErrorCode(err)
	if code == epiloop.EINTERNAL {
		ui.s.Logger.Error("page failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	if code == epiloop.EUNAUTHORIZED && p.User == nil {
		ui.toLogin(w, r)
		return
	}
	st := ErrorStatus(code)
	p.Title = "error.title." + code
	p.Data = errorData{Code: code, Status: st, Message: p.errText(err)}
	if rerr := ui.render(w, st, "error", p); rerr != nil {
		ui.s.Logger.Error("error page failed", "err", rerr)
		http.Error(w, http.StatusText(st), st)
	}
}

func (ui *ui) renderError(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Security-Policy", pageCSP)
	ui.renderErrorPage(w, r, ui.newPage(r), err)
}

// redirect answers a form post: htmx follows HX-Redirect, a plain form the
// 303.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleHome sends each role to its first page.
func (ui *ui) handleHome(w http.ResponseWriter, r *http.Request, p *page) error {
	if p.User == nil {
		ui.toLogin(w, r)
		return nil
	}
	http.Redirect(w, r, homeOf(p.User), http.StatusSeeOther)
	return nil
}

// homeOf is the first page of a role.
func homeOf(u *epiloop.User) string {
	if nav := navFor(u); len(nav) > 0 && nav[0].Key != "account" {
		return nav[0].Href
	}
	return "/account"
}

// localPath accepts only a path on this site (no scheme, no host, no
// protocol-relative "//"), for post-login and language redirects.
func localPath(s string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return s
}

// mustParseTemplates parses the layout and partials once, then each page
// on a clone of them.
func (ui *ui) mustParseTemplates() map[string]*template.Template {
	base := template.Must(template.New("").Funcs(ui.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html"))
	names, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		panic(err)
	}
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out
}

// navItem is one entry of the navigation bar.
type navItem struct{ Key, Href string }

// navFor lists the pages of a role.
func navFor(u *epiloop.User) []navItem {
	var out []navItem
	for _, n := range navEntries {
		if u.Can(n.action) {
			out = append(out, navItem{n.key, n.href})
		}
	}
	if len(out) == 0 {
		out = append(out, navItem{"account", "/account"})
	}
	return out
}

// navEntries are the pages of the navigation, in order, each shown to the
// roles granted its action; a role's home is its first.
var navEntries = []struct {
	key, href string
	action    epiloop.Action
}{
	{"dashboard", "/dashboard", epiloop.ActDashboard},
	{"report", "/reports/daily", epiloop.ActReport},
	{"inbox", "/inbox", epiloop.ActFeedback},
	{"leads", "/leads", epiloop.ActReadLeads},
	{"conflicts", "/conflicts", epiloop.ActAdjudicate},
	{"unroutable", "/unroutable", epiloop.ActRoute},
	{"checkpoints", "/checkpoints", epiloop.ActReadScreen},
	{"observations", "/observations", epiloop.ActReadObs},
	{"admin.users", "/admin/users", epiloop.ActAdminUsers},
	{"admin.units", "/admin/units", epiloop.ActAdminUnits},
	{"admin.mapping", "/admin/mapping", epiloop.ActAdminUnits},
	{"imports", "/imports", epiloop.ActImport},
	{"audit", "/audit", epiloop.ActReadAudit},
	{"command", "/command", epiloop.ActReadCommand},
	{"duty", "/duty/now", epiloop.ActReadCommand},
	{"roster", "/roster", epiloop.ActReadCommand},
	{"places", "/places", epiloop.ActReadPlaces},
	{"deployments", "/forces/deployments", epiloop.ActReadDeployments},
	{"patrols", "/patrols", epiloop.ActReadPatrols},
	{"forces", "/forces", epiloop.ActReadVolunteers},
	{"merge", "/persons/merge", epiloop.ActMergePersons},
	{"desk_tickets", "/desk/tickets", epiloop.ActReadDesk},
	{"desk_hotline", "/desk/hotline", epiloop.ActDeskIntake},
	{"desk_slots", "/desk/slots", epiloop.ActManageDesk},
	{"cases", "/cases", epiloop.ActReadCases},
	{"detention", "/detention", epiloop.ActReadDetention},
	{"xcity", "/xcity", epiloop.ActReadXCity},
}
