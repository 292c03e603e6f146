package loop_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// BenchDutyCommunities is the benchmark's city: Shenyang's 826 communities
// and 1,454 villages, each a node with three posts.
const BenchDutyCommunities = 826 + 1454

// BenchmarkDutyRoster generates 30 days of roster for every community's
// three posts (带班领导 24 h, 值班长 12 h, 值班员 4 × 6 h: 210 slots a
// community), counts the coverage gaps, sweeps the hand-overs and reads
// the dashboard's duty tiles, then answers duty/now for random
// communities; it reports the roster's time, the slots and gaps, the
// sweep's and the tiles' time, and duty/now's p95. Run it with -benchtime=200x (each iteration is one
// duty/now) and -bench DutyRoster/sqlite to leave PostgreSQL out.
func BenchmarkDutyRoster(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			f := newFixtureOn(b, e.open(b))
			posts := benchDutyStructure(b, f)
			start := time.Now()
			from := epiloop.CivilDate(f.clock.Now())
			to := epiloop.CivilDate(f.clock.Now().AddDate(0, 0, 29))
			patterns := []epiloop.ShiftPattern{epiloop.Shift24h, epiloop.Shift12h, epiloop.Shift4x6h}
			slots := 0
			for i, p := range posts {
				n, err := f.svc.GenerateRoster(commander, p, patterns[i%3], from, to)
				if err != nil {
					b.Fatal(err)
				}
				slots += n
			}
			roster := time.Since(start)
			start = time.Now()
			_, gaps, err := f.svc.FindDutySlots(commander, epiloop.DutySlotFilter{Gaps: true, Limit: 1})
			if err != nil {
				b.Fatal(err)
			}
			gapCheck := time.Since(start)
			f.clock.Add(5 * time.Hour)
			// The escalation loop's hand-over sweep (the slots that ended
			// in the last 12 hours) and the dashboard's duty tiles (gaps of
			// the next 7 days, late hand-overs, the inbox), city-wide.
			start = time.Now()
			if _, err := f.svc.EscalateHandovers(context.Background()); err != nil {
				b.Fatal(err)
			}
			sweep := time.Since(start)
			start = time.Now()
			if _, err := f.svc.DutyFigures(commander); err != nil {
				b.Fatal(err)
			}
			tiles := time.Since(start)
			var lat []time.Duration
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				t0 := time.Now()
				if _, err := f.svc.OnDutyNow(station, benchNode((i*7919)%BenchDutyCommunities)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(roster.Seconds(), "roster-s")
			b.ReportMetric(float64(slots), "slots")
			b.ReportMetric(gapCheck.Seconds()*1000, "gapcheck-ms")
			b.ReportMetric(float64(gaps), "gaps")
			b.ReportMetric(sweep.Seconds()*1000, "handover-sweep-ms")
			b.ReportMetric(tiles.Seconds()*1000, "duty-tiles-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "now-p95-ms")
		})
	}
}

func benchNode(i int) string { return fmt.Sprintf("C%04d", i) }

// benchDutyStructure seeds a headquarters, a node per community and its
// three posts, in one transaction, and answers the posts' ids.
func benchDutyStructure(b *testing.B, f *fixture) []int64 {
	b.Helper()
	var posts []int64
	kinds := []epiloop.PostKind{epiloop.PostLeaderOnDuty, epiloop.PostDutyChief, epiloop.PostDutyOfficer}
	err := f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		if err := tx.UpsertCommandNode(&epiloop.CommandNode{Code: "HQ", Kind: epiloop.NodeHeadquarters, Name: "指挥部", Leader: "张"}); err != nil {
			return err
		}
		for i := range BenchDutyCommunities {
			n := &epiloop.CommandNode{Code: benchNode(i), Kind: epiloop.NodeFront, Name: "社区", ParentCode: "HQ", Leader: "李"}
			if err := tx.UpsertCommandNode(n); err != nil {
				return err
			}
			for _, k := range kinds {
				p := &epiloop.Post{NodeCode: n.Code, Kind: k, Name: string(k), MinStaff: 1, MaxStaff: 2}
				if err := tx.CreatePost(p); err != nil {
					return err
				}
				posts = append(posts, p.ID)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return posts
}
