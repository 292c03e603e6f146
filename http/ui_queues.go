package http

import (
	"net/http"
	"sort"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (ui *ui) registerQueuePages() {
	ui.page("GET /conflicts", epiloop.ActAdjudicate, ui.handleConflicts)
	ui.page("POST /leads/{id}/adjudicate", epiloop.ActAdjudicate, ui.handleAdjudicate)
	ui.page("GET /unroutable", epiloop.ActRoute, ui.handleUnroutable)
	ui.page("GET /leads/{id}/route", epiloop.ActRoute, ui.handleRoutePage)
	ui.page("POST /leads/{id}/route", epiloop.ActRoute, ui.handleRoute)
}

// queueData is a queue of leads waiting for a commander.
type queueData struct {
	Items []queueItem
	Total int
}

// queueItem is a lead in a queue with its current round's two tasks.
type queueItem struct {
	leadItem
	Station   *epiloop.Task
	Committee *epiloop.Task
}

const queueLimit = 100

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

// handleConflicts lists the leads in conflict, oldest first, each with the
// two feedbacks side by side. It refreshes live.
func (ui *ui) handleConflicts(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.queue(r, epiloop.LeadConflict)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Live, p.Data = "conflicts.title", "conflicts", true, d
	if r.Header.Get("HX-Request") == "true" {
		return ui.renderFragment(w, http.StatusOK, "conflicts", "live", p)
	}
	return ui.render(w, http.StatusOK, "conflicts", p)
}

func (ui *ui) handleUnroutable(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.queue(r, epiloop.LeadUnroutable)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Live, p.Data = "unroutable.title", "unroutable", true, d
	if r.Header.Get("HX-Request") == "true" {
		return ui.renderFragment(w, http.StatusOK, "unroutable", "live", p)
	}
	return ui.render(w, http.StatusOK, "unroutable", p)
}

// handleAdjudicate decides a conflict: an outcome (the fields of a
// feedback) closes the lead; "repush" sends it back to both units.
func (ui *ui) handleAdjudicate(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form, err := parseFeedbackForm(r)
	if err == nil {
		a := loop.Adjudication{Note: form.Note}
		if form.Action == "repush" {
			a.Action = "repush"
		} else {
			out := form.F
			out.Note = ""
			a.Outcome = &out
		}
		_, err = ui.s.Service.Adjudicate(r.Context(), id, a)
	}
	if err == nil {
		redirect(w, r, "/leads/"+r.PathValue("id"))
		return nil
	}
	if !userError(err) {
		return err
	}
	form.setError(p, err)
	return ui.renderLead(w, r, p, id, form, formStatus(err))
}

// routeData is the community picker of an unroutable lead: a search over
// the names, or a walk down district → street → community.
type routeData struct {
	leadItem
	Query      string
	District   *epiloop.District
	Street     *epiloop.Street
	Districts  []epiloop.District
	Streets    []epiloop.Street
	Choices    []communityChoice
	More       bool
	Error      string
	Selected   string
	Searching  bool
	ResultNote string
}

// communityChoice is a community with the names of its street and
// district.
type communityChoice struct {
	epiloop.Community
	StreetName   string
	DistrictName string
}

const maxChoices = 60

func (ui *ui) handleRoutePage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.renderRoute(w, r, p, id, "", http.StatusOK)
}

func (ui *ui) renderRoute(w http.ResponseWriter, r *http.Request, p *page, id int64, msg string, status int) error {
	l, err := ui.s.Service.FindLead(r.Context(), id)
	if err != nil {
		return err
	}
	tree, err := ui.tree(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := &routeData{leadItem: ui.item(l), Query: strings.TrimSpace(q.Get("q")), Error: msg, Selected: r.PostFormValue("community")}
	streets := map[string]epiloop.Street{}
	for _, s := range tree.Streets {
		streets[s.Code] = s
	}
	districts := map[string]epiloop.District{}
	for _, dd := range tree.Districts {
		districts[dd.Code] = dd
	}
	choice := func(c epiloop.Community) communityChoice {
		return communityChoice{Community: c, StreetName: streets[c.StreetCode].Name, DistrictName: districts[c.DistrictCode].Name}
	}
	switch {
	case d.Query != "":
		d.Searching = true
		terms := strings.Fields(d.Query)
		for _, c := range tree.Communities {
			full := districts[c.DistrictCode].Name + streets[c.StreetCode].Name + c.Name
			if containsAll(full, terms) {
				if len(d.Choices) == maxChoices {
					d.More = true
					break
				}
				d.Choices = append(d.Choices, choice(c))
			}
		}
	case q.Get("street") != "":
		if s, ok := streets[q.Get("street")]; ok {
			d.Street = &s
			dd := districts[s.DistrictCode]
			d.District = &dd
			for _, c := range tree.Communities {
				if c.StreetCode == s.Code {
					d.Choices = append(d.Choices, choice(c))
				}
			}
		}
	case q.Get("district") != "":
		if dd, ok := districts[q.Get("district")]; ok {
			d.District = &dd
			for _, s := range tree.Streets {
				if s.DistrictCode == dd.Code {
					d.Streets = append(d.Streets, s)
				}
			}
		}
	default:
		d.Districts = tree.Districts
	}
	sort.SliceStable(d.Choices, func(i, j int) bool { return d.Choices[i].Code < d.Choices[j].Code })
	p.Title, p.Nav, p.Data = "route.title", "unroutable", d
	if r.Header.Get("HX-Request") == "true" && r.Method == http.MethodGet {
		return ui.renderFragment(w, status, "route", "picker", p)
	}
	return ui.render(w, status, "route", p)
}

func containsAll(s string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}

// handleRoute routes an unroutable lead to the chosen community.
func (ui *ui) handleRoute(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	community := r.PostFormValue("community")
	if community == "" {
		return ui.renderRoute(w, r, p, id, p.T("route.pick"), http.StatusUnprocessableEntity)
	}
	_, err = ui.s.Service.RouteLead(r.Context(), id, community)
	if err == nil {
		redirect(w, r, "/leads/"+r.PathValue("id"))
		return nil
	}
	if !userError(err) {
		return err
	}
	return ui.renderRoute(w, r, p, id, p.errText(err), formStatus(err))
}
