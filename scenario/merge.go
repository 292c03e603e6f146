package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// seedMerges reports three persons twice each in the demo district, the
// way duplicates happen despite exact de-duplication — first by phone and
// name, later by ID number; an ID number typed wrong; a name typed two
// ways — sweeps the candidates, and merges the third pair so that the
// history shows a merge that can be undone.
func seedMerges(ctx context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, cs []epiloop.Community) error {
	c := findCommunity(cs, DemoCommunity)
	district := "和平区"
	report := func(p epiloop.Person, kind epiloop.SourceKind, age time.Duration) (*epiloop.Lead, error) {
		clock.Set(now.Add(-age))
		rc, err := svc.CreateLead(ctx, loop.LeadInput{Person: p, Address: g.Address(district, c.Name),
			Source: epiloop.Source{Kind: kind, Ref: "演示数据"},
			Reason: epiloop.Reason{Origin: "420100", ArrivalDate: now.Add(-age).Format(time.DateOnly)}})
		if err != nil {
			return nil, err
		}
		return rc.Lead, nil
	}
	birth := "19680312"
	idA := epiloop.CompleteIDNumber("420102" + birth + "135")
	idTypo := epiloop.CompleteIDNumber("420102" + birth + "153")
	phone1, phone2 := g.Phone(), g.Phone()
	pairs := [][2]struct {
		p    epiloop.Person
		kind epiloop.SourceKind
		age  time.Duration
	}{
		{{epiloop.Person{Name: "刘建国", Phone: phone1}, epiloop.SourceHotline, 30 * time.Hour},
			{epiloop.Person{Name: "刘建国", Phone: phone1, IDNumber: g.IDNumber("420106")}, epiloop.SourceRail, 6 * time.Hour}},
		{{epiloop.Person{Name: "赵秀英", IDNumber: idA, Phone: g.Phone()}, epiloop.SourceHealth, 50 * time.Hour},
			{epiloop.Person{Name: "赵秀英", IDNumber: idTypo}, epiloop.SourceRoad, 20 * time.Hour}},
		{{epiloop.Person{Name: "孙立", Phone: phone2}, epiloop.SourceHotline, 70 * time.Hour},
			{epiloop.Person{Name: "孙力", Phone: phone2, IDNumber: g.IDNumber("420111")}, epiloop.SourceCity, 40 * time.Hour}},
	}
	var last [2]*epiloop.Lead
	for i, pair := range pairs {
		for j, r := range pair {
			l, err := report(r.p, r.kind, r.age)
			if err != nil {
				return fmt.Errorf("merge pair %d: %w", i, err)
			}
			last[j] = l
		}
	}
	clock.Set(now)
	if _, err := svc.SweepMergeCandidates(ctx); err != nil {
		return err
	}
	_, err := svc.MergePersons(ctx, last[1].Person.ID, last[0].Person.ID, epiloop.MergeChoice{Name: epiloop.SideSurvivor})
	return err
}
