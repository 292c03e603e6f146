package http

import "maps"

// detentionAPIDocs documents the detention facilities' routes
// (detention.go); merged into apiDocs at start.
var detentionAPIDocs = map[string]apiDoc{
	"GET /api/v1/detention":                   {Tag: "detention", Summary: "Detention facilities of the caller's jurisdiction with today's figures (detainees present, in isolation, isolation cells free, staff on site and checked, fever, cohort overdue, closed management)"},
	"GET /api/v1/detention/figures":           {Tag: "detention", Summary: "The facilities' figures of the caller's jurisdiction, in total and by district: detention_closed, detainees_isolated, isolation_cells_free, cohorts_overdue, staff_fever_today"},
	"GET /api/v1/detention/{code}":            {Tag: "detention", Summary: "A facility: areas with occupancy, detainees present (masked; without the person for district readers), the cohort on site with today's checks, the next cohort and the hand-over, the closed-management history"},
	"POST /api/v1/detention/{code}/areas":     {Tag: "detention", Summary: "Create or replace areas of a facility; an isolation cell holds one detainee", Body: "{areas: [{code, name, kind: isolation|general, capacity}]}"},
	"POST /api/v1/detention/{code}/closure":   {Tag: "detention", Summary: "Record a closed-management order (state closed|lifted) with its exemptions; it becomes the facility's state", Body: "{state, from, to, order_no, exemptions: [{name, reason, from, to}]}"},
	"POST /api/v1/detention/{code}/detainees": {Tag: "detention", Summary: "Admit a new detainee into a free isolation cell (or the one named) with a 15-day new_detainee observation; no free cell is 409", Body: "{person: {id_number, name, phone}, area, case_ref, reason}"},
	"POST /api/v1/detention/{code}/cohorts":   {Tag: "detention", Summary: "Register a staff cohort: on site at once when none is (members under detention_staff observation), else the next, waiting for the hand-over", Body: "{name, leader_user_id, members: [{id_number, name, phone}], start, days}"},
	"POST /api/v1/detainees/{id}/move":        {Tag: "detention", Summary: "Move a detainee to another area; out of isolation before its end is 409 unless a supervisor overrides with a reason (audited)", Body: "{area, override, override_reason}"},
	"POST /api/v1/detainees/{id}/release":     {Tag: "detention", Summary: "End a stay (released or transferred) and its observation", Body: "{status: released|transferred, reason}"},
	"POST /api/v1/detainees/{id}/reveal":      {Tag: "detention", Summary: "Unmask a detainee's identity for a stated purpose (audited)", Body: "{purpose}"},
	"POST /api/v1/cohorts/{id}/handover":      {Tag: "detention", Summary: "The outgoing or incoming leader confirms the hand-over from the on-site cohort to the next; both close it", Body: "{next_id, note}"},
}

func init() { maps.Copy(apiDocs, detentionAPIDocs) }
