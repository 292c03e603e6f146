package loop

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// Bounds on a screening's time: a gate's device clock may run a little
// ahead, and an officer may enter a crossing late, but not weeks late.
const (
	ScreeningFutureSkew = 5 * time.Minute
	ScreeningMaxAge     = 7 * 24 * time.Hour
)

// ScreeningInput is one crossing as the officer at the gate types it.
type ScreeningInput struct {
	// Time is when the crossing happened; zero means now.
	Time      time.Time
	Direction epiloop.Direction
	Plate     string
	Train     string
	Carriage  string
	Occupants []OccupantInput
}

// OccupantInput is one person of a crossing.
type OccupantInput struct {
	Person      epiloop.Person
	Origin      string
	Destination string
	// Temperature is required; nil is reported as missing.
	Temperature *float64
	Symptoms    bool
}

func checkpointNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.checkpoint_not_found") }

// visibleCheckpoint loads a checkpoint u may see; any other is not found.
func (s *Service) visibleCheckpoint(ctx context.Context, u *epiloop.User, code string) (*epiloop.Checkpoint, error) {
	var ck *epiloop.Checkpoint
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		ck, err = tx.FindCheckpointByCode(code)
		return err
	})
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || (err == nil && !epiloop.CheckpointVisible(u, ck)) {
		return nil, checkpointNotFound()
	}
	return ck, err
}

// Screen registers one crossing at checkpoint code and applies the rules
// to each occupant: fever, symptoms or arrival from a risk area inside its
// watch window make the occupant a lead (merged into the person's open
// lead if there is one), routed by the destination address through the
// loop; everyone else is released. The screening, its leads, their events
// and the counters are written in one transaction: nothing is saved
// half-way. The decisions are taken against the risk areas in force in
// that transaction, whose version the screening keeps.
func (s *Service) Screen(ctx context.Context, code string, in ScreeningInput) (*epiloop.Screening, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActScreen) {
		return nil, forbidden()
	}
	ck, err := s.visibleCheckpoint(ctx, u, code)
	if err != nil {
		return nil, err
	}
	if !epiloop.MayScreenAt(u, ck) {
		return nil, forbidden()
	}
	sc, err := s.newScreening(ck, in)
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		err = s.Store.Update(ctx, func(tx epiloop.Tx) error { return s.screenTx(tx, u, ck, sc) })
		// As in CreateLead: a new person racing on another replica makes
		// the loser's lead a merge on retry.
		if epiloop.ErrorCode(err) != epiloop.ECONFLICT || attempt == 2 {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	s.notify()
	return sc, nil
}

// newScreening validates the input into a screening; errors name the
// field as the API spells it.
func (s *Service) newScreening(ck *epiloop.Checkpoint, in ScreeningInput) (*epiloop.Screening, error) {
	now := s.now()
	t := in.Time
	switch {
	case t.IsZero():
		t = now
	case t.After(now.Add(ScreeningFutureSkew)):
		return nil, epiloop.FieldError("time", "err.time_in_future")
	case t.Before(now.Add(-ScreeningMaxAge)):
		return nil, epiloop.FieldError("time", "err.time_more_than_seven_days")
	}
	sc := &epiloop.Screening{
		CheckpointCode: ck.Code, DistrictCode: ck.DistrictCode, Time: t.UTC().Truncate(time.Millisecond),
		Direction: in.Direction, Plate: in.Plate, Train: in.Train, Carriage: in.Carriage,
	}
	for i, oi := range in.Occupants {
		if oi.Temperature == nil {
			return nil, epiloop.FieldError(fmt.Sprintf("occupants[%d].temperature", i), "err.temperature_required")
		}
		sc.Occupants = append(sc.Occupants, &epiloop.Occupant{
			Person: oi.Person, Origin: oi.Origin, Destination: oi.Destination,
			Temperature: *oi.Temperature, Symptoms: oi.Symptoms,
		})
	}
	if err := sc.Normalize(); err != nil {
		return nil, err
	}
	if s.Regions == nil {
		return sc, nil
	}
	for i, o := range sc.Occupants {
		code, ok := s.Regions.LookupCode(o.Origin)
		if !ok {
			return nil, epiloop.ReasonError(fmt.Sprintf("occupants[%d].origin", i), "origin_unknown")
		}
		o.Origin = code
	}
	return sc, nil
}

// screenTx decides, saves the screening and raises its leads. It may run
// more than once: it sets every field it decides.
func (s *Service) screenTx(tx epiloop.Tx, u *epiloop.User, ck *epiloop.Checkpoint, sc *epiloop.Screening) error {
	set, err := tx.FindRiskAreas(0)
	if err != nil {
		return err
	}
	sc.ID, sc.RiskVersion, sc.CreatedAt, sc.CreatedBy = 0, set.Version, s.now(), u.ID
	areas := make([]*epiloop.RiskArea, len(sc.Occupants))
	for i, o := range sc.Occupants {
		o.Decision, areas[i] = epiloop.Decide(o, sc.Direction, set, sc.Time)
		o.RiskArea, o.LeadID = 0, 0
		if areas[i] != nil {
			o.RiskArea = areas[i].Version
		}
	}
	if err := tx.CreateScreening(sc); err != nil {
		return err
	}
	raised := 0
	for i, o := range sc.Occupants {
		if o.Decision == epiloop.DecisionRelease {
			continue
		}
		in := occupantLead(ck, sc, o, areas[i])
		if err := s.validateLeadInput(&in); err != nil {
			return err
		}
		prio := epiloop.PriorityOf(in.Reason, areas[i] != nil || o.Symptoms)
		id, _, err := s.createLeadTx(tx, u, &in, prio, s.route(in.Address).Community)
		if err != nil {
			return err
		}
		o.LeadID = id
		raised++
		if err := tx.SetOccupantLead(sc.ID, o.Seq, id); err != nil {
			return err
		}
	}
	if err := tx.AddStatCounters(epiloop.ScreeningContribution(sc)); err != nil {
		return err
	}
	if err := s.audit(tx, u, epiloop.AuditChange, screeningObject(sc.ID),
		fmt.Sprintf("%s, %d persons, %d leads", epiloop.EventScreeningCreated, len(sc.Occupants), raised)); err != nil {
		return err
	}
	return tx.CreateEvent(&epiloop.Event{
		Time: sc.CreatedAt, Kind: epiloop.EventScreeningCreated, ActorID: u.ID,
		District: ck.DistrictCode, Units: []string{ck.Code},
		Data: mustJSON(map[string]any{"screening": sc.ID, "checkpoint": ck.Code, "persons": len(sc.Occupants),
			"leads": raised, "vehicle": sc.Plate != "", "risk_version": sc.RiskVersion}),
	})
}

// occupantLead is the report an occupant becomes: source checkpoint with
// the screening as its lineage, arriving on the day of the crossing.
func occupantLead(ck *epiloop.Checkpoint, sc *epiloop.Screening, o *epiloop.Occupant, area *epiloop.RiskArea) LeadInput {
	// The note is stored with the lead, in the headquarters' language.
	lang := epiloop.Langs[0]
	var why []string
	if o.Fever() {
		why = append(why, epiloop.T(lang, "note.checkpoint.fever", strconv.FormatFloat(o.Temperature, 'f', 1, 64)))
	}
	if o.Symptoms {
		why = append(why, epiloop.T(lang, "note.checkpoint.symptoms"))
	}
	if area != nil {
		why = append(why, epiloop.T(lang, "note.checkpoint.risk", area.Code, area.Level))
	}
	return LeadInput{
		Person:  o.Person,
		Address: o.Destination,
		Source:  epiloop.Source{Kind: epiloop.SourceCheckpoint, Ref: fmt.Sprintf("%d/%s", sc.ID, ck.Code)},
		Reason: epiloop.Reason{
			Origin:      o.Origin,
			ArrivalDate: epiloop.CivilDate(sc.Time),
			Fever:       o.Fever(),
			Note:        epiloop.T(lang, "note.checkpoint", ck.Name, strings.Join(why, epiloop.T(lang, "note.sep"))),
		},
	}
}

func screeningObject(id int64) string { return fmt.Sprintf("screening:%d", id) }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// FindCheckpoints returns one page of the checkpoints in the caller's
// jurisdiction (a checkpoint officer sees their own).
func (s *Service) FindCheckpoints(ctx context.Context, f epiloop.CheckpointFilter) ([]epiloop.Checkpoint, int, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	f.Scope = u.Scope()
	var (
		out   []epiloop.Checkpoint
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindCheckpoints(f)
		return err
	})
	return out, total, err
}

// SaveCheckpoints creates or updates checkpoints and their units. Admins
// and commanders only.
func (s *Service) SaveCheckpoints(ctx context.Context, cs []epiloop.Checkpoint) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if !u.Can(epiloop.ActManageCheck) {
		return forbidden()
	}
	for i := range cs {
		if err := cs[i].Validate(); err != nil {
			return err
		}
		if _, ok := s.District(cs[i].DistrictCode); !ok && s.hasTree() {
			return epiloop.FieldError("district", "err.unknown_district")
		}
	}
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		for _, c := range cs {
			if un, err := tx.FindUnitByCode(c.Code); err == nil && un.Kind != epiloop.UnitCheckpoint {
				return epiloop.FieldError("code", "err.code_0_belongs_unit_another", c.Code)
			} else if err != nil && epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
				return err
			}
		}
		if err := tx.UpsertCheckpoints(cs); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditAdmin, "checkpoints", fmt.Sprintf("%d saved", len(cs)))
	})
}

// hasTree reports whether a jurisdiction tree is loaded.
func (s *Service) hasTree() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.districts) > 0
}

// FindScreenings returns one page of a checkpoint's screenings, newest
// first, identities masked; the read is audited.
func (s *Service) FindScreenings(ctx context.Context, code string, offset, limit int) ([]*epiloop.Screening, int, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.visibleCheckpoint(ctx, u, code); err != nil {
		return nil, 0, err
	}
	var (
		out   []*epiloop.Screening
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindScreenings(epiloop.ScreeningFilter{Checkpoint: &code, Offset: offset, Limit: limit})
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	for _, sc := range out {
		for _, o := range sc.Occupants {
			o.Person = o.Person.Masked()
		}
	}
	return out, total, s.auditRead(ctx, u, "screenings:"+code, fmt.Sprintf("list of %d", len(out)))
}

// CheckpointStats is one checkpoint's counts: totals since it opened and
// its throughput hour by hour on one civil day.
type CheckpointStats struct {
	epiloop.Checkpoint
	// Date is the civil day (China Standard Time) the figures are of.
	Date string `json:"date"`
	// Totals are the day's, summed from its hours; AllTime since the
	// checkpoint opened.
	Totals  map[string]int64 `json:"totals"`
	AllTime map[string]int64 `json:"all_time"`
	Hours   []HourStats      `json:"hours"`
	// LastHour is the persons screened in the last full hour.
	LastHour int64 `json:"last_hour"`
}

// HourStats is one hour of a checkpoint's day.
type HourStats struct {
	Hour       int   `json:"hour"`
	Screenings int64 `json:"screenings"`
	Vehicles   int64 `json:"vehicles"`
	Persons    int64 `json:"persons"`
	Fevers     int64 `json:"fevers"`
	Leads      int64 `json:"leads"`
	Released   int64 `json:"released"`
}

// StatsOfCheckpoints returns the counts of every checkpoint in the
// caller's jurisdiction for a civil day ("" for today), read from the
// counters kept with each screening.
func (s *Service) StatsOfCheckpoints(ctx context.Context, date string) ([]CheckpointStats, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if date == "" {
		date = epiloop.CivilDate(now)
	}
	last := now.Add(-time.Hour).In(epiloop.CivilZone())
	var out []CheckpointStats
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		out = nil
		cks, _, err := tx.FindCheckpoints(epiloop.CheckpointFilter{Scope: u.Scope(), Limit: 1000})
		if err != nil {
			return err
		}
		for _, ck := range cks {
			st := CheckpointStats{Checkpoint: ck, Date: date, Totals: map[string]int64{}, AllTime: map[string]int64{}}
			totals, err := tx.FindStatCounters(epiloop.CheckpointScope(ck.Code))
			if err != nil {
				return err
			}
			day, err := tx.FindStatCounters(epiloop.CheckpointDayScope(ck.Code, date))
			if err != nil {
				return err
			}
			for _, m := range epiloop.CheckpointMetrics {
				st.AllTime[m] = u.Count(totals[m])
				st.Totals[m] = u.Count(epiloop.DayTotal(day, m))
			}
			st.Hours = hoursOf(day, u)
			lastDay, err := tx.FindStatCounters(epiloop.CheckpointDayScope(ck.Code, last.Format(time.DateOnly)))
			if err != nil {
				return err
			}
			st.LastHour = u.Count(lastDay[epiloop.HourMetric(epiloop.MetricPersons, last.Hour())])
			out = append(out, st)
		}
		return nil
	})
	return out, err
}

func hoursOf(day map[string]int64, u *epiloop.User) []HourStats {
	hs := make([]HourStats, 24)
	for h := range hs {
		c := func(m string) int64 { return u.Count(day[epiloop.HourMetric(m, h)]) }
		hs[h] = HourStats{Hour: h, Screenings: c(epiloop.MetricScreenings), Vehicles: c(epiloop.MetricVehicles),
			Persons: c(epiloop.MetricPersons), Fevers: c(epiloop.MetricFevers), Leads: c(epiloop.MetricLeads),
			Released: c(epiloop.MetricReleased)}
	}
	return hs
}

// VerifyStats recomputes the checkpoint and observation counters from the
// screenings and plans and returns the keys whose maintained value differs
// ([maintained, recomputed]).
func (s *Service) VerifyStats(ctx context.Context) (map[epiloop.CounterKey][2]int64, error) {
	var want, got map[epiloop.CounterKey]int64
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		if want, err = recountStats(tx); err != nil {
			return err
		}
		got, err = tx.AllStatCounters()
		return err
	})
	if err != nil {
		return nil, err
	}
	return counterDrift(want, got), nil
}

// recountStats computes the checkpoint and observation counters from the
// screenings and plans.
func recountStats(tx epiloop.Tx) (map[epiloop.CounterKey]int64, error) {
	want := map[epiloop.CounterKey]int64{}
	const page = 1000
	// Page by page down the ID indexes, as recount does.
	for before := int64(0); ; {
		ss, _, err := tx.FindScreenings(epiloop.ScreeningFilter{Before: before, NoCount: true, Limit: page})
		if err != nil {
			return nil, err
		}
		for _, sc := range ss {
			for _, d := range epiloop.ScreeningContribution(sc) {
				want[d.CounterKey] += d.N
			}
		}
		if len(ss) < page {
			break
		}
		before = ss[len(ss)-1].ID
	}
	for before := int64(0); ; {
		os, _, err := tx.FindObservations(epiloop.ObservationFilter{Scope: epiloop.Scope{All: true}, Before: before, NoCount: true, Limit: page})
		if err != nil {
			return nil, err
		}
		for _, o := range os {
			for _, k := range epiloop.ObservationContribution(o) {
				want[k]++
			}
		}
		if len(os) < page {
			break
		}
		before = os[len(os)-1].ID
	}
	// The patrol and sortie day counters (patrol.go).
	if err := recountPatrols(tx, want); err != nil {
		return nil, err
	}
	// The case register's counters (case_figures.go).
	if err := recountCases(tx, want); err != nil {
		return nil, err
	}
	return want, nil
}
