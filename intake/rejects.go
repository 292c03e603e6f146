package intake

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/xuri/excelize/v2"
)

// RejectWriter writes the rejects report of an import: one row per
// rejected row with its original row number, the reason in words and as a
// code, the column at fault, and the original cells under the original
// headers, each guarded against formula injection (guardCells). A clerk
// corrects the cells in place and imports the report again.
//
// After the rejects come the warnings (WriteWarning), if any: rows taken
// in with a field kept as written, or merged under another name, each
// with the same row number and column, for a look rather than a fix. A
// CSV report has them below the rejects under a heading row of their own
// (警告说明 …), where an import of the fixed report stops reading; a
// workbook has them on a second sheet, 警告, which an import does not
// read unless asked to.
type RejectWriter struct {
	headers []string
	english bool
	n       int // rejects written
	// nw counts the warnings written; warnings is set once their
	// section has begun.
	nw       int
	warnings bool

	// CSV
	bw *bufio.Writer
	cw *csv.Writer
	// XLSX
	out  io.Writer
	xf   *excelize.File
	sw   *excelize.StreamWriter
	rows int // rows written to the current sheet
	vals []any

	rec []string
}

// NewRejectWriter starts a rejects report in format (CSV in UTF-8 with a
// byte-order mark, so that Excel opens it in the right encoding, or XLSX)
// for a file with the given headers (Info.Headers). lang is "zh" or "en"
// for the added columns and messages.
func NewRejectWriter(w io.Writer, format Format, headers []string, lang string) (*RejectWriter, error) {
	rw := &RejectWriter{headers: headers, english: lang == "en"}
	top := rw.topHeaders()
	row := guardCells(append(top[:], headers...))
	switch format {
	case FormatCSV:
		rw.bw = bufio.NewWriterSize(w, 64<<10)
		rw.bw.WriteString("\ufeff")
		rw.cw = csv.NewWriter(rw.bw)
		rw.cw.UseCRLF = true // as Excel writes, and Notepad shows
		return rw, rw.cw.Write(row)
	case FormatXLSX:
		return rw, rw.startXLSX(w, row)
	}
	return nil, refuse(ReasonRejectsUnsupported)
}

// topHeaders are the columns a rejects report puts before the original
// ones. The header mapper knows them (lookupField), so a clerk can fix the
// report and import it as it is.
func (rw *RejectWriter) topHeaders() [4]string {
	if rw.english {
		return [4]string{"Source row", "Problem", "Problem code", "Problem column"}
	}
	return [4]string{"原行号", "问题说明", "问题代码", "问题列"}
}

// warningHeaders are the columns the warnings section puts before the
// original ones; the header mapper ignores them as it does topHeaders'.
func (rw *RejectWriter) warningHeaders() [4]string {
	return warningHeaders(rw.english)
}

func warningHeaders(english bool) [4]string {
	if english {
		return [4]string{"Source row", "Warning", "Warning code", "Warning column"}
	}
	return [4]string{"原行号", "警告说明", "警告代码", "警告列"}
}

// isWarningsHeading reports whether cells are the heading row of a
// report's warnings section, in either language: the rows below it were
// imported already, so an import of the report stops there.
func isWarningsHeading(cells []string) bool {
	if len(cells) < 4 {
		return false
	}
	for _, english := range [...]bool{false, true} {
		h := warningHeaders(english)
		if strings.TrimSpace(cells[0]) == h[0] && strings.TrimSpace(cells[1]) == h[1] && strings.TrimSpace(cells[2]) == h[2] {
			return true
		}
	}
	return false
}

func (rw *RejectWriter) startXLSX(w io.Writer, header []string) error {
	rw.out = w
	rw.xf = newStreamingFile(w)
	sheet := "问题行"
	if rw.english {
		sheet = "Rejects"
	}
	if err := rw.xf.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	return rw.startSheet(sheet, header)
}

// startSheet starts streaming a sheet of the workbook with its heading
// row; the sheet before it, if any, is finished.
func (rw *RejectWriter) startSheet(sheet string, header []string) error {
	if rw.sw != nil {
		if err := rw.sw.Flush(); err != nil {
			return fmt.Errorf("intake: rejects: %w", err)
		}
		if _, err := rw.xf.NewSheet(sheet); err != nil {
			return fmt.Errorf("intake: rejects: %w", err)
		}
	}
	sw, err := rw.xf.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	rw.sw, rw.rows = sw, 0
	for i, width := range [...]float64{8, 40, 16, 12} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("intake: rejects: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	return rw.writeXLSX(header)
}

// Write adds one rejected row; good rows are ignored. Rejects come before
// any warning.
func (rw *RejectWriter) Write(row *Row) error {
	if row.Valid() {
		return nil
	}
	if rw.warnings {
		return errors.New("intake: rejects: a reject after the warnings")
	}
	zh, en := Describe(row.Reject.Code)
	rw.n++
	return rw.writeEntry(row.Line, rw.lang(zh, en), row.Reject.Code, row.Reject.Column, row.Cells)
}

// WriteWarning adds one warning of an accepted row, after the rejects: the
// first starts the warnings section.
func (rw *RejectWriter) WriteWarning(w epiloop.ImportWarning) error {
	if !rw.warnings {
		if err := rw.startWarnings(); err != nil {
			return err
		}
	}
	zh, en := DescribeWarning(w.Code)
	rw.nw++
	return rw.writeEntry(w.Row, rw.lang(zh, en), w.Code, w.Column, w.Cells)
}

// startWarnings begins the warnings section: in a CSV file a blank line
// and the section's heading row, in a workbook a sheet of its own.
func (rw *RejectWriter) startWarnings() error {
	rw.warnings = true
	top := rw.warningHeaders()
	heading := guardCells(append(top[:], rw.headers...))
	if rw.cw != nil {
		if err := rw.cw.Write(nil); err != nil {
			return err
		}
		return rw.cw.Write(heading)
	}
	sheet := "警告"
	if rw.english {
		sheet = "Warnings"
	}
	return rw.startSheet(sheet, heading)
}

func (rw *RejectWriter) lang(zh, en string) string {
	if rw.english {
		return en
	}
	return zh
}

// writeEntry writes one reject or warning: row number, message, code,
// the header of the column at fault, the original cells.
func (rw *RejectWriter) writeEntry(line int, msg, code string, col int, cells []string) error {
	column := ""
	if col >= 0 && col < len(rw.headers) {
		column = rw.headers[col]
	}
	rw.rec = append(rw.rec[:0], strconv.Itoa(line), msg, code, column)
	rw.rec = append(rw.rec, cells...)
	guardCells(rw.rec)
	if rw.cw != nil {
		return rw.cw.Write(rw.rec)
	}
	return rw.writeXLSX(rw.rec)
}

// guardCells passes each cell through epiloop.CSVSafe, in place: a
// rejects report holds what a file sent in, which may be a formula that
// runs when the clerk opens the report in Excel or WPS. Reading the report
// back undoes it (epiloop.CSVRestore). A workbook gets the same cells as a
// CSV file: its cells are text, but one the clerk edits and enters turns
// into a formula, and a report converted from one format to the other
// reads back alike.
func guardCells(cells []string) []string {
	for i, c := range cells {
		cells[i] = epiloop.CSVSafe(c)
	}
	return cells
}

// writeXLSX writes one row of text cells to the current sheet: ID and
// phone numbers stay text, as they must, and the row number (below the
// heading row) a number.
func (rw *RejectWriter) writeXLSX(cells []string) error {
	rw.vals = rw.vals[:0]
	for i, c := range cells {
		if i == 0 && rw.rows > 0 {
			n, _ := strconv.Atoi(c)
			rw.vals = append(rw.vals, n)
			continue
		}
		rw.vals = append(rw.vals, c)
	}
	rw.rows++
	cell, _ := excelize.CoordinatesToCellName(1, rw.rows)
	if err := rw.sw.SetRow(cell, rw.vals); err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	return nil
}

// Count returns the number of rejected rows written.
func (rw *RejectWriter) Count() int { return rw.n }

// WarningCount returns the number of warnings written.
func (rw *RejectWriter) WarningCount() int { return rw.nw }

// Close finishes the report and writes what is buffered. It does not close
// the underlying writer.
func (rw *RejectWriter) Close() error {
	if rw.cw != nil {
		rw.cw.Flush()
		if err := rw.cw.Error(); err != nil {
			return err
		}
		return rw.bw.Flush()
	}
	defer rw.xf.Close()
	if err := rw.sw.Flush(); err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	if _, err := rw.xf.WriteTo(rw.out); err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	return nil
}
