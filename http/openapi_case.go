package http

import "maps"

// caseAPIDocs documents the case register's routes (case.go); merged into
// apiDocs at start.
var caseAPIDocs = map[string]apiDoc{
	"GET /api/v1/cases":                                   {Tag: "cases", Summary: "Cases of the caller's jurisdiction, newest first (?kind=counterfeit|illegal_business|fraud|violence_medics|obstruction|other&state=accepted|filed|investigating|solved|prosecuted|declined|withdrawn&district=)"},
	"POST /api/v1/cases":                                  {Tag: "cases", Summary: "Register a case (受案), numbered in its district's year; unit is the handling unit (the caller's own when empty)", Body: "{kind, unit, title, summary, amount_fen, recovered_fen, places, addresses, provinces, cities, suspects: [{id_number, name, phone, measure}]}"},
	"GET /api/v1/cases/figures":                           {Tag: "cases", Summary: "The register's figures of the caller's scope: cases by state, solved, suspects and suspects handled, amounts; by district and by kind"},
	"GET /api/v1/cases/{id}":                              {Tag: "cases", Summary: "A case with its next allowed states, transitions, suspects (masked) and their measures, goods, custody log and the log's verification"},
	"POST /api/v1/cases/{id}":                             {Tag: "cases", Summary: "Change a case's details (not its unit or state)", Body: "{kind, title, summary, amount_fen, recovered_fen, places, addresses, provinces, cities}"},
	"POST /api/v1/cases/{id}/transitions":                 {Tag: "cases", Summary: "Move a case one step along the procedure (受案→立案→侦查→破案→移送起诉, 不予立案, 撤案) under a document number", Body: "{to, doc_no, note}"},
	"POST /api/v1/cases/{id}/suspects":                    {Tag: "cases", Summary: "Add a suspect (a person, sealed), with the measure taken as they came into the case if given; returned masked", Body: "{id_number, name, phone, measure: {kind, date, facility, doc_no, note}}"},
	"POST /api/v1/cases/{id}/suspects/{suspect}/measures": {Tag: "cases", Summary: "Record a measure taken (summons, criminal_detain, admin_detain, bail, surveillance, arrest, release, fine); one that detains names a detention facility of the places registry", Body: "{kind, date, facility, doc_no, note}"},
	"POST /api/v1/cases/{id}/suspects/{suspect}/reveal":   {Tag: "cases", Summary: "Unmask a suspect's identity for a stated purpose (audited)", Body: "{purpose}"},
	"POST /api/v1/cases/{id}/goods":                       {Tag: "cases", Summary: "Record a lot of seized goods", Body: "{description, quantity, unit, value_fen}"},
	"POST /api/v1/cases/{id}/custody":                     {Tag: "cases", Summary: "Append a row to the case's custody log (hash-chained, append-only)", Body: "{goods_id, action, quantity, place, holder, doc_no, note}"},
	"GET /api/v1/cases/{id}/custody/verify":               {Tag: "cases", Summary: "Verify the case's custody log: ok, or the first bad row and why (altered, missing, truncated)"},
}

func init() { maps.Copy(apiDocs, caseAPIDocs) }
