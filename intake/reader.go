package intake

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"sync/atomic"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
)

// Options control how a file is read.
type Options struct {
	// Sheet names the worksheet of a workbook to read; "" reads the first.
	Sheet string
	// Regions resolves origins to division and country codes; an origin
	// it does not know is kept as written, with a warning (a row without
	// an address is rejected for it). Without it the origin is kept as
	// cleaned text.
	Regions *divisions.RegionIndex
	// Source, Ref and File describe the file in each row's lineage (see
	// Reader.Source): the kind of source, its reference (a manifest
	// number) and the file's name as uploaded.
	Source epiloop.SourceKind
	Ref    string
	File   string
	// SkipFingerprint leaves Info.SHA256 empty and spares Open its pass
	// over the whole file, for a preview of the first rows of a large file.
	SkipFingerprint bool
}

// Info describes an opened file: what the import preview shows before the
// clerk commits, and what the importer records.
type Info struct {
	Format Format `json:"format"`
	// Encoding and Delimiter are those of a CSV file.
	Encoding  Encoding `json:"encoding,omitempty"`
	Delimiter string   `json:"delimiter,omitempty"`
	// Sheet is the worksheet read, Sheets all of the workbook's.
	Sheet  string   `json:"sheet,omitempty"`
	Sheets []string `json:"sheets,omitempty"`
	// HeaderRow is the row number of the header row; rows above it are
	// titles.
	HeaderRow int `json:"header_row"`
	// Columns lists every column with its header and field.
	Columns []Column `json:"columns"`
	// Extra lists the headers of the columns kept as extra attributes, in
	// the order of Row.Extra.
	Extra []string `json:"extra,omitempty"`
	// Size is the file's length in bytes, SHA256 the hex SHA-256 of its
	// bytes: the same for a renamed copy, so a re-import is recognised.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Headers returns the header texts in column order.
func (i *Info) Headers() []string {
	hs := make([]string, len(i.Columns))
	for j, c := range i.Columns {
		hs[j] = c.Header
	}
	return hs
}

// Column returns the column mapped to f.
func (i *Info) Column(f Field) (Column, bool) {
	for _, c := range i.Columns {
		if c.Field == f {
			return c, true
		}
	}
	return Column{}, false
}

// Progress tells how far reading has come.
type Progress struct {
	// Rows counts the data rows returned, Rejected those of them rejected,
	// Blank the blank rows skipped.
	Rows, Rejected, Blank int
	// Bytes is how much of the file has been read, of Size; it is known
	// for CSV files only (0 for workbooks).
	Bytes, Size int64
}

// Reader reads the rows of one file. It is not safe for concurrent use.
type Reader struct {
	info     Info
	opts     Options
	src      source
	p        *parser
	row      Row
	cells    []string
	prog     Progress // Size only; the counts below are read concurrently
	rows     atomic.Int64
	rejected atomic.Int64
	blank    atomic.Int64
	closed   bool
	cleanup  []func() error
	// report is set for a rejects report read back (its header has the
	// report's own columns first), ended once its warnings section is
	// reached: those rows were imported already.
	report, ended bool
}

// maxTitleRows is how many non-blank rows may stand above the header row
// (a title, a date, the issuing office).
const maxTitleRows = 10

// OpenFile opens the file at path; Close closes it.
func OpenFile(path string, opts Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("intake: %w", err)
	}
	r, err := open(f, st.Size(), path, opts, xlsxInMemory)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.cleanup = append(r.cleanup, f.Close)
	return r, nil
}

// Open reads a file of size bytes from r (an *os.File, a multipart.File, a
// bytes.Reader). It reads the whole file once to fingerprint it and find
// its encoding, then reads the header, and refuses with an *epiloop.Error
// of code invalid (and a Reason) a file it cannot read or whose header
// names neither ID numbers nor phones, before any row is returned. The
// caller keeps r open until Close.
func Open(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	return open(r, size, "", opts, xlsxInMemory)
}

// open opens a file given by a reader and, when it has one, its path. A
// workbook larger than inMemory without a path is spooled to a temporary
// file.
func open(ra io.ReaderAt, size int64, path string, opts Options, inMemory int64) (*Reader, error) {
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
	r := &Reader{opts: opts, info: Info{Format: format, Size: size}}
	r.prog.Size = size
	if err := r.openSource(ra, size, path, inMemory); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.readHeader(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// openSource fingerprints the file and sets up the row source.
func (r *Reader) openSource(ra io.ReaderAt, size int64, path string, inMemory int64) error {
	if r.info.Format == FormatXLSX {
		return r.openXLSX(ra, size, path, inMemory)
	}
	res, err := scan(ra, size, nil, !r.opts.SkipFingerprint)
	if err != nil {
		return err
	}
	r.info.SHA256 = res.sha256
	enc, bom, err := detectEncoding(ra, size, res.firstHigh)
	if err != nil {
		return err
	}
	if looksBinary(ra, size, enc) {
		return refuse(ReasonFormatUnsupported)
	}
	src, delim := newCSVSource(ra, size, enc, bom)
	r.src = src
	r.info.Encoding, r.info.Delimiter = enc, delim
	r.p = newParser(nil, r.opts.Regions, false)
	return nil
}

// openXLSX opens a workbook. One given by path or small enough is read
// where it is; a large one given as a reader is copied to a temporary file
// during the fingerprinting pass, since excelize streams only from a file.
func (r *Reader) openXLSX(ra io.ReaderAt, size int64, path string, inMemory int64) error {
	var spool *os.File
	if path == "" && size > inMemory {
		var err error
		if spool, err = spoolTemp(); err != nil {
			return err
		}
		name := spool.Name()
		r.cleanup = append(r.cleanup, func() error { return os.Remove(name) })
	}
	var w io.Writer
	if spool != nil {
		w = spool
	}
	res, err := scan(ra, size, w, !r.opts.SkipFingerprint || w != nil)
	if r.opts.SkipFingerprint {
		res.sha256 = ""
	}
	if spool != nil {
		if cerr := spool.Close(); err == nil {
			err = cerr
		}
		path = spool.Name()
	}
	if err != nil {
		return err
	}
	r.info.SHA256 = res.sha256
	f, err := openWorkbook(path, ra, size)
	if err != nil {
		return err
	}
	src, sheets, date1904, err := newXLSXSource(f, r.opts.Sheet)
	r.info.Sheets = sheets
	if err != nil {
		f.Close()
		return err
	}
	r.src = src
	r.info.Sheet = r.opts.Sheet
	if r.info.Sheet == "" {
		r.info.Sheet = sheets[0]
	}
	r.p = newParser(nil, r.opts.Regions, date1904)
	return nil
}

// readHeader finds the header row: the first row, among the first
// maxTitleRows non-blank ones, that names an ID number or phone column.
func (r *Reader) readHeader() error {
	var best *header
	firstIsData := false
	for seen := 0; seen < maxTitleRows; {
		cells, line, err := r.nextCells()
		if errors.Is(err, io.EOF) {
			break
		} else if errors.Is(err, errMalformed) {
			seen++
			continue
		} else if err != nil {
			return err
		}
		if blankRow(cells) {
			continue
		}
		if len(cells) > maxColumns {
			return refuse(ReasonTooManyColumns)
		}
		if seen == 0 {
			firstIsData = looksLikeData(cells)
		}
		seen++
		h := mapHeader(cells)
		if h.identified() {
			r.useHeader(h, line)
			return nil
		}
		if (best == nil || h.score() > best.score()) && !looksLikeData(cells) {
			best = h
		}
	}
	switch {
	case firstIsData:
		return refuse(ReasonHeaderMissing)
	case best == nil:
		return refuse(ReasonIdentityColumns)
	}
	return refuse(ReasonIdentityColumns, epiloop.M("reject.detail.columns_found", describeHeader(best)))
}

func (r *Reader) useHeader(h *header, line int) {
	r.p.setHeader(h)
	r.info.HeaderRow = line
	r.info.Columns = h.columns
	for _, i := range h.extra {
		r.info.Extra = append(r.info.Extra, h.columns[i].Header)
	}
	r.cells = make([]string, 0, len(h.columns))
	r.row.Extra = make([]string, 0, len(h.extra))
	r.report = len(h.columns) > 0 && h.columns[0].Field == FieldIgnored
}

// nextCells reads the next row from the source and takes off the quote
// that guards a cell against formula injection (epiloop.CSVRestore), in
// place, so that a rejects report, header row included, reads back as the
// cells it was written from.
func (r *Reader) nextCells() ([]string, int, error) {
	cells, line, err := r.src.next()
	for i, c := range cells {
		cells[i] = epiloop.CSVRestore(c)
	}
	return cells, line, err
}

// Info describes the file.
func (r *Reader) Info() Info { return r.info }

// Next returns the next data row, good or rejected, and io.EOF after the
// last. Blank rows are skipped. The Row and its slices are reused by the
// following call; the strings in it may be kept. Any error other than
// io.EOF is an I/O or workbook error that ends the reading: bad data never
// is, it only rejects its row. A rejects report read back ends where its
// warnings begin.
func (r *Reader) Next() (*Row, error) {
	for {
		if r.ended {
			return nil, io.EOF
		}
		cells, line, err := r.nextCells()
		if errors.Is(err, errMalformed) {
			r.rows.Add(1)
			r.rejected.Add(1)
			r.row = Row{Line: line, Cells: r.cells[:0], Extra: r.row.Extra[:0], Reject: Reject{Code: ReasonMalformed, Column: -1}}
			return &r.row, nil
		} else if err != nil {
			return nil, err
		}
		if blankRow(cells) {
			r.blank.Add(1)
			continue
		}
		if r.report && isWarningsHeading(cells) {
			r.ended = true
			continue
		}
		if len(cells) < len(r.info.Columns) || r.info.Format == FormatXLSX {
			// Pad a short row to the header; keep a workbook's cells,
			// which are not the source's to reuse, in one slice too.
			r.cells = append(r.cells[:0], cells...)
			for len(r.cells) < len(r.info.Columns) {
				r.cells = append(r.cells, "")
			}
			cells = r.cells
		}
		if r.info.Format == FormatXLSX {
			r.p.showDate(cells)
		}
		r.row.Line, r.row.Cells = line, cells
		r.p.parse(&r.row, cells)
		r.rows.Add(1)
		if !r.row.Valid() {
			r.rejected.Add(1)
		}
		return &r.row, nil
	}
}

// Progress reports how far reading has come. It may be called from
// another goroutine while Next runs (an import's progress bar).
func (r *Reader) Progress() Progress {
	p := Progress{Rows: int(r.rows.Load()), Rejected: int(r.rejected.Load()), Blank: int(r.blank.Load()), Size: r.prog.Size}
	if r.src != nil {
		p.Bytes = r.src.bytesRead()
	}
	return p
}

// Source returns the lineage of a good row as the domain records it: the
// kind, reference and file from Options, the row number, the reason and
// the address.
func (r *Reader) Source(row *Row) epiloop.Source {
	return epiloop.Source{
		Kind:    r.opts.Source,
		Ref:     r.opts.Ref,
		File:    r.opts.File,
		Row:     row.Line,
		Reason:  row.Reason,
		Address: row.Address,
	}
}

// Extras yields a row's extra attributes, header and value, skipping empty
// values: the columns intake does not know, kept as they were.
func (r *Reader) Extras(row *Row) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i, v := range row.Extra {
			if i < len(r.info.Extra) && v != "" && !yield(r.info.Extra[i], v) {
				return
			}
		}
	}
}

// Close releases the file, the workbook and any temporary files.
func (r *Reader) Close() error {
	var errs []error
	if r.src != nil && !r.closed {
		errs = append(errs, r.src.close())
		r.closed = true
	}
	for i := len(r.cleanup) - 1; i >= 0; i-- {
		errs = append(errs, r.cleanup[i]())
	}
	r.cleanup = nil
	return errors.Join(errs...)
}
