package loop

import (
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestObservationDayMetrics: a plan counts on a civil day (China Standard
// Time) as made that day, as under observation from the day it was made
// until the day it ended (not on it), and as released or transferred on
// the day it ended; a plan still pending was never placed.
func TestObservationDayMetrics(t *testing.T) {
	cst := func(day, hour int) time.Time { return time.Date(2020, 2, day, hour, 0, 0, 0, epiloop.CivilZone()) }
	ended := func(t time.Time) *time.Time { return &t }
	made := cst(2, 0).Add(30 * time.Minute) // 2020-02-01T16:30Z
	tests := []struct {
		name string
		o    epiloop.Observation
		date string
		want []string
	}{
		{"the day before it was made", epiloop.Observation{Status: epiloop.ObservationActive, CreatedAt: made}, "2020-02-01", nil},
		{"made", epiloop.Observation{Status: epiloop.ObservationActive, CreatedAt: made}, "2020-02-02", []string{MetricObsNew, MetricObsUnder}},
		{"running", epiloop.Observation{Status: epiloop.ObservationActive, CreatedAt: made}, "2020-02-09", []string{MetricObsUnder}},
		{"pending", epiloop.Observation{Status: epiloop.ObservationPending, CreatedAt: made}, "2020-02-02", []string{MetricObsNew}},
		{"released that day", epiloop.Observation{Status: epiloop.ObservationReleased, CreatedAt: made, EndedAt: ended(cst(16, 9))}, "2020-02-16", []string{MetricObsReleased}},
		{"the day before release", epiloop.Observation{Status: epiloop.ObservationReleased, CreatedAt: made, EndedAt: ended(cst(16, 9))}, "2020-02-15", []string{MetricObsUnder}},
		{"transferred after midnight UTC+8", epiloop.Observation{Status: epiloop.ObservationTransferred, CreatedAt: made, EndedAt: ended(cst(5, 0).Add(time.Minute))}, "2020-02-05", []string{MetricObsTransferred}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := observationDayMetrics(&tc.o, tc.date); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
