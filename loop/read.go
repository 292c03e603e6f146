package loop

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
)

// present prepares a lead for u: the identity is masked for everyone;
// Reveal shows it, audited.
func present(_ *epiloop.User, l *epiloop.Lead) {
	l.Person = l.Person.Masked()
}

// LeadView is a lead with its timeline.
type LeadView struct {
	*epiloop.Lead
	Timeline []*epiloop.Event `json:"timeline"`
}

// FindLead returns a lead the caller may see; any other is not found.
func (s *Service) FindLead(ctx context.Context, id int64) (*epiloop.Lead, error) {
	v, err := s.FindLeadView(ctx, id, false)
	if err != nil {
		return nil, err
	}
	return v.Lead, nil
}

// FindLeadView returns a lead and, with timeline, its events; the read is
// audited.
func (s *Service) FindLeadView(ctx context.Context, id int64, timeline bool) (*LeadView, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.findLeadView(ctx, u, id, timeline)
	if err != nil {
		return nil, err
	}
	return v, s.auditRead(ctx, u, leadObject(id), "")
}

// loadLead returns the lead a workflow just changed, for its answer: the
// change itself is audited, so the read is not. The caller acted on the
// lead, so it gets the answer (masked) even when the lead has left its
// jurisdiction — a checkpoint's report, a district commander's report of
// someone living in another district, an adjudication that moved it.
func (s *Service) loadLead(ctx context.Context, id int64) (*epiloop.Lead, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var l *epiloop.Lead
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		l, err = tx.FindLeadByID(id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	present(u, l)
	return l, nil
}

func (s *Service) findLeadView(ctx context.Context, u *epiloop.User, id int64, timeline bool) (*LeadView, error) {
	v := &LeadView{}
	var err error
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		l, err := tx.FindLeadByID(id, false)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || (err == nil && !epiloop.LeadVisible(u, l, s.now())) {
			return leadNotFound()
		} else if err != nil {
			return err
		}
		v.Lead = l
		if timeline {
			v.Timeline, err = tx.FindLeadEvents(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	present(u, v.Lead)
	return v, nil
}

// FindLeads returns one page of the leads the caller may see.
func (s *Service) FindLeads(ctx context.Context, f epiloop.LeadFilter) ([]*epiloop.Lead, int, error) {
	return readList(ctx, s, epiloop.ActReadLeads, "leads", func(tx epiloop.Tx, u *epiloop.User) ([]*epiloop.Lead, int, error) {
		f.Scope, f.Now = u.Scope(), s.now()
		// A city's or a district's list, whole or by a counted figure:
		// its total is read from the counters (kept in the same
		// transaction as each change), not counted over its rows.
		if scope, total, ok := f.CountedTotal(); ok {
			m, err := tx.FindCounters(scope)
			if err != nil {
				return nil, 0, err
			}
			n := int(max(total(m), 0))
			f.Total = &n
		}
		return tx.FindLeads(f)
	}, func(u *epiloop.User, l *epiloop.Lead) { present(u, l) })
}

// SearchLeads finds the leads of a person — by full ID number, mobile
// number or full name (epiloop.ParsePersonQuery) — among the leads the
// caller may read, with the filters of f (district, community, status…).
// The lookup goes through blind indexes; the read is audited with the
// query's kind, never its text.
func (s *Service) SearchLeads(ctx context.Context, q string, f epiloop.LeadFilter) ([]*epiloop.Lead, int, error) {
	k, err := epiloop.ParsePersonQuery(q)
	if err != nil {
		return nil, 0, err
	}
	f.Person = &k
	return readList(ctx, s, epiloop.ActReadLeads, "leads:search:"+k.Kind, func(tx epiloop.Tx, u *epiloop.User) ([]*epiloop.Lead, int, error) {
		f.Scope, f.Now = u.Scope(), s.now()
		return tx.FindLeads(f)
	}, func(u *epiloop.User, l *epiloop.Lead) { present(u, l) })
}

// readList is a page read of personal data: for roles granted action, in
// the caller's scope (find applies it), each item presented (masked), the
// read audited under object.
func readList[T any](ctx context.Context, s *Service, action epiloop.Action, object string,
	find func(epiloop.Tx, *epiloop.User) ([]T, int, error), present func(*epiloop.User, T)) ([]T, int, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !u.Can(action) {
		return nil, 0, forbidden()
	}
	var (
		out   []T
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = find(tx, u)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	for _, item := range out {
		present(u, item)
	}
	return out, total, s.auditRead(ctx, u, object, fmt.Sprintf("list of %d", len(out)))
}

// TaskView is a task with the lead it belongs to, as a field unit needs it.
type TaskView struct {
	*epiloop.Task
	Lead *epiloop.Lead `json:"lead"`
}

// FindTasks returns one page of the caller's unit's tasks, open ones by
// deadline first.
func (s *Service) FindTasks(ctx context.Context, f epiloop.TaskFilter) ([]TaskView, int, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !u.Can(epiloop.ActFeedback) {
		return nil, 0, forbidden()
	}
	f.Unit = &u.UnitCode
	if f.Open && f.Status == nil && f.District == nil {
		// The field's inbox: its total is the unit's counter, read with
		// the page, not a count of its backlog.
		f.TotalCounter = &epiloop.CounterKey{Scope: epiloop.UnitScope(u.UnitCode), Metric: epiloop.MetricOpenTasks}
	}
	var (
		out   []TaskView
		total int
	)
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		// The page and its leads in one statement.
		tasks, leads, n, err := tx.FindTasksWithLeads(f)
		if err != nil {
			return err
		}
		total = n
		for i, t := range tasks {
			present(u, leads[i])
			out = append(out, TaskView{Task: t, Lead: leads[i]})
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, s.auditRead(ctx, u, "tasks", fmt.Sprintf("list of %d", len(out)))
}

// Overview returns the funnel counters of the caller's jurisdiction, read
// from the counters maintained with every change.
func (s *Service) Overview(ctx context.Context) (map[string]int64, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.Counters(ctx, epiloop.CounterScope(u.Scope()))
}

// Window figures Counters adds to a scope's metrics: today's (the civil
// day in China Standard Time) received, closed and escalated, from the
// hourly counters the series draws; and the tasks answered and answered
// on time over the last epiloop.OnTimeWindowDays days.
const (
	FigureTodayReceived  = "today_received"
	FigureTodayClosed    = "today_closed"
	FigureTodayEscalated = "today_escalated"
)

// Counters returns every figure of one scope (zero when absent), as the
// caller may see them (User.Count): the metrics of epiloop.Metrics, today's
// figures, and epiloop.MetricAnswered / MetricOnTime over the on-time
// window.
func (s *Service) Counters(ctx context.Context, scope string) (map[string]int64, error) {
	u := epiloop.UserFromContext(ctx)
	out := make(map[string]int64, len(epiloop.Metrics)+5)
	today := s.now().In(epiloop.CivilZone())
	// The scope and each day of the window, in one statement.
	scopes := []string{scope}
	for d := range epiloop.OnTimeWindowDays {
		scopes = append(scopes, epiloop.DayScope(scope, today.AddDate(0, 0, -d).Format(time.DateOnly)))
	}
	var got map[string]map[string]int64
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		got, err = tx.FindCountersOf(scopes)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, k := range epiloop.Metrics {
		out[k] = got[scope][k]
	}
	out[epiloop.MetricAnswered], out[epiloop.MetricOnTime] = 0, 0
	for d, sc := range scopes[1:] {
		day := got[sc]
		out[epiloop.MetricAnswered] += day[epiloop.MetricAnswered]
		out[epiloop.MetricOnTime] += day[epiloop.MetricOnTime]
		if d == 0 {
			out[FigureTodayReceived] = epiloop.DayTotal(day, epiloop.MetricReceived)
			out[FigureTodayClosed] = epiloop.DayTotal(day, epiloop.MetricClosed)
			out[FigureTodayEscalated] = epiloop.DayTotal(day, epiloop.MetricEscalated)
		}
	}
	return u.Counts(out), nil
}

// VerifyCounters recomputes every counter from the leads and the
// escalations and returns the keys whose maintained value differs (want is
// the recomputed value).
func (s *Service) VerifyCounters(ctx context.Context) (map[epiloop.CounterKey][2]int64, error) {
	var want, got map[epiloop.CounterKey]int64
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		if want, err = recount(tx); err != nil {
			return err
		}
		got, err = tx.AllCounters()
		return err
	})
	if err != nil {
		return nil, err
	}
	return counterDrift(want, got), nil
}

// EnsureCounters recomputes the counters (leads', checkpoints' and plans')
// from the rows when they were
// kept under other definitions than epiloop.CounterVersion's (a database
// from an older version), in one write transaction, and records the
// version; it reports whether any counter changed. It runs at start,
// before serving.
func (s *Service) EnsureCounters(ctx context.Context) (bool, error) {
	rebuilt := false
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		rebuilt = false
		meta, err := tx.FindCounters(epiloop.ScopeMeta)
		if err != nil {
			return err
		}
		version := meta[epiloop.MetricVersion]
		if version == epiloop.CounterVersion {
			return nil
		}
		want, err := recount(tx)
		if err != nil {
			return err
		}
		got, err := tx.AllCounters()
		if err != nil {
			return err
		}
		var ds []epiloop.CounterDelta
		for k, d := range counterDrift(want, got) {
			ds = append(ds, epiloop.CounterDelta{CounterKey: k, N: d[1] - d[0]})
		}
		ds = append(ds, epiloop.CounterDelta{CounterKey: epiloop.CounterKey{Scope: epiloop.ScopeMeta, Metric: epiloop.MetricVersion},
			N: epiloop.CounterVersion - version})
		epiloop.SortCounterDeltas(ds)
		rebuilt = len(ds) > 1 // more than the version's own row
		if err := tx.AddCounters(ds); err != nil {
			return err
		}
		// The checkpoint and observation counters, under the same version.
		if want, err = recountStats(tx); err != nil {
			return err
		}
		if got, err = tx.AllStatCounters(); err != nil {
			return err
		}
		ds = ds[:0]
		for k, d := range counterDrift(want, got) {
			ds = append(ds, epiloop.CounterDelta{CounterKey: k, N: d[1] - d[0]})
		}
		epiloop.SortCounterDeltas(ds)
		rebuilt = rebuilt || len(ds) > 0
		return tx.AddStatCounters(ds)
	})
	return rebuilt, err
}

// recount computes every lead counter from the rows: each lead's
// contribution and each escalation's.
func recount(tx epiloop.Tx) (map[epiloop.CounterKey]int64, error) {
	want := map[epiloop.CounterKey]int64{}
	// Page by page down the ID index: no count, no offset, so the scan is
	// linear in the leads (10 M of them included).
	const page = 1000
	for before := int64(0); ; {
		leads, _, err := tx.FindLeads(epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Before: before, NoCount: true, Limit: page})
		if err != nil {
			return nil, err
		}
		for _, l := range leads {
			for _, k := range epiloop.Contribution(l) {
				want[k]++
			}
		}
		if len(leads) < page {
			break
		}
		before = leads[len(leads)-1].ID
	}
	return want, countEscalations(tx, want)
}

// counterDrift compares maintained counters (got) with a recomputation
// from the rows (want): each key that differs, as [maintained, recomputed].
func counterDrift(want, got map[epiloop.CounterKey]int64) map[epiloop.CounterKey][2]int64 {
	drift := map[epiloop.CounterKey][2]int64{}
	for k, n := range want {
		if got[k] != n {
			drift[k] = [2]int64{got[k], n}
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok && n != 0 && k.Scope != epiloop.ScopeMeta {
			drift[k] = [2]int64{n, 0}
		}
	}
	return drift
}

// narrowToScope narrows a list's filter to what u may read: a district
// user's to their district, a unit's to the unit; a city-wide reader's
// stays as asked.
func narrowToScope(u *epiloop.User, district, unit **string) {
	switch sc := u.Scope(); {
	case sc.All:
	case sc.District != "":
		*district = &sc.District
	default:
		*unit = &sc.Unit
	}
}
