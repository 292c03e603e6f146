package http

import "maps"

// patrolAPIDocs documents the routes of http/patrol.go.
var patrolAPIDocs = map[string]apiDoc{
	"GET /api/v1/patrols":               {Tag: "patrols", Summary: "The patrol logs the caller sees (a station its own, a district commander its district's), newest start first, paged (?district=&unit=&from=&to= civil dates of the start, &voided=true&page=&per_page=); officers by real name"},
	"POST /api/v1/patrols":              {Tag: "patrols", Summary: "Log a patrol of the caller's unit (district and city commanders: of a unit they may log for); the day's figures follow in the same transaction (201)", Body: "{unit, district, officers:[name], vehicles:[plate], area, start, end}"},
	"POST /api/v1/patrols/{id}/correct": {Tag: "patrols", Summary: "Correct a patrol within 72 hours of logging it (its unit, district commanders, city commanders); audited, the figures follow", Body: "{officers, vehicles, area, start, end, reason}"},
	"POST /api/v1/patrols/{id}/void":    {Tag: "patrols", Summary: "Void a patrol within 72 hours of logging it: it counts nowhere; audited", Body: "{reason}"},
	"GET /api/v1/patrols/totals":        {Tag: "patrols", Summary: "Patrol officer-shifts, vehicle-shifts, sorties and flight minutes per district over ?from=&to= (civil days in China Standard Time, today by default, at most 92 days), from the day counters; counts under 5 read 0 for analysts"},
	"GET /api/v1/sorties":               {Tag: "patrols", Summary: "The drone sorties the caller sees, as the patrol logs (?district=&unit=&from=&to=&voided=&page=&per_page=)"},
	"POST /api/v1/sorties":              {Tag: "patrols", Summary: "Log a drone sortie (201)", Body: "{unit, district, pilot, drone, area, start, minutes}"},
	"POST /api/v1/sorties/{id}/correct": {Tag: "patrols", Summary: "Correct a sortie within 72 hours of logging it; audited, the figures follow", Body: "{pilot, drone, area, start, minutes, reason}"},
	"POST /api/v1/sorties/{id}/void":    {Tag: "patrols", Summary: "Void a sortie within 72 hours of logging it; audited", Body: "{reason}"},
	"GET /api/v1/incidents":             {Tag: "patrols", Summary: "Public-order and criminal incidents per district over ?from=&to= against the same dates a year earlier: a percentage only when both counts are at least 20, else the difference with small_base"},
	"POST /api/v1/incidents":            {Tag: "patrols", Summary: "Enter a district's incident counts of a civil day (replaces what was entered; audited)", Body: "{district, date, public_order, criminal}"},
	"POST /api/v1/incidents/import":     {Tag: "patrols", Summary: "Import incident counts from CSV/GBK/XLSX (columns 区县, 日期, 治安警情, 刑事警情): rejects by row and reason, the valid rows written, idempotent. Answers {changed, unchanged, rejects:[{row, field, message}]}", Body: "multipart: file", Multipart: true},
}

func init() { maps.Copy(apiDocs, patrolAPIDocs) }
