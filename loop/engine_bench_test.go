package loop_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// BenchmarkClosedLoop measures one whole verification loop on each
// engine: a hotline lead created, routed and pushed to two units, both
// units' feedback submitted, reconciled and closed — three write
// transactions, each with its events, counters and audit entry. The
// parallel variant runs loops from several goroutines, as a server's
// requests come.
func BenchmarkClosedLoop(b *testing.B) {
	for _, e := range engines {
		for _, parallel := range []bool{false, true} {
			name := e.name
			if parallel {
				name += "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				f := newFixtureOn(b, e.open(b))
				var n atomic.Int64
				one := func() {
					id := idNumberN(int(n.Add(1)))
					l, _, err := leadOf(f.svc.CreateLead(commander, loop.LeadInput{
						Person:  epiloop.Person{IDNumber: id, Name: "张三", Phone: "13800138000"},
						Address: addrHome,
						Source:  epiloop.Source{Kind: epiloop.SourceHotline},
					}))
					if err != nil {
						b.Error(err)
						return
					}
					for _, side := range []struct {
						ctx  context.Context
						kind epiloop.UnitKind
					}{{station, epiloop.UnitPoliceStation}, {committee, epiloop.UnitCommittee}} {
						if _, err := f.svc.SubmitFeedback(side.ctx, l.LiveTask(side.kind).ID, home); err != nil {
							b.Error(err)
							return
						}
					}
				}
				if !parallel {
					for b.Loop() {
						one()
					}
					return
				}
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						one()
					}
				})
			})
		}
	}
}

// idNumberN returns a valid resident ID number for person n (n < 10⁶).
func idNumberN(n int) string {
	base := fmt.Sprintf("210102%04d0101%03d", 1900+n/1000%100, n%1000)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(base[i]-'0') * w
	}
	return base + string("10X98765432"[sum%11])
}
