package intake

import (
	"errors"
	"fmt"
	"io"

	"github.com/epiloop/epiloop"
)

// Table reads any table a clerk brings — not a list of persons — through
// the same recognition as Reader: XLSX or CSV in UTF-8, GBK/GB18030 or
// UTF-16, sniffed from the bytes, streamed, with the formula guard of a
// rejects report taken off. It returns the cells of each non-blank row
// with its row number; the caller maps the header (NormalizeHeader) and
// rejects rows by number and reason. Incident statistics are read with it.
type Table struct {
	r *Reader
}

// OpenTable opens a table file given by a reader; sheet names the
// worksheet of a workbook ("" for the first). Close closes it.
func OpenTable(ra io.ReaderAt, size int64, sheet string) (*Table, error) {
	if size <= 0 {
		return nil, refuse(ReasonFileEmpty)
	}
	var head [8]byte
	n, err := ra.ReadAt(head[:min(8, size)], 0)
	if n < int(min(8, size)) {
		return nil, fmt.Errorf("intake: read: %w", err)
	}
	format, err := detectFormat(head[:n])
	if err != nil {
		return nil, err
	}
	r := &Reader{opts: Options{Sheet: sheet, SkipFingerprint: true}, info: Info{Format: format, Size: size}}
	if err := r.openSource(ra, size, "", xlsxInMemory); err != nil {
		r.Close()
		return nil, err
	}
	return &Table{r: r}, nil
}

// Next returns the cells of the next non-blank row (valid until the
// following call) and its row number; io.EOF after the last. A row the
// workbook parser cannot read comes back with no cells and ErrRowUnreadable.
func (t *Table) Next() ([]string, int, error) {
	for {
		cells, line, err := t.r.nextCells()
		if errors.Is(err, errMalformed) {
			return nil, line, ErrRowUnreadable
		}
		if err != nil || !blankRow(cells) {
			return cells, line, err
		}
	}
}

// ErrRowUnreadable is a row of a workbook its parser could not read; the
// reading goes on after it.
var ErrRowUnreadable = epiloop.ReasonError("", ReasonMalformed)

// Close closes the file.
func (t *Table) Close() error { return t.r.Close() }
