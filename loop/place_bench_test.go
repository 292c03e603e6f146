package loop_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// BenchmarkPlaceFigures reads the places' figures of the whole city at
// the scale: 1,800 compounds (each with a deployment on site) and
// 7,234 gathering places, a third of them closed — what every dashboard
// and daily report reads: kept (within PlaceTilesTTL) and read from the
// rows.
func BenchmarkPlaceFigures(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	order := &epiloop.ClosureOrder{Number: "令1号", From: "2020-01-28"}
	err := f.store.Update(ctx, func(tx epiloop.Tx) error {
		for i := range 1800 + 7234 {
			p := compoundPlace(fmt.Sprintf("C%05d", i), heping, shuiyuandi, shuiyuandiCM, 2)
			if i >= 1800 {
				p = gatheringPlace(fmt.Sprintf("G%05d", i), heping, shuiyuandi, shuiyuandiPS)
				if i%3 == 0 {
					p.State, p.Order = epiloop.GatheringClosed, order
				}
			}
			p.CreatedAt, p.UpdatedAt = f.clock.Now(), f.clock.Now()
			if err := p.Validate(); err != nil {
				return err
			}
			if _, err := tx.UpsertPlace(p); err != nil {
				return err
			}
			if i < 1800 {
				d := &epiloop.Deployment{PlaceID: p.ID, DistrictCode: heping, UnitCode: shuiyuandiPS, PersonName: "王",
					PersonKind: "police", From: "2020-02-01", To: "2020-02-29", State: epiloop.DeploymentOnSite, CreatedAt: f.clock.Now()}
				if err := tx.SaveDeployment(d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		advance time.Duration
	}{{"kept", 0}, {"read", loop.PlaceTilesTTL + time.Second}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				f.clock.Set(f.clock.Now().Add(c.advance))
				figs, err := f.svc.PlaceFigures(commander)
				if err != nil || figs.Counts[epiloop.MetricUncoveredCompounds] != 1800 {
					b.Fatalf("%+v %v", figs, err)
				}
			}
		})
	}
}
