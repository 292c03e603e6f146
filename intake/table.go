package intake

import (
	"errors"
	"io"
	"strings"

	"github.com/epiloop/epiloop"
)

// Table reads a file of records that are not persons (a register of
// places, incident counts): the same formats, encodings, size and archive checks as a
// manifest, but its header row is the first non-blank row, its columns
// are named by the caller, and its cells are cleaned only of spreadsheet
// escaping and surrounding space. Rows keep their line numbers for the
// rejects.
type Table struct {
	r *Reader
	// Header is the header row's cells, normalised (NormalizeHeader).
	Header []string
	// HeaderLine is the header row's number.
	HeaderLine int
}

// TableRow is one data row of a table.
type TableRow struct {
	Line  int
	Cells []string
}

// OpenTable opens a table file of size bytes from ra; the caller keeps ra
// open until Close.
func OpenTable(ra io.ReaderAt, size int64, opts Options) (*Table, error) {
	if size <= 0 {
		return nil, refuse(ReasonFileEmpty)
	}
	var head [8]byte
	n, err := ra.ReadAt(head[:min(8, size)], 0)
	if n < int(min(8, size)) {
		return nil, err
	}
	format, err := detectFormat(head[:n])
	if err != nil {
		return nil, err
	}
	opts.SkipFingerprint = true // a table is not a manifest: no re-import check by hash
	r := &Reader{opts: opts, info: Info{Format: format, Size: size}}
	if err := r.openSource(ra, size, "", xlsxInMemory); err != nil {
		r.Close()
		return nil, err
	}
	t := &Table{r: r}
	for {
		cells, line, err := r.nextCells()
		if errors.Is(err, io.EOF) {
			r.Close()
			return nil, refuse(ReasonFileEmpty)
		} else if err != nil {
			r.Close()
			return nil, err
		}
		if blankRow(cells) {
			continue
		}
		for _, c := range cells {
			t.Header = append(t.Header, NormalizeHeader(c))
		}
		t.HeaderLine = line
		return t, nil
	}
}

// Next returns the next non-blank data row, io.EOF at the end.
func (t *Table) Next() (TableRow, error) {
	for {
		cells, line, err := t.r.nextCells()
		if errors.Is(err, errMalformed) {
			return TableRow{Line: line}, ErrRowUnreadable
		}
		if err != nil {
			return TableRow{}, err
		}
		if blankRow(cells) {
			continue
		}
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = strings.TrimSpace(c)
		}
		return TableRow{Line: line, Cells: out}, nil
	}
}

// Column returns the index of the first header among names (normalised
// as NormalizeHeader does), -1 for none.
func (t *Table) Column(names ...string) int {
	for _, n := range names {
		n = NormalizeHeader(n)
		for i, h := range t.Header {
			if h == n {
				return i
			}
		}
	}
	return -1
}

// ErrRowUnreadable is a row of a workbook its parser could not read
// (EINVALID, with the row's number in the TableRow); the reading goes on
// after it.
var ErrRowUnreadable = epiloop.ReasonError("", ReasonMalformed)

// Close releases the file.
func (t *Table) Close() error { return t.r.Close() }
