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

// ClosedLeadStatuses are the statuses of a lead that is no longer open.
var ClosedLeadStatuses = []LeadStatus{LeadClosed, LeadHandedOver}

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
