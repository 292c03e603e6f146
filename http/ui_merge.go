package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// 人员合并 /persons/merge: the commander's queue of candidate pairs (masked,
// with the reason), the side-by-side comparison where each field's value
// is chosen, and the merges of the last days with their undo.

func (ui *ui) registerMergePages() {
	ui.page("GET /persons/merge", epiloop.ActMergePersons, ui.handleMergeQueue)
	ui.page("POST /persons/merge/refresh", epiloop.ActMergePersons, ui.handleMergeRefresh)
	ui.page("POST /persons/merge/candidates/{id}/dismiss", epiloop.ActMergePersons, ui.handleMergeDismiss)
	ui.page("GET /persons/merge/{a}/{b}", epiloop.ActMergePersons, ui.handleMergeCompare)
	ui.page("POST /persons/merge/{a}/{b}", epiloop.ActMergePersons, ui.handleMergeSubmit)
	ui.page("POST /persons/merges/{id}/undo", epiloop.ActMergePersons, ui.handleMergeUndoPage)
}

// mergeQueueData is the queue page.
type mergeQueueData struct {
	Candidates []loop.CandidateView
	Total      int
	State      epiloop.CandidateState
	States     []epiloop.CandidateState
	Merges     []epiloop.PersonMerge
	Now        time.Time
}

// Undoable reports whether m can still be undone.
func (d *mergeQueueData) Undoable(m epiloop.PersonMerge) bool { return m.Undoable(d.Now) == nil }

func (ui *ui) handleMergeQueue(w http.ResponseWriter, r *http.Request, p *page) error {
	st, err := candidateState(r)
	if err != nil {
		return err
	}
	if st == "" {
		st = epiloop.CandidateOpen
	}
	d := &mergeQueueData{State: st, Now: ui.s.Service.Clock.Now(),
		States: []epiloop.CandidateState{epiloop.CandidateOpen, epiloop.CandidateMerged, epiloop.CandidateDismissed}}
	if d.Candidates, d.Total, err = ui.s.Service.FindMergeCandidates(r.Context(), st, 100, 0); err != nil {
		return err
	}
	if d.Merges, _, err = ui.s.Service.FindMerges(r.Context(), 20, 0); err != nil {
		return err
	}
	q := r.URL.Query()
	switch {
	case q.Get("added") != "":
		p.Flash = p.T("merge.added", q.Get("added"))
	case q.Get("merged") != "":
		p.Flash = p.T("merge.done")
	case q.Get("undone") != "":
		p.Flash = p.T("merge.undone")
	case q.Get("dismissed") != "":
		p.Flash = p.T("merge.dismissed")
	}
	p.Title, p.Nav, p.Data = "merge.title", "merge", d
	return ui.render(w, http.StatusOK, "persons_merge", p)
}

func (ui *ui) handleMergeRefresh(w http.ResponseWriter, r *http.Request, p *page) error {
	n, err := ui.s.Service.RefreshMergeCandidates(r.Context())
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/persons/merge?added="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}

func (ui *ui) handleMergeDismiss(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := ui.s.Service.DismissCandidate(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/persons/merge?dismissed=1", http.StatusSeeOther)
	return nil
}

// mergeCompareData is the side-by-side page.
type mergeCompareData struct {
	A, B     *loop.MergeSide
	Survivor string // "a" or "b"
	Choice   epiloop.MergeChoice
	formErrors
}

func (ui *ui) compareData(r *http.Request) (*mergeCompareData, error) {
	a, err := pathID(r, "a")
	if err != nil {
		return nil, err
	}
	b, err := pathID(r, "b")
	if err != nil {
		return nil, err
	}
	d := &mergeCompareData{Survivor: "a"}
	if d.A, d.B, err = ui.s.Service.ComparePersons(r.Context(), a, b); err != nil {
		return nil, err
	}
	// The record with the ID number survives by default.
	if d.A.Person.IDNumber == "" && d.B.Person.IDNumber != "" {
		d.Survivor = "b"
	}
	return d, nil
}

func (ui *ui) handleMergeCompare(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.compareData(r)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "merge.compare_title", "merge", d
	return ui.render(w, http.StatusOK, "persons_compare", p)
}

// sideOf reads a field's choice: the side of the record whose value is
// kept, as a or b, into survivor or merged.
func sideOf(v, survivor string) epiloop.Side {
	if v == "" || v == survivor {
		return epiloop.SideSurvivor
	}
	return epiloop.SideMerged
}

func (ui *ui) handleMergeSubmit(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.compareData(r)
	if err != nil {
		return err
	}
	d.Survivor = r.PostFormValue("survivor")
	survivor, merged := d.A.Person.ID, d.B.Person.ID
	switch d.Survivor {
	case "a":
	case "b":
		survivor, merged = merged, survivor
	default:
		d.Survivor = "a"
		d.set(p, epiloop.FieldError("survivor", "err.merge_side"), "survivor")
		p.Title, p.Nav, p.Data = "merge.compare_title", "merge", d
		return ui.render(w, http.StatusUnprocessableEntity, "persons_compare", p)
	}
	d.Choice = epiloop.MergeChoice{Name: sideOf(r.PostFormValue("name"), d.Survivor),
		IDNumber: sideOf(r.PostFormValue("id_number"), d.Survivor), Phone: sideOf(r.PostFormValue("phone"), d.Survivor)}
	if _, err := ui.s.Service.MergePersons(r.Context(), survivor, merged, d.Choice); err != nil {
		if c := epiloop.ErrorCode(err); c != epiloop.EINVALID && c != epiloop.ECONFLICT {
			return err
		}
		d.set(p, err, "")
		p.Title, p.Nav, p.Data = "merge.compare_title", "merge", d
		return ui.render(w, http.StatusUnprocessableEntity, "persons_compare", p)
	}
	http.Redirect(w, r, "/persons/merge?merged=1", http.StatusSeeOther)
	return nil
}

func (ui *ui) handleMergeUndoPage(w http.ResponseWriter, r *http.Request, p *page) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := ui.s.Service.UndoMerge(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/persons/merge?undone=1", http.StatusSeeOther)
	return nil
}
