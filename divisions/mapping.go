package divisions

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/epiloop/epiloop"
)

// StationAssignment says which police station is responsible for a
// community. The default tree gives every street one station; the real
// boundaries differ and are loaded by an admin from the police's own list.
type StationAssignment struct {
	Community   string `json:"community"`
	StationCode string `json:"station_code"`
	StationName string `json:"station_name"`
}

// mappingColumns lists the headers accepted for each column of a station
// mapping, in the English and Chinese forms admins export from their
// spreadsheets. Matching ignores case and surrounding space.
var mappingColumns = [...]struct {
	name    string
	headers []string
}{
	{"community", []string{"community", "community_code", "社区代码", "社区编码"}},
	{"station_code", []string{"station_code", "派出所代码", "派出所编码"}},
	{"station_name", []string{"station_name", "派出所", "派出所名称"}},
}

// maxStationCode bounds a station code so that a misaligned column (an
// address pasted into the code) is caught rather than stored.
const maxStationCode = 32

// ParseStationMapping reads an admin's community → police station list: a
// UTF-8 CSV (a byte-order mark is tolerated) with a header naming the
// community code, station code and station name columns; other columns are
// ignored. Every error is an invalid-input error naming the line and the
// problem, so the admin can fix the file and load it again; a rejected value
// is never echoed, since a shifted column may hold personal data. A
// community may appear once, and a station code must keep one name
// throughout. Whether the communities exist is for the caller to check
// against its tree.
func ParseStationMapping(r io.Reader) ([]StationAssignment, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, epiloop.Errorf(epiloop.EINVALID, "err.empty_file_want_header_line")
	} else if err != nil {
		return nil, csvError(err)
	}
	col, err := mappingHeader(header)
	if err != nil {
		return nil, err
	}

	var out []StationAssignment
	seenCommunity := make(map[string]int)
	stationName := make(map[string]string)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, csvError(err)
		}
		if blank(rec) {
			continue
		}
		line, _ := cr.FieldPos(0)
		a, err := mappingRow(rec, col, line)
		if err != nil {
			return nil, err
		}
		if prev, dup := seenCommunity[a.Community]; dup {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.line_0_community_1_already", line, a.Community, prev)
		}
		if name, ok := stationName[a.StationCode]; ok && name != a.StationName {
			return nil, epiloop.Errorf(epiloop.EINVALID, "err.line_0_station_1_named", line, a.StationCode, a.StationName, name)
		}
		seenCommunity[a.Community] = line
		stationName[a.StationCode] = a.StationName
		out = append(out, a)
	}
}

// mappingHeader returns the position of each required column.
func mappingHeader(header []string) ([3]int, error) {
	col := [3]int{-1, -1, -1}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if !utf8.ValidString(h) {
			return col, epiloop.Errorf(epiloop.EINVALID, "err.line_1_header_not_utf")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		for c, mc := range mappingColumns {
			for _, want := range mc.headers {
				if h != want {
					continue
				}
				if col[c] >= 0 {
					return col, epiloop.Errorf(epiloop.EINVALID, "err.line_1_column_0_appears", mc.name)
				}
				col[c] = i
			}
		}
	}
	for c, mc := range mappingColumns {
		if col[c] < 0 {
			return col, epiloop.Errorf(epiloop.EINVALID, "err.line_1_missing_column_0", mc.name, strings.Join(mc.headers, ", "))
		}
	}
	return col, nil
}

// mappingRow checks one data line.
func mappingRow(rec []string, col [3]int, line int) (StationAssignment, error) {
	field := func(c int) string {
		if col[c] >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[col[c]])
	}
	a := StationAssignment{Community: field(0), StationCode: field(1), StationName: field(2)}
	for _, v := range []string{a.Community, a.StationCode, a.StationName} {
		if !utf8.ValidString(v) {
			return a, epiloop.Errorf(epiloop.EINVALID, "err.line_0_not_utf_8", line)
		}
	}
	switch {
	case a.Community == "":
		return a, epiloop.Errorf(epiloop.EINVALID, "err.line_0_community_code_missing", line)
	case !isDigits(a.Community, 12):
		return a, epiloop.Errorf(epiloop.EINVALID, "err.line_0_community_code_not", line)
	case a.StationCode == "":
		return a, epiloop.Errorf(epiloop.EINVALID, "err.line_0_station_code_missing", line)
	case len(a.StationCode) > maxStationCode || strings.IndexFunc(a.StationCode, unicode.IsSpace) >= 0:
		return a, epiloop.Errorf(epiloop.EINVALID, "err.line_0_station_code_not", line, maxStationCode)
	case a.StationName == "":
		return a, epiloop.Errorf(epiloop.EINVALID, "err.line_0_station_name_missing", line)
	}
	return a, nil
}

// blank reports whether a record has nothing but empty cells, as the
// trailing lines spreadsheets export do.
func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// csvError turns a CSV syntax error into an invalid-input error that keeps
// its line number.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return epiloop.Errorf(epiloop.EINVALID, "err.line_0_1", pe.Line, pe.Err)
	}
	return err
}
