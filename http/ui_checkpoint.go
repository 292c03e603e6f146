package http

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/loop"
)

// The checkpoint pages: the officer's entry form, made for a keyboard (and
// an ID card reader that types like one) in the cold, with the gate's
// recent crossings and throughput below; and for commanders the list of
// their checkpoints with today's counts.

func (ui *ui) registerCheckpointPages() {
	ui.page("GET /checkpoints", epiloop.ActReadScreen, ui.handleCheckpointList)
	ui.page("GET /checkpoints/origins", epiloop.ActOrigins, ui.handleOriginSuggest)
	ui.page("GET /checkpoints/{code}", epiloop.ActReadScreen, ui.handleCheckpointPage)
	ui.page("POST /checkpoints/{code}/screenings", epiloop.ActScreen, ui.handleScreeningPost)
}

// ckRecent is how many of a checkpoint's crossings its page lists.
const ckRecent = 10

// ckPageData is one checkpoint's page.
type ckPageData struct {
	CK        epiloop.Checkpoint
	CanScreen bool
	ShowPlate bool
	ShowTrain bool
	Form      *ckForm
	Blank     ckRow
	Result    *ckResult
	Recent    []*epiloop.Screening
	Total     int
	Stats     ckStats
}

// ckForm is a crossing being typed at the gate: the values as typed, and
// the messages to show beside them.
type ckForm struct {
	Direction string
	Plate     string
	Train     string
	Carriage  string
	Rows      []ckRow
	// Errors maps a crossing field (plate, train, carriage, direction,
	// occupants) to its message; an occupant's are on its row.
	formErrors
}

// ckRow is one occupant's line of the form.
type ckRow struct {
	// Index names the row's inputs (o.0.name); Num is its number for
	// people. The template row has placeholders the script fills in.
	Index, Num  string
	IDNumber    string
	Name        string
	Phone       string
	Origin      string
	Destination string
	Temp        string
	Symptoms    bool
	Errors      map[string]string
}

// Err returns the message for one field of the occupant.
func (r ckRow) Err(field string) string { return r.Errors[field] }

func (r ckRow) blank() bool {
	return r.IDNumber == "" && r.Name == "" && r.Phone == "" && r.Origin == "" && r.Destination == "" && r.Temp == "" && !r.Symptoms
}

func newCKRow(i int) ckRow { return ckRow{Index: strconv.Itoa(i), Num: strconv.Itoa(i + 1)} }

func newCKForm() *ckForm {
	return &ckForm{Direction: string(epiloop.DirectionIn), Rows: []ckRow{newCKRow(0)}}
}

// parseCKForm reads the posted crossing. Rows are o.0.*, o.1.*, … as long
// as they go on.
func parseCKForm(r *http.Request) *ckForm {
	r.ParseForm()
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &ckForm{Direction: v("direction"), Plate: v("plate"), Train: v("train"), Carriage: v("carriage")}
	for i := 0; i <= epiloop.MaxOccupants; i++ {
		pre := "o." + strconv.Itoa(i) + "."
		if _, ok := r.PostForm[pre+"id_number"]; !ok {
			break
		}
		row := newCKRow(i)
		row.IDNumber, row.Name, row.Phone = v(pre+"id_number"), v(pre+"name"), v(pre+"phone")
		row.Origin, row.Destination, row.Temp = v(pre+"origin"), v(pre+"destination"), v(pre+"temperature")
		row.Symptoms = v(pre+"symptoms") == "yes"
		f.Rows = append(f.Rows, row)
	}
	if len(f.Rows) == 0 {
		f.Rows = []ckRow{newCKRow(0)}
	}
	return f
}

// input turns the form into the workflow's input, leaving blank rows out;
// rows maps each occupant of the input to its row of the form.
func (f *ckForm) input() (in loop.ScreeningInput, rows []int, err error) {
	in = loop.ScreeningInput{Direction: epiloop.Direction(f.Direction), Plate: f.Plate, Train: f.Train, Carriage: f.Carriage}
	for i, row := range f.Rows {
		if row.blank() {
			continue
		}
		oi := loop.OccupantInput{
			Person: epiloop.Person{IDNumber: row.IDNumber, Name: row.Name, Phone: row.Phone},
			Origin: row.Origin, Destination: row.Destination, Symptoms: row.Symptoms,
		}
		if row.Temp != "" {
			t, perr := strconv.ParseFloat(strings.Replace(epiloop.ToHalfWidth(row.Temp), ",", ".", 1), 64)
			if perr != nil {
				return in, rows, epiloop.FieldError("occupants["+strconv.Itoa(len(rows))+"].temperature", "err.temperature_must_number")
			}
			oi.Temperature = &t
		}
		rows = append(rows, i)
		in.Occupants = append(in.Occupants, oi)
	}
	return in, rows, nil
}

// setError places a workflow error beside its field: an occupant's on
// its row, the crossing's beside the plate or train.
func (f *ckForm) setError(p *page, err error, rows []int) {
	field := epiloop.ErrorField(err)
	if n, sub, ok := occupantField(field); ok && n < len(rows) {
		f.set(p, err, "")
		f.Error = p.T("form.fix")
		row := &f.Rows[rows[n]]
		if sub == "" {
			sub = "id_number"
		}
		row.Errors = map[string]string{sub: p.errText(err)}
		return
	}
	if field == "time" {
		field = ""
	}
	f.set(p, err, field)
}

// occupantField splits "occupants[2].temperature" into 2 and
// "temperature".
func occupantField(field string) (int, string, bool) {
	rest, ok := strings.CutPrefix(field, "occupants[")
	if !ok {
		return 0, "", false
	}
	num, sub, ok := strings.Cut(rest, "]")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 {
		return 0, "", false
	}
	return n, strings.TrimPrefix(sub, "."), true
}

// ckResult is what the officer reads after a crossing is saved: per
// occupant, the decision.
type ckResult struct {
	Screening *epiloop.Screening
	Verdicts  []ckVerdict
	Counts    map[string]int
}

type ckVerdict struct {
	Seq      int
	Name     string
	IDNumber string
	Decision epiloop.Decision
}

func newCKResult(sc *epiloop.Screening) *ckResult {
	res := &ckResult{Screening: sc, Counts: map[string]int{}}
	for _, o := range sc.Occupants {
		m := o.Person.Masked()
		res.Verdicts = append(res.Verdicts, ckVerdict{Seq: o.Seq, Name: o.Person.Name, IDNumber: m.IDNumber, Decision: o.Decision})
		res.Counts[string(o.Decision)]++
	}
	return res
}

// ckStats is a checkpoint's throughput today, hour by hour, and its
// totals since it opened.
type ckStats struct {
	Today    map[string]int64
	Totals   map[string]int64
	LastHour int64
	Bars     []ckBar
	Max      int64
}

// ckBar is one hour of the throughput chart, its geometry worked out here
// (SVG attributes, since the pages allow no inline style).
type ckBar struct {
	Hour                    int
	Persons, Leads, Fevers  int64
	X, Y, H, LY, LH, FY, FH int
	Label                   bool
}

// Chart geometry: 24 bars of ckBarW in a box ckChartH high.
const (
	ckBarW   = 20
	ckChartH = 100
)

func newCKStats(st loop.CheckpointStats) ckStats {
	out := ckStats{Today: map[string]int64{}, Totals: st.AllTime, LastHour: st.LastHour}
	for _, h := range st.Hours {
		out.Today[epiloop.MetricScreenings] += h.Screenings
		out.Today[epiloop.MetricVehicles] += h.Vehicles
		out.Today[epiloop.MetricPersons] += h.Persons
		out.Today[epiloop.MetricFevers] += h.Fevers
		out.Today[epiloop.MetricLeads] += h.Leads
		out.Max = max(out.Max, h.Persons)
	}
	scale := func(n int64) int {
		if out.Max == 0 {
			return 0
		}
		return int(n * ckChartH / out.Max)
	}
	for _, h := range st.Hours {
		b := ckBar{Hour: h.Hour, Persons: h.Persons, Leads: h.Leads, Fevers: h.Fevers, X: h.Hour*ckBarW + 2, Label: h.Hour%3 == 0}
		b.H, b.LH, b.FH = scale(h.Persons), scale(h.Leads), scale(h.Fevers)
		b.Y, b.LY, b.FY = ckChartH-b.H, ckChartH-b.LH, ckChartH-b.FH
		out.Bars = append(out.Bars, b)
	}
	return out
}

// checkpointStats finds one checkpoint's counts among those the caller may
// see; any other is not found.
func (ui *ui) checkpointStats(r *http.Request, code string) (loop.CheckpointStats, error) {
	all, err := ui.s.Service.StatsOfCheckpoints(r.Context(), "")
	if err != nil {
		return loop.CheckpointStats{}, err
	}
	for _, st := range all {
		if st.Code == code {
			return st, nil
		}
	}
	return loop.CheckpointStats{}, epiloop.Errorf(epiloop.ENOTFOUND, "err.checkpoint_not_found")
}

func (ui *ui) handleCheckpointPage(w http.ResponseWriter, r *http.Request, p *page) error {
	return ui.renderCheckpoint(w, r, p, nil, nil, http.StatusOK)
}

// renderCheckpoint renders the page, or for htmx its main part, with a
// form being filled in (or a fresh one) and the last crossing's result.
func (ui *ui) renderCheckpoint(w http.ResponseWriter, r *http.Request, p *page, form *ckForm, res *ckResult, status int) error {
	code := r.PathValue("code")
	st, err := ui.checkpointStats(r, code)
	if err != nil {
		return err
	}
	recent, total, err := ui.s.Service.FindScreenings(r.Context(), code, 0, ckRecent)
	if err != nil {
		return err
	}
	d := &ckPageData{CK: st.Checkpoint, Result: res, Recent: recent, Total: total, Stats: newCKStats(st),
		CanScreen: epiloop.MayScreenAt(p.User, &st.Checkpoint),
		Blank:     ckRow{Index: "__i__", Num: "__n__"}}
	switch st.Kind {
	case epiloop.CheckpointRoad:
		d.ShowPlate = true
	case epiloop.CheckpointRail:
		d.ShowTrain = true
	default:
		d.ShowPlate, d.ShowTrain = true, true
	}
	if d.CanScreen {
		d.Form = form
		if d.Form == nil {
			d.Form = newCKForm()
		}
	}
	p.Title, p.Nav, p.Data = "ck.title", "checkpoints", d
	if r.Header.Get("HX-Request") == "true" {
		return ui.renderFragment(w, status, "checkpoint", "ck-main", p)
	}
	return ui.render(w, status, "checkpoint", p)
}

// handleScreeningPost saves a crossing typed at the gate, in one request,
// and answers with the decisions; a mistake is shown beside its field with
// nothing saved. Without the script the "add occupant" button posts here
// too, and gets the form back with one more row.
func (ui *ui) handleScreeningPost(w http.ResponseWriter, r *http.Request, p *page) error {
	form := parseCKForm(r)
	if r.PostFormValue("add") != "" {
		if len(form.Rows) < epiloop.MaxOccupants {
			form.Rows = append(form.Rows, newCKRow(len(form.Rows)))
		}
		return ui.renderCheckpoint(w, r, p, form, nil, http.StatusOK)
	}
	if !form.checkAll(p, ui.s.Service.Regions) {
		return ui.renderCheckpoint(w, r, p, form, nil, http.StatusUnprocessableEntity)
	}
	in, rows, err := form.input()
	var sc *epiloop.Screening
	if err == nil {
		sc, err = ui.s.Service.Screen(r.Context(), r.PathValue("code"), in)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		form.setError(p, err, rows)
		return ui.renderCheckpoint(w, r, p, form, nil, formStatus(err))
	}
	return ui.renderCheckpoint(w, r, p, nil, newCKResult(sc), http.StatusOK)
}

// ckListData is the commanders' list of checkpoints with today's counts.
type ckListData struct {
	Rows   []ckListRow
	Today  map[string]int64
	Totals map[string]int64
}

type ckListRow struct {
	CK           epiloop.Checkpoint
	DistrictName string
	Stats        ckStats
}

// handleCheckpointList sends an officer to their checkpoint and shows
// anyone else the checkpoints in their jurisdiction.
func (ui *ui) handleCheckpointList(w http.ResponseWriter, r *http.Request, p *page) error {
	if p.User.Role == epiloop.RoleCheckpoint {
		http.Redirect(w, r, "/checkpoints/"+p.User.UnitCode, http.StatusSeeOther)
		return nil
	}
	all, err := ui.s.Service.StatsOfCheckpoints(r.Context(), "")
	if err != nil {
		return err
	}
	d := &ckListData{Today: map[string]int64{}, Totals: map[string]int64{}}
	for _, st := range all {
		row := ckListRow{CK: st.Checkpoint, Stats: newCKStats(st)}
		if dist, ok := ui.s.Service.District(st.DistrictCode); ok {
			row.DistrictName = dist.Name
		}
		for k, n := range row.Stats.Today {
			d.Today[k] += n
		}
		for k, n := range st.AllTime {
			d.Totals[k] += n
		}
		d.Rows = append(d.Rows, row)
	}
	p.Title, p.Nav, p.Data = "ck.list.title", "checkpoints", d
	return ui.render(w, http.StatusOK, "checkpoints", p)
}

// handleOriginSuggest answers the origin field's suggestions: the
// regions whose code or name matches what the officer has typed, as the
// options of the page's datalist.
func (ui *ui) handleOriginSuggest(w http.ResponseWriter, r *http.Request, p *page) error {
	q := r.URL.Query().Get("q")
	for k, v := range r.URL.Query() {
		if strings.HasSuffix(k, ".origin") && len(v) > 0 {
			q = v[0]
		}
	}
	p.Data = ui.suggestOrigins(q, 8)
	return ui.renderFragment(w, http.StatusOK, "checkpoint", "origin-options", p)
}

// originRegion is one region the origin field suggests.
type originRegion struct{ Code, Name string }

// listRegions lists every province, city and county of x by its full
// name (湖北省武汉市), provinces first: the index looks names up but does
// not list them.
func listRegions(x *divisions.RegionIndex) []originRegion {
	if x == nil {
		return nil
	}
	var out []originRegion
	seen := map[string]bool{}
	add := func(code string) bool {
		n := x.FullName(code)
		if n == "" || seen[n] {
			return n != ""
		}
		seen[n] = true
		out = append(out, originRegion{Code: code, Name: n})
		return true
	}
	var provinces []string
	for p := 10; p <= 99; p++ {
		if code := fmt.Sprintf("%02d", p); add(code) {
			provinces = append(provinces, code)
		}
	}
	for _, p := range provinces {
		for c := 1; c <= 99; c++ {
			add(fmt.Sprintf("%s%02d", p, c))
		}
	}
	for _, p := range provinces {
		for c := 1; c <= 99; c++ {
			for k := 1; k <= 99; k++ {
				add(fmt.Sprintf("%s%02d%02d", p, c, k))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Code) < len(out[j].Code) })
	return out
}

// suggestOrigins returns up to n regions whose code starts with q or whose
// full name contains it.
func (ui *ui) suggestOrigins(q string, n int) []originRegion {
	q = strings.TrimSpace(epiloop.ToHalfWidth(q))
	if q == "" {
		return nil
	}
	digits := strings.Trim(q, "0123456789") == ""
	var out []originRegion
	for _, r := range ui.origins() {
		if digits && strings.HasPrefix(r.Code, q) || !digits && strings.Contains(r.Name, q) {
			out = append(out, r)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
