package http

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

func (ui *ui) registerAuthPages() {
	ui.publicPage("GET /login", ui.handleLoginPage)
	ui.publicPage("POST /login", ui.handleLoginSubmit)
	ui.publicPage("POST /logout", ui.handleLogoutSubmit)
	ui.page("GET /account", epiloop.ActSignedIn, ui.handleAccount)
}

// loginData is what the login page shows.
type loginData struct {
	Name   string
	Next   string
	Error  string // catalog key
	Locked bool
}

func (ui *ui) handleLoginPage(w http.ResponseWriter, r *http.Request, p *page) error {
	if p.User != nil {
		http.Redirect(w, r, homeOf(p.User), http.StatusSeeOther)
		return nil
	}
	p.Title = "login.title"
	p.Data = loginData{Next: localPath(r.URL.Query().Get("next"))}
	return ui.render(w, http.StatusOK, "login", p)
}

// handleLoginSubmit checks the name and password, behind the same limits
// as the API's sign-in (Server.loginGate).
func (ui *ui) handleLoginSubmit(w http.ResponseWriter, r *http.Request, p *page) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	d := loginData{Name: name, Next: localPath(r.PostFormValue("next"))}
	p.Title = "login.title"
	p.Data = &d
	if err := ui.s.loginGate(r, name); err != nil {
		d.Error, d.Locked = "login.locked", true
		return ui.render(w, http.StatusTooManyRequests, "login", p)
	}
	if name == "" || password == "" {
		d.Error = "login.missing"
		return ui.render(w, http.StatusBadRequest, "login", p)
	}
	tok, u, err := ui.s.Service.Login(r.Context(), name, password)
	switch code := epiloop.ErrorCode(err); code {
	case "":
	case epiloop.EUNAUTHORIZED, epiloop.EFORBIDDEN:
		if ui.s.loginFailed(r, name) {
			d.Error, d.Locked = "login.locked", true
			return ui.render(w, http.StatusTooManyRequests, "login", p)
		}
		d.Error = "login.wrong"
		return ui.render(w, http.StatusUnauthorized, "login", p)
	default:
		return err
	}
	ui.s.loginPassed(r, name)
	ui.s.setSession(w, r, tok)
	target := d.Next
	if target == "" || target == "/login" {
		target = homeOf(u)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (ui *ui) handleLogoutSubmit(w http.ResponseWriter, r *http.Request, p *page) error {
	if tok := ui.s.sessionToken(r); tok != "" {
		if err := ui.s.Service.Logout(r.Context(), tok, false); err != nil {
			return err
		}
	}
	ui.s.clearSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// handleAccount is the page of roles that have no page of their own yet.
func (ui *ui) handleAccount(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Title = "account.title"
	p.Nav = "account"
	return ui.render(w, http.StatusOK, "account", p)
}

// loginLimiter counts failed logins per name and address in memory: after
// max failures within window, the pair is refused until window has passed
// since the last failure. Per process: with several replicas each counts
// its own, which the account lock-out in the database backs up.
type loginLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string]*failCount
}

type failCount struct {
	n    int
	last time.Time
}

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, now: time.Now, fails: map[string]*failCount{}}
}

// Locked reports whether key is locked out now.
func (l *loginLimiter) Locked(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fails[key]
	if !ok {
		return false
	}
	if l.now().Sub(f.last) > l.window {
		delete(l.fails, key)
		return false
	}
	return f.n >= l.max
}

// Fail records a failure and reports whether key is now locked out.
func (l *loginLimiter) Fail(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fails) > 10000 {
		l.sweep(now)
	}
	f, ok := l.fails[key]
	if !ok || now.Sub(f.last) > l.window {
		f = &failCount{}
		l.fails[key] = f
	}
	f.n++
	f.last = now
	return f.n >= l.max
}

// Reset forgets key's failures after a good login.
func (l *loginLimiter) Reset(key string) {
	l.mu.Lock()
	delete(l.fails, key)
	l.mu.Unlock()
}

func (l *loginLimiter) sweep(now time.Time) {
	for k, f := range l.fails {
		if now.Sub(f.last) > l.window {
			delete(l.fails, k)
		}
	}
}
