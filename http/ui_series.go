package http

import (
	"context"
	"sync"
	"time"

	"github.com/epiloop/epiloop"
)

// seriesCache aggregates the event log into leads received, closed and
// escalated per hour and district, for the dashboard's time series. The
// store has no read of events by time, so the first use finds the start of
// the window by a binary search over event ids (ids grow with time) and
// scans forward from there; later uses scan only the events added since.
// Each scan is bounded, so a burst costs at most maxScan events per
// request (the series then lags and catches up on the next requests).
type seriesCache struct {
	mu      sync.Mutex
	started bool
	last    int64
	buckets map[int64]map[string]*[3]int
}

const (
	seriesHours = 24
	maxScan     = 100_000
	scanPage    = 1000
)

// Series indexes.
const (
	seriesReceived = iota
	seriesClosed
	seriesEscalated
)

// refresh reads the events added since the last refresh.
func (c *seriesCache) refresh(ctx context.Context, store epiloop.Store, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	cutoff := now.Add(-seriesHours * time.Hour).Truncate(time.Hour)
	return store.View(ctx, func(tx epiloop.Tx) error {
		lastID, err := tx.LastEventID()
		if err != nil {
			return err
		}
		if !c.started || lastID-c.last > maxScan || lastID < c.last {
			start, err := firstEventSince(tx, lastID, cutoff)
			if err != nil {
				return err
			}
			c.last = max(start, lastID-maxScan)
			c.buckets = map[int64]map[string]*[3]int{}
			c.started = true
		}
		for scanned := 0; scanned < maxScan; {
			events, err := tx.FindEventsAfter(c.last, scanPage)
			if err != nil {
				return err
			}
			for _, e := range events {
				c.add(e)
				c.last = e.ID
			}
			scanned += len(events)
			if len(events) < scanPage {
				break
			}
		}
		for h := range c.buckets {
			if h < cutoff.Add(-time.Hour).Unix() {
				delete(c.buckets, h)
			}
		}
		return nil
	})
}

// firstEventSince returns the id after which the events at or after t
// begin: the largest id whose successor is at or after t.
func firstEventSince(tx epiloop.Tx, lastID int64, t time.Time) (int64, error) {
	lo, hi := int64(0), lastID // answer in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		es, err := tx.FindEventsAfter(mid, 1)
		if err != nil {
			return 0, err
		}
		if len(es) == 0 || !es[0].Time.Before(t) {
			hi = mid
		} else {
			lo = es[0].ID
		}
	}
	return lo, nil
}

func (c *seriesCache) add(e *epiloop.Event) {
	var i int
	switch e.Kind {
	case epiloop.EventLeadCreated:
		i = seriesReceived
	case epiloop.EventLeadClosed, epiloop.EventLeadHandedOver:
		i = seriesClosed
	case epiloop.EventTaskEscalated:
		i = seriesEscalated
	default:
		return
	}
	h := e.Time.Truncate(time.Hour).Unix()
	m := c.buckets[h]
	if m == nil {
		m = map[string]*[3]int{}
		c.buckets[h] = m
	}
	b := m[e.District]
	if b == nil {
		b = &[3]int{}
		m[e.District] = b
	}
	b[i]++
}

// series is one scope's hourly counts over the last 24 hours, oldest
// first.
type series struct {
	Hours     []time.Time
	Received  []int
	Closed    []int
	Escalated []int
}

// Total returns the sum of one series.
func total(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// read returns the hourly counts of the city (district "") or one
// district.
func (c *seriesCache) read(now time.Time, district string) series {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s series
	end := now.Truncate(time.Hour)
	for k := seriesHours - 1; k >= 0; k-- {
		h := end.Add(-time.Duration(k) * time.Hour)
		var sum [3]int
		for d, b := range c.buckets[h.Unix()] {
			if district != "" && d != district {
				continue
			}
			for i := range sum {
				sum[i] += b[i]
			}
		}
		s.Hours = append(s.Hours, h)
		s.Received = append(s.Received, sum[seriesReceived])
		s.Closed = append(s.Closed, sum[seriesClosed])
		s.Escalated = append(s.Escalated, sum[seriesEscalated])
	}
	return s
}
