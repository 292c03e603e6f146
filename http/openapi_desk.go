package http

import "maps"

// deskAPIDocs documents the service desk's routes (desk.go); merged into
// apiDocs at start.
var deskAPIDocs = map[string]apiDoc{
	"GET /api/v1/desk/measures":             {Tag: "desk", Summary: "The catalogue of service measures (public): code, name, mode online|appointment|both, responsible unit, SLA in minutes"},
	"GET /api/v1/desk/slots":                {Tag: "desk", Summary: "Appointment slots from today for a week (public): date, window, start, end, capacity, booked"},
	"POST /api/v1/desk/tickets":             {Tag: "desk", Summary: "Submit an enterprise request (public, limited per client address: 429 beyond it); answers the tracking number and the confirmation code, shown once", Body: "{source: online|appointment, measure, district, enterprise, credit_code, contact, phone, detail, project, slot_id}"},
	"POST /api/v1/desk/track":               {Tag: "desk", Summary: "A request's status, measure, unit, dates and clocks, without personal data (public; number and code in the body, never the URL; a wrong number and a wrong code are refused alike)", Body: "{number, code}"},
	"POST /api/v1/desk/track/steps":         {Tag: "desk", Summary: "The enterprise confirms a solution, reopens it with a reason, or answers the desk (resume) (public)", Body: "{number, code, action: confirm|reopen|resume, reason}"},
	"POST /api/v1/desk/measures":            {Tag: "desk", Summary: "Create or replace a measure by code; its unit must be a department", Body: "{code, name, mode, unit, first_response_min, update_every_min, solution_min, active}"},
	"POST /api/v1/desk/slots":               {Tag: "desk", Summary: "Create an appointment slot, or change the capacity of the slot of that date, window and start", Body: "{date, window, start, end, capacity}"},
	"POST /api/v1/desk/hotline":             {Tag: "desk", Summary: "A request typed in by a hotline operator; answers its number and code to read to the caller", Body: "{measure, district, enterprise, credit_code, contact, phone, detail, project}"},
	"GET /api/v1/desk/tickets":              {Tag: "desk", Summary: "The queue of the caller's jurisdiction, masked (?unit=&state=&open=&breached=&green=): city-wide for the desk and commanders, a department's own"},
	"GET /api/v1/desk/figures":              {Tag: "desk", Summary: "The desk's figures of the caller's jurisdiction, in all, by district and by unit: desk_open, desk_breached, desk_green_open, desk_unconfirmed, desk_solved_week"},
	"GET /api/v1/desk/tickets/{id}":         {Tag: "desk", Summary: "One request with its clocks and steps, masked"},
	"POST /api/v1/desk/tickets/{id}/steps":  {Tag: "desk", Summary: "The handling unit's step: respond, update, wait (pauses the clocks), resume, solve", Body: "{action, note}"},
	"POST /api/v1/desk/tickets/{id}/reveal": {Tag: "desk", Summary: "The request's contact and phone in full, for a stated purpose (audited)", Body: "{purpose}"},
}

func init() { maps.Copy(apiDocs, deskAPIDocs) }
