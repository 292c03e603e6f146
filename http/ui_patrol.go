package http

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The 巡逻 page: a day's patrol figures per district, the day's patrol
// and drone logs, a quick entry form for each (one thumb on a 390 px
// phone, Enter to move on), and the incidents year on year with their
// entry and import.

func (ui *ui) registerPatrolPages() {
	ui.page("GET /patrols", epiloop.ActReadPatrols, ui.handlePatrolPage)
	ui.page("POST /patrols/log", epiloop.ActLogPatrol, ui.handlePatrolLogPost)
	ui.page("POST /patrols/sortie", epiloop.ActLogPatrol, ui.handleSortieLogPost)
	ui.page("POST /patrols/{id}/void", epiloop.ActLogPatrol, ui.handlePatrolVoidPost)
	ui.page("POST /patrols/sorties/{id}/void", epiloop.ActLogPatrol, ui.handleSortieVoidPost)
	ui.page("POST /patrols/incidents", epiloop.ActEnterIncidents, ui.handleIncidentPost)
	ui.page("POST /patrols/incidents/import", epiloop.ActEnterIncidents, ui.handleIncidentImportPost)
}

// patrolForm is the patrol entry form as typed.
type patrolForm struct {
	Unit, District, Officers, Vehicles, Area, Start, End string
	formErrors
}

// sortieForm is the sortie entry form as typed.
type sortieForm struct {
	Unit, District, Pilot, Drone, Area, Start, Minutes string
	formErrors
}

// incidentForm is the incident entry form as typed.
type incidentForm struct {
	District, Date, PublicOrder, Criminal string
	formErrors
}

// incidentImportView is an import's outcome on the page.
type incidentImportView struct {
	incidentImportJSON
	Error string
}

// patrolPageData is the page.
type patrolPageData struct {
	Date, Prev, Next string
	// Days is the incident table's span ending on Date (1 or 7).
	Days      int
	Totals    *loop.PatrolTotalsView
	Incidents *loop.IncidentTable
	Patrols   []epiloop.PatrolLog
	Sorties   []epiloop.DroneSortie
	Districts []epiloop.District
	names     map[string]string
	// HQ is set when the user's unit has no district: the forms ask for
	// one.
	HQ     bool
	PF     *patrolForm
	SF     *sortieForm
	IF     *incidentForm
	Import *incidentImportView
	now    time.Time
	lang   string
}

// Name is a district's name.
func (d *patrolPageData) Name(code string) string {
	if n, ok := d.names[code]; ok {
		return n
	}
	return code
}

// Hours renders flight minutes as hours, one decimal.
func (d *patrolPageData) Hours(t epiloop.PatrolTotals) string {
	return strconv.FormatFloat(t.FlightHours(), 'f', 1, 64)
}

// YoY renders a comparison in the page's language (epiloop.YoY.Text).
func (d *patrolPageData) YoY(y epiloop.YoY) string { return y.Text(d.lang) }

// Correctable reports whether an entry logged at created may still be
// voided.
func (d *patrolPageData) Correctable(created time.Time) bool {
	return epiloop.Correctable(created, d.now)
}

// Local renders a time as the form's civil date and time.
func (d *patrolPageData) Local(t time.Time) string {
	return t.In(epiloop.CivilZone()).Format("01-02 15:04")
}

// patrolDate reads ?date= (today by default).
func (ui *ui) patrolDate(r *http.Request) (string, error) {
	date := r.URL.Query().Get("date")
	if date == "" {
		date = r.PostFormValue("date")
	}
	if date == "" {
		return epiloop.CivilDate(ui.s.Service.Clock.Now()), nil
	}
	if epiloop.AddDays(date, 0) != date {
		return "", epiloop.FieldError("date", "err.incident_date")
	}
	return date, nil
}

// patrolData loads the page of a day for the signed-in user.
func (ui *ui) patrolData(r *http.Request, p *page, date string) (*patrolPageData, error) {
	ctx := r.Context()
	d := &patrolPageData{Date: date, Prev: epiloop.AddDays(date, -1), Next: epiloop.AddDays(date, 1), Days: 1,
		now: ui.s.Service.Clock.Now(), lang: p.Lang, names: map[string]string{}}
	if r.URL.Query().Get("days") == "7" {
		d.Days = 7
	}
	tree, err := ui.tree(ctx)
	if err != nil {
		return nil, err
	}
	mine, all := p.User.PatrolFigureDistrict()
	for _, dist := range tree.Districts {
		d.names[dist.Code] = dist.Name
		if all || dist.Code == mine {
			d.Districts = append(d.Districts, dist)
		}
	}
	d.HQ = p.User.DistrictCode == ""
	if d.Totals, err = ui.s.Service.PatrolTotals(ctx, date, date); err != nil {
		return nil, err
	}
	if d.Incidents, err = ui.s.Service.Incidents(ctx, epiloop.AddDays(date, 1-d.Days), date); err != nil {
		return nil, err
	}
	if p.User.Can(epiloop.ActReadPatrolLogs) {
		f := epiloop.PatrolFilter{From: epiloop.CivilMidnight(date), To: epiloop.CivilMidnight(d.Next), Limit: 200}
		if d.Patrols, _, err = ui.s.Service.FindPatrolLogs(ctx, f); err != nil {
			return nil, err
		}
		if d.Sorties, _, err = ui.s.Service.FindDroneSorties(ctx, f); err != nil {
			return nil, err
		}
	}
	// A fresh form starts at the times most entries have — a patrol
	// that just ended after two hours, a sortie half an hour ago — so an
	// officer at a gate types names and an area and presses Enter.
	local := func(t time.Time) string {
		return t.In(epiloop.CivilZone()).Truncate(time.Minute).Format(formTimeLayout)
	}
	now := d.now.Truncate(5 * time.Minute)
	d.PF = &patrolForm{Start: local(now.Add(-2 * time.Hour)), End: local(now)}
	d.SF = &sortieForm{Start: local(now.Add(-30 * time.Minute))}
	d.IF = &incidentForm{Date: date}
	if !all {
		d.IF.District = mine
	}
	return d, nil
}

func (ui *ui) handlePatrolPage(w http.ResponseWriter, r *http.Request, p *page) error {
	date, err := ui.patrolDate(r)
	if err != nil {
		return err
	}
	d, err := ui.patrolData(r, p, date)
	if err != nil {
		return err
	}
	if k := r.URL.Query().Get("saved"); k != "" {
		p.Flash = p.T("patrols.saved." + map[string]string{"patrol": "patrol", "sortie": "sortie", "void": "void",
			"incidents": "incidents"}[k])
	}
	return ui.renderPatrols(w, http.StatusOK, p, d)
}

func (ui *ui) renderPatrols(w http.ResponseWriter, status int, p *page, d *patrolPageData) error {
	p.Title, p.Nav, p.Data = "patrols.title", "patrols", d
	return ui.render(w, status, "patrols", p)
}

// formTimeLayout is a datetime-local field's value, in civil time.
const formTimeLayout = "2006-01-02T15:04"

// formTime reads a datetime-local field as civil time ("" is the zero
// time: the domain says it is required).
func formTime(r *http.Request, field string) (time.Time, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(formTimeLayout, v, epiloop.CivilZone())
	if err != nil {
		return t, epiloop.FieldError(field, "err.patrol_time")
	}
	return t.UTC(), nil
}

// splitList splits a typed list on commas, the ideographic comma, spaces
// and new lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	})
}

// fieldErrors merges parse errors with a validator's, one per field.
func fieldErrors(parse []error, problems []error) []error {
	seen := map[string]bool{}
	out := append([]error(nil), parse...)
	for _, e := range parse {
		seen[epiloop.ErrorField(e)] = true
	}
	for _, e := range problems {
		if !seen[epiloop.ErrorField(e)] {
			out = append(out, e)
		}
	}
	return out
}

// afterPatrolPost answers a form post: back to the page when it was
// saved, the page again with every error beside its field when not.
func (ui *ui) afterPatrolPost(w http.ResponseWriter, r *http.Request, p *page, date, saved, anchor string,
	errs []error, put func(d *patrolPageData, errs []error)) error {
	if len(errs) == 0 {
		http.Redirect(w, r, "/patrols?date="+url.QueryEscape(date)+"&saved="+saved+"#"+anchor, http.StatusSeeOther)
		return nil
	}
	for _, err := range errs {
		if !userError(err) {
			return err
		}
	}
	d, err := ui.patrolData(r, p, date)
	if err != nil {
		return err
	}
	put(d, errs)
	return ui.renderPatrols(w, formStatus(errs[0]), p, d)
}

func (ui *ui) handlePatrolLogPost(w http.ResponseWriter, r *http.Request, p *page) error {
	f := patrolForm{Unit: strings.TrimSpace(r.PostFormValue("unit")), District: r.PostFormValue("district"),
		Officers: r.PostFormValue("officers"), Vehicles: r.PostFormValue("vehicles"), Area: r.PostFormValue("area"),
		Start: r.PostFormValue("start"), End: r.PostFormValue("end")}
	log := epiloop.PatrolLog{UnitCode: f.Unit, DistrictCode: f.District, Officers: splitList(f.Officers),
		Vehicles: splitList(f.Vehicles), Area: f.Area}
	var parse []error
	var err error
	if log.Start, err = formTime(r, "start"); err != nil {
		parse = append(parse, err)
	}
	if log.End, err = formTime(r, "end"); err != nil {
		parse = append(parse, err)
	}
	log.Normalize()
	errs := fieldErrors(parse, log.Problems(ui.s.Service.Clock.Now()))
	date := epiloop.CivilDate(ui.s.Service.Clock.Now())
	if !log.Start.IsZero() {
		date = epiloop.CivilDate(log.Start)
	}
	if len(errs) == 0 {
		if _, err := ui.s.Service.LogPatrol(r.Context(), log); err != nil {
			errs = []error{err}
		}
	}
	return ui.afterPatrolPost(w, r, p, date, "patrol", "patrol-form", errs, func(d *patrolPageData, errs []error) {
		d.PF = &f
		d.PF.setAll(p, errs, epiloop.ErrorField)
	})
}

func (ui *ui) handleSortieLogPost(w http.ResponseWriter, r *http.Request, p *page) error {
	f := sortieForm{Unit: strings.TrimSpace(r.PostFormValue("unit")), District: r.PostFormValue("district"),
		Pilot: r.PostFormValue("pilot"), Drone: r.PostFormValue("drone"), Area: r.PostFormValue("area"),
		Start: r.PostFormValue("start"), Minutes: strings.TrimSpace(r.PostFormValue("minutes"))}
	s := epiloop.DroneSortie{UnitCode: f.Unit, DistrictCode: f.District, Pilot: f.Pilot, Drone: f.Drone, Area: f.Area}
	var parse []error
	var err error
	if s.Start, err = formTime(r, "start"); err != nil {
		parse = append(parse, err)
	}
	if f.Minutes != "" {
		if s.Minutes, err = strconv.Atoi(f.Minutes); err != nil {
			parse = append(parse, epiloop.FieldError("minutes", "err.sortie_minutes", epiloop.MaxSortieMinutes))
		}
	}
	s.Normalize()
	errs := fieldErrors(parse, s.Problems(ui.s.Service.Clock.Now()))
	date := epiloop.CivilDate(ui.s.Service.Clock.Now())
	if !s.Start.IsZero() {
		date = epiloop.CivilDate(s.Start)
	}
	if len(errs) == 0 {
		if _, err := ui.s.Service.LogSortie(r.Context(), s); err != nil {
			errs = []error{err}
		}
	}
	return ui.afterPatrolPost(w, r, p, date, "sortie", "sortie-form", errs, func(d *patrolPageData, errs []error) {
		d.SF = &f
		d.SF.setAll(p, errs, epiloop.ErrorField)
	})
}

// voidPost voids an entry from the log list and returns to its day.
func (ui *ui) voidPost(w http.ResponseWriter, r *http.Request, p *page, void func(id int64) (time.Time, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	start, err := void(id)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/patrols?date="+url.QueryEscape(epiloop.CivilDate(start))+"&saved=void", http.StatusSeeOther)
	return nil
}

func (ui *ui) handlePatrolVoidPost(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.voidPost(w, r, p, func(id int64) (time.Time, error) {
		out, err := ui.s.Service.CorrectPatrol(r.Context(), id, epiloop.PatrolLog{}, true, r.PostFormValue("reason"))
		if err != nil {
			return time.Time{}, err
		}
		return out.Start, nil
	})
}

func (ui *ui) handleSortieVoidPost(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.voidPost(w, r, p, func(id int64) (time.Time, error) {
		out, err := ui.s.Service.CorrectSortie(r.Context(), id, epiloop.DroneSortie{}, true, r.PostFormValue("reason"))
		if err != nil {
			return time.Time{}, err
		}
		return out.Start, nil
	})
}

func (ui *ui) handleIncidentPost(w http.ResponseWriter, r *http.Request, p *page) error {
	f := incidentForm{District: r.PostFormValue("district"), Date: strings.TrimSpace(r.PostFormValue("date")),
		PublicOrder: strings.TrimSpace(r.PostFormValue("public_order")), Criminal: strings.TrimSpace(r.PostFormValue("criminal"))}
	st := epiloop.IncidentStat{DistrictCode: f.District, Date: f.Date}
	var parse []error
	for _, c := range []struct {
		name, v string
		dst     *int64
	}{{"public_order", f.PublicOrder, &st.PublicOrder}, {"criminal", f.Criminal, &st.Criminal}} {
		n, err := strconv.ParseInt(c.v, 10, 64)
		if err != nil {
			parse = append(parse, epiloop.FieldError(c.name, "err.incident_count", epiloop.MaxIncidentCount))
		}
		*c.dst = n
	}
	errs := fieldErrors(parse, st.Problems())
	if len(errs) == 0 {
		if _, err := ui.s.Service.EnterIncidents(r.Context(), st); err != nil {
			errs = []error{err}
		}
	}
	date := f.Date
	if epiloop.AddDays(date, 0) != date {
		date = epiloop.CivilDate(ui.s.Service.Clock.Now())
	}
	return ui.afterPatrolPost(w, r, p, date, "incidents", "incident-form", errs, func(d *patrolPageData, errs []error) {
		d.IF = &f
		d.IF.setAll(p, errs, epiloop.ErrorField)
	})
}

func (ui *ui) handleIncidentImportPost(w http.ResponseWriter, r *http.Request, p *page) error {
	file, err := incidentUpload(w, r)
	var res *loop.IncidentImport
	if err == nil {
		res, err = ui.s.Service.ImportIncidents(r.Context(), bytes.NewReader(file), int64(len(file)))
	}
	if err != nil && !userError(err) {
		return err
	}
	d, derr := ui.patrolData(r, p, epiloop.CivilDate(ui.s.Service.Clock.Now()))
	if derr != nil {
		return derr
	}
	d.Import = &incidentImportView{}
	status := http.StatusOK
	if err != nil {
		d.Import.Error, status = p.errText(err), formStatus(err)
	} else {
		d.Import.incidentImportJSON = importJSONOf(res, p.Lang)
	}
	return ui.renderPatrols(w, status, p, d)
}

// patrolTile is the dashboard's patrol tile: today's figures and the
// incidents year on year, of the reader's districts.
func (ui *ui) patrolTile(r *http.Request, p *page) (*patrolPageData, error) {
	if !p.User.Can(epiloop.ActReadPatrols) {
		return nil, nil
	}
	ctx := r.Context()
	today := epiloop.CivilDate(ui.s.Service.Clock.Now())
	d := &patrolPageData{Date: today, lang: p.Lang}
	var err error
	if d.Totals, err = ui.s.Service.PatrolTotals(ctx, today, today); err != nil {
		return nil, err
	}
	if d.Incidents, err = ui.s.Service.Incidents(ctx, today, today); err != nil {
		return nil, err
	}
	return d, nil
}
