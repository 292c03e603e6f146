package intake

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/epiloop/epiloop"
	"github.com/xuri/excelize/v2"
)

// xlsxSource streams one sheet through excelize's row iterator. excelize
// unpacks a large sheet to a temporary file and reads it as a stream, so
// memory stays flat however many rows the sheet has.
type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	row  int
	// raw asks excelize for cells as stored: a date is its serial number
	// rather than text in whatever format the cell shows, and a long
	// number is not rounded for display.
	raw excelize.Options
}

// Limits on what a workbook may unpack to: far above any manifest, far
// below what would exhaust the disk.
const (
	xlsxUnzipLimit = 4 << 30
	// xlsxInMemory is the size up to which a workbook given as a reader is
	// opened in memory; a larger one is first copied to a temporary file,
	// since excelize streams only from a file.
	xlsxInMemory = 16 << 20
)

func excelizeOptions() excelize.Options {
	return excelize.Options{UnzipSizeLimit: xlsxUnzipLimit}
}

// openWorkbook opens a workbook from a path, or from a reader small enough
// to hold in memory.
func openWorkbook(path string, ra io.ReaderAt, size int64) (*excelize.File, error) {
	var (
		f   *excelize.File
		err error
	)
	if path != "" {
		f, err = excelize.OpenFile(path, excelizeOptions())
	} else {
		f, err = excelize.OpenReader(io.NewSectionReader(ra, 0, size), excelizeOptions())
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.not_xlsx"))
	}
	return f, nil
}

// newXLSXSource opens the named sheet, or the first one. It returns the
// sheet's name, all sheet names, and whether the workbook counts dates
// from 1904.
func newXLSXSource(f *excelize.File, sheet string) (*xlsxSource, []string, bool, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, false, refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.no_sheets"))
	}
	if sheet == "" {
		sheet = sheets[0]
	} else if !contains(sheets, sheet) {
		return nil, sheets, false, refuse(ReasonSheetNotFound)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, sheets, false, fmt.Errorf("intake: sheet rows: %w", err)
	}
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	s := &xlsxSource{f: f, rows: rows, raw: excelize.Options{RawCellValue: true}}
	return s, sheets, date1904, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, 0, fmt.Errorf("intake: xlsx: %w", err)
		}
		return nil, 0, io.EOF
	}
	s.row++
	cells, err := s.rows.Columns(s.raw)
	if err != nil {
		return nil, s.row, errMalformed
	}
	return cells, s.row, nil
}

func (s *xlsxSource) bytesRead() int64 { return 0 }

func (s *xlsxSource) close() error {
	return errors.Join(s.rows.Close(), s.f.Close())
}

// spoolTemp copies nothing itself: it creates the temporary file a large
// workbook read from a reader is copied into while it is fingerprinted.
func spoolTemp() (*os.File, error) {
	f, err := os.CreateTemp("", "epiloop-intake-*.xlsx")
	if err != nil {
		return nil, fmt.Errorf("intake: temporary file: %w", err)
	}
	return f, nil
}
