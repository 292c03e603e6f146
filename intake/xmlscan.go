package intake

import (
	"bufio"
	"errors"
	"io"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

// The scanner here reads a workbook's sheets and shared strings before
// excelize does, to refuse what excelize would read at a cost out of
// proportion to the file (see checkArchive). It reads bytes, not tokens:
// a pass over a 120 MB sheet takes a fraction of excelize's own.

// xmlLimits are what scanXML holds a part to.
type xmlLimits struct {
	// record is the local name of the element that is one record, a row
	// or a shared string; maxRecords caps their number.
	record     string
	maxRecords int
	// toNext makes a record run from its start tag to the next record's
	// start tag, as excelize's row iterator reads a row (cells after a
	// </row> join the row before). Otherwise a record is a top-level
	// element, as excelize decodes a shared string.
	toNext bool
	// maxCells caps the non-empty cells (<c>…</c>) of a record; 0 for
	// none.
	maxCells int
	// stop is the end tag after which excelize reads no more, "" for
	// none.
	stop string
}

// errXMLTooLarge is what the xmlScanner returns for a piece of XML longer
// than xlsxMaxElement.
var errXMLTooLarge = errors.New("intake: xml element too large")

// scanXML reads XML as bytes, splitting it into text and markup as
// encoding/xml does (a '<' in UTF-8 XML always opens markup, and comments,
// CDATA sections, processing instructions and directives end where the
// decoder ends them), without decoding it. It refuses a part with more
// records than lim allows, a record with too many cells, or a record or
// any single piece of XML longer than xlsxMaxElement: what excelize would
// hold whole. Namespace prefixes are ignored, as excelize ignores them.
func scanXML(r io.Reader, lim xmlLimits) error {
	err := scanRecords(&xmlScanner{br: bufio.NewReaderSize(r, 64<<10)}, lim)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errXMLTooLarge):
		return refuse(ReasonXLSXTooLarge)
	case errors.As(err, new(*epiloop.Error)):
		return err
	}
	return refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.not_xlsx"))
}

// scanRecords does the work of scanXML; io.EOF anywhere ends it well,
// since excelize stops at the end of what it can read too.
func scanRecords(s *xmlScanner, lim xmlLimits) error {
	var (
		records, cells int
		depth          int   // of nested record elements
		in             bool  // inside a record
		start          int64 // where the record started
	)
	for {
		if err := s.text(); err != nil {
			return eofOK(err)
		}
		m, err := s.markup()
		if err != nil {
			return eofOK(err)
		}
		switch {
		case m.start && m.is(lim.record):
			if records++; records > lim.maxRecords {
				return refuse(ReasonXLSXTooLarge)
			}
			if lim.toNext || depth == 0 {
				cells, start = 0, s.tok
			}
			if !m.empty {
				depth++
			}
			in = lim.toNext || depth > 0
		case m.end && m.is(lim.record):
			depth = max(depth-1, 0)
			in = lim.toNext || depth > 0
		case m.end && lim.stop != "" && m.is(lim.stop):
			return nil
		case in && lim.maxCells > 0 && m.start && !m.empty && m.is("c"):
			if cells++; cells > lim.maxCells {
				return refuse(ReasonTooManyColumns)
			}
		}
		if in && s.off-start > xlsxMaxElement {
			return errXMLTooLarge
		}
	}
}

func eofOK(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// xmlScanner reads XML a piece at a time, counting the bytes.
type xmlScanner struct {
	br  *bufio.Reader
	off int64 // bytes consumed
	tok int64 // where the current piece started
}

// markup is one tag, comment or the like, as scanned.
type markup struct {
	start, end bool // a start or an end tag; neither for the others
	empty      bool // a start tag that closes itself (<c/>)
	name       xmlName
}

// xmlName keeps of a tag's name what tells its local name, as
// encoding/xml splits it: the name itself and what follows its first
// colon, as far as either can equal a name scanXML looks for.
type xmlName struct {
	whole, local   [12]byte
	n, localN, col int // lengths, and the count of colons
}

func (x *xmlName) add(c byte) {
	if x.col > 0 {
		if x.localN < len(x.local) {
			x.local[x.localN] = c
		}
		x.localN++
	}
	if c == ':' {
		x.col++
	}
	if x.n < len(x.whole) {
		x.whole[x.n] = c
	}
	x.n++
}

// is reports whether the markup's local name is local: the part after
// the colon of a name with one colon between a prefix and a local part,
// else the whole name.
func (m *markup) is(local string) bool {
	x := &m.name
	if x.col == 1 && x.n > x.localN+1 && x.localN > 0 {
		return x.localN <= len(x.local) && string(x.local[:x.localN]) == local
	}
	return x.n <= len(x.whole) && string(x.whole[:x.n]) == local
}

// grow counts n bytes consumed and fails once the current piece is longer
// than xlsxMaxElement.
func (s *xmlScanner) grow(n int) error {
	s.off += int64(n)
	if s.off-s.tok > xlsxMaxElement {
		return errXMLTooLarge
	}
	return nil
}

func (s *xmlScanner) readByte() (byte, error) {
	c, err := s.br.ReadByte()
	if err != nil {
		return 0, err
	}
	return c, s.grow(1)
}

// text consumes text up to and including the next '<'.
func (s *xmlScanner) text() error {
	s.tok = s.off
	for {
		b, err := s.br.ReadSlice('<')
		if gerr := s.grow(len(b)); gerr != nil {
			return gerr
		}
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

// markup consumes the markup after a '<'.
func (s *xmlScanner) markup() (markup, error) {
	s.tok = s.off - 1
	var m markup
	c, err := s.readByte()
	if err != nil {
		return m, err
	}
	switch c {
	case '/':
		m.end = true
		c, err = s.name(&m, 0)
		if err == nil && c != '>' {
			_, err = s.tagRest(c)
		}
		return m, err
	case '?':
		return m, s.skipPast("?>")
	case '!':
		return m, s.declaration()
	}
	m.start = true
	if c, err = s.name(&m, c); err == nil && c != '>' {
		m.empty, err = s.tagRest(c)
	}
	return m, err
}

// name reads a name, as encoding/xml delimits it, starting with first if
// it is not 0, and returns the byte after it. It takes the name from the
// reader's buffer rather than a byte at a time: a sheet is mostly tags.
func (s *xmlScanner) name(m *markup, first byte) (byte, error) {
	if first != 0 {
		if !inName(first) {
			return first, nil
		}
		m.name.add(first)
	}
	for {
		if _, err := s.br.Peek(1); err != nil {
			return 0, err
		}
		buf, _ := s.br.Peek(s.br.Buffered())
		i := 0
		for i < len(buf) && inName(buf[i]) {
			m.name.add(buf[i])
			i++
		}
		if i < len(buf) {
			c := buf[i]
			s.br.Discard(i + 1)
			return c, s.grow(i + 1)
		}
		s.br.Discard(i)
		if err := s.grow(i); err != nil {
			return 0, err
		}
	}
}

// inName reports whether c may be part of a name: encoding/xml takes any
// byte of a multi-byte character and checks it later.
func inName(c byte) bool { return c >= utf8.RuneSelf || isNameByte(c) }

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// tagRest consumes the rest of a tag through its '>', given the byte
// after the name, and reports whether the tag closes itself. A '>' within
// a quoted attribute value does not end the tag.
func (s *xmlScanner) tagRest(last byte) (bool, error) {
	var quote byte
	if last == '"' || last == '\'' {
		quote = last
	}
	for {
		b, err := s.br.ReadSlice('>')
		if gerr := s.grow(len(b)); gerr != nil {
			return false, gerr
		}
		for _, c := range b {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '>':
				return last == '/', nil
			}
			last = c
		}
		if err != nil && err != bufio.ErrBufferFull {
			return false, err
		}
	}
}

// declaration consumes what follows "<!": a comment, a CDATA section or a
// directive such as <!DOCTYPE …>, in which, as encoding/xml reads it,
// angle brackets nest outside quotes and comments.
func (s *xmlScanner) declaration() error {
	if s.consume("--") {
		return s.skipPast("-->")
	}
	if s.consume("[CDATA[") {
		return s.skipPast("]]>")
	}
	// The byte after "<!" only names the directive: encoding/xml
	// neither nests nor quotes on it.
	if _, err := s.readByte(); err != nil {
		return err
	}
	var quote byte
	depth := 0
	for {
		c, err := s.readByte()
		if err != nil {
			return err
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			if depth == 0 {
				return nil
			}
			depth--
		case c == '<':
			if s.consume("!--") {
				if err := s.skipPast("-->"); err != nil {
					return err
				}
				continue
			}
			depth++
		}
	}
}

// consume consumes prefix if the input continues with it. The bytes are
// counted; if they make the piece too long, the next read says so.
func (s *xmlScanner) consume(prefix string) bool {
	if head, _ := s.br.Peek(len(prefix)); string(head) != prefix {
		return false
	}
	s.br.Discard(len(prefix))
	s.off += int64(len(prefix))
	return true
}

// skipPast consumes bytes through the end of the next occurrence of end.
func (s *xmlScanner) skipPast(end string) error {
	var win [3]byte // the last bytes read, end's length of them
	for i := 0; ; i++ {
		c, err := s.readByte()
		if err != nil {
			return err
		}
		copy(win[:], win[1:])
		win[2] = c
		if i+1 >= len(end) && string(win[3-len(end):]) == end {
			return nil
		}
	}
}
