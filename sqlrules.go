package epiloop

import (
	"strings"
	"time"
)

// Rules the storage engines spell in SQL take their values from here, so
// that the two engines and the Go predicates cannot drift: each fragment is
// the SQL of one domain rule, with the engine's placeholders passed in (the
// conformance suite in storetest runs both engines against the Go rule).

// SQLStrings renders values as an SQL list of string literals: ('a', 'b').
// The values are the domain's own constants, never input.
func SQLStrings[S ~string](values ...S) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(string(v), "'", "''"))
		b.WriteByte('\'')
	}
	b.WriteByte(')')
	return b.String()
}

// ClosedLeadStatuses are the statuses of a lead that is no longer open
// (LeadStatus.Open).
var ClosedLeadStatuses = []LeadStatus{LeadClosed, LeadHandedOver}

// OpenTaskStatuses are the statuses of a task still waiting for its unit
// (TaskStatus.Open).
var OpenTaskStatuses = []TaskStatus{TaskPushed, TaskAccepted}

// OpenLeadSQL is LeadStatus.Open on the status column col. The engines'
// partial indexes of open leads spell the same list in their migrations.
func OpenLeadSQL(col string) string { return col + " NOT IN " + SQLStrings(ClosedLeadStatuses...) }

// OpenTaskSQL is TaskStatus.Open on the status column col.
func OpenTaskSQL(col string) string { return col + " IN " + SQLStrings(OpenTaskStatuses...) }

// UnitLeadSQL is LeadVisible for a unit, as a condition on leads l: the
// unit holds a live task of the current round, and the lead is open or
// closed after since (now − UnitReadGrace). unit and unitAgain are the
// placeholders of the unit code (the engine binds it twice), since the
// placeholder of the grace's start. The IN list drives the tasks' unit
// index; the EXISTS checks the round.
func UnitLeadSQL(unit, unitAgain, since string) string {
	live := SQLStrings(AccessTaskStatuses...)
	return "l.id IN (SELECT lead_id FROM tasks WHERE unit_code = " + unit + " AND status IN " + live + ")" +
		" AND EXISTS (SELECT 1 FROM tasks t WHERE t.lead_id = l.id AND t.unit_code = " + unitAgain +
		" AND t.round = l.round AND t.status IN " + live + ")" +
		" AND (l.status NOT IN " + SQLStrings(ClosedLeadStatuses...) + " OR l.closed_at > " + since + ")"
}

// UnitGraceStart is the start of the read grace for a unit's scope at now.
func UnitGraceStart(now time.Time) time.Time { return now.Add(-UnitReadGrace) }

// ScopeSQL is a scope as a condition, the one scope helper of both
// engines: everything, the rows of a district (districtCol), of a unit
// (unitCol, or unitCond when the unit's access is more than a column:
// UnitLeadSQL for leads), or for the zero scope nothing. bind adds a
// value to the engine's arguments and returns its placeholder.
func ScopeSQL(s Scope, districtCol, unitCol string, bind func(any) string, unitCond func(unit string) string) string {
	switch {
	case s.All:
		return "1 = 1"
	case s.District != "":
		return districtCol + " = " + bind(s.District)
	case s.Unit != "" && unitCond != nil:
		return unitCond(s.Unit)
	case s.Unit != "":
		return unitCol + " = " + bind(s.Unit)
	}
	return "1 = 0"
}

// DeadlineSQL is Task.Deadline on the tasks t: the acceptance deadline
// while pushed, the feedback deadline once accepted, none after.
func DeadlineSQL() string {
	return "CASE t.status WHEN " + sqlString(TaskPushed) + " THEN t.accept_by WHEN " + sqlString(TaskAccepted) + " THEN t.feedback_by END"
}

// SiteOccupancySQL is a site's occupancy (Site.Occupancy) on the units u:
// the active plans placed at it.
func SiteOccupancySQL() string {
	return "(SELECT COUNT(*) FROM observations o WHERE o.unit_code = u.code AND o.status = " + sqlString(ObservationActive) + ")"
}

// sqlString is one value as an SQL string literal.
func sqlString[S ~string](v S) string {
	s := SQLStrings(v)
	return s[1 : len(s)-1]
}

// AuditSQL is an audit filter as a condition and an ORDER BY, for both
// engines: bind adds a value and returns its placeholder, bindTime a time.
func AuditSQL(f AuditFilter, bind func(any) string, bindTime func(time.Time) string) (where, order string) {
	conds := []string{"id > " + bind(f.After)}
	if f.Desc && f.Before > 0 {
		conds = append(conds, "id < "+bind(f.Before))
	}
	if f.Action != nil {
		conds = append(conds, "action = "+bind(*f.Action))
	}
	if f.ActorID != nil {
		conds = append(conds, "actor_id = "+bind(*f.ActorID))
	}
	if f.Actor != nil {
		conds = append(conds, "actor = "+bind(*f.Actor))
	}
	if f.Object != nil {
		conds = append(conds, "object = "+bind(*f.Object))
	}
	if !f.From.IsZero() {
		conds = append(conds, "time >= "+bindTime(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "time < "+bindTime(f.To))
	}
	order = "id"
	if f.Desc {
		order = "id DESC"
	}
	return strings.Join(conds, " AND "), order
}

// PageLimit bounds the size of a page a store answers: 50 when none is
// asked, at most 1000.
func PageLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 1000:
		return 1000
	}
	return limit
}

// NonNil is xs, or an empty slice for nil: stored and answered as []
// rather than null.
func NonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
