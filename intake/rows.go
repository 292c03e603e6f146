package intake

import (
	"strings"

	"github.com/epiloop/epiloop"
)

// Rows adapts a Reader to the import workflow's row source (it yields
// the domain's ImportRow, so intake knows nothing of the workflows).
type Rows struct {
	R *Reader
}

// Next returns the next row as the import workflow takes it.
func (s Rows) Next() (epiloop.ImportRow, error) {
	row, err := s.R.Next()
	if err != nil {
		return epiloop.ImportRow{}, err
	}
	// The reader reuses its cells; a row keeps its own, for the report's
	// reject or warning (a warning of the import's own, a name that
	// differs from the person's, is found only when the row is written).
	out := epiloop.ImportRow{Line: row.Line, Cells: append([]string(nil), row.Cells...), NameColumn: s.R.p.col[iName]}
	if !row.Valid() {
		zh, _ := Describe(row.Reject.Code)
		if h := s.header(row.Reject.Column); h != "" {
			zh = h + "：" + zh
		}
		out.Reject = &epiloop.ImportReject{Code: row.Reject.Code, Column: row.Reject.Column, Message: zh}
		return out, nil
	}
	out.Person, out.Address, out.Reason = row.Person, row.Address, row.Reason
	out.Ref = joinNonEmpty(row.Train, row.Seat, row.Plate)
	for _, w := range row.Warnings {
		out.Warnings = append(out.Warnings, epiloop.ImportWarning{Code: w.Code, Column: w.Column,
			Message: epiloop.WarningMessage(w.Code, s.header(w.Column))})
	}
	return out, nil
}

// header returns the header of column c, "" for none.
func (s Rows) header(c int) string {
	if c >= 0 && c < len(s.R.info.Columns) {
		return s.R.info.Columns[c].Header
	}
	return ""
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

// RejectRow turns a stored reject back into a row for a RejectWriter.
func RejectRow(r epiloop.ImportReject) *Row {
	return &Row{Line: r.Row, Cells: r.Cells, Reject: Reject{Code: r.Code, Column: r.Column}}
}
