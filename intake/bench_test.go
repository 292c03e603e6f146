package intake

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Benchmarks for each stage of intake, and for the whole reading path
// against the bare parsers it is built on: encoding/csv and excelize's row
// iterator over the same generated 100,000-row manifest. Compare the
// rows/s of BenchmarkReadCSV/* with BenchmarkBareCSV (goal: at least half)
// and of BenchmarkReadXLSX with BenchmarkBareXLSX (goal: 70 %). Each also
// reports cpu-ns/row, the process's CPU time per row, which is the steadier
// figure on a machine other programs share.

const benchRows = 100_000

// benchFiles generate each manifest once per process, 5 % noise as in
// life.
var benchFiles = map[string]func() []byte{
	"utf8.csv": benchFile(GenOptions{Rows: benchRows, Seed: 1, Noise: 0.05}),
	"gbk.csv":  benchFile(GenOptions{Rows: benchRows, Seed: 1, Noise: 0.05, Encoding: EncodingGB18030}),
	"xlsx":     benchFile(GenOptions{Rows: benchRows, Seed: 1, Noise: 0.05, Format: FormatXLSX}),
}

func benchFile(opts GenOptions) func() []byte {
	return sync.OnceValue(func() []byte {
		var buf bytes.Buffer
		if _, err := Generate(&buf, opts); err != nil {
			panic(err)
		}
		return buf.Bytes()
	})
}

// benchPath writes the named manifest to a file of the benchmark.
func benchPath(b *testing.B, name string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(path, benchFiles[name](), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// startCPU notes the CPU time at the start of a benchmark's loop.
func startCPU(b *testing.B) time.Duration {
	b.Helper()
	return cpuTime()
}

// reportRows reports the throughput of a loop that handles rows rows per
// iteration, and its CPU time per row when cpu0 is from startCPU.
func reportRows(b *testing.B, rows int, cpu0 ...time.Duration) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if len(cpu0) > 0 && cpu0[0] > 0 {
		b.ReportMetric(float64((cpuTime()-cpu0[0]).Nanoseconds())/float64(rows*b.N), "cpu-ns/row")
	}
	b.ReportMetric(0, "ns/op")
}

// bareCSV reads every record with encoding/csv as a hand-written importer
// would: reused records, no decoding beyond what dec does.
func bareCSV(b *testing.B, path string, dec func(io.Reader) io.Reader) int {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(dec(f), 64<<10))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	n := 0
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n - 1
		} else if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

func readFile(b *testing.B, path string, opts Options) int {
	r, err := OpenFile(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

func identity(r io.Reader) io.Reader { return r }

func gbk(r io.Reader) io.Reader {
	return transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
}

func BenchmarkBareCSV(b *testing.B) {
	path := benchPath(b, "utf8.csv")
	cpu := startCPU(b)
	for b.Loop() {
		bareCSV(b, path, identity)
	}
	reportRows(b, benchRows, cpu)
}

// BenchmarkReadCSV reads and validates every row: with the fingerprint
// pass Open makes over the whole file (what an import pays), and without
// it (the reading and validation alone, as a preview reads).
func BenchmarkReadCSV(b *testing.B) {
	path := benchPath(b, "utf8.csv")
	for _, bb := range []struct {
		name string
		skip bool
	}{{"fingerprint", false}, {"nofingerprint", true}} {
		b.Run(bb.name, func(b *testing.B) {
			opts := Options{Regions: testRegions(), SkipFingerprint: bb.skip}
			b.ReportAllocs()
			cpu := startCPU(b)
			for b.Loop() {
				if n := readFile(b, path, opts); n != benchRows {
					b.Fatalf("%d rows", n)
				}
			}
			reportRows(b, benchRows, cpu)
		})
	}
}

func BenchmarkBareCSVGBK(b *testing.B) {
	path := benchPath(b, "gbk.csv")
	cpu := startCPU(b)
	for b.Loop() {
		bareCSV(b, path, gbk)
	}
	reportRows(b, benchRows, cpu)
}

func BenchmarkReadCSVGBK(b *testing.B) {
	path := benchPath(b, "gbk.csv")
	opts := Options{Regions: testRegions()}
	cpu := startCPU(b)
	for b.Loop() {
		readFile(b, path, opts)
	}
	reportRows(b, benchRows, cpu)
}

func BenchmarkBareXLSX(b *testing.B) {
	path := benchPath(b, "xlsx")
	raw := excelize.Options{RawCellValue: true}
	cpu := startCPU(b)
	for b.Loop() {
		f, err := excelize.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := f.Rows(f.GetSheetList()[0])
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if _, err := rows.Columns(raw); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		f.Close()
		if n != benchRows+1 {
			b.Fatalf("%d rows", n)
		}
	}
	reportRows(b, benchRows, cpu)
}

func BenchmarkReadXLSX(b *testing.B) {
	path := benchPath(b, "xlsx")
	opts := Options{Regions: testRegions()}
	cpu := startCPU(b)
	for b.Loop() {
		if n := readFile(b, path, opts); n != benchRows {
			b.Fatalf("%d rows", n)
		}
	}
	reportRows(b, benchRows, cpu)
}

// BenchmarkSplitCSV is the record splitting alone: encoding/csv against
// the recordReader that replaces it.
func BenchmarkSplitCSV(b *testing.B) {
	data := benchFiles["utf8.csv"]()
	b.Run("encoding-csv", func(b *testing.B) {
		cpu := startCPU(b)
		for b.Loop() {
			r := csv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10))
			r.ReuseRecord, r.LazyQuotes, r.FieldsPerRecord = true, true, -1
			for {
				if _, err := r.Read(); err != nil {
					break
				}
			}
		}
		reportRows(b, benchRows, cpu)
	})
	b.Run("recordReader", func(b *testing.B) {
		cpu := startCPU(b)
		for b.Loop() {
			r := newRecordReader(bufio.NewReaderSize(bytes.NewReader(data), 64<<10), ',')
			for {
				if _, err := r.read(); err != nil {
					break
				}
			}
		}
		reportRows(b, benchRows, cpu)
	})
}

// BenchmarkFingerprint is the pass Open makes over every file.
func BenchmarkFingerprint(b *testing.B) {
	data := benchFiles["utf8.csv"]()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := scan(bytes.NewReader(data), int64(len(data)), nil, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRow is the validation and normalisation of one clean row.
func BenchmarkParseRow(b *testing.B) {
	hdr := manifestHeader()
	p := newParser(mapHeader(hdr[:]), testRegions(), false)
	c := []string{"G1234", "05车12F", "武汉站", "420100", "2020-01-22", "张三", "女", "11010519491231002X", "13800138000", "沈阳市和平区水源地社区12号楼3单元502室"}
	var row Row
	b.ReportAllocs()
	for b.Loop() {
		p.parse(&row, c)
	}
	if !row.Valid() {
		b.Fatal(row.Reject)
	}
}

// BenchmarkParseRowNoisy is the same row as a messy source writes it.
func BenchmarkParseRowNoisy(b *testing.B) {
	hdr := manifestHeader()
	p := newParser(mapHeader(hdr[:]), testRegions(), false)
	c := []string{"g1234", " 05车12F", "武漢站", "420100", "2020年1月22日", " 張 三 ", "女", "１１０１０５４９１２３１００２", "+86 138-0013-8000", "瀋陽市和平區水源地社區12號樓 3單元"}
	var row Row
	b.ReportAllocs()
	for b.Loop() {
		p.parse(&row, c)
	}
	if !row.Valid() {
		b.Fatal(row.Reject)
	}
}

func BenchmarkSimplify(b *testing.B) {
	for _, s := range []string{"沈阳市和平区水源地社区12号楼3单元502室", "瀋陽市和平區水源地社區12號樓3單元502室"} {
		b.Run(s[:3], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Simplify(s)
			}
		})
	}
}

func BenchmarkMapHeader(b *testing.B) {
	h := []string{"车次", "座位", "出发站", "出发地区划代码", "到达日期", "旅客姓名", "性别", "身份证号码", "联系电话（必填）", "目的地址", "备注", "工作单位"}
	for b.Loop() {
		mapHeader(h)
	}
}

func BenchmarkGenerateCSV(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(io.Discard, GenOptions{Rows: benchRows, Seed: 1, Noise: 0.05}); err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, benchRows)
}

func BenchmarkGenerateCSVGBK(b *testing.B) {
	for b.Loop() {
		Generate(io.Discard, GenOptions{Rows: benchRows, Seed: 1, Noise: 0.05, Encoding: EncodingGB18030})
	}
	reportRows(b, benchRows)
}

func BenchmarkGenerateXLSX(b *testing.B) {
	const rows = 20_000
	for b.Loop() {
		if _, err := Generate(io.Discard, GenOptions{Rows: rows, Seed: 1, Noise: 0.05, Format: FormatXLSX}); err != nil {
			b.Fatal(err)
		}
	}
	reportRows(b, rows)
}

// BenchmarkRejectsCSV writes a rejects report of 10,000 rows.
func BenchmarkRejectsCSV(b *testing.B) {
	row := Row{Line: 2, Cells: []string{"G1234", "05车12F", "武汉站", "420100", "2020-01-22", "张三", "女", "110105194912310021", "13800138000", "沈阳市和平区"}, Reject: Reject{Code: ReasonIDChecksum, Field: FieldIDNumber, Column: 7}}
	hdr := manifestHeader()
	for b.Loop() {
		w, _ := NewRejectWriter(io.Discard, FormatCSV, hdr[:], "zh")
		for range 10_000 {
			w.Write(&row)
		}
		w.Close()
	}
	reportRows(b, 10_000)
}
