package loop_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// TestRandomWorkloadKeepsCountersExact drives the loop with a seeded random
// workload — reports of new and repeated persons at routable and
// unroutable addresses, accepts, returns, feedback that agrees, conflicts,
// moves or leaves, adjudications, manual routing, escalation on the fake
// clock, imports (some cut short and resumed, some repeated) and
// checkpoint screenings — choosing operations valid for the state each lead
// is in, and now and then one that is not, which must fail with its
// client error and change nothing. Throughout, the maintained counters
// must equal the ones recomputed from the rows, and every lead's status
// must agree with its live tasks.
func TestRandomWorkloadKeepsCountersExact(t *testing.T) {
	const steps = 300
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, f *fixture) {
				w := newWorkload(t, f, seed)
				for w.step = 1; w.step <= steps; w.step++ {
					w.next()
					if w.step%50 == 0 {
						w.check(false)
					}
				}
				w.check(true)
				t.Logf("%d leads %v; operations: %v", w.created, w.statuses(), w.done)
			})
		})
	}
}

// Addresses of the workload: two that route to different communities and
// one that routes nowhere.
const (
	addrYongshun = "沈阳市沈河区永顺社区5号"
	addrNowhere  = "沈阳市某某小区2号"
)

// placeOf names the community an address of the workload routes to ("" for
// none), to predict reroutes.
var placeOf = map[string]string{addrHome: "shuiyuandi", addrYongshun: "yongshun", addrNowhere: ""}

var workloadAddresses = []string{addrHome, addrHome, addrYongshun, addrNowhere}

// workload is a seeded random walk through the loop on one fixture, with
// the little model it needs to predict each operation's result.
type workload struct {
	t     *testing.T
	f     *fixture
	rng   *rand.Rand
	seed  uint64
	step  int
	ctx   context.Context
	leads []int64
	// person maps an ID number to the person's latest lead.
	person  map[string]int64
	persons []string
	// created counts the leads the operations reported creating.
	created int
	imports []workloadImport
	targets []string // communities to route to by hand
	done    map[string]int
}

// workloadImport is an import already run, to run again.
type workloadImport struct {
	fingerprint string
	rows        []epiloop.ImportRow
	counts      epiloop.ImportCounts
}

func newWorkload(t *testing.T, f *fixture, seed uint64) *workload {
	t.Helper()
	f.withCheckpoints()
	w := &workload{
		t: t, f: f, seed: seed, ctx: context.Background(),
		rng:    rand.New(rand.NewPCG(seed, 0x5eed)),
		person: map[string]int64{},
		done:   map[string]int{},
	}
	w.targets = []string{shuiyuandi}
	for _, c := range tree.Communities {
		if c.Station != "" && c.Code != shuiyuandi && len(w.targets) < 4 {
			w.targets = append(w.targets, c.Code)
		}
	}
	return w
}

// fatalf stops the workload, naming the seed and step to replay.
func (w *workload) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("seed %d step %d: %s", w.seed, w.step, fmt.Sprintf(format, args...))
}

func (w *workload) errorf(format string, args ...any) {
	w.t.Helper()
	w.t.Errorf("seed %d step %d: %s", w.seed, w.step, fmt.Sprintf(format, args...))
}

// next runs one random operation.
func (w *workload) next() {
	switch r := w.rng.IntN(100); {
	case r < 14 || len(w.leads) < 3:
		w.report()
	case r < 19:
		w.importRows()
	case r < 22:
		w.screen()
	case r < 27:
		w.escalate()
	case r < 30:
		w.invalidGlobal()
	default:
		w.leadOperation()
	}
}

// newPerson returns the ID number of a person not seen yet.
func (w *workload) newPerson() string {
	n := len(w.persons)
	id := epiloop.CompleteIDNumber(fmt.Sprintf("2101%02d19%02d0101%03d", w.seed, 60+n/1000, n%1000))
	w.persons = append(w.persons, id)
	return id
}

// somePerson returns an earlier person with probability p, else a new one.
func (w *workload) somePerson(p float64) string {
	if len(w.persons) > 0 && w.rng.Float64() < p {
		return w.persons[w.rng.IntN(len(w.persons))]
	}
	return w.newPerson()
}

// load reads a lead straight from the store (no audit entry, unmasked).
func (w *workload) load(id int64) *epiloop.Lead {
	w.t.Helper()
	var l *epiloop.Lead
	err := w.f.store.View(w.ctx, func(tx epiloop.Tx) (err error) {
		l, err = tx.FindLeadByID(id, false)
		return err
	})
	if err != nil {
		w.fatalf("load lead %d: %v", id, err)
	}
	return l
}

// openLead returns the person's open lead, or nil.
func (w *workload) openLead(id string) *epiloop.Lead {
	if lid := w.person[id]; lid != 0 {
		if l := w.load(lid); l.Status.Open() {
			return l
		}
	}
	return nil
}

// allLeads reads every lead, newest first.
func (w *workload) allLeads() []*epiloop.Lead {
	w.t.Helper()
	var out []*epiloop.Lead
	err := w.f.store.View(w.ctx, func(tx epiloop.Tx) error {
		for off := 0; ; off += 1000 {
			ls, _, err := tx.FindLeads(epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Offset: off, Limit: 1000})
			if err != nil {
				return err
			}
			out = append(out, ls...)
			if len(ls) < 1000 {
				return nil
			}
		}
	})
	if err != nil {
		w.fatalf("find leads: %v", err)
	}
	return out
}

// refresh relearns the leads and whose they are after operations that
// create leads without naming them (imports, screenings).
func (w *workload) refresh() {
	ls := w.allLeads()
	w.leads = w.leads[:0]
	for i := len(ls) - 1; i >= 0; i-- {
		l := ls[i]
		w.leads = append(w.leads, l.ID)
		if l.Person.IDNumber == "" {
			w.fatalf("lead %d read without its person's ID number", l.ID)
		}
		w.person[l.Person.IDNumber] = l.ID
	}
}

// report creates a lead for a new or known person; a person with an open
// lead gets the report merged into it.
func (w *workload) report() {
	id := w.somePerson(0.3)
	addr := workloadAddresses[w.rng.IntN(len(workloadAddresses))]
	reason := epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-28", Fever: w.rng.IntN(8) == 0}
	open := w.openLead(id)
	l, created, err := leadOf(w.f.svc.CreateLead(commander, loop.LeadInput{
		// One name per person, as imports and screenings give it: an ID
		// number under another name is flagged (TestImportNameMismatch).
		Person:  epiloop.Person{IDNumber: id, Name: "旅客", Phone: "13800138000"},
		Address: addr,
		Source:  epiloop.Source{Kind: reportKinds[w.rng.IntN(len(reportKinds))], Ref: fmt.Sprintf("step %d", w.step)},
		Reason:  reason,
	}))
	if err != nil {
		w.fatalf("report: %v", err)
	}
	switch {
	case open != nil && (created || l.ID != open.ID):
		w.errorf("report of a person with open lead %d: created=%v lead %d, want merged", open.ID, created, l.ID)
	case open != nil && l.Status != open.Status:
		w.errorf("merge moved lead %d from %s to %s", l.ID, open.Status, l.Status)
	case open == nil && !created:
		w.errorf("report of a person without an open lead merged into lead %d", l.ID)
	case open == nil && placeOf[addr] != "" && (l.Status != epiloop.LeadPushed || len(l.LiveTasks()) != 2):
		w.errorf("new lead %d at a routable address is %s with %d live tasks, want pushed to two", l.ID, l.Status, len(l.LiveTasks()))
	case open == nil && placeOf[addr] == "" && l.Status != epiloop.LeadUnroutable:
		w.errorf("new lead %d at an unroutable address is %s", l.ID, l.Status)
	}
	if created {
		w.created++
		w.leads = append(w.leads, l.ID)
		w.person[id] = l.ID
		w.done["report"]++
	} else {
		w.done["merge"]++
	}
}

// reportKinds are the sources a single report comes from: the hotline,
// the health department, and another city handing a person over.
var reportKinds = []epiloop.SourceKind{epiloop.SourceHotline, epiloop.SourceHealth, epiloop.SourceCity}

// importRows imports a few rows — new and known persons, rejects — or runs
// an earlier import again; some imports fail half-way and are resumed.
func (w *workload) importRows() {
	if len(w.imports) > 0 && w.rng.IntN(6) == 0 {
		w.reimport()
		return
	}
	n := 3 + w.rng.IntN(8)
	var (
		rows []epiloop.ImportRow
		want = epiloop.ImportCounts{Rows: n}
		seen = map[string]bool{}
	)
	for i := 1; i <= n; i++ {
		id := w.somePerson(0.4)
		r := epiloop.ImportRow{
			Line: i, Cells: []string{fmt.Sprint(i)},
			Person:  epiloop.Person{IDNumber: id, Name: "旅客"},
			Address: workloadAddresses[w.rng.IntN(len(workloadAddresses))],
			Reason:  epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-25", Fever: w.rng.IntN(10) == 0},
			Ref:     "G1234",
		}
		switch {
		case w.rng.IntN(10) == 0:
			r.Reject = &epiloop.ImportReject{Code: "id_checksum", Message: "身份证号校验位错误"}
			want.Rejected++
		case seen[id] || w.openLead(id) != nil:
			want.Accepted++
			want.Merged++
		default:
			want.Accepted++
			want.LeadsCreated++
			if placeOf[r.Address] == "" {
				want.Unroutable++
			} else {
				want.TasksCreated += 2
			}
		}
		if r.Reject == nil {
			seen[id] = true
		}
		rows = append(rows, r)
	}
	fp := fmt.Sprintf("workload-%d-%d", w.seed, w.step)
	opt := loop.ImportOptions{Name: "manifest.csv", Fingerprint: fp, Source: epiloop.SourceRail, BatchSize: 1 + w.rng.IntN(4)}
	if w.rng.IntN(4) == 0 {
		// A crash part-way: the committed batches stay, the run resumes.
		_, _, err := w.f.svc.Import(commander, &rowSlice{rows: rows, failAt: 2 + w.rng.IntN(n-1)}, opt)
		if err == nil {
			w.fatalf("import cut short reported success")
		}
		w.done["import cut short"]++
	}
	im, again, err := w.f.svc.Import(commander, &rowSlice{rows: rows}, opt)
	if err != nil || again {
		w.fatalf("import: %v (done before: %v)", err, again)
	}
	if im.Counts != want || im.Status != epiloop.ImportDone {
		w.errorf("import counts %+v (%s)\nwant          %+v", im.Counts, im.Status, want)
	}
	w.created += im.Counts.LeadsCreated
	w.imports = append(w.imports, workloadImport{fp, rows, im.Counts})
	w.refresh()
	w.done["import"]++
}

// reimport runs an earlier import again: nothing may change.
func (w *workload) reimport() {
	prev := w.imports[w.rng.IntN(len(w.imports))]
	before := w.snapshotAll()
	im, again, err := w.f.svc.Import(commander, &rowSlice{rows: prev.rows},
		loop.ImportOptions{Name: "manifest.csv", Fingerprint: prev.fingerprint, Source: epiloop.SourceRail, BatchSize: 2})
	if err != nil || !again || im.Counts != prev.counts {
		w.errorf("import again: done before %v, counts %+v (%v); want done with %+v", again, im.Counts, err, prev.counts)
	}
	if after := w.snapshotAll(); !after.equal(before) {
		w.errorf("importing a file again changed the store: %s", after.diff(before))
	}
	w.done["import again"]++
}

// screen registers a crossing at the station checkpoint: travellers from
// a risk area or with a fever become leads (or merge into theirs); the
// others are released.
func (w *workload) screen() {
	in := loop.ScreeningInput{Direction: epiloop.DirectionIn, Train: "G1234", Carriage: fmt.Sprint(1 + w.rng.IntN(16))}
	var open []*epiloop.Lead // each occupant's open lead before
	seen := map[string]bool{}
	for range 1 + w.rng.IntN(3) {
		id := w.somePerson(0.3)
		if seen[id] {
			continue
		}
		seen[id] = true
		open = append(open, w.openLead(id))
		origin := "武汉市"
		if w.rng.IntN(3) == 0 {
			origin = "大连市"
		}
		temp := 36.5
		if w.rng.IntN(6) == 0 {
			temp = 38.1
		}
		in.Occupants = append(in.Occupants, loop.OccupantInput{
			Person: epiloop.Person{IDNumber: id, Name: "旅客"}, Origin: origin,
			Destination: workloadAddresses[w.rng.IntN(len(workloadAddresses))], Temperature: &temp,
		})
	}
	sc, err := w.f.svc.Screen(gate, ckStation, in)
	if err != nil {
		w.fatalf("screen: %v", err)
	}
	for i, o := range sc.Occupants {
		prev := open[i]
		switch {
		case o.Decision == epiloop.DecisionRelease && o.LeadID != 0:
			w.errorf("released occupant has lead %d", o.LeadID)
		case o.Decision == epiloop.DecisionRelease:
		case o.LeadID == 0:
			w.errorf("occupant decided %s has no lead", o.Decision)
		case prev != nil && o.LeadID != prev.ID:
			w.errorf("occupant with open lead %d got lead %d, want merged", prev.ID, o.LeadID)
		case prev == nil:
			w.created++
		}
	}
	w.refresh()
	w.done["screen"]++
}

// escalate moves the clock on and runs the escalation passes.
func (w *workload) escalate() {
	w.f.clock.Add(time.Duration(10+w.rng.IntN(300)) * time.Minute)
	if _, err := w.f.svc.Escalate(w.ctx); err != nil {
		w.fatalf("escalate: %v", err)
	}
	if _, err := w.f.svc.EscalateObservations(w.ctx); err != nil {
		w.fatalf("escalate observations: %v", err)
	}
	w.done["escalate"]++
}

// leadOperation picks a lead and does what its state allows, or now and
// then something it does not.
func (w *workload) leadOperation() {
	l := w.load(w.leads[w.rng.IntN(len(w.leads))])
	if w.rng.IntN(6) == 0 {
		w.invalidOn(l)
		return
	}
	switch l.Status {
	case epiloop.LeadPushed, epiloop.LeadVerifying:
		w.workTask(l)
	case epiloop.LeadConflict:
		w.adjudicate(l)
	case epiloop.LeadUnroutable:
		w.route(l)
	case epiloop.LeadClosed, epiloop.LeadHandedOver:
		w.reportAgain(l)
	default:
		w.errorf("lead %d has unknown status %q", l.ID, l.Status)
	}
}

// unitOf returns a context acting as the unit that holds task tk.
func unitOf(tk *epiloop.Task) context.Context {
	if tk.Side == epiloop.UnitPoliceStation {
		return as(epiloop.RoleStation, tk.UnitCode)
	}
	return as(epiloop.RoleCommittee, tk.UnitCode)
}

// other returns the lead's other live task.
func other(l *epiloop.Lead, tk *epiloop.Task) *epiloop.Task {
	if tk.Side == epiloop.UnitPoliceStation {
		return l.LiveTask(epiloop.UnitCommittee)
	}
	return l.LiveTask(epiloop.UnitPoliceStation)
}

// workTask accepts, returns or reports on an open live task of a lead
// being verified.
func (w *workload) workTask(l *epiloop.Lead) {
	var open []*epiloop.Task
	for _, tk := range l.LiveTasks() {
		if tk.Status.Open() {
			open = append(open, tk)
		}
	}
	if len(open) == 0 {
		w.errorf("lead %d is %s without an open live task", l.ID, l.Status)
		return
	}
	tk := open[w.rng.IntN(len(open))]
	ctx := unitOf(tk)
	switch r := w.rng.IntN(20); {
	case r == 0:
		if _, err := w.f.svc.ReturnTask(ctx, tk.ID, "不在本辖区"); err != nil {
			w.fatalf("return task %d: %v", tk.ID, err)
		}
		w.expect(l.ID, epiloop.LeadUnroutable, l.Round)
		w.done["return"]++
	case r < 8 && tk.Status == epiloop.TaskPushed:
		if _, err := w.f.svc.AcceptTask(ctx, tk.ID); err != nil {
			w.fatalf("accept task %d: %v", tk.ID, err)
		}
		w.expect(l.ID, epiloop.LeadVerifying, l.Round)
		w.done["accept"]++
	default:
		fb := w.feedback(other(l, tk))
		if _, err := w.f.svc.SubmitFeedback(ctx, tk.ID, fb); err != nil {
			w.fatalf("feedback on task %d: %v", tk.ID, err)
		}
		o := other(l, tk)
		if o == nil || o.Status != epiloop.TaskSubmitted {
			w.expect(l.ID, epiloop.LeadVerifying, l.Round)
		} else {
			status, newRound := reconciled(o.Feedback, &fb)
			round := l.Round
			if newRound {
				round++
			}
			w.expect(l.ID, status, round)
		}
		w.done["feedback"]++
	}
}

// feedback returns a unit's report: often one agreeing with the other
// unit's, else any kind.
func (w *workload) feedback(o *epiloop.Task) epiloop.Feedback {
	if o != nil && o.Feedback != nil && w.rng.IntN(2) == 0 {
		fb := *o.Feedback
		fb.SubmittedAt, fb.SubmittedBy = time.Time{}, 0
		return fb
	}
	return w.anyFeedback()
}

func (w *workload) anyFeedback() epiloop.Feedback {
	switch w.rng.IntN(8) {
	case 0:
		return epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Temperature: temp(38.2), Measure: epiloop.MeasureHomeObservation}
	case 1:
		return epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Temperature: temp(38.4), Symptoms: true, Measure: epiloop.MeasureHospital}
	case 2:
		return epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: workloadAddresses[w.rng.IntN(len(workloadAddresses))], Contact: epiloop.ContactPhone}
	case 3:
		return epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "大连市", Contact: epiloop.ContactPhone}
	case 4:
		return epiloop.Feedback{Located: epiloop.LocatedNotFound}
	case 5:
		return epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Temperature: temp(36.4), Measure: epiloop.MeasureCentralIsolation, Site: "沈阳市隔离点1号"}
	}
	return epiloop.Feedback{Located: epiloop.LocatedAtAddress, Contact: epiloop.ContactInPerson, Temperature: temp(36.5 + float64(w.rng.IntN(5))/10), Measure: epiloop.MeasureHomeObservation}
}

// reconciled predicts the lead's status once both units reported a and
// b, and whether a new round starts.
func reconciled(a, b *epiloop.Feedback) (epiloop.LeadStatus, bool) {
	r := epiloop.Reconcile(a, b)
	switch r.Verdict {
	case epiloop.VerdictAgree:
		return epiloop.LeadClosed, false
	case epiloop.VerdictHandOver:
		return epiloop.LeadHandedOver, false
	case epiloop.VerdictConflict:
		return epiloop.LeadConflict, false
	}
	if len(r.Reasons) > 0 { // two addresses: conflict unless one community
		if pa := placeOf[a.Address]; pa == "" || pa != placeOf[b.Address] {
			return epiloop.LeadConflict, false
		}
		return epiloop.LeadPushed, true
	}
	return rerouted(r.Outcome.Address)
}

// rerouted predicts a reroute to addr.
func rerouted(addr string) (epiloop.LeadStatus, bool) {
	if placeOf[addr] == "" {
		return epiloop.LeadUnroutable, false
	}
	return epiloop.LeadPushed, true
}

// adjudicate decides a lead in conflict: an outcome, or a new round.
func (w *workload) adjudicate(l *epiloop.Lead) {
	ctx := commander
	if w.rng.IntN(2) == 0 {
		ctx = as(epiloop.RoleDistrict, "SC"+l.DistrictCode)
	}
	var (
		a        loop.Adjudication
		status   = epiloop.LeadClosed
		newRound bool
	)
	switch w.rng.IntN(5) {
	case 0:
		a.Action, status, newRound = "repush", epiloop.LeadPushed, true
	case 1:
		fb := epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: workloadAddresses[w.rng.IntN(len(workloadAddresses))]}
		a.Outcome = &fb
		status, newRound = rerouted(fb.Address)
	case 2:
		a.Outcome = &epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "大连市"}
		status = epiloop.LeadHandedOver
	default:
		fb := w.anyFeedback()
		if fb.Located == epiloop.LocatedElsewhereInCity || fb.Located == epiloop.LocatedLeftCity {
			fb = home
		}
		a.Outcome = &fb
	}
	a.Note = "研判"
	if _, err := w.f.svc.Adjudicate(ctx, l.ID, a); err != nil {
		w.fatalf("adjudicate lead %d: %v", l.ID, err)
	}
	round := l.Round
	if newRound {
		round++
	}
	w.expect(l.ID, status, round)
	w.done["adjudicate"]++
}

// route sends an unroutable lead to a community by hand.
func (w *workload) route(l *epiloop.Lead) {
	if _, err := w.f.svc.RouteLead(commander, l.ID, w.targets[w.rng.IntN(len(w.targets))]); err != nil {
		w.fatalf("route lead %d: %v", l.ID, err)
	}
	w.expect(l.ID, epiloop.LeadPushed, l.Round+1)
	w.done["route"]++
}

// reportAgain reports the person of an ended lead again: a new lead.
func (w *workload) reportAgain(l *epiloop.Lead) {
	if w.person[l.Person.IDNumber] != l.ID {
		return // not the person's latest lead: the latest may be open
	}
	nl, created, err := leadOf(w.f.svc.CreateLead(commander, loop.LeadInput{
		Person:  epiloop.Person{IDNumber: l.Person.IDNumber},
		Address: addrHome,
		Source:  epiloop.Source{Kind: epiloop.SourceHealth},
	}))
	if err != nil {
		w.fatalf("report again: %v", err)
	}
	if !created || nl.ID == l.ID {
		w.errorf("report of a person whose lead %d is %s: created=%v lead %d, want a new lead", l.ID, l.Status, created, nl.ID)
		return
	}
	w.created++
	w.leads = append(w.leads, nl.ID)
	w.person[l.Person.IDNumber] = nl.ID
	w.done["report again"]++
}

// expect checks a lead's status and round after an operation.
func (w *workload) expect(id int64, status epiloop.LeadStatus, round int) {
	w.t.Helper()
	l := w.load(id)
	if l.Status != status || l.Round != round {
		w.errorf("lead %d is %s in round %d, want %s in round %d", id, l.Status, l.Round, status, round)
	}
}

// invalid is an operation that must fail with code and change nothing.
type invalid struct {
	name string
	code string
	do   func() error
}

// invalidOn tries, on lead l, an operation its state does not allow.
func (w *workload) invalidOn(l *epiloop.Lead) {
	var ops []invalid
	for _, tk := range l.Tasks {
		ctx := unitOf(tk)
		if tk.Status != epiloop.TaskPushed || tk.Round != l.Round {
			ops = append(ops, invalid{"accept a task not waiting", epiloop.ECONFLICT, func() error {
				_, err := w.f.svc.AcceptTask(ctx, tk.ID)
				return err
			}})
		}
		if !tk.Status.Open() || tk.Round != l.Round {
			ops = append(ops, invalid{"feedback on a finished task", epiloop.ECONFLICT, func() error {
				_, err := w.f.svc.SubmitFeedback(ctx, tk.ID, home)
				return err
			}}, invalid{"return a finished task", epiloop.ECONFLICT, func() error {
				_, err := w.f.svc.ReturnTask(ctx, tk.ID, "不在本辖区")
				return err
			}})
		}
		wrong := as(epiloop.RoleCommittee, epiloop.CommitteeCode(shuiyuandi))
		if tk.Side == epiloop.UnitCommittee {
			wrong = as(epiloop.RoleStation, shuiyuandiPS)
		}
		ops = append(ops, invalid{"accept another unit's task", epiloop.ENOTFOUND, func() error {
			_, err := w.f.svc.AcceptTask(wrong, tk.ID)
			return err
		}}, invalid{"feedback without a place", epiloop.EINVALID, func() error {
			_, err := w.f.svc.SubmitFeedback(ctx, tk.ID, epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity})
			return err
		}}, invalid{"return without a reason", epiloop.EINVALID, func() error {
			_, err := w.f.svc.ReturnTask(ctx, tk.ID, " ")
			return err
		}})
	}
	if l.Status != epiloop.LeadConflict {
		ops = append(ops, invalid{"adjudicate a lead not in conflict", epiloop.ECONFLICT, func() error {
			_, err := w.f.svc.Adjudicate(commander, l.ID, loop.Adjudication{Action: "repush"})
			return err
		}})
	} else {
		ops = append(ops, invalid{"adjudicate with outcome and action", epiloop.EINVALID, func() error {
			_, err := w.f.svc.Adjudicate(commander, l.ID, loop.Adjudication{Action: "repush", Outcome: &home})
			return err
		}})
		if st := l.LiveTask(epiloop.UnitPoliceStation); st != nil {
			ops = append(ops, invalid{"a unit adjudicates", epiloop.EFORBIDDEN, func() error {
				_, err := w.f.svc.Adjudicate(unitOf(st), l.ID, loop.Adjudication{Action: "repush"})
				return err
			}})
		}
	}
	if l.Status != epiloop.LeadUnroutable {
		ops = append(ops, invalid{"route a routed lead", epiloop.ECONFLICT, func() error {
			_, err := w.f.svc.RouteLead(commander, l.ID, shuiyuandi)
			return err
		}})
	} else {
		ops = append(ops, invalid{"route to an unknown community", epiloop.EINVALID, func() error {
			_, err := w.f.svc.RouteLead(commander, l.ID, "999999999999")
			return err
		}})
	}
	op := ops[w.rng.IntN(len(ops))]
	before := w.snapshot(l.ID)
	err := op.do()
	if got := epiloop.ErrorCode(err); got != op.code {
		w.errorf("%s (lead %d, %s): error %v, want code %s", op.name, l.ID, l.Status, err, op.code)
	}
	if after := w.snapshot(l.ID); !after.equal(before) {
		w.errorf("%s (lead %d) failed but changed the store: %s", op.name, l.ID, after.diff(before))
	}
	w.done["invalid"]++
}

// invalidGlobal tries an operation no state allows.
func (w *workload) invalidGlobal() {
	id := w.somePerson(0.5)
	ops := []invalid{
		{"an analyst reports", epiloop.EFORBIDDEN, func() error {
			_, _, err := leadOf(w.f.svc.CreateLead(as(epiloop.RoleAnalyst, ""), loop.LeadInput{Person: epiloop.Person{IDNumber: id}, Source: epiloop.Source{Kind: epiloop.SourceHotline}}))
			return err
		}},
		{"report with a bad check character", epiloop.EINVALID, func() error {
			bad := id[:17] + string("10X98765432"[(slices.Index([]byte("10X98765432"), id[17])+1)%11])
			_, _, err := leadOf(w.f.svc.CreateLead(commander, loop.LeadInput{Person: epiloop.Person{IDNumber: bad}, Address: addrHome, Source: epiloop.Source{Kind: epiloop.SourceHotline}}))
			return err
		}},
		{"a station imports", epiloop.EFORBIDDEN, func() error {
			_, _, err := w.f.svc.Import(station, &rowSlice{}, loop.ImportOptions{Fingerprint: "forbidden", Source: epiloop.SourceRail})
			return err
		}},
		{"screen at another checkpoint", epiloop.ENOTFOUND, func() error {
			_, err := w.f.svc.Screen(gate, ckNorth, loop.ScreeningInput{Direction: epiloop.DirectionIn, Occupants: []loop.OccupantInput{traveller(id, "武汉市", 36.5)}})
			return err
		}},
		{"screen without a temperature", epiloop.EINVALID, func() error {
			_, err := w.f.svc.Screen(gate, ckStation, loop.ScreeningInput{Direction: epiloop.DirectionIn, Occupants: []loop.OccupantInput{{Person: epiloop.Person{IDNumber: id}, Origin: "武汉市"}}})
			return err
		}},
		{"feedback on a missing task", epiloop.ENOTFOUND, func() error {
			_, err := w.f.svc.SubmitFeedback(station, 1<<40, home)
			return err
		}},
		{"adjudicate a missing lead", epiloop.ENOTFOUND, func() error {
			_, err := w.f.svc.Adjudicate(commander, 1<<40, loop.Adjudication{Action: "repush"})
			return err
		}},
	}
	op := ops[w.rng.IntN(len(ops))]
	before := w.snapshotAll()
	err := op.do()
	if got := epiloop.ErrorCode(err); got != op.code {
		w.errorf("%s: error %v, want code %s", op.name, err, op.code)
	}
	if after := w.snapshotAll(); !after.equal(before) {
		w.errorf("%s failed but changed the store: %s", op.name, after.diff(before))
	}
	w.done["invalid"]++
}

// snapshot is what an operation that fails must leave unchanged: one
// lead as stored with its events, and every counter.
type snapshot struct {
	lead     string
	events   int
	leads    int
	counters map[epiloop.CounterKey]int64
	stats    map[epiloop.CounterKey]int64
}

// snapshot reads lead id (0: none) and the counters in one transaction.
func (w *workload) snapshot(id int64) snapshot {
	w.t.Helper()
	var s snapshot
	err := w.f.store.View(w.ctx, func(tx epiloop.Tx) error {
		if id != 0 {
			l, err := tx.FindLeadByID(id, false)
			if err != nil {
				return err
			}
			b, err := json.Marshal(l)
			if err != nil {
				return err
			}
			s.lead = string(b)
			es, err := tx.FindLeadEvents(id)
			if err != nil {
				return err
			}
			s.events = len(es)
		}
		_, n, err := tx.FindLeads(epiloop.LeadFilter{Scope: epiloop.Scope{All: true}, Limit: 1})
		if err != nil {
			return err
		}
		s.leads = n
		if s.counters, err = tx.AllCounters(); err != nil {
			return err
		}
		s.stats, err = tx.AllStatCounters()
		return err
	})
	if err != nil {
		w.fatalf("snapshot: %v", err)
	}
	return s
}

func (w *workload) snapshotAll() snapshot { return w.snapshot(0) }

func (s snapshot) equal(o snapshot) bool {
	return s.lead == o.lead && s.events == o.events && s.leads == o.leads &&
		maps.Equal(s.counters, o.counters) && maps.Equal(s.stats, o.stats)
}

func (s snapshot) diff(before snapshot) string {
	switch {
	case s.lead != before.lead:
		return fmt.Sprintf("lead\n%s\nwas\n%s", s.lead, before.lead)
	case s.events != before.events:
		return fmt.Sprintf("%d events, were %d", s.events, before.events)
	case s.leads != before.leads:
		return fmt.Sprintf("%d leads, were %d", s.leads, before.leads)
	case !maps.Equal(s.counters, before.counters):
		return fmt.Sprintf("counters %v, were %v", s.counters, before.counters)
	}
	return fmt.Sprintf("stat counters %v, were %v", s.stats, before.stats)
}

// check verifies the counters against the rows and every lead against
// its tasks; final also checks each lead's events.
func (w *workload) check(final bool) {
	w.t.Helper()
	drift, err := w.f.svc.VerifyCounters(w.ctx)
	if err != nil {
		w.fatalf("verify counters: %v", err)
	}
	for k, v := range drift {
		w.errorf("counter %s/%s = %d, rows say %d", k.Scope, k.Metric, v[0], v[1])
	}
	stats, err := w.f.svc.VerifyStats(w.ctx)
	if err != nil {
		w.fatalf("verify stats: %v", err)
	}
	for k, v := range stats {
		w.errorf("stat counter %s/%s = %d, rows say %d", k.Scope, k.Metric, v[0], v[1])
	}
	ls := w.allLeads()
	if len(ls) != w.created {
		w.errorf("%d leads stored, the operations created %d", len(ls), w.created)
	}
	w.checkListTotals(ls)
	openOf := map[int64]int64{} // person → open lead
	for _, l := range ls {
		for _, p := range leadProblems(l) {
			w.errorf("lead %d (%s, round %d): %s", l.ID, l.Status, l.Round, p)
		}
		if l.Status.Open() {
			if prev, dup := openOf[l.Person.ID]; dup {
				w.errorf("person %d has two open leads, %d and %d", l.Person.ID, prev, l.ID)
			}
			openOf[l.Person.ID] = l.ID
		}
		if final {
			w.checkEvents(l)
		}
	}
	w.checkFigures(ls)
	if final {
		if rep, err := w.f.svc.VerifyAudit(w.ctx); err != nil || rep.Break != nil {
			w.errorf("audit chain: %+v (%v)", rep, err)
		}
	}
}

// leadProblems lists how a lead's status disagrees with its tasks.
func leadProblems(l *epiloop.Lead) []string {
	var out []string
	live := l.LiveTasks()
	sides := map[epiloop.UnitKind]*epiloop.Task{}
	openLive, submitted, pushed := 0, 0, 0
	for _, tk := range live {
		if sides[tk.Side] != nil {
			out = append(out, fmt.Sprintf("two live %s tasks", tk.Side))
		}
		sides[tk.Side] = tk
		switch {
		case tk.Status.Open():
			openLive++
			if tk.Status == epiloop.TaskPushed {
				pushed++
			}
		case tk.Status == epiloop.TaskSubmitted:
			submitted++
		}
	}
	for _, tk := range l.Tasks {
		switch {
		case tk.Round > l.Round:
			out = append(out, fmt.Sprintf("task %d of round %d", tk.ID, tk.Round))
		case tk.Round < l.Round && tk.Status.Open():
			out = append(out, fmt.Sprintf("task %d of past round %d is still %s", tk.ID, tk.Round, tk.Status))
		case tk.Status == epiloop.TaskSubmitted && tk.Feedback == nil:
			out = append(out, fmt.Sprintf("task %d submitted without feedback", tk.ID))
		}
	}
	switch l.Status {
	case epiloop.LeadPushed:
		if len(live) != 2 || pushed != 2 {
			out = append(out, fmt.Sprintf("pushed with %d live tasks, %d waiting for acceptance; want 2 and 2", len(live), pushed))
		}
	case epiloop.LeadVerifying:
		if len(live) != 2 || openLive == 0 || pushed == 2 {
			out = append(out, fmt.Sprintf("verifying with %d live tasks, %d open, %d waiting for acceptance", len(live), openLive, pushed))
		}
	case epiloop.LeadConflict:
		if len(live) != 2 || submitted != 2 || len(l.Conflict) == 0 {
			out = append(out, fmt.Sprintf("conflict with %d live tasks, %d submitted, reasons %v", len(live), submitted, l.Conflict))
		}
	case epiloop.LeadUnroutable:
		if openLive != 0 {
			out = append(out, fmt.Sprintf("unroutable with %d open live tasks", openLive))
		}
	case epiloop.LeadClosed, epiloop.LeadHandedOver:
		if openLive != 0 || l.ClosedAt == nil || l.Outcome == nil {
			out = append(out, fmt.Sprintf("ended with %d open live tasks, closed at %v, outcome %v", openLive, l.ClosedAt, l.Outcome))
		}
	default:
		out = append(out, "unknown status")
	}
	overdue := false
	if l.Status.Open() {
		for _, tk := range live {
			overdue = overdue || (tk.Status.Open() && tk.Escalation > 0)
		}
	}
	if l.Overdue != overdue {
		out = append(out, fmt.Sprintf("overdue flag %v, live tasks say %v", l.Overdue, overdue))
	}
	return out
}

// checkEvents checks that a lead's timeline records each submission and
// each ending once.
func (w *workload) checkEvents(l *epiloop.Lead) {
	w.t.Helper()
	var es []*epiloop.Event
	err := w.f.store.View(w.ctx, func(tx epiloop.Tx) (err error) {
		es, err = tx.FindLeadEvents(l.ID)
		return err
	})
	if err != nil {
		w.fatalf("lead events: %v", err)
	}
	submitted := map[int64]int{}
	ended := 0
	for _, e := range es {
		switch e.Kind {
		case epiloop.EventTaskSubmitted:
			submitted[e.TaskID]++
		case epiloop.EventLeadClosed, epiloop.EventLeadHandedOver:
			ended++
		}
	}
	for _, tk := range l.Tasks {
		want := 0
		if tk.Feedback != nil {
			want = 1
		}
		if submitted[tk.ID] != want {
			w.errorf("task %d (%s) has %d submission events, want %d", tk.ID, tk.Status, submitted[tk.ID], want)
		}
	}
	if want := map[bool]int{true: 0, false: 1}[l.Status.Open()]; ended != want {
		w.errorf("lead %d (%s) has %d closing events, want %d", l.ID, l.Status, ended, want)
	}
}

// statuses counts the leads by status, overdue ones apart, for the log.
func (w *workload) statuses() map[string]int {
	out := map[string]int{}
	for _, l := range w.allLeads() {
		out[string(l.Status)]++
		if l.Overdue {
			out["overdue"]++
		}
	}
	return out
}

// checkFigures: the figures a commander reads agree with each other and
// with the rows — the city's tiles with the sum of the district rows
// (the undetermined district included), the funnel with itself (each
// stage at most the one before), the counts of the moment with the
// leads' statuses, and the hourly series and today's tiles with the
// leads' creation and closing times.
func (w *workload) checkFigures(ls []*epiloop.Lead) {
	w.t.Helper()
	city, err := w.f.svc.Overview(commander)
	if err != nil {
		w.fatalf("overview: %v", err)
	}
	sum := map[string]int64{}
	districts := map[string]bool{epiloop.UndeterminedDistrict: true}
	for _, l := range ls {
		districts[l.DistrictCode] = true
	}
	tree, err := w.f.svc.FindJurisdictions(commander)
	if err != nil {
		w.fatalf("tree: %v", err)
	}
	for _, d := range tree.Districts {
		districts[d.Code] = true
	}
	for d := range districts {
		c, err := w.f.svc.Counters(commander, epiloop.DistrictScope(d))
		if err != nil {
			w.fatalf("counters of %q: %v", d, err)
		}
		for k, n := range c {
			sum[k] += n
		}
	}
	for _, m := range append(epiloop.Metrics, loop.FigureTodayReceived, loop.FigureTodayClosed, epiloop.MetricAnswered, epiloop.MetricOnTime) {
		if sum[m] != city[m] {
			w.errorf("%s: the city's tile says %d, its districts' rows add up to %d", m, city[m], sum[m])
		}
	}
	f := epiloop.FunnelMetrics
	stage := func(m string) int64 { return city[m] }
	for _, pair := range [][2]string{
		{f[0], f[1]}, {f[1], epiloop.MetricAcceptedStation}, {f[1], epiloop.MetricAcceptedCommittee},
		{epiloop.MetricAcceptedStation, epiloop.MetricSubmittedStation}, {epiloop.MetricAcceptedCommittee, epiloop.MetricSubmittedCommittee},
		{epiloop.MetricSubmittedStation, epiloop.MetricClosed}, {epiloop.MetricSubmittedCommittee, epiloop.MetricClosed},
		{epiloop.MetricClosed, epiloop.MetricAgreed}, {epiloop.MetricClosed, epiloop.MetricHandedOver},
		{epiloop.MetricAnswered, epiloop.MetricOnTime},
	} {
		if stage(pair[0]) < stage(pair[1]) {
			w.errorf("funnel: %s %d < %s %d", pair[0], stage(pair[0]), pair[1], stage(pair[1]))
		}
	}
	byStatus := map[epiloop.LeadStatus]int64{}
	var open, overdue, today, closedToday int64
	now := w.f.clock.Now()
	date := epiloop.CivilDate(now)
	for _, l := range ls {
		byStatus[l.Status]++
		if l.Status.Open() {
			open++
			if l.Overdue {
				overdue++
			}
		}
		if epiloop.CivilDate(l.CreatedAt) == date {
			today++
		}
		if l.ClosedAt != nil && !l.Status.Open() && epiloop.CivilDate(*l.ClosedAt) == date {
			closedToday++
		}
	}
	for m, want := range map[string]int64{
		epiloop.MetricReceived: int64(len(ls)), epiloop.MetricConflict: byStatus[epiloop.LeadConflict],
		epiloop.MetricUnroutable: byStatus[epiloop.LeadUnroutable], epiloop.MetricHandedOver: byStatus[epiloop.LeadHandedOver],
		epiloop.MetricClosed: byStatus[epiloop.LeadClosed] + byStatus[epiloop.LeadHandedOver],
		epiloop.MetricOpen:   open, epiloop.MetricOverdue: overdue,
		loop.FigureTodayReceived: today, loop.FigureTodayClosed: closedToday,
	} {
		if city[m] != want {
			w.errorf("%s: the tile says %d, the leads %d", m, city[m], want)
		}
	}
	// Today's daily report says what the tiles say: the day's figures and,
	// for today, the state of the funnel, for the city and every district.
	rep, err := w.f.svc.DailyReport(commander, "")
	if err != nil {
		w.fatalf("daily report: %v", err)
	}
	for _, row := range rep.Rows {
		scope := epiloop.DistrictScope(row.Code)
		if row.Code == "2101" {
			scope = epiloop.ScopeCity
		} else if row.Code == "" {
			scope = epiloop.DistrictScope(epiloop.UndeterminedDistrict)
		}
		tiles, err := w.f.svc.Counters(commander, scope)
		if err != nil {
			w.fatalf("counters of %s: %v", scope, err)
		}
		for m, figure := range map[string]string{loop.MetricDayReceived: loop.FigureTodayReceived,
			loop.MetricDayClosed: loop.FigureTodayClosed, loop.MetricDayEscalated: loop.FigureTodayEscalated} {
			if got := row.Values[m]; got != fmt.Sprint(tiles[figure]) {
				w.errorf("daily report, %s %s: %s, the tile says %d", row.Name, m, got, tiles[figure])
			}
		}
		for _, m := range epiloop.Metrics {
			if got, ok := row.Values[m]; ok && got != fmt.Sprint(tiles[m]) {
				w.errorf("daily report, %s %s: %s, the tile says %d", row.Name, m, got, tiles[m])
			}
		}
	}
	series, err := w.f.svc.HourlySeries(commander)
	if err != nil {
		w.fatalf("series: %v", err)
	}
	var inWindow int64
	from := series.Hours[0]
	for _, l := range ls {
		if !l.CreatedAt.Before(from) {
			inWindow++
		}
	}
	var received int64
	for _, n := range series.Received {
		received += n
	}
	if received != inWindow {
		w.errorf("series: %d received in the last %d hours, the leads say %d", received, len(series.Hours), inWindow)
	}
}

// checkListTotals holds the city's and each district's lists — whole, by
// overdue and by status — to their real sizes: those the counters keep
// take their totals from them (LeadFilter.CountedTotal), the others count.
func (w *workload) checkListTotals(ls []*epiloop.Lead) {
	w.t.Helper()
	lists := map[string]context.Context{"city": commander}
	districts := map[string]bool{}
	for _, l := range ls {
		if l.DistrictCode != "" && !districts[l.DistrictCode] {
			districts[l.DistrictCode] = true
			lists["district "+l.DistrictCode] = as(epiloop.RoleDistrict, epiloop.SubCommandCode(l.DistrictCode))
		}
	}
	yes, no := true, false
	type variant struct {
		name string
		f    epiloop.LeadFilter
		in   func(*epiloop.Lead) bool
	}
	variants := []variant{
		{"whole", epiloop.LeadFilter{}, func(*epiloop.Lead) bool { return true }},
		{"overdue", epiloop.LeadFilter{Overdue: &yes}, func(l *epiloop.Lead) bool { return l.Overdue }},
		{"not overdue", epiloop.LeadFilter{Overdue: &no}, func(l *epiloop.Lead) bool { return !l.Overdue }},
	}
	for _, st := range []epiloop.LeadStatus{epiloop.LeadUnroutable, epiloop.LeadPushed, epiloop.LeadVerifying,
		epiloop.LeadConflict, epiloop.LeadClosed, epiloop.LeadHandedOver} {
		variants = append(variants, variant{string(st), epiloop.LeadFilter{Status: &st}, func(l *epiloop.Lead) bool { return l.Status == st }})
	}
	for d := range districts {
		variants = append(variants, variant{"district " + d, epiloop.LeadFilter{District: &d}, func(l *epiloop.Lead) bool { return l.DistrictCode == d }})
	}
	for name, ctx := range lists {
		district, _ := strings.CutPrefix(name, "district ")
		for _, v := range variants {
			want := 0
			for _, l := range ls {
				if (name == "city" || l.DistrictCode == district) && v.in(l) {
					want++
				}
			}
			f := v.f
			f.Limit = 1
			_, total, err := w.f.svc.FindLeads(ctx, f)
			if err != nil {
				w.fatalf("%s list, %s: %v", name, v.name, err)
			}
			if total != want {
				w.errorf("%s list, %s: total %d, the rows say %d", name, v.name, total, want)
			}
		}
	}
}
