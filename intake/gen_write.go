package intake

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
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
	for i, h := range manifestHeader() {
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
// whose memory grows with the rows. It compresses at deflate's fastest
// level: a generated manifest or a rejects report is written once and read
// soon, and the default level more than doubles the time to write it.
func newStreamingFile(w io.Writer) *excelize.File {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	return f
}

// writeCSV writes the manifest as CSV, through an encoder when the
// encoding is not UTF-8.
func (g *generator) writeCSV(w io.Writer) error {
	var enc *transform.Writer
	switch g.opts.Encoding {
	case EncodingUTF8, "":
	case EncodingUTF8BOM:
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
	case EncodingGB18030:
		enc = transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder())
		w = enc
	default:
		return fmt.Errorf("intake: generate: unknown encoding %q", g.opts.Encoding)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var line []byte
	for i, h := range manifestHeader() {
		if i > 0 {
			line = append(line, ',')
		}
		line = append(line, h...)
	}
	line = append(line, '\r', '\n')
	bw.Write(line)
	for range g.opts.Rows {
		g.next()
		line = line[:0]
		for c := range numCols {
			if c > 0 {
				line = append(line, ',')
			}
			line = appendCSVField(line, g.rec.field(c))
		}
		line = append(line, '\r', '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if enc != nil {
		return enc.Close()
	}
	return nil
}

// appendCSVField quotes a field when it needs it.
func appendCSVField(b, f []byte) []byte {
	if !needsQuote(f) {
		return append(b, f...)
	}
	b = append(b, '"')
	for _, c := range f {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

func needsQuote(f []byte) bool {
	for _, c := range f {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}
