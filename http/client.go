package http

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// Who is calling, and over what: the client address for the sign-in
// limiter and the logs, and whether the request came over TLS (served
// directly, or terminated by a trusted proxy) for the session cookie and
// HSTS. A proxy's headers are believed only from an address in
// Server.TrustedProxies: anyone else can send them.

// Session cookie names: over TLS the __Host- prefix binds the cookie to
// this host, secure, path /.
const (
	SessionCookieTLS = "__Host-" + SessionCookie
)

// HSTS is the Strict-Transport-Security of a response over TLS.
const HSTS = "max-age=31536000"

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes (the documented nginx's, e.g. 127.0.0.1,10.0.0.0/8).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, err
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// trusted reports whether addr is a trusted proxy.
func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerIP is the address of the connection.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientIP is the caller's address: the connection's, or behind trusted
// proxies the nearest untrusted address of X-Forwarded-For (read from the
// right, where the proxies append).
func (s *Server) clientIP(r *http.Request) string {
	ip := peerIP(r)
	if !s.trusted(ip) {
		return ip
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(h); err != nil {
			break
		}
		ip = h
		if !s.trusted(h) {
			break
		}
	}
	return ip
}

// viaTLS reports whether the caller reached us over TLS: directly, or
// through a trusted proxy that says so (X-Forwarded-Proto: https).
func (s *Server) viaTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.trusted(peerIP(r)) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// setSession sets the session cookie: Secure and __Host- over TLS.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, tok string) {
	c := &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Expires: time.Now().Add(loop.SessionTTL)}
	if s.viaTLS(r) {
		c.Name, c.Secure = SessionCookieTLS, true
	}
	http.SetCookie(w, c)
}

// clearSession removes the session cookie, under either name.
func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{SessionCookie, SessionCookieTLS} {
		c := &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode}
		if name == SessionCookieTLS {
			if !s.viaTLS(r) {
				continue
			}
			c.Secure = true
		}
		http.SetCookie(w, c)
	}
}

// sessionToken is the session cookie's value, "" without one. Over TLS
// only the __Host- cookie counts: a plain one could have been planted.
func (s *Server) sessionToken(r *http.Request) string {
	names := []string{SessionCookie}
	if s.viaTLS(r) {
		names = []string{SessionCookieTLS}
	}
	for _, n := range names {
		if c, err := r.Cookie(n); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// Sign-in limits of this process, in front of the account lock-out the
// service keeps in the database: per name and address, as many failures
// as the lock-out allows; per address, across names (password spraying),
// IPLoginFailures.
const IPLoginFailures = 30

// loginGate refuses a sign-in from an address or for a name and address
// that failed too often (429, the same answer whatever the name).
func (s *Server) loginGate(r *http.Request, name string) error {
	ip := s.clientIP(r)
	if s.logins.Locked(strings.ToLower(name)+"|"+ip) || s.ipLogins.Locked(ip) {
		return epiloop.Errorf(epiloop.ETOOMANY, "err.too_many_sign_ins", int(loop.LockOut/time.Minute))
	}
	return nil
}

// loginFailed counts a failed sign-in and reports whether the gate is now
// shut; loginPassed forgets the name's failures.
func (s *Server) loginFailed(r *http.Request, name string) bool {
	ip := s.clientIP(r)
	byName := s.logins.Fail(strings.ToLower(name) + "|" + ip)
	byIP := s.ipLogins.Fail(ip)
	return byName || byIP
}

func (s *Server) loginPassed(r *http.Request, name string) {
	s.logins.Reset(strings.ToLower(name) + "|" + s.clientIP(r))
}
