package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

// Format is the kind of file, found from its bytes, never its name.
type Format string

const (
	FormatCSV  Format = "csv"
	FormatXLSX Format = "xlsx"
)

// Encoding is the character encoding of a CSV file.
type Encoding string

const (
	EncodingUTF8    Encoding = "utf-8"
	EncodingUTF8BOM Encoding = "utf-8-bom"
	// EncodingGB18030 covers GBK and GB2312, which it extends: what Excel
	// on Chinese Windows saves as "CSV".
	EncodingGB18030 Encoding = "gb18030"
	// The UTF-16 encodings are what Excel saves as "Unicode text".
	EncodingUTF16LE Encoding = "utf-16le"
	EncodingUTF16BE Encoding = "utf-16be"
)

// sniffWindow is how much text decides the encoding: enough for hundreds
// of rows of names and addresses.
const sniffWindow = 64 << 10

// scanResult is what one pass over the bytes finds.
type scanResult struct {
	sha256 string
	// firstHigh is the offset of the first byte ≥ 0x80, -1 if none: the
	// encoding is decided from the text there, not from an ASCII header.
	firstHigh int64
}

// scan reads the file once from start to end, hashing it, noting where
// its first non-ASCII byte is and copying it to spool when spool is not
// nil. The hash is of the bytes, so a renamed copy has the same one.
// Without whole (no hash, no spool) it stops at the first non-ASCII byte.
func scan(ra io.ReaderAt, size int64, spool io.Writer, whole bool) (scanResult, error) {
	res := scanResult{firstHigh: -1}
	h := sha256.New()
	buf := make([]byte, 256<<10)
	for off := int64(0); off < size && (whole || res.firstHigh < 0); {
		n, err := ra.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n == 0 && err != nil {
			return res, fmt.Errorf("intake: read: %w", err)
		}
		chunk := buf[:n]
		if whole {
			h.Write(chunk)
		}
		if spool != nil {
			if _, err := spool.Write(chunk); err != nil {
				return res, fmt.Errorf("intake: spool: %w", err)
			}
		}
		if res.firstHigh < 0 {
			if i := indexHigh(chunk); i >= 0 {
				res.firstHigh = off + int64(i)
			}
		}
		off += int64(n)
	}
	if whole {
		res.sha256 = hex.EncodeToString(h.Sum(nil))
	}
	return res, nil
}

// Fingerprint returns the hex SHA-256 of everything r yields: the same
// fingerprint Info reports, for a caller that has the bytes as a stream.
func Fingerprint(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// indexHigh returns the index of the first byte ≥ 0x80 in b, or -1,
// eight bytes at a time.
func indexHigh(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// Magic numbers of the formats intake reads or refuses by name.
const (
	magicZIP = "PK\x03\x04"
	magicOLE = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"
	magicPDF = "%PDF"
)

// detectFormat decides the format from the first bytes. Legacy .xls and
// password-protected workbooks (both OLE compound files) and other binary
// files are refused with a reason a clerk can act on.
func detectFormat(head []byte) (Format, error) {
	switch h := string(head); {
	case strings.HasPrefix(h, magicZIP):
		return FormatXLSX, nil
	case strings.HasPrefix(h, magicOLE):
		return "", refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.legacy_xls"))
	case strings.HasPrefix(h, magicPDF):
		return "", refuse(ReasonFormatUnsupported, epiloop.M("reject.detail.pdf"))
	}
	return FormatCSV, nil
}

// detectEncoding decides a text file's encoding: a byte-order mark if
// there is one; otherwise UTF-8 if the text from the first non-ASCII byte
// on reads as UTF-8, allowing a rare damaged sequence; otherwise GB18030.
// It returns the encoding and the length of the byte-order mark to skip.
func detectEncoding(ra io.ReaderAt, size, firstHigh int64) (Encoding, int64, error) {
	var head [4]byte
	n, _ := ra.ReadAt(head[:min(4, size)], 0)
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, []byte{0xEF, 0xBB, 0xBF}):
		return EncodingUTF8BOM, 3, nil
	case bytes.HasPrefix(h, []byte{0xFF, 0xFE}):
		return EncodingUTF16LE, 2, nil
	case bytes.HasPrefix(h, []byte{0xFE, 0xFF}):
		return EncodingUTF16BE, 2, nil
	case bytes.HasPrefix(h, []byte{0x84, 0x31, 0x95, 0x33}):
		return EncodingGB18030, 4, nil
	}
	if firstHigh < 0 {
		return EncodingUTF8, 0, nil
	}
	w := make([]byte, min(sniffWindow, size-firstHigh))
	n, err := ra.ReadAt(w, firstHigh)
	if n < len(w) {
		return "", 0, fmt.Errorf("intake: read: %w", err)
	}
	if firstHigh+int64(n) < size {
		w = trimPartialRune(w)
	}
	if looksUTF8(w) {
		return EncodingUTF8, 0, nil
	}
	return EncodingGB18030, 0, nil
}

// trimPartialRune drops the bytes of a UTF-8 sequence cut by the end of
// the window, so that a cut is not mistaken for a wrong encoding.
func trimPartialRune(w []byte) []byte {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(w); k++ {
		b := w[len(w)-k]
		if b < 0x80 {
			return w
		}
		if b >= 0xC0 { // a lead byte: is its sequence complete?
			if !utf8.FullRune(w[len(w)-k:]) {
				return w[:len(w)-k]
			}
			return w
		}
	}
	return w
}

// looksUTF8 reports whether w is UTF-8: valid, or with invalid bytes
// under 2 % of its multi-byte characters (a damaged file whose rows will
// be rejected one by one). GBK text read as UTF-8 makes an invalid
// sequence at nearly every character.
func looksUTF8(w []byte) bool {
	if utf8.Valid(w) {
		return true
	}
	valid, invalid := 0, 0
	for i := 0; i < len(w); {
		if w[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(w[i:])
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			valid++
		}
		i += size
	}
	return invalid*50 < valid
}

// looksBinary reports whether text holds NUL bytes, which no CSV in an
// 8-bit encoding does: an image, an archive, a database file.
func looksBinary(ra io.ReaderAt, size int64, enc Encoding) bool {
	if enc == EncodingUTF16LE || enc == EncodingUTF16BE {
		return false
	}
	w := make([]byte, min(sniffWindow, size))
	n, err := ra.ReadAt(w, 0)
	if n < len(w) && !errors.Is(err, io.EOF) {
		return false
	}
	return bytes.IndexByte(w[:n], 0) >= 0
}
