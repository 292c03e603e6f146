package http_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	"github.com/epiloop/epiloop"
	ehttp "github.com/epiloop/epiloop/http"
)

// TestSessionBehindProxy: behind the documented nginx (a trusted proxy
// saying X-Forwarded-Proto: https) the session cookie is Secure with the
// __Host- prefix and responses carry HSTS; the same headers from an
// untrusted address change nothing.
func TestSessionBehindProxy(t *testing.T) {
	f := newFixture(t)
	const name, password = "commander-behind-proxy", "correct horse battery"
	if err := f.svc.CreateUser(t.Context(), &epiloop.User{Name: name, Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}, password); err != nil {
		t.Fatal(err)
	}
	proxy := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
	login := func() *http.Cookie {
		t.Helper()
		res := f.call(request{Method: "POST", Path: "/login", Header: proxy, Body: map[string]any{"name": name, "password": password}}, http.StatusOK, nil)
		cs := (&http.Response{Header: res.Header}).Cookies()
		if len(cs) != 1 {
			t.Fatalf("cookies %v", cs)
		}
		return cs[0]
	}
	// Untrusted: the headers are anyone's.
	if c := login(); c.Name != "epiloop_session" || c.Secure {
		t.Errorf("from an untrusted address: cookie %s secure=%v, want a plain epiloop_session", c.Name, c.Secure)
	}
	if res := f.do(request{Method: "GET", Path: "/me", As: uCommander, Header: proxy}); res.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent to an untrusted caller over plain HTTP")
	}
	f.srv.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	c := login()
	if c.Name != ehttp.SessionCookieTLS || !c.Secure || !c.HttpOnly || c.Path != "/" {
		t.Errorf("behind the trusted proxy: cookie %+v, want Secure __Host-epiloop_session", c)
	}
	res := f.call(request{Method: "GET", Path: "/me", Header: map[string]string{"Cookie": c.Name + "=" + c.Value, "X-Forwarded-Proto": "https"}}, http.StatusOK, nil)
	if res.Header.Get("Strict-Transport-Security") != ehttp.HSTS {
		t.Errorf("HSTS = %q behind the TLS proxy", res.Header.Get("Strict-Transport-Security"))
	}
	// Over TLS a plain-named cookie (one a network attacker could plant)
	// is not a session.
	plain := map[string]string{"Cookie": "epiloop_session=" + c.Value, "X-Forwarded-Proto": "https"}
	if res := f.do(request{Method: "GET", Path: "/me", Header: plain}); res.Status != http.StatusUnauthorized {
		t.Errorf("plain cookie over TLS: %d, want 401", res.Status)
	}
}

// TestAPILoginLimitedPerAddress: the API sign-in has the page's limits:
// wrong passwords for one name from one address, or for many names from
// one address (spraying), answer 429; behind a trusted proxy the address
// is the client's from X-Forwarded-For, so another client is not locked
// out with it.
func TestAPILoginLimitedPerAddress(t *testing.T) {
	f := newFixture(t)
	f.srv.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	from := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	try := func(ip, name string) int {
		return f.do(request{Method: "POST", Path: "/login", Header: from(ip), Body: map[string]any{"name": name, "password": "wrong password 1"}}).Status
	}
	for i := range ehttp.IPLoginFailures {
		if st := try("198.51.100.9", fmt.Sprintf("spray-%d", i)); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i, st)
		}
	}
	if st := try("198.51.100.9", "spray-next"); st != http.StatusTooManyRequests {
		t.Errorf("after %d failures from one address: %d, want 429", ehttp.IPLoginFailures, st)
	}
	if st := try("198.51.100.10", "spray-next"); st != http.StatusUnauthorized {
		t.Errorf("another client behind the proxy: %d, want 401 (not locked out)", st)
	}
	// A forged X-Forwarded-For from an untrusted peer is ignored.
	f.srv.TrustedProxies = nil
	for i := range ehttp.IPLoginFailures {
		try(fmt.Sprintf("192.0.2.%d", i+1), fmt.Sprintf("forger-%d", i))
	}
	if st := try("192.0.2.99", "someone"); st != http.StatusTooManyRequests {
		t.Errorf("an untrusted peer rotating X-Forwarded-For: %d, want 429 (its own address counts)", st)
	}
}
