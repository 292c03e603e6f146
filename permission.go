package epiloop

import (
	"slices"
	"time"
)

// Who may do what: one table of named actions × roles. The workflows ask
// u.Can(action) before they act, the HTTP routes are registered with the
// action they serve (a route without one does not compile, and a test walks
// them against this table), and the pages' navigation is derived from it.
// Jurisdiction — which leads, tasks, screenings and plans a permitted role
// sees — is the visibility predicates below, used by workflows and pages
// alike. A new front adds its actions here.

// Action is something a role may be permitted to do.
type Action string

const (
	// ActPublic needs no account (sign-in, assets, the API description).
	ActPublic Action = "public"
	// ActSignedIn is anything a signed-in person may do whatever their
	// role: their account, counts in their scope, reference lists.
	ActSignedIn Action = "signed_in"

	ActReadLeads    Action = "read_leads"    // list and open leads, masked
	ActReveal       Action = "reveal"        // unmask an identity, for a purpose, audited
	ActCreateLead   Action = "create_lead"   // report a lead (hotline, integrations)
	ActImport       Action = "import"        // import a file of leads
	ActFeedback     Action = "feedback"      // accept, return, report on the unit's own tasks
	ActAdjudicate   Action = "adjudicate"    // decide a conflict
	ActRoute        Action = "route"         // route an unroutable lead by hand
	ActScreen       Action = "screen"        // register crossings at a checkpoint
	ActReadScreen   Action = "read_screen"   // read a checkpoint's screenings
	ActOrigins      Action = "origins"       // the origin suggestions of the screening form
	ActManageCheck  Action = "manage_check"  // create and edit checkpoints
	ActManageRisk   Action = "manage_risk"   // declare risk areas
	ActReadObs      Action = "read_obs"      // read observation plans
	ActCheckObs     Action = "check_obs"     // record checks, release, transfer a plan
	ActPlaceObs     Action = "place_obs"     // place a person in central isolation
	ActReadSites    Action = "read_sites"    // the isolation sites' page
	ActManageSites  Action = "manage_sites"  // create and edit isolation sites
	ActTeach        Action = "teach"         // teach the gazetteer an address alias
	ActAdminUsers   Action = "admin_users"   // create and edit accounts
	ActAdminUnits   Action = "admin_units"   // units and the station mapping
	ActReadUnits    Action = "read_units"    // the list of units
	ActReadAudit    Action = "read_audit"    // the audit trail
	ActDashboard    Action = "dashboard"     // the command view
	ActReport       Action = "report"        // the daily report
	ActExactCounts  Action = "exact_counts"  // counts below MinPublishedCount as they are
	ActReadCommand  Action = "read_command"  // the command structure, the roster, who is on duty
	ActManageRoster Action = "manage_roster" // command nodes, posts and the roster (MayManageNode)
	ActCheckIn      Action = "check_in"      // check oneself in and out of one's own duty slot
	ActReadNotices  Action = "read_notices"  // the notices' outbox and its delivery log
)

// Places, inspections and deployments (place.go, inspection.go,
// deployment.go).
const (
	ActReadPlaces      Action = "read_places"      // the registry of places, inspections, rectifications
	ActManagePlaces    Action = "manage_places"    // create, import, close and reopen places
	ActInspect         Action = "inspect"          // record an inspection (MayInspect)
	ActRectify         Action = "rectify"          // report a defect of one's unit's place fixed
	ActReadDeployments Action = "read_deployments" // deployments to compounds, with the persons' names
	ActDeploy          Action = "deploy"           // request, check in and end deployments
	ActApproveDeploy   Action = "approve_deploy"   // approve a deployment
)

// Patrols, drone sorties and incident statistics (patrol.go).
const (
	ActReadPatrols    Action = "read_patrols"     // the patrol figures and incident counts (analysts: figures only)
	ActReadPatrolLogs Action = "read_patrol_logs" // the patrol and sortie logs (SeesPatrol)
	ActLogPatrol      Action = "log_patrol"       // log, correct and void patrols and sorties (MayLogPatrol)
	ActEnterIncidents Action = "enter_incidents"  // enter and import incident counts (MayEnterIncidents)
)

// Person merge (merge.go).
const (
	ActMergePersons Action = "merge_persons" // the candidates' queue, merge two persons, undo a merge
)

// Volunteers' actions (volunteer.go).
const (
	ActReadVolunteers     Action = "read_volunteers"     // read a pool, masked (VolunteerVisible)
	ActRegisterVolunteers Action = "register_volunteers" // register, edit and import volunteers into the unit's pool
	ActVetVolunteers      Action = "vet_volunteers"      // vet the volunteers of the station's communities (MayVet)
	ActAssignVolunteers   Action = "assign_volunteers"   // put volunteers on duty slots, check them in and out (MayAssignVolunteer)
)

// The enterprise resumption service desk (desk.go). The public form and
// tracking page are ActPublic.
const (
	ActReadDesk   Action = "read_desk"   // the desk's queue and tickets, masked (TicketVisible)
	ActDeskIntake Action = "desk_intake" // type in a hotline ticket
	ActHandleDesk Action = "handle_desk" // respond, update, wait, resume, solve (MayHandleTicket)
	ActManageDesk Action = "manage_desk" // the measures' catalogue and the appointment slots
	ActRevealDesk Action = "reveal_desk" // unmask a ticket's contact, for a purpose, audited
)

// The epidemic-related case register (case.go).
const (
	ActReadCases      Action = "read_cases"      // list and open cases of one's scope, suspects masked (CaseVisible)
	ActManageCases    Action = "manage_cases"    // register cases, record transitions, suspects, measures, goods and custody (MayManageCase)
	ActRevealSuspects Action = "reveal_suspects" // unmask a case's suspects, for a purpose, audited (MayRevealSuspects)
	ActCaseFigures    Action = "case_figures"    // the register's figures (analysts: figures only)
)

// Detention facilities' actions (detention.go).
const (
	ActReadDetention     Action = "read_detention"     // the facilities' page and figures (DetentionFacilityVisible)
	ActReadDetainees     Action = "read_detainees"     // a facility's detainees (masked) and staff (DetaineesVisible)
	ActAdmitDetainee     Action = "admit_detainee"     // admit, move within the rules, release (MayActAtFacility)
	ActOverrideIsolation Action = "override_isolation" // move a detainee out of isolation early, with a reason (MayOverrideIsolation)
	ActRotateStaff       Action = "rotate_staff"       // start cohorts, confirm hand-overs (MayActAtFacility, HandoverParty)
	ActRevealDetainee    Action = "reveal_detainee"    // unmask a detainee or staff member, for a purpose, audited
	ActManageDetention   Action = "manage_detention"   // a facility's areas and closed management (MayManageDetention)
)

// The hand-over between cities (xcity.go, peer.go).
const (
	ActReadXCity   Action = "read_xcity"   // the 外地协查 queue, masked (XCityVisible)
	ActDecideXCity Action = "decide_xcity" // accept or refuse a hand-over from another city
	ActXCityLetter Action = "xcity_letter" // print a letter of assistance (协查函): the identity in full, audited
	ActReadPeers   Action = "read_peers"   // the list of peer cities and their keys
)

// MinPublishedCount is the smallest count shown to a role without
// ActExactCounts (analysts, who read figures, not cases): a count of one
// or two in a district can point at a person. Smaller counts other than
// zero read as 0 in the API and the pages, "<5" in the daily report, and
// such a role's live stream carries no events, only a coarse "changed".
const MinPublishedCount = 5

// Count returns n as u may see it (see MinPublishedCount); the system
// (no user) sees it as it is.
func (u *User) Count(n int64) int64 {
	if u != nil && n > 0 && n < MinPublishedCount && !u.Can(ActExactCounts) {
		return 0
	}
	return n
}

// Counts applies Count to every value of m, in place, and returns m.
func (u *User) Counts(m map[string]int64) map[string]int64 {
	for k, v := range m {
		m[k] = u.Count(v)
	}
	return m
}

// permissions is the table: each action and the roles it is granted to.
// ActPublic and ActSignedIn are not in it (Can answers them for everyone).
// IT admins manage accounts, units and mappings and feed leads in; they do
// not read personal data (leads, screenings, plans, the event detail) and
// do not reveal.
var permissions = map[Action][]Role{
	ActReadLeads:    {RoleCommander, RoleDistrict, RoleStation, RoleCommittee},
	ActReveal:       {RoleCommander, RoleStation, RoleCommittee},
	ActCreateLead:   {RoleCommander, RoleDistrict, RoleCheckpoint, RoleAdmin},
	ActImport:       {RoleCommander, RoleDistrict, RoleCheckpoint, RoleAdmin},
	ActFeedback:     {RoleStation, RoleCommittee},
	ActAdjudicate:   {RoleCommander, RoleDistrict},
	ActRoute:        {RoleCommander},
	ActScreen:       {RoleCheckpoint, RoleCommander},
	ActReadScreen:   {RoleCheckpoint, RoleCommander, RoleDistrict},
	ActOrigins:      {RoleCheckpoint, RoleCommander},
	ActManageCheck:  {RoleCommander, RoleAdmin},
	ActManageRisk:   {RoleCommander},
	ActReadObs:      {RoleCommander, RoleDistrict, RoleCommittee, RoleDetention},
	ActCheckObs:     {RoleCommander, RoleDistrict, RoleCommittee, RoleDetention},
	ActPlaceObs:     {RoleCommander, RoleDistrict},
	ActReadSites:    {RoleCommander, RoleDistrict},
	ActManageSites:  {RoleCommander, RoleAdmin},
	ActTeach:        {RoleCommander, RoleAdmin},
	ActAdminUsers:   {RoleAdmin},
	ActAdminUnits:   {RoleAdmin},
	ActReadUnits:    {RoleCommander, RoleDistrict, RoleAnalyst, RoleAuditor, RoleAdmin},
	ActReadAudit:    {RoleAuditor},
	ActDashboard:    {RoleCommander, RoleDistrict, RoleAnalyst},
	ActReport:       {RoleCommander, RoleDistrict, RoleAnalyst},
	ActExactCounts:  {RoleCommander, RoleDistrict, RoleStation, RoleCommittee, RoleCheckpoint, RoleAuditor, RoleAdmin, RoleDesk, RoleDepartment, RoleDetention},
	ActReadCommand:  {RoleCommander, RoleDistrict, RoleStation, RoleCommittee, RoleCheckpoint, RoleAnalyst, RoleAuditor, RoleAdmin, RoleDetention},
	ActManageRoster: {RoleCommander, RoleDistrict, RoleAdmin},
	ActCheckIn:      {RoleCommander, RoleDistrict, RoleStation, RoleCommittee, RoleCheckpoint, RoleAnalyst, RoleAuditor, RoleAdmin, RoleDetention},
	ActReadNotices:  {RoleAuditor, RoleAdmin},

	ActReadPlaces:         {RoleCommander, RoleDistrict, RoleStation, RoleCommittee, RoleAdmin},
	ActManagePlaces:       {RoleCommander, RoleDistrict, RoleAdmin},
	ActInspect:            {RoleCommander, RoleDistrict, RoleStation, RoleCommittee},
	ActRectify:            {RoleStation, RoleCommittee},
	ActReadDeployments:    {RoleCommander, RoleDistrict, RoleStation},
	ActDeploy:             {RoleCommander, RoleDistrict, RoleStation},
	ActApproveDeploy:      {RoleCommander, RoleDistrict},
	ActReadPatrols:        {RoleCommander, RoleDistrict, RoleStation, RoleAnalyst},
	ActReadPatrolLogs:     {RoleCommander, RoleDistrict, RoleStation},
	ActLogPatrol:          {RoleCommander, RoleDistrict, RoleStation},
	ActEnterIncidents:     {RoleCommander, RoleDistrict},
	ActMergePersons:       {RoleCommander},
	ActReadVolunteers:     {RoleCommander, RoleDistrict, RoleStation, RoleCommittee},
	ActRegisterVolunteers: {RoleStation, RoleCommittee},
	ActVetVolunteers:      {RoleStation},
	ActAssignVolunteers:   {RoleCommander, RoleDistrict, RoleStation, RoleCommittee},

	ActReadDesk:          {RoleCommander, RoleDesk, RoleDepartment},
	ActDeskIntake:        {RoleCommander, RoleDesk},
	ActHandleDesk:        {RoleCommander, RoleDepartment},
	ActManageDesk:        {RoleCommander, RoleDesk},
	ActRevealDesk:        {RoleCommander, RoleDesk, RoleDepartment},
	ActReadCases:         {RoleCommander, RoleDistrict, RoleStation},
	ActManageCases:       {RoleCommander, RoleDistrict, RoleStation},
	ActRevealSuspects:    {RoleCommander, RoleStation},
	ActCaseFigures:       {RoleCommander, RoleDistrict, RoleAnalyst},
	ActReadDetention:     {RoleCommander, RoleDistrict, RoleDetention},
	ActReadDetainees:     {RoleCommander, RoleDetention},
	ActAdmitDetainee:     {RoleCommander, RoleDetention},
	ActOverrideIsolation: {RoleCommander, RoleDistrict},
	ActRotateStaff:       {RoleCommander, RoleDetention},
	ActRevealDetainee:    {RoleCommander, RoleDetention},
	ActManageDetention:   {RoleCommander, RoleDistrict},
	ActReadXCity:         {RoleCommander, RoleDistrict},
	ActDecideXCity:       {RoleCommander},
	ActXCityLetter:       {RoleCommander},
	ActReadPeers:         {RoleCommander, RoleAdmin},
}

// Actions lists the actions of the table, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(permissions))
	for a := range permissions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// RolesFor returns the roles granted a: every role for ActPublic and
// ActSignedIn, none for an action the table does not know.
func RolesFor(a Action) []Role {
	if a == ActPublic || a == ActSignedIn {
		return slices.Clone(Roles)
	}
	return slices.Clone(permissions[a])
}

// KnownAction reports whether a is an action of the table (or public or
// signed-in).
func KnownAction(a Action) bool {
	_, ok := permissions[a]
	return ok || a == ActPublic || a == ActSignedIn
}

// Can reports whether u's role is granted a. A nil user can do only what
// is public.
func (u *User) Can(a Action) bool {
	switch {
	case a == ActPublic:
		return true
	case u == nil || u.Disabled:
		return false
	case a == ActSignedIn:
		return true
	}
	return slices.Contains(permissions[a], u.Role)
}

// Privileged reports whether a role is one whose grant is a privileged
// change, audited as such (AuditPrivilege): it commands, reads the audit
// trail, or manages the accounts.
func (r Role) Privileged() bool {
	return r == RoleCommander || r == RoleDistrict || r == RoleAuditor || r == RoleAdmin
}

// GrantAction is the audit action of an account change from role before
// to role after ("" for a new account): AuditPrivilege when it grants a
// privileged role the account did not hold, else AuditAdmin.
func GrantAction(before, after Role) string {
	if after.Privileged() && after != before {
		return AuditPrivilege
	}
	return AuditAdmin
}

// Visibility of a lead to a field unit: a unit reads a lead while it holds
// a live task on it — a task of the current round, not returned or
// cancelled — and for UnitReadGrace after the lead closed (to look back at
// what it reported); it reveals the identity only while the lead is open.
// A unit whose task was returned, or cancelled by a re-route, loses the
// lead at once.
const UnitReadGrace = 24 * time.Hour

// AccessTaskStatuses are the statuses of a task that grant its unit
// access to the lead (in the current round).
var AccessTaskStatuses = []TaskStatus{TaskPushed, TaskAccepted, TaskSubmitted}

// unitAccess reports whether unit may read l at now, and reveal it.
func (l *Lead) unitAccess(unit string, now time.Time) (read, reveal bool) {
	for _, t := range l.Tasks {
		if t.UnitCode != unit || t.Round != l.Round || !slices.Contains(AccessTaskStatuses, t.Status) {
			continue
		}
		if l.Status.Open() {
			return true, true
		}
		return l.ClosedAt != nil && now.Sub(*l.ClosedAt) < UnitReadGrace, false
	}
	return false, false
}

// LeadVisible reports whether u may see lead l at now: everything for a
// city-wide reader, its district for a district commander, and for a unit
// the leads it holds a live task on (see UnitReadGrace).
func LeadVisible(u *User, l *Lead, now time.Time) bool {
	if !u.Can(ActReadLeads) {
		return false
	}
	return inScope(u.Scope(), l.DistrictCode, func(unit string) bool {
		read, _ := l.unitAccess(unit, now)
		return read
	})
}

// inScope reports whether a record of district is in scope s: every
// record for the city, the district's for a district, and for a unit those
// unitHolds grants it. The zero scope holds nothing.
func inScope(s Scope, district string, unitHolds func(unit string) bool) bool {
	switch {
	case s.All:
		return true
	case s.District != "":
		return district == s.District
	case s.Unit != "":
		return unitHolds(s.Unit)
	}
	return false
}

// LeadRevealable reports whether u may unmask l's identity at now:
// commanders, and the units holding a live task on the open lead (they
// must find the person). Even they see it masked until they reveal it for
// a purpose.
func LeadRevealable(u *User, l *Lead, now time.Time) bool {
	if !u.Can(ActReveal) || !LeadVisible(u, l, now) {
		return false
	}
	if u.Scope().All {
		return true
	}
	_, reveal := l.unitAccess(u.UnitCode, now)
	return reveal
}

// CheckpointVisible reports whether u may read ck's screenings: its own
// officers, and readers of screenings whose scope holds its district.
func CheckpointVisible(u *User, ck *Checkpoint) bool {
	if !u.Can(ActReadScreen) {
		return false
	}
	return inScope(u.Scope(), ck.DistrictCode, func(unit string) bool { return unit == ck.Code })
}

// MayScreenAt reports whether u may register crossings at ck: its own
// officers, and city-wide screeners.
func MayScreenAt(u *User, ck *Checkpoint) bool {
	return u.Can(ActScreen) && CheckpointVisible(u, ck)
}

// ObservationVisible reports whether u may see plan o: city-wide readers,
// the plan's district, and its responsible unit.
func ObservationVisible(u *User, o *Observation) bool {
	if !u.Can(ActReadObs) {
		return false
	}
	return inScope(u.Scope(), o.DistrictCode, func(unit string) bool { return unit == o.UnitCode })
}

// MayCheckObservation reports whether u may check, release or transfer o.
func MayCheckObservation(u *User, o *Observation) bool {
	return u.Can(ActCheckObs) && ObservationVisible(u, o)
}
