package http

import (
	"net/http"
	"strings"

	"github.com/epiloop/epiloop"
)

// Finding a person: by full ID number, mobile number or full name
// (epiloop.ParsePersonQuery), among the leads the caller may read, through
// blind indexes. The pages search by POST, so that the query never sits in
// a URL, a browser's history or a proxy's log; the API also takes the GET
// form the integrators asked for (GET /api/v1/persons?q=, or ?q= on the
// lead list).

func (s *Server) registerSearchRoutes() {
	s.api("GET /api/v1/persons", epiloop.ActReadLeads, s.handlePersonSearch)
	s.api("POST /api/v1/persons/search", epiloop.ActReadLeads, s.handlePersonSearchPost)
}

func (ui *ui) registerSearchPages() {
	ui.page("POST /search", epiloop.ActReadLeads, ui.handleSearch)
}

// findLeads is a request's lead list: a person search when it has ?q=.
func (s *Server) findLeads(r *http.Request, f epiloop.LeadFilter) ([]*epiloop.Lead, int, error) {
	if q := r.URL.Query().Get("q"); q != "" {
		return s.Service.SearchLeads(r.Context(), q, f)
	}
	return s.Service.FindLeads(r.Context(), f)
}

// handlePersonSearch answers GET /api/v1/persons?q=… with the person's
// leads, filtered like the lead list (district, community, status).
func (s *Server) handlePersonSearch(w http.ResponseWriter, r *http.Request) error {
	f, err := leadFilter(r)
	if err != nil {
		return err
	}
	return s.writeSearch(w, r, r.URL.Query().Get("q"), f)
}

type searchRequest struct {
	Q         string `json:"q"`
	District  string `json:"district"`
	Community string `json:"community"`
	Status    string `json:"status"`
}

// handlePersonSearchPost is the same search with the query in the body.
func (s *Server) handlePersonSearchPost(w http.ResponseWriter, r *http.Request) error {
	var req searchRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	f, err := searchFilter(req.District, req.Community, req.Status)
	if err != nil {
		return err
	}
	return s.writeSearch(w, r, req.Q, f)
}

func (s *Server) writeSearch(w http.ResponseWriter, r *http.Request, q string, f epiloop.LeadFilter) error {
	leads, total, err := s.Service.SearchLeads(r.Context(), q, f)
	if err != nil {
		return err
	}
	s.writeLeadList(w, leads, total)
	return nil
}

// searchFilter builds the filters of a search from a form or a body.
func searchFilter(district, community, status string) (epiloop.LeadFilter, error) {
	var f epiloop.LeadFilter
	if district = strings.TrimSpace(district); district != "" {
		if len(district) != 6 {
			return f, epiloop.FieldError("district", "err.district_must_6_digit_division")
		}
		f.District = &district
	}
	if community = strings.TrimSpace(community); community != "" {
		f.Community = &community
	}
	if status != "" {
		st := epiloop.LeadStatus(status)
		if !st.Valid() {
			return f, epiloop.FieldError("status", "err.unknown_lead_status")
		}
		f.Status = &st
	}
	f.Limit = 100
	return f, nil
}

// handleSearch is the header's search box: the person's leads, on the
// lead list page, with the query kept in the box and out of the URL.
func (ui *ui) handleSearch(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.PostFormValue("q")
	d, err := ui.leadListBase(r)
	if err != nil {
		return err
	}
	d.Search, d.District = q, r.PostFormValue("district")
	status := http.StatusOK
	f, err := searchFilter(d.District, r.PostFormValue("community"), "")
	if err == nil {
		var leads []*epiloop.Lead
		if leads, d.Total, err = ui.s.Service.SearchLeads(r.Context(), q, f); err == nil {
			for _, l := range leads {
				d.Leads = append(d.Leads, ui.item(l))
			}
		}
	}
	if err != nil {
		if epiloop.ErrorCode(err) != epiloop.EINVALID {
			return err
		}
		d.SearchError, status = p.errText(err), http.StatusUnprocessableEntity
	}
	d.Page, d.Pages = 1, 1
	p.Title, p.Nav, p.Data = "leads.title", "leads", d
	return ui.render(w, status, "leads", p)
}
