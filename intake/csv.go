package intake

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// source yields the rows of a file, each with its spreadsheet row number.
type source interface {
	// next returns the cells of the next row, valid until the following
	// call, and its row number; io.EOF at the end; errMalformed for a row
	// that cannot be split into cells (reading goes on after it).
	next() (cells []string, line int, err error)
	// bytesRead reports how far into the file reading has come, 0 when
	// the source cannot tell.
	bytesRead() int64
	close() error
}

// errMalformed reports a row the CSV parser could not split.
var errMalformed = errors.New("intake: malformed row")

// csvSource streams a CSV file through its decoder and encoding/csv.
type csvSource struct {
	r       *csv.Reader
	counter *countingReader
	// line is the last physical line consumed, row the spreadsheet row
	// number of the last record: they differ by the blank lines the CSV
	// parser skips, which a spreadsheet shows as rows.
	line, row int
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// newCSVSource reads the text after the byte-order mark in its encoding.
// The delimiter is the one of comma, tab and semicolon that the first line
// uses most, since Excel's "Unicode text" separates by tabs and some
// European locales by semicolons.
func newCSVSource(ra io.ReaderAt, size int64, enc Encoding, bom int64) (*csvSource, string) {
	s := &csvSource{counter: &countingReader{r: io.NewSectionReader(ra, bom, size-bom), n: bom}}
	var r io.Reader = s.counter
	switch enc {
	case EncodingGB18030:
		r = transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
	case EncodingUTF16LE:
		r = transform.NewReader(r, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder())
	case EncodingUTF16BE:
		r = transform.NewReader(r, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder())
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4 << 10)
	delim := sniffDelimiter(head)
	s.r = csv.NewReader(br)
	s.r.Comma = delim
	s.r.LazyQuotes = true
	s.r.FieldsPerRecord = -1
	s.r.ReuseRecord = true
	return s, string(delim)
}

// sniffDelimiter counts the candidate delimiters outside quotes on the
// first line.
func sniffDelimiter(head []byte) rune {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	var comma, tab, semi int
	quoted := false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			comma++
		case c == '\t':
			tab++
		case c == ';':
			semi++
		}
	}
	switch {
	case tab > comma && tab >= semi:
		return '\t'
	case semi > comma && semi > tab:
		return ';'
	}
	return ','
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			s.row += 1 + max(0, pe.StartLine-s.line-1)
			s.line = pe.Line
			return nil, s.row, errMalformed
		}
		return nil, 0, err
	}
	start, _ := s.r.FieldPos(0)
	s.row += 1 + max(0, start-s.line-1)
	last := len(rec) - 1
	end, _ := s.r.FieldPos(last)
	s.line = end + strings.Count(rec[last], "\n")
	return rec, s.row, nil
}

func (s *csvSource) bytesRead() int64 { return s.counter.n }

func (s *csvSource) close() error { return nil }
