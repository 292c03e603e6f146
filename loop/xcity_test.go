package loop_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// city is one instance of a pair handing leads over: a fixture with its
// city code and keys.
type city struct {
	*fixture
	code string
	keys *epiloop.CityKeys
	url  string
}

// cityPair returns two instances on engine open, each the other's peer,
// posting to each other in memory (the HTTP tests post over loopback).
func cityPair(t *testing.T, open func(testing.TB) epiloop.Store) (sy, dl *city) {
	t.Helper()
	mk := func(code string) *city {
		k, err := epiloop.NewCityKeys()
		if err != nil {
			t.Fatal(err)
		}
		c := &city{fixture: newFixtureOn(t, open(t)), code: code, keys: k, url: "https://" + code + ".example"}
		c.svc.XCity = loop.XCityConfig{City: code, Keys: k, HQ: "指挥部" + code, Contact: "024-12345678"}
		return c
	}
	sy, dl = mk("210100"), mk("210200")
	for _, pr := range [][2]*city{{sy, dl}, {dl, sy}} {
		a, b := pr[0], pr[1]
		a.svc.XCity.Post = func(ctx context.Context, url string, body []byte) (int, error) {
			if url != b.url+loop.XCityPath {
				return 0, errors.New("no such host")
			}
			_, err := b.svc.ReceiveXCity(ctx, body)
			if err != nil {
				return statusOf(err), nil
			}
			return http.StatusOK, nil
		}
		if _, err := a.svc.AddPeer(context.Background(), epiloop.Peer{City: b.code, URL: b.url, Key: b.keys.PublicKey()}); err != nil {
			t.Fatal(err)
		}
	}
	// Both clocks run together.
	dl.clock.Set(sy.clock.Now())
	return sy, dl
}

func statusOf(err error) int {
	switch epiloop.ErrorCode(err) {
	case epiloop.EINVALID:
		return 400
	case epiloop.EFORBIDDEN:
		return 403
	case epiloop.ECONFLICT:
		return 409
	case epiloop.ENOTFOUND:
		return 404
	}
	return 500
}

func (c *city) send(t *testing.T) int {
	t.Helper()
	n, err := c.svc.SendXCity(context.Background())
	if err != nil {
		t.Fatalf("%s send: %v", c.code, err)
	}
	return n
}

func (c *city) handover(t *testing.T, d epiloop.XCityDirection) epiloop.XCityHandover {
	t.Helper()
	hs, _, err := c.svc.FindXCityHandovers(commander, epiloop.XCityFilter{Direction: &d})
	if err != nil || len(hs) != 1 {
		t.Fatalf("%s %s hand-overs: %v %+v", c.code, d, err, hs)
	}
	return hs[0]
}

// leaveFor closes a lead of c with both units saying the person left for
// dest.
func (c *city) leaveFor(t *testing.T, id, dest string) *epiloop.Lead {
	t.Helper()
	l := c.lead(id, addrHome, epiloop.Reason{Origin: "420100", CloseContact: true})
	left := epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: dest, Contact: epiloop.ContactPhone}
	c.submit(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, left)
	c.submit(committee, taskOf(t, l, epiloop.UnitCommittee).ID, left)
	return c.find(l.ID)
}

func TestXCityHandOverAndBack(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			sy, dl := cityPair(t, e.open)
			l := sy.leaveFor(t, id1, "大连市中山区人民路1号")
			if l.Status != epiloop.LeadHandedOver {
				t.Fatalf("sending lead %s, want handed_over", l.Status)
			}
			out := sy.handover(t, epiloop.XCityOut)
			if out.State != epiloop.XCityPending || out.PeerCity != "210200" || out.LeadID != l.ID {
				t.Fatalf("outgoing %+v", out)
			}
			if n := sy.send(t); n != 1 {
				t.Fatalf("sent %d, want 1", n)
			}
			if got := sy.handover(t, epiloop.XCityOut).State; got != epiloop.XCitySent {
				t.Errorf("outgoing after delivery: %s", got)
			}
			in := dl.handover(t, epiloop.XCityIn)
			if in.State != epiloop.XCityReceived || in.RemoteLead != l.ID || in.Person.IDNumber != epiloop.MaskIDNumber(id1) {
				t.Fatalf("incoming %+v", in)
			}
			// Refusing needs a reason.
			if _, err := dl.svc.RefuseXCity(commander, in.ID, " "); epiloop.ErrorField(err) != "reason" {
				t.Errorf("refuse without reason: %v", err)
			}
			if _, err := dl.svc.AcceptXCity(as(epiloop.RoleDistrict, "DC210102"), in.ID); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
				t.Errorf("district commander accepts: %v", err)
			}
			acc, err := dl.svc.AcceptXCity(commander, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			dlLead := dl.find(acc.LeadID)
			if dlLead.Status != epiloop.LeadUnroutable || dlLead.Person.IDNumber == "" {
				t.Fatalf("Dalian's lead %+v", dlLead)
			}
			if _, err := dl.svc.AcceptXCity(commander, in.ID); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
				t.Errorf("accept twice: %v", err)
			}
			dl.send(t)
			if got := sy.handover(t, epiloop.XCityOut); got.State != epiloop.XCityAccepted || got.RemoteLead != acc.LeadID {
				t.Errorf("outgoing after acceptance: %+v", got)
			}
			// Dalian routes the lead (its own gazetteer), double-pushes,
			// both units agree: the result goes back.
			routed, err := dl.svc.RouteLead(commander, dlLead.ID, shuiyuandi)
			if err != nil {
				t.Fatal(err)
			}
			if len(routed.LiveTasks()) != 2 {
				t.Fatalf("Dalian's lead has %d live tasks, want a double push", len(routed.LiveTasks()))
			}
			dl.submit(station, taskOf(t, routed, epiloop.UnitPoliceStation).ID, home)
			dl.submit(committee, taskOf(t, routed, epiloop.UnitCommittee).ID, home)
			if got := dl.handover(t, epiloop.XCityIn).State; got != epiloop.XCityCompleted {
				t.Errorf("incoming after close: %s", got)
			}
			dl.send(t)
			got := sy.handover(t, epiloop.XCityOut)
			if got.State != epiloop.XCityCompleted || got.Result == nil || got.Result.Located != epiloop.LocatedAtAddress ||
				got.Result.Measure != epiloop.MeasureHomeObservation || got.Result.ClosedAt.IsZero() {
				t.Fatalf("outgoing result %+v %+v", got, got.Result)
			}
			if sl := sy.find(l.ID); sl.Status != epiloop.LeadHandedOver {
				t.Errorf("sending lead %s, want handed_over", sl.Status)
			}
			lh, err := sy.svc.XCityOfLead(commander, l)
			if err != nil || lh == nil || lh.Result == nil {
				t.Errorf("the lead's hand-over: %v %+v", err, lh)
			}
			// Each step is an event on the sending lead, and audited.
			kinds := eventKinds(t, sy, l.ID)
			for _, k := range []string{epiloop.EventXCityQueued, epiloop.EventXCityDelivered, epiloop.EventXCityAccepted, epiloop.EventXCityResult} {
				if !strings.Contains(kinds, k) {
					t.Errorf("sending lead's events %s lack %s", kinds, k)
				}
			}
			for _, c := range []*city{sy, dl} {
				if n := auditCount(t, c, "xcity:"); n < 2 {
					t.Errorf("%s: %d hand-over audit lines", c.code, n)
				}
				c.checkCounters()
				figs, err := c.svc.FindXCityFigures(commander)
				if err != nil || figs.Completed != 1 {
					t.Errorf("%s figures %+v %v", c.code, figs, err)
				}
			}
			// Nothing more to send.
			if n := sy.send(t) + dl.send(t); n != 0 {
				t.Errorf("%d messages sent again", n)
			}
		})
	}
}

func eventKinds(t *testing.T, c *city, leadID int64) string {
	t.Helper()
	var kinds []string
	err := c.store.View(context.Background(), func(tx epiloop.Tx) error {
		es, err := tx.FindLeadEvents(leadID)
		for _, e := range es {
			kinds = append(kinds, e.Kind)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(kinds, ",")
}

func auditCount(t *testing.T, c *city, prefix string) int {
	t.Helper()
	n := 0
	err := c.store.View(context.Background(), func(tx epiloop.Tx) error {
		es, _, err := tx.FindAudit(epiloop.AuditFilter{Limit: 1000})
		for _, e := range es {
			if strings.HasPrefix(e.Object, prefix) {
				n++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestXCityRefusal(t *testing.T) {
	sy, dl := cityPair(t, openSQLite)
	l := sy.leaveFor(t, id2, "辽宁省大连市甘井子区")
	sy.send(t)
	in := dl.handover(t, epiloop.XCityIn)
	if _, err := dl.svc.RefuseXCity(commander, in.ID, "查无此人，地址不在本市"); err != nil {
		t.Fatal(err)
	}
	dl.send(t)
	got := sy.handover(t, epiloop.XCityOut)
	if got.State != epiloop.XCityRefused || got.Refusal != "查无此人，地址不在本市" || got.LeadID != l.ID {
		t.Fatalf("outgoing %+v", got)
	}
	// A refused hand-over can go by letter instead.
	letter, err := sy.svc.LetterOf(commander, got.ID)
	if err != nil || letter.Person.IDNumber != id2 || letter.To != "辽宁省大连市" {
		t.Errorf("letter %+v %v", letter, err)
	}
}

func TestXCityNoPeerLetter(t *testing.T) {
	sy, _ := cityPair(t, openSQLite)
	l := sy.leaveFor(t, id3, "北京市朝阳区建国路1号")
	h := sy.handover(t, epiloop.XCityOut)
	if h.State != epiloop.XCityLetter || h.PeerCity != "110000" {
		t.Fatalf("hand-over %+v", h)
	}
	if n := sy.send(t); n != 0 {
		t.Errorf("sent %d to a city without a peer", n)
	}
	lt, err := sy.svc.LetterOf(commander, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if lt.To != "北京市" || lt.Person.IDNumber != id3 || lt.Lead != l.ID || lt.Contact == "" || !strings.Contains(lt.Number, "210100") {
		t.Errorf("letter %+v", lt)
	}
	if _, err := sy.svc.LetterOf(as(epiloop.RoleStation, shuiyuandiPS), h.ID); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("station prints a letter: %v", err)
	}
	if n := auditCount(t, sy, "xcity:"); n != 1 {
		t.Errorf("letter reads audited %d times, want 1", n)
	}
}

// TestXCityKilledSender: the sender posts, the peer acts, and the sender
// stops before it records the delivery. A new service over the same
// database redelivers once the lease ends; the peer answers "duplicate"
// and holds one hand-over and, accepted, one lead.
func TestXCityKilledSender(t *testing.T) {
	sy, dl := cityPair(t, openSQLite)
	sy.leaveFor(t, id4, "大连市西岗区")
	post := sy.svc.XCity.Post
	ctx, kill := context.WithCancel(context.Background())
	sy.svc.XCity.Post = func(c context.Context, url string, body []byte) (int, error) {
		st, err := post(c, url, body)
		kill() // the process dies with the peer's answer on the wire
		return st, err
	}
	if _, err := sy.svc.SendXCity(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("killed sender: %v", err)
	}
	if got := sy.handover(t, epiloop.XCityOut).State; got != epiloop.XCityPending {
		t.Fatalf("after the kill: %s, want pending", got)
	}
	// A new service on the same database, after the lease.
	next := loop.NewService(sy.store)
	next.Clock, next.Regions, next.XCity = sy.clock, sy.svc.Regions, sy.svc.XCity
	next.XCity.Post = post
	if n, _ := next.SendXCity(context.Background()); n != 0 {
		t.Errorf("sent %d while the dead sender's lease holds", n)
	}
	sy.clock.Add(epiloop.XCityLease + time.Second)
	dl.clock.Set(sy.clock.Now())
	if n, err := next.SendXCity(context.Background()); err != nil || n != 1 {
		t.Fatalf("redelivery: %d %v", n, err)
	}
	if got := sy.handover(t, epiloop.XCityOut).State; got != epiloop.XCitySent {
		t.Errorf("after redelivery: %s", got)
	}
	in := dl.handover(t, epiloop.XCityIn) // exactly one
	if _, err := dl.svc.AcceptXCity(commander, in.ID); err != nil {
		t.Fatal(err)
	}
	if _, total, err := dl.svc.FindLeads(commander, epiloop.LeadFilter{}); err != nil || total != 1 {
		t.Errorf("Dalian holds %d leads (%v), want 1", total, err)
	}
}

// TestXCityForgedAndReplayed: a message signed with another key, one
// with a byte changed, one for another city, one from a city that is no
// peer, an old one and one replayed are refused with a 4xx, audited, and
// change nothing.
func TestXCityForgedAndReplayed(t *testing.T) {
	sy, dl := cityPair(t, openSQLite)
	sy.leaveFor(t, id1, "大连市中山区")
	var captured []byte
	post := sy.svc.XCity.Post
	sy.svc.XCity.Post = func(c context.Context, url string, body []byte) (int, error) {
		captured = append([]byte{}, body...)
		return post(c, url, body)
	}
	sy.send(t)
	if captured == nil {
		t.Fatal("nothing posted")
	}
	stranger, _ := epiloop.NewCityKeys()
	for _, tc := range []struct {
		name   string
		raw    func() []byte
		reason string
	}{
		{"replayed", func() []byte { return captured }, epiloop.XCityReplay},
		{"tampered", func() []byte { return tamper(t, captured) }, epiloop.XCityBadSig},
		{"garbage", func() []byte { return []byte("{not json") }, epiloop.XCityMalformed},
		{"wrong key", func() []byte {
			return forge(t, stranger, dl.keys, epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "f1", From: "210100", To: "210200", Sent: dl.clock.Now()})
		}, epiloop.XCityBadSig},
		{"not a peer", func() []byte {
			return forge(t, stranger, dl.keys, epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "f2", From: "210300", To: "210200", Sent: dl.clock.Now()})
		}, epiloop.XCityUnknown},
		{"for another city", func() []byte {
			return forge(t, sy.keys, dl.keys, epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "f3", From: "210100", To: "210300", Sent: dl.clock.Now()})
		}, epiloop.XCityNotForUs},
		{"sealed for someone else", func() []byte {
			return forge(t, sy.keys, stranger, epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "f4", From: "210100", To: "210200", Sent: dl.clock.Now()})
		}, epiloop.XCityUnopenable},
		{"old", func() []byte {
			return forge(t, sy.keys, dl.keys, epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: "f5", From: "210100", To: "210200", Sent: dl.clock.Now().Add(-time.Hour)})
		}, epiloop.XCityStale},
		{"reply to nothing", func() []byte {
			return forge(t, sy.keys, dl.keys, epiloop.XCityHeader{Kind: epiloop.XCityResultKind, ID: "f6", Ref: "nope", From: "210100", To: "210200", Sent: dl.clock.Now()})
		}, epiloop.XCityNoSuchRef},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := auditCount(t, dl, "xcity-peer:")
			_, err := dl.svc.ReceiveXCity(context.Background(), tc.raw())
			if got := epiloop.ErrorReason(err); got != tc.reason {
				t.Fatalf("reason %q (%v), want %q", got, err, tc.reason)
			}
			if st := statusOf(err); st < 400 || st > 499 {
				t.Errorf("status %d, want 4xx", st)
			}
			if msg := epiloop.ErrorText(err, epiloop.LangZH); strings.Contains(msg, id1) || strings.Contains(msg, "张三") {
				t.Errorf("refusal names the person: %s", msg)
			}
			if after := auditCount(t, dl, "xcity-peer:"); after != before+1 {
				t.Errorf("audit lines %d → %d, want one more", before, after)
			}
		})
	}
	if _, total, _ := dl.svc.FindXCityHandovers(commander, epiloop.XCityFilter{}); total != 1 {
		t.Errorf("Dalian holds %d hand-overs, want the one genuine", total)
	}
}

// forge seals and signs a hand-over with the given keys.
func forge(t *testing.T, signer, sealFor *epiloop.CityKeys, h epiloop.XCityHeader) []byte {
	t.Helper()
	_, seal, _ := epiloop.ParsePeerKey(sealFor.PublicKey())
	body := epiloop.XCityBody{Person: &epiloop.Person{Name: "王五", IDNumber: id3}, Destination: "大连市"}
	sealed, err := epiloop.SealXCity(h, body, seal)
	if err != nil {
		t.Fatal(err)
	}
	env, err := epiloop.SignXCity(h, sealed, signer.Sign)
	if err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, env)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tamper flips one byte of an envelope's sealed body.
func tamper(t *testing.T, raw []byte) []byte {
	t.Helper()
	var env epiloop.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	b, _ := base64.StdEncoding.DecodeString(env.Sealed)
	b[len(b)/2] ^= 0x40
	env.Sealed = base64.StdEncoding.EncodeToString(b)
	return mustJSON(t, env)
}

// TestXCityOneSenderAcrossReplicas: two replicas over one database send
// the outbox at once; each message is posted once.
func TestXCityOneSenderAcrossReplicas(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			sy, dl := cityPair(t, e.open)
			ids := []string{id1, id2, id3, id4}
			for _, id := range ids {
				sy.leaveFor(t, id, "大连市中山区")
			}
			var mu sync.Mutex
			posts := map[string]int{}
			post := sy.svc.XCity.Post
			counting := func(ctx context.Context, url string, body []byte) (int, error) {
				var env epiloop.Envelope
				json.Unmarshal(body, &env)
				mu.Lock()
				posts[env.Sealed]++
				mu.Unlock()
				return post(ctx, url, body)
			}
			sy.svc.XCity.Post = counting
			replica := loop.NewService(sy.store)
			replica.Clock, replica.Regions, replica.XCity = sy.clock, sy.svc.Regions, sy.svc.XCity
			var wg sync.WaitGroup
			sent := make([]int, 2)
			for i, svc := range []*loop.Service{sy.svc, replica} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := svc.SendXCity(context.Background())
					if err != nil {
						t.Error(err)
					}
					sent[i] = n
				}()
			}
			wg.Wait()
			if sent[0]+sent[1] != len(ids) || len(posts) != len(ids) {
				t.Errorf("sent %v, %d distinct messages posted, want %d", sent, len(posts), len(ids))
			}
			for _, n := range posts {
				if n != 1 {
					t.Errorf("a message was posted %d times", n)
				}
			}
			if _, total, _ := dl.svc.FindXCityHandovers(commander, epiloop.XCityFilter{}); total != len(ids) {
				t.Errorf("Dalian holds %d hand-overs, want %d", total, len(ids))
			}
		})
	}
}
