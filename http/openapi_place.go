package http

import "maps"

// placeAPIDocs documents the places' routes (place.go); merged into
// apiDocs at start.
var placeAPIDocs = map[string]apiDoc{
	"GET /api/v1/places":                     {Tag: "places", Summary: "Places of the caller's jurisdiction (?kind=hospital|isolation_site|gathering|compound|detention&state=open|closed|reopened&district=), with a compound's coverage and an isolation site's capacity and occupancy"},
	"POST /api/v1/places":                    {Tag: "places", Summary: "Create or update a place by code (201 created, 200 updated); a gathering place keeps its closure state", Body: "{code, kind, name, district, community, unit, grade, fever_designated, site, category, openness, households, gates, min_guard, detention_kind, capacity}"},
	"POST /api/v1/places/import":             {Tag: "places", Summary: "Import a register of places (CSV/GBK/XLSX, field file): valid rows are created or replaced by code, the others rejected with row and reason", Multipart: true},
	"GET /api/v1/places/figures":             {Tag: "places", Summary: "The places' figures of the caller's jurisdiction, in total and by district: uncovered_compounds, closed_found_open, places_closed"},
	"GET /api/v1/places/{code}":              {Tag: "places", Summary: "A place with its checklist, inspections, rectifications and (compounds) deployments"},
	"POST /api/v1/places/{code}/close":       {Tag: "places", Summary: "Close a gathering place by order", Body: "{order_no, from, to}"},
	"POST /api/v1/places/{code}/reopen":      {Tag: "places", Summary: "Reopen a gathering place closed by order"},
	"POST /api/v1/places/{code}/deployments": {Tag: "places", Summary: "Request a deployment (下沉) of a named officer or auxiliary of a unit to a compound", Body: "{person_name, police_number, person_kind, unit, from, to}"},
	"POST /api/v1/inspections":               {Tag: "places", Summary: "Record an inspection (督导/暗访/检查) of a place by an officer on duty or a commander; defects open a rectification; rectification_id re-inspects one", Body: "{place, kind, items: [{item, ok, note}], found_open, note, rectification_id}"},
	"GET /api/v1/rectifications":             {Tag: "places", Summary: "Rectifications of the caller's jurisdiction (?open=true): a unit's are those it must fix"},
	"GET /api/v1/rectifications/{id}":        {Tag: "places", Summary: "A rectification with both parties' confirmations"},
	"POST /api/v1/rectifications/{id}/fixed": {Tag: "places", Summary: "The responsible unit reports the defects fixed; a re-inspection closes it", Body: "{note}"},
	"GET /api/v1/deployments":                {Tag: "places", Summary: "Deployments of the caller's jurisdiction (?place=&state=requested|approved|on_site|ended)"},
	"GET /api/v1/deployments/{id}":           {Tag: "places", Summary: "One deployment"},
	"POST /api/v1/deployments/{id}/approve":  {Tag: "places", Summary: "Approve a requested deployment (the district's commander or headquarters)"},
	"POST /api/v1/deployments/{id}/check-in": {Tag: "places", Summary: "Check an approved deployment in on site: it counts in the compound's coverage"},
	"POST /api/v1/deployments/{id}/end":      {Tag: "places", Summary: "End a deployment (or cancel one not yet on site)"},
}

func init() { maps.Copy(apiDocs, placeAPIDocs) }
