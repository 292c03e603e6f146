package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// maxMappingBytes caps an uploaded station mapping.
const maxMappingBytes = 8 << 20

func (ui *ui) registerAdminPages() {
	ui.page("GET /admin/users", epiloop.ActAdminUsers, ui.handleAdminUsers)
	ui.page("POST /admin/users", epiloop.ActAdminUsers, ui.handleAdminUserCreate)
	ui.page("GET /admin/users/{id}", epiloop.ActAdminUsers, ui.handleAdminUser)
	ui.page("POST /admin/users/{id}", epiloop.ActAdminUsers, ui.handleAdminUserUpdate)
	ui.page("POST /admin/users/{id}/password", epiloop.ActAdminUsers, ui.handleAdminUserPassword)
	ui.page("GET /admin/units", epiloop.ActAdminUnits, ui.handleAdminUnits)
	ui.page("GET /admin/mapping", epiloop.ActAdminUnits, ui.handleAdminMapping)
	ui.page("POST /admin/mapping", epiloop.ActAdminUnits, ui.handleAdminMappingUpload)
}

// userForm is a user being created or edited.
type userForm struct {
	Name     string
	Role     string
	Unit     string
	Disabled bool
	formErrors
}

func (f *userForm) setError(p *page, err error) { f.set(p, err, epiloop.ErrorField(err)) }

// adminUsersData is the users page.
type adminUsersData struct {
	Users []*epiloop.User
	Form  *userForm
	Roles []epiloop.Role
}

func (ui *ui) handleAdminUsers(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.renderUsers(w, r, p, &userForm{Role: string(epiloop.RoleStation)}, http.StatusOK)
}

func (ui *ui) renderUsers(w http.ResponseWriter, r *http.Request, p *page, form *userForm, status int) error {
	users, err := ui.s.Service.FindUsers(r.Context())
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	p.Title, p.Nav, p.Data = "admin.users.title", "admin.users", &adminUsersData{Users: users, Form: form, Roles: epiloop.Roles}
	return ui.render(w, status, "admin_users", p)
}

func (ui *ui) handleAdminUserCreate(w http.ResponseWriter, r *http.Request, p *page) error {
	form := &userForm{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"), Unit: strings.TrimSpace(r.PostFormValue("unit"))}
	u := &epiloop.User{Name: form.Name, Role: epiloop.Role(form.Role), UnitCode: form.Unit}
	err := ui.s.Service.CreateUser(r.Context(), u, r.PostFormValue("password"))
	if err == nil {
		redirect(w, r, "/admin/users?saved=1")
		return nil
	}
	if !userError(err) {
		return err
	}
	form.setError(p, err)
	return ui.renderUsers(w, r, p, form, formStatus(err))
}

// adminUserData is one user's page.
type adminUserData struct {
	U     *epiloop.User
	Form  *userForm
	Pass  *userForm
	Roles []epiloop.Role
}

func (ui *ui) handleAdminUser(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return ui.renderUser(w, r, p, id, nil, nil, http.StatusOK)
}

func (ui *ui) renderUser(w http.ResponseWriter, r *http.Request, p *page, id int64, form, pass *userForm, status int) error {
	u, err := ui.s.Service.FindUser(r.Context(), id)
	if err != nil {
		return err
	}
	if form == nil {
		form = &userForm{Name: u.Name, Role: string(u.Role), Unit: u.UnitCode, Disabled: u.Disabled}
	}
	if pass == nil {
		pass = &userForm{}
	}
	if r.URL.Query().Get("saved") != "" {
		p.Flash = p.T("admin.saved")
	}
	p.Title, p.Nav, p.Data = "admin.user.title", "admin.users", &adminUserData{U: u, Form: form, Pass: pass, Roles: epiloop.Roles}
	return ui.render(w, status, "admin_user", p)
}

func (ui *ui) handleAdminUserUpdate(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	role := epiloop.Role(r.PostFormValue("role"))
	unit := strings.TrimSpace(r.PostFormValue("unit"))
	disabled := r.PostFormValue("disabled") == "yes"
	_, err = ui.s.Service.UpdateUser(r.Context(), id, loop.UserUpdate{Role: &role, UnitCode: &unit, Disabled: &disabled})
	if err == nil {
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?saved=1")
		return nil
	}
	if !userError(err) {
		return err
	}
	form := &userForm{Role: string(role), Unit: unit, Disabled: disabled}
	form.setError(p, err)
	return ui.renderUser(w, r, p, id, form, nil, formStatus(err))
}

func (ui *ui) handleAdminUserPassword(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = ui.s.Service.ResetPassword(r.Context(), id, r.PostFormValue("password"))
	if err == nil {
		redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?saved=1")
		return nil
	}
	if !userError(err) {
		return err
	}
	pass := &userForm{}
	pass.setError(p, err)
	return ui.renderUser(w, r, p, id, nil, pass, formStatus(err))
}

// adminUnitsData is the units page: filterable, paged.
type adminUnitsData struct {
	Units     []epiloop.Unit
	Total     int
	Page      int
	Pages     int
	Kind      string
	District  string
	Query     string
	Kinds     []epiloop.UnitKind
	Districts []epiloop.District
	names     map[string]string
}

// DistrictName names a unit's district.
func (d *adminUnitsData) DistrictName(code string) string { return d.names[code] }

// PageURL is the URL of another page with the same filters.
func (d *adminUnitsData) PageURL(n int) string {
	q := url.Values{}
	for k, v := range map[string]string{"kind": d.Kind, "district": d.District, "q": d.Query} {
		if v != "" {
			q.Set(k, v)
		}
	}
	q.Set("page", strconv.Itoa(n))
	return "/admin/units?" + q.Encode()
}

const unitsPerPage = 100

func (ui *ui) handleAdminUnits(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	d := &adminUnitsData{Kind: q.Get("kind"), District: q.Get("district"), Query: strings.TrimSpace(q.Get("q")),
		Kinds: []epiloop.UnitKind{epiloop.UnitHeadquarters, epiloop.UnitSubCommand, epiloop.UnitPoliceStation, epiloop.UnitCommittee, epiloop.UnitCheckpoint},
		names: map[string]string{}}
	var kind *epiloop.UnitKind
	if d.Kind != "" {
		k := epiloop.UnitKind(d.Kind)
		if !k.Valid() {
			return epiloop.FieldError("kind", "err.unknown_unit_kind")
		}
		kind = &k
	}
	var district *string
	if d.District != "" {
		district = &d.District
	}
	units, err := ui.s.Service.FindUnits(r.Context(), kind, district)
	if err != nil {
		return err
	}
	if d.Query != "" {
		var kept []epiloop.Unit
		for _, u := range units {
			if strings.Contains(u.Name, d.Query) || strings.Contains(u.Code, d.Query) {
				kept = append(kept, u)
			}
		}
		units = kept
	}
	tree, err := ui.tree(r.Context())
	if err != nil {
		return err
	}
	d.Districts = tree.Districts
	for _, dd := range tree.Districts {
		d.names[dd.Code] = dd.Name
	}
	d.Total = len(units)
	d.Pages = (d.Total + unitsPerPage - 1) / unitsPerPage
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(1, min(d.Page, d.Pages))
	from := (d.Page - 1) * unitsPerPage
	d.Units = units[from:min(from+unitsPerPage, len(units))]
	p.Title, p.Nav, p.Data = "admin.units.title", "admin.units", d
	return ui.render(w, http.StatusOK, "admin_units", p)
}

// mappingData is the station mapping page.
type mappingData struct {
	Loaded int
	Error  string
}

func (ui *ui) handleAdminMapping(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Data = "admin.mapping.title", "admin.mapping", &mappingData{}
	return ui.render(w, http.StatusOK, "admin_mapping", p)
}

// handleAdminMappingUpload loads an uploaded community → police station
// CSV, all or nothing.
func (ui *ui) handleAdminMappingUpload(w http.ResponseWriter, r *http.Request, p *page) error {
	d := &mappingData{}
	p.Title, p.Nav, p.Data = "admin.mapping.title", "admin.mapping", d
	r.Body = http.MaxBytesReader(w, r.Body, maxMappingBytes)
	file, _, err := r.FormFile("file")
	if err != nil {
		d.Error = p.T("mapping.nofile")
		return ui.render(w, http.StatusBadRequest, "admin_mapping", p)
	}
	defer file.Close()
	n, err := ui.s.Service.LoadStationMapping(r.Context(), file)
	if err != nil {
		if epiloop.ErrorCode(err) != epiloop.EINVALID {
			return err
		}
		d.Error = p.errText(err)
		return ui.render(w, http.StatusUnprocessableEntity, "admin_mapping", p)
	}
	ui.treeMu.Lock()
	ui.treeVal = nil
	ui.treeMu.Unlock()
	d.Loaded = n
	return ui.render(w, http.StatusOK, "admin_mapping", p)
}
