package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerReportRoutes() {
	s.api("GET /api/v1/reports/daily", epiloop.ActReport, s.handleReportDaily)
}

// reportKey is the catalogue key of a metric's column header: the
// dashboard's word for a lead metric (the figure is the same), the
// report's own for the others. The columns are named in the caller's
// language, Chinese by default, as the headquarters files it.
func reportKey(metric string) string {
	if slices.Contains(epiloop.Metrics, metric) {
		return "metric." + metric
	}
	return "report.metric." + metric
}

// handleReportDaily answers the daily report of ?date= (today by default)
// as JSON, CSV (UTF-8 with BOM) or XLSX (?format=).
func (s *Server) handleReportDaily(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		return epiloop.FieldError("format", "err.format_must_json_csv_or")
	}
	rep, err := s.Service.DailyReport(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		return err
	}
	lang := pickLang(r)
	switch format {
	case "csv":
		var buf bytes.Buffer
		if err := reportCSV(&buf, reportTable(lang, rep)); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.csv"`, reportName(rep)))
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
		return nil
	case "xlsx":
		return reportXLSX(w, lang, rep)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// reportName is the file name of a report, without extension.
func reportName(rep *loop.Report) string { return "epiloop-daily-" + rep.Date }

// reportTable is the report as one table: the code, the area, then every
// section's metrics.
func reportTable(lang string, rep *loop.Report) [][]string {
	header := []string{epiloop.T(lang, "report.code"), epiloop.T(lang, "report.area")}
	for _, m := range rep.Metrics {
		header = append(header, epiloop.T(lang, reportKey(m)))
	}
	table := [][]string{header}
	for _, row := range rep.Rows {
		line := []string{row.Code, row.Name}
		for _, m := range rep.Metrics {
			line = append(line, row.Values[m])
		}
		table = append(table, line)
	}
	return table
}

// reportCSV writes the table as CSV in UTF-8 with a byte-order mark, so
// that Excel opens it in the right encoding, each cell guarded against
// formula injection (epiloop.CSVSafe): area names come from the
// jurisdiction tree an admin loads.
func reportCSV(buf *bytes.Buffer, table [][]string) error {
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(buf)
	var rec []string
	for _, row := range table {
		rec = rec[:0]
		for _, c := range row {
			rec = append(rec, epiloop.CSVSafe(c))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// reportXLSX writes the report as a workbook: the title (the issuing
// command, the day), when it was made, then the table; counts as numbers,
// "<5" as text, text cells guarded as the CSV's are.
func reportXLSX(w http.ResponseWriter, lang string, rep *loop.Report) error {
	sh, err := newSheet(epiloop.T(lang, "report.sheet"))
	if err != nil {
		return err
	}
	defer sh.close()
	widths := []float64{8, 12}
	for range rep.Metrics {
		widths = append(widths, 10)
	}
	if err := sh.widths(widths...); err != nil {
		return err
	}
	issuer := rep.Issuer
	if issuer == "" {
		issuer = epiloop.T(lang, "report.issuer")
	}
	title := epiloop.T(lang, "report.page.title", issuer) + " " + rep.Date
	if err := sh.add(title); err != nil {
		return err
	}
	note := epiloop.T(lang, "report.generated", fmtTime(rep.Generated)) + " " + epiloop.T(lang, "report.civil_day")
	if rep.Suppressed {
		note += epiloop.T(lang, "report.suppressed", loop.SmallCell)
	}
	if err := sh.add(note); err != nil {
		return err
	}
	for i, row := range reportTable(lang, rep) {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && i > 0 && j > 1 {
				cells[j] = n
			}
		}
		if i == 0 {
			err = sh.add(nil) // a blank line under the title
		}
		if err == nil {
			err = sh.add(cells...)
		}
		if err != nil {
			return err
		}
	}
	return sh.send(w, reportName(rep)+".xlsx")
}
