package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 涉疫案件: the case register's list with its filters and figures, the
// new-case form, and a case's page — the procedure's next steps as
// buttons with their document number, the suspects (masked) and their
// measures, the goods and the custody log with its verification — made
// for a phone and the keyboard: every form submits on Enter, the field
// in error keeps what was typed and says why beside it.

func (ui *ui) registerCasePages() {
	ui.page("GET /cases", epiloop.ActReadCases, ui.handleCasesPage)
	ui.page("GET /cases/new", epiloop.ActManageCases, ui.handleCaseNewPage)
	ui.page("POST /cases", epiloop.ActManageCases, ui.handleCaseCreatePost)
	ui.page("GET /cases/{id}", epiloop.ActReadCases, ui.handleCasePage)
	ui.page("POST /cases/{id}/transition", epiloop.ActManageCases, ui.handleCaseTransitionPost)
	ui.page("POST /cases/{id}/suspects", epiloop.ActManageCases, ui.handleCaseSuspectPost)
	ui.page("POST /cases/{id}/suspects/{suspect}/measures", epiloop.ActManageCases, ui.handleCaseMeasurePost)
	ui.page("POST /cases/{id}/suspects/{suspect}/reveal", epiloop.ActRevealSuspects, ui.handleCaseRevealPost)
	ui.page("POST /cases/{id}/goods", epiloop.ActManageCases, ui.handleCaseGoodsPost)
	ui.page("POST /cases/{id}/custody", epiloop.ActManageCases, ui.handleCaseCustodyPost)
}

// casesData is the list page.
type casesData struct {
	Items     []epiloop.Case
	Total     int
	Kinds     []epiloop.CaseKind
	States    []epiloop.CaseState
	Kind      string
	State     string
	District  string
	Districts []epiloop.District
	Names     map[string]string
	Figures   *loop.CaseFigures
	// Prev and Next are the neighbouring pages' links ("" for none).
	Prev, Next string
}

func (ui *ui) handleCasesPage(w http.ResponseWriter, r *http.Request, p *page) error {
	f, err := caseFilter(r)
	if err != nil {
		return err
	}
	d := &casesData{Kinds: epiloop.CaseKinds, States: epiloop.CaseStates, Names: ui.districtNames(r)}
	if f.Kind != nil {
		d.Kind = string(*f.Kind)
	}
	if f.State != nil {
		d.State = string(*f.State)
	}
	if f.District != nil {
		d.District = *f.District
	}
	if p.CityWide() {
		if tree, err := ui.tree(r.Context()); err == nil {
			d.Districts = tree.Districts
		}
	}
	l, err := ui.s.Service.FindCases(r.Context(), f)
	if err != nil {
		return err
	}
	d.Items, d.Total = l.Cases, l.Total
	page := f.Offset/f.Limit + 1
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return "/cases?" + q.Encode()
	}
	if page > 1 {
		d.Prev = link(page - 1)
	}
	if f.Offset+len(d.Items) < d.Total {
		d.Next = link(page + 1)
	}
	if p.User.Can(epiloop.ActCaseFigures) {
		if d.Figures, err = ui.s.Service.CaseFigures(r.Context()); err != nil {
			return err
		}
	}
	p.Title, p.Nav, p.Data = "cases.title", "cases", d
	return ui.render(w, http.StatusOK, "cases", p)
}

// caseNewData is the new-case form with what was typed.
type caseNewData struct {
	Kinds []epiloop.CaseKind
	V     url.Values
	formErrors
}

// Val returns a typed value of the form.
func (d *caseNewData) Val(name string) string { return d.V.Get(name) }

func (ui *ui) handleCaseNewPage(w http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Data = "cases.new_title", "cases", &caseNewData{Kinds: epiloop.CaseKinds, V: url.Values{"unit": {p.User.UnitCode}}}
	return ui.render(w, http.StatusOK, "case_new", p)
}

// caseInputOf reads the new-case form; amounts typed in yuan.
func caseInputOf(v url.Values) (loop.CaseInput, error) {
	in := loop.CaseInput{Kind: epiloop.CaseKind(v.Get("kind")), Unit: strings.TrimSpace(v.Get("unit")), Title: v.Get("title"),
		Summary: v.Get("summary"), Places: epiloop.SplitCaseList(v.Get("places")),
		Provinces: epiloop.SplitCaseList(v.Get("provinces")), Cities: epiloop.SplitCaseList(v.Get("cities"))}
	for _, line := range strings.Split(v.Get("addresses"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Addresses = append(in.Addresses, line)
		}
	}
	var ok bool
	if in.AmountFen, ok = epiloop.ParseYuan(v.Get("amount")); !ok {
		return in, epiloop.FieldError("amount", "err.case_amount")
	}
	if in.RecoveredFen, ok = epiloop.ParseYuan(v.Get("recovered")); !ok {
		return in, epiloop.FieldError("recovered", "err.case_amount")
	}
	return in, nil
}

func (ui *ui) handleCaseCreatePost(w http.ResponseWriter, r *http.Request, p *page) error {
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_could_not_read")
	}
	in, err := caseInputOf(r.PostForm)
	var c *epiloop.Case
	if err == nil {
		c, err = ui.s.Service.RegisterCase(r.Context(), in)
	}
	if err == nil {
		redirect(w, r, "/cases/"+strconv.FormatInt(c.ID, 10)+"?saved=registered")
		return nil
	}
	if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT {
		return err
	}
	d := &caseNewData{Kinds: epiloop.CaseKinds, V: r.PostForm}
	d.set(p, err, epiloop.ErrorField(err))
	p.Title, p.Nav, p.Data = "cases.new_title", "cases", d
	return ui.render(w, formStatus(err), "case_new", p)
}

// caseData is a case's page, with the state of the one form that was
// refused (its name, what was typed, the errors) and a revealed
// identity.
type caseData struct {
	*loop.CaseView
	Names          map[string]string
	MeasureKinds   []epiloop.MeasureKind
	CustodyActions []epiloop.CustodyAction
	Today          string
	// Form names the refused form ("transition:filed", "suspect",
	// "measure:3", "reveal:3", "goods", "custody"); V its values.
	Form string
	V    url.Values
	formErrors
	RevealedID int64
	Revealed   *epiloop.Person
	// Stray is the refusal of a step the page offers no form for (a
	// step that would skip one, posted by hand or from a stale page).
	Stray string
}

// Val returns what was typed into field of form, when form is the one
// refused.
func (d *caseData) Val(form, field string) string {
	if d.Form != form {
		return ""
	}
	return d.V.Get(field)
}

// FormErr returns the error beside field of form, when form is the one
// refused.
func (d *caseData) FormErr(form, field string) string {
	if d.Form != form {
		return ""
	}
	return d.Err(field)
}

// FormAlert returns the message above form, when it is the one refused.
func (d *caseData) FormAlert(form string) string {
	if d.Form != form {
		return ""
	}
	return d.Error
}

func (ui *ui) caseData(r *http.Request, p *page) (*caseData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := ui.s.Service.FindCase(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &caseData{CaseView: v, Names: ui.districtNames(r), MeasureKinds: epiloop.MeasureKinds,
		CustodyActions: epiloop.CustodyActions, Today: epiloop.CivilDate(p.Now)}, nil
}

func (ui *ui) handleCasePage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.caseData(r, p)
	if err != nil {
		return err
	}
	if k := r.URL.Query().Get("saved"); k != "" && strings.IndexFunc(k, func(c rune) bool { return (c < 'a' || c > 'z') && c != '_' }) < 0 {
		p.Flash = p.T("cases.saved." + k)
	}
	return ui.renderCase(w, http.StatusOK, p, d)
}

func (ui *ui) renderCase(w http.ResponseWriter, status int, p *page, d *caseData) error {
	p.Title, p.Nav, p.Data = "cases.case_title", "cases", d
	return ui.render(w, status, "case", p)
}

// casePost runs a case page's form: on success back to the case at its
// section, on a refusal the page again with the form's values and the
// reason beside the field.
func (ui *ui) casePost(w http.ResponseWriter, r *http.Request, p *page, form, saved, anchor string, do func(id int64, v url.Values) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return epiloop.Errorf(epiloop.EINVALID, "err.request_body_could_not_read")
	}
	err = do(id, r.PostForm)
	if err == nil {
		redirect(w, r, "/cases/"+strconv.FormatInt(id, 10)+"?saved="+saved+"#"+anchor)
		return nil
	}
	if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT {
		return err
	}
	d, derr := ui.caseData(r, p)
	if derr != nil {
		return derr
	}
	d.Form, d.V = form, r.PostForm
	d.set(p, err, epiloop.ErrorField(err))
	if to, ok := strings.CutPrefix(form, "transition:"); ok && !slices.Contains(d.Next, epiloop.CaseState(to)) {
		d.Stray = p.errText(err)
	}
	return ui.renderCase(w, formStatus(err), p, d)
}

func (ui *ui) handleCaseTransitionPost(w http.ResponseWriter, r *http.Request, p *page) error {
	to := epiloop.CaseState(r.PostFormValue("to"))
	return ui.casePost(w, r, p, "transition:"+string(to), "transition", "procedure", func(id int64, v url.Values) error {
		_, err := ui.s.Service.TransitionCase(r.Context(), id, to, v.Get("doc_no"), v.Get("note"))
		return err
	})
}

func (ui *ui) handleCaseSuspectPost(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.casePost(w, r, p, "suspect", "suspect", "suspects", func(id int64, v url.Values) error {
		var first *epiloop.CaseMeasure
		if k := v.Get("kind"); k != "" {
			first = &epiloop.CaseMeasure{Kind: epiloop.MeasureKind(k), Date: strings.TrimSpace(v.Get("date")),
				FacilityCode: v.Get("facility"), DocNo: v.Get("doc_no")}
		}
		_, err := ui.s.Service.AddSuspect(r.Context(), id, epiloop.Person{IDNumber: v.Get("id_number"), Name: v.Get("name"), Phone: v.Get("phone")}, first)
		return err
	})
}

func (ui *ui) handleCaseMeasurePost(w http.ResponseWriter, r *http.Request, p *page) error {
	sid, err := pathID(r, "suspect")
	if err != nil {
		return err
	}
	return ui.casePost(w, r, p, "measure:"+r.PathValue("suspect"), "measure", "s-"+r.PathValue("suspect"), func(id int64, v url.Values) error {
		_, err := ui.s.Service.AddMeasure(r.Context(), id, sid, epiloop.CaseMeasure{Kind: epiloop.MeasureKind(v.Get("kind")),
			Date: strings.TrimSpace(v.Get("date")), FacilityCode: v.Get("facility"), DocNo: v.Get("doc_no"), Note: v.Get("note")})
		return err
	})
}

// handleCaseRevealPost shows a suspect's identity on the case's page,
// once, for the purpose stated (audited); it is never put in a URL.
func (ui *ui) handleCaseRevealPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sid, err := pathID(r, "suspect")
	if err != nil {
		return err
	}
	person, err := ui.s.Service.RevealSuspect(r.Context(), id, sid, r.PostFormValue("purpose"))
	d, derr := ui.caseData(r, p)
	if derr != nil {
		return derr
	}
	if err != nil {
		if epiloop.ErrorCode(err) != epiloop.EINVALID {
			return err
		}
		d.Form, d.V = "reveal:"+r.PathValue("suspect"), r.PostForm
		d.set(p, err, epiloop.ErrorField(err))
		return ui.renderCase(w, formStatus(err), p, d)
	}
	d.RevealedID, d.Revealed = sid, &person
	return ui.renderCase(w, http.StatusOK, p, d)
}

func (ui *ui) handleCaseGoodsPost(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.casePost(w, r, p, "goods", "goods", "goods", func(id int64, v url.Values) error {
		q, err := caseCount(v.Get("quantity"), "quantity")
		if err != nil {
			return err
		}
		fen, ok := epiloop.ParseYuan(v.Get("value"))
		if !ok {
			return epiloop.FieldError("value", "err.case_amount")
		}
		_, err = ui.s.Service.AddGoods(r.Context(), id, epiloop.CaseGoods{Description: v.Get("description"), Quantity: q,
			Unit: v.Get("unit"), ValueFen: fen})
		return err
	})
}

func (ui *ui) handleCaseCustodyPost(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.casePost(w, r, p, "custody", "custody", "custody", func(id int64, v url.Values) error {
		q, err := caseCount(v.Get("quantity"), "quantity")
		if err != nil {
			return err
		}
		goods, _ := strconv.ParseInt(v.Get("goods"), 10, 64)
		_, err = ui.s.Service.RecordCustody(r.Context(), id, epiloop.CustodyEntry{GoodsID: goods, Action: epiloop.CustodyAction(v.Get("action")),
			Quantity: q, Place: v.Get("place"), Holder: v.Get("holder"), DocNo: v.Get("doc_no"), Note: v.Get("note")})
		return err
	})
}

// caseCount reads a whole number typed with or without separators (""
// is 0).
func caseCount(s, field string) (int64, error) {
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(epiloop.ToHalfWidth(strings.TrimSpace(s)))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > epiloop.MaxCaseQuantity {
		return 0, epiloop.FieldError(field, "err.case_quantity", epiloop.MaxCaseQuantity)
	}
	return n, nil
}

// CaseStates lists the procedure's states, for the templates' columns.
func (p *page) CaseStates() []epiloop.CaseState { return epiloop.CaseStates }

// casesTile is the dashboard's case register section.
type casesTile struct {
	Figures *loop.CaseFigures
	Names   map[string]string
}

// casesTile reads the figures for the dashboard: none for a role that
// does not read them.
func (ui *ui) casesTile(r *http.Request, p *page) (*casesTile, error) {
	if !p.User.Can(epiloop.ActCaseFigures) {
		return nil, nil
	}
	f, err := ui.s.Service.CaseFigures(r.Context())
	if err != nil {
		return nil, err
	}
	return &casesTile{Figures: f, Names: ui.districtNames(r)}, nil
}
