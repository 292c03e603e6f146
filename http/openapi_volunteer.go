package http

import "maps"

func init() { maps.Copy(apiDocs, volunteerAPIDocs) }

// volunteerAPIDocs documents the volunteers' routes (http/volunteer.go).
var volunteerAPIDocs = map[string]apiDoc{
	"GET /api/v1/volunteers":                                    {Tag: "volunteers", Summary: "The volunteers of the caller's pools (a unit its own and, for a station, its communities'; a district commander the district's; commanders all), masked, paged by id (?community=&team=&status=active|paused|left&vetting=pending|vetted|refused&skill=&page=&per_page=), with the selection's tally by status and vetting and its figures (volunteers, volunteers_active, volunteers_vetted, volunteers_ready, volunteer_hours)"},
	"POST /api/v1/volunteers":                                   {Tag: "volunteers", Summary: "Register a person into the caller's unit's pool (stations and committees, for a community they serve): active, vetting pending (201); the person already in the pool is 409", Body: "{name, id_number, phone, community, team, skills:[gate|temperature|patrol|delivery|medical|psychology|driving|publicity|disinfection], availability}"},
	"GET /api/v1/volunteers/figures":                            {Tag: "volunteers", Summary: "The volunteer figures per district of the caller's jurisdiction (the dashboard tile and the daily report's section)"},
	"GET /api/v1/volunteers/{id}":                               {Tag: "volunteers", Summary: "A volunteer (masked) with their latest duty assignments; no lead data"},
	"PATCH /api/v1/volunteers/{id}":                             {Tag: "volunteers", Summary: "Change team, skills or availability (the pool's unit or the community's station)", Body: "{team, skills, availability}"},
	"POST /api/v1/volunteers/{id}/status":                       {Tag: "volunteers", Summary: "Move the status: active → paused → active, active|paused → left (final)", Body: "{status}"},
	"POST /api/v1/volunteers/{id}/vet":                          {Tag: "volunteers", Summary: "Vet a pending volunteer (only the police station of the volunteer's community)", Body: "{vetting: vetted|refused}"},
	"POST /api/v1/volunteers/{id}/reveal":                       {Tag: "volunteers", Summary: "The full ID number, name and phone, for a stated purpose (audited)", Body: "{purpose}"},
	"POST /api/v1/volunteers/{id}/assignments":                  {Tag: "volunteers", Summary: "Put an active, vetted volunteer on a duty slot that has not ended (the volunteer's pool or station, or a manager of the slot's roster who sees the volunteer); staff and volunteers together fill the post's max_staff", Body: "{slot_id}"},
	"POST /api/v1/volunteers/{id}/assignments/{slot}/check-in":  {Tag: "volunteers", Summary: "Record the volunteer's check-in on the slot (from 30 minutes before its start until its end)"},
	"POST /api/v1/volunteers/{id}/assignments/{slot}/check-out": {Tag: "volunteers", Summary: "Record the check-out; the minutes since check-in count as hours served"},
	"POST /api/v1/volunteers/imports":                           {Tag: "volunteers", Summary: "Upload a volunteer list (CSV in UTF-8 or GBK, or XLSX; headers in Chinese or English: 姓名/name, 身份证号/id number, 手机号/mobile, 社区/community (code or name; a committee's own by default), 队伍/team, 技能/skills, 可服务时间/availability) into the caller's pool; runs in the background (202); the same file again answers 200 and changes nothing, a row already in the pool (by ID number and unit) counts as merged", Body: "multipart: file, ref, sheet", Multipart: true},
	"GET /api/v1/volunteers/imports/{id}":                       {Tag: "volunteers", Summary: "A volunteer import's status, counts (volunteers_created, merged, rejected) and progress"},
	"GET /api/v1/volunteers/imports/{id}/rejects":               {Tag: "volunteers", Summary: "The volunteer import's rejects report with row and reason (?format=csv|xlsx, ?lang=en)"},
}
