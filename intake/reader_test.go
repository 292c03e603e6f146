package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// manifest is a small passenger list in the form tests write it.
var manifest = [][]string{
	{"车次", "座位", "姓名", "身份证号", "手机号", "目的地址", "出发地", "到达日期", "工作单位"},
	{"G1234", "05车12F", "张三", "11010519491231002X", "13800138000", "沈阳市和平区水源地社区12号楼3单元", "武汉", "2020-01-22", "沈阳机床厂"},
	{"G1234", "05车12A", "劉偉", "110105194912310021", "13900139000", "瀋陽市和平區南京南社區", "武汉", "2020/1/22", ""},
	{"D25", "01车01A", "李四", "", "139 0013 9001", "沈阳市沈河区", "北京", "20200123", "个体"},
}

// encodeCSV writes rows as CSV in enc, with a byte-order mark when bom is
// set, through x/text's real encoders.
func encodeCSV(t testing.TB, rows [][]string, enc encoding.Encoding, bom string, comma rune) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = comma
	w.UseCRLF = true
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	text := buf.Bytes()
	if enc != nil {
		var err error
		if text, err = enc.NewEncoder().Bytes(text); err != nil {
			t.Fatal(err)
		}
	}
	return append([]byte(bom), text...)
}

// xlsxFile writes a workbook with excelize; sheets maps a sheet name to
// its rows of values.
func xlsxFile(t testing.TB, names []string, sheets map[string][][]any, edit func(*excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, name := range names {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if row == nil {
				continue
			}
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if edit != nil {
		edit(f)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func anyRows(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		for _, c := range r {
			out[i] = append(out[i], c)
		}
	}
	return out
}

func openBytes(t testing.TB, b []byte, opts Options) *Reader {
	t.Helper()
	r, err := Open(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// readAll returns copies of all rows.
func readAll(t testing.TB, r *Reader) []Row {
	t.Helper()
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		} else if err != nil {
			t.Fatalf("Next: %v", err)
		}
		c := *row
		c.Cells = slices.Clone(row.Cells)
		c.Extra = slices.Clone(row.Extra)
		c.Warnings = slices.Clone(row.Warnings)
		rows = append(rows, c)
	}
}

// checkManifest checks the rows read from manifest.
func checkManifest(t *testing.T, rows []Row) {
	t.Helper()
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	want := []struct {
		line  int
		code  string
		name  string
		addr  string
		date  string
		extra string
	}{
		{2, "", "张三", "沈阳市和平区水源地社区12号楼3单元", "2020-01-22", "沈阳机床厂"},
		{3, ReasonIDChecksum, "", "", "", ""},
		{4, "", "李四", "沈阳市沈河区", "2020-01-23", "个体"},
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line || r.Reject.Code != w.code || r.Person.Name != w.name || r.Address != w.addr || r.Reason.ArrivalDate != w.date {
			t.Errorf("row %d = line %d code %q name %q address %q date %q; want %+v", i, r.Line, r.Reject.Code, r.Person.Name, r.Address, r.Reason.ArrivalDate, w)
		}
		if len(r.Extra) != 1 || r.Extra[0] != w.extra {
			t.Errorf("row %d extra = %q, want [%q]", i, r.Extra, w.extra)
		}
	}
	if got := rows[1].Cells[2]; got != "劉偉" {
		t.Errorf("rejected row's cells = %q, want the original name 劉偉", got)
	}
}

func TestReadCSVEncodings(t *testing.T) {
	tests := []struct {
		name string
		enc  encoding.Encoding
		bom  string
		want Encoding
	}{
		{"UTF-8", nil, "", EncodingUTF8},
		{"UTF-8 with BOM", nil, "\ufeff", EncodingUTF8BOM},
		{"GBK", simplifiedchinese.GBK, "", EncodingGB18030},
		{"GB18030", simplifiedchinese.GB18030, "", EncodingGB18030},
		{"GB18030 with BOM", simplifiedchinese.GB18030, "\x84\x31\x95\x33", EncodingGB18030},
		{"UTF-16LE", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "\xff\xfe", EncodingUTF16LE},
		{"UTF-16BE", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "\xfe\xff", EncodingUTF16BE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeCSV(t, manifest, tt.enc, tt.bom, ',')
			r := openBytes(t, b, Options{Regions: testRegions()})
			info := r.Info()
			if info.Format != FormatCSV || info.Encoding != tt.want || info.Delimiter != "," {
				t.Errorf("info = %s %s %q, want csv %s \",\"", info.Format, info.Encoding, info.Delimiter, tt.want)
			}
			if !slices.Equal(info.Headers(), manifest[0]) {
				t.Errorf("headers = %q, want %q", info.Headers(), manifest[0])
			}
			if !slices.Equal(info.Extra, []string{"工作单位"}) {
				t.Errorf("extra = %q", info.Extra)
			}
			checkManifest(t, readAll(t, r))
			if p := r.Progress(); p.Bytes != p.Size || p.Rows != 3 || p.Rejected != 1 {
				t.Errorf("progress = %+v", p)
			}
		})
	}
}

func TestReadCSVDelimiters(t *testing.T) {
	for _, comma := range []rune{'\t', ';'} {
		b := encodeCSV(t, manifest, nil, "", comma)
		r := openBytes(t, b, Options{Regions: testRegions()})
		if got := r.Info().Delimiter; got != string(comma) {
			t.Errorf("delimiter = %q, want %q", got, comma)
		}
		checkManifest(t, readAll(t, r))
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		head string
		want byte
	}{
		{"", ','},
		{"a,b,c\n", ','},
		{"a\tb\tc\n", '\t'},
		{"a;b;c\n", ';'},
		{"\"a,b\"\tc\td\n", '\t'},
		{"沈阳站到达旅客名单\n姓名\t手机\t地址\n", '\t'},
		{"姓名,手机;备注\n", ','},
	}
	for _, tt := range tests {
		if got := sniffDelimiter([]byte(tt.head)); got != tt.want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
}

// TestEncodingDecidedPastASCII writes a GBK file whose first 64 KiB are
// ASCII: the encoding is decided where the Chinese text starts.
func TestEncodingDecidedPastASCII(t *testing.T) {
	rows := [][]string{{"name", "id_number", "address"}}
	for range 3000 {
		rows = append(rows, []string{"Zhang San", "11010519491231002X", "Heping District"})
	}
	rows = append(rows, []string{"张三", "11010519491231002X", "沈阳市和平区"})
	b := encodeCSV(t, rows, simplifiedchinese.GBK, "", ',')
	r := openBytes(t, b, Options{})
	if got := r.Info().Encoding; got != EncodingGB18030 {
		t.Fatalf("encoding = %s, want gb18030", got)
	}
	all := readAll(t, r)
	if last := all[len(all)-1]; last.Person.Name != "张三" || last.Address != "沈阳市和平区" {
		t.Errorf("last row = %q %q", last.Person.Name, last.Address)
	}
}

// TestEncodingWindowCut reads a UTF-8 file whose sniffing window ends in
// the middle of a character.
func TestEncodingWindowCut(t *testing.T) {
	rows := [][]string{{"姓名", "手机"}}
	for range 5000 {
		rows = append(rows, []string{"欧阳娜娜", "13800138000"})
	}
	for cut := range 3 {
		rows[0][0] = "姓名" + strings.Repeat("x", cut)
		b := encodeCSV(t, rows, nil, "", ',')
		r := openBytes(t, b, Options{})
		if got := r.Info().Encoding; got != EncodingUTF8 {
			t.Errorf("shift %d: encoding = %s, want utf-8", cut, got)
		}
	}
}

// TestDamagedUTF8 reads a UTF-8 file with one corrupt byte: the file is
// still UTF-8, and only the damaged row is rejected.
func TestDamagedUTF8(t *testing.T) {
	rows := [][]string{{"姓名", "手机"}}
	for range 500 {
		rows = append(rows, []string{"欧阳娜娜", "13800138000"})
	}
	rows[100][0] = "欧阳\xff娜"
	r := openBytes(t, encodeCSV(t, rows, nil, "", ','), Options{})
	if got := r.Info().Encoding; got != EncodingUTF8 {
		t.Fatalf("encoding = %s, want utf-8", got)
	}
	var rejected []int
	for _, row := range readAll(t, r) {
		if !row.Valid() {
			rejected = append(rejected, row.Line)
			if row.Reject.Code != ReasonEncoding {
				t.Errorf("line %d: %s", row.Line, row.Reject.Code)
			}
		}
	}
	if !slices.Equal(rejected, []int{101}) {
		t.Errorf("rejected lines %v, want [101]", rejected)
	}
}

// TestRowNumbers checks that rows are numbered as a spreadsheet shows
// them: title rows, blank lines and cells spanning lines included.
func TestRowNumbers(t *testing.T) {
	text := "2020年1月22日 沈阳站到达旅客名单,,\r\n" +
		"\r\n" +
		"姓名,手机,备注\r\n" +
		"张三,13800138000,\r\n" +
		"\r\n" +
		"\r\n" +
		"李四,13900139000,\"第一行\r\n第二行\"\r\n" +
		",,\r\n" +
		"王五,13700137000,\r\n"
	r := openBytes(t, []byte(text), Options{})
	if got := r.Info().HeaderRow; got != 3 {
		t.Errorf("header row = %d, want 3", got)
	}
	var lines []int
	for _, row := range readAll(t, r) {
		lines = append(lines, row.Line)
	}
	if want := []int{4, 7, 9}; !slices.Equal(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
	if p := r.Progress(); p.Blank != 1 {
		t.Errorf("blank rows = %d, want 1 (the row of empty cells)", p.Blank)
	}
}

func TestReadXLSX(t *testing.T) {
	rows := anyRows(manifest)
	// A spreadsheet keeps dates as serial numbers and phones as numbers.
	rows[1][7] = 43852
	rows[1][4] = 13800138000
	b := xlsxFile(t, []string{"名单", "其他"}, map[string][][]any{
		"名单": rows,
		"其他": {{"姓名", "手机"}, {"王五", "13700137000"}},
	}, nil)
	r := openBytes(t, b, Options{Regions: testRegions()})
	info := r.Info()
	if info.Format != FormatXLSX || info.Sheet != "名单" || !slices.Equal(info.Sheets, []string{"名单", "其他"}) {
		t.Errorf("info = %s %q %q", info.Format, info.Sheet, info.Sheets)
	}
	got := readAll(t, r)
	checkManifest(t, got)
	if got[0].Person.Phone != "13800138000" {
		t.Errorf("phone = %q", got[0].Person.Phone)
	}
	if got[0].Cells[7] != "2020-01-22" {
		t.Errorf("date cell = %q, want it shown as a date", got[0].Cells[7])
	}

	r = openBytes(t, b, Options{Sheet: "其他"})
	if got := readAll(t, r); len(got) != 1 || got[0].Person.Name != "王五" {
		t.Errorf("sheet 其他: %+v", got)
	}

	_, err := Open(bytes.NewReader(b), int64(len(b)), Options{Sheet: "没有"})
	if epiloop.ErrorReason(err) != ReasonSheetNotFound {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestReadXLSXLayout(t *testing.T) {
	b := xlsxFile(t, []string{"Sheet1"}, map[string][][]any{"Sheet1": {
		{"沈阳站 2020年1月22日"},
		nil,
		{"姓名", "手机", "到达日期"},
		{"张三", "13800138000", 42390},
		nil,
		{"李四", "13900139000", "2020-01-23"},
	}}, func(f *excelize.File) {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
	})
	r := openBytes(t, b, Options{})
	if got := r.Info().HeaderRow; got != 3 {
		t.Errorf("header row = %d, want 3", got)
	}
	rows := readAll(t, r)
	if len(rows) != 2 || rows[0].Line != 4 || rows[1].Line != 6 {
		t.Fatalf("rows = %+v", rows)
	}
	if d := rows[0].Reason.ArrivalDate; d != "2020-01-22" {
		t.Errorf("1904 serial date = %q, want 2020-01-22", d)
	}
}

// TestReadXLSXSpooled reads a workbook given as a reader through the
// temporary file large ones go to, and from a path.
func TestReadXLSXSpooled(t *testing.T) {
	b := xlsxFile(t, []string{"名单"}, map[string][][]any{"名单": anyRows(manifest)}, nil)
	r, err := open(bytes.NewReader(b), int64(len(b)), "", Options{Regions: testRegions()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkManifest(t, readAll(t, r))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "名单.xlsx")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err = OpenFile(path, Options{Regions: testRegions()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checkManifest(t, readAll(t, r))
}

func TestOpenFileCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.txt") // the name says nothing
	if err := os.WriteFile(path, encodeCSV(t, manifest, simplifiedchinese.GBK, "", ','), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(path, Options{Regions: testRegions()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	checkManifest(t, readAll(t, r))
}

func TestRefuse(t *testing.T) {
	tests := []struct {
		name   string
		b      []byte
		reason string
	}{
		{"empty", nil, ReasonFileEmpty},
		{"legacy xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 100)...), ReasonFormatUnsupported},
		{"PDF", []byte("%PDF-1.4 ..."), ReasonFormatUnsupported},
		{"binary", []byte("GIF89a\x00\x01\x00\x00"), ReasonFormatUnsupported},
		{"broken zip", []byte("PK\x03\x04 not really"), ReasonFormatUnsupported},
		{"no identity columns", []byte("姓名,地址,备注\n张三,沈阳市,\n"), ReasonIdentityColumns},
		{"only blank rows", []byte("\n\n,,\n"), ReasonIdentityColumns},
		{"no header row", []byte("张三,11010519491231002X,沈阳市\n"), ReasonHeaderMissing},
		{"too many columns", []byte(strings.Repeat("a,", 600) + "\n"), ReasonTooManyColumns},
		{"header too deep", []byte(strings.Repeat("title\n", 12) + "姓名,手机\n张三,13800138000\n"), ReasonIdentityColumns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(tt.b), int64(len(tt.b)), Options{})
			if err == nil {
				r.Close()
				t.Fatal("opened")
			}
			if epiloop.ErrorCode(err) != epiloop.EINVALID || epiloop.ErrorReason(err) != tt.reason {
				t.Errorf("err = %v, want code invalid, reason %s", err, tt.reason)
			}
		})
	}
}

// TestRefuseNamesColumns checks the refusal message names the columns it
// found, and never quotes a data row.
func TestRefuseNamesColumns(t *testing.T) {
	text := "姓名,现住址,民族\n张三,沈阳市,汉\n"
	_, err := Open(strings.NewReader(text), int64(len(text)), Options{})
	msg := epiloop.ErrorText(err, epiloop.LangEN)
	for _, want := range []string{"姓名→name", "现住址→address", "民族", "身份证号"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	b := []byte("张三,11010519491231002X,沈阳市\n")
	_, err = Open(bytes.NewReader(b), int64(len(b)), Options{})
	if msg := epiloop.ErrorText(err, epiloop.LangEN); strings.Contains(msg, "1101") || strings.Contains(msg, "张三") {
		t.Errorf("message quotes personal data: %q", msg)
	}
}

func TestFingerprint(t *testing.T) {
	b := encodeCSV(t, manifest, nil, "", ',')
	sum := sha256.Sum256(b)
	want := hex.EncodeToString(sum[:])
	if got := openBytes(t, b, Options{}).Info().SHA256; got != want {
		t.Errorf("Info().SHA256 = %s, want %s", got, want)
	}
	if got, _ := Fingerprint(bytes.NewReader(b)); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	x := xlsxFile(t, []string{"S"}, map[string][][]any{"S": anyRows(manifest)}, nil)
	xs := sha256.Sum256(x)
	if got := openBytes(t, x, Options{}).Info().SHA256; got != hex.EncodeToString(xs[:]) {
		t.Errorf("workbook fingerprint = %s", got)
	}
}

func TestSkipFingerprint(t *testing.T) {
	rows := [][]string{{"name", "phone"}}
	for range 5000 {
		rows = append(rows, []string{"Zhang San", "13800138000"})
	}
	rows = append(rows, []string{"张三", "13800138000"})
	b := encodeCSV(t, rows, simplifiedchinese.GBK, "", ',')
	r := openBytes(t, b, Options{SkipFingerprint: true})
	if info := r.Info(); info.SHA256 != "" || info.Encoding != EncodingGB18030 {
		t.Errorf("info = %s %q, want gb18030 and no fingerprint", info.Encoding, info.SHA256)
	}
	all := readAll(t, r)
	if last := all[len(all)-1]; last.Person.Name != "张三" {
		t.Errorf("last name = %q", last.Person.Name)
	}
	x := xlsxFile(t, []string{"S"}, map[string][][]any{"S": anyRows(manifest)}, nil)
	for _, inMemory := range []int64{0, xlsxInMemory} {
		r, err := open(bytes.NewReader(x), int64(len(x)), "", Options{SkipFingerprint: true}, inMemory)
		if err != nil {
			t.Fatal(err)
		}
		if r.Info().SHA256 != "" || len(readAll(t, r)) != 3 {
			t.Errorf("workbook (in memory below %d): fingerprint %q", inMemory, r.Info().SHA256)
		}
		r.Close()
	}
}

func TestSourceLineage(t *testing.T) {
	r := openBytes(t, encodeCSV(t, manifest, nil, "", ','), Options{Regions: testRegions(), Source: epiloop.SourceRail, Ref: "沈铁-0122", File: "0122.csv"})
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	src := r.Source(row)
	for h, v := range r.Extras(row) {
		if h != "工作单位" || v != "沈阳机床厂" {
			t.Errorf("extra %q = %q", h, v)
		}
	}
	if src.Kind != epiloop.SourceRail || src.Ref != "沈铁-0122" || src.File != "0122.csv" || src.Row != 2 || src.Reason.Origin != "4201" || src.Address != row.Address {
		t.Errorf("source = %+v", src)
	}
}
