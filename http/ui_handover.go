package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The 交接班 phone form (the signed-in officer's hand-overs due now, each
// side confirming the figures handed over) and the duty inbox 值班待办
// (what escalated to the signed-in person while on duty).

func (ui *ui) registerHandoverPages() {
	ui.page("GET /duty/handover", epiloop.ActCheckIn, ui.handleHandoverPage)
	ui.page("POST /duty/handover", epiloop.ActCheckIn, ui.handleHandoverPost)
	ui.page("GET /duty/inbox", epiloop.ActReadCommand, ui.handleDutyInboxPage)
	ui.page("POST /duty/inbox/{id}/done", epiloop.ActReadCommand, ui.handleDutyItemDonePage)
}

// handoverCard is one hand-over on the form: the caller's side (their
// report, or the figures now to prefill it), the other side's, and the
// form's error.
type handoverCard struct {
	loop.HandoverView
	Mine, Theirs *epiloop.HandoverReport
	Form         epiloop.HandoverReport
	Anchor       string
	formErrors
}

// FormValue is a figure of the form as typed ("" when missing).
func (c *handoverCard) FormValue(field string) string {
	var v *int
	switch field {
	case "open_conflicts":
		v = c.Form.OpenConflicts
	case "overdue_tasks":
		v = c.Form.OverdueTasks
	case "alerts":
		v = c.Form.Alerts
	}
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

type handoverData struct {
	Cards []*handoverCard
}

// anchorOf names a hand-over's card: its post and boundary.
func anchorOf(post int64, boundary time.Time) string {
	return "h-" + strconv.FormatInt(post, 10) + "-" + strconv.FormatInt(boundary.Unix(), 10)
}

func (ui *ui) handoverData(r *http.Request) (*handoverData, error) {
	hs, err := ui.s.Service.MyHandovers(r.Context())
	if err != nil {
		return nil, err
	}
	d := &handoverData{}
	for _, h := range hs {
		c := &handoverCard{HandoverView: h, Anchor: anchorOf(h.PostID, h.Boundary)}
		c.Mine, c.Theirs = h.Outgoing, h.Incoming
		if h.Party == epiloop.PartyIncoming {
			c.Mine, c.Theirs = h.Incoming, h.Outgoing
		}
		switch {
		case c.Mine != nil:
			c.Form = *c.Mine
		default:
			f := h.Figures
			c.Form = epiloop.HandoverReport{OpenConflicts: &f.OpenConflicts, OverdueTasks: &f.OverdueTasks, Alerts: &f.Alerts}
		}
		d.Cards = append(d.Cards, c)
	}
	return d, nil
}

func (ui *ui) handleHandoverPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.handoverData(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("handover.saved")
	}
	p.Title, p.Nav, p.Data = "handover.title", "duty", d
	return ui.render(w, http.StatusOK, "handover", p)
}

// formCount reads a figure of the form: "" is missing, not zero.
func formCount(r *http.Request, name string) (*int, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, epiloop.FieldError(name, "err.handover_figure_range", epiloop.MaxHandoverCount)
	}
	return &n, nil
}

func (ui *ui) handleHandoverPost(w http.ResponseWriter, r *http.Request, p *page) error {
	post, err := strconv.ParseInt(r.PostFormValue("post"), 10, 64)
	if err != nil || post <= 0 {
		return epiloop.FieldError("post", "err.duty_post_not_found")
	}
	secs, err := strconv.ParseInt(r.PostFormValue("boundary"), 10, 64)
	if err != nil {
		return epiloop.FieldError("boundary", "err.duty_time")
	}
	boundary := time.Unix(secs, 0).UTC()
	rep := epiloop.HandoverReport{Note: strings.TrimSpace(r.PostFormValue("note"))}
	for _, f := range []struct {
		name string
		dst  **int
	}{{"open_conflicts", &rep.OpenConflicts}, {"overdue_tasks", &rep.OverdueTasks}, {"alerts", &rep.Alerts}} {
		if *f.dst, err = formCount(r, f.name); err != nil {
			break
		}
	}
	if err == nil {
		_, err = ui.s.Service.ConfirmHandover(r.Context(), post, boundary, rep)
	}
	if err == nil {
		http.Redirect(w, r, "/duty/handover?saved=1#"+anchorOf(post, boundary), http.StatusSeeOther)
		return nil
	}
	if epiloop.ErrorCode(err) != epiloop.EINVALID && epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		return err
	}
	// The form again, with what was typed and the refusal beside it.
	d, derr := ui.handoverData(r)
	if derr != nil {
		return derr
	}
	for _, c := range d.Cards {
		if c.PostID == post && c.Boundary.Equal(boundary) {
			c.Form = rep
			c.set(p, err, epiloop.ErrorField(err))
		}
	}
	p.Title, p.Nav, p.Data = "handover.title", "duty", d
	return ui.render(w, http.StatusUnprocessableEntity, "handover", p)
}

// dutyInboxData is the signed-in person's inbox and the nodes' names.
type dutyInboxData struct {
	Items []epiloop.DutyItem
	Nodes map[string]string
}

func (ui *ui) handleDutyInboxPage(w http.ResponseWriter, r *http.Request, p *page) error {
	items, err := ui.s.Service.DutyInbox(r.Context(), false)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") != "" {
		p.Flash = p.T("duty_inbox.marked_done")
	}
	ns, err := ui.s.Service.FindCommandNodes(r.Context())
	if err != nil {
		return err
	}
	d := dutyInboxData{Items: items, Nodes: map[string]string{}}
	for _, n := range ns {
		d.Nodes[n.Code] = n.Name
	}
	p.Title, p.Nav, p.Data = "duty_inbox.title", "duty", d
	return ui.render(w, http.StatusOK, "duty_inbox", p)
}

func (ui *ui) handleDutyItemDonePage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ui.s.Service.DoneDutyItem(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/duty/inbox?done="+url.QueryEscape(strconv.FormatInt(id, 10)), http.StatusSeeOther)
	return nil
}
