package http

import (
	"net/http"
	"net/url"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The daily report as a page for commanders, district commanders and
// analysts: the day's figures per district from loop.DailyReport (the
// API's report, small counts suppressed for analysts alike), a date
// picker, the workbook, and a print view for A4 paper.

func (ui *ui) registerReportPages() {
	ui.page("GET /reports/daily", epiloop.ActReport, ui.handleReportPage)
	ui.page("GET /reports/daily.xlsx", epiloop.ActReport, ui.handleReportXLSX)
	ui.page("GET /reports/daily/print", epiloop.ActReport, ui.handleReportPrint)
}

// reportData is what the report's page and its print view show.
type reportData struct {
	*loop.Report
	// Max is the latest day the picker offers: today.
	Max string
	// Title is the report's heading: the issuing command's daily report.
	Title string
}

// query is the report's day as a query string.
func (d *reportData) query() string { return "?" + url.Values{"date": {d.Date}}.Encode() }

// XLSXURL, PrintURL and PageURL are the report's links for its day.
func (d *reportData) XLSXURL() string  { return "/reports/daily.xlsx" + d.query() }
func (d *reportData) PrintURL() string { return "/reports/daily/print" + d.query() }
func (d *reportData) PageURL() string  { return "/reports/daily" + d.query() }

// SmallCell is the count below which analysts read "<5".
func (d *reportData) SmallCell() int { return loop.SmallCell }

// Label is the catalogue key of a metric's column.
func (d *reportData) Label(metric string) string { return reportKey(metric) }

func (ui *ui) report(r *http.Request, p *page) (*reportData, error) {
	rep, err := ui.s.Service.DailyReport(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		return nil, err
	}
	issuer := rep.Issuer
	if issuer == "" {
		issuer = p.T("report.issuer")
	}
	return &reportData{Report: rep, Max: epiloop.CivilDate(p.Now), Title: p.T("report.page.title", issuer)}, nil
}

func (ui *ui) handleReportPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.report(r, p)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "report.page.heading", "report", d
	return ui.render(w, http.StatusOK, "report", p)
}

func (ui *ui) handleReportXLSX(w http.ResponseWriter, r *http.Request, p *page) error {
	rep, err := ui.s.Service.DailyReport(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		return err
	}
	return reportXLSX(w, p.Lang, rep)
}

// handleReportPrint renders the report as a document of its own, for A4
// paper (print.css), without the navigation.
func (ui *ui) handleReportPrint(w http.ResponseWriter, r *http.Request, p *page) error {
	d, err := ui.report(r, p)
	if err != nil {
		return err
	}
	p.Title, p.Nav, p.Data = "report.page.heading", "report", d
	return ui.renderTemplate(w, http.StatusOK, "report_print", "print", p)
}
