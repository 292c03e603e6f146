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
	out := epiloop.ImportRow{Line: row.Line}
	if !row.Valid() {
		zh, _ := Describe(row.Reject.Code)
		if c := row.Reject.Column; c >= 0 && c < len(s.R.info.Columns) {
			zh = s.R.info.Columns[c].Header + "：" + zh
		}
		// The reader reuses its cells; a reject keeps its own.
		out.Cells = append([]string(nil), row.Cells...)
		out.Reject = &epiloop.ImportReject{Code: row.Reject.Code, Column: row.Reject.Column, Message: zh}
		return out, nil
	}
	out.Person, out.Address, out.Reason = row.Person, row.Address, row.Reason
	out.Ref = joinNonEmpty(row.Train, row.Seat, row.Plate)
	return out, nil
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
