package loop

import (
	"context"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
)

// The service desk's clocks past due and unconfirmed solutions
// (epiloop/desk.go), and the green channel's leader on duty: each reaches
// whoever holds the headquarters' post at that moment.

// leaderOnDuty is who holds the headquarters' leader-on-duty post now
// (the green channel's first handler), else whoever holds its duty post;
// 0 when no one does.
func leaderOnDuty(tx epiloop.Tx, now time.Time) (user, post int64, node string, err error) {
	n, err := dutyNode(tx, "", true)
	if err != nil || n == nil {
		return 0, 0, "", err
	}
	posts, err := tx.FindPosts(n.Code)
	if err != nil {
		return 0, 0, "", err
	}
	slots, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Node: &n.Code, From: now, To: now.Add(time.Millisecond), Limit: 1000})
	if err != nil {
		return 0, 0, "", err
	}
	for _, b := range onDuty(posts, slots, now) {
		if b.Post.Kind == epiloop.PostLeaderOnDuty && len(b.OnDuty) > 0 {
			return b.OnDuty[0].UserID, b.Post.ID, n.Code, nil
		}
	}
	user, post, err = dutyHolder(tx, n.Code, now)
	return user, post, n.Code, err
}

// DeskEscalation is what one pass of EscalateDesk did.
type DeskEscalation struct {
	Breached    int `json:"breached"`
	Unconfirmed int `json:"unconfirmed"`
}

// EscalateDesk records every running clock past due as breached, once,
// with an event and an item in the inbox of whoever is on duty at the
// headquarters now (a green-channel ticket's, the leader on duty); and
// closes as unconfirmed every solved ticket the enterprise has not
// confirmed within the window. Run from the server's escalation loop and
// `epiloop escalate`; safe to run again or on several replicas.
func (s *Service) EscalateDesk(ctx context.Context) (DeskEscalation, error) {
	var r DeskEscalation
	now := s.now()
	var due []epiloop.DueClock
	var solved []int64
	before := now.Add(-s.confirmWindow())
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		var err error
		if due, err = tx.FindDueClocks(now, 1000); err != nil {
			return err
		}
		ts, _, err := tx.FindTickets(epiloop.TicketFilter{SolvedBefore: &before, Limit: 1000})
		for _, t := range ts {
			solved = append(solved, t.ID)
		}
		return err
	})
	for _, d := range due {
		if err != nil {
			break
		}
		var ok bool
		err = s.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
			ok, err = s.breachClock(tx, d, now)
			return err
		})
		if ok {
			r.Breached++
		}
	}
	for _, id := range solved {
		if err != nil {
			break
		}
		err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
			t, err := tx.FindTicketByID(id, true)
			if err != nil || !t.UnconfirmedDue(s.confirmWindow(), now) {
				return err
			}
			r.Unconfirmed++
			return s.step(tx, nil, t, epiloop.TicketExpire, "", now)
		})
	}
	if r.Breached+r.Unconfirmed > 0 {
		s.deskTiles.forget()
		s.notify()
	}
	return r, err
}

// breachClock records one clock breached and routes it to the person on
// duty; false when it no longer needs it (met, paused, already recorded).
func (s *Service) breachClock(tx epiloop.Tx, d epiloop.DueClock, now time.Time) (bool, error) {
	t, err := tx.FindTicketByID(d.TicketID, true)
	if err != nil {
		return false, err
	}
	c := t.Clock(d.Kind)
	if !t.State.Open() || !c.Breach(now) {
		return false, nil
	}
	c.BreachedAt = &now
	if err := tx.SaveTicket(t); err != nil {
		return false, err
	}
	var user, post int64
	var node string
	if t.Green {
		user, post, node, err = leaderOnDuty(tx, now)
	} else if n, nerr := dutyNode(tx, "", true); nerr != nil || n == nil {
		err = nerr
	} else {
		node = n.Code
		user, post, err = dutyHolder(tx, n.Code, now)
	}
	if err != nil {
		return false, err
	}
	data := map[string]any{"clock": d.Kind, "due": c.Due}
	if user != 0 {
		data["duty_user"] = user
		if err := tx.CreateDutyItem(&epiloop.DutyItem{UserID: user, Kind: epiloop.DutyItemDeskBreached, NodeCode: node,
			PostID: post, Level: string(d.Kind), Ref: epiloop.DutyRef(epiloop.RefTicket, strconv.FormatInt(t.ID, 10)), CreatedAt: now}); err != nil {
			return false, err
		}
	}
	return true, tx.CreateEvent(ticketEvent(epiloop.EventTicketBreached, t, 0, now, data))
}
