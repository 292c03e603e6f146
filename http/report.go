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
	s.mux.HandleFunc("GET /api/v1/reports/daily", s.authed(s.handleReportDaily))
}

// reportHeaders name the report's columns in Chinese, as the
// headquarters files it.
var reportHeaders = map[string]string{
	"received": "接收线索", "pushed": "已推送", "accepted_station": "派出所已接收", "accepted_committee": "社区已接收",
	"submitted_station": "派出所已反馈", "submitted_committee": "社区已反馈", "closed": "已闭环", "handed_over": "已移交外市",
	"conflict": "反馈冲突", "unroutable": "无法分派", "overdue": "超时", "open": "在办",
	"observation_active": "在观察", "observation_overdue": "观察超时", "observation_alerts": "观察预警",
}

// handleReportDaily answers the daily report as JSON, CSV (UTF-8 with BOM)
// or XLSX (?format=).
func (s *Server) handleReportDaily(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	switch format {
	case "", "json", "csv", "xlsx":
	default:
		return epiloop.FieldError("format", "format must be json, csv or xlsx.")
	}
	rep, err := s.Service.DailyReport(r.Context())
	if err != nil {
		return err
	}
	if format == "" || format == "json" {
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	header := []string{"代码", "区县"}
	for _, m := range rep.Metrics {
		header = append(header, reportHeaders[m])
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
		buf.WriteString("\ufeff")
		cw := csv.NewWriter(&buf)
		cw.WriteAll(table)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name += ".csv"
	} else {
		if err := reportXLSX(&buf, rep, table); err != nil {
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

// reportXLSX writes the table as a workbook: numbers as numbers, "<5" as
// text, a title line with the date.
func reportXLSX(buf *bytes.Buffer, rep *loop.Report, table [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	title := fmt.Sprintf("疫情防控核查日报 %s", rep.Date)
	if rep.Suppressed {
		title += "（小于5的数以“<5”表示）"
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
