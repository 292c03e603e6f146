package http

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The route page: a commander routes one unroutable lead, or several
// picked on the queue, to a community — by the candidates the gazetteer
// found, a search over the names, or a walk down district → street →
// community that starts where the address points — and may teach the
// gazetteer the address's name on the way.

// routeData is the route page of one or more leads.
type routeData struct {
	Leads []routeLead
	// Bulk is a routing of leads picked on the queue (/unroutable/route).
	Bulk bool
	// Named is the district the (first) address names, "" when none.
	Named     *epiloop.District
	Query     string
	District  *epiloop.District
	Street    *epiloop.Street
	Districts []epiloop.District
	Streets   []epiloop.Street
	// Candidates are the communities the gazetteer found for the
	// addresses, offered first; Choices those of the search or the street.
	Candidates []communityChoice
	Choices    []communityChoice
	More       bool
	Searching  bool
	Selected   string
	// Teach, Alias and Confirm are the form's other answers.
	Teach   bool
	Alias   string
	Confirm bool
	formErrors
}

// routeLead is one lead being routed, with why it did not route.
type routeLead struct {
	leadItem
	Why     loop.Unroutable
	WhyText string
}

// communityChoice is a community with the names of its street and
// district; Elsewhere marks one outside the district the address names.
type communityChoice struct {
	epiloop.Community
	StreetName   string
	DistrictName string
	Elsewhere    bool
}

const maxChoices = 60

// placeIndex finds the tree's places by code, for one page.
type placeIndex struct {
	tree        *loop.Jurisdictions
	districts   map[string]epiloop.District
	streets     map[string]epiloop.Street
	communities map[string]epiloop.Community
}

func (ui *ui) placeIndex(ctx context.Context) (*placeIndex, error) {
	tree, err := ui.tree(ctx)
	if err != nil {
		return nil, err
	}
	x := &placeIndex{tree: tree, districts: map[string]epiloop.District{}, streets: map[string]epiloop.Street{},
		communities: make(map[string]epiloop.Community, len(tree.Communities))}
	for _, d := range tree.Districts {
		x.districts[d.Code] = d
	}
	for _, s := range tree.Streets {
		x.streets[s.Code] = s
	}
	for _, c := range tree.Communities {
		x.communities[c.Code] = c
	}
	return x, nil
}

// choice is community c as a choice for an address naming district named.
func (x *placeIndex) choice(c epiloop.Community, named string) communityChoice {
	return communityChoice{Community: c, StreetName: x.streets[c.StreetCode].Name, DistrictName: x.districts[c.DistrictCode].Name,
		Elsewhere: named != "" && c.DistrictCode != named}
}

// choices are the communities of codes the tree knows, as choices.
func (x *placeIndex) choices(codes []string, named string) []communityChoice {
	var out []communityChoice
	for _, code := range codes {
		if c, ok := x.communities[code]; ok {
			out = append(out, x.choice(c, named))
		}
	}
	return out
}

// whyText words why a lead did not route, for the queue and the route
// page.
func (x *placeIndex) whyText(p *page, why loop.Unroutable) string {
	district, street := x.districts[why.District].Name, x.streets[why.Street].Name
	switch why.Reason {
	case loop.UnroutableReturned:
		return p.T("unroutable.why.returned", why.Returned)
	case loop.UnroutableMatched:
		return p.T("unroutable.why.matched", x.communities[why.Candidates[0]].Name)
	case "street_only":
		return p.T("unroutable.why.street_only", district+street)
	case "unknown_village":
		if street != "" {
			return p.T("unroutable.why.unknown_village_in", district+street)
		}
	case "no_match":
		if district != "" {
			return p.T("unroutable.why.no_match_in", district)
		}
	case "ambiguous":
		if district != "" && !slices.ContainsFunc(why.Candidates, func(c string) bool { return x.communities[c].DistrictCode == why.District }) {
			return p.T("unroutable.why.ambiguous_elsewhere", district, len(why.Candidates))
		}
		return p.T("unroutable.why.ambiguous", len(why.Candidates))
	}
	if k := "unroutable.why." + why.Reason; p.cat.Has(k) {
		return p.T(k)
	}
	return p.T("unroutable.why.no_match")
}

func (ui *ui) handleRoutePage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.renderRoute(w, r, p, []int64{id}, &routeData{}, http.StatusOK)
}

// handleBulkRoutePage is the route page of the leads picked on the queue
// (?lead=1&lead=2).
func (ui *ui) handleBulkRoutePage(w http.ResponseWriter, r *http.Request, p *page) error {
	ids, err := leadIDs(r.URL.Query()["lead"])
	if err != nil {
		return err
	}
	d := &routeData{Bulk: true}
	if len(ids) == 0 {
		d.Error = p.T("unroutable.pick_leads")
		return ui.renderUnroutable(w, r, p, d.Error, http.StatusUnprocessableEntity)
	}
	return ui.renderRoute(w, r, p, ids, d, http.StatusOK)
}

// leadIDs reads lead ids from a form or query; an id that is no number
// is not found.
func leadIDs(vs []string) ([]int64, error) {
	var ids []int64
	for _, v := range vs {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, epiloop.Errorf(epiloop.ENOTFOUND, "err.lead_not_found")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > loop.MaxRouteLeads {
		return nil, epiloop.FieldError("lead_ids", "err.route_leads_count", loop.MaxRouteLeads)
	}
	return ids, nil
}

// Link is the route page's URL with the leads and one more parameter.
func (d *routeData) Link(key, value string) string {
	q := url.Values{}
	path := ""
	if d.Bulk {
		path = "/unroutable/route"
		for _, l := range d.Leads {
			q.Add("lead", strconv.FormatInt(l.ID, 10))
		}
	} else if len(d.Leads) > 0 {
		path = fmt.Sprintf("/leads/%d/route", d.Leads[0].ID)
	}
	if key != "" {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Action is where the route form posts.
func (d *routeData) Action() string {
	if d.Bulk || len(d.Leads) == 0 {
		return "/unroutable/route"
	}
	return fmt.Sprintf("/leads/%d/route", d.Leads[0].ID)
}

// renderRoute renders the route page of leads with the form's state d.
// Without a place in the query the walk starts where the first address
// points: its street, else its district.
func (ui *ui) renderRoute(w http.ResponseWriter, r *http.Request, p *page, ids []int64, d *routeData, status int) error {
	x, err := ui.placeIndex(r.Context())
	if err != nil {
		return err
	}
	var cands []string
	for _, id := range ids {
		l, err := ui.s.Service.FindLead(r.Context(), id)
		if err != nil {
			return err
		}
		why := ui.s.Service.WhyUnroutable(l)
		d.Leads = append(d.Leads, routeLead{leadItem: ui.item(l), Why: why, WhyText: x.whyText(p, why)})
		for _, c := range why.Candidates {
			if !slices.Contains(cands, c) && len(cands) < maxChoices {
				cands = append(cands, c)
			}
		}
	}
	first := d.Leads[0].Why
	if dd, ok := x.districts[first.District]; ok {
		d.Named = &dd
	}
	named := first.District
	if r.Method == http.MethodGet {
		d.Alias = first.PlaceName
	}
	d.Candidates = x.choices(cands, named)

	q := r.URL.Query()
	d.Query = strings.TrimSpace(q.Get("q"))
	street, district := q.Get("street"), q.Get("district")
	if d.Query == "" && street == "" && district == "" && q.Get("at") != "city" {
		// Where the address points, or, for a form sent back, where the
		// community chosen lies, so that the choice shows.
		street, district = first.Street, first.District
		if c, ok := x.communities[d.Selected]; ok && !slices.Contains(cands, c.Code) {
			street = c.StreetCode
		}
	}
	switch {
	case d.Query != "":
		d.Searching = true
		terms := strings.Fields(d.Query)
		for _, c := range x.tree.Communities {
			if containsAll(x.districts[c.DistrictCode].Name+x.streets[c.StreetCode].Name+c.Name, terms) {
				if len(d.Choices) == maxChoices {
					d.More = true
					break
				}
				d.Choices = append(d.Choices, x.choice(c, named))
			}
		}
	case x.streets[street].Code != "":
		s := x.streets[street]
		d.Street = &s
		if dd, ok := x.districts[s.DistrictCode]; ok {
			d.District = &dd
		}
		for _, c := range x.tree.Communities {
			if c.StreetCode == s.Code {
				d.Choices = append(d.Choices, x.choice(c, named))
			}
		}
	case x.districts[district].Code != "":
		dd := x.districts[district]
		d.District = &dd
		for _, s := range x.tree.Streets {
			if s.DistrictCode == dd.Code {
				d.Streets = append(d.Streets, s)
			}
		}
	default:
		d.Districts = x.tree.Districts
	}
	// The candidates are offered once, first.
	d.Choices = slices.DeleteFunc(d.Choices, func(c communityChoice) bool { return slices.Contains(cands, c.Code) })
	slices.SortStableFunc(d.Choices, func(a, b communityChoice) int { return strings.Compare(a.Code, b.Code) })
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

// handleRoute routes one unroutable lead to the chosen community.
func (ui *ui) handleRoute(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.route(w, r, p, []int64{id}, false)
}

// handleBulkRoute routes the leads picked on the queue to one community.
func (ui *ui) handleBulkRoute(w http.ResponseWriter, r *http.Request, p *page) error {
	r.ParseForm()
	ids, err := leadIDs(r.PostForm["lead"])
	if err != nil && epiloop.ErrorCode(err) != epiloop.EINVALID {
		return err
	}
	if len(ids) == 0 || err != nil {
		msg := p.T("unroutable.pick_leads")
		if err != nil {
			msg = p.errText(err)
		}
		return ui.renderUnroutable(w, r, p, msg, http.StatusUnprocessableEntity)
	}
	return ui.route(w, r, p, ids, true)
}

// route runs the route form: every mistake of the form at once (the
// request's own, RouteRequest.Validate), then the routing, whose refusal
// (a community in another district, unconfirmed) comes back beside its
// field with the choices kept.
func (ui *ui) route(w http.ResponseWriter, r *http.Request, p *page, ids []int64, bulk bool) error {
	d := &routeData{Bulk: bulk, Selected: r.PostFormValue("community"), Teach: r.PostFormValue("teach") == "yes",
		Alias: strings.TrimSpace(r.PostFormValue("alias")), Confirm: r.PostFormValue("confirm") == "yes"}
	req := loop.RouteRequest{LeadIDs: ids, Community: d.Selected, Teach: d.Teach, Confirm: d.Confirm}
	if d.Teach && !bulk {
		req.Alias = d.Alias
	}
	var errs []error
	if d.Selected == "" {
		errs = append(errs, epiloop.FieldError("community", "err.route_pick_community"))
		req.Community = "000000000000" // checked for the form's other mistakes
	}
	errs = append(errs, allErrors(func() error { c := req; return c.Validate() }, func(field string) bool {
		switch field {
		case "community":
			req.Community = "000000000000"
		case "alias":
			req.Alias = ""
		default:
			return false
		}
		return true
	})...)
	var res *loop.RouteResult
	if len(errs) == 0 {
		var err error
		if res, err = ui.s.Service.RouteLeads(r.Context(), req); err != nil {
			if !userError(err) {
				return err
			}
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		d.setAll(p, errs, routeField)
		return ui.renderRoute(w, r, p, ids, d, formStatus(errs[0]))
	}
	if !bulk {
		redirect(w, r, fmt.Sprintf("/leads/%d", ids[0]))
		return nil
	}
	redirect(w, r, fmt.Sprintf("/unroutable?routed=%d&taught=%d", len(res.Leads), len(res.Taught)))
	return nil
}

// routeField is the route form's field of err: the community when the
// request named none.
func routeField(err error) string {
	switch f := epiloop.ErrorField(err); f {
	case "community", "confirm", "alias":
		return f
	case "lead_ids":
		return ""
	}
	return ""
}
