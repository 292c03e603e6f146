package loop

import (
	"context"
	"strings"

	"github.com/epiloop/epiloop"
)

// The 外地协查 queue: commanders read the hand-overs of their scope,
// accept or refuse those from other cities, and print letters of
// assistance for cities without a peer.

// visibleXCity loads a hand-over u may read (ENOTFOUND otherwise).
func visibleXCity(tx epiloop.Tx, u *epiloop.User, id int64, lock bool) (*epiloop.XCityHandover, error) {
	h, err := tx.FindXCityHandover(id, lock)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && !epiloop.XCityVisible(u, h) {
		return nil, xcityNotFound()
	}
	return h, err
}

// FindXCityHandovers returns one page of the hand-overs of the caller's
// scope, identities masked, and the total.
func (s *Service) FindXCityHandovers(ctx context.Context, f epiloop.XCityFilter) ([]epiloop.XCityHandover, int, error) {
	u, err := allowed(ctx, epiloop.ActReadXCity)
	if err != nil {
		return nil, 0, err
	}
	if sc := u.Scope(); !sc.All {
		f.District = &sc.District
	}
	var out []epiloop.XCityHandover
	var total int
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindXCityHandovers(f)
		return err
	})
	for i := range out {
		out[i] = out[i].Masked()
	}
	return nonNilList(out), total, err
}

// XCityView is a hand-over's page: the hand-over, masked, and its
// messages' delivery.
type XCityView struct {
	epiloop.XCityHandover
	CityName string                 `json:"city_name"`
	Messages []epiloop.XCityMessage `json:"messages"`
}

// FindXCityHandover returns a hand-over of the caller's scope.
func (s *Service) FindXCityHandover(ctx context.Context, id int64) (*XCityView, error) {
	u, err := allowed(ctx, epiloop.ActReadXCity)
	if err != nil {
		return nil, err
	}
	var v *XCityView
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		h, err := visibleXCity(tx, u, id, false)
		if err != nil {
			return err
		}
		v = &XCityView{XCityHandover: h.Masked(), CityName: s.CityName(h.PeerCity)}
		v.Messages, err = tx.FindXCityMessages(h.ID)
		return err
	})
	if v != nil {
		v.Messages = nonNilList(v.Messages)
	}
	return v, err
}

// XCityOfLead returns the latest hand-over of a lead the caller may see
// (masked), nil when the lead has none: the lead's page shows it.
func (s *Service) XCityOfLead(ctx context.Context, l *epiloop.Lead) (*epiloop.XCityHandover, error) {
	u, err := actor(ctx)
	if err != nil || !epiloop.LeadVisible(u, l, s.now()) {
		return nil, err
	}
	var h *epiloop.XCityHandover
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		for _, d := range []epiloop.XCityDirection{epiloop.XCityOut, epiloop.XCityIn} {
			x, err := tx.FindXCityHandoverByLead(d, l.ID, false)
			if err == nil {
				m := x.Masked()
				h = &m
				return nil
			} else if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				return err
			}
		}
		return nil
	})
	return h, err
}

// AcceptXCity takes a hand-over from another city on: a lead of source
// city is created (or the person's open lead merged into) and routed into
// this city's double push, and the acceptance is sent back.
func (s *Service) AcceptXCity(ctx context.Context, id int64) (*epiloop.XCityHandover, error) {
	u, err := allowed(ctx, epiloop.ActDecideXCity)
	if err != nil {
		return nil, err
	}
	var h *epiloop.XCityHandover
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if h, err = visibleXCity(tx, u, id, true); err != nil {
			return err
		}
		if h.Direction != epiloop.XCityIn {
			return xcityNotFound()
		}
		in := LeadInput{Person: h.Person, Address: h.Destination, Reason: h.Reason,
			Source: epiloop.Source{Kind: epiloop.SourceCity, Ref: "xcity:" + h.PeerCity + ":" + h.MessageID}}
		if err := s.validateLeadInput(&in); err != nil {
			if epiloop.ErrorCode(err) != epiloop.EINVALID || !strings.HasPrefix(epiloop.ErrorField(err), "reason.origin") {
				return err
			}
			in.Reason.Origin = "" // an origin this city does not know is no reason to refuse
		}
		if err := h.Move(epiloop.XCityAccepted); err != nil {
			return err
		}
		in.match = s.route(in.Address)
		leadID, _, err := s.createLeadTx(tx, u, &in, s.priority(ctx, in.Reason), in.match.Community)
		if err != nil {
			return err
		}
		now := s.now()
		h.LeadID, h.UpdatedAt = leadID, now
		if l, err := tx.FindLeadByID(leadID, false); err == nil {
			h.DistrictCode = l.DistrictCode
		}
		if err := tx.UpdateXCityHandover(h); err != nil {
			return err
		}
		if err := s.queueMessage(tx, h, epiloop.XCityAccept, epiloop.XCityBody{Lead: leadID}, now); err != nil {
			return err
		}
		if err := s.xcityEvent(tx, epiloop.EventXCityAccepted, h, u.ID, now, nil); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, xcityObject(h.ID), "accepted")
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	m := h.Masked()
	return &m, nil
}

// RefuseXCity refuses a hand-over from another city, with a reason sent
// back to it.
func (s *Service) RefuseXCity(ctx context.Context, id int64, reason string) (*epiloop.XCityHandover, error) {
	u, err := allowed(ctx, epiloop.ActDecideXCity)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, epiloop.FieldError("reason", "err.xcity_reason_required")
	case len(reason) > epiloop.MaxReasonBytes:
		return nil, epiloop.FieldError("reason", "err.reason_too_long", epiloop.MaxReasonBytes)
	}
	var h *epiloop.XCityHandover
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if h, err = visibleXCity(tx, u, id, true); err != nil {
			return err
		}
		if h.Direction != epiloop.XCityIn {
			return xcityNotFound()
		}
		if err := h.Move(epiloop.XCityRefused); err != nil {
			return err
		}
		now := s.now()
		h.Refusal, h.UpdatedAt = reason, now
		if err := tx.UpdateXCityHandover(h); err != nil {
			return err
		}
		if err := s.queueMessage(tx, h, epiloop.XCityRefuse, epiloop.XCityBody{Refusal: reason}, now); err != nil {
			return err
		}
		if err := s.xcityEvent(tx, epiloop.EventXCityRefused, h, u.ID, now, map[string]any{"reason": reason}); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, xcityObject(h.ID), "refused")
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	m := h.Masked()
	return &m, nil
}

// XCityLetter is a letter of assistance (协查函): what the receiving city
// needs, the identity in full.
type XCityLetter struct {
	Number      string
	To          string // the receiving city's name
	From        string // the sending headquarters
	Contact     string
	Person      epiloop.Person
	Reason      epiloop.Reason
	Destination string
	Lead        int64
	Date        string
}

// LetterOf returns the letter of assistance of an outgoing hand-over:
// one to a city without a peer, or one a peer refused (to send by other
// means). Reading it is audited.
func (s *Service) LetterOf(ctx context.Context, id int64) (*XCityLetter, error) {
	u, err := allowed(ctx, epiloop.ActXCityLetter)
	if err != nil {
		return nil, err
	}
	var h *epiloop.XCityHandover
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		h, err = visibleXCity(tx, u, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	if h.Direction != epiloop.XCityOut || (h.State != epiloop.XCityLetter && h.State != epiloop.XCityRefused) {
		return nil, epiloop.Errorf(epiloop.ECONFLICT, "err.xcity_no_letter")
	}
	if err := s.auditRead(ctx, u, xcityObject(h.ID), "letter of assistance"); err != nil {
		return nil, err
	}
	if name := s.CityName(h.Reason.Origin); name != "" {
		h.Reason.Origin = name
	}
	to := s.CityName(h.PeerCity)
	if to == "" {
		to = h.Destination
	}
	return &XCityLetter{Number: h.LetterNumber(s.XCity.City), To: to, From: s.XCity.HQ, Contact: s.XCity.Contact,
		Person: h.Person, Reason: h.Reason, Destination: h.Destination, Lead: h.LeadID,
		Date: h.CreatedAt.In(epiloop.CivilZone()).Format("2006年1月2日")}, nil
}

// XCityFigures are the hand-over figures of the caller's scope: the
// dashboard tile and the daily report's section.
type XCityFigures struct {
	Counts epiloop.XCityCounts
	// Waiting is the incoming hand-overs waiting for a decision; Pending
	// the outgoing ones not yet answered (queued or sent); Letters those
	// printed for cities without a peer.
	Waiting, Pending, Accepted, Refused, Completed, Letters int
}

// FindXCityFigures counts the hand-overs of the caller's scope.
func (s *Service) FindXCityFigures(ctx context.Context) (*XCityFigures, error) {
	u, err := allowed(ctx, epiloop.ActReadXCity)
	if err != nil {
		return nil, err
	}
	var district *string
	if sc := u.Scope(); !sc.All {
		district = &sc.District
	}
	var c epiloop.XCityCounts
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		c, err = tx.CountXCity(district)
		return err
	})
	if err != nil {
		return nil, err
	}
	return xcityFigures(c), nil
}

// xcityFigures derives the figures from the counts: one definition for
// the tile and the report.
func xcityFigures(c epiloop.XCityCounts) *XCityFigures {
	out, in := epiloop.XCityOut, epiloop.XCityIn
	return &XCityFigures{Counts: c,
		Waiting:   c.Get(in, epiloop.XCityReceived),
		Pending:   c.Get(out, epiloop.XCityPending) + c.Get(out, epiloop.XCitySent),
		Accepted:  c.Get(out, epiloop.XCityAccepted) + c.Get(in, epiloop.XCityAccepted),
		Refused:   c.Get(out, epiloop.XCityRefused) + c.Get(in, epiloop.XCityRefused),
		Completed: c.Get(out, epiloop.XCityCompleted) + c.Get(in, epiloop.XCityCompleted),
		Letters:   c.Get(out, epiloop.XCityLetter),
	}
}

// Peers lists the peer cities.
func (s *Service) Peers(ctx context.Context) ([]epiloop.Peer, error) {
	if u := epiloop.UserFromContext(ctx); u != nil && !u.Can(epiloop.ActReadPeers) {
		return nil, forbidden()
	}
	var ps []epiloop.Peer
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		ps, err = tx.FindPeers()
		return err
	})
	return nonNilList(ps), err
}

// AddPeer adds or replaces a peer city: the operator's command (`epiloop
// peer add`), audited as a key operation.
func (s *Service) AddPeer(ctx context.Context, p epiloop.Peer) (*epiloop.Peer, error) {
	if u := epiloop.UserFromContext(ctx); u != nil {
		return nil, forbidden()
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.City == s.XCity.City {
		return nil, epiloop.FieldError("city", "err.xcity_peer_is_us")
	}
	if p.Name == "" {
		p.Name = s.CityName(p.City)
	}
	p.CreatedAt = s.now()
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := tx.UpsertPeer(&p); err != nil {
			return err
		}
		return s.audit(tx, nil, epiloop.AuditKey, "xcity-peer:"+p.City, "peer added")
	})
	return &p, err
}

// RemovePeer removes a peer city; its hand-overs stay, its queued
// messages wait (and fail) until it is added again.
func (s *Service) RemovePeer(ctx context.Context, city string) error {
	if u := epiloop.UserFromContext(ctx); u != nil {
		return forbidden()
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := tx.DeletePeer(city); err != nil {
			return err
		}
		return s.audit(tx, nil, epiloop.AuditKey, "xcity-peer:"+city, "peer removed")
	})
}

// XCityMetrics are the figures of the daily report's hand-over section,
// in column order: the same definitions as the dashboard's tile
// (xcityFigures).
var XCityMetrics = []string{"xcity_waiting", "xcity_pending", "xcity_letters", "xcity_completed"}

// addXCityCells adds an area's hand-over figures to sum: the city's all,
// a district's its own.
func (s *Service) addXCityCells(ctx context.Context, a reportArea, sum map[string]int64) error {
	var district *string
	if !a.city {
		district = &a.district
	}
	var c epiloop.XCityCounts
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		c, err = tx.CountXCity(district)
		return err
	})
	if err != nil {
		return err
	}
	f := xcityFigures(c)
	for i, n := range []int{f.Waiting, f.Pending, f.Letters, f.Completed} {
		sum[XCityMetrics[i]] = int64(n)
	}
	return nil
}
