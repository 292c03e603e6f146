package http

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

func (ui *ui) registerInboxPages() {
	ui.page("GET /inbox", epiloop.ActFeedback, ui.handleInbox)
	ui.page("GET /inbox/leads/{id}", epiloop.ActFeedback, ui.handleInboxLead)
	ui.page("POST /inbox/leads/{id}/accept", epiloop.ActFeedback, ui.handleInboxAccept)
	ui.page("POST /inbox/leads/{id}/feedback", epiloop.ActFeedback, ui.handleInboxFeedback)
	ui.page("POST /inbox/leads/{id}/return", epiloop.ActFeedback, ui.handleInboxReturn)
	ui.page("POST /inbox/leads/{id}/reveal", epiloop.ActFeedback, ui.handleInboxLead)
}

// inboxData is a field unit's open tasks, by deadline, and what it
// reported lately.
type inboxData struct {
	Open  []inboxCard
	Done  []inboxCard
	Total int
}

// inboxCard is one task as a card on a phone.
type inboxCard struct {
	Task *epiloop.Task
	Lead leadItem
	Left countdown
}

// countdown is the time left to a deadline, in words the page shows and
// the script keeps current.
type countdown struct {
	Deadline time.Time
	Overdue  bool
	Minutes  int
}

func newCountdown(deadline, now time.Time) countdown {
	if deadline.IsZero() {
		return countdown{}
	}
	m := int(deadline.Sub(now).Minutes())
	c := countdown{Deadline: deadline, Minutes: m}
	if deadline.Before(now) {
		c.Overdue, c.Minutes = true, int(now.Sub(deadline).Minutes())
	}
	return c
}

// Text renders the countdown ("还剩 1 小时 20 分" / "已超时 5 分").
func (c countdown) Text(p *page) string {
	if c.Deadline.IsZero() {
		return ""
	}
	d := fmtDuration(p, c.Minutes)
	if c.Overdue {
		return p.T("countdown.over", d)
	}
	return p.T("countdown.left", d)
}

func fmtDuration(p *page, minutes int) string {
	if minutes >= 60 {
		return p.T("duration.hm", minutes/60, minutes%60)
	}
	return p.T("duration.m", minutes)
}

const inboxLimit = 100

func (ui *ui) handleInbox(w http.ResponseWriter, r *http.Request, p *page) error {
	ctx := r.Context()
	open, total, err := ui.s.Service.FindTasks(ctx, epiloop.TaskFilter{Open: true, Limit: inboxLimit})
	if err != nil {
		return err
	}
	st := epiloop.TaskSubmitted
	done, _, err := ui.s.Service.FindTasks(ctx, epiloop.TaskFilter{Status: &st, Limit: 10})
	if err != nil {
		return err
	}
	now := ui.s.Service.Clock.Now()
	d := &inboxData{Total: total}
	for _, t := range open {
		d.Open = append(d.Open, inboxCard{Task: t.Task, Lead: ui.item(t.Lead), Left: newCountdown(t.Deadline(), now)})
	}
	sortCards(d.Open)
	for _, t := range done {
		d.Done = append(d.Done, inboxCard{Task: t.Task, Lead: ui.item(t.Lead)})
	}
	if r.URL.Query().Get("done") != "" {
		p.Flash = p.T("inbox.done")
	}
	p.Title, p.Nav, p.Live, p.Data = "inbox.title", "inbox", true, d
	if r.Header.Get("HX-Request") == "true" {
		return ui.renderFragment(w, http.StatusOK, "inbox", "live", p)
	}
	return ui.render(w, http.StatusOK, "inbox", p)
}

// sortCards puts the open cards in an order that accepting a task does not
// change: by the feedback deadline, fixed when the task was pushed, then
// by task. The current deadline (the acceptance deadline until accepted)
// would move a card under the thumb that just accepted it; the countdown
// on each card still shows the current one.
func sortCards(cards []inboxCard) {
	slices.SortStableFunc(cards, func(a, b inboxCard) int {
		if c := a.Task.FeedbackBy.Compare(b.Task.FeedbackBy); c != 0 {
			return c
		}
		return cmp.Compare(a.Task.ID, b.Task.ID)
	})
}

// taskPageData is one lead as a field unit works on it.
type taskPageData struct {
	Lead leadItem
	Task *epiloop.Task
	Left countdown
	Form *feedbackForm
	Rev  reveal
}

// myTask finds the caller's unit's task of the lead's current round.
func myTask(u *epiloop.User, l *epiloop.Lead) *epiloop.Task {
	for _, t := range l.LiveTasks() {
		if t.UnitCode == u.UnitCode {
			return t
		}
	}
	return nil
}

func (ui *ui) handleInboxLead(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.renderTask(w, r, p, id, nil, http.StatusOK)
}

func (ui *ui) renderTask(w http.ResponseWriter, r *http.Request, p *page, id int64, form *feedbackForm, status int) error {
	v, err := ui.s.Service.FindLeadView(r.Context(), id, false)
	if err != nil {
		return err
	}
	d := &taskPageData{Lead: ui.item(v.Lead), Task: myTask(p.User, v.Lead), Form: form}
	if strings.HasSuffix(r.URL.Path, "/reveal") {
		d.Rev, status = ui.doReveal(r, p, id, status)
	}
	d.Rev.CanReveal = epiloop.LeadRevealable(p.User, v.Lead, p.Now)
	if d.Task != nil {
		d.Left = newCountdown(d.Task.Deadline(), ui.s.Service.Clock.Now())
	}
	if d.Form == nil {
		d.Form = &feedbackForm{}
	}
	p.Title, p.Nav, p.Data = "task.title", "inbox", d
	return ui.render(w, status, "task", p)
}

// taskOf loads the lead and returns the caller's live task of it.
func (ui *ui) taskOf(r *http.Request, p *page) (int64, *epiloop.Task, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	l, err := ui.s.Service.FindLead(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	t := myTask(p.User, l)
	if t == nil {
		return id, nil, epiloop.Errorf(epiloop.ECONFLICT, "err.your_unit_has_no_open")
	}
	return id, t, nil
}

// handleInboxAccept accepts with one tap. From the inbox the card stays
// where it was: with the script (htmx) the answer is the card, swapped in
// place; a plain form goes back to the inbox at the card (its order does
// not change on acceptance, sortCards). From the task page it goes back
// there.
func (ui *ui) handleInboxAccept(w http.ResponseWriter, r *http.Request, p *page) error {
	id, t, err := ui.taskOf(r, p)
	if err == nil {
		t, err = ui.s.Service.AcceptTask(r.Context(), t.ID)
	}
	if err != nil {
		if !userError(err) || id == 0 {
			return err
		}
		form := &feedbackForm{}
		form.setError(p, err)
		return ui.renderTask(w, r, p, id, form, formStatus(err))
	}
	if r.Header.Get("HX-Request") == "true" && r.PostFormValue("from") == "inbox" {
		l, err := ui.s.Service.FindLead(r.Context(), id)
		if err != nil {
			return err
		}
		p.Data = inboxCard{Task: t, Lead: ui.item(l), Left: newCountdown(t.Deadline(), ui.s.Service.Clock.Now())}
		return ui.renderFragment(w, http.StatusOK, "inbox", "card-fragment", p)
	}
	if r.PostFormValue("from") == "inbox" {
		redirect(w, r, fmt.Sprintf("/inbox#task-%d", t.ID))
		return nil
	}
	redirect(w, r, fmt.Sprintf("/inbox/leads/%d", id))
	return nil
}

func (ui *ui) handleInboxFeedback(w http.ResponseWriter, r *http.Request, p *page) error {
	id, t, err := ui.taskOf(r, p)
	form := &feedbackForm{}
	if err == nil {
		var perr error
		form, perr = parseFeedbackForm(r)
		if !form.check(p, perr) {
			return ui.renderTask(w, r, p, id, form, http.StatusUnprocessableEntity)
		}
		_, err = ui.s.Service.SubmitFeedback(r.Context(), t.ID, form.F)
	}
	if err == nil {
		redirect(w, r, "/inbox?done="+r.PathValue("id"))
		return nil
	}
	if !userError(err) || id == 0 {
		return err
	}
	form.setError(p, err)
	return ui.renderTask(w, r, p, id, form, formStatus(err))
}

func (ui *ui) handleInboxReturn(w http.ResponseWriter, r *http.Request, p *page) error {
	id, t, err := ui.taskOf(r, p)
	if err == nil {
		_, err = ui.s.Service.ReturnTask(r.Context(), t.ID, r.PostFormValue("reason"))
	}
	if err == nil {
		redirect(w, r, "/inbox")
		return nil
	}
	if !userError(err) || id == 0 {
		return err
	}
	form := &feedbackForm{Reason: r.PostFormValue("reason")}
	form.setError(p, err)
	return ui.renderTask(w, r, p, id, form, formStatus(err))
}
