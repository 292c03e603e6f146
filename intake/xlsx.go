package intake

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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

// Limits on what a workbook may unpack to, and on the XML excelize is
// given. A workbook is a zip archive, and deflate packs a run of repeated
// bytes into a thousandth of its size; excelize holds some parts whole in
// memory, at up to twenty times their size once parsed, and spends time
// and memory on each row and shared string. A 606 KB upload once held a
// gigabyte and a minute of CPU. checkArchive refuses such a workbook from
// its zip directory and one streaming pass over its sheets and shared
// strings, before excelize unpacks anything.
const (
	// xlsxUnzipLimit caps the unpacked size of all parts together. The
	// sheet XML of a generated 200,000-row manifest (inline strings, as
	// the generator and the rejects report write it) is 119.6 MB, 598
	// bytes a row; as Excel saves the same rows, with shared strings, it
	// is 77 MB of sheet and 23 MB of strings. 512 MiB takes some 890,000
	// generated rows, and most of Excel's 1,048,576 as Excel writes them.
	xlsxUnzipLimit = 512 << 20
	// xlsxXMLInMemory is the size up to which excelize unpacks a sheet or
	// the shared strings into memory (its UnzipXMLSizeLimit, 16 MiB by
	// default); a larger one goes to a temporary file and is streamed. A
	// shared string table excelize holds costs 25 times its XML (a 15 MB
	// table of short strings took 380 MB), one streamed from a file 7
	// times, so the line is low.
	xlsxXMLInMemory = 1 << 20
	// xlsxPartLimit caps every other part: excelize holds each whole and
	// parses those it knows (workbook, styles, theme, relationships,
	// calculation chain) at 10 to 25 times their size, and reads a sheet
	// stored under another name from memory. A manifest's are a few
	// kilobytes; an embedded picture larger than this is refused too.
	xlsxPartLimit = 4 << 20
	// xlsxHeldLimit caps what excelize holds in memory at once: every
	// part but the sheets and shared strings it streams from temporary
	// files.
	xlsxHeldLimit = 64 << 20
	// xlsxMaxSharedStrings caps the strings of the shared string table:
	// excelize indexes each at some 100 bytes and 3 µs, so 2,000,000 cost
	// 200 MB and 6 s. 200,000 rows as Excel saves them hold 511,025.
	xlsxMaxSharedStrings = 2_000_000
	// xlsxMaxElement caps one row, one shared string and any single piece
	// of a sheet's XML (a run of text, a tag, a comment): excelize builds
	// each whole. A manifest row is some 600 bytes; Excel holds at most
	// 32,767 characters in a cell.
	xlsxMaxElement = 1 << 20
	// xlsxRatioLimit is how many times its compressed size a part larger
	// than xlsxRatioFloor, and the archive as a whole, may unpack to.
	// Sheet XML compresses about 6 to 1 (the generated manifest 5.9, as
	// Excel saves it 7.7, rows of nothing but formatting 30), shared
	// strings 4 to 1; a bomb 1,000 to 1. Apache POI's ZipSecureFile
	// refuses beyond the same ratio.
	xlsxRatioLimit = 100
	// xlsxRatioFloor is the size up to which a part may have any ratio: a
	// small part costs little, and an empty sheet compresses well.
	xlsxRatioFloor = 1 << 20
	// xlsxMaxParts caps the parts of the archive: a manifest has a dozen,
	// a workbook of a hundred sheets a few hundred.
	xlsxMaxParts = 10_000
	// xlsxInMemory is the size up to which a workbook given as a reader is
	// opened in memory; a larger one is first copied to a temporary file,
	// since excelize streams only from a file.
	xlsxInMemory = 16 << 20
)

func excelizeOptions() excelize.Options {
	return excelize.Options{UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxXMLInMemory}
}

// errNotUTF8 stops excelize from switching a sheet or the shared strings
// to another encoding halfway (an <?xml encoding=…?> in the middle of a
// part): checkArchive scanned their bytes as UTF-8.
var errNotUTF8 = errors.New("intake: xlsx: XML not in UTF-8")

// openWorkbook opens a workbook from a path, or from a reader small enough
// to hold in memory. ra holds the workbook's bytes either way, for
// checkArchive.
func openWorkbook(path string, ra io.ReaderAt, size int64) (*excelize.File, error) {
	if err := checkArchive(ra, size); err != nil {
		return nil, err
	}
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
	f.CharsetTranscoder(func(string, io.Reader) (io.Reader, error) { return nil, errNotUTF8 })
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
	if len(cells) > maxColumns {
		// A value far to the right (XFD7) gives a row of 16,384 cells,
		// which costs excelize a millisecond a row: stop at the first.
		return nil, s.row, refuse(ReasonTooManyColumns)
	}
	return cells, s.row, nil
}

func (s *xlsxSource) bytesRead() int64 { return 0 }

func (s *xlsxSource) close() error {
	return errors.Join(s.rows.Close(), s.f.Close())
}

// checkArchive refuses a workbook that would unpack to more than the
// limits above, from its zip directory (checkDirectory) and then a pass
// over its sheets and shared strings (scanPart).
func checkArchive(ra io.ReaderAt, size int64) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.not_xlsx"))
	}
	if err := checkDirectory(zr, size); err != nil {
		return err
	}
	for _, f := range zr.File {
		if err := scanPart(f); err != nil {
			return err
		}
	}
	return nil
}

// checkDirectory holds the sizes the zip directory declares to the
// limits. They are the sizes excelize trusts: archive/zip fails a part
// that unpacks to more than declared, scanPart reads no more than
// declared, and the ratio of the whole is taken against the file's true
// size, so a directory that lies gains nothing.
func checkDirectory(zr *zip.Reader, size int64) error {
	if len(zr.File) > xlsxMaxParts {
		return refuse(ReasonXLSXTooLarge)
	}
	var total, held uint64
	for _, f := range zr.File {
		n := f.UncompressedSize64
		kind := partKind(f.Name)
		if n > xlsxUnzipLimit || overRatio(n, f.CompressedSize64) || kind == partOther && n > xlsxPartLimit {
			return refuse(ReasonXLSXTooLarge)
		}
		total += n
		if streamed := kind != partOther && n > xlsxXMLInMemory; !streamed {
			held += n
		}
	}
	if total > xlsxUnzipLimit || held > xlsxHeldLimit || overRatio(total, uint64(size)) {
		return refuse(ReasonXLSXTooLarge)
	}
	return nil
}

// overRatio reports whether n bytes packed into packed bytes unpack to
// more than xlsxRatioLimit times their packed size.
func overRatio(n, packed uint64) bool {
	return n > xlsxRatioFloor && n/xlsxRatioLimit > packed
}

// Kinds of part, by what excelize does with them.
const (
	partOther         = iota // held in memory, parsed whole when used
	partSheet                // a worksheet: streamed, from a temporary file when large
	partSharedStrings        // the shared string table: likewise
)

// partKind tells a part's kind from its name as excelize does.
func partKind(name string) int {
	name = strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
	switch {
	case name == "xl/sharedstrings.xml":
		return partSharedStrings
	case strings.HasPrefix(name, "xl/worksheets/sheet"):
		return partSheet
	}
	return partOther
}

// scanPart holds a sheet or the shared string table to the shape excelize
// can read in bounded memory (see scanXML); other parts pass.
func scanPart(f *zip.File) error {
	var lim xmlLimits
	switch partKind(f.Name) {
	case partSheet:
		lim = xmlLimits{record: "row", maxRecords: excelize.TotalRows, toNext: true, maxCells: maxColumns, stop: "sheetData"}
	case partSharedStrings:
		lim = xmlLimits{record: "si", maxRecords: xlsxMaxSharedStrings}
	default:
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.not_xlsx"))
	}
	defer rc.Close()
	return scanXML(io.LimitReader(rc, int64(min(f.UncompressedSize64, xlsxUnzipLimit))), lim)
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
