package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 场所: the registry of places (kind and state filters, closed places),
// a place's page with its inspections and rectifications, the inspection
// form a post's officer fills on a phone at the place; and the
// deployments part of 队伍 (/forces/deployments): compounds' coverage
// against their minimum guard, and the deployments to approve, check in
// and end.

func (ui *ui) registerPlacePages() {
	ui.page("GET /places", epiloop.ActReadPlaces, ui.handlePlacesPage)
	ui.page("GET /places/{code}", epiloop.ActReadPlaces, ui.handlePlacePage)
	ui.page("GET /places/{code}/inspect", epiloop.ActInspect, ui.handleInspectPage)
	ui.page("POST /places/{code}/inspect", epiloop.ActInspect, ui.handleInspectPost)
	ui.page("POST /places/rectifications/{id}/fixed", epiloop.ActRectify, ui.handleFixedPost)
	ui.page("GET /forces/deployments", epiloop.ActReadDeployments, ui.handleDeploymentsPage)
	ui.page("POST /forces/deployments", epiloop.ActDeploy, ui.handleDeploymentRequestPost)
	ui.page("POST /forces/deployments/{id}", epiloop.ActDeploy, ui.handleDeploymentStepPost)
}

// placesData is the registry page.
type placesData struct {
	Items   []epiloop.Place
	Total   int
	Kinds   []epiloop.PlaceKind
	Kind    string
	State   string
	Figures *loop.PlaceFigures
	Names   map[string]string
	Metrics []string
}

func (ui *ui) districtNames(r *http.Request) map[string]string {
	names := map[string]string{}
	if tree, err := ui.tree(r.Context()); err == nil {
		for _, d := range tree.Districts {
			names[d.Code] = d.Name
		}
	}
	return names
}

func (ui *ui) handlePlacesPage(w http.ResponseWriter, r *http.Request, p *page) error {
	f, err := placeFilter(r)
	if err != nil {
		return err
	}
	f.Limit = 200
	d := &placesData{Kinds: epiloop.PlaceKinds, Names: ui.districtNames(r), Metrics: loop.PlaceMetrics}
	if f.Kind != nil {
		d.Kind = string(*f.Kind)
	}
	if f.State != nil {
		d.State = string(*f.State)
	}
	if d.Items, d.Total, err = ui.s.Service.FindPlaces(r.Context(), f); err != nil {
		return err
	}
	if d.Figures, err = ui.s.Service.PlaceFigures(r.Context()); err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "places.title", "places", d
	return ui.render(w, http.StatusOK, "places", p)
}

// placeData is a place's page, with the re-inspection's and the fix's
// form state.
type placeData struct {
	*loop.PlaceView
	Names map[string]string
	// Mine marks the rectifications the caller's unit must fix.
	Mine map[int64]bool
	formErrors
}

func (ui *ui) placeData(r *http.Request, p *page) (*placeData, error) {
	v, err := ui.s.Service.FindPlace(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	d := &placeData{PlaceView: v, Names: ui.districtNames(r), Mine: map[int64]bool{}}
	for _, rc := range v.Rectifications {
		d.Mine[rc.ID] = epiloop.MayRectify(p.User, &rc)
	}
	return d, nil
}

func (ui *ui) handlePlacePage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.placeData(r, p)
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Get("inspected") != "":
		p.Flash = p.T("places.inspected")
	case r.URL.Query().Get("fixed") != "":
		p.Flash = p.T("places.fixed_saved")
	}
	p.Title, p.Nav, p.Data = "places.title", "places", d
	return ui.render(w, http.StatusOK, "place", p)
}

// inspectData is the inspection form: the place, its checklist and what
// was typed.
type inspectData struct {
	Place          *loop.PlaceView
	Kinds          []epiloop.InspectionKind
	Form           epiloop.Inspection
	Marks          map[string]string // item → "ok" | "defect"
	Notes          map[string]string
	Rectifications []epiloop.Rectification
	formErrors
}

func (ui *ui) inspectData(r *http.Request) (*inspectData, error) {
	v, err := ui.s.Service.FindPlace(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	d := &inspectData{Place: v, Kinds: epiloop.InspectionKinds, Marks: map[string]string{}, Notes: map[string]string{},
		Form: epiloop.Inspection{Kind: epiloop.InspectionCheck}}
	for _, rc := range v.Rectifications {
		if rc.Open() && rc.Fixed != nil {
			d.Rectifications = append(d.Rectifications, rc)
		}
	}
	return d, nil
}

func (ui *ui) handleInspectPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.inspectData(r)
	if err != nil {
		return err
	}
	if v := r.URL.Query().Get("rectification"); v != "" {
		d.Form.RectificationID, _ = strconv.ParseInt(v, 10, 64)
	}
	p.Title, p.Nav, p.Data = "places.inspect_title", "places", d
	return ui.render(w, http.StatusOK, "place_inspect", p)
}

func (ui *ui) handleInspectPost(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.inspectData(r)
	if err != nil {
		return err
	}
	in := epiloop.Inspection{Kind: epiloop.InspectionKind(r.PostFormValue("kind")), Note: strings.TrimSpace(r.PostFormValue("note")),
		FoundOpen: r.PostFormValue("found_open") == "1"}
	in.RectificationID, _ = strconv.ParseInt(r.PostFormValue("rectification_id"), 10, 64)
	// Every item unmarked is an error of its own, all shown at once.
	var missing []error
	for _, item := range d.Place.Checklist {
		mark, note := r.PostFormValue("item."+item), strings.TrimSpace(r.PostFormValue("note."+item))
		d.Marks[item], d.Notes[item] = mark, note
		switch {
		case mark == "ok" || mark == "defect":
			in.Items = append(in.Items, epiloop.CheckItem{Item: item, OK: mark == "ok", Note: note})
		case item == epiloop.ItemClosureKept && in.FoundOpen:
		default:
			missing = append(missing, epiloop.FieldError("items."+item, "err.inspection_item_missing", epiloop.M("check."+item)))
		}
	}
	if len(missing) == 0 {
		_, err = ui.s.Service.RecordInspection(r.Context(), d.Place.Code, in)
		if err == nil {
			http.Redirect(w, r, "/places/"+url.PathEscape(d.Place.Code)+"?inspected=1", http.StatusSeeOther)
			return nil
		}
		if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT {
			return err
		}
		missing = []error{err}
	}
	d.Form = in
	d.setAll(p, missing, epiloop.ErrorField)
	p.Title, p.Nav, p.Data = "places.inspect_title", "places", d
	return ui.render(w, http.StatusUnprocessableEntity, "place_inspect", p)
}

func (ui *ui) handleFixedPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rc, err := ui.s.Service.ReportFixed(r.Context(), id, strings.TrimSpace(r.PostFormValue("note")))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/places/"+url.PathEscape(rc.PlaceCode)+"?fixed=1#r-"+strconv.FormatInt(rc.ID, 10), http.StatusSeeOther)
	return nil
}

// deploymentsData is the deployments page: the compounds' coverage and
// the deployments.
type deploymentsData struct {
	Compounds   []epiloop.Place
	Deployments []epiloop.Deployment
	Total       int
	Uncovered   int
	Names       map[string]string
	Kinds       []string
	Form        epiloop.Deployment
	Place       string
	formErrors
}

func (ui *ui) deploymentsData(r *http.Request, p *page) (*deploymentsData, error) {
	d := &deploymentsData{Names: ui.districtNames(r), Kinds: epiloop.PersonKinds}
	var err error
	if p.User.Can(epiloop.ActReadPlaces) {
		if d.Compounds, err = ui.s.Service.CompoundCoverage(r.Context(), ""); err != nil {
			return nil, err
		}
	}
	for _, c := range d.Compounds {
		if c.Uncovered() {
			d.Uncovered++
		}
	}
	if d.Deployments, d.Total, err = ui.s.Service.FindDeployments(r.Context(), epiloop.DeploymentFilter{Limit: 500}); err != nil {
		return nil, err
	}
	if p.User.Role == epiloop.RoleStation {
		d.Form.UnitCode = p.User.UnitCode
	}
	return d, nil
}

func (ui *ui) handleDeploymentsPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.deploymentsData(r, p)
	if err != nil {
		return err
	}
	d.Place = r.URL.Query().Get("place")
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("deploy.saved")
	}
	p.Title, p.Nav, p.Data = "deploy.title", "deployments", d
	return ui.render(w, http.StatusOK, "deployments", p)
}

func (ui *ui) handleDeploymentRequestPost(w http.ResponseWriter, r *http.Request, p *page) error {
	in := epiloop.Deployment{PersonName: r.PostFormValue("person_name"), PoliceNumber: r.PostFormValue("police_number"),
		PersonKind: r.PostFormValue("person_kind"), UnitCode: strings.TrimSpace(r.PostFormValue("unit")),
		From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	place := strings.TrimSpace(r.PostFormValue("place"))
	_, err := ui.s.Service.RequestDeployment(r.Context(), place, in)
	if err == nil {
		http.Redirect(w, r, "/forces/deployments?saved=1", http.StatusSeeOther)
		return nil
	}
	if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT && c != epiloop.ENOTFOUND {
		return err
	}
	d, derr := ui.deploymentsData(r, p)
	if derr != nil {
		return derr
	}
	field := epiloop.ErrorField(err)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND && field == "" {
		field = "place"
	}
	d.Form, d.Place = in, place
	d.set(p, err, field)
	p.Title, p.Nav, p.Data = "deploy.title", "deployments", d
	return ui.render(w, http.StatusUnprocessableEntity, "deployments", p)
}

func (ui *ui) handleDeploymentStepPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	action := r.PostFormValue("action")
	switch action {
	case epiloop.DeployApprove, epiloop.DeployCheckIn, epiloop.DeployEnd:
	default:
		return epiloop.FieldError("action", "err.deployment_action")
	}
	if _, err := ui.s.Service.StepDeployment(r.Context(), id, action); err != nil {
		return err
	}
	http.Redirect(w, r, "/forces/deployments?saved=1#d-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// placesTiles are the places' figures of the dashboard and the daily
// report, with the districts' names.
type placesTiles struct {
	Figures *loop.PlaceFigures
	Names   map[string]string
}

func (ui *ui) placesTiles(r *http.Request) (*placesTiles, error) {
	f, err := ui.s.Service.PlaceFigures(r.Context())
	if err != nil {
		return nil, err
	}
	return &placesTiles{Figures: f, Names: ui.districtNames(r)}, nil
}
