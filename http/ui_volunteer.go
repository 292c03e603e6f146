package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 队伍 /forces: a pool of volunteers (群防群治) on a phone — filters,
// counts by status and vetting, hours served, one page of cards with the
// station's vetting and the pool's status actions, the registration form
// and the import of a volunteer list. The officers sent down to compounds
// (/forces/deployments) are the tab beside it.

func (ui *ui) registerVolunteerPages() {
	ui.page("GET /forces", epiloop.ActReadVolunteers, ui.handleForcesPage)
	ui.page("POST /forces", epiloop.ActRegisterVolunteers, ui.handleForcesRegister)
	ui.page("POST /forces/volunteers/{id}/vet", epiloop.ActVetVolunteers, ui.handleForcesVet)
	ui.page("POST /forces/volunteers/{id}/status", epiloop.ActRegisterVolunteers, ui.handleForcesStatus)
	ui.page("POST /forces/import", epiloop.ActRegisterVolunteers, ui.handleForcesImport)
	ui.page("GET /forces/imports/{id}/rejects", epiloop.ActRegisterVolunteers, ui.handleForcesRejects)
}

// forcesPageSize is how many volunteers a page of the pool shows.
const forcesPageSize = 50

// forcesData is the pool page.
type forcesData struct {
	Pool        *loop.VolunteerPool
	Communities []epiloop.Community
	Names       map[string]string
	Filter      url.Values
	Page, Pages int
	Statuses    []epiloop.VolunteerStatus
	Vettings    []epiloop.Vetting
	Skills      []epiloop.Skill
	Form        volunteerRequest
	Import      *epiloop.Import
	formErrors
}

// PageURL is the pool's URL at page n, with the filters.
func (d *forcesData) PageURL(n int) string {
	q := url.Values{}
	for k, v := range d.Filter {
		if k != "page" && len(v) > 0 && v[0] != "" {
			q.Set(k, v[0])
		}
	}
	q.Set("page", strconv.Itoa(n))
	return "/forces?" + q.Encode()
}

// Hours renders minutes as whole hours and minutes.
func (d *forcesData) Hours(minutes int64) string {
	return strconv.FormatInt(minutes/60, 10) + ":" + strconv.FormatInt(100+minutes%60, 10)[1:]
}

// HasSkill reports whether the form's skills hold s.
func (d *forcesData) HasSkill(s epiloop.Skill) bool {
	for _, k := range d.Form.Skills {
		if k == s {
			return true
		}
	}
	return false
}

// CanVet reports whether u may vet v now (MayVet, pending).
func (d *forcesData) CanVet(u *epiloop.User, v epiloop.Volunteer) bool {
	return epiloop.MayVet(u, &v) && v.Vetting == epiloop.VettingPending
}

// CanEdit reports whether u may change v's status.
func (d *forcesData) CanEdit(u *epiloop.User, v epiloop.Volunteer) bool {
	return epiloop.MayEditVolunteer(u, &v)
}

func (ui *ui) forcesData(r *http.Request) (*forcesData, error) {
	q := r.URL.Query()
	f, err := volunteerFilter(r)
	if err != nil {
		return nil, err
	}
	page := 1
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return nil, epiloop.FieldError("page", "err.page_must_positive_integer")
		}
	}
	f.Offset, f.Limit = (page-1)*forcesPageSize, forcesPageSize
	d := &forcesData{Filter: q, Page: page, Statuses: epiloop.VolunteerStatuses, Vettings: epiloop.Vettings, Skills: epiloop.Skills,
		Names: map[string]string{}}
	if d.Pool, err = ui.s.Service.FindVolunteers(r.Context(), f); err != nil {
		return nil, err
	}
	d.Pages = max(1, (d.Pool.Total+forcesPageSize-1)/forcesPageSize)
	if d.Communities, err = ui.s.Service.VolunteerCommunities(r.Context()); err != nil {
		return nil, err
	}
	for _, c := range d.Communities {
		d.Names[c.Code] = c.Name
	}
	for _, v := range d.Pool.Volunteers {
		if _, ok := d.Names[v.CommunityCode]; !ok {
			if c, ok := ui.s.Service.Community(v.CommunityCode); ok {
				d.Names[c.Code] = c.Name
			}
		}
	}
	if len(d.Communities) == 1 {
		d.Form.Community = d.Communities[0].Code
	}
	return d, nil
}

func (ui *ui) renderForces(w http.ResponseWriter, status int, p *page, d *forcesData) error {
	p.Title, p.Nav, p.Data = "forces.title", "forces", d
	return ui.render(w, status, "forces", p)
}

func (ui *ui) handleForcesPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.forcesData(r)
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Get("registered") != "":
		p.Flash = p.T("forces.registered")
	case r.URL.Query().Get("vetted") != "":
		p.Flash = p.T("forces.vetted")
	case r.URL.Query().Get("changed") != "":
		p.Flash = p.T("forces.status_changed")
	}
	if v := r.URL.Query().Get("import"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			if im, err := ui.s.Service.FindVolunteerImport(r.Context(), id); err == nil {
				d.Import = im
			}
		}
	}
	return ui.renderForces(w, http.StatusOK, p, d)
}

// backTo is the pool page the form came from (a path of /forces only).
func backTo(r *http.Request, flash string) string {
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/forces?") && back != "/forces" {
		back = "/forces"
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	return back + sep + flash + "=1"
}

func (ui *ui) handleForcesRegister(w http.ResponseWriter, r *http.Request, p *page) error {
	req := volunteerRequest{Name: r.PostFormValue("name"), IDNumber: r.PostFormValue("id_number"), Phone: r.PostFormValue("phone"),
		Community: r.PostFormValue("community"), Team: r.PostFormValue("team"), Availability: r.PostFormValue("availability")}
	for _, s := range r.PostForm["skills"] {
		req.Skills = append(req.Skills, epiloop.Skill(s))
	}
	// Every refusal at once: each field the rules refuse is set aside
	// and the rules run again.
	trial := req
	errs := allErrors(func() error {
		v := trial.volunteer()
		if err := v.Validate(); err != nil {
			return err
		}
		return nil
	}, func(field string) bool {
		switch field {
		case "id_number":
			trial.IDNumber = ""
			if trial.Phone == "" {
				trial.Phone = "13800138000"
			}
		case "phone":
			trial.Phone = ""
			if trial.IDNumber == "" {
				trial.IDNumber = "11010519491231002X"
			}
		case "name":
			trial.Name = "张三"
		case "team":
			trial.Team = ""
		case "skills":
			trial.Skills = nil
		case "availability":
			trial.Availability = ""
		case "community":
			trial.Community = "x"
		default:
			return false
		}
		return true
	})
	if len(errs) == 0 {
		_, err := ui.s.Service.RegisterVolunteer(r.Context(), req.volunteer())
		if err == nil {
			http.Redirect(w, r, "/forces?registered=1", http.StatusSeeOther)
			return nil
		}
		if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT {
			return err
		}
		errs = []error{err}
	}
	d, err := ui.forcesData(r)
	if err != nil {
		return err
	}
	d.Form = req
	d.setAll(p, errs, epiloop.ErrorField)
	return ui.renderForces(w, http.StatusUnprocessableEntity, p, d)
}

func (ui *ui) handleForcesVet(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := ui.s.Service.VetVolunteer(r.Context(), id, epiloop.Vetting(r.PostFormValue("vetting"))); err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "vetted"), http.StatusSeeOther)
	return nil
}

func (ui *ui) handleForcesStatus(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st := epiloop.VolunteerStatus(r.PostFormValue("status"))
	if _, err := ui.s.Service.UpdateVolunteer(r.Context(), id, loop.VolunteerUpdate{Status: &st}); err != nil {
		return err
	}
	http.Redirect(w, r, backTo(r, "changed"), http.StatusSeeOther)
	return nil
}

func (ui *ui) handleForcesImport(w http.ResponseWriter, r *http.Request, p *page) error {
	im, _, err := ui.s.startVolunteerImport(w, r)
	if err != nil {
		if epiloop.ErrorCode(err) != epiloop.EINVALID {
			return err
		}
		d, derr := ui.forcesData(r)
		if derr != nil {
			return derr
		}
		d.set(p, err, "file")
		return ui.renderForces(w, http.StatusUnprocessableEntity, p, d)
	}
	http.Redirect(w, r, "/forces?import="+strconv.FormatInt(im.ID, 10), http.StatusSeeOther)
	return nil
}

func (ui *ui) handleForcesRejects(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	im, err := ui.s.Service.FindVolunteerImport(r.Context(), id)
	if err != nil {
		return err
	}
	return ui.s.writeRejects(w, r, im)
}

// VolunteerFigures are the volunteer figures per district of the page's
// user, for the dashboard's tile and the daily report's section (none for
// a user who reads neither, or when there are none).
func (p *page) VolunteerFigures() []loop.VolunteerDistrictRow {
	if p.req == nil || p.User == nil {
		return nil
	}
	rows, err := p.ui.s.Service.VolunteerFigures(epiloop.NewContextWithUser(p.req.Context(), p.User))
	if err != nil {
		if epiloop.ErrorCode(err) == epiloop.EINTERNAL {
			p.ui.s.Logger.Error("volunteer figures", "err", err)
		}
		return nil
	}
	return rows
}
