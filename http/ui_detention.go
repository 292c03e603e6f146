package http

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 监所: the detention facilities with their figures, and a facility's
// page — its cells with their occupants (masked) and days of isolation
// left, the intake form, the move form with a supervisor's override, the
// cohort on site with today's health checks done and missing, its
// hand-over, and the closed-management state.

func (ui *ui) registerDetentionPages() {
	ui.page("GET /detention", epiloop.ActReadDetention, ui.handleDetentionPage)
	ui.page("GET /detention/{code}", epiloop.ActReadDetention, ui.handleFacilityPage)
	ui.page("POST /detention/{code}/intake", epiloop.ActAdmitDetainee, ui.handleIntakePost)
	ui.page("POST /detention/{code}/move", epiloop.ActReadDetention, ui.handleMovePost)
	ui.page("POST /detention/{code}/release", epiloop.ActAdmitDetainee, ui.handleReleasePost)
	ui.page("POST /detention/{code}/cohorts", epiloop.ActRotateStaff, ui.handleCohortPost)
	ui.page("POST /detention/{code}/handover", epiloop.ActRotateStaff, ui.handleCohortHandoverPost)
	ui.page("POST /detention/{code}/closure", epiloop.ActManageDetention, ui.handleClosurePost)
}

// detentionData is the facilities' page.
type detentionData struct {
	Rows    []loop.FacilityRow
	Figures *loop.DetentionFigures
	Metrics []string
	Names   map[string]string
}

func (ui *ui) handleDetentionPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d := &detentionData{Metrics: epiloop.DetentionMetrics, Names: ui.districtNames(r)}
	var err error
	if d.Rows, err = ui.s.Service.FindFacilities(r.Context()); err != nil {
		return err
	}
	if d.Figures, err = ui.s.Service.FindDetentionFigures(r.Context()); err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "detention.title", "detention", d
	return ui.render(w, http.StatusOK, "detention", p)
}

// facilityForm is what a form of the facility page held when refused:
// which form, its typed values, and its errors.
type facilityForm struct {
	Name   string // intake, move, release, cohort, closure
	Target int64  // the detainee a move or a release was for
	Values url.Values
	formErrors
}

// Is reports whether the refused form is form (for target, when it names
// a detainee).
func (f *facilityForm) Is(form string, target int64) bool {
	return f != nil && f.Name == form && f.Target == target
}

// V returns a value typed into form, when it is the refused one.
func (f *facilityForm) V(form, name string) string {
	if f == nil || f.Name != form {
		return ""
	}
	return f.Values.Get(name)
}

// E returns the error beside field of form, when it is the refused one.
func (f *facilityForm) E(form, field string) string {
	if f == nil || f.Name != form {
		return ""
	}
	return f.Err(field)
}

// Alert returns the message above form, when it is the refused one.
func (f *facilityForm) Alert(form string) string {
	if f == nil || f.Name != form {
		return ""
	}
	return f.Error
}

// facilityData is a facility's page.
type facilityData struct {
	*loop.FacilityView
	Names     map[string]string
	Occupants map[string][]epiloop.Detainee
	// Free are the areas that take one more, for the move form.
	Free       []epiloop.DetentionArea
	FreeCells  int
	MayAdmit   bool
	MayMove    bool
	MayRelease bool
	Supervisor bool
	MayManage  bool
	MayRotate  bool
	// Party is the caller's side of the pending hand-over ("" for none).
	Party    string
	Confirms map[string]bool
	Form     *facilityForm
}

func (ui *ui) facilityData(r *http.Request, p *page) (*facilityData, error) {
	v, err := ui.s.Service.FindFacility(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	pl, u := &v.Place, p.User
	d := &facilityData{FacilityView: v, Names: ui.districtNames(r),
		Occupants: map[string][]epiloop.Detainee{}, Confirms: map[string]bool{},
		MayAdmit:   epiloop.MayActAtFacility(u, pl, epiloop.ActAdmitDetainee),
		Supervisor: epiloop.MayOverrideIsolation(u, pl), MayManage: epiloop.MayManageDetention(u, pl),
		MayRotate: epiloop.MayActAtFacility(u, pl, epiloop.ActRotateStaff)}
	d.MayMove, d.MayRelease = d.MayAdmit || d.Supervisor, d.MayAdmit
	for _, x := range v.Detainees {
		d.Occupants[x.AreaCode] = append(d.Occupants[x.AreaCode], x)
	}
	for _, a := range v.Areas {
		if a.Free() {
			d.Free = append(d.Free, a)
			if a.Kind == epiloop.AreaIsolation {
				d.FreeCells++
			}
		}
	}
	if v.OnSite != nil && v.Next != nil {
		d.Party = epiloop.HandoverParty(u.ID, v.OnSite, v.Next)
		d.Confirms[epiloop.PartyOutgoing] = v.OnSite.OutConfirmedAt != nil
		d.Confirms[epiloop.PartyIncoming] = v.OnSite.InConfirmedAt != nil
	}
	return d, nil
}

func (ui *ui) handleFacilityPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.facilityData(r, p)
	if err != nil {
		return err
	}
	if k := r.URL.Query().Get("saved"); k != "" {
		p.Flash = p.T("detention.saved." + savedKind(k))
	}
	p.Title, p.Nav, p.Data = "detention.title", "detention", d
	return ui.render(w, http.StatusOK, "detention_facility", p)
}

// savedKind bounds the flash's key to the forms the page has.
func savedKind(k string) string {
	switch k {
	case "intake", "move", "release", "cohort", "handover", "closure":
		return k
	}
	return "intake"
}

// facilityPost runs a form of the facility page: on success back to the
// page with a flash, on a refusal of the input the page again, the form's
// values kept and its errors beside their fields.
func (ui *ui) facilityPost(w http.ResponseWriter, r *http.Request, p *page, form string, target int64, act func() error) error {
	err := act()
	code := r.PathValue("code")
	if err == nil {
		anchor := "#" + form
		if target != 0 {
			anchor = "#d-" + strconv.FormatInt(target, 10)
		}
		http.Redirect(w, r, "/detention/"+url.PathEscape(code)+"?saved="+form+anchor, http.StatusSeeOther)
		return nil
	}
	if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT {
		return err
	}
	d, derr := ui.facilityData(r, p)
	if derr != nil {
		return derr
	}
	d.Form = &facilityForm{Name: form, Target: target, Values: r.PostForm}
	d.Form.set(p, err, epiloop.ErrorField(err))
	p.Title, p.Nav, p.Data = "detention.title", "detention", d
	return ui.render(w, http.StatusUnprocessableEntity, "detention_facility", p)
}

func (ui *ui) handleIntakePost(w http.ResponseWriter, r *http.Request, p *page) error {
	person := epiloop.Person{Name: r.PostFormValue("name"), IDNumber: r.PostFormValue("id_number"), Phone: r.PostFormValue("phone")}
	in := epiloop.DetaineeIntake{FacilityCode: r.PathValue("code"), AreaCode: r.PostFormValue("area"),
		CaseRef: r.PostFormValue("case_ref"), Reason: r.PostFormValue("reason")}
	return ui.facilityPost(w, r, p, "intake", 0, func() error {
		_, err := ui.s.Service.AdmitPerson(r.Context(), person, in)
		return formField(err, map[string]string{"person.name": "name", "person.id_number": "id_number", "person.phone": "phone"})
	})
}

// formField renames a workflow error's field to the form's.
func formField(err error, names map[string]string) error {
	var e *epiloop.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	if n, ok := names[e.Field]; ok {
		c := *e
		c.Field = n
		return &c
	}
	return err
}

func detaineeID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PostFormValue("detainee"), 10, 64)
	if err != nil || id <= 0 {
		return 0, epiloop.FieldError("detainee", "err.detainee_not_found")
	}
	return id, nil
}

func (ui *ui) handleMovePost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := detaineeID(r)
	if err != nil {
		return err
	}
	in := loop.MoveInput{Area: r.PostFormValue("area"), Override: r.PostFormValue("override") == "1",
		Reason: r.PostFormValue("override_reason")}
	return ui.facilityPost(w, r, p, "move", id, func() error {
		_, err := ui.s.Service.MoveDetainee(r.Context(), id, in)
		return err
	})
}

func (ui *ui) handleReleasePost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := detaineeID(r)
	if err != nil {
		return err
	}
	in := loop.ReleaseInput{Status: epiloop.DetaineeStatus(r.PostFormValue("status")), Reason: r.PostFormValue("reason")}
	return ui.facilityPost(w, r, p, "release", id, func() error {
		_, err := ui.s.Service.ReleaseDetainee(r.Context(), id, in)
		return err
	})
}

// cohortMembers reads the cohort form's members: one a line, a name and a
// mobile number or an ID number.
func cohortMembers(text string) []epiloop.Person {
	var out []epiloop.Person
	for _, line := range strings.Split(text, "\n") {
		fs := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '，' || r == '、' })
		if len(fs) == 0 {
			continue
		}
		p := epiloop.Person{Name: fs[0]}
		for _, f := range fs[1:] {
			if len(f) == 11 {
				p.Phone = f
			} else {
				p.IDNumber = f
			}
		}
		out = append(out, p)
	}
	return out
}

func (ui *ui) handleCohortPost(w http.ResponseWriter, r *http.Request, p *page) error {
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	in := loop.CohortInput{Name: r.PostFormValue("name"), Leader: p.User.ID, Members: cohortMembers(r.PostFormValue("members")),
		Start: strings.TrimSpace(r.PostFormValue("start")), Days: days}
	return ui.facilityPost(w, r, p, "cohort", 0, func() error {
		_, err := ui.s.Service.StartCohort(r.Context(), r.PathValue("code"), in)
		return formField(err, map[string]string{"person.name": "members", "person.id_number": "members", "person.phone": "members"})
	})
}

func (ui *ui) handleCohortHandoverPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := strconv.ParseInt(r.PostFormValue("cohort"), 10, 64)
	if err != nil {
		return epiloop.FieldError("cohort", "err.detention_cohort_not_found")
	}
	next, _ := strconv.ParseInt(r.PostFormValue("next_id"), 10, 64)
	conf := epiloop.CohortConfirmation{Next: next, Note: strings.TrimSpace(r.PostFormValue("note"))}
	return ui.facilityPost(w, r, p, "handover", 0, func() error {
		_, err := ui.s.Service.ConfirmCohortHandover(r.Context(), id, conf)
		return err
	})
}

func (ui *ui) handleClosurePost(w http.ResponseWriter, r *http.Request, p *page) error {
	m := epiloop.ClosedManagement{State: epiloop.ClosureState(r.PostFormValue("state")), From: r.PostFormValue("from"),
		To: r.PostFormValue("to"), OrderNo: r.PostFormValue("order_no"), Exemptions: []epiloop.Exemption{}}
	if name := strings.TrimSpace(r.PostFormValue("exemption_name")); name != "" || r.PostFormValue("exemption_reason") != "" {
		m.Exemptions = append(m.Exemptions, epiloop.Exemption{Name: name, Reason: r.PostFormValue("exemption_reason"),
			From: r.PostFormValue("exemption_from"), To: r.PostFormValue("exemption_to")})
	}
	return ui.facilityPost(w, r, p, "closure", 0, func() error {
		_, err := ui.s.Service.SetClosedManagement(r.Context(), r.PathValue("code"), m)
		return err
	})
}

// detentionTiles are the facilities' figures of the dashboard and the
// daily report, with the districts' names.
type detentionTiles struct {
	Figures *loop.DetentionFigures
	Metrics []string
	Names   map[string]string
}

func (ui *ui) detentionTiles(r *http.Request) (*detentionTiles, error) {
	f, err := ui.s.Service.FindDetentionFigures(r.Context())
	if err != nil {
		return nil, err
	}
	return &detentionTiles{Figures: f, Metrics: epiloop.DetentionMetrics, Names: ui.districtNames(r)}, nil
}
