package intake

import (
	"github.com/epiloop/epiloop"
)

// A volunteer list is read like any other file — format, encoding, header
// row, identity columns, normalisation, rejects — and its own columns
// (community, team, skills, availability) are found among the extra
// columns by VolunteerRows, in Chinese or English.

// Volunteer fields: what an extra column of a volunteer list means.
const (
	VolunteerCommunity    = "community"
	VolunteerTeam         = "team"
	VolunteerSkills       = "skills"
	VolunteerAvailability = "availability"
)

// volunteerField returns the volunteer field a normalised header names.
func volunteerField(h string) string {
	switch h {
	case "社区", "所在社区", "服务社区", "社区村", "村社区", "社区名称", "社区代码", "社区编码", "村", "所在村",
		"community", "communitycode", "communityname", "village":
		return VolunteerCommunity
	case "队伍", "所在队伍", "分队", "小队", "服务队", "志愿队", "队名", "team", "squad", "teamname":
		return VolunteerTeam
	case "技能", "特长", "专长", "技能特长", "服务技能", "skills", "skill", "specialty":
		return VolunteerSkills
	case "可服务时间", "服务时间", "空闲时间", "可用时间", "时间安排", "可服务时段", "availability", "available", "availabletime":
		return VolunteerAvailability
	}
	return ""
}

// maxVolunteerText bounds a team or availability cell.
const maxVolunteerText = epiloop.MaxVolunteerAvailability

// VolunteerRows adapts a Reader of a volunteer list to the volunteer
// import's row source: each row as Rows yields it, with the volunteer's
// own cells read and cleaned (an unknown skill or an overlong cell
// rejects the row, naming the column).
type VolunteerRows struct {
	R *Reader
	// cols holds the column of each volunteer field, -1 for none.
	cols map[string]int
}

// NewVolunteerRows maps the volunteer columns of r's header.
func NewVolunteerRows(r *Reader) *VolunteerRows {
	v := &VolunteerRows{R: r, cols: map[string]int{VolunteerCommunity: -1, VolunteerTeam: -1, VolunteerSkills: -1, VolunteerAvailability: -1}}
	for _, c := range r.info.Columns {
		if c.Field != "" {
			continue
		}
		if f := volunteerField(NormalizeHeader(c.Header)); f != "" && v.cols[f] < 0 {
			v.cols[f] = c.Index
		}
	}
	return v
}

// Column returns the column of a volunteer field, -1 for none.
func (v *VolunteerRows) Column(field string) int { return v.cols[field] }

func (v *VolunteerRows) cell(cells []string, field string) string {
	i := v.cols[field]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// Next returns the next row, good or rejected, and io.EOF after the last.
func (v *VolunteerRows) Next() (epiloop.VolunteerRow, error) {
	row, err := Rows{R: v.R}.Next()
	out := epiloop.VolunteerRow{ImportRow: row, CommunityColumn: v.cols[VolunteerCommunity]}
	if err != nil || row.Reject != nil {
		return out, err
	}
	t := t2s()
	text := func(field string) (string, bool) {
		s, bad := normText(t, v.cell(row.Cells, field), false)
		if bad || len(s) > maxVolunteerText || field == VolunteerTeam && len(s) > epiloop.MaxVolunteerTeam {
			v.reject(&out, epiloop.ReasonVolunteerFieldTooLong, field)
			return "", false
		}
		return s, true
	}
	var ok bool
	if out.Community, ok = text(VolunteerCommunity); !ok {
		return out, nil
	}
	if out.Team, ok = text(VolunteerTeam); !ok {
		return out, nil
	}
	if out.Availability, ok = text(VolunteerAvailability); !ok {
		return out, nil
	}
	if out.Skills, ok = epiloop.ParseSkills(v.cell(row.Cells, VolunteerSkills)); !ok {
		v.reject(&out, epiloop.ReasonVolunteerSkill, VolunteerSkills)
	}
	return out, nil
}

// reject turns a good row into a reject of code at field's column.
func (v *VolunteerRows) reject(out *epiloop.VolunteerRow, code, field string) {
	col := v.cols[field]
	out.Reject = VolunteerReject(code, col, Rows{R: v.R}.header(col))
}

// VolunteerReject is the reject of a volunteer row for code at column
// col (header its header, "" for none), worded as intake words its own.
func VolunteerReject(code string, col int, header string) *epiloop.ImportReject {
	zh, _ := Describe(code)
	if header != "" {
		zh = header + "：" + zh
	}
	return &epiloop.ImportReject{Code: code, Column: col, Message: zh}
}
