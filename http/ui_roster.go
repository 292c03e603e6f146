package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
)

// The 值班表 page: a week of one node's roster, a row per post and a column
// per duty day. A manager of the node (epiloop.MayManageNode) assigns a
// person by typing their account name into the slot's form and takes one
// off with a button; a refusal of the duty rules comes back beside the
// slot, with the name still typed.

func (ui *ui) registerRosterPages() {
	ui.page("GET /roster", epiloop.ActReadCommand, ui.handleRosterPage)
	ui.page("POST /roster/slots/{id}/assign", epiloop.ActManageRoster, ui.handleRosterAssign)
	ui.page("POST /roster/slots/{id}/unassign", epiloop.ActManageRoster, ui.handleRosterUnassign)
}

// rosterDays is how many duty days the page shows: a week.
const rosterDays = 7

// rosterData is the page of one node and week.
type rosterData struct {
	Nodes []epiloop.CommandNode
	Node  *epiloop.CommandNode
	// Week is the first duty day shown, Last the last; Prev and Next
	// begin the weeks either side, Today is today's duty day.
	Week, Last, Prev, Next, Today string
	// DayStart is the hour a duty day begins, as the page words it.
	DayStart  string
	Days      []rosterDay
	Rows      []rosterRow
	CanManage bool
	// People are the names the assign forms suggest.
	People []string
	Form   *rosterForm
}

// rosterDay is a column: a duty day.
type rosterDay struct {
	Date, Label string
	Weekday     int
	Today       bool
}

// rosterRow is a post and its slots, a cell per duty day.
type rosterRow struct {
	Post  epiloop.Post
	Cells [][]rosterSlot
}

// rosterSlot is a slot as a cell shows it: its times on Shenyang's wall
// clock, how many persons it lacks (its gap) and whether it is full.
type rosterSlot struct {
	epiloop.DutySlot
	Day, From, To string
	// NextDay marks a slot that ends on the next calendar day.
	NextDay bool
	Missing int
	Full    bool
}

// rosterForm is the slot form in error, and what was typed into it.
type rosterForm struct {
	SlotID int64
	Name   string
	formErrors
}

// On reports whether the form in error is slot id's.
func (f *rosterForm) On(id int64) bool { return f != nil && f.SlotID == id && f.Error != "" }

func (ui *ui) handleRosterPage(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	switch q.Get("done") {
	case "assign":
		p.Flash = p.T("roster.flash.assigned")
	case "unassign":
		p.Flash = p.T("roster.flash.unassigned")
	}
	week := q.Get("week")
	if week != "" && epiloop.CivilMidnight(week).IsZero() {
		return epiloop.FieldError("week", "err.duty_date")
	}
	return ui.renderRoster(w, r, p, q.Get("node"), week, &rosterForm{}, http.StatusOK)
}

// dutyDay is the duty day t falls in: the civil date of the 08:00 China
// Standard Time that began it.
func dutyDay(t time.Time) string {
	return epiloop.CivilDate(t.Add(-epiloop.ShiftDayHour * time.Hour))
}

// rosterNode picks the node of code or, when code is empty, the
// headquarters (the first node if there is none); nil when code is not a
// node.
func rosterNode(ns []epiloop.CommandNode, code string) *epiloop.CommandNode {
	for i, n := range ns {
		if n.Code == code || code == "" && n.Kind == epiloop.NodeHeadquarters {
			return &ns[i]
		}
	}
	if code == "" && len(ns) > 0 {
		return &ns[0]
	}
	return nil
}

// renderRoster renders node code's week from duty day week (today's when
// empty), with form's error beside its slot.
func (ui *ui) renderRoster(w http.ResponseWriter, r *http.Request, p *page, code, week string, form *rosterForm, status int) error {
	ctx := r.Context()
	ns, err := ui.s.Service.FindCommandNodes(ctx)
	if err != nil {
		return err
	}
	d := &rosterData{Nodes: ns, Node: rosterNode(ns, code), Today: dutyDay(p.Now), Week: week, Form: form,
		DayStart: fmt.Sprintf("%02d:00", epiloop.ShiftDayHour)}
	if code != "" && d.Node == nil {
		return epiloop.Errorf(epiloop.ENOTFOUND, "err.duty_node_not_found")
	}
	if d.Week == "" {
		d.Week = d.Today
	}
	d.Last, d.Prev, d.Next = epiloop.AddDays(d.Week, rosterDays-1), epiloop.AddDays(d.Week, -rosterDays), epiloop.AddDays(d.Week, rosterDays)
	for i := range rosterDays {
		date := epiloop.AddDays(d.Week, i)
		wd := epiloop.CivilMidnight(date).In(shanghai).Weekday()
		d.Days = append(d.Days, rosterDay{Date: date, Label: date[5:], Weekday: int(wd), Today: date == d.Today})
	}
	p.Title, p.Nav, p.Data = "roster.title", "roster", d
	if d.Node == nil {
		return ui.render(w, status, "roster", p)
	}
	if err := ui.fillRoster(ctx, d); err != nil {
		return err
	}
	if d.CanManage = epiloop.MayManageNode(p.User, d.Node); d.CanManage {
		people, err := ui.s.Service.DutyCandidates(ctx)
		if err != nil {
			return err
		}
		for _, u := range people {
			d.People = append(d.People, u.Name)
		}
	}
	return ui.render(w, status, "roster", p)
}

// fillRoster lays the node's slots of the week out by post and duty day.
func (ui *ui) fillRoster(ctx context.Context, d *rosterData) error {
	v, err := ui.s.Service.FindCommandNode(ctx, d.Node.Code)
	if err != nil {
		return err
	}
	rows := map[int64]*rosterRow{}
	for _, post := range v.Posts {
		d.Rows = append(d.Rows, rosterRow{Post: post, Cells: make([][]rosterSlot, rosterDays)})
	}
	for i := range d.Rows {
		rows[d.Rows[i].Post.ID] = &d.Rows[i]
	}
	col := map[string]int{}
	for i, day := range d.Days {
		col[day.Date] = i
	}
	from := epiloop.CivilMidnight(d.Week).Add(epiloop.ShiftDayHour * time.Hour)
	f := epiloop.DutySlotFilter{Node: &d.Node.Code, From: from, To: from.AddDate(0, 0, rosterDays), Limit: 1000}
	for {
		slots, total, err := ui.s.Service.FindDutySlots(ctx, f)
		if err != nil {
			return err
		}
		for _, s := range slots {
			row, ok := rows[s.PostID]
			i, in := col[dutyDay(s.Start)]
			if !ok || !in {
				continue // begun the week before
			}
			row.Cells[i] = append(row.Cells[i], newRosterSlot(s))
		}
		f.Offset += len(slots)
		if len(slots) == 0 || f.Offset >= total {
			return nil
		}
	}
}

func newRosterSlot(s epiloop.DutySlot) rosterSlot {
	rs := rosterSlot{DutySlot: s, Day: dutyDay(s.Start)[5:],
		From: s.Start.In(shanghai).Format("15:04"), To: s.End.In(shanghai).Format("15:04"),
		NextDay: epiloop.CivilDate(s.End) != epiloop.CivilDate(s.Start), Full: len(s.Persons) >= s.Post.MaxStaff}
	if s.Gap() {
		rs.Missing = s.Post.MinStaff - len(s.Persons)
	}
	return rs
}

func (ui *ui) handleRosterAssign(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx, name := r.Context(), r.PostFormValue("name")
	slot, err := func() (*epiloop.DutySlot, error) {
		u, err := ui.s.Service.FindDutyCandidate(ctx, name)
		if err != nil {
			return nil, err
		}
		return ui.s.Service.Assign(ctx, id, u.ID)
	}()
	if err != nil {
		return ui.rosterFail(w, r, p, &rosterForm{SlotID: id, Name: name}, err)
	}
	return rosterDone(w, r, slot, "assign")
}

func (ui *ui) handleRosterUnassign(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	user, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	if err != nil || user <= 0 {
		return ui.rosterFail(w, r, p, &rosterForm{SlotID: id}, epiloop.FieldError("user_id", "err.duty_user_required"))
	}
	slot, err := ui.s.Service.Unassign(r.Context(), id, user)
	if err != nil {
		return ui.rosterFail(w, r, p, &rosterForm{SlotID: id}, err)
	}
	return rosterDone(w, r, slot, "unassign")
}

// rosterFail shows a refusal the manager can act on beside its slot, on
// the week the form came from; anything else is the error page's.
func (ui *ui) rosterFail(w http.ResponseWriter, r *http.Request, p *page, form *rosterForm, err error) error {
	if !userError(err) {
		return err
	}
	form.set(p, err, "")
	week := r.PostFormValue("week")
	if epiloop.CivilMidnight(week).IsZero() {
		week = ""
	}
	return ui.renderRoster(w, r, p, r.PostFormValue("node"), week, form, formStatus(err))
}

// rosterDone returns to the slot's node and the week the form came from,
// at the slot.
func rosterDone(w http.ResponseWriter, r *http.Request, slot *epiloop.DutySlot, done string) error {
	week := r.PostFormValue("week")
	if epiloop.CivilMidnight(week).IsZero() {
		week = dutyDay(slot.Start)
	}
	q := url.Values{"node": {slot.Post.NodeCode}, "week": {week}, "done": {done}}
	redirect(w, r, fmt.Sprintf("/roster?%s#slot-%d", q.Encode(), slot.ID))
	return nil
}
