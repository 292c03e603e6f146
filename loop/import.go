package loop

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// RowSource yields rows until io.EOF.
type RowSource interface {
	Next() (epiloop.ImportRow, error)
}

// ImportOptions describe one import.
type ImportOptions struct {
	Name        string
	Fingerprint string
	Source      epiloop.SourceKind
	Ref         string
	Format      string
	Encoding    string
	Headers     []string
	// BatchSize is how many rows commit together (default 20,000).
	BatchSize int
	// Progress, when set, is told the import after every committed batch.
	Progress func(*epiloop.Import)
}

// Import takes a file's rows in: rejected rows are recorded with their
// reason, and valid rows' warnings (fields kept as written, a name that
// differs from the person's) beside them; valid rows are de-duplicated by
// identity (within the file and against the database, by blind index —
// never by scanning), merged into the person's open lead or made new
// leads, routed and double-pushed like any other lead, in large batches
// that each commit atomically with the import's progress. Importing the same content again creates nothing;
// an import cut short (a crash, a kill) is resumed by running it again
// and ends with the counts of an uninterrupted run. It returns the import
// and whether it had been done before.
func (s *Service) Import(ctx context.Context, rows RowSource, opt ImportOptions) (*epiloop.Import, bool, error) {
	im, done, err := s.StartImport(ctx, opt)
	if err != nil || done {
		return im, done, err
	}
	return im, false, s.RunImport(ctx, im, rows, opt)
}

// StartImport checks the caller and the options and records the import
// (or finds it: done when this content was imported before, resumed when
// it was interrupted). RunImport then takes the rows in.
func (s *Service) StartImport(ctx context.Context, opt ImportOptions) (*epiloop.Import, bool, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, false, err
	}
	if !u.Can(epiloop.ActImport) {
		return nil, false, forbidden()
	}
	if !opt.Source.Valid() {
		return nil, false, epiloop.InvalidSource("source")
	}
	if opt.Fingerprint == "" {
		return nil, false, epiloop.FieldError("file", "err.file_has_no_fingerprint")
	}
	return s.startImport(ctx, u, opt)
}

// RunImport takes the rows of a started import in, batch by batch. If it
// fails, the import stays running and the same content imported again
// resumes it.
func (s *Service) RunImport(ctx context.Context, im *epiloop.Import, rows RowSource, opt ImportOptions) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 20000
	}
	// The reader prepares the next batch while the writer commits one and
	// then waits: a batch more in flight would only add to the heap the
	// garbage collector scans (the writer is the slower of the two).
	batches := make(chan rowBatch)
	readErr := make(chan error, 1)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { readErr <- s.readBatches(rctx, rows, im.NextRow, opt.BatchSize, batches) }()
	for b := range batches {
		if err := s.importBatch(ctx, u, im, opt, b); err != nil {
			cancel()
			for range batches {
			}
			return s.failImport(ctx, im, err)
		}
		if opt.Progress != nil {
			opt.Progress(im)
		}
	}
	if err := <-readErr; err != nil {
		return s.failImport(ctx, im, err)
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := claimImport(tx, im); err != nil {
			return err
		}
		im.Status, im.UpdatedAt = epiloop.ImportDone, s.now()
		if err := tx.UpdateImport(im); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, fmt.Sprintf("import:%d", im.ID),
			fmt.Sprintf("import done: %d rows, %d leads", im.Counts.Rows, im.Counts.LeadsCreated))
	})
	s.notify()
	return err
}

// failImport records why an import stopped; what it committed stays, and
// importing the same content again resumes it.
func (s *Service) failImport(ctx context.Context, im *epiloop.Import, cause error) error {
	if epiloop.ErrorReason(cause) == reasonImportTaken {
		return cause // another process owns it now: its state is its own
	}
	im.Status, im.Error, im.UpdatedAt = epiloop.ImportFailed, epiloop.ErrorText(cause, epiloop.Langs[0]), s.now()
	err := s.Store.Update(context.WithoutCancel(ctx), func(tx epiloop.Tx) error {
		if err := claimImport(tx, im); err != nil {
			return err
		}
		return tx.UpdateImport(im)
	})
	if err != nil && epiloop.ErrorReason(err) != reasonImportTaken {
		s.Logger.Error("import state not saved", "import", im.ID, "err", err)
	}
	return cause
}

const reasonImportTaken = "import_taken"

// claimImport checks, with the import locked, that nobody else moved it
// on since this process last wrote it: two processes running one import
// (two replicas, the CLI beside a server) would otherwise both write its
// rows. The loser stops; the winner's counts stand.
func claimImport(tx epiloop.Tx, im *epiloop.Import) error {
	cur, err := tx.FindImportByID(im.ID, true)
	if err != nil {
		return err
	}
	if cur.NextRow != im.NextRow || cur.Status == epiloop.ImportDone {
		return &epiloop.Error{Code: epiloop.ECONFLICT, Reason: reasonImportTaken,
			Key: epiloop.ReasonKey(reasonImportTaken)}
	}
	return nil
}

// startImport finds the import of this content — done (nothing to do) or
// interrupted (resume) — or records a new one.
func (s *Service) startImport(ctx context.Context, u *epiloop.User, opt ImportOptions) (*epiloop.Import, bool, error) {
	var (
		im   *epiloop.Import
		done bool
	)
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		prev, err := tx.FindImportByFingerprint(opt.Fingerprint)
		switch {
		case err == nil:
			im, done = prev, prev.Status == epiloop.ImportDone
			if !done {
				im.Status, im.Error, im.UpdatedAt = epiloop.ImportRunning, "", s.now()
				return tx.UpdateImport(im)
			}
			return nil
		case epiloop.ErrorCode(err) != epiloop.ENOTFOUND:
			return err
		}
		im = &epiloop.Import{
			Fingerprint: opt.Fingerprint, Name: opt.Name, Source: opt.Source, Ref: opt.Ref,
			Status: epiloop.ImportRunning, Format: opt.Format, Encoding: opt.Encoding, Headers: opt.Headers, NextRow: 1,
			CreatedBy: u.ID, CreatedAt: s.now(), UpdatedAt: s.now(),
		}
		if err := tx.CreateImport(im); err != nil {
			return err
		}
		return s.audit(tx, u, epiloop.AuditChange, fmt.Sprintf("import:%d", im.ID), "import started")
	})
	return im, done, err
}

// rowBatch is a batch of rows with each valid row's community, routed by
// the reader goroutine while the writer commits the batch before.
type rowBatch struct {
	rows   []epiloop.ImportRow
	routes []routed
}

// routed is where a row's address routed: a community, or for an address
// that did not, the district it names (districtNamed).
type routed struct{ community, district string }

// readBatches reads rows from the first not yet committed, in batches, and
// routes their addresses: parsing and routing run beside the writer.
func (s *Service) readBatches(ctx context.Context, rows RowSource, from, size int, out chan<- rowBatch) error {
	defer close(out)
	batch := make([]epiloop.ImportRow, 0, size)
	send := func() error {
		b := rowBatch{rows: batch, routes: make([]routed, len(batch))}
		for i := range batch {
			if batch[i].Reject == nil {
				m := s.route(batch[i].Address)
				b.routes[i] = routed{community: m.Community}
				if m.Community == "" {
					b.routes[i].district = districtNamed(m)
				}
			}
		}
		select {
		case out <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		r, err := rows.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if r.Line < from {
			continue
		}
		batch = append(batch, r)
		if len(batch) == size {
			if err := send(); err != nil {
				return err
			}
			batch = make([]epiloop.ImportRow, 0, size)
		}
	}
	if len(batch) > 0 {
		return send()
	}
	return nil
}

// importBatch writes one batch and the import's progress in one
// transaction.
func (s *Service) importBatch(ctx context.Context, u *epiloop.User, im *epiloop.Import, opt ImportOptions, batch rowBatch) error {
	rows := batch.rows
	var counts epiloop.ImportCounts
	next := rows[len(rows)-1].Line + 1
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = s.importBatchTx(ctx, u, im, opt, batch, next, &counts)
		// A person created by a report racing this batch on another
		// replica: matching again finds them and merges.
		if epiloop.ErrorCode(err) != epiloop.ECONFLICT || epiloop.ErrorReason(err) == reasonImportTaken {
			break
		}
	}
	if err != nil {
		return err
	}
	im.NextRow = next
	im.Counts.Add(counts)
	im.UpdatedAt = s.now()
	s.notify()
	return nil
}

// importBatchTx is importBatch's transaction.
func (s *Service) importBatchTx(ctx context.Context, u *epiloop.User, im *epiloop.Import, opt ImportOptions, batch rowBatch, next int, counts *epiloop.ImportCounts) error {
	return s.Store.Update(epiloop.WithBulk(ctx), func(tx epiloop.Tx) error {
		if err := claimImport(tx, im); err != nil {
			return err
		}
		var err error
		b := &bulkBuilder{s: s, tx: tx, u: u, im: im, opt: opt, now: s.now()}
		if *counts, err = b.build(ctx, batch); err != nil {
			return err
		}
		up := *im
		up.NextRow = next
		up.Counts.Add(*counts)
		up.UpdatedAt = b.now
		return tx.UpdateImport(&up)
	})
}

// bulkBuilder turns a batch of rows into new persons, leads, tasks,
// sources, events and counter deltas, following the same rules as
// CreateLead: merge into an open lead, else route and double-push.
type bulkBuilder struct {
	s   *Service
	tx  epiloop.Tx
	u   *epiloop.User
	im  *epiloop.Import
	opt ImportOptions
	now time.Time

	batch      epiloop.BulkBatch
	risky      map[string]epiloop.Priority // priority memo by origin and arrival
	counters   map[epiloop.CounterKey]int64
	byKey      map[string]*epiloop.Lead // new leads of this batch by identity
	nextSource int64
}

func identityKey(p *epiloop.Person) string {
	if p.IDNumber != "" {
		return "i" + p.IDNumber
	}
	return "p" + p.Phone + "\x00" + p.Name
}

func (b *bulkBuilder) build(ctx context.Context, batch rowBatch) (epiloop.ImportCounts, error) {
	rows := batch.rows
	var c epiloop.ImportCounts
	var rejects []epiloop.ImportReject
	var valid []*epiloop.ImportRow
	var routes []routed
	var persons []epiloop.Person
	for i := range rows {
		r := &rows[i]
		c.Rows++
		if r.Reject != nil {
			rej := *r.Reject
			rej.Row, rej.Cells = r.Line, r.Cells
			rejects = append(rejects, rej)
			c.Rejected++
			continue
		}
		c.Accepted++
		valid = append(valid, r)
		routes = append(routes, batch.routes[i])
		persons = append(persons, r.Person)
	}
	if err := b.tx.AddImportRejects(b.im.ID, rejects); err != nil {
		return c, err
	}
	matches, err := b.tx.MatchPersons(persons)
	if err != nil {
		return c, err
	}
	b.counters = map[epiloop.CounterKey]int64{}
	b.byKey = map[string]*epiloop.Lead{}
	type merge struct {
		m   epiloop.ImportMatch
		src *epiloop.Source
	}
	var merges []merge
	// newMerges are rows that joined a lead created earlier in this batch:
	// their events wait for the lead's id.
	type newMerge struct {
		lead *epiloop.Lead
		src  *epiloop.Source
	}
	var newMerges []newMerge
	var fresh []*epiloop.Lead
	var warnings []epiloop.ImportWarning
	for i, r := range valid {
		src := &epiloop.Source{Kind: b.opt.Source, Ref: joinRef(b.opt.Ref, r.Ref), File: b.opt.Name, Row: r.Line,
			Reason: r.Reason, Address: r.Address, CreatedAt: b.now}
		prio := b.priority(ctx, riskReason(r))
		key := identityKey(&r.Person)
		m := matches[i]
		mismatch := b.nameMismatch(key, m, r)
		ws := b.rowWarnings(r, mismatch)
		warnings = append(warnings, ws...)
		c.Warnings += len(ws)
		if l := b.byKey[key]; l != nil {
			c.Merged++
			if mismatch {
				l.Mark(epiloop.MarkNameMismatch)
			}
			b.mergeNew(l, src, prio)
			newMerges = append(newMerges, newMerge{l, src})
			continue
		}
		if m.OpenLeadID != 0 {
			c.Merged++
			if m.Priority.Higher(prio) != m.Priority || r.Reason.Fever || r.Reason.CloseContact || mismatch {
				// Rare: the report raises or marks the lead; take the
				// full path.
				if err := b.s.mergeTx(b.tx, m.OpenLeadID, b.u, src, prio, b.now, nameMarks(m.Name, r.Person.Name)...); err != nil {
					return c, err
				}
				continue
			}
			merges = append(merges, merge{m, src})
			continue
		}
		l, err := b.newLead(r, routes[i], m.PersonID, prio, src)
		if err != nil {
			return c, err
		}
		if m.PersonID != 0 && m.Name != "" {
			l.Person.Name = m.Name // the person as recorded, for the rows after
		}
		if mismatch {
			l.Mark(epiloop.MarkNameMismatch)
		}
		b.byKey[key] = l
		fresh = append(fresh, l)
		c.LeadsCreated++
		c.TasksCreated += len(l.Tasks)
		if l.Status == epiloop.LeadUnroutable {
			c.Unroutable++
		}
	}
	if err := b.tx.AddImportWarnings(b.im.ID, warnings); err != nil {
		return c, err
	}
	if err := b.reserve(fresh, len(merges)); err != nil {
		return c, err
	}
	for _, m := range newMerges {
		b.batch.Events = append(b.batch.Events, epiloop.NewEvent(epiloop.EventLeadMerged, m.lead, b.now, b.u.ID,
			map[string]any{"import": b.im.ID, "row": m.src.Row, "source": m.src.Kind}))
	}
	next := b.nextSource
	for _, m := range merges {
		m.src.ID, next = next, next+1
		b.batch.Sources = append(b.batch.Sources, epiloop.BulkSource{LeadID: m.m.OpenLeadID, Source: m.src})
		// The lead's district and units, so that its watchers see the
		// new report, as they do for a merge outside an import.
		b.batch.Events = append(b.batch.Events, &epiloop.Event{Time: b.now, Kind: epiloop.EventLeadMerged, LeadID: m.m.OpenLeadID,
			ActorID: b.u.ID, District: m.m.District, Units: m.m.Units,
			Data: importEventData(map[string]any{"import": b.im.ID, "row": m.src.Row, "source": m.src.Kind})})
	}
	for k, n := range b.counters {
		if n != 0 {
			b.batch.Counters = append(b.batch.Counters, epiloop.CounterDelta{CounterKey: k, N: n})
		}
	}
	epiloop.SortCounterDeltas(b.batch.Counters)
	if err := b.tx.InsertBulk(&b.batch); err != nil {
		return c, err
	}
	return c, b.s.audit(b.tx, b.u, epiloop.AuditChange, fmt.Sprintf("import:%d", b.im.ID),
		fmt.Sprintf("rows %d–%d: %d leads, %d merged", rows[0].Line, rows[len(rows)-1].Line, c.LeadsCreated, c.Merged))
}

// nameMismatch reports whether a row names the person of its ID number
// otherwise than recorded — in the store, or by a row of the batch before
// it. Such a row is merged, as the number decides, and marked for a
// commander: never silently.
func (b *bulkBuilder) nameMismatch(key string, m epiloop.ImportMatch, r *epiloop.ImportRow) bool {
	known := m.Name
	if l := b.byKey[key]; l != nil {
		known = l.Person.Name
	}
	return epiloop.NameMismatch(known, r.Person.Name)
}

// riskReason is the reason a row's priority is judged on: an origin
// intake could not resolve, kept as written, is no place, and matches no
// risk area.
func riskReason(r *epiloop.ImportRow) epiloop.Reason {
	reason := r.Reason
	for _, w := range r.Warnings {
		if w.Code == epiloop.WarningOriginUnknown {
			reason.Origin = ""
		}
	}
	return reason
}

// rowWarnings returns a valid row's warnings as the import stores them:
// with the row's number and cells, numbered, and a name mismatch's own
// after intake's.
func (b *bulkBuilder) rowWarnings(r *epiloop.ImportRow, mismatch bool) []epiloop.ImportWarning {
	if len(r.Warnings) == 0 && !mismatch {
		return nil
	}
	out := make([]epiloop.ImportWarning, 0, len(r.Warnings)+1)
	out = append(out, r.Warnings...)
	if mismatch {
		header := ""
		if hs := b.headers(); r.NameColumn >= 0 && r.NameColumn < len(hs) {
			header = hs[r.NameColumn]
		}
		out = append(out, epiloop.ImportWarning{Code: epiloop.WarningNameMismatch, Column: r.NameColumn,
			Message: epiloop.WarningMessage(epiloop.WarningNameMismatch, header)})
	}
	for i := range out {
		out[i].Row, out[i].Seq, out[i].Cells = r.Line, i, r.Cells
	}
	return out
}

// headers are the file's column headers.
func (b *bulkBuilder) headers() []string {
	if len(b.opt.Headers) > 0 {
		return b.opt.Headers
	}
	return b.im.Headers
}

// priority is Service.priority, remembered per origin and arrival date:
// a manifest has thousands of rows for each, and the risk check reads the
// store.
func (b *bulkBuilder) priority(ctx context.Context, r epiloop.Reason) epiloop.Priority {
	if r.Fever || r.CloseContact {
		return epiloop.PriorityUrgent
	}
	key := r.Origin + "|" + r.ArrivalDate
	if p, ok := b.risky[key]; ok {
		return p
	}
	if b.risky == nil {
		b.risky = map[string]epiloop.Priority{}
	}
	p := b.s.priority(ctx, r)
	b.risky[key] = p
	return p
}

// newLead builds a new lead for a row (and its person when personID is
// 0), routed and pushed as CreateLead would.
func (b *bulkBuilder) newLead(r *epiloop.ImportRow, to routed, personID int64, prio epiloop.Priority, src *epiloop.Source) (*epiloop.Lead, error) {
	l := &epiloop.Lead{
		Person:       r.Person,
		Status:       epiloop.LeadUnroutable,
		Priority:     prio,
		Address:      r.Address,
		Reason:       r.Reason,
		Sources:      []*epiloop.Source{src},
		DistrictCode: to.district, // until pushed
	}
	l.Person.ID = personID
	l.CreatedAt, l.UpdatedAt = b.now, b.now
	if to.community != "" {
		if cm, ok := b.s.Community(to.community); ok {
			if _, err := b.s.newRound(l, cm, b.now); err != nil {
				return nil, err
			}
		}
	}
	return l, nil
}

// mergeNew merges a row into a lead created earlier in the same batch, by
// Service.merge, the rule of every merge.
func (b *bulkBuilder) mergeNew(l *epiloop.Lead, src *epiloop.Source, prio epiloop.Priority) {
	l.Sources = append(l.Sources, src)
	b.s.merge(l, src, prio)
}

// reserve assigns ids to the batch's new rows and adds them, with their
// events and counters, to the batch; the sources merged into existing
// leads take ids from nextSource on.
func (b *bulkBuilder) reserve(fresh []*epiloop.Lead, merged int) error {
	// Ids follow the community (then the file's order): the indexes that
	// begin with a community or a unit — a lead's community, its tasks'
	// units — then take a batch's rows run by run instead of at random
	// places, and their pages stay hot: tasks cost half as much to insert.
	// A batch's rows are created in the same instant; their order among
	// themselves carries nothing.
	slices.SortStableFunc(fresh, func(x, y *epiloop.Lead) int { return strings.Compare(x.CommunityCode, y.CommunityCode) })
	var nPersons, nTasks, nSources int
	for _, l := range fresh {
		if l.Person.ID == 0 {
			nPersons++
		}
		nTasks += len(l.Tasks)
		nSources += len(l.Sources)
	}
	nextPerson, err := b.tx.ReserveIDs("persons", nPersons)
	if err != nil {
		return err
	}
	nextLead, err := b.tx.ReserveIDs("leads", len(fresh))
	if err != nil {
		return err
	}
	nextTask, err := b.tx.ReserveIDs("tasks", nTasks)
	if err != nil {
		return err
	}
	nextSource, err := b.tx.ReserveIDs("sources", nSources+merged)
	if err != nil {
		return err
	}
	for _, l := range fresh {
		if l.Person.ID == 0 {
			l.Person.ID, nextPerson = nextPerson, nextPerson+1
			p := l.Person
			b.batch.Persons = append(b.batch.Persons, &p)
		}
		l.ID, nextLead = nextLead, nextLead+1
		b.batch.Leads = append(b.batch.Leads, l)
		for _, t := range l.Tasks {
			t.ID, t.LeadID, nextTask = nextTask, l.ID, nextTask+1
			b.batch.Tasks = append(b.batch.Tasks, t)
		}
		for _, src := range l.Sources {
			src.ID, nextSource = nextSource, nextSource+1
			b.batch.Sources = append(b.batch.Sources, epiloop.BulkSource{LeadID: l.ID, Source: src})
		}
		data := map[string]any{"import": b.im.ID, "row": l.Sources[0].Row, "source": b.opt.Source, "priority": l.Priority}
		if l.CommunityCode != "" {
			data["community"] = l.CommunityCode
		}
		b.batch.Events = append(b.batch.Events, epiloop.NewEvent(epiloop.EventLeadImported, l, b.now, b.u.ID, data))
		for _, k := range epiloop.Contribution(l) {
			b.counters[k]++
		}
	}
	b.nextSource = nextSource
	return nil
}

func joinRef(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func importEventData(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// FindImport returns an import: its creator and commanders may read it.
func (s *Service) FindImport(ctx context.Context, id int64) (*epiloop.Import, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var im *epiloop.Import
	err = s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		im, err = tx.FindImportByID(id, false)
		return err
	})
	if err != nil || (im.CreatedBy != u.ID && u.Role != epiloop.RoleCommander) {
		return nil, epiloop.Errorf(epiloop.ENOTFOUND, "err.import_not_found")
	}
	return im, nil
}

// EachImportReject calls fn for every rejected row of an import the caller
// may read, in row order; reading rejects (original cells) is audited.
func (s *Service) EachImportReject(ctx context.Context, id int64, fn func(epiloop.ImportReject) error) error {
	im, err := s.FindImport(ctx, id)
	if err != nil {
		return err
	}
	after := 0
	for {
		var page []epiloop.ImportReject
		err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
			page, err = tx.FindImportRejects(im.ID, after, 5000)
			return err
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
			after = r.Row
		}
		if len(page) < 5000 {
			return s.Audit(ctx, epiloop.AuditExport, fmt.Sprintf("import:%d", im.ID), "rejects")
		}
	}
}

// EachImportWarning calls fn for every warning of an import the caller may
// read, in row order, after its rejects in the report; reading them
// (original cells) is audited.
func (s *Service) EachImportWarning(ctx context.Context, id int64, fn func(epiloop.ImportWarning) error) error {
	im, err := s.FindImport(ctx, id)
	if err != nil {
		return err
	}
	if im.Counts.Warnings == 0 {
		return nil
	}
	afterRow, afterSeq := 0, 0
	for {
		var page []epiloop.ImportWarning
		err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
			page, err = tx.FindImportWarnings(im.ID, afterRow, afterSeq, 5000)
			return err
		})
		if err != nil {
			return err
		}
		for _, w := range page {
			if err := fn(w); err != nil {
				return err
			}
			afterRow, afterSeq = w.Row, w.Seq
		}
		if len(page) < 5000 {
			return s.Audit(ctx, epiloop.AuditExport, fmt.Sprintf("import:%d", im.ID), "warnings")
		}
	}
}
