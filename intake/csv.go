package intake

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync/atomic"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// source yields the rows of a file, each with its spreadsheet row number.
type source interface {
	// next returns the cells of the next row, valid until the following
	// call, and its row number; io.EOF at the end; errMalformed for a row
	// the workbook parser cannot read (reading goes on after it).
	next() (cells []string, line int, err error)
	// bytesRead reports how far into the file reading has come, 0 when
	// the source cannot tell.
	bytesRead() int64
	close() error
}

// errMalformed reports a row a parser could not read. CSV never has one:
// like encoding/csv with LazyQuotes, the record reader accepts any text.
var errMalformed = errors.New("intake: malformed row")

// csvSource streams a CSV file through its decoder and a recordReader.
type csvSource struct {
	r       *recordReader
	counter *countingReader
	// end is the last physical line of the previous record, row the
	// spreadsheet row number of the last record: they differ by the blank
	// lines the parser skips, which a spreadsheet shows as rows.
	end, row int
}

// countingReader counts the bytes read, for progress.
// countingReader counts the bytes read; the count may be read from
// another goroutine (an import's progress).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// newCSVSource reads the text after the byte-order mark in its encoding.
// The delimiter is the one of comma, tab and semicolon that the first line
// uses most, since Excel's "Unicode text" separates by tabs and some
// European locales by semicolons.
func newCSVSource(ra io.ReaderAt, size int64, enc Encoding, bom int64) (*csvSource, string) {
	s := &csvSource{counter: &countingReader{r: io.NewSectionReader(ra, bom, size-bom)}}
	s.counter.n.Store(bom)
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
	s.r = newRecordReader(br, delim)
	return s, string(rune(delim))
}

// sniffDelimiter picks the delimiter from the first lines: the candidate
// that some line uses most often outside quotes. Looking past the first
// line lets a title line without delimiters stand above the header.
func sniffDelimiter(head []byte) byte {
	var most [3]int // comma, tab, semicolon
	for n := 0; n < maxTitleRows+1 && len(head) > 0; n++ {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		var count [3]int
		quoted := false
		for _, c := range line {
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ',':
				count[0]++
			case c == '\t':
				count[1]++
			case c == ';':
				count[2]++
			}
		}
		for i := range most {
			most[i] = max(most[i], count[i])
		}
	}
	switch {
	case most[1] > most[0] && most[1] >= most[2]:
		return '\t'
	case most[2] > most[0] && most[2] > most[1]:
		return ';'
	}
	return ','
}

func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.r.read()
	if err != nil {
		return nil, 0, err
	}
	s.row += 1 + max(0, s.r.start-s.end-1)
	s.end = s.r.line
	return rec, s.row, nil
}

func (s *csvSource) bytesRead() int64 { return s.counter.n.Load() }

func (s *csvSource) close() error { return nil }
