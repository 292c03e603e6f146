package intake

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/epiloop/epiloop"
)

// zipPart is one part of a test archive: data deflated, or, when declared
// is set, raw bytes under a directory entry that declares what it likes.
type zipPart struct {
	name string
	// data yields the part's bytes; n of them are read.
	data io.Reader
	// raw and declared write raw as the part's stored bytes and the
	// declared sizes (uncompressed, compressed) in its directory entry.
	raw      []byte
	declared *[2]uint64
}

// repeated returns a part of n copies of the byte c, the stuff of bombs.
func repeated(name string, c byte, n int64) zipPart {
	return zipPart{name: name, data: io.LimitReader(byteReader(c), n)}
}

// byteReader yields its byte forever.
type byteReader byte

func (b byteReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// declaredPart is a part whose directory entry declares n bytes unpacked
// from packed bytes stored, whatever they hold.
func declaredPart(name string, n, packed uint64, stored int) zipPart {
	return zipPart{name: name, raw: make([]byte, stored), declared: &[2]uint64{n, packed}}
}

// withParts returns the workbook base with parts added, a part of the
// same name replacing the base's: an archive excelize would open but for
// the parts.
func withParts(t testing.TB, base []byte, parts ...zipPart) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	replaced := map[string]bool{}
	for _, p := range parts {
		replaced[p.name] = true
	}
	if base != nil {
		zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !replaced[f.Name] {
				if err := zw.Copy(f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, p := range parts {
		if err := writePart(zw, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writePart(zw *zip.Writer, p zipPart) error {
	if p.declared == nil {
		w, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, p.data)
		return err
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               p.name,
		Method:             zip.Deflate,
		UncompressedSize64: p.declared[0],
		CompressedSize64:   p.declared[1],
	})
	if err != nil {
		return err
	}
	_, err = w.Write(p.raw)
	return err
}

// smallWorkbook is a generated manifest of a few rows.
func smallWorkbook(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Generate(&buf, GenOptions{Rows: 5, Seed: 1, Format: FormatXLSX}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	sheetPart = "xl/worksheets/sheet1.xml"
	sstPart   = "xl/sharedStrings.xml"
)

// TestOpenRefusesBomb opens workbooks whose parts unpack to hundreds of
// megabytes from a few hundred kilobytes: each is refused from its zip
// directory, before anything is unpacked, as a workbook too large.
func TestOpenRefusesBomb(t *testing.T) {
	base := smallWorkbook(t)
	const big = 300 << 20
	manySmall := make([]zipPart, 100)
	for i := range manySmall {
		manySmall[i] = repeated(fmt.Sprintf("xl/media/image%d.png", i), 0, xlsxRatioFloor)
	}
	tests := []struct {
		name  string
		parts []zipPart
	}{
		{"sheet of 300 MB", []zipPart{repeated(sheetPart, 'a', big)}},
		{"shared strings of 300 MB", []zipPart{repeated(sstPart, 0, big)}},
		{"styles of 30 MB", []zipPart{repeated("xl/styles.xml", ' ', 30<<20)}},
		{"many parts below the floor", manySmall},
		{"compressed size overstated", []zipPart{declaredPart(sheetPart, big, big/50, 1<<10)}},
		{"uncompressed size above the limit", []zipPart{declaredPart(sheetPart, 1<<40, 1<<10, 1<<10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := withParts(t, base, tt.parts...)
			for _, inMemory := range []int64{xlsxInMemory, 0} { // in memory, and spooled to a file
				r, err := open(bytes.NewReader(b), int64(len(b)), "", Options{}, inMemory)
				if err == nil {
					r.Close()
					t.Fatalf("%d-byte bomb opened", len(b))
				}
				if epiloop.ErrorCode(err) != epiloop.EINVALID || epiloop.ErrorReason(err) != ReasonXLSXTooLarge {
					t.Errorf("%d-byte bomb: err = %v, want reason %s", len(b), err, ReasonXLSXTooLarge)
				}
			}
		})
	}
}

// TestOpenFileRefusesBomb refuses a bomb given by path, which excelize
// would unpack from the file.
func TestOpenFileRefusesBomb(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.xlsx")
	if err := os.WriteFile(path, withParts(t, smallWorkbook(t), repeated(sheetPart, 'a', 300<<20)), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(path, Options{})
	if err == nil {
		r.Close()
		t.Fatal("bomb opened")
	}
	if epiloop.ErrorReason(err) != ReasonXLSXTooLarge {
		t.Errorf("err = %v, want reason %s", err, ReasonXLSXTooLarge)
	}
}

// TestOpenUnderstatedSize opens a workbook whose directory understates
// its sheet (1 KB declared, 100 MB packed): the scan reads the declared
// kilobyte and no more, and excelize, which archive/zip stops at the size
// declared too, finds no readable sheet in it.
func TestOpenUnderstatedSize(t *testing.T) {
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	io.Copy(fw, io.LimitReader(byteReader('a'), 100<<20))
	fw.Close()
	b := withParts(t, smallWorkbook(t), zipPart{
		name: sheetPart, raw: packed.Bytes(),
		declared: &[2]uint64{1 << 10, uint64(packed.Len())},
	})
	r, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
	if err == nil {
		r.Close()
		t.Fatal("opened")
	}
	if epiloop.ErrorCode(err) != epiloop.EINVALID {
		t.Errorf("err = %v, want code invalid", err)
	}
}

// TestCheckDirectory holds each limit on declared sizes to its line, from
// archives whose directory declares the sizes.
func TestCheckDirectory(t *testing.T) {
	const mb = 1 << 20
	manyParts := make([]zipPart, xlsxMaxParts+1)
	for i := range manyParts {
		manyParts[i] = declaredPart(fmt.Sprintf("p/%d", i), 0, 0, 0)
	}
	parts := func(n int, name string, size, packed uint64) []zipPart {
		ps := make([]zipPart, n)
		for i := range ps {
			ps[i] = declaredPart(fmt.Sprintf(name, i+1), size, packed, int(packed))
		}
		return ps
	}
	tests := []struct {
		name  string
		parts []zipPart
		ok    bool
	}{
		{"small workbook", nil, true},
		{"ratio at the limit", []zipPart{declaredPart(sheetPart, 100*mb, mb, mb)}, true},
		{"ratio over the limit", []zipPart{declaredPart(sheetPart, 100*mb+100, mb, mb)}, false},
		{"total over the limit", parts(2, "xl/worksheets/sheet%d.xml", 300*mb, 4*mb), false},
		{"archive ratio over the limit", []zipPart{declaredPart(sheetPart, 200*mb, 4*mb, 1)}, false},
		{"other part at its limit", []zipPart{declaredPart("xl/styles.xml", xlsxPartLimit, mb, mb)}, true},
		{"other part over its limit", []zipPart{declaredPart("xl/media/image1.png", xlsxPartLimit+1, mb, mb)}, false},
		{"held in memory over the limit", parts(20, "xl/media/image%d.png", 3.5*mb, mb/4), false},
		{"small sheets are held", parts(70, "xl/worksheets/sheet%d.xml", xlsxXMLInMemory, mb/8), false},
		{"large sheets are streamed", parts(5, "xl/worksheets/sheet%d.xml", 20*mb, mb), true},
		{"shared strings are streamed", []zipPart{declaredPart("XL/SharedStrings.XML", 200*mb, 4*mb, 4*mb)}, true},
		{"too many parts", manyParts, false},
	}
	base := smallWorkbook(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := withParts(t, base, tt.parts...)
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			err = checkDirectory(zr, int64(len(b)))
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			} else if !tt.ok && epiloop.ErrorReason(err) != ReasonXLSXTooLarge {
				t.Errorf("err = %v, want reason %s", err, ReasonXLSXTooLarge)
			}
		})
	}
}

// TestScanXML holds the scan of sheets and shared strings to the shape
// excelize reads in bounded memory, with small limits.
func TestScanXML(t *testing.T) {
	rows := xmlLimits{record: "row", maxRecords: 3, toNext: true, maxCells: 2, stop: "sheetData"}
	strs := xmlLimits{record: "si", maxRecords: 3}
	big := strings.Repeat("x", xlsxMaxElement)
	tests := []struct {
		name   string
		xml    string
		lim    xmlLimits
		reason string // "" for none
	}{
		{"rows within the limits", `<sheetData><row r="1"><c r="A1"><v>1</v></c><c/><c/><c><v>2</v></c></row><row/><row></row></sheetData>`, rows, ""},
		{"too many rows", `<sheetData><row/><row/><row/><row/></sheetData>`, rows, ReasonXLSXTooLarge},
		{"prefixed rows", `<x:sheetData><x:row/><x:row/><averyveryverylongprefix:row/><x:row/></x:sheetData>`, rows, ReasonXLSXTooLarge},
		{"a name that only starts like row", `<sheetData><rows/><rowx/><row/><rowBreaks/><x:y:row/></sheetData>`, rows, ""},
		{"nothing read after the sheet data", `<sheetData><row/></sheetData><row/><row/><row/>`, rows, ""},
		{"too many cells", `<row><c><v>1</v></c><c t="s"><v>2</v></c><c><v>3</v></c></row>`, rows, ReasonTooManyColumns},
		{"cells after </row> join the row", `<row><c><v>1</v></c></row><c><v>2</v></c><c><v>3</v></c><row/>`, rows, ReasonTooManyColumns},
		{"rows in a comment", `<sheetData><!-- <row/><row/><row/><row/> --></sheetData>`, rows, ""},
		{"rows in CDATA", `<sheetData><t><![CDATA[<row/><row/><row/><row/>]]></t></sheetData>`, rows, ""},
		{"rows in a processing instruction", `<sheetData><?pi <row/><row/><row/><row/> ?></sheetData>`, rows, ""},
		{"rows in a directive", `<!DOCTYPE x [<!ELEMENT row ANY> <!-- > --> <!ENTITY e "<row/><row/><row/><row/>">]><sheetData/>`, rows, ""},
		{"a directive that ends early", `<!"><sheetData><row/><row/><row/><row/></sheetData>`, rows, ReasonXLSXTooLarge},
		{"> in an attribute", `<sheetData><row a=">" b='>'/><row/><row/><row/></sheetData>`, rows, ReasonXLSXTooLarge},
		{"a row too long", `<sheetData><row><c><is><t>` + big + `</t></is></c></row></sheetData>`, rows, ReasonXLSXTooLarge},
		{"a row grown by many cells", `<sheetData><row>` + strings.Repeat("<c/>", xlsxMaxElement/4) + `</row></sheetData>`, rows, ReasonXLSXTooLarge},
		{"text too long before the rows", `<worksheet>` + big + `<sheetData/></worksheet>`, rows, ReasonXLSXTooLarge},
		{"a comment too long", `<worksheet><!--` + big + `--><sheetData/></worksheet>`, rows, ReasonXLSXTooLarge},
		{"a tag too long", `<worksheet a="` + big + `"><sheetData/></worksheet>`, rows, ReasonXLSXTooLarge},
		{"strings within the limits", `<sst><si><t>a</t></si><si/><si><r><t>b</t></r></si></sst>`, strs, ""},
		{"too many strings", `<sst><si/><si/><si/><si/></sst>`, strs, ReasonXLSXTooLarge},
		{"a string too long", `<sst><si><t>` + big + `</t></si></sst>`, strs, ReasonXLSXTooLarge},
		{"a nested string does not end the string", `<sst><si><si/><t>` + big[:xlsxMaxElement/2] + `</t><si/><t>` + big[:xlsxMaxElement/2] + `</t></si></sst>`, strs, ReasonXLSXTooLarge},
		{"truncated", `<sheetData><row><c><v>1`, rows, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := scanXML(strings.NewReader(tt.xml), tt.lim)
			if got := epiloop.ErrorReason(err); got != tt.reason {
				t.Errorf("reason %q (%v), want %q", got, err, tt.reason)
			}
		})
	}
}

// TestScanXMLReadError refuses a part the zip reader fails on as a
// workbook that cannot be read.
func TestScanXMLReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("<sheetData><row>"), iotest.ErrReader(zip.ErrChecksum))
	err := scanXML(r, xmlLimits{record: "row", maxRecords: 10, toNext: true})
	if epiloop.ErrorReason(err) != ReasonFormatUnsupported {
		t.Errorf("err = %v, want reason %s", err, ReasonFormatUnsupported)
	}
}

// sheetWith is a sheet1.xml of a header row (身份证号, 姓名) and then rows,
// as XML.
func sheetWith(rows string) zipPart {
	xml := `<?xml version="1.0" encoding="UTF-8"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c><c r="B1" t="inlineStr"><is><t>姓名</t></is></c></row>` +
		rows + `</sheetData></worksheet>`
	return zipPart{name: sheetPart, data: strings.NewReader(xml)}
}

// goodRow is a row with a valid ID number.
func goodRow(r int) string {
	return fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>11010519491231002X</t></is></c><c r="B%[2]d" t="inlineStr"><is><t>张三</t></is></c></row>`, r, r)
}

// TestXLSXWideRows refuses rows wider than a manifest is: one of many
// cells before excelize builds it, one with a value far to the right
// (which excelize pads to 16,384 cells, a millisecond a row) at the first
// such row.
func TestXLSXWideRows(t *testing.T) {
	base := smallWorkbook(t)
	wide := withParts(t, base, sheetWith(goodRow(2)+`<row r="3">`+strings.Repeat(`<c><v>1</v></c>`, maxColumns+1)+`</row>`))
	if _, err := Open(bytes.NewReader(wide), int64(len(wide)), Options{}); epiloop.ErrorReason(err) != ReasonTooManyColumns {
		t.Errorf("row of %d cells: err = %v, want reason %s", maxColumns+1, err, ReasonTooManyColumns)
	}

	var far strings.Builder
	far.WriteString(goodRow(2))
	for r := 3; r < 20_000; r++ {
		fmt.Fprintf(&far, `<row r="%d"><c r="XFD%[1]d"><v>1</v></c></row>`, r)
	}
	b := withParts(t, base, sheetWith(far.String()))
	r := openBytes(t, b, Options{})
	if row, err := r.Next(); err != nil || row.Line != 2 {
		t.Fatalf("first row: %v, %v", row, err)
	}
	if _, err := r.Next(); epiloop.ErrorReason(err) != ReasonTooManyColumns {
		t.Errorf("row with a value in XFD: err = %v, want reason %s", err, ReasonTooManyColumns)
	}
}

// TestXLSXEncodingSwitch: an XML declaration halfway through a sheet would
// have excelize read the rest in an encoding the scan did not see; the
// reading stops there instead.
func TestXLSXEncodingSwitch(t *testing.T) {
	utf16 := []byte{}
	for _, c := range goodRow(3) + goodRow(4) {
		utf16 = append(utf16, byte(c), 0) // ASCII only, as UTF-16LE
	}
	b := withParts(t, smallWorkbook(t), sheetWith(goodRow(2)+`<?xml version="1.0" encoding="UTF-16LE"?>`+string(utf16)))
	r, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		row, err := r.Next()
		if err != nil {
			break
		}
		if row.Line > 2 {
			t.Errorf("row %d read after the switch", row.Line)
		}
		n++
	}
	if n != 1 {
		t.Errorf("%d rows read, want 1", n)
	}
}

// FuzzScanXML holds the scan to encoding/xml, whose tokens excelize reads:
// the scan never counts fewer rows than the decoder yields before it
// stops, so no limit can be slipped past it.
func FuzzScanXML(f *testing.F) {
	for _, s := range []string{
		`<sheetData><row r="1"><c><v>1</v></c></row><row/></sheetData>`,
		`<x:sheetData xmlns:x="u"><x:row/><!-- <row/> --><![CDATA[<row/>]]><?p <row/>?></x:sheetData>`,
		`<!DOCTYPE d [<!ENTITY e "<row/>"> <!-- > -->]><sheetData><row a=">"/></sheetData>`,
		`<!"><row/><row/>`,
		`<sst><si><t>a</t></si><si/></sst>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, record := range []string{"row", "si"} {
			want := decodedRecords(s, record)
			if want == 0 {
				continue
			}
			lim := xmlLimits{record: record, maxRecords: want - 1, toNext: record == "row", stop: "sheetData"}
			if err := scanXML(strings.NewReader(s), lim); err == nil {
				t.Fatalf("%d <%s> decoded, the scan lets %d through", want, record, want-1)
			}
		}
	})
}

// decodedRecords counts the start tags of record that encoding/xml yields
// as excelize reads them: up to the first error, or the end of the sheet
// data.
func decodedRecords(s, record string) int {
	d := xml.NewDecoder(strings.NewReader(s))
	n := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return n
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if e.Name.Local == record {
				n++
			}
		case xml.EndElement:
			if e.Name.Local == "sheetData" {
				return n
			}
		}
	}
}

func TestOverRatio(t *testing.T) {
	tests := []struct {
		n, packed uint64
		want      bool
	}{
		{xlsxRatioFloor, 1, false}, // any ratio up to the floor
		{xlsxRatioFloor + 1, 1, true},
		{100 << 20, 1 << 20, false},
		{100<<20 + 100, 1 << 20, true},
		{1 << 40, 0, true},
		{0, 0, false},
	}
	for _, tt := range tests {
		if got := overRatio(tt.n, tt.packed); got != tt.want {
			t.Errorf("overRatio(%d, %d) = %v, want %v", tt.n, tt.packed, got, tt.want)
		}
	}
}

func TestDescribeXLSXTooLarge(t *testing.T) {
	zh, en := Describe(ReasonXLSXTooLarge)
	if zh == ReasonXLSXTooLarge || en == ReasonXLSXTooLarge || zh == en {
		t.Errorf("Describe = %q, %q", zh, en)
	}
}

// TestOpenLargeWorkbook imports a generated 200,000-row workbook, whose
// sheet XML is some 120 MB: the limits leave room for real manifests.
func TestOpenLargeWorkbook(t *testing.T) {
	if testing.Short() {
		t.Skip("200,000 rows; skipped in -short mode")
	}
	const rows = 200_000
	path := filepath.Join(t.TempDir(), "manifest.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(f, GenOptions{Rows: rows, Seed: 1, Noise: 0.05, Format: FormatXLSX}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(path, Options{SkipFingerprint: true})
	if err != nil {
		t.Fatalf("OpenFile: %v", err)
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != rows {
		t.Errorf("%d rows read, want %d", n, rows)
	}
}

// FuzzXLSX holds the workbook path to its promise for any archive: it
// returns rows or an error, never panics, and refuses an archive whose
// directory declares more than the limits whatever the parts hold.
func FuzzXLSX(f *testing.F) {
	base := smallWorkbook(f)
	f.Add(base)
	for _, parts := range [][]zipPart{
		{repeated(sheetPart, 'a', 2<<20)},
		{repeated(sstPart, 0, 2<<20)},
		{declaredPart(sheetPart, 1<<40, 1<<10, 16)},
		{declaredPart(sheetPart, 1<<10, 1<<30, 16)},
		{declaredPart(sheetPart, 1<<10, 1<<10, 16)},
		{repeated("xl/styles.xml", ' ', 2<<20)},
	} {
		f.Add(withParts(f, base, parts...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 256<<10 {
			return
		}
		if bytes.HasPrefix(b, []byte(magicZIP)) && declaredTotal(b) > xlsxUnzipLimit {
			_, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
			if epiloop.ErrorReason(err) != ReasonXLSXTooLarge {
				t.Fatalf("archive declaring %d bytes: err = %v", declaredTotal(b), err)
			}
			return
		}
		checkRead(t, b)
	})
}

// declaredTotal returns what the zip directory of b says its parts unpack
// to, 0 if b is no zip archive.
func declaredTotal(b []byte) uint64 {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0
	}
	var n uint64
	for _, f := range zr.File {
		if f.UncompressedSize64 > xlsxUnzipLimit {
			return f.UncompressedSize64 // and no sum to wrap around
		}
		n += f.UncompressedSize64
	}
	return n
}
