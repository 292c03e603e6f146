package loop

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

// Shift hand-overs (epiloop/handover.go) and the duty inbox: escalations
// and overdue hand-overs reach whoever holds the node's duty post at that
// moment.

// HandoverFigures are the figures of a node's scope at a moment: what the
// outgoing officer hands over.
type HandoverFigures struct {
	OpenConflicts int `json:"open_conflicts"`
	OverdueTasks  int `json:"overdue_tasks"`
	Alerts        int `json:"alerts"`
}

// HandoverView is a hand-over as one of its parties sees it: their side,
// and the figures of the node's scope now (the form's prefill).
type HandoverView struct {
	epiloop.Handover
	Party   string          `json:"party"`
	Figures HandoverFigures `json:"figures"`
}

// dutyNode returns the node that answers for a target: the headquarters
// for hq, else the sub-command of the district (nil when there is none).
func dutyNode(tx epiloop.Tx, district string, hq bool) (*epiloop.CommandNode, error) {
	ns, err := tx.FindCommandNodes()
	if err != nil {
		return nil, err
	}
	for i, n := range ns {
		if hq && n.Kind == epiloop.NodeHeadquarters ||
			!hq && n.Kind == epiloop.NodeSubCommand && district != "" && n.DistrictCode == district {
			return &ns[i], nil
		}
	}
	return nil, nil
}

// dutyHolder returns who holds the node's duty post at now: the first
// person on duty in the first post of epiloop.PreferredDutyPosts that has
// one (0 when no one is on duty).
func dutyHolder(tx epiloop.Tx, node string, now time.Time) (userID, postID int64, err error) {
	posts, err := tx.FindPosts(node)
	if err != nil {
		return 0, 0, err
	}
	slots, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Node: &node, From: now, To: now.Add(time.Millisecond), Limit: 1000})
	if err != nil {
		return 0, 0, err
	}
	boards := onDuty(posts, slots, now)
	for _, kind := range epiloop.PreferredDutyPosts {
		for _, b := range boards {
			if b.Post.Kind == kind && len(b.OnDuty) > 0 {
				return b.OnDuty[0].UserID, b.Post.ID, nil
			}
		}
	}
	return 0, 0, nil
}

// routeEscalation puts an escalation to the district or headquarters in
// the inbox of whoever holds that node's duty post now, in the
// escalation's transaction; it returns the person (0: no node, or no one
// on duty).
func routeEscalation(tx epiloop.Tx, t *epiloop.Task, district string, level int, now time.Time) (int64, error) {
	if level < epiloop.EscalateDistrict {
		return 0, nil
	}
	node, err := dutyNode(tx, district, level >= epiloop.EscalateHeadquarters)
	if err != nil || node == nil {
		return 0, err
	}
	user, post, err := dutyHolder(tx, node.Code, now)
	if err != nil || user == 0 {
		return 0, err
	}
	return user, tx.CreateDutyItem(&epiloop.DutyItem{UserID: user, Kind: epiloop.DutyItemEscalation,
		NodeCode: node.Code, PostID: post, LeadID: t.LeadID, TaskID: t.ID,
		Level: epiloop.EscalationLevelName(level), CreatedAt: now})
}

// DutyInbox returns the signed-in person's duty inbox, newest first (open
// items only with open).
func (s *Service) DutyInbox(ctx context.Context, open bool) ([]epiloop.DutyItem, error) {
	u, err := allowed(ctx, epiloop.ActReadCommand)
	if err != nil {
		return nil, err
	}
	var out []epiloop.DutyItem
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindDutyItems(u.ID, open, 200)
		return err
	})
	if out == nil {
		out = []epiloop.DutyItem{}
	}
	return out, err
}

// DoneDutyItem marks an item of the signed-in person's inbox done.
func (s *Service) DoneDutyItem(ctx context.Context, id int64) error {
	u, err := allowed(ctx, epiloop.ActReadCommand)
	if err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := tx.MarkDutyItemDone(id, u.ID, s.now()); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, fmt.Sprintf("duty_item:%d", id), "done")
	})
}

// nodeFigures are the figures of a node's scope: its district's for a
// sub-command by district, the city's otherwise.
func nodeFigures(tx epiloop.Tx, node *epiloop.CommandNode) (HandoverFigures, error) {
	scope := epiloop.Scope{All: true}
	if node.DistrictCode != "" {
		scope = epiloop.Scope{District: node.DistrictCode}
	}
	c, err := tx.FindCounters(epiloop.CounterScope(scope))
	if err != nil {
		return HandoverFigures{}, err
	}
	obs, err := tx.FindStatCounters(epiloop.ObservationScope(scope))
	if err != nil {
		return HandoverFigures{}, err
	}
	return HandoverFigures{OpenConflicts: int(c[epiloop.MetricConflict]), OverdueTasks: int(c[epiloop.MetricOverdue]),
		Alerts: int(obs[epiloop.MetricObsAlerts])}, nil
}

// boundarySlots returns a post's slots ending and starting at boundary
// (either may be nil).
func boundarySlots(tx epiloop.Tx, postID int64, boundary time.Time) (out, in *epiloop.DutySlot, err error) {
	slots, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Post: &postID,
		From: boundary.Add(-time.Millisecond), To: boundary.Add(time.Millisecond), Limit: 10})
	if err != nil {
		return nil, nil, err
	}
	for i := range slots {
		switch {
		case slots[i].End.Equal(boundary):
			out = &slots[i]
		case slots[i].Start.Equal(boundary):
			in = &slots[i]
		}
	}
	return out, in, nil
}

// handoverAt returns the hand-over of a post at a boundary: the stored
// one, or a new one (ID 0) between the slots that meet there. There is
// none where no one held the outgoing slot.
func handoverAt(tx epiloop.Tx, postID int64, boundary time.Time, lock bool) (*epiloop.Handover, *epiloop.DutySlot, *epiloop.DutySlot, error) {
	out, in, err := boundarySlots(tx, postID, boundary)
	if err != nil {
		return nil, nil, nil, err
	}
	if out == nil || len(out.Persons) == 0 {
		return nil, nil, nil, epiloop.Errorf(epiloop.ENOTFOUND, "err.handover_not_found")
	}
	h, err := tx.FindHandover(postID, boundary, lock)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		h, err = &epiloop.Handover{PostID: postID, NodeCode: out.Post.NodeCode, Boundary: boundary, OutSlotID: out.ID,
			State: epiloop.AgreementWaiting, Post: out.Post}, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if in != nil {
		h.InSlotID = in.ID
	}
	return h, out, in, nil
}

// partyOf returns which side of a hand-over u is on: outgoing when they
// held the outgoing slot and have not confirmed yet (or hold only it),
// incoming when they hold the incoming one.
func partyOf(h *epiloop.Handover, out, in *epiloop.DutySlot, u int64) string {
	isOut, isIn := out != nil && out.Holds(u), in != nil && in.Holds(u)
	switch {
	case isOut && (!isIn || h.Outgoing == nil || h.Outgoing.UserID == u && h.Incoming != nil):
		return epiloop.PartyOutgoing
	case isIn:
		return epiloop.PartyIncoming
	}
	return ""
}

// MyHandovers returns the hand-overs the signed-in person is a party to
// now: at the end and the start of their slots within
// epiloop.HandoverWindow before and epiloop.HandoverLate after now, with the
// figures of each node's scope.
func (s *Service) MyHandovers(ctx context.Context) ([]HandoverView, error) {
	u, err := allowed(ctx, epiloop.ActCheckIn)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []HandoverView
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		mine, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{User: &u.ID,
			From: now.Add(-epiloop.HandoverLate - 24*time.Hour), To: now.Add(epiloop.HandoverWindow + 24*time.Hour), Limit: 100})
		if err != nil {
			return err
		}
		type key struct {
			post int64
			at   int64
		}
		seen := map[key]bool{}
		figures := map[string]HandoverFigures{}
		for _, sl := range mine {
			for _, b := range []time.Time{sl.Start, sl.End} {
				k := key{sl.PostID, b.UnixMilli()}
				if seen[k] || b.After(now.Add(epiloop.HandoverWindow)) || now.After(b.Add(epiloop.HandoverLate)) {
					continue
				}
				seen[k] = true
				h, o, i, err := handoverAt(tx, sl.PostID, b, false)
				if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
					continue
				} else if err != nil {
					return err
				}
				party := partyOf(h, o, i, u.ID)
				if party == "" || h.ClosedAt != nil && now.After(h.Boundary.Add(epiloop.HandoverGrace)) {
					continue
				}
				f, ok := figures[h.NodeCode]
				if !ok {
					node, err := tx.FindCommandNodeByCode(h.NodeCode)
					if err != nil {
						return err
					}
					if f, err = nodeFigures(tx, node); err != nil {
						return err
					}
					figures[h.NodeCode] = f
				}
				out = append(out, HandoverView{Handover: *h, Party: party, Figures: f})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b HandoverView) int { return a.Boundary.Compare(b.Boundary) })
	return out, err
}

// ConfirmHandover records the signed-in person's side of the hand-over
// of a post at a boundary: they must hold the outgoing or the incoming
// slot; the hand-over closes when both sides confirmed the same figures.
// A party may correct their side until it closes.
func (s *Service) ConfirmHandover(ctx context.Context, postID int64, boundary time.Time, r epiloop.HandoverReport) (*epiloop.Handover, error) {
	u, err := allowed(ctx, epiloop.ActCheckIn)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Before(boundary.Add(-epiloop.HandoverWindow)) || now.After(boundary.Add(epiloop.HandoverLate)) {
		return nil, epiloop.Errorf(epiloop.ECONFLICT, "err.handover_window",
			int(epiloop.HandoverWindow.Hours()), int(epiloop.HandoverLate.Hours())).WithReason("handover_window")
	}
	var h *epiloop.Handover
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		var out, in *epiloop.DutySlot
		var err error
		if h, out, in, err = handoverAt(tx, postID, boundary, true); err != nil {
			return err
		}
		if h.ClosedAt != nil {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.handover_closed")
		}
		party := partyOf(h, out, in, u.ID)
		if err := epiloop.HandoverAgreement.Check(party, &r); err != nil {
			return err
		}
		r.UserID, r.At = u.ID, now
		if party == epiloop.PartyOutgoing {
			h.Outgoing = &r
		} else {
			h.Incoming = &r
		}
		h.Decide(now)
		if err := tx.SaveHandover(h); err != nil {
			return err
		}
		node, err := tx.FindCommandNodeByCode(h.NodeCode)
		if err != nil {
			return err
		}
		kind := epiloop.EventHandoverConfirmed
		if h.State == epiloop.AgreementAgreed {
			kind = epiloop.EventHandoverClosed
		}
		if err := tx.CreateEvent(handoverEvent(kind, h, node, u.ID, now, party)); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, handoverObject(h.ID), party+" confirmed: "+string(h.State))
	})
	s.dutyTiles.forget()
	return h, err
}

func handoverObject(id int64) string { return fmt.Sprintf("duty_handover:%d", id) }

// handoverEvent is the event of a hand-over's step; its data are codes
// and ids only (the note stays with the hand-over, sealed).
func handoverEvent(kind string, h *epiloop.Handover, node *epiloop.CommandNode, actor int64, now time.Time, party string) *epiloop.Event {
	data := map[string]any{"node": h.NodeCode, "post": h.PostID, "handover": h.ID,
		"boundary": h.Boundary.UTC().Format(time.RFC3339), "state": h.State}
	if party != "" {
		data["party"] = party
	}
	if h.EscalatedTo != 0 {
		data["duty_user"] = h.EscalatedTo
	}
	e := epiloop.NewEvent(kind, nil, now, actor, data)
	e.District = node.DistrictCode
	return e
}

// FindHandovers returns the hand-overs of a node whose boundary is in
// from..to, for readers of the command structure.
func (s *Service) FindHandovers(ctx context.Context, f epiloop.HandoverFilter) ([]epiloop.Handover, error) {
	if _, err := allowed(ctx, epiloop.ActReadCommand); err != nil {
		return nil, err
	}
	var out []epiloop.Handover
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindHandovers(f)
		return err
	})
	if out == nil {
		out = []epiloop.Handover{}
	}
	return out, err
}

// EscalateHandovers escalates every hand-over not closed
// epiloop.HandoverGrace after its boundary (within the last epiloop.HandoverLate):
// the boundaries of slots whose outgoing officers were on the roster. Each
// goes once to the node's leader (their account), or else to whoever holds
// the node's duty post, as an item of their inbox and an event (which the
// notifier turns into a notice). The slots are read in a read transaction
// and each hand-over escalates in a write transaction of its own, so the
// sweep never holds the writer for the whole roster. It reports how many
// escalated.
func (s *Service) EscalateHandovers(ctx context.Context) (int, error) {
	now := s.now()
	from, to := now.Add(-epiloop.HandoverLate), now.Add(-epiloop.HandoverGrace)
	type due struct {
		post     int64
		boundary time.Time
	}
	var dues []due
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		// Hand-overs that closed or escalated already need nothing.
		done := map[due]bool{}
		for offset := 0; ; offset += 1000 {
			hs, err := tx.FindHandovers(epiloop.HandoverFilter{From: from, To: to.Add(time.Millisecond), Offset: offset, Limit: 1000})
			if err != nil {
				return err
			}
			for _, h := range hs {
				if h.ClosedAt != nil || h.EscalatedAt != nil {
					done[due{h.PostID, h.Boundary}] = true
				}
			}
			if len(hs) < 1000 {
				break
			}
		}
		for offset := 0; ; offset += 1000 {
			slots, total, err := tx.FindDutySlots(epiloop.DutySlotFilter{From: from, To: to, Offset: offset, Limit: 1000})
			if err != nil {
				return err
			}
			for _, sl := range slots {
				if !sl.End.Before(from) && !sl.End.After(to) && len(sl.Persons) > 0 && !done[due{sl.PostID, sl.End}] {
					dues = append(dues, due{sl.PostID, sl.End})
				}
			}
			if offset+len(slots) >= total || len(slots) == 0 {
				return nil
			}
		}
	})
	n := 0
	for _, d := range dues {
		if err != nil {
			break
		}
		var ok bool
		err = s.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
			ok, err = s.escalateHandover(tx, d.post, d.boundary, now)
			return err
		})
		if ok && err == nil {
			n++
		}
	}
	if n > 0 {
		s.dutyTiles.forget()
	}
	return n, err
}

// escalateHandover escalates one overdue hand-over unless it closed or
// escalated already.
func (s *Service) escalateHandover(tx epiloop.Tx, postID int64, boundary, now time.Time) (bool, error) {
	h, _, _, err := handoverAt(tx, postID, boundary, true)
	if err != nil {
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return false, nil
		}
		return false, err
	}
	if h.ClosedAt != nil || h.EscalatedAt != nil || !epiloop.HandoverAgreement.Overdue(h.Boundary, now) {
		return false, nil
	}
	node, err := tx.FindCommandNodeByCode(h.NodeCode)
	if err != nil {
		return false, err
	}
	to, post := node.LeaderUserID, int64(0)
	if to == 0 {
		if to, post, err = dutyHolder(tx, node.Code, now); err != nil {
			return false, err
		}
	}
	h.EscalatedAt, h.EscalatedTo = &now, to
	if err := tx.SaveHandover(h); err != nil {
		return false, err
	}
	if to != 0 {
		if err := tx.CreateDutyItem(&epiloop.DutyItem{UserID: to, Kind: epiloop.DutyItemHandoverOverdue,
			NodeCode: node.Code, PostID: post, HandoverID: h.ID, CreatedAt: now}); err != nil {
			return false, err
		}
	}
	return true, tx.CreateEvent(handoverEvent(epiloop.EventHandoverOverdue, h, node, 0, now, ""))
}

// OnDutyFor answers who holds the duty post of a notice target now (the
// headquarters for epiloop.TargetHQ, else the district's sub-command) and
// that post's duty telephone; 0 and "" when no one does. It is the
// notifier's roster (a system call: no caller to check).
func (s *Service) OnDutyFor(ctx context.Context, target string) (userID int64, phone string, err error) {
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		node, err := dutyNode(tx, target, target == epiloop.TargetHQ)
		if err != nil || node == nil {
			return err
		}
		var post int64
		if userID, post, err = dutyHolder(tx, node.Code, s.now()); err != nil || post == 0 {
			return err
		}
		p, err := tx.FindPostByID(post)
		if err == nil {
			phone = p.Phone
		}
		return err
	})
	return userID, phone, err
}

// DutyGapDays is how far ahead the dashboard counts coverage gaps.
const DutyGapDays = 7

// DutyFigures are the command view's duty figures for the caller's
// jurisdiction (the city's nodes, or a district's sub-command): slots
// below their minimum from now for DutyGapDays, hand-overs escalated and
// still open in the last epiloop.HandoverLate, and the caller's open inbox.
type DutyFigures struct {
	Gaps             int `json:"gaps"`
	HandoversOverdue int `json:"handovers_overdue"`
	MyInbox          int `json:"my_inbox"`
}

// DutyTilesTTL is how long a jurisdiction's gaps and late hand-overs are
// kept for the dashboard (a live dashboard redraws on every change; the
// roster changes far less often). A roster change on this replica forgets
// them at once; another replica's shows within the TTL.
const DutyTilesTTL = 30 * time.Second

// dutyTiles keeps each jurisdiction's duty figures for DutyTilesTTL.
type dutyTiles struct {
	mu sync.Mutex
	by map[string]cachedTiles
}

type cachedTiles struct {
	at time.Time
	f  DutyFigures
}

// forget drops every kept figure (a roster or hand-over change).
func (c *dutyTiles) forget() {
	c.mu.Lock()
	c.by = nil
	c.mu.Unlock()
}

// DutyFigures returns the duty figures of the caller's jurisdiction.
func (s *Service) DutyFigures(ctx context.Context) (DutyFigures, error) {
	u, err := allowed(ctx, epiloop.ActReadCommand)
	if err != nil {
		return DutyFigures{}, err
	}
	now := s.now()
	sc := u.Scope()
	key := epiloop.CounterScope(sc)
	s.dutyTiles.mu.Lock()
	c, ok := s.dutyTiles.by[key]
	s.dutyTiles.mu.Unlock()
	out := c.f
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		if !ok || now.Sub(c.at) > DutyTilesTTL || now.Before(c.at) {
			var err error
			if out, err = jurisdictionDuty(tx, sc, now); err != nil {
				return err
			}
			s.dutyTiles.mu.Lock()
			if s.dutyTiles.by == nil {
				s.dutyTiles.by = map[string]cachedTiles{}
			}
			s.dutyTiles.by[key] = cachedTiles{now, out}
			s.dutyTiles.mu.Unlock()
		}
		items, err := tx.FindDutyItems(u.ID, true, 1000)
		out.MyInbox = len(items)
		return err
	})
	return out, err
}

// jurisdictionDuty counts the gaps and late hand-overs of a scope's nodes.
func jurisdictionDuty(tx epiloop.Tx, sc epiloop.Scope, now time.Time) (DutyFigures, error) {
	var out DutyFigures
	var nodes []*string
	switch {
	case sc.All:
		nodes = []*string{nil}
	case sc.District != "":
		n, err := dutyNode(tx, sc.District, false)
		if err != nil {
			return out, err
		}
		if n != nil {
			nodes = []*string{&n.Code}
		}
	}
	for _, node := range nodes {
		_, gaps, err := tx.FindDutySlots(epiloop.DutySlotFilter{Node: node, Gaps: true, From: now,
			To: now.AddDate(0, 0, DutyGapDays), Limit: 1})
		if err != nil {
			return out, err
		}
		out.Gaps += gaps
		for offset := 0; ; offset += 1000 {
			hs, err := tx.FindHandovers(epiloop.HandoverFilter{Node: node, Open: true, From: now.Add(-epiloop.HandoverLate),
				Offset: offset, Limit: 1000})
			if err != nil {
				return out, err
			}
			for _, h := range hs {
				if h.EscalatedAt != nil {
					out.HandoversOverdue++
				}
			}
			if len(hs) < 1000 {
				break
			}
		}
	}
	return out, nil
}
