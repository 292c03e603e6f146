package loop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
)

// Incident statistics (警情统计): entered by district and day, or imported
// from a table, and compared year on year (epiloop.YearOnYear).

// EnterIncidents writes a district's counts of a day (replacing what was
// entered before), audited, with an event when they changed.
func (s *Service) EnterIncidents(ctx context.Context, st epiloop.IncidentStat) (*epiloop.IncidentStat, error) {
	u, err := allowed(ctx, epiloop.ActEnterIncidents)
	if err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		ds, err := tx.FindDistricts()
		if err != nil {
			return err
		}
		if !knownDistrict(ds, st.DistrictCode) {
			return epiloop.FieldError("district", "err.incident_district")
		}
		if !u.MayEnterIncidents(st.DistrictCode) {
			return epiloop.FieldError("district", "err.incident_district_not_yours")
		}
		_, err = s.upsertIncidents(tx, u, &st)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return &st, nil
}

func knownDistrict(ds []epiloop.District, code string) bool {
	for _, d := range ds {
		if d.Code == code {
			return true
		}
	}
	return false
}

// upsertIncidents writes one entry and, when it changed the counts, its
// event and audit entry; it reports whether it changed them.
func (s *Service) upsertIncidents(tx epiloop.Tx, u *epiloop.User, st *epiloop.IncidentStat) (bool, error) {
	now := s.now()
	st.UpdatedBy, st.UpdatedAt = u.ID, now
	before, err := tx.UpsertIncidentStat(st)
	if err != nil {
		return false, err
	}
	if before != nil && before.PublicOrder == st.PublicOrder && before.Criminal == st.Criminal {
		return false, nil
	}
	e := epiloop.NewEvent(epiloop.EventIncidentsEntered, nil, now, u.ID,
		map[string]any{"date": st.Date, "public_order": st.PublicOrder, "criminal": st.Criminal})
	e.District = st.DistrictCode
	if err := tx.CreateEvent(e); err != nil {
		return false, err
	}
	return true, s.audit(tx, u, epiloop.AuditChange, "incidents:"+st.DistrictCode+"@"+st.Date,
		fmt.Sprintf("public_order=%d criminal=%d", st.PublicOrder, st.Criminal))
}

// MaxIncidentRows bounds an incident import (two years of every district
// of a city, and more).
const MaxIncidentRows = 20_000

// IncidentReject is a row of an incident import that was not taken: its
// row number and the error naming the field and the reason.
type IncidentReject struct {
	Row int   `json:"row"`
	Err error `json:"-"`
}

// IncidentImport is what an import did: rows written (changed), rows
// that held what was stored already, and the rejects. Importing the same
// file twice changes nothing the second time.
type IncidentImport struct {
	Changed   int              `json:"changed"`
	Unchanged int              `json:"unchanged"`
	Rejects   []IncidentReject `json:"rejects"`
}

// incidentColumns maps a normalised header to its field.
var incidentColumns = map[string]string{
	"区县": "district", "地区": "district", "辖区": "district", "区县代码": "district", "district": "district",
	"日期": "date", "date": "date", "day": "date",
	"治安警情": "public_order", "治安": "public_order", "治安案件": "public_order", "public_order": "public_order", "publicorder": "public_order",
	"刑事警情": "criminal", "刑事": "criminal", "刑事案件": "criminal", "criminal": "criminal",
}

// ImportIncidents reads a table of incident counts (CSV/GBK/XLSX, through
// intake.OpenTable): a header naming 区县, 日期, 治安警情 and 刑事警情, then
// one row per district and day. Each row that fails is rejected with its
// number and reason; the valid rows are written in one transaction.
func (s *Service) ImportIncidents(ctx context.Context, file io.ReaderAt, size int64) (*IncidentImport, error) {
	u, err := allowed(ctx, epiloop.ActEnterIncidents)
	if err != nil {
		return nil, err
	}
	t, err := intake.OpenTable(file, size, intake.Options{})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	var ds []epiloop.District
	if err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) { ds, err = tx.FindDistricts(); return err }); err != nil {
		return nil, err
	}
	res := &IncidentImport{Rejects: []IncidentReject{}}
	var (
		cols  map[string]int
		valid []epiloop.IncidentStat
		rows  []int
	)
	if cols = incidentHeader(t.Header); cols == nil {
		return nil, epiloop.FieldError("file", "err.incident_header")
	}
	for n := 1; ; n++ {
		r, err := t.Next()
		cells, line := r.Cells, r.Line
		if errors.Is(err, io.EOF) {
			break
		} else if errors.Is(err, intake.ErrRowUnreadable) {
			res.Rejects = append(res.Rejects, IncidentReject{Row: line, Err: err})
			continue
		} else if err != nil {
			return nil, err
		}
		if n > MaxIncidentRows {
			return nil, epiloop.FieldError("file", "err.incident_too_many_rows", MaxIncidentRows)
		}
		st, err := incidentRow(cells, cols, ds)
		if err == nil && !u.MayEnterIncidents(st.DistrictCode) {
			err = epiloop.FieldError("district", "err.incident_district_not_yours")
		}
		if err != nil {
			res.Rejects = append(res.Rejects, IncidentReject{Row: line, Err: err})
			continue
		}
		valid, rows = append(valid, st), append(rows, line)
	}
	err = s.Store.Update(epiloop.WithBulk(ctx), func(tx epiloop.Tx) error {
		res.Changed, res.Unchanged = 0, 0
		for i := range valid {
			st := valid[i]
			changed, err := s.upsertIncidents(tx, u, &st)
			if err != nil {
				return fmt.Errorf("row %d: %w", rows[i], err)
			}
			if changed {
				res.Changed++
			} else {
				res.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return res, nil
}

// incidentHeader maps a header row's columns; nil unless it names all
// four.
func incidentHeader(cells []string) map[string]int {
	cols := map[string]int{}
	for i, c := range cells {
		h := strings.ReplaceAll(strings.ToLower(intake.NormalizeHeader(c)), " ", "")
		if f, ok := incidentColumns[h]; ok {
			if _, dup := cols[f]; !dup {
				cols[f] = i
			}
		}
	}
	if len(cols) < 4 {
		return nil
	}
	return cols
}

// incidentRow reads one row: the district by code or name (和平区, 和平),
// the date as YYYY-MM-DD (or YYYY/MM/DD, YYYY.MM.DD), the two counts.
func incidentRow(cells []string, cols map[string]int, ds []epiloop.District) (epiloop.IncidentStat, error) {
	cell := func(f string) string {
		if i := cols[f]; i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var st epiloop.IncidentStat
	name := cell("district")
	for _, d := range ds {
		if name != "" && (d.Code == name || d.Name == name || strings.TrimRight(d.Name, "区县市") == name) {
			st.DistrictCode = d.Code
		}
	}
	if st.DistrictCode == "" {
		return st, epiloop.FieldError("district", "err.incident_district")
	}
	date := strings.NewReplacer("/", "-", ".", "-").Replace(cell("date"))
	if t, err := time.Parse("2006-1-2", date); err == nil {
		date = t.Format(time.DateOnly)
	}
	st.Date = date
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"public_order", &st.PublicOrder}, {"criminal", &st.Criminal}} {
		n, err := strconv.ParseInt(cell(f.name), 10, 64)
		if err != nil {
			return st, epiloop.FieldError(f.name, "err.incident_count", epiloop.MaxIncidentCount)
		}
		*f.dst = n
	}
	return st, st.Validate()
}

// IncidentRow is one district's (or the total's) incidents over a range,
// each compared with the same dates a year earlier.
type IncidentRow struct {
	District    string      `json:"district"`
	PublicOrder epiloop.YoY `json:"public_order"`
	Criminal    epiloop.YoY `json:"criminal"`
	Total       epiloop.YoY `json:"total"`
	// Reported tells whether any day of the range was entered.
	Reported bool `json:"reported"`
}

// IncidentTable is the incidents per district over From..To against
// the same dates a year earlier.
type IncidentTable struct {
	From       string        `json:"from"`
	To         string        `json:"to"`
	BeforeFrom string        `json:"year_before_from"`
	BeforeTo   string        `json:"year_before_to"`
	Districts  []IncidentRow `json:"districts"`
	Total      IncidentRow   `json:"total"`
}

// Incidents returns the incident table of the caller's districts over
// from..to, year on year (counts suppressed for analysts before the
// comparison).
func (s *Service) Incidents(ctx context.Context, from, to string) (*IncidentTable, error) {
	u, err := allowed(ctx, epiloop.ActReadPatrols)
	if err != nil {
		return nil, err
	}
	if err := PatrolDays(from, to); err != nil {
		return nil, err
	}
	var t *IncidentTable
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		t, err = incidentTable(tx, u, from, to)
		return err
	})
	return t, err
}

// incidentTable builds the table of u's districts.
func incidentTable(tx epiloop.Tx, u *epiloop.User, from, to string) (*IncidentTable, error) {
	ds, err := visibleDistricts(tx, u)
	if err != nil {
		return nil, err
	}
	t := &IncidentTable{From: from, To: to, BeforeFrom: epiloop.YearEarlier(from), BeforeTo: epiloop.YearEarlier(to),
		Districts: []IncidentRow{}}
	codes := make([]string, len(ds))
	for i, d := range ds {
		codes[i] = d.Code
	}
	now, err := tx.FindIncidentStats(epiloop.IncidentFilter{Districts: codes, From: from, To: to})
	if err != nil {
		return nil, err
	}
	before, err := tx.FindIncidentStats(epiloop.IncidentFilter{Districts: codes, From: t.BeforeFrom, To: t.BeforeTo})
	if err != nil {
		return nil, err
	}
	type sums struct{ po, cr, po0, cr0 int64 }
	by := map[string]*sums{}
	reported := map[string]bool{}
	for _, c := range codes {
		by[c] = &sums{}
	}
	for _, st := range now {
		by[st.DistrictCode].po += st.PublicOrder
		by[st.DistrictCode].cr += st.Criminal
		reported[st.DistrictCode] = true
	}
	for _, st := range before {
		by[st.DistrictCode].po0 += st.PublicOrder
		by[st.DistrictCode].cr0 += st.Criminal
	}
	var all sums
	for _, c := range codes {
		x := by[c]
		all.po, all.cr, all.po0, all.cr0 = all.po+x.po, all.cr+x.cr, all.po0+x.po0, all.cr0+x.cr0
		t.Districts = append(t.Districts, incidentRowOf(u, c, x.po, x.cr, x.po0, x.cr0, reported[c]))
	}
	t.Total = incidentRowOf(u, "", all.po, all.cr, all.po0, all.cr0, len(reported) > 0)
	return t, nil
}

func incidentRowOf(u *epiloop.User, district string, po, cr, po0, cr0 int64, reported bool) IncidentRow {
	return IncidentRow{District: district, Reported: reported,
		PublicOrder: epiloop.YearOnYear(u.Count(po), u.Count(po0)),
		Criminal:    epiloop.YearOnYear(u.Count(cr), u.Count(cr0)),
		Total:       epiloop.YearOnYear(u.Count(po+cr), u.Count(po0+cr0))}
}
