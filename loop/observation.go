package loop

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// ObservationConfig sets the observation rules. Zero values take the
// defaults.
type ObservationConfig struct {
	// Durations is the length in days of each kind of plan; kinds not
	// listed take epiloop.DefaultObservationDurations.
	Durations epiloop.ObservationDurations
	// CheckBy is when each day's check is due, counted from the start of
	// the civil day: by default 24 h, the end of the day.
	CheckBy time.Duration
}

// duration returns the length in days of a kind of plan.
func (c ObservationConfig) duration(k epiloop.ObservationKind) int {
	if d, ok := c.Durations[k]; ok && d > 0 {
		return d
	}
	return epiloop.DefaultObservationDurations()[k]
}

// deadline returns when the check of a civil day is due.
func (c ObservationConfig) deadline(date string) time.Time {
	by := c.CheckBy
	if by <= 0 {
		by = 24 * time.Hour
	}
	return epiloop.CivilMidnight(date).Add(by)
}

// obsChange is one transaction's edit of one plan, like change for a lead:
// save writes the plan, its events and its counter deltas together.
type obsChange struct {
	tx      epiloop.Tx
	now     time.Time
	user    *epiloop.User // nil for the system (escalation)
	o       *epiloop.Observation
	before  []epiloop.CounterKey
	created bool
	events  []obsEvent
}

type obsEvent struct {
	kind string
	data map[string]any
}

func (c *obsChange) emit(kind string, data map[string]any) {
	c.events = append(c.events, obsEvent{kind, data})
}

func (c *obsChange) save() error {
	o := c.o
	o.UpdatedAt = c.now
	if c.created {
		o.CreatedAt = c.now
		if err := c.tx.CreateObservation(o); err != nil {
			return err
		}
	} else if err := c.tx.UpdateObservation(o); err != nil {
		return err
	}
	var actor int64
	if c.user != nil {
		actor = c.user.ID
	}
	kinds := make([]string, 0, len(c.events))
	for _, e := range c.events {
		kinds = append(kinds, e.kind)
		if err := c.tx.CreateEvent(epiloop.NewObservationEvent(e.kind, o, c.now, actor, e.data)); err != nil {
			return err
		}
	}
	if err := c.tx.AddStatCounters(epiloop.CounterDiff(c.before, epiloop.ObservationContribution(o))); err != nil {
		return err
	}
	a := epiloop.NewAuditEntry(c.user, epiloop.AuditChange, observationObject(o.ID), c.now)
	a.Detail = strings.Join(kinds, ",")
	return c.tx.AppendAudit(a)
}

func observationObject(id int64) string { return fmt.Sprintf("observation:%d", id) }

// startObservation starts the observation plan of a lead that has just
// closed with home observation or central isolation, in the lead's
// transaction. The plan starts on the arrival date when known (as the
// units confirmed it, else as reported), else on the day of verification.
// Home observation is the community committee's; central isolation the
// named site's, unless the site is unknown or full: then the plan waits,
// pending, for a commander to place it.
func (s *Service) startObservation(c *change) error {
	l := c.lead
	if l.Status != epiloop.LeadClosed || l.Outcome == nil {
		return nil
	}
	var kind epiloop.ObservationKind
	switch l.Outcome.Measure {
	case epiloop.MeasureHomeObservation:
		kind = epiloop.ObservationHome
	case epiloop.MeasureCentralIsolation:
		kind = epiloop.ObservationCentral
	default:
		return nil
	}
	start := epiloop.CivilDate(c.now)
	for _, d := range []string{l.Outcome.ArrivalDate, l.Reason.ArrivalDate} {
		if d != "" && epiloop.AddDays(d, 0) != "" {
			start = d
			break
		}
	}
	o := &epiloop.Observation{
		LeadID: l.ID, Person: l.Person, Kind: kind, Status: epiloop.ObservationPending,
		Start: start, End: epiloop.AddDays(start, s.Observation.duration(kind)), DistrictCode: l.DistrictCode,
	}
	oc := &obsChange{tx: c.tx, now: c.now, user: c.user, o: o, created: true}
	if kind == epiloop.ObservationHome {
		o.UnitCode = epiloop.CommitteeCode(l.CommunityCode)
		if t := l.LiveTask(epiloop.UnitCommittee); t != nil {
			o.UnitCode = t.UnitCode
		}
		s.activate(oc)
		oc.emit(epiloop.EventObservationStarted, map[string]any{"kind": kind, "start": o.Start, "end": o.End})
		return oc.save()
	}
	o.Site = l.Outcome.Site
	site, err := findSite(c.tx, o.Site)
	switch {
	case err != nil:
		return err
	case site == nil:
		oc.emit(epiloop.EventObservationPending, map[string]any{"reason": "site_unknown", "urgent": true})
	case site.Occupancy >= site.Capacity:
		oc.emit(epiloop.EventObservationPending, map[string]any{"reason": "site_full", "site": site.Code, "urgent": true})
	default:
		o.UnitCode, o.DistrictCode = site.Code, site.DistrictCode
		s.activate(oc)
		oc.emit(epiloop.EventObservationStarted, map[string]any{"kind": kind, "start": o.Start, "end": o.End, "site": site.Code})
	}
	return oc.save()
}

// activate makes a plan active and schedules its first check: the start
// day, or today for a plan that started before it was made.
func (s *Service) activate(oc *obsChange) {
	o := oc.o
	o.Status = epiloop.ObservationActive
	first := max(o.Start, epiloop.CivilDate(oc.now))
	s.scheduleCheck(o, first)
}

// scheduleCheck makes day the next check the escalation watches, or none
// once day is past the plan's last day.
func (s *Service) scheduleCheck(o *epiloop.Observation, day string) {
	if day > o.LastDay() {
		o.CheckDue, o.EscalateAt = "", time.Time{}
		return
	}
	o.CheckDue, o.EscalateAt = day, s.Observation.deadline(day)
}

// findSite finds a site by code or by name as the units wrote it, locked
// for the placement; nil when none matches.
func findSite(tx epiloop.Tx, text string) (*epiloop.Site, error) {
	text = epiloop.NormalizeSpace(text)
	if text == "" {
		return nil, nil
	}
	sites, err := tx.FindSites(nil)
	if err != nil {
		return nil, err
	}
	for _, st := range sites {
		if st.Code == text || epiloop.NormalizeSpace(st.Name) == text {
			return tx.FindSiteByCode(st.Code, true)
		}
	}
	return nil, nil
}

func observationNotFound() error {
	return epiloop.Errorf(epiloop.ENOTFOUND, "err.observation_not_found")
}

// updateObservation runs a plan workflow in one transaction: the plan
// must be visible to the caller (else not found) and theirs to act on
// (else forbidden).
func (s *Service) updateObservation(ctx context.Context, id int64, fn func(oc *obsChange) error) (*epiloop.Observation, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActCheckObs) {
		return nil, forbidden()
	}
	var out *epiloop.Observation
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		o, err := tx.FindObservationByID(id, true)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || (err == nil && !epiloop.ObservationVisible(u, o)) {
			return observationNotFound()
		} else if err != nil {
			return err
		}
		if !epiloop.MayCheckObservation(u, o) {
			return forbidden()
		}
		oc := &obsChange{tx: tx, now: s.now(), user: u, o: o, before: epiloop.ObservationContribution(o)}
		if err := fn(oc); err != nil {
			return err
		}
		out = o
		return oc.save()
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	presentObservation(out)
	return out, nil
}

// presentObservation masks the identity, as for leads: those who may see
// it reveal it through the plan's lead, audited.
func presentObservation(o *epiloop.Observation) {
	o.Person = o.Person.Masked()
}

// CheckInput is one daily check as the unit reports it.
type CheckInput struct {
	Temperature *float64
	Symptoms    bool
	Present     *bool
	Note        string
}

// SubmitCheck records today's check of an active plan. A fever or
// symptoms raise an urgent alert to the district and headquarters and
// propose transfer to hospital; an absence raises an alert. A normal check
// on the last day, after normal checks on the day before, proposes
// release.
func (s *Service) SubmitCheck(ctx context.Context, id int64, in CheckInput) (*epiloop.Observation, error) {
	switch {
	case in.Temperature == nil:
		return nil, epiloop.FieldError("temperature", "err.temperature_required")
	case in.Present == nil:
		return nil, epiloop.FieldError("present", "err.present_required_true_or_false")
	}
	check := epiloop.ObservationCheck{Temperature: *in.Temperature, Symptoms: in.Symptoms, Present: *in.Present, Note: in.Note}
	if err := check.Validate(); err != nil {
		return nil, err
	}
	return s.updateObservation(ctx, id, func(oc *obsChange) error {
		o := oc.o
		if o.Status != epiloop.ObservationActive {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.only_active_observation_takes_checks", o.Status)
		}
		today := epiloop.CivilDate(oc.now)
		c := check
		c.ObservationID, c.Date, c.Time, c.By = o.ID, today, oc.now, oc.user.ID
		if err := oc.tx.CreateObservationCheck(&c); err != nil {
			return err
		}
		o.LastCheck, o.Overdue = today, false
		oc.emit(epiloop.EventObservationChecked, map[string]any{"day": o.Day(today), "normal": c.Normal()})
		if c.Alarming() {
			o.Proposal = epiloop.ProposeTransfer
			oc.emit(epiloop.EventObservationAlert, map[string]any{"urgent": true, "fever": c.Temperature >= epiloop.FeverThreshold,
				"symptoms": c.Symptoms, "proposal": o.Proposal})
		}
		if !c.Present {
			oc.emit(epiloop.EventObservationAbsent, map[string]any{"urgent": true, "day": o.Day(today)})
		}
		if c.Normal() && today >= o.LastDay() && o.Proposal != epiloop.ProposeRelease {
			checks, err := oc.tx.FindObservationChecks(o.ID)
			if err != nil {
				return err
			}
			if lastChecksNormal(checks, epiloop.AddDays(o.LastDay(), -1)) {
				o.Proposal = epiloop.ProposeRelease
				oc.emit(epiloop.EventObservationReleaseProposed, map[string]any{"day": o.Day(today)})
			}
		}
		if o.CheckDue == today {
			s.scheduleCheck(o, epiloop.AddDays(today, 1))
		}
		return nil
	})
}

// lastChecksNormal reports whether every check since day was normal.
func lastChecksNormal(checks []*epiloop.ObservationCheck, since string) bool {
	for _, c := range checks {
		if c.Date >= since && !c.Normal() {
			return false
		}
	}
	return true
}

// ReleaseObservation ends a plan with release: the unit confirms the
// proposed release, or ends the plan early, which needs a reason.
func (s *Service) ReleaseObservation(ctx context.Context, id int64, reason string) (*epiloop.Observation, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > epiloop.MaxReasonBytes {
		return nil, epiloop.FieldError("reason", "err.reason_too_long", epiloop.MaxReasonBytes)
	}
	return s.updateObservation(ctx, id, func(oc *obsChange) error {
		o := oc.o
		if !o.Status.Open() {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.observation_already_ended_status_0", o.Status)
		}
		early := o.Proposal != epiloop.ProposeRelease && epiloop.CivilDate(oc.now) < o.End
		if early && reason == "" {
			return epiloop.FieldError("reason", "err.ending_observation_before_its_release")
		}
		s.end(oc, epiloop.ObservationReleased, reason)
		oc.emit(epiloop.EventObservationReleased, map[string]any{"early": early, "day": o.Day(epiloop.CivilDate(oc.now))})
		return nil
	})
}

// TransferObservation ends a plan with the person's transfer to hospital.
func (s *Service) TransferObservation(ctx context.Context, id int64, hospital, note string) (*epiloop.Observation, error) {
	hospital, note = epiloop.NormalizeSpace(hospital), strings.TrimSpace(note)
	switch {
	case hospital == "" || len(hospital) > 200:
		return nil, epiloop.FieldError("hospital", "err.hospital_required_at_most_200")
	case len(note) > epiloop.MaxReasonBytes:
		return nil, epiloop.FieldError("note", "err.note_too_long", epiloop.MaxReasonBytes)
	}
	return s.updateObservation(ctx, id, func(oc *obsChange) error {
		o := oc.o
		if !o.Status.Open() {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.observation_already_ended_status_0", o.Status)
		}
		o.Hospital = hospital
		s.end(oc, epiloop.ObservationTransferred, note)
		oc.emit(epiloop.EventObservationTransferred, map[string]any{"hospital": hospital})
		return nil
	})
}

func (s *Service) end(oc *obsChange, status epiloop.ObservationStatus, reason string) {
	o, now := oc.o, oc.now
	o.Status, o.EndReason, o.EndedAt = status, reason, &now
	o.CheckDue, o.EscalateAt, o.Overdue = "", time.Time{}, false
}

// PlaceObservation places a central plan at a site: a pending plan starts
// there, an active one moves. A full site takes it only with override,
// which the plan records. Commanders and the plan's district commander
// only.
func (s *Service) PlaceObservation(ctx context.Context, id int64, site string, override bool) (*epiloop.Observation, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(site) == "" {
		return nil, epiloop.FieldError("site", "err.site_required_site_code_or")
	}
	return s.updateObservation(ctx, id, func(oc *obsChange) error {
		o := oc.o
		if !u.Can(epiloop.ActPlaceObs) {
			return forbidden()
		}
		if !o.Status.Open() {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.observation_already_ended_status_0", o.Status)
		}
		st, err := findSite(oc.tx, site)
		if err != nil {
			return err
		} else if st == nil {
			return epiloop.FieldError("site", "err.unknown_site")
		}
		occupancy := st.Occupancy
		if o.Status == epiloop.ObservationActive && o.UnitCode == st.Code {
			occupancy-- // already counted there
		}
		full := occupancy >= st.Capacity
		if full && !override {
			return epiloop.Errorf(epiloop.ECONFLICT, "err.site_full_0_1_place", st.Occupancy, st.Capacity)
		}
		o.Kind = epiloop.ObservationCentral
		o.UnitCode, o.DistrictCode, o.Site, o.Override = st.Code, st.DistrictCode, st.Name, full
		if o.Status == epiloop.ObservationPending {
			s.activate(oc)
		}
		oc.emit(epiloop.EventObservationPlaced, map[string]any{"site": st.Code, "override": full})
		return nil
	})
}

// EscalateObservations records every missed daily check whose deadline
// has passed: once per plan and day (the store keeps which), so running it
// again, after a restart or on another replica, escalates nothing twice.
// The plan is overdue until its next check. It returns the number of
// escalations made.
func (s *Service) EscalateObservations(ctx context.Context) (int, error) {
	total := 0
	for {
		// A plan that missed several days advances one day a pass.
		n, due, err := s.escalateObservationBatch(ctx, 200)
		total += n
		if err != nil || due == 0 {
			if total > 0 {
				s.notify()
			}
			return total, err
		}
	}
}

func (s *Service) escalateObservationBatch(ctx context.Context, limit int) (n, due int, err error) {
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		n = 0
		now := s.now()
		plans, err := tx.FindDueObservations(now, limit)
		if err != nil {
			return err
		}
		due = len(plans)
		for _, p := range plans {
			ok, err := s.escalateObservation(tx, p.ID, now)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, due, err
}

func (s *Service) escalateObservation(tx epiloop.Tx, id int64, now time.Time) (bool, error) {
	o, err := tx.FindObservationByID(id, true)
	if err != nil {
		return false, err
	}
	if o.Status != epiloop.ObservationActive || o.EscalateAt.IsZero() || o.EscalateAt.After(now) {
		return false, nil // checked or ended since it was found
	}
	oc := &obsChange{tx: tx, now: now, o: o, before: epiloop.ObservationContribution(o)}
	day := o.CheckDue
	checks, err := tx.FindObservationChecks(o.ID)
	if err != nil {
		return false, err
	}
	inserted := false
	if !checkedOn(checks, day) {
		if inserted, err = tx.CreateObservationEscalation(o.ID, day, now); err != nil {
			return false, err
		}
		if inserted {
			o.Missed++
			o.Overdue = true
			oc.emit(epiloop.EventObservationOverdue, map[string]any{"date": day, "day": o.Day(day), "unit": o.UnitCode})
		}
	}
	s.scheduleCheck(o, epiloop.AddDays(day, 1))
	return inserted, oc.save()
}

func checkedOn(checks []*epiloop.ObservationCheck, day string) bool {
	for _, c := range checks {
		if c.Date == day {
			return true
		}
	}
	return false
}

// ObservationView is a plan with its checks.
type ObservationView struct {
	*epiloop.Observation
	Checks []*epiloop.ObservationCheck `json:"checks"`
}

// FindObservation returns a plan the caller may see, with its checks.
func (s *Service) FindObservation(ctx context.Context, id int64) (*ObservationView, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActReadObs) {
		return nil, forbidden()
	}
	v := &ObservationView{}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		o, err := tx.FindObservationByID(id, false)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || (err == nil && !epiloop.ObservationVisible(u, o)) {
			return observationNotFound()
		} else if err != nil {
			return err
		}
		v.Observation = o
		v.Checks, err = tx.FindObservationChecks(id)
		return err
	})
	if err != nil {
		return nil, err
	}
	presentObservation(v.Observation)
	return v, s.auditRead(ctx, u, observationObject(id), "")
}

// FindObservations returns one page of the plans in the caller's
// jurisdiction.
func (s *Service) FindObservations(ctx context.Context, f epiloop.ObservationFilter) ([]*epiloop.Observation, int, error) {
	return readList(ctx, s, epiloop.ActReadObs, "observations", func(tx epiloop.Tx, u *epiloop.User) ([]*epiloop.Observation, int, error) {
		f.Scope = u.Scope()
		return tx.FindObservations(f)
	}, func(_ *epiloop.User, o *epiloop.Observation) { presentObservation(o) })
}

// ObservationStats is the observation population of a jurisdiction and
// the occupancy of its sites.
type ObservationStats struct {
	Counts map[string]int64 `json:"counts"`
	Sites  []epiloop.Site   `json:"sites"`
}

// StatsOfObservations returns the observation counts of the caller's
// jurisdiction, read from the counters kept with every change, and the
// sites in it.
func (s *Service) StatsOfObservations(ctx context.Context) (*ObservationStats, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	out := &ObservationStats{Counts: map[string]int64{}}
	scope := u.Scope()
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		m, err := tx.FindStatCounters(epiloop.ObservationScope(scope))
		if err != nil {
			return err
		}
		for _, k := range epiloop.ObservationMetrics {
			out.Counts[k] = u.Count(m[k])
		}
		out.Sites, err = visibleSites(tx, u)
		return err
	})
	return out, err
}

// visibleSites returns the sites of u's scope, their occupancy as u may
// see it.
func visibleSites(tx epiloop.Tx, u *epiloop.User) ([]epiloop.Site, error) {
	sites, err := scopeSites(tx, u.Scope())
	for i := range sites {
		sites[i].Occupancy = int(u.Count(int64(sites[i].Occupancy)))
	}
	return sites, err
}

func scopeSites(tx epiloop.Tx, scope epiloop.Scope) ([]epiloop.Site, error) {
	var district *string
	if scope.District != "" {
		district = &scope.District
	}
	sites, err := tx.FindSites(district)
	if err != nil || scope.All || scope.District != "" {
		return sites, err
	}
	var out []epiloop.Site
	for _, st := range sites {
		if st.Code == scope.Unit {
			out = append(out, st)
		}
	}
	return out, nil
}

// FindSites returns the isolation sites of the caller's jurisdiction with
// their occupancy.
func (s *Service) FindSites(ctx context.Context) ([]epiloop.Site, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var out []epiloop.Site
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, err = visibleSites(tx, u)
		return err
	})
	return out, err
}

// SaveSites creates or updates isolation sites and their units. Admins
// and commanders only.
func (s *Service) SaveSites(ctx context.Context, ss []epiloop.Site) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if !u.Can(epiloop.ActManageSites) {
		return forbidden()
	}
	for i := range ss {
		if err := ss[i].Validate(); err != nil {
			return err
		}
		if _, ok := s.District(ss[i].DistrictCode); !ok && s.hasTree() {
			return epiloop.FieldError("district", "err.unknown_district")
		}
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		for _, st := range ss {
			if un, err := tx.FindUnitByCode(st.Code); err == nil && un.Kind != epiloop.UnitIsolationSite {
				return epiloop.FieldError("code", "err.code_0_belongs_unit_another", st.Code)
			} else if err != nil && epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				return err
			}
		}
		if err := tx.UpsertSites(ss); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditAdmin, "sites", fmt.Sprintf("%d saved", len(ss)))
	})
}
