package intake

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"unsafe"
)

// recordReader splits CSV text into records exactly as encoding/csv does
// with LazyQuotes set and any number of fields per record (FuzzCSVSplit
// holds it to that), but faster for the lines manifests are made of: a line
// without a quote becomes one string cut at the delimiters, where
// encoding/csv copies every byte twice and tracks every field's position.
// Lines with quotes take encoding/csv's own algorithm, multi-line fields and
// stray quotes included.
type recordReader struct {
	br    *bufio.Reader
	comma byte
	// raw holds a line longer than br's buffer; buf and ends the fields of
	// a quoted record being assembled.
	raw  []byte
	buf  []byte
	ends []int
	rec  []string
	// arena holds the text of recent records: each record's fields are
	// cut from one string backed by it, so that a record costs no
	// allocation of its own (see text).
	arena []byte
	// line counts the physical lines consumed; start is the line the last
	// record began on.
	line, start int
}

func newRecordReader(br *bufio.Reader, comma byte) *recordReader {
	return &recordReader{br: br, comma: comma}
}

// readLine reads one line, normalising a final \r\n to \n and dropping a
// \r before the end of the file, as encoding/csv does.
func (r *recordReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.raw = append(r.raw[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			r.raw = append(r.raw, line...)
		}
		line = r.raw
	}
	if n := len(line); n > 0 && err == io.EOF {
		err = nil
		if line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	r.line++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

// lengthNL reports the length of the newline ending b, 0 or 1.
func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// read returns the next record, reused by the following call, and io.EOF
// after the last. Empty lines are skipped.
func (r *recordReader) read() ([]string, error) {
	var line []byte
	var err error
	for {
		line, err = r.readLine()
		if err != nil {
			if err == io.EOF && len(line) == 0 {
				r.line-- // nothing was read
			}
			return nil, err
		}
		if len(line) != lengthNL(line) {
			break
		}
	}
	r.start = r.line
	if rec, ok := r.split(line[:len(line)-lengthNL(line)]); ok {
		return rec, nil
	}
	return r.readQuoted(line)
}

// Constants of the word-at-a-time search: a byte of a word equals c where
// the word XOR c·ones has a zero byte, which hasZero finds for eight bytes
// at once.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// hasZero returns a word with the high bit set in each zero byte of v
// (and possibly above one; callers take the lowest).
func hasZero(v uint64) uint64 { return (v - ones) &^ v & highs }

// split cuts a line without quotes at the delimiters, eight bytes at a
// time; ok is false when the line holds a quote and needs readQuoted.
func (r *recordReader) split(line []byte) (rec []string, ok bool) {
	s := r.text(line)
	r.rec = r.rec[:0]
	comma := uint64(r.comma) * ones
	quote := uint64('"') * ones
	from, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		if hasZero(w^quote) != 0 {
			return nil, false
		}
		for m := hasZero(w ^ comma); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)/8
			if line[j] != r.comma {
				continue // a borrow, not a match
			}
			r.rec = append(r.rec, s[from:j])
			from = j + 1
		}
	}
	for ; i < len(line); i++ {
		switch line[i] {
		case '"':
			return nil, false
		case r.comma:
			r.rec = append(r.rec, s[from:i])
			from = i + 1
		}
	}
	return append(r.rec, s[from:]), true
}

// readQuoted parses a record with quotes, reading further lines while a
// quoted field goes on: encoding/csv's readRecord with LazyQuotes.
func (r *recordReader) readQuoted(line []byte) ([]string, error) {
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	var errRead error
field:
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, r.comma)
			f := line
			if i >= 0 {
				f = f[:i]
			} else {
				f = f[:len(f)-lengthNL(f)]
			}
			r.buf = append(r.buf, f...)
			r.ends = append(r.ends, len(r.buf))
			if i < 0 {
				break field
			}
			line = line[i+1:]
			continue
		}
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				r.buf = append(r.buf, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					r.buf = append(r.buf, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == r.comma: // ", ends the field
					line = line[1:]
					r.ends = append(r.ends, len(r.buf))
					continue field
				case lengthNL(line) == len(line): // "\n ends the record
					r.ends = append(r.ends, len(r.buf))
					break field
				default: // a stray quote is kept
					r.buf = append(r.buf, '"')
				}
			case len(line) > 0: // the field goes on on the next line
				r.buf = append(r.buf, line...)
				if errRead != nil {
					break field
				}
				line, errRead = r.readLine()
				if errRead == io.EOF {
					errRead = nil
					if len(line) == 0 {
						r.line--
					}
				}
			default: // the file ends inside the field
				r.ends = append(r.ends, len(r.buf))
				break field
			}
		}
	}
	if errRead != nil {
		return nil, errRead
	}
	s := r.text(r.buf)
	r.rec = r.rec[:0]
	prev := 0
	for _, end := range r.ends {
		r.rec = append(r.rec, s[prev:end])
		prev = end
	}
	return r.rec, nil
}

// arenaSize is the size of the blocks record text is copied into: one
// allocation per some two thousand manifest rows instead of one per row.
const arenaSize = 256 << 10

// text returns b as a string backed by the arena. Bytes once written to the
// arena are never written again (a full block is dropped, not reused), so
// the strings are as immutable as any: callers may keep them, and a kept
// string keeps its block alive.
func (r *recordReader) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaSize/8 {
		return string(b)
	}
	if len(r.arena)+len(b) > cap(r.arena) {
		r.arena = make([]byte, 0, arenaSize)
	}
	start := len(r.arena)
	r.arena = append(r.arena, b...)
	return unsafe.String(&r.arena[start], len(b))
}
