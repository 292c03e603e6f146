package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 外地协查: the queue of hand-overs between cities (incoming to decide,
// outgoing to follow), a hand-over's page with the accept and refuse
// forms, and the letter of assistance, printable and as a workbook.

func (ui *ui) registerXCityPages() {
	ui.page("GET /xcity", epiloop.ActReadXCity, ui.handleXCityPage)
	ui.page("GET /xcity/{id}", epiloop.ActReadXCity, ui.handleXCityOne)
	ui.page("POST /xcity/{id}/accept", epiloop.ActDecideXCity, ui.handleXCityAcceptPost)
	ui.page("POST /xcity/{id}/refuse", epiloop.ActDecideXCity, ui.handleXCityRefusePost)
	ui.page("GET /xcity/{id}/letter", epiloop.ActXCityLetter, ui.handleXCityLetterPage)
	ui.page("GET /xcity/{id}/letter.xlsx", epiloop.ActXCityLetter, ui.handleXCityLetterXLSX)
}

// xcityData is the queue page.
type xcityData struct {
	Items     []epiloop.XCityHandover
	Total     int
	Direction string
	Figures   *loop.XCityFigures
	Cities    map[string]string
}

// cityNames names the cities of hs.
func (ui *ui) cityNames(hs ...epiloop.XCityHandover) map[string]string {
	out := map[string]string{}
	for _, h := range hs {
		if _, ok := out[h.PeerCity]; !ok {
			out[h.PeerCity] = ui.s.Service.CityName(h.PeerCity)
		}
	}
	return out
}

func (ui *ui) handleXCityPage(w http.ResponseWriter, r *http.Request, p *page) error {
	f, err := xcityFilter(r)
	if err != nil {
		return err
	}
	if f.Direction == nil {
		in := epiloop.XCityIn
		f.Direction = &in
	}
	f.Limit = 100
	d := &xcityData{Direction: string(*f.Direction)}
	if d.Items, d.Total, err = ui.s.Service.FindXCityHandovers(r.Context(), f); err != nil {
		return err
	}
	if d.Figures, err = ui.s.Service.FindXCityFigures(r.Context()); err != nil {
		return err
	}
	d.Cities = ui.cityNames(d.Items...)
	p.Title, p.Nav, p.Data = "xcity.title", "xcity", d
	return ui.render(w, http.StatusOK, "xcity", p)
}

// xcityOneData is a hand-over's page and its refusal form.
type xcityOneData struct {
	*loop.XCityView
	CanDecide bool
	CanLetter bool
	Typed     string // the refusal's reason as typed
	formErrors
}

func (ui *ui) renderXCityOne(w http.ResponseWriter, r *http.Request, p *page, d *xcityOneData, status int) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if d.XCityView, err = ui.s.Service.FindXCityHandover(r.Context(), id); err != nil {
		return err
	}
	h := d.XCityHandover
	d.CanDecide = h.Direction == epiloop.XCityIn && h.State == epiloop.XCityReceived && p.User.Can(epiloop.ActDecideXCity)
	d.CanLetter = h.Direction == epiloop.XCityOut && (h.State == epiloop.XCityLetter || h.State == epiloop.XCityRefused) &&
		p.User.Can(epiloop.ActXCityLetter)
	switch {
	case r.URL.Query().Get("accepted") != "":
		p.Flash = p.T("xcity.accepted_flash")
	case r.URL.Query().Get("refused") != "":
		p.Flash = p.T("xcity.refused_flash")
	}
	p.Title, p.Nav, p.Data = "xcity.title", "xcity", d
	return ui.render(w, status, "xcity_one", p)
}

func (ui *ui) handleXCityOne(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.renderXCityOne(w, r, p, &xcityOneData{}, http.StatusOK)
}

func (ui *ui) handleXCityAcceptPost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := ui.s.Service.AcceptXCity(r.Context(), id); err != nil {
		if !userError(err) {
			return err
		}
		d := &xcityOneData{}
		d.set(p, err, "")
		return ui.renderXCityOne(w, r, p, d, formStatus(err))
	}
	redirect(w, r, "/xcity/"+strconv.FormatInt(id, 10)+"?accepted=1")
	return nil
}

func (ui *ui) handleXCityRefusePost(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if _, err := ui.s.Service.RefuseXCity(r.Context(), id, reason); err != nil {
		if !userError(err) {
			return err
		}
		d := &xcityOneData{Typed: reason}
		d.set(p, err, epiloop.ErrorField(err))
		return ui.renderXCityOne(w, r, p, d, formStatus(err))
	}
	redirect(w, r, "/xcity/"+strconv.FormatInt(id, 10)+"?refused=1")
	return nil
}

// letterData is the printable letter.
type letterData struct {
	*loop.XCityLetter
	ID     int64
	Reason string
}

func (ui *ui) handleXCityLetterPage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	lt, err := ui.s.Service.LetterOf(r.Context(), id)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "xcity.letter.title", "xcity", &letterData{XCityLetter: lt, ID: id, Reason: letterReason(p.Lang, lt.Reason)}
	return ui.renderTemplate(w, http.StatusOK, "xcity_letter", "print", p)
}

func (ui *ui) handleXCityLetterXLSX(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	lt, err := ui.s.Service.LetterOf(r.Context(), id)
	if err != nil {
		return err
	}
	return sendLetterXLSX(w, p.Lang, lt, p.Now)
}

// xcityEventText words a hand-over's event on a lead's timeline.
func (ui *ui) xcityEventText(p *page, e *epiloop.Event, str func(string) string) string {
	city := ui.s.Service.CityName(str("city"))
	if city == "" {
		city = p.T("xcity.unknown_city")
	}
	return p.T("event."+e.Kind, city, str("reason"))
}
