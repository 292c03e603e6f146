package http

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The medical observation pages: the responsible committee's (and the
// district's and headquarters') list of plans with today's check, the
// daily check on a phone, release and transfer; for commanders the
// isolation sites with their occupancy and the plans waiting for a place.

func (ui *ui) registerObservationPages() {
	ui.page("GET /observations", epiloop.ActReadObs, ui.handleObservationList)
	ui.page("GET /observations/sites", epiloop.ActReadSites, ui.handleObservationSites)
	ui.page("GET /observations/{id}", epiloop.ActReadObs, ui.handleObservationPage)
	ui.page("POST /observations/{id}/checks", epiloop.ActCheckObs, ui.handleObservationCheckPost)
	ui.page("POST /observations/{id}/release", epiloop.ActCheckObs, ui.handleObservationReleasePost)
	ui.page("POST /observations/{id}/transfer", epiloop.ActCheckObs, ui.handleObservationTransferPost)
	ui.page("POST /observations/{id}/place", epiloop.ActPlaceObs, ui.handleObservationPlacePost)
}

// Today's check of a plan.
const (
	checkDone    = "done"
	checkDue     = "due"
	checkOverdue = "overdue"
)

// obsItem is a plan as a card or page header shows it.
type obsItem struct {
	*epiloop.Observation
	// Check is today's check: done, due or overdue ("" when the plan takes
	// no check today).
	Check string
	// Day is today's day of the plan, of Days.
	Day, Days int
	UnitName  string
	// Strip marks each day of the plan: past, today or to come.
	Strip []string
}

func (ui *ui) obsItem(o *epiloop.Observation, today string) obsItem {
	it := obsItem{Observation: o, Day: o.Day(today), Days: epiloop.DaysBetween(o.Start, o.End)}
	if o.Status == epiloop.ObservationActive && today >= o.Start && today <= o.LastDay() {
		switch {
		case o.LastCheck == today:
			it.Check = checkDone
		case o.Overdue:
			it.Check = checkOverdue
		default:
			it.Check = checkDue
		}
	} else if o.Status == epiloop.ObservationActive && o.Overdue {
		it.Check = checkOverdue
	}
	switch {
	case o.Site != "":
		it.UnitName = o.Site
	case strings.HasPrefix(o.UnitCode, "CM"):
		if c, ok := ui.s.Service.Community(strings.TrimPrefix(o.UnitCode, "CM")); ok {
			it.UnitName = c.Name
		}
	}
	if it.UnitName == "" {
		it.UnitName = o.UnitCode
	}
	for d := 1; d <= it.Days && it.Days <= 31; d++ {
		switch {
		case d < it.Day:
			it.Strip = append(it.Strip, "past")
		case d == it.Day:
			it.Strip = append(it.Strip, "today")
		default:
			it.Strip = append(it.Strip, "")
		}
	}
	return it
}

// checkRank orders a page of plans: what needs doing first.
func checkRank(it obsItem) int {
	switch {
	case it.Proposal == epiloop.ProposeTransfer && it.Status.Open():
		return 0
	case it.Check == checkOverdue:
		return 1
	case it.Check == checkDue:
		return 2
	case it.Proposal == epiloop.ProposeRelease && it.Status.Open():
		return 3
	}
	return 4
}

// obsListData is the filterable, paged list of plans.
type obsListData struct {
	Items    []obsItem
	Total    int
	Page     int
	Pages    int
	Status   string
	Kind     string
	Statuses []epiloop.ObservationStatus
	Kinds    []epiloop.ObservationKind
	Counts   map[string]int64
	Query    url.Values
	Placer   bool
}

// PageURL returns the list URL for another page with the same filters.
func (d *obsListData) PageURL(n int) string {
	q := url.Values{}
	for _, k := range []string{"status", "kind"} {
		if v := d.Query.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("page", strconv.Itoa(n))
	return "/observations?" + q.Encode()
}

const obsPerPage = 60

func (ui *ui) handleObservationList(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	d := &obsListData{Status: q.Get("status"), Kind: q.Get("kind"), Query: q, Page: 1,
		Statuses: []epiloop.ObservationStatus{epiloop.ObservationActive, epiloop.ObservationPending, epiloop.ObservationReleased, epiloop.ObservationTransferred},
		Kinds:    []epiloop.ObservationKind{epiloop.ObservationHome, epiloop.ObservationCentral, epiloop.ObservationNewDetainee, epiloop.ObservationDetentionStaff},
		Placer:   p.User.Role != epiloop.RoleCommittee}
	if d.Status == "" {
		d.Status = string(epiloop.ObservationActive)
	}
	f := epiloop.ObservationFilter{Limit: obsPerPage}
	if d.Status != "all" {
		st := epiloop.ObservationStatus(d.Status)
		if !st.Valid() {
			return epiloop.FieldError("status", "err.unknown_status")
		}
		f.Status = &st
	}
	if d.Kind != "" {
		k := epiloop.ObservationKind(d.Kind)
		if !k.Valid() {
			return epiloop.FieldError("kind", "err.unknown_kind")
		}
		f.Kind = &k
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 100000 {
		d.Page = n
		f.Offset = (n - 1) * obsPerPage
	}
	ctx := r.Context()
	plans, total, err := ui.s.Service.FindObservations(ctx, f)
	if err != nil {
		return err
	}
	st, err := ui.s.Service.StatsOfObservations(ctx)
	if err != nil {
		return err
	}
	d.Total, d.Pages, d.Counts = total, (total+obsPerPage-1)/obsPerPage, st.Counts
	today := epiloop.CivilDate(p.Now)
	for _, o := range plans {
		d.Items = append(d.Items, ui.obsItem(o, today))
	}
	sort.SliceStable(d.Items, func(i, j int) bool { return checkRank(d.Items[i]) < checkRank(d.Items[j]) })
	p.Title, p.Nav, p.Data = "obs.list.title", "observations", d
	return ui.render(w, http.StatusOK, "observations", p)
}

// obsForm is one of a plan's forms being filled in: the daily check,
// release, transfer or placement.
type obsForm struct {
	Which    string
	Temp     string
	Symptoms string
	Present  string
	Note     string
	Reason   string
	Hospital string
	Site     string
	Override bool
	formErrors
}

// On reports whether the form in error is which.
func (f *obsForm) On(which string) bool { return f != nil && f.Which == which }

func (f *obsForm) setError(p *page, err error) { f.set(p, err, epiloop.ErrorField(err)) }

// obsPageData is one plan's page.
type obsPageData struct {
	obsItem
	// Checks are the plan's checks, newest first; Last is the latest.
	Checks   []obsCheck
	Last     *obsCheck
	CanAct   bool
	CanPlace bool
	Form     *obsForm
	Sites    []epiloop.Site
}

// Plan is the plan as the page header shows it.
func (d *obsPageData) Plan() obsItem { return d.obsItem }

// obsCheck is a daily check as the page shows it.
type obsCheck struct{ *epiloop.ObservationCheck }

// Temp renders the reading with one decimal.
func (c obsCheck) Temp() string { return fmt.Sprintf("%.1f", c.Temperature) }

// Fever reports whether the reading is a fever.
func (c obsCheck) Fever() bool { return c.Temperature >= epiloop.FeverThreshold }

// mayActOn mirrors the workflow's rule, to show only the forms the user
// may use: the responsible unit, the plan's district, headquarters.
func mayActOn(u *epiloop.User, o *epiloop.Observation) bool {
	switch u.Role {
	case epiloop.RoleCommander:
		return true
	case epiloop.RoleDistrict:
		return o.DistrictCode == u.DistrictCode
	}
	return u.UnitCode != "" && u.UnitCode == o.UnitCode
}

func (ui *ui) handleObservationPage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	switch {
	case r.URL.Query().Get("checked") != "":
		p.Flash = p.T("obs.flash.checked")
	case r.URL.Query().Get("ended") != "":
		p.Flash = p.T("obs.flash.ended")
	case r.URL.Query().Get("placed") != "":
		p.Flash = p.T("obs.flash.placed")
	}
	return ui.renderObservation(w, r, p, id, nil, http.StatusOK)
}

func (ui *ui) renderObservation(w http.ResponseWriter, r *http.Request, p *page, id int64, form *obsForm, status int) error {
	v, err := ui.s.Service.FindObservation(r.Context(), id)
	if err != nil {
		return err
	}
	d := &obsPageData{obsItem: ui.obsItem(v.Observation, epiloop.CivilDate(p.Now)), Form: form,
		CanAct: mayActOn(p.User, v.Observation) && v.Status.Open()}
	d.CanPlace = d.CanAct && (p.User.Role == epiloop.RoleCommander || p.User.Role == epiloop.RoleDistrict) &&
		(v.Status == epiloop.ObservationPending || v.Kind == epiloop.ObservationCentral)
	for i := len(v.Checks) - 1; i >= 0; i-- {
		d.Checks = append(d.Checks, obsCheck{v.Checks[i]})
	}
	if len(d.Checks) > 0 {
		d.Last = &d.Checks[0]
	}
	if d.CanPlace {
		if d.Sites, err = ui.s.Service.FindSites(r.Context()); err != nil {
			return err
		}
	}
	if d.Form == nil {
		d.Form = &obsForm{Present: "yes", Symptoms: "no"}
	}
	p.Title, p.Nav, p.Data = "obs.title", "observations", d
	return ui.render(w, status, "observation", p)
}

// obsFail renders the plan's page with a form's error, or returns the
// error for the error page when it is not the person's to fix.
func (ui *ui) obsFail(w http.ResponseWriter, r *http.Request, p *page, id int64, form *obsForm, err error) error {
	if !userError(err) {
		return err
	}
	form.setError(p, err)
	if r.PostFormValue("back") == "sites" {
		return ui.renderSites(w, r, p, id, form, formStatus(err))
	}
	return ui.renderObservation(w, r, p, id, form, formStatus(err))
}

func (ui *ui) handleObservationCheckPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	form := &obsForm{Which: "check", Temp: v("temperature"), Symptoms: v("symptoms"), Present: v("present"), Note: r.PostFormValue("note")}
	in := loop.CheckInput{Symptoms: form.Symptoms == "yes", Note: form.Note}
	switch form.Present {
	case "yes", "no":
		present := form.Present == "yes"
		in.Present = &present
	}
	if form.Temp != "" {
		t, perr := strconv.ParseFloat(strings.Replace(epiloop.ToHalfWidth(form.Temp), ",", ".", 1), 64)
		if perr != nil {
			return ui.obsFail(w, r, p, id, form, epiloop.FieldError("temperature", "err.temperature_must_number"))
		}
		in.Temperature = &t
	}
	if _, err := ui.s.Service.SubmitCheck(r.Context(), id, in); err != nil {
		return ui.obsFail(w, r, p, id, form, err)
	}
	redirect(w, r, fmt.Sprintf("/observations/%d?checked=1", id))
	return nil
}

func (ui *ui) handleObservationReleasePost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form := &obsForm{Which: "release", Reason: r.PostFormValue("reason")}
	if _, err := ui.s.Service.ReleaseObservation(r.Context(), id, form.Reason); err != nil {
		return ui.obsFail(w, r, p, id, form, err)
	}
	redirect(w, r, fmt.Sprintf("/observations/%d?ended=1", id))
	return nil
}

func (ui *ui) handleObservationTransferPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form := &obsForm{Which: "transfer", Hospital: r.PostFormValue("hospital"), Note: r.PostFormValue("note")}
	if _, err := ui.s.Service.TransferObservation(r.Context(), id, form.Hospital, form.Note); err != nil {
		return ui.obsFail(w, r, p, id, form, err)
	}
	redirect(w, r, fmt.Sprintf("/observations/%d?ended=1", id))
	return nil
}

func (ui *ui) handleObservationPlacePost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	form := &obsForm{Which: "place", Site: r.PostFormValue("site"), Override: r.PostFormValue("override") == "yes"}
	if _, err := ui.s.Service.PlaceObservation(r.Context(), id, form.Site, form.Override); err != nil {
		return ui.obsFail(w, r, p, id, form, err)
	}
	if r.PostFormValue("back") == "sites" {
		redirect(w, r, fmt.Sprintf("/observations/sites?placed=%d", id))
		return nil
	}
	redirect(w, r, fmt.Sprintf("/observations/%d?placed=1", id))
	return nil
}

// obsSitesData is the sites page: occupancy, and the plans waiting for a
// place.
type obsSitesData struct {
	Sites   []siteRow
	Pending []obsItem
	// FormFor is the plan whose placement failed, with Form its error.
	FormFor int64
	Form    *obsForm
}

// FormOf returns the placement form of a plan: the one in error, or an
// empty one.
func (d *obsSitesData) FormOf(id int64) *obsForm {
	if d.Form != nil && d.FormFor == id {
		return d.Form
	}
	return &obsForm{}
}

type siteRow struct {
	epiloop.Site
	DistrictName string
	Free         int
}

// Low is the occupancy from which the site's meter warns: four fifths.
func (s siteRow) Low() int { return s.Capacity * 4 / 5 }

// Full reports whether the site has no free place.
func (s siteRow) Full() bool { return s.Free <= 0 }

func (ui *ui) handleObservationSites(w http.ResponseWriter, r *http.Request, p *page) error {
	if r.URL.Query().Get("placed") != "" {
		p.Flash = p.T("obs.flash.placed")
	}
	return ui.renderSites(w, r, p, 0, nil, http.StatusOK)
}

func (ui *ui) renderSites(w http.ResponseWriter, r *http.Request, p *page, id int64, form *obsForm, status int) error {
	ctx := r.Context()
	sites, err := ui.s.Service.FindSites(ctx)
	if err != nil {
		return err
	}
	pending := epiloop.ObservationPending
	plans, _, err := ui.s.Service.FindObservations(ctx, epiloop.ObservationFilter{Status: &pending, Limit: 200})
	if err != nil {
		return err
	}
	d := &obsSitesData{FormFor: id, Form: form}
	for _, s := range sites {
		row := siteRow{Site: s, Free: s.Capacity - s.Occupancy}
		if dist, ok := ui.s.Service.District(s.DistrictCode); ok {
			row.DistrictName = dist.Name
		}
		d.Sites = append(d.Sites, row)
	}
	today := epiloop.CivilDate(p.Now)
	for _, o := range plans {
		d.Pending = append(d.Pending, ui.obsItem(o, today))
	}
	p.Title, p.Nav, p.Data = "obs.sites.title", "observations", d
	return ui.render(w, status, "observation_sites", p)
}
