package intake

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/epiloop/epiloop"
	"github.com/xuri/excelize/v2"
)

// RejectWriter writes the rejects report of an import: one row per
// rejected row with its original row number, the reason in words and as a
// code, the column at fault, and the original cells under the original
// headers, each guarded against formula injection (guardCells). A clerk
// corrects the cells in place and imports the report again.
type RejectWriter struct {
	headers []string
	english bool
	n       int

	// CSV
	bw *bufio.Writer
	cw *csv.Writer
	// XLSX
	out  io.Writer
	xf   *excelize.File
	sw   *excelize.StreamWriter
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
	sw, err := rw.xf.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	rw.sw = sw
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

// Write adds one rejected row; good rows are ignored.
func (rw *RejectWriter) Write(row *Row) error {
	if row.Valid() {
		return nil
	}
	zh, en := Describe(row.Reject.Code)
	msg := zh
	if rw.english {
		msg = en
	}
	column := ""
	if c := row.Reject.Column; c >= 0 && c < len(rw.headers) {
		column = rw.headers[c]
	}
	rw.rec = append(rw.rec[:0], strconv.Itoa(row.Line), msg, row.Reject.Code, column)
	rw.rec = append(rw.rec, row.Cells...)
	guardCells(rw.rec)
	rw.n++
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

// writeXLSX writes one row of text cells: ID and phone numbers stay text,
// as they must, and the row number a number.
func (rw *RejectWriter) writeXLSX(cells []string) error {
	rw.vals = rw.vals[:0]
	for i, c := range cells {
		if i == 0 && rw.n > 0 {
			n, _ := strconv.Atoi(c)
			rw.vals = append(rw.vals, n)
			continue
		}
		rw.vals = append(rw.vals, c)
	}
	cell, _ := excelize.CoordinatesToCellName(1, rw.n+1)
	if err := rw.sw.SetRow(cell, rw.vals); err != nil {
		return fmt.Errorf("intake: rejects: %w", err)
	}
	return nil
}

// Count returns the number of rejected rows written.
func (rw *RejectWriter) Count() int { return rw.n }

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
