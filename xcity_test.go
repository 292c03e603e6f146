package epiloop_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func mustKeys(t testing.TB) *epiloop.CityKeys {
	t.Helper()
	k, err := epiloop.NewCityKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// envelope seals and signs a hand-over from sender to receiver.
func envelope(t testing.TB, from, to *epiloop.CityKeys, h epiloop.XCityHeader) []byte {
	t.Helper()
	_, seal, err := epiloop.ParsePeerKey(to.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	body := epiloop.XCityBody{Person: &epiloop.Person{Name: "张三", IDNumber: "210102199001010017"}, Destination: "大连市中山区", Lead: 7}
	sealed, err := epiloop.SealXCity(h, body, seal)
	if err != nil {
		t.Fatal(err)
	}
	env, err := epiloop.SignXCity(h, sealed, from.Sign)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(env)
	return b
}

func TestXCityEnvelope(t *testing.T) {
	sy, dl, other := mustKeys(t), mustKeys(t), mustKeys(t)
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	h := epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "m1", From: "210100", To: "210200", Sent: now}
	syPub, _, _ := epiloop.ParsePeerKey(sy.PublicKey())
	otherPub, _, _ := epiloop.ParsePeerKey(other.PublicKey())

	t.Run("opens", func(t *testing.T) {
		p, err := epiloop.ParseEnvelope(envelope(t, sy, dl, h))
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Verify(syPub); err != nil {
			t.Fatal(err)
		}
		if err := p.Fresh(now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		b, err := epiloop.OpenXCity(p.Header, p.Sealed, dl.Seal)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := b.Person.IDNumber, "210102199001010017"; got != want || b.Lead != 7 {
			t.Errorf("got %q lead %d, want %q lead 7", got, b.Lead, want)
		}
	})
	t.Run("wrong signer", func(t *testing.T) {
		p, _ := epiloop.ParseEnvelope(envelope(t, other, dl, h))
		if got := epiloop.ErrorReason(p.Verify(syPub)); got != epiloop.XCityBadSig {
			t.Errorf("reason %q, want %q", got, epiloop.XCityBadSig)
		}
		if err := p.Verify(otherPub); err != nil {
			t.Errorf("the true signer's key: %v", err)
		}
	})
	t.Run("tampered byte", func(t *testing.T) {
		var env epiloop.Envelope
		_ = json.Unmarshal(envelope(t, sy, dl, h), &env)
		sealed, _ := base64.StdEncoding.DecodeString(env.Sealed)
		sealed[len(sealed)-1] ^= 1
		env.Sealed = base64.StdEncoding.EncodeToString(sealed)
		raw, _ := json.Marshal(env)
		p, err := epiloop.ParseEnvelope(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := epiloop.ErrorReason(p.Verify(syPub)); got != epiloop.XCityBadSig {
			t.Errorf("reason %q, want %q", got, epiloop.XCityBadSig)
		}
	})
	t.Run("sealed for someone else", func(t *testing.T) {
		p, _ := epiloop.ParseEnvelope(envelope(t, sy, other, h))
		if _, err := epiloop.OpenXCity(p.Header, p.Sealed, dl.Seal); err == nil {
			t.Error("opened a body sealed for another key")
		}
	})
	t.Run("stale", func(t *testing.T) {
		p, _ := epiloop.ParseEnvelope(envelope(t, sy, dl, h))
		if got := epiloop.ErrorCode(p.Fresh(now.Add(epiloop.XCityWindow + time.Second))); got != epiloop.ECONFLICT {
			t.Errorf("code %q, want conflict", got)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		for _, raw := range []string{"", "{}", `{"header":"!!","sealed":"","sig":""}`} {
			if _, err := epiloop.ParseEnvelope([]byte(raw)); epiloop.ErrorCode(err) != epiloop.EINVALID {
				t.Errorf("%q: %v, want invalid", raw, err)
			}
		}
		bad := h
		bad.Ref = "x" // a hand-over answers nothing
		if _, err := epiloop.ParseEnvelope(envelope(t, sy, dl, bad)); epiloop.ErrorCode(err) != epiloop.EINVALID {
			t.Errorf("hand-over with a ref: %v, want invalid", err)
		}
	})
	t.Run("fingerprint differs per signing", func(t *testing.T) {
		a, _ := epiloop.ParseEnvelope(envelope(t, sy, dl, h))
		b, _ := epiloop.ParseEnvelope(envelope(t, sy, dl, h))
		if a.Fingerprint() == b.Fingerprint() {
			t.Error("two signings share a fingerprint")
		}
	})
}

func TestCityKeysFile(t *testing.T) {
	k := mustKeys(t)
	b, err := epiloop.MarshalCityKeys(k)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := epiloop.ParseCityKeys(b)
	if err != nil {
		t.Fatal(err)
	}
	if k.PublicKey() != k2.PublicKey() {
		t.Error("key file does not round-trip")
	}
	if _, err := epiloop.ParseCityKeys([]byte("{}")); err == nil {
		t.Error("parsed an empty file")
	}
}

func TestValidCityCode(t *testing.T) {
	for code, want := range map[string]bool{"210100": true, "210200": true, "110000": true, "210102": false,
		"210000": false, "2102": false, "21a100": false, "000100": false, "210001": false} {
		if got := epiloop.ValidCityCode(code); got != want {
			t.Errorf("%s: %v, want %v", code, got, want)
		}
	}
}

func TestCityOfAddress(t *testing.T) {
	names := map[string]string{"大连市": "2102", "辽宁省": "21", "辽宁省大连市": "2102", "北京市": "11", "沈阳市": "2101", "辽宁省沈阳市": "2101"}
	lookup := func(s string) (string, bool) { c, ok := names[s]; return c, ok }
	for addr, want := range map[string]string{
		"大连市中山区人民路1号": "210200", "辽宁省大连市甘井子区": "210200", "北京市朝阳区": "110000",
		"辽宁省": "", "某地": "", "": "",
	} {
		if got := epiloop.CityOfAddress(addr, lookup); got != want {
			t.Errorf("%q: %q, want %q", addr, got, want)
		}
	}
}

func TestXCityMoves(t *testing.T) {
	out := epiloop.XCityHandover{Direction: epiloop.XCityOut, State: epiloop.XCityPending}
	for _, to := range []epiloop.XCityState{epiloop.XCitySent, epiloop.XCityAccepted, epiloop.XCityCompleted} {
		if err := out.Move(to); err != nil {
			t.Fatalf("out → %s: %v", to, err)
		}
	}
	if out.Open() {
		t.Error("a completed hand-over is open")
	}
	in := epiloop.XCityHandover{Direction: epiloop.XCityIn, State: epiloop.XCityReceived}
	if err := in.Move(epiloop.XCityCompleted); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("received → completed: %v, want conflict", err)
	}
	letter := epiloop.XCityHandover{Direction: epiloop.XCityOut, State: epiloop.XCityLetter}
	if err := letter.Move(epiloop.XCitySent); err == nil {
		t.Error("a letter moved to sent")
	}
}

func TestXCityBackoff(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n < 20; n++ {
		d := epiloop.XCityBackoff(n)
		if d < prev || d > time.Hour {
			t.Fatalf("attempt %d: %v after %v", n, d, prev)
		}
		prev = d
	}
	if prev != time.Hour {
		t.Errorf("backoff tops at %v, want 1h", prev)
	}
}

// FuzzParseEnvelope: whatever a stranger posts, parsing refuses it with a
// caller-safe error or yields a header that passes its own checks; it
// never panics.
func FuzzParseEnvelope(f *testing.F) {
	sy, dl := mustKeys(f), mustKeys(f)
	h := epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "m1", From: "210100", To: "210200", Sent: time.Unix(1e9, 0)}
	f.Add(envelope(f, sy, dl, h))
	f.Add([]byte(`{"header":"e30=","sealed":"","sig":""}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := epiloop.ParseEnvelope(raw)
		if err != nil {
			if code := epiloop.ErrorCode(err); code != epiloop.EINVALID {
				t.Fatalf("refusal code %q", code)
			}
			return
		}
		if !p.Header.Kind.Valid() || !epiloop.ValidCityCode(p.Header.From) || !epiloop.ValidCityCode(p.Header.To) {
			t.Fatalf("accepted header %+v", p.Header)
		}
		_, _ = epiloop.OpenXCity(p.Header, p.Sealed, dl.Seal)
	})
}
