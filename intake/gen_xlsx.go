package intake

import (
	"archive/zip"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// manifestSheet names the sheet of a generated workbook.
const manifestSheet = "旅客名单"

// writeXLSX writes the manifest as a workbook through excelize's stream
// writer, as a spreadsheet a clerk saved would hold it: dates as dates,
// phone numbers as numbers, ID numbers as text (as a number Excel would
// round them).
func (g *generator) writeXLSX(w io.Writer) error {
	f := newStreamingFile(w)
	defer f.Close()
	if err := f.SetSheetName("Sheet1", manifestSheet); err != nil {
		return fmt.Errorf("intake: generate: %w", err)
	}
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return fmt.Errorf("intake: generate: %w", err)
	}
	sw, err := f.NewStreamWriter(manifestSheet)
	if err != nil {
		return fmt.Errorf("intake: generate: %w", err)
	}
	vals := make([]any, numCols)
	for i, h := range manifestHeader {
		vals[i] = h
	}
	if err := sw.SetRow("A1", vals); err != nil {
		return fmt.Errorf("intake: generate: %w", err)
	}
	for i := range g.opts.Rows {
		g.next()
		for c := range numCols {
			vals[c] = string(g.rec.field(c))
		}
		if g.rec.serial {
			vals[colDate] = excelize.Cell{StyleID: dateStyle, Value: 43831 + g.day} // 2020-01-01 is day 43831
		}
		if ph := g.rec.field(colPhone); len(ph) == 11 && isDigits(string(ph)) {
			vals[colPhone] = atoi(string(ph))
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return fmt.Errorf("intake: generate: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("intake: generate: %w", err)
	}
	_, err = f.WriteTo(w)
	return err
}

// newStreamingFile returns a new workbook that writes its zip archive
// straight to w. By default excelize assembles the whole archive in memory
// before writing it, which for a million rows is the one part of the work
// whose memory grows with the rows.
func newStreamingFile(w io.Writer) *excelize.File {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	return f
}
