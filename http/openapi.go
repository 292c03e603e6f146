package http

import (
	"net/http"
	"strings"

	"github.com/epiloop/epiloop"
)

// apiDoc describes one API route in the OpenAPI document.
type apiDoc struct {
	Tag     string
	Summary string
	// Body names the request body's shape, "" for none; Multipart marks
	// an upload.
	Body      string
	Multipart bool
	// Public routes need no credentials.
	Public bool
}

// apiDocs documents every API route. The OpenAPI document is built from
// the routes registered on the server and this table, and a test holds the
// two to each other: a route without an entry, or an entry without a
// route, fails it.
var apiDocs = map[string]apiDoc{
	"POST /api/v1/login":  {Tag: "auth", Summary: "Sign in with name and password; sets the session cookie", Body: "{name, password}", Public: true},
	"POST /api/v1/logout": {Tag: "auth", Summary: "End the session (?everywhere=true: every session of the user)"},
	"GET /api/v1/me":      {Tag: "auth", Summary: "The signed-in user"},

	"POST /api/v1/leads":                 {Tag: "leads", Summary: "Report an at-risk person: routed and pushed to two units (201), or merged into the person's open lead (200); a reporter outside the lead's jurisdiction gets 202 with only {id, status}, for a new lead and a merge alike", Body: "{person:{id_number,name,phone}, address, source:{kind,ref}, reason:{origin,arrival_date,fever,close_contact,note}}"},
	"GET /api/v1/leads":                  {Tag: "leads", Summary: "The leads the caller may see, paged (?status=&priority=&district=&community=&overdue=&page=&per_page=); ?q= finds a person's leads by full ID number, mobile number or full name; ?format=xlsx exports the list as filtered (masked, audited, at most 100,000 rows)"},
	"GET /api/v1/notices":                {Tag: "notices", Summary: "The notices' outbox, newest first, for admins and auditors (?status=pending|delivered|dead&log=true&page=&per_page=); codes and ids only"},
	"GET /api/v1/persons":                {Tag: "leads", Summary: "Find a person's leads by ?q= (full ID number, mobile number or full name; blind-indexed, scoped, audited by kind), with the lead list's filters"},
	"POST /api/v1/persons/search":        {Tag: "leads", Summary: "The same search with the query in the body, out of URLs: {\"q\", \"district\", \"community\", \"status\"}"},
	"GET /api/v1/leads/{id}":             {Tag: "leads", Summary: "A lead with its person (masked), tasks, feedback and timeline"},
	"POST /api/v1/leads/{id}/adjudicate": {Tag: "leads", Summary: "Decide a conflict: an outcome closes it, action repush sends it back", Body: "{outcome:{…feedback…}, note} | {action:\"repush\", note}"},
	"POST /api/v1/leads/{id}/route":      {Tag: "leads", Summary: "Route an unroutable lead by hand (alias teaches the gazetteer); a community outside the district the address names needs confirm (else 400, field confirm)", Body: "{community, alias, confirm}"},
	"POST /api/v1/leads/route":           {Tag: "leads", Summary: "Route several unroutable leads to one community in one step, all or none, each audited and evented as a single routing; teach teaches the gazetteer each address's place name for it; a lead whose address names another district needs confirm (else 400, field confirm). Answers {leads, taught:[{alias, community}]}", Body: "{lead_ids:[…], community, teach, confirm}"},
	"POST /api/v1/leads/{id}/reveal":     {Tag: "leads", Summary: "The full ID number and phone, for a stated purpose (audited)", Body: "{purpose}"},

	"GET /api/v1/tasks":                {Tag: "tasks", Summary: "The caller's unit's tasks, open ones by deadline (?status=open|pushed|…)"},
	"POST /api/v1/tasks/{id}/accept":   {Tag: "tasks", Summary: "Accept a task: the feedback deadline runs"},
	"POST /api/v1/tasks/{id}/return":   {Tag: "tasks", Summary: "Return a task as not the unit's jurisdiction", Body: "{reason}"},
	"POST /api/v1/tasks/{id}/feedback": {Tag: "tasks", Summary: "Structured feedback; the lead reconciles when both units have reported", Body: "{located, address, destination, contact, temperature, symptoms, arrival_date, measure, site, note}"},

	"GET /api/v1/stats/overview":     {Tag: "stats", Summary: "Funnel counts of the caller's jurisdiction, from maintained counters"},
	"GET /api/v1/stats/checkpoints":  {Tag: "stats", Summary: "Checkpoint totals and hour-by-hour throughput (?date=)"},
	"GET /api/v1/stats/observations": {Tag: "stats", Summary: "Observation population, alerts and site occupancy"},
	"GET /api/v1/reports/daily":      {Tag: "stats", Summary: "The daily report per district for a civil day in China Standard Time (?date=YYYY-MM-DD, today by default; ?format=json|csv|xlsx); small cells as <5 for analysts"},
	"GET /api/v1/events":             {Tag: "events", Summary: "Server-sent events the caller may see (Last-Event-ID or ?after= to catch up)"},
	"GET /api/v1/audit":              {Tag: "audit", Summary: "The audit trail, for auditors (?action=&actor=&object=&after=)"},

	"GET /api/v1/imports/{id}":                   {Tag: "imports", Summary: "An import's status, counts and progress"},
	"GET /api/v1/imports/{id}/rejects":           {Tag: "imports", Summary: "The rejects report (?format=csv|xlsx, ?lang=en)"},
	"POST /api/v1/imports":                       {Tag: "imports", Summary: "Upload a CSV/XLSX manifest; the import runs in the background (202)", Body: "multipart: file, source, ref, sheet", Multipart: true},
	"POST /api/v1/imports/preview":               {Tag: "imports", Summary: "What an import would see: format, encoding, sheet, column mapping, first rows", Body: "multipart: file, source, ref, sheet", Multipart: true},
	"GET /api/v1/checkpoints":                    {Tag: "checkpoints", Summary: "The checkpoints of the caller's jurisdiction"},
	"POST /api/v1/checkpoints":                   {Tag: "checkpoints", Summary: "Create or update a checkpoint (commanders)", Body: "{code, kind, name, district, location}"},
	"GET /api/v1/checkpoints/{code}/screenings":  {Tag: "checkpoints", Summary: "A checkpoint's screenings, paged (identities masked); ?format=xlsx exports them all, one row per person (audited)"},
	"POST /api/v1/checkpoints/{code}/screenings": {Tag: "checkpoints", Summary: "Register a crossing with its occupants; answers each occupant's decision", Body: "{time, direction, plate, train, carriage, occupants:[{id_number,name,phone,origin,destination,temperature,symptoms}]}"},
	"GET /api/v1/risk-areas":                     {Tag: "checkpoints", Summary: "The risk areas in force (?history=true: every version)"},
	"POST /api/v1/risk-areas":                    {Tag: "checkpoints", Summary: "Add a version of a risk area (commanders)", Body: "{code, level, from, to, note}"},
	"GET /api/v1/command/nodes":                  {Tag: "command", Summary: "The command structure: headquarters, sub-commands, working groups and fronts, with leaders and responsibility lists"},
	"POST /api/v1/command/nodes":                 {Tag: "command", Summary: "Create or update a node (commanders; a district commander their district's sub-command)", Body: "{code, kind, name, parent, district, theme, leader, deputy, mandate, responsibilities:[{code,text,metric}]}"},
	"GET /api/v1/command/nodes/{code}":           {Tag: "command", Summary: "A node with its posts"},
	"POST /api/v1/command/nodes/{code}/posts":    {Tag: "command", Summary: "Add a duty post to a node", Body: "{kind, name, place, min_staff, max_staff}"},
	"POST /api/v1/duty/posts/{id}/roster":        {Tag: "duty", Summary: "Generate a post's slots for the duty days from..to by a shift pattern (24h from 08:00 CST, 4x6h, 12h); existing slots are kept. Answers {created}", Body: "{pattern, from, to}"},
	"GET /api/v1/duty/slots":                     {Tag: "duty", Summary: "Duty slots with their persons, paged (?node=&post=&from=&to=, dates or RFC 3339)"},
	"GET /api/v1/duty/gaps":                      {Tag: "duty", Summary: "Coverage gaps: slots below their post's minimum staff (?node=&post=&from=&to=)"},
	"POST /api/v1/duty/slots/{id}/assign":        {Tag: "duty", Summary: "Put a person on a slot; refused (409, reason duty_overlap, duty_rest, duty_consecutive or duty_full) when a rule is broken", Body: "{user_id}"},
	"POST /api/v1/duty/slots/{id}/unassign":      {Tag: "duty", Summary: "Take a person off a slot", Body: "{user_id}"},
	"POST /api/v1/duty/slots/{id}/check-in":      {Tag: "duty", Summary: "Check oneself in to one's own slot (from 30 minutes before its start until its end)"},
	"POST /api/v1/duty/slots/{id}/check-out":     {Tag: "duty", Summary: "Check oneself out of one's own slot (until 2 hours after its end)"},
	"GET /api/v1/duty/now":                       {Tag: "duty", Summary: "Who holds each post of ?node= now: checked in, or assigned while check-in is not yet due; absent assignees apart"},
	"GET /api/v1/duty/handovers":                 {Tag: "duty", Summary: "Shift hand-overs of ?node= (&post=&from=&to=&open=true): both sides' figures, the agreement's state and reasons, escalation"},
	"GET /api/v1/duty/handovers/mine":            {Tag: "duty", Summary: "The hand-overs the caller is a party to now (outgoing or incoming), with the figures of the node's scope to hand over"},
	"POST /api/v1/duty/posts/{id}/handover":      {Tag: "duty", Summary: "Confirm one's side of the post's hand-over at {boundary}: open_conflicts, overdue_tasks, alerts, note; closes when both sides agree"},
	"GET /api/v1/duty/inbox":                     {Tag: "duty", Summary: "The caller's duty inbox (?open=true): escalations that reached them on duty, overdue hand-overs of nodes they lead"},
	"POST /api/v1/duty/inbox/{id}/done":          {Tag: "duty", Summary: "Mark an item of the caller's duty inbox done"},
	"GET /api/v1/observations":                   {Tag: "observation", Summary: "Observation plans of the caller's jurisdiction (?status=&kind=&unit=); ?format=xlsx exports them as filtered (masked, audited)"},
	"GET /api/v1/observations/{id}":              {Tag: "observation", Summary: "A plan with its daily checks"},
	"POST /api/v1/observations/{id}/checks":      {Tag: "observation", Summary: "Record the day's check", Body: "{temperature, symptoms, present}"},
	"POST /api/v1/observations/{id}/release":     {Tag: "observation", Summary: "Release at the end (or early, with a reason)", Body: "{reason}"},
	"POST /api/v1/observations/{id}/transfer":    {Tag: "observation", Summary: "Transfer to hospital", Body: "{hospital}"},
	"POST /api/v1/observations/{id}/place":       {Tag: "observation", Summary: "Place a pending central plan at a site (override to exceed capacity)", Body: "{site, override}"},
	"GET /api/v1/sites":                          {Tag: "observation", Summary: "Isolation sites with their occupancy"},
	"POST /api/v1/sites":                         {Tag: "observation", Summary: "Create or update an isolation site (commanders)", Body: "{code, name, district, capacity}"},
	"GET /api/v1/openapi.json":                   {Tag: "meta", Summary: "This document", Public: true},
}

func (s *Server) registerOpenAPIRoutes() {
	s.mux.handle("GET /api/v1/openapi.json", epiloop.ActPublic, s.handleOpenAPI)
}

// handleOpenAPI serves the OpenAPI 3.1 description of the API routes the
// server has registered.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	paths := map[string]map[string]any{}
	for _, pattern := range s.Routes() {
		doc, ok := apiDocs[pattern]
		method, path, found := strings.Cut(pattern, " ")
		if !ok || !found {
			continue
		}
		op := map[string]any{
			"summary": doc.Summary,
			"tags":    []string{doc.Tag},
			"responses": map[string]any{
				"200":     map[string]any{"description": "OK"},
				"4XX":     map[string]any{"description": "Error: {\"error\":{\"code\",\"message\",\"field\"}}", "content": jsonContent("#/components/schemas/Error")},
				"default": map[string]any{"description": "Unexpected error"},
			},
		}
		var params []any
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, "{") {
				name := strings.Trim(seg, "{}")
				params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if doc.Body != "" {
			ct := "application/json"
			if doc.Multipart {
				ct = "multipart/form-data"
			}
			op["requestBody"] = map[string]any{"description": doc.Body, "content": map[string]any{ct: map[string]any{"schema": map[string]any{"type": "object"}}}}
		}
		if doc.Public {
			op["security"] = []any{}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "epiloop API",
			"version": "1",
			"description": "The closed-loop verification platform's JSON API. Errors are {\"error\":{\"code\",\"message\",\"field\"}} " +
				"with the matching 4xx status; lists are {\"items\":[…],\"total\":N}.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer":  map[string]any{"type": "http", "scheme": "bearer"},
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object",
					"properties": map[string]any{"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}, "field": map[string]any{"type": "string"}}}}},
			},
		},
	})
}

func jsonContent(ref string) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": ref}}}
}
