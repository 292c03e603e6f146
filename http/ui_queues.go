package http

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (ui *ui) registerQueuePages() {
	ui.page("GET /conflicts", epiloop.ActAdjudicate, ui.handleConflicts)
	ui.page("POST /leads/{id}/adjudicate", epiloop.ActAdjudicate, ui.handleAdjudicate)
	ui.page("GET /unroutable", epiloop.ActRoute, ui.handleUnroutable)
	ui.page("GET /unroutable/route", epiloop.ActRoute, ui.handleBulkRoutePage)
	ui.page("POST /unroutable/route", epiloop.ActRoute, ui.handleBulkRoute)
	ui.page("GET /leads/{id}/route", epiloop.ActRoute, ui.handleRoutePage)
	ui.page("POST /leads/{id}/route", epiloop.ActRoute, ui.handleRoute)
}

// queueData is a queue of leads waiting for a commander.
type queueData struct {
	Items []queueItem
	Total int
	// Unroutable holds the unroutable queue's rows.
	Unroutable []unroutableItem
	// Error is a message above the unroutable queue's bulk form.
	Error string
}

// queueItem is a lead in a queue with its current round's two tasks.
type queueItem struct {
	leadItem
	Station   *epiloop.Task
	Committee *epiloop.Task
}

// unroutableItem is a lead of the unroutable queue: why it did not route,
// in words, and the communities a commander routes it to in one click
// (an ambiguous address's candidates, or the one it routes to now).
type unroutableItem struct {
	queueItem
	Why     loop.Unroutable
	WhyText string
	OneTap  []communityChoice
}

const queueLimit = 100

// maxOneTap is how many candidates a queue row offers as buttons; more go
// to the route page.
const maxOneTap = 4

func (ui *ui) queue(r *http.Request, st epiloop.LeadStatus) (*queueData, error) {
	leads, total, err := ui.s.Service.FindLeads(r.Context(), epiloop.LeadFilter{Status: &st, Limit: queueLimit})
	if err != nil {
		return nil, err
	}
	d := &queueData{Total: total}
	for _, l := range leads {
		d.Items = append(d.Items, queueItem{leadItem: ui.item(l), Station: l.LiveTask(epiloop.UnitPoliceStation), Committee: l.LiveTask(epiloop.UnitCommittee)})
	}
	return d, nil
}

// handleConflicts lists the leads in conflict, in the queue's order, each
// with the two feedbacks side by side. It refreshes live.
func (ui *ui) handleConflicts(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.queue(r, epiloop.LeadConflict)
	if err != nil {
		return err
	}
	if id := r.URL.Query().Get("decided"); id != "" {
		p.Flash = p.T("conflicts.all_done", id)
	}
	p.Title, p.Nav, p.Live, p.Data = "conflicts.title", "conflicts", true, d
	if r.Header.Get("HX-Request") == "true" {
		return ui.renderFragment(w, http.StatusOK, "conflicts", "live", p)
	}
	return ui.render(w, http.StatusOK, "conflicts", p)
}

// handleUnroutable lists the unroutable leads, each with why and its
// address, for a commander to route one by one (in one click where the
// gazetteer found candidates) or several at once.
func (ui *ui) handleUnroutable(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	if n := q.Get("routed"); n != "" {
		p.Flash = p.T("unroutable.routed", n)
		if t, _ := strconv.Atoi(q.Get("taught")); t > 0 {
			p.Flash += " " + p.T("unroutable.taught", t)
		}
	}
	return ui.renderUnroutable(w, r, p, "", http.StatusOK)
}

// renderUnroutable renders the unroutable queue, with msg above the bulk
// form.
func (ui *ui) renderUnroutable(w http.ResponseWriter, r *http.Request, p *page, msg string, status int) error {
	d, err := ui.queue(r, epiloop.LeadUnroutable)
	if err != nil {
		return err
	}
	x, err := ui.placeIndex(r.Context())
	if err != nil {
		return err
	}
	d.Error = msg
	for _, it := range d.Items {
		why := ui.s.Service.WhyUnroutable(it.Lead)
		row := unroutableItem{queueItem: it, Why: why, WhyText: x.whyText(p, why)}
		if why.Reason == "ambiguous" || why.Reason == loop.UnroutableMatched {
			row.OneTap = x.choices(why.Candidates[:min(len(why.Candidates), maxOneTap)], why.District)
		}
		d.Unroutable = append(d.Unroutable, row)
	}
	p.Title, p.Nav, p.Live, p.Data = "unroutable.title", "unroutable", true, d
	if r.Header.Get("HX-Request") == "true" && r.Method == http.MethodGet {
		return ui.renderFragment(w, status, "unroutable", "live", p)
	}
	return ui.render(w, status, "unroutable", p)
}

// handleAdjudicate decides a conflict: an outcome (the fields of a
// feedback) closes the lead; "repush" sends it back to both units. Every
// mistake of the outcome is shown at once; a decision goes on to the next
// conflict of the queue.
func (ui *ui) handleAdjudicate(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form, perr := parseFeedbackForm(r)
	form.Adopted = r.PostFormValue("adopted")
	a := loop.Adjudication{Note: form.Note}
	if form.Action == "repush" {
		a.Action = "repush"
	} else {
		if !form.check(p, perr) {
			return ui.renderLead(w, r, p, id, form, http.StatusUnprocessableEntity)
		}
		out := form.F
		out.Note = ""
		a.Outcome = &out
	}
	if _, err = ui.s.Service.Adjudicate(r.Context(), id, a); err != nil {
		if !userError(err) {
			return err
		}
		form.setError(p, err)
		return ui.renderLead(w, r, p, id, form, formStatus(err))
	}
	next, err := ui.nextConflict(r, id)
	if err != nil {
		return err
	}
	redirect(w, r, next)
	return nil
}

// nextConflict is where a commander goes after deciding lead id: the
// conflict that came after it in the queue's order (the queue is by id,
// newest first, and the decided lead has left it), the queue's first when
// it was the last, or the queue when none is left.
func (ui *ui) nextConflict(r *http.Request, id int64) (string, error) {
	st := epiloop.LeadConflict
	leads, _, err := ui.s.Service.FindLeads(r.Context(), epiloop.LeadFilter{Status: &st, Limit: queueLimit, NoTasks: true, NoCount: true})
	if err != nil {
		return "", err
	}
	if len(leads) == 0 {
		return fmt.Sprintf("/conflicts?decided=%d", id), nil
	}
	desc := len(leads) < 2 || leads[0].ID > leads[len(leads)-1].ID
	next := leads[0]
	for _, l := range leads {
		if desc && l.ID < id || !desc && l.ID > id {
			next = l
			break
		}
	}
	return fmt.Sprintf("/leads/%d?decided=%d#adjudicate", next.ID, id), nil
}
