package postgres

import (
	"context"

	"github.com/epiloop/epiloop"
)

// For the back-pressure test: how many requests may wait, and how many
// more the committers may have taken into their groups.
const (
	MaxQueue   = maxQueue
	MaxRunning = committers * maxGroup
)

// CommitGroup runs fns as one group, as a committer runs the requests it
// found waiting together, and returns each one's outcome as Update would.
// Tests use it to decide which transactions share a commit.
func (db *DB) CommitGroup(fns ...func(tx epiloop.Tx) error) []error {
	group := make([]*request, len(fns))
	for i, fn := range fns {
		group[i] = &request{ctx: context.Background(), fn: fn, done: make(chan result, 1)}
	}
	db.commitGroup(group, 0)
	errs := make([]error, len(fns))
	for i, r := range group {
		res := <-r.done
		switch {
		case res.panicked != nil:
			errs[i] = Panicked{res.panicked}
		case res.alone:
			errs[i] = db.updateAlone(context.Background(), fns[i])
		default:
			errs[i] = res.err
		}
	}
	return errs
}

// Panicked is the outcome of a request of CommitGroup that panicked.
type Panicked struct{ Value any }

func (p Panicked) Error() string { return "panicked" }
