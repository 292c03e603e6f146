package http

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The lists' XLSX exports: leads, the commanders' queues, observation
// plans and a checkpoint's screenings, as filtered on the page or in the
// API query, identities masked (see loop.ExportLeads for the one way to
// unmask), each export audited by the workflow. The pages link to
// /<list>.xlsx with their filters; the list APIs answer ?format=xlsx.

// xlsxType is the media type of a workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sheet is a workbook being written row by row through excelize's stream
// writer, every text cell guarded against formula injection
// (epiloop.CSVSafe), as the CSV reports are: the names and addresses in it
// came from outside.
type sheet struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	row int
}

func newSheet(name string) (*sheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		f.Close()
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sheet{f: f, sw: sw}, nil
}

// widths sets the columns' widths; it must come before the first row.
func (s *sheet) widths(ws ...float64) error {
	for i, w := range ws {
		if err := s.sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	return nil
}

// add writes the next row. Strings are guarded; numbers stay numbers; nil
// leaves a cell empty.
func (s *sheet) add(cells ...any) error {
	s.row++
	for i, c := range cells {
		if str, ok := c.(string); ok {
			cells[i] = epiloop.CSVSafe(str)
		}
	}
	ref, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return err
	}
	return s.sw.SetRow(ref, cells)
}

// header writes a row of column titles (catalogue keys) and freezes the
// rows above and including it.
func (s *sheet) header(lang string, keys ...string) error {
	cells := make([]any, len(keys))
	for i, k := range keys {
		cells[i] = epiloop.T(lang, k)
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: s.row + 1, TopLeftCell: fmt.Sprintf("A%d", s.row+2), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return s.add(cells...)
}

// send finishes the workbook and writes it as an attachment named name. It
// is assembled in memory first, so that an error is still an error page or
// a JSON answer.
func (s *sheet) send(w http.ResponseWriter, name string) error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.f.Write(&buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", xlsxType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
	return nil
}

// close drops an unfinished workbook.
func (s *sheet) close() { s.f.Close() }

// exportName is the file name of an export made at now.
func exportName(kind string, now time.Time) string {
	return "epiloop-" + kind + "-" + now.In(shanghai).Format("20060102-1504") + ".xlsx"
}

// wantXLSX reads a list API's ?format=: JSON (the default) or xlsx.
func wantXLSX(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("format") {
	case "", "json":
		return false, nil
	case "xlsx":
		return true, nil
	}
	return false, epiloop.FieldError("format", "err.format_must_json_or_xlsx")
}

// yes is a flag's cell: "是" or empty.
func yes(lang string, b bool) string {
	if b {
		return epiloop.T(lang, "export.yes")
	}
	return ""
}

// clockCell is a time's cell in the city's wall clock, "" for none.
func clockCell(t any) string { return fmtTime(t) }

// exportLeads writes a list of leads (loop.ExportLeads) as a workbook.
func (s *Server) exportLeads(w http.ResponseWriter, r *http.Request, lang, kind string, f epiloop.LeadFilter, purpose string) error {
	if r.URL.Query().Get("q") != "" {
		// A person search is not a list: its query would be a personal
		// value in the export's link and trail.
		return epiloop.FieldError("q", "err.export_no_search")
	}
	sh, err := newSheet(epiloop.T(lang, "export.sheet."+kind))
	if err != nil {
		return err
	}
	defer sh.close()
	cols := []string{"export.col.id", "export.col.name", "export.col.id_number", "export.col.phone", "export.col.priority",
		"export.col.status", "export.col.overdue", "export.col.district", "export.col.community", "export.col.address",
		"export.col.origin", "export.col.arrival", "export.col.fever", "export.col.close_contact", "export.col.created", "export.col.closed"}
	conflicts := kind == loop.ExportKindConflicts
	if conflicts {
		cols = append(cols, "export.col.conflict")
	}
	if err := sh.widths(8, 10, 22, 14, 8, 10, 6, 10, 16, 36, 16, 12, 6, 8, 17, 17, 40); err != nil {
		return err
	}
	if err := sh.header(lang, cols...); err != nil {
		return err
	}
	_, err = s.Service.ExportLeads(r.Context(), kind, f, purpose, func(l *epiloop.Lead) error {
		district, _ := s.Service.District(l.DistrictCode)
		community, _ := s.Service.Community(l.CommunityCode)
		cells := []any{l.ID, l.Person.Name, l.Person.IDNumber, l.Person.Phone, epiloop.T(lang, "priority."+string(l.Priority)),
			epiloop.T(lang, "lead.status."+string(l.Status)), yes(lang, l.Overdue), district.Name, community.Name, l.Address,
			l.Reason.Origin, l.Reason.ArrivalDate, yes(lang, l.Reason.Fever), yes(lang, l.Reason.CloseContact),
			clockCell(l.CreatedAt), clockCell(l.ClosedAt)}
		if conflicts {
			var why []string
			for _, c := range l.Conflict {
				why = append(why, epiloop.T(lang, "conflict."+c))
			}
			cells = append(cells, strings.Join(why, "；"))
		}
		return sh.add(cells...)
	})
	if err != nil {
		return err
	}
	return sh.send(w, exportName(kind, s.Service.Clock.Now()))
}

// exportObservations writes plans (loop.ExportObservations) as a workbook.
func (s *Server) exportObservations(w http.ResponseWriter, r *http.Request, lang string, f epiloop.ObservationFilter) error {
	sh, err := newSheet(epiloop.T(lang, "export.sheet.observations"))
	if err != nil {
		return err
	}
	defer sh.close()
	if err := sh.widths(8, 8, 10, 22, 14, 10, 10, 12, 12, 18, 18, 10, 8, 8, 12, 12, 17); err != nil {
		return err
	}
	err = sh.header(lang, "export.col.id", "export.col.lead", "export.col.name", "export.col.id_number", "export.col.phone",
		"export.col.obs_kind", "export.col.status", "export.col.start", "export.col.end", "export.col.unit", "export.col.site",
		"export.col.district", "export.col.check_overdue", "export.col.missed", "export.col.last_check", "export.col.proposal",
		"export.col.ended")
	if err != nil {
		return err
	}
	_, err = s.Service.ExportObservations(r.Context(), f, func(o *epiloop.Observation) error {
		district, _ := s.Service.District(o.DistrictCode)
		proposal := ""
		if o.Proposal != "" {
			proposal = epiloop.T(lang, "obs.proposal."+string(o.Proposal))
		}
		return sh.add(o.ID, o.LeadID, o.Person.Name, o.Person.IDNumber, o.Person.Phone,
			epiloop.T(lang, "obs.kind."+string(o.Kind)), epiloop.T(lang, "obs.status."+string(o.Status)),
			o.Start, o.End, o.UnitCode, o.Site, district.Name, yes(lang, o.Overdue), o.Missed, o.LastCheck, proposal,
			clockCell(o.EndedAt))
	})
	if err != nil {
		return err
	}
	return sh.send(w, exportName(loop.ExportKindObservations, s.Service.Clock.Now()))
}

// exportScreenings writes a checkpoint's screenings
// (loop.ExportScreenings) as a workbook, one row per person screened.
func (s *Server) exportScreenings(w http.ResponseWriter, r *http.Request, lang, code string) error {
	sh, err := newSheet(epiloop.T(lang, "export.sheet.screenings"))
	if err != nil {
		return err
	}
	defer sh.close()
	if err := sh.widths(8, 17, 6, 12, 8, 6, 6, 10, 22, 14, 10, 30, 8, 6, 10, 8); err != nil {
		return err
	}
	err = sh.header(lang, "export.col.screening", "export.col.time", "export.col.direction", "export.col.plate",
		"export.col.train", "export.col.carriage", "export.col.seq", "export.col.name", "export.col.id_number",
		"export.col.phone", "export.col.origin", "export.col.destination", "export.col.temperature",
		"export.col.symptoms", "export.col.decision", "export.col.lead")
	if err != nil {
		return err
	}
	_, err = s.Service.ExportScreenings(r.Context(), code, func(sc *epiloop.Screening) error {
		for _, o := range sc.Occupants {
			var lead any
			if o.LeadID != 0 {
				lead = o.LeadID
			}
			err := sh.add(sc.ID, clockCell(sc.Time), epiloop.T(lang, "ck.dir."+string(sc.Direction)), sc.Plate, sc.Train,
				sc.Carriage, o.Seq, o.Person.Name, o.Person.IDNumber, o.Person.Phone, o.Origin, o.Destination,
				o.Temperature, yes(lang, o.Symptoms), o.Decision.Text(lang), lead)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return sh.send(w, exportName(loop.ExportKindScreenings+"-"+code, s.Service.Clock.Now()))
}

func (ui *ui) registerExportPages() {
	ui.page("GET /leads.xlsx", epiloop.ActReadLeads, ui.handleLeadsExport)
	ui.page("POST /leads.xlsx", epiloop.ActReveal, ui.handleLeadsExport)
	ui.page("GET /conflicts.xlsx", epiloop.ActAdjudicate, ui.handleQueueExport(loop.ExportKindConflicts))
	ui.page("GET /unroutable.xlsx", epiloop.ActRoute, ui.handleQueueExport(loop.ExportKindUnroutable))
	ui.page("GET /observations.xlsx", epiloop.ActReadObs, ui.handleObservationsExport)
	ui.page("GET /checkpoints/{code}/screenings.xlsx", epiloop.ActReadScreen, ui.handleScreeningsExport)
}

// handleLeadsExport exports the leads list as filtered (the list's query).
// The form of a user who may reveal posts here with a purpose, for the
// identities in full.
func (ui *ui) handleLeadsExport(w http.ResponseWriter, r *http.Request, p *page) error {
	f, err := leadFilter(withoutPaging(r))
	if err != nil {
		return err
	}
	purpose := ""
	if r.Method == http.MethodPost {
		if purpose = r.PostFormValue("purpose"); strings.TrimSpace(purpose) == "" {
			return epiloop.FieldError("purpose", "err.state_purpose_2_500_characters")
		}
	}
	return ui.s.exportLeads(w, r, p.Lang, loop.ExportKindLeads, f, purpose)
}

// handleQueueExport exports a commander's queue.
func (ui *ui) handleQueueExport(kind string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *page) error {
		return ui.s.exportLeads(w, r, p.Lang, kind, epiloop.LeadFilter{}, "")
	}
}

// handleObservationsExport exports the plans as the list page filters them
// (?status= defaults to active, "all" for every status; ?kind=).
func (ui *ui) handleObservationsExport(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query()
	var f epiloop.ObservationFilter
	switch st := epiloop.ObservationStatus(q.Get("status")); {
	case st == "":
		active := epiloop.ObservationActive
		f.Status = &active
	case st == "all":
	case st.Valid():
		f.Status = &st
	default:
		return epiloop.FieldError("status", "err.unknown_status")
	}
	if v := q.Get("kind"); v != "" {
		k := epiloop.ObservationKind(v)
		if !k.Valid() {
			return epiloop.FieldError("kind", "err.unknown_kind")
		}
		f.Kind = &k
	}
	return ui.s.exportObservations(w, r, p.Lang, f)
}

func (ui *ui) handleScreeningsExport(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.s.exportScreenings(w, r, p.Lang, r.PathValue("code"))
}

// withoutPaging is r with its query's page and per_page removed: an export
// is the whole list.
func withoutPaging(r *http.Request) *http.Request {
	q := r.URL.Query()
	q.Del("page")
	q.Del("per_page")
	c := r.Clone(r.Context())
	c.URL.RawQuery = q.Encode()
	return c
}

// exportQuery is a list page's query for its export link: the filters
// given, paging left out.
func exportQuery(q url.Values, keys ...string) string {
	out := url.Values{}
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "?" + out.Encode()
}

// ExportURL is the leads list's export link, with its filters.
func (d *leadListData) ExportURL() string {
	return "/leads.xlsx" + exportQuery(d.Query, "status", "priority", "district", "overdue", "community")
}

// ExportURL is the plans list's export link, with its filters.
func (d *obsListData) ExportURL() string {
	return "/observations.xlsx" + exportQuery(d.Query, "status", "kind")
}
