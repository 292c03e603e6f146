package loop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// The enterprise resumption service desk (epiloop/desk.go): the
// catalogue, tickets from the public form, appointments and the hotline,
// the handling unit's steps, the enterprise's confirmation on the public
// tracking page, the clocks' breaches escalated to whoever is on duty,
// and tickets left unconfirmed closed as such.

func ticketNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.desk_ticket_not_found") }

// trackRefused is the one answer to a wrong number or a wrong code: it
// does not tell which.
func trackRefused() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.desk_track_wrong") }

func ticketObject(id int64) string { return fmt.Sprintf("desk_ticket:%d", id) }

// confirmWindow is how long a solved ticket waits for the enterprise.
func (s *Service) confirmWindow() time.Duration {
	if s.DeskConfirmWindow > 0 {
		return s.DeskConfirmWindow
	}
	return epiloop.DefaultDeskConfirmDays * 24 * time.Hour
}

// ticketEvent is a ticket's change: ids and codes only, seen by the
// city-wide readers and the handling unit.
func ticketEvent(kind string, t *epiloop.Ticket, actor int64, now time.Time, data map[string]any) *epiloop.Event {
	if data == nil {
		data = map[string]any{}
	}
	data["ticket"], data["state"], data["green"] = t.ID, t.State, t.Green
	e := epiloop.NewEvent(kind, nil, now, actor, data)
	e.District = t.DistrictCode
	e.AddUnit(t.UnitCode)
	return e
}

// SaveMeasure creates or replaces a measure of the catalogue by code.
func (s *Service) SaveMeasure(ctx context.Context, m *epiloop.ServiceMeasure) error {
	u, err := allowed(ctx, epiloop.ActManageDesk)
	if err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		unit, err := tx.FindUnitByCode(m.UnitCode)
		if err != nil || unit.Kind != epiloop.UnitDepartment {
			return epiloop.FieldError("unit", "err.desk_unit_unknown")
		}
		m.UnitName, m.UpdatedAt = unit.Name, s.now()
		if err := tx.SaveMeasure(m); err != nil {
			return err
		}
		if err := tx.CreateEvent(epiloop.NewEvent(epiloop.EventMeasureSaved, nil, m.UpdatedAt, u.ID,
			map[string]any{"measure": m.Code, "unit": m.UnitCode})); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, "desk_measure:"+m.Code, string(m.Mode))
	})
	return err
}

// Measures returns the catalogue (active measures only with active): the
// public form's picker reads it, so it needs no account.
func (s *Service) Measures(ctx context.Context, active bool) ([]epiloop.ServiceMeasure, error) {
	var out []epiloop.ServiceMeasure
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindMeasures(active)
		return err
	})
	return nonNilList(out), err
}

// Submitted is what the enterprise is told once: the tracking number
// and the confirmation code (never stored in clear, never shown again).
type Submitted struct {
	Number string `json:"number"`
	Code   string `json:"code"`
	// Ticket is the ticket as its submitter may see it: no one's personal
	// data but what they typed.
	Ticket *epiloop.Ticket `json:"-"`
}

// codeAlphabet is the confirmation code's: no 0/O, 1/I/L to misread.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// ConfirmCodeLen is the length of a confirmation code.
const ConfirmCodeLen = 8

func randomString(alphabet string, n int) string {
	var b strings.Builder
	max := big.NewInt(int64(len(alphabet)))
	for range n {
		i, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b.WriteByte(alphabet[i.Int64()])
	}
	return b.String()
}

// codeHash is the stored form of a ticket's confirmation code, bound to
// its number.
func codeHash(number, code string) []byte {
	h := sha256.Sum256([]byte(number + "\x00" + strings.ToUpper(strings.TrimSpace(code))))
	return h[:]
}

// SubmitTicket takes a ticket from the public form (SourceOnline) or an
// appointment (SourceAppointment, booking in.SlotID): no account needed.
func (s *Service) SubmitTicket(ctx context.Context, in epiloop.TicketInput, src epiloop.TicketSource) (*Submitted, error) {
	if src != epiloop.SourceOnline && src != epiloop.SourceAppointment {
		return nil, epiloop.FieldError("source", "err.desk_source")
	}
	return s.createTicket(ctx, epiloop.UserFromContext(ctx), in, src)
}

// CreateHotlineTicket is a ticket typed in by a hotline operator; the
// enterprise is told its number and code on the telephone.
func (s *Service) CreateHotlineTicket(ctx context.Context, in epiloop.TicketInput) (*Submitted, error) {
	u, err := allowed(ctx, epiloop.ActDeskIntake)
	if err != nil {
		return nil, err
	}
	in.SlotID = 0
	return s.createTicket(ctx, u, in, epiloop.SourceHotlineDesk)
}

func (s *Service) createTicket(ctx context.Context, u *epiloop.User, in epiloop.TicketInput, src epiloop.TicketSource) (*Submitted, error) {
	if err := in.Normalize(); err != nil {
		return nil, err
	}
	if _, ok := s.District(in.District); !ok && s.hasTree() {
		return nil, epiloop.FieldError("district", "err.unknown_district")
	}
	if src == epiloop.SourceAppointment && in.SlotID == 0 {
		return nil, epiloop.FieldError("slot_id", "err.desk_slot_required")
	}
	out := &Submitted{Code: randomString(codeAlphabet, ConfirmCodeLen)}
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		now := s.now()
		m, err := tx.FindMeasureByCode(in.Measure)
		if err != nil || !m.Active {
			return epiloop.FieldError("measure", "err.desk_measure_not_found")
		}
		if !m.Mode.Serves(src) {
			return epiloop.FieldError("measure", "err.desk_measure_mode", epiloop.M("desk.mode."+string(m.Mode)))
		}
		if src == epiloop.SourceAppointment {
			slot, err := tx.FindDeskSlotByID(in.SlotID)
			if err != nil || slot.Date < epiloop.CivilDate(now) {
				return epiloop.FieldError("slot_id", "err.desk_slot_not_found")
			}
			if err := tx.BookDeskSlot(slot.ID); err != nil {
				return err
			}
		}
		t := epiloop.NewTicket(m, in, src, now)
		for range 5 {
			t.Number = "FW" + strings.ReplaceAll(epiloop.CivilDate(now), "-", "") + randomString("0123456789", 6)
			if _, err := tx.FindTicketByNumber(t.Number); epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
				break
			} else if err != nil {
				return err
			}
		}
		t.CodeHash = codeHash(t.Number, out.Code)
		if u != nil {
			t.CreatedBy = u.ID
		}
		var leader int64
		var node string
		var post int64
		if t.Green {
			if leader, post, node, err = leaderOnDuty(tx, now); err != nil {
				return err
			}
			t.LeaderUserID = leader
		}
		if err := tx.CreateTicket(t); err != nil {
			return err
		}
		if leader != 0 {
			if err := tx.CreateDutyItem(&epiloop.DutyItem{UserID: leader, Kind: epiloop.DutyItemDeskGreen, NodeCode: node,
				PostID: post, Ref: epiloop.DutyRef(epiloop.RefTicket, strconv.FormatInt(t.ID, 10)), CreatedAt: now}); err != nil {
				return err
			}
		}
		data := map[string]any{"source": src, "measure": m.Code, "unit": m.UnitCode}
		if leader != 0 {
			data["duty_user"] = leader
		}
		if err := tx.CreateEvent(ticketEvent(epiloop.EventTicketCreated, t, t.CreatedBy, now, data)); err != nil {
			return err
		}
		out.Number, out.Ticket = t.Number, t
		return s.audit(tx, u, epiloop.AuditChange, ticketObject(t.ID), "created "+string(src))
	})
	s.deskTiles.forget()
	if err != nil {
		return nil, err
	}
	s.notify()
	return out, nil
}

// visibleTicket loads a ticket when u may see it; any other reads as
// missing.
func visibleTicket(tx epiloop.Tx, u *epiloop.User, id int64, lock bool) (*epiloop.Ticket, error) {
	t, err := tx.FindTicketByID(id, lock)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && !epiloop.TicketVisible(u, t) {
		return nil, ticketNotFound()
	}
	return t, err
}

// FindTickets returns the caller's queue, masked: city-wide for the desk
// and commanders, a department's own unit's.
func (s *Service) FindTickets(ctx context.Context, f epiloop.TicketFilter) ([]epiloop.Ticket, int, error) {
	u, err := allowed(ctx, epiloop.ActReadDesk)
	if err != nil {
		return nil, 0, err
	}
	if sc := u.Scope(); !sc.All {
		f.Unit = &sc.Unit
	}
	var out []epiloop.Ticket
	var total int
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindTickets(f)
		return err
	})
	for i := range out {
		out[i] = out[i].Masked()
	}
	return nonNilList(out), total, err
}

// FindTicket returns one ticket of the caller's queue, masked, with its
// steps.
func (s *Service) FindTicket(ctx context.Context, id int64) (*epiloop.Ticket, error) {
	u, err := allowed(ctx, epiloop.ActReadDesk)
	if err != nil {
		return nil, err
	}
	var out epiloop.Ticket
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		t, err := visibleTicket(tx, u, id, false)
		if err == nil {
			out = t.Masked()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// TicketContact is a ticket's contact in full.
type TicketContact struct {
	Contact string `json:"contact"`
	Phone   string `json:"phone"`
}

// RevealTicket returns a ticket's contact in full for a stated purpose,
// audited like a lead's reveal.
func (s *Service) RevealTicket(ctx context.Context, id int64, purpose string) (TicketContact, error) {
	u, err := allowed(ctx, epiloop.ActRevealDesk)
	if err != nil {
		return TicketContact{}, err
	}
	if purpose, err = checkPurpose(purpose); err != nil {
		return TicketContact{}, err
	}
	var c TicketContact
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		t, err := visibleTicket(tx, u, id, false)
		if err != nil {
			return err
		}
		c = TicketContact{Contact: t.Contact, Phone: t.Phone}
		e := epiloop.NewAuditEntry(u, epiloop.AuditReveal, ticketObject(id), s.now())
		e.Purpose = purpose
		return tx.AppendAudit(e)
	})
	return c, err
}

// ticketSLA is the SLA a ticket runs on, from its measure.
func ticketSLA(tx epiloop.Tx, t *epiloop.Ticket) (epiloop.DeskSLA, error) {
	m, err := tx.FindMeasureByID(t.MeasureID)
	if err != nil {
		return epiloop.DeskSLA{}, err
	}
	return epiloop.TicketSLA(m, t.Green), nil
}

// step applies one action to a locked ticket and writes it with its
// step row, event and audit line.
func (s *Service) step(tx epiloop.Tx, u *epiloop.User, t *epiloop.Ticket, a epiloop.TicketAction, note string, now time.Time) error {
	sla, err := ticketSLA(tx, t)
	if err != nil {
		return err
	}
	var uid int64
	if u != nil {
		uid = u.ID
	}
	if err := t.Apply(a, sla, uid, now); err != nil {
		return err
	}
	if err := tx.SaveTicket(t); err != nil {
		return err
	}
	st := &epiloop.TicketStep{Action: a, UserID: uid, At: now, Note: note}
	if err := tx.AddTicketStep(t.ID, st); err != nil {
		return err
	}
	t.Steps = append(t.Steps, *st)
	kind := epiloop.EventTicketStep
	if !t.State.Open() {
		kind = epiloop.EventTicketClosed
	}
	if err := tx.CreateEvent(ticketEvent(kind, t, uid, now, map[string]any{"action": a})); err != nil {
		return err
	}
	return s.audit(tx, u, epiloop.AuditChange, ticketObject(t.ID), string(a))
}

// StepTicket takes one of the handling unit's steps (respond, update,
// wait, resume, solve) on a ticket, with an optional note (sealed).
func (s *Service) StepTicket(ctx context.Context, id int64, a epiloop.TicketAction, note string) (*epiloop.Ticket, error) {
	u, err := allowed(ctx, epiloop.ActHandleDesk)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	switch {
	case !containsAction(epiloop.StaffActions, a):
		return nil, epiloop.FieldError("action", "err.desk_action")
	case len([]rune(note)) > epiloop.MaxDeskNote:
		return nil, epiloop.FieldError("note", "err.desk_note", epiloop.MaxDeskNote)
	}
	var out epiloop.Ticket
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		t, err := visibleTicket(tx, u, id, true)
		if err != nil {
			return err
		}
		if !epiloop.MayHandleTicket(u, t) {
			return epiloop.Errorf(epiloop.EFORBIDDEN, "err.desk_not_yours")
		}
		if err := s.step(tx, u, t, a, note, s.now()); err != nil {
			return err
		}
		out = t.Masked()
		return nil
	})
	s.deskTiles.forget()
	if err != nil {
		return nil, err
	}
	s.notify()
	return &out, nil
}

func containsAction(as []epiloop.TicketAction, a epiloop.TicketAction) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// ClockView is a clock as the tracking page shows it.
type ClockView struct {
	Kind   epiloop.ClockKind   `json:"kind"`
	Status epiloop.ClockStatus `json:"status"`
	Due    *time.Time          `json:"due,omitempty"`
	MetAt  *time.Time          `json:"met_at,omitempty"`
}

// TrackView is a ticket as its enterprise reads it on the public tracking
// page: status, measure, unit, dates and the clocks, without personal
// data (no contact, no phone, no detail; the credit code masked).
type TrackView struct {
	Number     string               `json:"number"`
	State      epiloop.TicketState  `json:"state"`
	Source     epiloop.TicketSource `json:"source"`
	Measure    string               `json:"measure"`
	Unit       string               `json:"unit"`
	Enterprise string               `json:"enterprise"`
	CreditCode string               `json:"credit_code"`
	Green      bool                 `json:"green"`
	CreatedAt  time.Time            `json:"created_at"`
	SolvedAt   *time.Time           `json:"solved_at,omitempty"`
	ClosedAt   *time.Time           `json:"closed_at,omitempty"`
	// ConfirmBy is when an unconfirmed solution closes as unconfirmed.
	ConfirmBy *time.Time  `json:"confirm_by,omitempty"`
	Clocks    []ClockView `json:"clocks"`
	Steps     []TrackStep `json:"steps"`
}

// ClockViews are a ticket's clocks as the pages show them at now.
func ClockViews(t *epiloop.Ticket, now time.Time) []ClockView {
	out := []ClockView{}
	for _, c := range t.Clocks {
		cv := ClockView{Kind: c.Kind, Status: c.Status(now), MetAt: c.MetAt}
		if !c.Due.IsZero() {
			due := c.Due
			cv.Due = &due
		}
		out = append(out, cv)
	}
	return out
}

// TrackStep is a step as the enterprise sees it: what and when.
type TrackStep struct {
	Action epiloop.TicketAction `json:"action"`
	At     time.Time            `json:"at"`
}

func (s *Service) trackView(t *epiloop.Ticket, now time.Time) *TrackView {
	v := &TrackView{Number: t.Number, State: t.State, Source: t.Source, Measure: t.MeasureName, Unit: t.UnitName,
		Enterprise: t.Enterprise, CreditCode: epiloop.MaskCreditCode(t.CreditCode), Green: t.Green,
		CreatedAt: t.CreatedAt, SolvedAt: t.SolvedAt, ClosedAt: t.ClosedAt, Clocks: []ClockView{}, Steps: []TrackStep{}}
	if t.State == epiloop.TicketSolved && t.SolvedAt != nil {
		by := t.SolvedAt.Add(s.confirmWindow())
		v.ConfirmBy = &by
	}
	v.Clocks = ClockViews(t, now)
	for _, st := range t.Steps {
		v.Steps = append(v.Steps, TrackStep{Action: st.Action, At: st.At})
	}
	return v
}

// trackedTicket loads a ticket by number when code is its confirmation
// code; a wrong number and a wrong code are refused alike.
func trackedTicket(tx epiloop.Tx, number, code string, lock bool) (*epiloop.Ticket, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	t, err := tx.FindTicketByNumber(number)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		codeHash(number, code) // the same work as a found number's
		return nil, trackRefused()
	} else if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(t.CodeHash, codeHash(number, code)) != 1 {
		return nil, trackRefused()
	}
	if lock {
		return tx.FindTicketByID(t.ID, true)
	}
	return t, nil
}

// Track returns the public view of a ticket given its number and code.
func (s *Service) Track(ctx context.Context, number, code string) (*TrackView, error) {
	var v *TrackView
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		t, err := trackedTicket(tx, number, code, false)
		if err == nil {
			v = s.trackView(t, s.now())
		}
		return err
	})
	return v, err
}

// EnterpriseStep is the enterprise's word on the tracking page, with its
// number and code: confirm a solution, reopen it with a reason, or
// answer the desk's question (resume).
func (s *Service) EnterpriseStep(ctx context.Context, number, code string, a epiloop.TicketAction, reason string) (*TrackView, error) {
	reason = strings.TrimSpace(reason)
	switch a {
	case epiloop.TicketConfirm:
	case epiloop.TicketReopen, epiloop.TicketResume:
		if n := len([]rune(reason)); n < 2 || n > epiloop.MaxDeskNote {
			return nil, epiloop.FieldError("reason", "err.desk_reason", 2, epiloop.MaxDeskNote)
		}
	default:
		return nil, epiloop.FieldError("action", "err.desk_action")
	}
	var v *TrackView
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		t, err := trackedTicket(tx, number, code, true)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.step(tx, nil, t, a, reason, now); err != nil {
			return err
		}
		v = s.trackView(t, now)
		return nil
	})
	s.deskTiles.forget()
	if err != nil {
		return nil, err
	}
	s.notify()
	return v, nil
}

// SaveDeskSlot creates an appointment slot, or changes the capacity of
// the slot of that date, window and start.
func (s *Service) SaveDeskSlot(ctx context.Context, d *epiloop.DeskSlot) error {
	u, err := allowed(ctx, epiloop.ActManageDesk)
	if err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := tx.SaveDeskSlot(d); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, fmt.Sprintf("desk_slot:%d", d.ID), d.Date+" "+d.Window+" "+d.Start)
	})
}

// DeskSlotDays is how far ahead the public form offers slots.
const DeskSlotDays = 7

// DeskSlots returns the slots from today for DeskSlotDays (the public
// form's, so no account is needed); with all, the past week's too.
func (s *Service) DeskSlots(ctx context.Context, all bool) ([]epiloop.DeskSlot, error) {
	today := epiloop.CivilDate(s.now())
	from := today
	if all {
		from = epiloop.AddDays(today, -DeskSlotDays)
	}
	var out []epiloop.DeskSlot
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = tx.FindDeskSlots(from, epiloop.AddDays(today, DeskSlotDays))
		return err
	})
	return nonNilList(out), err
}
