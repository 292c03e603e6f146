package http

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"

	"github.com/xuri/excelize/v2"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerReportRoutes() {
	s.api("GET /api/v1/reports/daily", epiloop.ActReport, s.handleReportDaily)
}

// The report's columns are named in the caller's language, Chinese by
// default, as the headquarters files it.
// reportKey is the catalogue key of a metric's column header.
func reportKey(metric string) string { return "report.metric." + metric }

// handleReportDaily answers the daily report as JSON, CSV (UTF-8 with BOM)
// or XLSX (?format=).
func (s *Server) handleReportDaily(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		return epiloop.FieldError("format", "err.format_must_json_csv_or")
	}
	rep, err := s.Service.DailyReport(r.Context())
	if err != nil {
		return err
	}
	if format == "" || format == "json" {
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	lang := pickLang(r)
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
	var buf bytes.Buffer
	name := "epiloop-daily-" + rep.Date
	if format == "csv" {
		if err := reportCSV(&buf, table); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	} else {
		if err := reportXLSX(&buf, lang, rep, table); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		name += ".xlsx"
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
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

// reportXLSX writes the table as a workbook: numbers as numbers, "<5" as
// text, a title line with the date.
func reportXLSX(buf *bytes.Buffer, lang string, rep *loop.Report, table [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	title := epiloop.T(lang, "report.title", rep.Date)
	if rep.Suppressed {
		title += epiloop.T(lang, "report.suppressed", loop.SmallCell)
	}
	f.SetCellValue(sheet, "A1", title)
	for i, row := range table {
		for j, v := range row {
			cellName, _ := excelize.CoordinatesToCellName(j+1, i+3)
			var n int64
			if _, err := fmt.Sscan(v, &n); err == nil && i > 0 && j > 1 {
				f.SetCellValue(sheet, cellName, n)
			} else {
				f.SetCellValue(sheet, cellName, v)
			}
		}
	}
	return f.Write(buf)
}
