package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 复工复产服务: the public form (/desk) and tracking page (/desk/track),
// phone-first and without an account; the staff's queue
// (/desk/tickets), a ticket's page with the unit's steps, the hotline
// form and the appointment slots.

func (ui *ui) registerDeskPages() {
	ui.publicPage("GET /desk", ui.handleDeskFormPage)
	ui.publicPage("POST /desk", ui.handleDeskFormPost)
	ui.publicPage("GET /desk/track", ui.handleDeskTrackPage)
	ui.publicPage("POST /desk/track", ui.handleDeskTrackPost)
	ui.page("GET /desk/tickets", epiloop.ActReadDesk, ui.handleDeskQueuePage)
	ui.page("GET /desk/tickets/{id}", epiloop.ActReadDesk, ui.handleDeskTicketPage)
	ui.page("POST /desk/tickets/{id}", epiloop.ActHandleDesk, ui.handleDeskStepPost)
	ui.page("POST /desk/tickets/{id}/reveal", epiloop.ActRevealDesk, ui.handleDeskRevealPost)
	ui.page("GET /desk/hotline", epiloop.ActDeskIntake, ui.handleDeskHotlinePage)
	ui.page("POST /desk/hotline", epiloop.ActDeskIntake, ui.handleDeskHotlinePost)
	ui.page("GET /desk/slots", epiloop.ActManageDesk, ui.handleDeskSlotsPage)
	ui.page("POST /desk/slots", epiloop.ActManageDesk, ui.handleDeskSlotsPost)
}

// deskFormData is the request form (public or hotline), with what was
// typed and the refusals beside their fields.
type deskFormData struct {
	formErrors
	Hotline   bool
	In        epiloop.TicketInput
	Source    string
	Measures  []epiloop.ServiceMeasure
	Districts []epiloop.District
	Slots     []epiloop.DeskSlot
	// Done is the submission's number and code, shown once.
	Done *loop.Submitted
}

func (ui *ui) deskForm(r *http.Request, hotline bool) (*deskFormData, error) {
	d := &deskFormData{Hotline: hotline, Source: string(epiloop.SourceOnline), Districts: ui.s.Service.DeskDistricts()}
	var err error
	if d.Measures, err = ui.s.Service.Measures(r.Context(), true); err != nil {
		return nil, err
	}
	if !hotline {
		if d.Slots, err = ui.s.Service.DeskSlots(r.Context(), false); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// readDeskForm reads the request form's fields.
func readDeskForm(r *http.Request, d *deskFormData) error {
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.desk_bad_form")
	}
	f := r.PostForm
	d.In = epiloop.TicketInput{Measure: f.Get("measure"), District: f.Get("district"), Enterprise: f.Get("enterprise"),
		CreditCode: f.Get("credit_code"), Contact: f.Get("contact"), Phone: f.Get("phone"), Detail: f.Get("detail"),
		Project: f.Get("project")}
	if v := f.Get("source"); v != "" {
		d.Source = v
	}
	if v := f.Get("slot_id"); v != "" && d.Source == string(epiloop.SourceAppointment) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return epiloop.FieldError("slot_id", "err.desk_slot_not_found")
		}
		d.In.SlotID = id
	}
	return nil
}

func (ui *ui) handleDeskFormPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskForm(r, false)
	if err != nil {
		return err
	}
	if m := r.URL.Query().Get("measure"); m != "" {
		d.In.Measure = m
	}
	p.Title, p.Nav, p.Data = "desk.form.title", "desk", d
	return ui.render(w, http.StatusOK, "desk", p)
}

func (ui *ui) handleDeskFormPost(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskForm(r, false)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "desk.form.title", "desk", d
	if err := ui.s.deskSubmitGate(r); err != nil {
		// Refused before reading: what was typed is still in the
		// browser's form, and the message says when to try again.
		readDeskForm(r, d)
		d.set(p, err, "")
		w.Header().Set("Retry-After", strconv.Itoa(int(DeskWindow.Seconds())))
		return ui.render(w, http.StatusTooManyRequests, "desk", p)
	}
	if err := readDeskForm(r, d); err != nil {
		return ui.deskFormRefused(w, p, d, err)
	}
	if d.Done, err = ui.s.Service.SubmitTicket(r.Context(), d.In, epiloop.TicketSource(d.Source)); err != nil {
		return ui.deskFormRefused(w, p, d, err)
	}
	p.Title = "desk.done.title"
	return ui.render(w, http.StatusCreated, "desk_done", p)
}

// deskFormRefused renders the form again with err beside its field.
func (ui *ui) deskFormRefused(w http.ResponseWriter, p *page, d *deskFormData, err error) error {
	code := epiloop.ErrorCode(err)
	if code != epiloop.EINVALID && code != epiloop.ECONFLICT {
		return err
	}
	d.set(p, err, epiloop.ErrorField(err))
	return ui.render(w, http.StatusUnprocessableEntity, "desk", p)
}

// deskTrackData is the tracking page: the form, and the ticket once the
// number and code were right.
type deskTrackData struct {
	formErrors
	Number string
	Code   string
	View   *loop.TrackView
	Flash  string
}

func (ui *ui) handleDeskTrackPage(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Data = "desk.track.title", "desk", &deskTrackData{}
	return ui.render(w, http.StatusOK, "desk_track", p)
}

func (ui *ui) handleDeskTrackPost(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.desk_bad_form")
	}
	f := r.PostForm
	d := &deskTrackData{Number: strings.TrimSpace(f.Get("number")), Code: strings.TrimSpace(f.Get("code"))}
	p.Title, p.Nav, p.Data = "desk.track.title", "desk", d
	action := epiloop.TicketAction(f.Get("action"))
	err := ui.s.deskTrack(r, func() (err error) {
		if action == "" {
			d.View, err = ui.s.Service.Track(r.Context(), d.Number, d.Code)
			return err
		}
		d.View, err = ui.s.Service.EnterpriseStep(r.Context(), d.Number, d.Code, action, f.Get("reason"))
		return err
	})
	switch code := epiloop.ErrorCode(err); {
	case err == nil:
		if action != "" {
			d.Flash = p.T("desk.track.done." + string(action))
		}
		return ui.render(w, http.StatusOK, "desk_track", p)
	case code == epiloop.ENOTFOUND || code == epiloop.ETOOMANY:
		d.Code = "" // typed again, never echoed
		d.set(p, err, "")
		return ui.render(w, ErrorStatus(code), "desk_track", p)
	case code == epiloop.EINVALID || code == epiloop.ECONFLICT:
		// A refused step: the ticket as it stands, the refusal beside
		// the reason.
		d.View, _ = ui.s.Service.Track(r.Context(), d.Number, d.Code)
		d.set(p, err, epiloop.ErrorField(err))
		return ui.render(w, http.StatusUnprocessableEntity, "desk_track", p)
	}
	return err
}

// deskQueueData is the staff's queue.
type deskQueueData struct {
	Items    []epiloop.Ticket
	Total    int
	Figures  *loop.DeskFigures
	Units    []loop.UnitFigures
	Unit     string
	State    string
	Breached bool
	Green    bool
	States   []epiloop.TicketState
	Metrics  []string
}

func (ui *ui) handleDeskQueuePage(w http.ResponseWriter, r *http.Request, p *page) error {
	f, err := ticketFilter(r)
	if err != nil {
		return err
	}
	f.Limit = 200
	d := &deskQueueData{States: epiloop.TicketStates, Metrics: epiloop.DeskMetrics, Breached: f.Breached, Green: f.Green}
	if f.Unit != nil {
		d.Unit = *f.Unit
	}
	if f.State != nil {
		d.State = string(*f.State)
	}
	if d.Items, d.Total, err = ui.s.Service.FindTickets(r.Context(), f); err != nil {
		return err
	}
	if d.Figures, err = ui.s.Service.DeskFigures(r.Context()); err != nil {
		return err
	}
	d.Units = d.Figures.Units
	p.Title, p.Nav, p.Data = "desk.queue.title", "desk_tickets", d
	return ui.render(w, http.StatusOK, "desk_tickets", p)
}

// deskTicketData is a ticket's page: the ticket (masked unless revealed),
// the steps its state allows, and the forms' state.
type deskTicketData struct {
	formErrors
	T       *epiloop.Ticket
	Clocks  []loop.ClockView
	Actions []epiloop.TicketAction
	Handle  bool
	Contact *loop.TicketContact
	Note    string
	Purpose string
}

func (ui *ui) deskTicket(r *http.Request, p *page) (*deskTicketData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	t, err := ui.s.Service.FindTicket(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &deskTicketData{T: t, Clocks: loop.ClockViews(t, p.Now), Handle: epiloop.MayHandleTicket(p.User, t)}
	if d.Handle {
		d.Actions = t.State.Actions()
	}
	return d, nil
}

func (ui *ui) handleDeskTicketPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskTicket(r, p)
	if err != nil {
		return err
	}
	if a := r.URL.Query().Get("done"); a != "" {
		p.Flash = p.T("desk.ticket.flash", p.T("desk.action."+a))
	}
	p.Title, p.Nav, p.Data = "desk.ticket.title", "desk_tickets", d
	return ui.render(w, http.StatusOK, "desk_ticket", p)
}

func (ui *ui) handleDeskStepPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.desk_bad_form")
	}
	a, note := epiloop.TicketAction(r.PostForm.Get("action")), r.PostForm.Get("note")
	if _, err := ui.s.Service.StepTicket(r.Context(), id, a, note); err != nil {
		code := epiloop.ErrorCode(err)
		if code != epiloop.EINVALID && code != epiloop.ECONFLICT {
			return err
		}
		d, derr := ui.deskTicket(r, p)
		if derr != nil {
			return derr
		}
		d.Note = note
		field := epiloop.ErrorField(err)
		if field == "" || field == "action" {
			field = ""
		}
		d.set(p, err, field)
		p.Title, p.Nav, p.Data = "desk.ticket.title", "desk_tickets", d
		return ui.render(w, http.StatusUnprocessableEntity, "desk_ticket", p)
	}
	redirect(w, r, "/desk/tickets/"+strconv.FormatInt(id, 10)+"?done="+url.QueryEscape(string(a)))
	return nil
}

func (ui *ui) handleDeskRevealPost(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskTicket(r, p)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.desk_bad_form")
	}
	d.Purpose = r.PostForm.Get("purpose")
	p.Title, p.Nav, p.Data = "desk.ticket.title", "desk_tickets", d
	c, err := ui.s.Service.RevealTicket(r.Context(), d.T.ID, d.Purpose)
	if err != nil {
		if epiloop.ErrorCode(err) != epiloop.EINVALID {
			return err
		}
		d.set(p, err, epiloop.ErrorField(err))
		return ui.render(w, http.StatusUnprocessableEntity, "desk_ticket", p)
	}
	d.Contact = &c
	return ui.render(w, http.StatusOK, "desk_ticket", p)
}

func (ui *ui) handleDeskHotlinePage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskForm(r, true)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "desk.hotline.title", "desk_hotline", d
	return ui.render(w, http.StatusOK, "desk", p)
}

func (ui *ui) handleDeskHotlinePost(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskForm(r, true)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "desk.hotline.title", "desk_hotline", d
	if err := readDeskForm(r, d); err != nil {
		return ui.deskFormRefused(w, p, d, err)
	}
	if d.Done, err = ui.s.Service.CreateHotlineTicket(r.Context(), d.In); err != nil {
		return ui.deskFormRefused(w, p, d, err)
	}
	p.Title = "desk.done.title"
	return ui.render(w, http.StatusCreated, "desk_done", p)
}

// deskSlotsData is the slots' page: the next week's slots and the form.
type deskSlotsData struct {
	formErrors
	Slots    []epiloop.DeskSlot
	Form     epiloop.DeskSlot
	Measures []epiloop.ServiceMeasure
}

func (ui *ui) deskSlots(r *http.Request) (*deskSlotsData, error) {
	d := &deskSlotsData{Form: epiloop.DeskSlot{Capacity: 10}}
	var err error
	if d.Slots, err = ui.s.Service.DeskSlots(r.Context(), true); err != nil {
		return nil, err
	}
	d.Measures, err = ui.s.Service.Measures(r.Context(), false)
	return d, err
}

func (ui *ui) handleDeskSlotsPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deskSlots(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("desk.slots.saved")
	}
	p.Title, p.Nav, p.Data = "desk.slots.title", "desk_slots", d
	return ui.render(w, http.StatusOK, "desk_slots", p)
}

func (ui *ui) handleDeskSlotsPost(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.desk_bad_form")
	}
	f := r.PostForm
	cap, _ := strconv.Atoi(f.Get("capacity"))
	slot := epiloop.DeskSlot{Date: f.Get("date"), Window: f.Get("window"), Start: f.Get("start"), End: f.Get("end"), Capacity: cap}
	form := slot
	if err := ui.s.Service.SaveDeskSlot(r.Context(), &slot); err != nil {
		if epiloop.ErrorCode(err) != epiloop.EINVALID {
			return err
		}
		d, derr := ui.deskSlots(r)
		if derr != nil {
			return derr
		}
		d.Form = form
		d.set(p, err, epiloop.ErrorField(err))
		p.Title, p.Nav, p.Data = "desk.slots.title", "desk_slots", d
		return ui.render(w, http.StatusUnprocessableEntity, "desk_slots", p)
	}
	redirect(w, r, "/desk/slots?saved=1")
	return nil
}

// DeskFigures are the desk's figures for the dashboard tile (nil for a
// role that reads none).
func (p *page) DeskFigures() *loop.DeskFigures {
	if p.User == nil || !(p.User.Can(epiloop.ActReadDesk) || p.User.Can(epiloop.ActDashboard)) {
		return nil
	}
	f, err := p.ui.s.Service.DeskFigures(epiloop.NewContextWithUser(p.req.Context(), p.User))
	if err != nil {
		return nil
	}
	return f
}
