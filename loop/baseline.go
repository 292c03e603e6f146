package loop

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
)

// BulkBaseline writes rows synthetic input rows' worth of output — a
// person, a lead, two tasks, a source and an event each, spread over the
// communities as a manifest's destinations are — straight into the store
// with its bulk insert, in batches, with no parsing, matching or routing:
// the write limit of the engine, against which the import's rate is
// judged. The store should be a fresh database with the jurisdiction tree.
func BulkBaseline(ctx context.Context, store epiloop.Store, rows, batch int) (time.Duration, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	var cs []epiloop.Community
	if err := store.View(ctx, func(tx epiloop.Tx) (err error) {
		cs, err = tx.FindCommunities()
		return err
	}); err != nil {
		return 0, err
	}
	if len(cs) == 0 {
		return 0, fmt.Errorf("baseline: the database has no communities")
	}
	start := time.Now()
	for lo := 0; lo < rows; lo += batch {
		n := min(batch, rows-lo)
		err := store.Update(ctx, func(tx epiloop.Tx) error {
			b, err := baselineBatch(tx, lo, n, now, cs)
			if err != nil {
				return err
			}
			return tx.InsertBulk(b)
		})
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func baselineBatch(tx epiloop.Tx, lo, n int, now time.Time, cs []epiloop.Community) (*epiloop.BulkBatch, error) {
	person, err := tx.ReserveIDs("persons", n)
	if err != nil {
		return nil, err
	}
	lead, err := tx.ReserveIDs("leads", n)
	if err != nil {
		return nil, err
	}
	task, err := tx.ReserveIDs("tasks", 2*n)
	if err != nil {
		return nil, err
	}
	source, err := tx.ReserveIDs("sources", n)
	if err != nil {
		return nil, err
	}
	b := &epiloop.BulkBatch{}
	seq := make([]byte, 8)
	for i := 0; i < n; i++ {
		rand.Read(seq)
		id := epiloop.CompleteIDNumber(fmt.Sprintf("210102%08d%03d", 19500101+int(seq[0])%40*10000, (lo+i)%1000))
		p := &epiloop.Person{ID: person + int64(i), IDNumber: fmt.Sprintf("%s-%d", id, lo+i), Name: "旅客", Phone: "13800138000"}
		c := cs[int(binary.LittleEndian.Uint32(seq[4:]))%len(cs)]
		l := &epiloop.Lead{ID: lead + int64(i), Person: *p, Status: epiloop.LeadPushed, Priority: epiloop.PriorityNormal,
			Address: "沈阳市" + c.Name + "12号楼3单元", CommunityCode: c.Code, DistrictCode: c.DistrictCode,
			Reason: epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-22"}, Round: 1, CreatedAt: now, UpdatedAt: now}
		for j, side := range []struct {
			kind epiloop.UnitKind
			unit string
		}{{epiloop.UnitPoliceStation, c.Station}, {epiloop.UnitCommittee, epiloop.CommitteeCode(c.Code)}} {
			t := &epiloop.Task{ID: task + int64(2*i+j), LeadID: l.ID, Round: 1, Side: side.kind, UnitCode: side.unit,
				Status: epiloop.TaskPushed, Priority: epiloop.PriorityNormal, DistrictCode: c.DistrictCode,
				AcceptBy: now.Add(4 * time.Hour), FeedbackBy: now.Add(24 * time.Hour), EscalateAt: now.Add(4 * time.Hour), CreatedAt: now}
			l.Tasks = append(l.Tasks, t)
			b.Tasks = append(b.Tasks, t)
		}
		src := &epiloop.Source{ID: source + int64(i), Kind: epiloop.SourceRail, Ref: "G1234 05车12F", File: "baseline.csv", Row: lo + i + 1,
			Reason: l.Reason, Address: l.Address, CreatedAt: now}
		b.Persons = append(b.Persons, p)
		b.Leads = append(b.Leads, l)
		b.Sources = append(b.Sources, epiloop.BulkSource{LeadID: l.ID, Source: src})
		b.Events = append(b.Events, epiloop.NewEvent(epiloop.EventLeadImported, l, now, 0, map[string]any{"row": lo + i + 1}))
	}
	return b, nil
}
