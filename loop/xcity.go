package loop

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
)

// The hand-over between cities (epiloop/xcity.go): a lead handed over
// queues a signed, sealed message for the destination city's peer (or a
// letter of assistance when there is none); the sender loop posts the
// outbox; the receiving city accepts into its own double push or refuses;
// the result of its lead travels back.

// XCityConfig is this instance's side of the hand-over between cities.
type XCityConfig struct {
	// City is this instance's city code (210100); empty, no message is
	// sent or received (letters of assistance are still produced).
	City string
	// Keys sign what this instance sends and open what it receives.
	Keys *epiloop.CityKeys
	// HQ and Contact are the sending headquarters' name and contact, on
	// letters of assistance.
	HQ, Contact string
	// Post posts a message's body to a URL and returns the HTTP status
	// (the wiring's HTTP client).
	Post func(ctx context.Context, url string, body []byte) (int, error)
}

// XCityPath is the path under a peer's base URL messages are posted to.
const XCityPath = "/api/v1/xcity/messages"

func xcityNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.xcity_not_found") }

func xcityObject(id int64) string { return fmt.Sprintf("xcity:%d", id) }

// peering reports whether this instance sends and receives messages.
func (s *Service) peering() bool { return s.XCity.City != "" && s.XCity.Keys != nil }

// CityOf returns the city code of an address ("" when it names none).
func (s *Service) CityOf(addr string) string {
	idx, err := s.RegionIndex()
	if err != nil {
		return ""
	}
	return epiloop.CityOfAddress(addr, func(name string) (string, bool) {
		r, ok := idx.Lookup(name)
		return r.Code, ok && r.Level != divisions.LevelCountry
	})
}

// CityName returns a city code's name (大连市), "" for an unknown one.
func (s *Service) CityName(code string) string {
	idx, err := s.RegionIndex()
	if err != nil || code == "" {
		return ""
	}
	return idx.FullName(code)
}

// xcityOnClose runs as a lead closes: a hand-over verdict hands the lead
// to its destination city, and a lead a hand-over from another city
// created sends its result back.
func (s *Service) xcityOnClose(c *change, v epiloop.Verdict) error {
	if v == epiloop.VerdictHandOver {
		if err := s.handOver(c); err != nil {
			return err
		}
	}
	if !s.peering() {
		return nil
	}
	h, err := c.tx.FindXCityHandoverByLead(epiloop.XCityIn, c.lead.ID, true)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if h.State != epiloop.XCityAccepted {
		return nil
	}
	h.Result = epiloop.ResultOf(c.lead)
	if err := h.Move(epiloop.XCityCompleted); err != nil {
		return err
	}
	h.UpdatedAt = c.now
	if err := c.tx.UpdateXCityHandover(h); err != nil {
		return err
	}
	if err := s.queueMessage(c.tx, h, epiloop.XCityResultKind, epiloop.XCityBody{Result: h.Result}, c.now); err != nil {
		return err
	}
	c.emit(epiloop.EventXCityResult, nil, map[string]any{"handover": h.ID, "city": h.PeerCity, "located": h.Result.Located})
	return s.audit(c.tx, c.user, epiloop.AuditChange, xcityObject(h.ID), "result sent")
}

// handOver records the hand-over of a lead whose units agree the person
// left the city: a message queued for the destination's peer, or a letter
// of assistance when no peer runs there.
func (s *Service) handOver(c *change) error {
	l := c.lead
	dest := ""
	if l.Outcome != nil {
		dest = l.Outcome.Destination
	}
	city := s.CityOf(dest)
	h := &epiloop.XCityHandover{Direction: epiloop.XCityOut, MessageID: epiloop.NewMessageID(), PeerCity: city,
		State: epiloop.XCityLetter, LeadID: l.ID, DistrictCode: l.DistrictCode, Person: l.Person, Reason: l.Reason,
		Destination: dest, CreatedAt: c.now, UpdatedAt: c.now}
	h.Person.ID = 0
	if s.peering() && city != "" && city != s.XCity.City {
		if _, err := c.tx.FindPeer(city); err == nil {
			h.State = epiloop.XCityPending
		} else if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			return err
		}
	}
	if err := c.tx.CreateXCityHandover(h); err != nil {
		return err
	}
	if h.State == epiloop.XCityLetter {
		c.emit(epiloop.EventXCityLetter, nil, map[string]any{"handover": h.ID, "city": city})
		return nil
	}
	body := epiloop.XCityBody{Person: &h.Person, Reason: &h.Reason, Destination: dest, Lead: l.ID}
	if err := s.queueMessage(c.tx, h, epiloop.XCityHandOver, body, c.now); err != nil {
		return err
	}
	c.emit(epiloop.EventXCityQueued, nil, map[string]any{"handover": h.ID, "city": city})
	return nil
}

// queueMessage seals a message of kind about h for its peer and queues
// it; a hand-over's message carries the hand-over's id, a reply answers
// it (Ref).
func (s *Service) queueMessage(tx epiloop.Tx, h *epiloop.XCityHandover, kind epiloop.XCityKind, body epiloop.XCityBody, now time.Time) error {
	peer, err := tx.FindPeer(h.PeerCity)
	if err != nil {
		return err
	}
	_, seal, err := epiloop.ParsePeerKey(peer.Key)
	if err != nil {
		return err
	}
	hd := epiloop.XCityHeader{Kind: kind, ID: h.MessageID, From: s.XCity.City, To: h.PeerCity}
	if kind != epiloop.XCityHandOver {
		hd.ID, hd.Ref = epiloop.NewMessageID(), h.MessageID
	}
	sealed, err := epiloop.SealXCity(hd, body, seal)
	if err != nil {
		return err
	}
	return tx.CreateXCityMessage(&epiloop.XCityMessage{HandoverID: h.ID, MessageID: hd.ID, Kind: kind, Ref: hd.Ref,
		PeerCity: h.PeerCity, Sealed: sealed, NextAt: now, CreatedAt: now})
}

// xcityEvent writes an event of a hand-over, on its local lead when it
// has one (the lead's timeline shows it).
func (s *Service) xcityEvent(tx epiloop.Tx, kind string, h *epiloop.XCityHandover, actor int64, now time.Time, data map[string]any) error {
	var l *epiloop.Lead
	if h.LeadID > 0 {
		var err error
		if l, err = tx.FindLeadByID(h.LeadID, false); err != nil && epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			return err
		}
	}
	if data == nil {
		data = map[string]any{}
	}
	data["handover"], data["city"] = h.ID, h.PeerCity
	e := epiloop.NewEvent(kind, l, now, actor, data)
	if l == nil {
		e.District = h.DistrictCode
	}
	return tx.CreateEvent(e)
}

// SendXCity posts the messages due to their peers, once across replicas
// (each is leased before it is posted), and returns how many were
// delivered. A failed attempt is retried with backoff; the attempts and
// the next one are kept in the database, so a restart resumes them.
func (s *Service) SendXCity(ctx context.Context) (int, error) {
	if !s.peering() || s.XCity.Post == nil {
		return 0, nil
	}
	var due []epiloop.XCityMessage
	now := s.now()
	err := s.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
		due, err = tx.ClaimXCityMessages(now, now.Add(epiloop.XCityLease), 20)
		return err
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		ok, err := s.sendOne(ctx, m)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	if sent > 0 {
		s.notify()
	}
	return sent, nil
}

// sendOne posts one claimed message and records the outcome.
func (s *Service) sendOne(ctx context.Context, m epiloop.XCityMessage) (bool, error) {
	var peer *epiloop.Peer
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		peer, err = tx.FindPeer(m.PeerCity)
		return err
	})
	status, failure := 0, ""
	switch {
	case epiloop.ErrorCode(err) == epiloop.ENOTFOUND:
		failure = "no_peer"
	case err != nil:
		return false, err
	default:
		hd := epiloop.XCityHeader{Kind: m.Kind, ID: m.MessageID, Ref: m.Ref, From: s.XCity.City, To: m.PeerCity, Sent: s.now()}
		env, err := epiloop.SignXCity(hd, m.Sealed, s.XCity.Keys.Sign)
		if err != nil {
			return false, err
		}
		body, err := jsonBytes(env)
		if err != nil {
			return false, err
		}
		status, err = s.XCity.Post(ctx, peer.URL+XCityPath, body)
		if err != nil {
			failure = "network"
		} else if status < 200 || status > 299 {
			failure = fmt.Sprint(status)
		}
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	now := s.now()
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		m := m
		m.Attempts++
		m.ClaimedUntil = nil
		if failure != "" {
			m.LastError, m.NextAt = failure, now.Add(epiloop.XCityBackoff(m.Attempts))
			return tx.UpdateXCityMessage(&m)
		}
		m.LastError, m.DeliveredAt = "", &now
		if err := tx.UpdateXCityMessage(&m); err != nil {
			return err
		}
		return s.delivered(tx, &m, now)
	})
	if failure != "" && err == nil {
		s.Logger.Warn("hand-over message not delivered", "peer", m.PeerCity, "kind", m.Kind, "attempt", m.Attempts+1, "failure", failure)
	}
	return failure == "", err
}

// delivered records a peer's acknowledgement of a message.
func (s *Service) delivered(tx epiloop.Tx, m *epiloop.XCityMessage, now time.Time) error {
	h, err := tx.FindXCityHandover(m.HandoverID, true)
	if err != nil {
		return err
	}
	if m.Kind == epiloop.XCityHandOver && h.State == epiloop.XCityPending {
		if err := h.Move(epiloop.XCitySent); err != nil {
			return err
		}
		h.UpdatedAt = now
		if err := tx.UpdateXCityHandover(h); err != nil {
			return err
		}
	}
	if err := s.xcityEvent(tx, epiloop.EventXCityDelivered, h, 0, now, map[string]any{"kind": m.Kind}); err != nil {
		return err
	}
	return s.audit(tx, nil, epiloop.AuditChange, xcityObject(h.ID), "delivered "+string(m.Kind)+" to "+m.PeerCity)
}

// XCityReceipt is the receiver's answer to a message.
type XCityReceipt struct {
	ID string `json:"id"`
	// Status is "accepted" for a message acted on, "duplicate" for one
	// whose id was acted on before (a redelivery: nothing done again).
	Status string `json:"status"`
}

// ReceiveXCity checks a message from a peer and acts on it once: a
// hand-over joins the 外地协查 queue, a reply moves the hand-over it
// answers. A forged, misaddressed, stale or replayed message is refused
// (4xx) and the refusal audited, naming no person.
func (s *Service) ReceiveXCity(ctx context.Context, raw []byte) (*XCityReceipt, error) {
	p, err := s.checkXCity(ctx, raw)
	if err != nil {
		from := ""
		if p != nil {
			from = p.Header.From
		}
		if aerr := s.Audit(epiloop.NewContextWithUser(ctx, nil), epiloop.AuditChange, "xcity-peer:"+from,
			"refused: "+epiloop.ErrorReason(err)); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	body, err := epiloop.OpenXCity(p.Header, p.Sealed, s.XCity.Keys.Seal)
	if err != nil {
		return s.ReceiveRefused(ctx, p, epiloop.XCityUnopenable)
	}
	h := p.Header
	rc := &XCityReceipt{ID: h.ID, Status: "accepted"}
	now := s.now()
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		replay, seen, err := tx.AddXCityReceipt(h.From, h.ID, p.Fingerprint(), now)
		switch {
		case err != nil:
			return err
		case replay:
			return epiloop.XCityRefusal(epiloop.XCityReplay)
		case seen:
			rc.Status = "duplicate"
			return s.audit(tx, nil, epiloop.AuditChange, "xcity-peer:"+h.From, "duplicate "+string(h.Kind)+" "+h.ID)
		}
		return s.actOn(tx, h, body, now)
	})
	if epiloop.ErrorCode(err) == epiloop.ECONFLICT || epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		if r := epiloop.ErrorReason(err); r == epiloop.XCityReplay || r == epiloop.XCityNoSuchRef {
			return s.ReceiveRefused(ctx, p, r)
		}
	}
	if err != nil {
		return nil, err
	}
	s.notify()
	return rc, nil
}

// ReceiveRefused audits the refusal of a parsed message and returns it.
func (s *Service) ReceiveRefused(ctx context.Context, p *epiloop.ParsedEnvelope, reason string) (*XCityReceipt, error) {
	if err := s.Audit(epiloop.NewContextWithUser(ctx, nil), epiloop.AuditChange, "xcity-peer:"+p.Header.From, "refused: "+reason); err != nil {
		return nil, err
	}
	return nil, epiloop.XCityRefusal(reason)
}

// checkXCity parses a message and checks whom it is for, who sent it, its
// signature and its time.
func (s *Service) checkXCity(ctx context.Context, raw []byte) (*epiloop.ParsedEnvelope, error) {
	if !s.peering() {
		return nil, epiloop.XCityRefusal(epiloop.XCityNotForUs)
	}
	p, err := epiloop.ParseEnvelope(raw)
	if err != nil {
		return nil, err
	}
	if p.Header.To != s.XCity.City {
		return p, epiloop.XCityRefusal(epiloop.XCityNotForUs)
	}
	var peer *epiloop.Peer
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		peer, err = tx.FindPeer(p.Header.From)
		return err
	})
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return p, epiloop.XCityRefusal(epiloop.XCityUnknown)
	} else if err != nil {
		return p, err
	}
	sign, _, err := epiloop.ParsePeerKey(peer.Key)
	if err != nil {
		return p, epiloop.XCityRefusal(epiloop.XCityUnknown)
	}
	if err := p.Verify(sign); err != nil {
		return p, err
	}
	return p, p.Fresh(s.now())
}

// actOn acts on a message received for the first time.
func (s *Service) actOn(tx epiloop.Tx, hd epiloop.XCityHeader, b *epiloop.XCityBody, now time.Time) error {
	if hd.Kind == epiloop.XCityHandOver {
		return s.received(tx, hd, b, now)
	}
	h, err := tx.FindXCityHandoverByMessage(epiloop.XCityOut, hd.From, hd.Ref, true)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		return epiloop.XCityRefusal(epiloop.XCityNoSuchRef)
	} else if err != nil {
		return err
	}
	kind, data := epiloop.EventXCityAccepted, map[string]any{}
	switch hd.Kind {
	case epiloop.XCityAccept:
		err = h.Move(epiloop.XCityAccepted)
		h.RemoteLead = b.Lead
	case epiloop.XCityRefuse:
		err = h.Move(epiloop.XCityRefused)
		h.Refusal, kind, data["reason"] = clip(b.Refusal, epiloop.MaxReasonBytes), epiloop.EventXCityRefused, b.Refusal
	case epiloop.XCityResultKind:
		if h.State == epiloop.XCityPending || h.State == epiloop.XCitySent {
			h.State = epiloop.XCityAccepted // its acceptance overtaken
		}
		err = h.Move(epiloop.XCityCompleted)
		h.Result, kind = b.Result, epiloop.EventXCityResult
		if b.Result != nil {
			data["located"] = b.Result.Located
		}
	}
	if err != nil {
		return err
	}
	h.UpdatedAt = now
	if err := tx.UpdateXCityHandover(h); err != nil {
		return err
	}
	if err := s.xcityEvent(tx, kind, h, 0, now, data); err != nil {
		return err
	}
	return s.audit(tx, nil, epiloop.AuditChange, xcityObject(h.ID), string(hd.Kind)+" from "+hd.From)
}

// received queues a hand-over from a peer for the commanders.
func (s *Service) received(tx epiloop.Tx, hd epiloop.XCityHeader, b *epiloop.XCityBody, now time.Time) error {
	h := &epiloop.XCityHandover{Direction: epiloop.XCityIn, MessageID: hd.ID, PeerCity: hd.From, State: epiloop.XCityReceived,
		RemoteLead: b.Lead, Destination: clip(epiloop.NormalizeSpace(b.Destination), 500), CreatedAt: now, UpdatedAt: now}
	if b.Person != nil {
		h.Person = *b.Person
		h.Person.ID = 0
	}
	if b.Reason != nil {
		h.Reason = *b.Reason
	}
	h.DistrictCode = s.districtOf(h.Destination)
	if err := tx.CreateXCityHandover(h); err != nil {
		return err
	}
	if err := s.xcityEvent(tx, epiloop.EventXCityReceived, h, 0, now, nil); err != nil {
		return err
	}
	return s.audit(tx, nil, epiloop.AuditChange, xcityObject(h.ID), "received from "+hd.From)
}

// districtOf is the district an address routes to (or names).
func (s *Service) districtOf(addr string) string {
	m := s.route(addr)
	if m.Community != "" {
		if c, ok := s.Community(m.Community); ok {
			return c.DistrictCode
		}
	}
	return districtNamed(m)
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }
