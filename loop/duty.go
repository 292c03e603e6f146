package loop

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
)

// The command structure and its duty roster (epiloop/duty.go): nodes and
// posts, rosters generated from a shift pattern, assignments under the
// duty rules, check-in and who is on duty now.

func nodeNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.duty_node_not_found") }

func nodeObject(code string) string { return "command_node:" + code }

func slotObject(id int64) string { return fmt.Sprintf("duty_slot:%d", id) }

// dutyRules are the configured rules, or the defaults.
func (s *Service) dutyRules() epiloop.DutyRules {
	if s.Duty == (epiloop.DutyRules{}) {
		return epiloop.DefaultDutyRules()
	}
	return s.Duty
}

// SaveCommandNode creates or updates a node: city-wide roster managers any
// node, a district commander their district's sub-command.
func (s *Service) SaveCommandNode(ctx context.Context, n *epiloop.CommandNode) error {
	u, err := allowed(ctx, epiloop.ActManageRoster)
	if err != nil {
		return err
	}
	if err := n.Validate(); err != nil {
		return err
	}
	if n.DistrictCode != "" && s.hasTree() {
		if _, ok := s.District(n.DistrictCode); !ok {
			return epiloop.FieldError("district", "err.unknown_district")
		}
	}
	if !epiloop.MayManageNode(u, n) {
		return forbidden()
	}
	n.UpdatedAt = s.now()
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		old, err := tx.FindCommandNodeByCode(n.Code)
		if err == nil && !epiloop.MayManageNode(u, old) {
			return forbidden()
		} else if err != nil && epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			return err
		}
		if err := checkParent(tx, n); err != nil {
			return err
		}
		if err := tx.UpsertCommandNode(n); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditAdmin, nodeObject(n.Code), "saved")
	})
}

// checkParent refuses a parent that is missing, or that is n itself or
// under n (the structure stays a tree).
func checkParent(tx epiloop.Tx, n *epiloop.CommandNode) error {
	for code, hops := n.ParentCode, 0; code != ""; hops++ {
		if code == n.Code || hops > 100 {
			return epiloop.FieldError("parent", "err.duty_parent_self")
		}
		p, err := tx.FindCommandNodeByCode(code)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("parent", "err.duty_parent_not_found")
		} else if err != nil {
			return err
		}
		code = p.ParentCode
	}
	return nil
}

// CommandNodeView is a node with its posts.
type CommandNodeView struct {
	epiloop.CommandNode
	Posts []epiloop.Post `json:"posts"`
}

// FindCommandNodes returns the whole structure, by code.
func (s *Service) FindCommandNodes(ctx context.Context) ([]epiloop.CommandNode, error) {
	if _, err := allowed(ctx, epiloop.ActReadCommand); err != nil {
		return nil, err
	}
	var out []epiloop.CommandNode
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindCommandNodes()
		return err
	})
	return out, err
}

// FindCommandNode returns a node with its posts.
func (s *Service) FindCommandNode(ctx context.Context, code string) (*CommandNodeView, error) {
	if _, err := allowed(ctx, epiloop.ActReadCommand); err != nil {
		return nil, err
	}
	var out CommandNodeView
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		n, err := tx.FindCommandNodeByCode(code)
		if err != nil {
			return err
		}
		out.CommandNode = *n
		out.Posts, err = tx.FindPosts(code)
		if out.Posts == nil {
			out.Posts = []epiloop.Post{}
		}
		return err
	})
	return &out, err
}

// managedNode loads a node u may manage.
func managedNode(tx epiloop.Tx, u *epiloop.User, code string) (*epiloop.CommandNode, error) {
	n, err := tx.FindCommandNodeByCode(code)
	if err != nil {
		return nil, err
	}
	if !epiloop.MayManageNode(u, n) {
		return nil, forbidden()
	}
	return n, nil
}

// managedPost loads a post of a node u may manage.
func managedPost(tx epiloop.Tx, u *epiloop.User, id int64) (*epiloop.Post, error) {
	p, err := tx.FindPostByID(id)
	if err != nil {
		return nil, err
	}
	if _, err := managedNode(tx, u, p.NodeCode); err != nil {
		return nil, err
	}
	return p, nil
}

// CreatePost adds a post to a node.
func (s *Service) CreatePost(ctx context.Context, p *epiloop.Post) error {
	u, err := allowed(ctx, epiloop.ActManageRoster)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if _, err := managedNode(tx, u, p.NodeCode); err != nil {
			return err
		}
		if p.PlaceCode != "" {
			if _, err := tx.FindUnitByCode(p.PlaceCode); epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
				return epiloop.FieldError("place", "err.duty_place_not_found")
			} else if err != nil {
				return err
			}
		}
		if p.FrontCode != "" {
			front, err := tx.FindCommandNodeByCode(p.FrontCode)
			if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && front.Kind != epiloop.NodeFront {
				return epiloop.FieldError("front", "err.duty_front_not_found")
			} else if err != nil {
				return err
			}
		}
		if err := tx.CreatePost(p); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditAdmin, nodeObject(p.NodeCode), fmt.Sprintf("post %d created", p.ID))
	})
}

// GenerateRoster creates a post's slots for the duty days from..to by
// pattern, keeping the slots it already has; it reports how many it made.
func (s *Service) GenerateRoster(ctx context.Context, postID int64, pattern epiloop.ShiftPattern, from, to string) (int, error) {
	u, err := allowed(ctx, epiloop.ActManageRoster)
	if err != nil {
		return 0, err
	}
	slots, err := pattern.Slots(postID, from, to)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.Store.Update(ctx, func(tx epiloop.Tx) (err error) {
		if _, err := managedPost(tx, u, postID); err != nil {
			return err
		}
		if n, err = tx.CreateDutySlots(slots); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditAdmin, fmt.Sprintf("duty_post:%d", postID),
			fmt.Sprintf("roster %s %s..%s: %d slots", pattern, from, to, n))
	})
	s.dutyTiles.forget()
	return n, err
}

// FindDutySlots returns a page of the slots f selects; gaps with f.Gaps.
func (s *Service) FindDutySlots(ctx context.Context, f epiloop.DutySlotFilter) ([]epiloop.DutySlot, int, error) {
	if _, err := allowed(ctx, epiloop.ActReadCommand); err != nil {
		return nil, 0, err
	}
	var (
		out   []epiloop.DutySlot
		total int
	)
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindDutySlots(f)
		return err
	})
	return out, total, err
}

// Assign puts a person on a slot, under the duty rules: the person's row
// is locked first, so two assignments of one person run one after the
// other and each sees the other's slot.
func (s *Service) Assign(ctx context.Context, slotID, userID int64) (*epiloop.DutySlot, error) {
	return s.changeSlot(ctx, slotID, "assign", func(tx epiloop.Tx, u *epiloop.User, slot *epiloop.DutySlot) error {
		person, err := tx.LockUser(userID)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && person.Disabled {
			return epiloop.FieldError("user_id", "err.duty_person_not_found")
		} else if err != nil {
			return err
		}
		if slot.Holds(userID) {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_already_assigned")
		}
		volunteers, err := tx.CountSlotVolunteers(slotID) // volunteers fill the post beside its staff
		if err != nil {
			return err
		}
		if len(slot.Persons)+volunteers >= slot.Post.MaxStaff {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_slot_full", slot.Post.MaxStaff).WithReason("duty_full")
		}
		rules := s.dutyRules()
		theirs, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{User: &userID,
			From: slot.Start.Add(-rules.Reach()), To: slot.End.Add(rules.Reach()), Limit: 1000})
		if err != nil {
			return err
		}
		if err := rules.Check(*slot, theirs); err != nil {
			return err
		}
		return tx.AddDutyPerson(slotID, userID)
	}, userID)
}

// Unassign takes a person off a slot.
func (s *Service) Unassign(ctx context.Context, slotID, userID int64) (*epiloop.DutySlot, error) {
	return s.changeSlot(ctx, slotID, "unassign", func(tx epiloop.Tx, u *epiloop.User, slot *epiloop.DutySlot) error {
		return tx.RemoveDutyPerson(slotID, userID)
	}, userID)
}

// changeSlot runs fn on a slot of a node u manages, audits it and answers
// the slot as it is after.
func (s *Service) changeSlot(ctx context.Context, slotID int64, what string,
	fn func(tx epiloop.Tx, u *epiloop.User, slot *epiloop.DutySlot) error, userID int64) (*epiloop.DutySlot, error) {
	u, err := allowed(ctx, epiloop.ActManageRoster)
	if err != nil {
		return nil, err
	}
	var out *epiloop.DutySlot
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		slot, err := tx.FindDutySlotByID(slotID, true)
		if err != nil {
			return err
		}
		if _, err := managedNode(tx, u, slot.Post.NodeCode); err != nil {
			return err
		}
		if err := fn(tx, u, slot); err != nil {
			return err
		}
		if err := s.audit(tx, u, epiloop.AuditChange, slotObject(slotID), fmt.Sprintf("%s user %d", what, userID)); err != nil {
			return err
		}
		out, err = tx.FindDutySlotByID(slotID, false)
		return err
	})
	s.dutyTiles.forget()
	return out, err
}

// CheckIn records that the signed-in person took up their slot: from
// CheckInEarly before its start until its end.
func (s *Service) CheckIn(ctx context.Context, slotID int64) (*epiloop.DutySlot, error) {
	return s.check(ctx, slotID, "check-in", func(p *epiloop.DutyPerson, slot *epiloop.DutySlot, now time.Time) error {
		switch {
		case p.CheckedInAt != nil:
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_checked_in")
		case now.Before(slot.Start.Add(-epiloop.CheckInEarly)) || !now.Before(slot.End):
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_check_in_window", int(epiloop.CheckInEarly.Minutes())).WithReason("duty_window")
		}
		p.CheckedInAt = &now
		return nil
	})
}

// CheckOut records that the signed-in person left their slot: after
// checking in, until CheckOutLate after its end.
func (s *Service) CheckOut(ctx context.Context, slotID int64) (*epiloop.DutySlot, error) {
	return s.check(ctx, slotID, "check-out", func(p *epiloop.DutyPerson, slot *epiloop.DutySlot, now time.Time) error {
		switch {
		case p.CheckedInAt == nil:
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_not_checked_in")
		case p.CheckedOutAt != nil:
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_checked_out")
		case now.After(slot.End.Add(epiloop.CheckOutLate)):
			return epiloop.Errorf(epiloop.ECONFLICT, "err.duty_check_out_window", int(epiloop.CheckOutLate.Hours())).WithReason("duty_window")
		}
		p.CheckedOutAt = &now
		return nil
	})
}

func (s *Service) check(ctx context.Context, slotID int64, what string,
	fn func(p *epiloop.DutyPerson, slot *epiloop.DutySlot, now time.Time) error) (*epiloop.DutySlot, error) {
	u, err := allowed(ctx, epiloop.ActCheckIn)
	if err != nil {
		return nil, err
	}
	var out *epiloop.DutySlot
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		slot, err := tx.FindDutySlotByID(slotID, true)
		if err != nil {
			return err
		}
		i := -1
		for j, p := range slot.Persons {
			if p.UserID == u.ID {
				i = j
			}
		}
		if i < 0 {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.duty_not_your_slot")
		}
		p := slot.Persons[i]
		if err := fn(&p, slot, s.now()); err != nil {
			return err
		}
		if err := tx.SetDutyCheck(slotID, p); err != nil {
			return err
		}
		slot.Persons[i] = p
		out = slot
		return s.audit(tx, u, epiloop.AuditChange, slotObject(slotID), what)
	})
	return out, err
}

// OnDutyNow answers who holds each post of a node now.
func (s *Service) OnDutyNow(ctx context.Context, node string) ([]epiloop.PostOnDuty, error) {
	if _, err := allowed(ctx, epiloop.ActReadCommand); err != nil {
		return nil, err
	}
	now := s.now()
	var out []epiloop.PostOnDuty
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		if _, err := tx.FindCommandNodeByCode(node); err != nil {
			return err
		}
		posts, err := tx.FindPosts(node)
		if err != nil {
			return err
		}
		slots, _, err := tx.FindDutySlots(epiloop.DutySlotFilter{Node: &node, From: now, To: now.Add(time.Millisecond), Limit: 1000})
		if err != nil {
			return err
		}
		out = onDuty(posts, slots, now)
		return nil
	})
	return out, err
}

// onDuty sorts the persons of the slots in force into each post's: on
// duty, or absent (check-in overdue); those who checked out are neither.
func onDuty(posts []epiloop.Post, slots []epiloop.DutySlot, now time.Time) []epiloop.PostOnDuty {
	out := make([]epiloop.PostOnDuty, len(posts))
	for i, p := range posts {
		out[i] = epiloop.PostOnDuty{Post: p, OnDuty: []epiloop.DutyPerson{}, Absent: []epiloop.DutyPerson{}}
		for j := range slots {
			sl := &slots[j]
			if sl.PostID != p.ID {
				continue
			}
			out[i].Slot = sl
			for _, person := range sl.Persons {
				switch {
				case sl.OnDuty(person, now):
					out[i].OnDuty = append(out[i].OnDuty, person)
				case person.CheckedOutAt != nil:
					// Off duty: they came and left.
				default:
					out[i].Absent = append(out[i].Absent, person)
				}
			}
		}
	}
	return out
}
