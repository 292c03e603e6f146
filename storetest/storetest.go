// Package storetest is the conformance suite of the storage contract
// (epiloop.Store and epiloop.Tx), written once so that every engine runs
// the same tests against a real database and keeps one behaviour.
//
// The suite never continues a transaction after an expected error: each
// operation expected to fail runs in its own Update and its error is the
// one Update returns (PostgreSQL aborts a transaction at its first error).
// It assumes nothing about ID values beyond their being positive and
// growing in creation order, and compares times at millisecond precision.
package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// Run runs the suite. open returns a new, empty, migrated store for one
// test and registers its closing with t.Cleanup; tests run in parallel,
// each on its own store.
func Run(t *testing.T, open func(t testing.TB) epiloop.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s epiloop.Store)
	}{
		{"Engine", testEngine},
		{"Jurisdiction", testJurisdiction},
		{"Users", testUsers},
		{"Secrets", testSecrets},
		{"Persons", testPersons},
		{"Leads", testLeads},
		{"LeadSources", testLeadSources},
		{"LeadTasks", testLeadTasks},
		{"UpdateAfterLoad", testUpdateAfterLoad},
		{"FindLeads", testFindLeads},
		{"FindLeadsLimit", testFindLeadsLimit},
		{"Tasks", testTasks},
		{"FindTasks", testFindTasks},
		{"FindDueTasks", testFindDueTasks},
		{"Escalations", testEscalations},
		{"Events", testEvents},
		{"Counters", testCounters},
		{"Rollback", testRollback},
		{"ViewIsolation", testViewIsolation},
		{"Audit", testAudit},
		{"Retention", testRetention},
		{"ScreeningRetention", testScreeningRetention},
		{"UserSecretsRevoked", testUserSecretsRevoked},
		{"Checkpoints", testCheckpoints},
		{"Screenings", testScreenings},
		{"RiskAreas", testRiskAreas},
		{"StatCounters", testStatCounters},
		{"Sites", testSites},
		{"Observations", testObservations},
		{"Duty", testDuty},
		{"Notices", testNotices},
		{"Places", testPlaces},
		{"Patrols", testPatrols},
		{"Sorties", testSorties},
		{"IncidentStats", testIncidentStats},
		{"Volunteers", testVolunteers},
		{"StreamPositions", testStreamPositions},
		{"Desk", testDesk},
		{"Cases", testCases},
		{"Detention", testDetention},
		{"XCity", testXCity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.test(t, open(t))
		})
	}
}

func testEngine(t *testing.T, s epiloop.Store) {
	if s.Engine() == "" {
		t.Error("Engine() is empty")
	}
}

// update runs fn in a write transaction that must succeed.
func update(t testing.TB, s epiloop.Store, fn func(tx epiloop.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a read transaction that must succeed.
func view(t testing.TB, s epiloop.Store, fn func(tx epiloop.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantCode checks that err carries the error code want ("" for no error).
func wantCode(t testing.TB, what string, err error, want string) {
	t.Helper()
	if got := epiloop.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

// updateCode runs fn in its own write transaction and checks the code of
// the error Update returns.
func updateCode(t testing.TB, s epiloop.Store, what string, want string, fn func(tx epiloop.Tx) error) {
	t.Helper()
	wantCode(t, what, s.Update(t.Context(), fn), want)
}

// viewCode runs fn in its own read transaction and checks the code of the
// error View returns.
func viewCode(t testing.TB, s epiloop.Store, what string, want string, fn func(tx epiloop.Tx) error) {
	t.Helper()
	wantCode(t, what, s.View(t.Context(), fn), want)
}

// diff reports a mismatch of any two values.
func diff(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
	}
}

// show prints a value, following pointers one level so that a mismatch
// inside a *Task or *Feedback is readable.
func show(v any) string {
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
		return "<nil>"
	case rv.Kind() == reflect.Pointer && !rv.IsNil():
		return fmt.Sprintf("&%+v", rv.Elem().Interface())
	case rv.Kind() == reflect.Slice:
		s := "["
		for i := range rv.Len() {
			if i > 0 {
				s += " "
			}
			s += show(rv.Index(i).Interface())
		}
		return s + "]"
	}
	return fmt.Sprintf("%+v", v)
}

// at returns the suite's base time (a Saturday morning, UTC) plus d. Every
// time the suite stores is a whole millisecond.
func at(d time.Duration) time.Time {
	return time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC).Add(d)
}

// local returns t in China Standard Time: stores take times in any zone
// and return them in UTC.
func local(t time.Time) time.Time {
	return t.In(time.FixedZone("CST", 8*60*60))
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// wantUTC checks that a time came back in UTC (or zero).
func wantUTC(t testing.TB, what string, tm time.Time) {
	t.Helper()
	if !tm.IsZero() && tm.Location() != time.UTC {
		t.Errorf("%s: location %v, want UTC", what, tm.Location())
	}
}
