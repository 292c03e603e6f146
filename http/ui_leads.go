package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
)

func (ui *ui) registerLeadPages() {
	ui.page("GET /leads", epiloop.ActReadLeads, ui.handleLeadList)
	ui.registerSearchPages()
	ui.page("GET /leads/{id}", epiloop.ActReadLeads, ui.handleLeadPage)
	ui.page("POST /leads/{id}/reveal", epiloop.ActReveal, ui.handleLeadReveal)
}

// leadListData is the filterable, paged list of leads.
type leadListData struct {
	Leads     []leadItem
	Total     int
	Page      int
	Pages     int
	Status    string
	Priority  string
	District  string
	Overdue   bool
	Districts []epiloop.District
	Statuses  []epiloop.LeadStatus
	Query     url.Values
	// Search is the person search's query (a POST: never in the URL),
	// SearchError why it was refused.
	Search      string
	SearchError string
}

// leadItem is a lead as a list row or page header shows it.
type leadItem struct {
	*epiloop.Lead
	DistrictName  string
	CommunityName string
}

// PageURL returns the list URL for another page with the same filters.
func (d *leadListData) PageURL(n int) string {
	q := url.Values{}
	for k, v := range d.Query {
		if k != "page" && len(v) > 0 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	q.Set("page", strconv.Itoa(n))
	return "/leads?" + q.Encode()
}

const leadsPerPage = 50

func (ui *ui) handleLeadList(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	clean := r.Clone(r.Context())
	cq := url.Values{}
	for _, k := range []string{"status", "priority", "district", "overdue", "page"} {
		if v := q.Get(k); v != "" {
			cq.Set(k, v)
		}
	}
	cq.Set("per_page", strconv.Itoa(leadsPerPage))
	clean.URL.RawQuery = cq.Encode()
	f, err := leadFilter(clean)
	if err != nil {
		return err
	}
	leads, total, err := ui.s.Service.FindLeads(r.Context(), f)
	if err != nil {
		return err
	}
	d, err := ui.leadListBase(r)
	if err != nil {
		return err
	}
	d.Total, d.Page, d.Pages = total, f.Offset/leadsPerPage+1, (total+leadsPerPage-1)/leadsPerPage
	d.Status, d.Priority, d.District = q.Get("status"), q.Get("priority"), q.Get("district")
	d.Overdue = f.Overdue != nil && *f.Overdue
	for _, l := range leads {
		d.Leads = append(d.Leads, ui.item(l))
	}
	p.Title, p.Nav, p.Data = "leads.title", "leads", d
	return ui.render(w, http.StatusOK, "leads", p)
}

// leadListBase is the lead list page's frame: the filters' choices.
func (ui *ui) leadListBase(r *http.Request) (*leadListData, error) {
	tree, err := ui.tree(r.Context())
	if err != nil {
		return nil, err
	}
	return &leadListData{Districts: tree.Districts, Query: r.URL.Query(),
		Statuses: []epiloop.LeadStatus{epiloop.LeadUnroutable, epiloop.LeadPushed, epiloop.LeadVerifying,
			epiloop.LeadConflict, epiloop.LeadClosed, epiloop.LeadHandedOver}}, nil
}

func (ui *ui) item(l *epiloop.Lead) leadItem {
	it := leadItem{Lead: l}
	if c, ok := ui.s.Service.Community(l.CommunityCode); ok {
		it.CommunityName = c.Name
	}
	if d, ok := ui.s.Service.District(l.DistrictCode); ok {
		it.DistrictName = d.Name
	}
	return it
}

// leadPageData is a lead's page: the person, the two tasks of the current
// round side by side, earlier rounds, the reconcile result, the timeline,
// and the commander's forms.
type leadPageData struct {
	leadItem
	Station   *epiloop.Task
	Committee *epiloop.Task
	Earlier   []*epiloop.Task
	Timeline  []timelineItem
	// CanAdjudicate and CanRoute show the commander's forms.
	CanAdjudicate bool
	CanRoute      bool
	Form          *feedbackForm
	Rev           reveal
	// XCity is the lead's hand-over between cities, with its result.
	XCity *epiloop.XCityHandover
}

// reveal is the full identity shown once, for a stated purpose, in answer
// to the reveal form (never in a URL), or the reason it was refused.
type reveal struct {
	CanReveal bool
	Revealed  *epiloop.Person
	RevealErr string
}

// doReveal runs the reveal form's request, if this is one. status is
// the page's status: the one given, or the refusal's (422 for a missing
// purpose, 403 for a role that may not reveal), as the API answers.
func (ui *ui) doReveal(r *http.Request, p *page, id int64, status int) (reveal, int) {
	var rv reveal
	if r.Method != http.MethodPost {
		return rv, status
	}
	person, err := ui.s.Service.Reveal(r.Context(), id, r.PostFormValue("purpose"))
	switch {
	case err == nil:
		rv.Revealed = &person
		return rv, status
	default:
		rv.RevealErr = p.errText(err)
	}
	return rv, formStatus(err)
}

// timelineItem is one event in words.
type timelineItem struct {
	Event *epiloop.Event
	Text  string
}

func (ui *ui) handleLeadPage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.renderLead(w, r, p, id, nil, http.StatusOK)
}

func (ui *ui) handleLeadReveal(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.renderLead(w, r, p, id, nil, http.StatusOK)
}

// renderLead renders a lead's page; form carries an adjudication being
// corrected.
func (ui *ui) renderLead(w http.ResponseWriter, r *http.Request, p *page, id int64, form *feedbackForm, status int) error {
	v, err := ui.s.Service.FindLeadView(r.Context(), id, true)
	if err != nil {
		return err
	}
	l := v.Lead
	d := &leadPageData{leadItem: ui.item(l), Form: form}
	if strings.HasSuffix(r.URL.Path, "/reveal") {
		d.Rev, status = ui.doReveal(r, p, id, status)
	}
	d.Rev.CanReveal = epiloop.LeadRevealable(p.User, l, p.Now)
	if d.XCity, err = ui.s.Service.XCityOfLead(r.Context(), l); err != nil {
		return err
	}
	for _, t := range l.Tasks {
		switch {
		case t.Round == l.Round && t.Side == epiloop.UnitPoliceStation && d.Station == nil:
			d.Station = t
		case t.Round == l.Round && t.Side == epiloop.UnitCommittee && d.Committee == nil:
			d.Committee = t
		default:
			d.Earlier = append(d.Earlier, t)
		}
	}
	for i := len(v.Timeline) - 1; i >= 0; i-- {
		e := v.Timeline[i]
		d.Timeline = append(d.Timeline, timelineItem{Event: e, Text: ui.eventText(p, l, e)})
	}
	d.CanAdjudicate = l.Status == epiloop.LeadConflict && p.User.Can(epiloop.ActAdjudicate)
	d.CanRoute = l.Status == epiloop.LeadUnroutable && p.User.Can(epiloop.ActRoute)
	if d.Form == nil {
		d.Form = &feedbackForm{}
		if d.CanAdjudicate {
			d.Form.adoptFrom(r.URL.Query().Get("adopt"), d.Station, d.Committee)
		}
	}
	if id := r.URL.Query().Get("decided"); id != "" && r.Method == http.MethodGet {
		p.Flash = p.T("conflicts.decided", id)
	}
	p.Title, p.Nav, p.Live, p.Data, p.LeadID = "lead.title", "leads", true, d, l.ID
	if l.Status == epiloop.LeadConflict {
		p.Nav = "conflicts"
	}
	return ui.render(w, status, "lead", p)
}

// eventText renders an event in words from its kind and data.
func (ui *ui) eventText(p *page, l *epiloop.Lead, e *epiloop.Event) string {
	var data, detail map[string]any
	if len(e.Data) > 0 {
		json.Unmarshal(e.Data, &data)
	}
	if len(e.Detail) > 0 { // the free text, read with the lead
		json.Unmarshal(e.Detail, &detail)
	}
	str := func(k string) string {
		if s, ok := detail[k].(string); ok {
			return s
		}
		s, _ := data[k].(string)
		return s
	}
	tr := func(prefix, v string) string {
		if v == "" {
			return "—"
		}
		if k := prefix + v; p.cat.Has(k) {
			return p.T(k)
		}
		return v
	}
	unit := ""
	for _, t := range l.Tasks {
		if t.ID == e.TaskID && t.Unit != nil {
			unit = t.Unit.Name
		}
	}
	if unit == "" {
		unit = str("unit")
	}
	community := func() string {
		if c, ok := ui.s.Service.Community(str("community")); ok {
			return c.Name
		}
		return str("community")
	}
	kind, known := epiloop.FindEventKind(e.Kind)
	key := kind.Key()
	switch e.Kind {
	case epiloop.EventLeadCreated, epiloop.EventLeadImported, epiloop.EventLeadMerged:
		return p.T(key, tr("source.", str("source")), tr("priority.", str("priority")))
	case epiloop.EventLeadPushed:
		round, _ := data["round"].(float64)
		return p.T(key, community(), int(round))
	case epiloop.EventLeadRouted, epiloop.EventLeadRerouted:
		return p.T(key, community())
	case epiloop.EventLeadUnroutable:
		return p.T(key, tr("unroutable.", str("reason")))
	case epiloop.EventLeadConflict:
		var rs []string
		if xs, ok := data["reasons"].([]any); ok {
			for _, x := range xs {
				s, _ := x.(string)
				rs = append(rs, tr("conflict.", s))
			}
		}
		return p.T(key, strings.Join(rs, p.T("list.sep")))
	case epiloop.EventLeadClosed, epiloop.EventLeadHandedOver:
		return p.T(key, tr("located.", str("located")), tr("measure.", str("measure")), tr("by.", str("by")))
	case epiloop.EventLeadAdjudicated:
		if str("action") == "repush" {
			return p.T("event.lead.adjudicated.repush", str("note"))
		}
		return p.T(key, str("note"))
	case epiloop.EventTaskPushed, epiloop.EventTaskAccepted:
		return p.T(key, unit)
	case epiloop.EventTaskReturned:
		return p.T(key, unit, str("reason"))
	case epiloop.EventTaskSubmitted:
		return p.T(key, unit, tr("located.", str("located")), tr("measure.", str("measure")))
	case epiloop.EventTaskCancelled:
		return p.T(key, unit, tr("cancel.", str("reason")))
	case epiloop.EventTaskEscalated:
		return p.T(key, unit, tr("escalation.", str("level")))
	case epiloop.EventXCityQueued, epiloop.EventXCityDelivered, epiloop.EventXCityReceived, epiloop.EventXCityAccepted,
		epiloop.EventXCityRefused, epiloop.EventXCityResult, epiloop.EventXCityLetter:
		return ui.xcityEventText(p, e, str)
	}
	if known {
		return p.T(key)
	}
	return e.Kind
}
