package http

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/epiloop/epiloop/loop"
)

// TestLoadShedding: beyond MaxInFlight the server answers 503 with
// Retry-After at once; event streams are not counted.
func TestLoadShedding(t *testing.T) {
	s := NewServer(loop.NewService(nil), nil, nil)
	s.MaxInFlight = 1
	inside, release := make(chan struct{}), make(chan struct{})
	h := s.limit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(inside)
			<-release
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
	}()
	<-inside
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/leads", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("over the limit: %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/events", nil))
	if rec.Code != http.StatusNoContent {
		t.Errorf("event stream shed: %d", rec.Code)
	}
	close(release)
	wg.Wait()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/leads", nil))
	if rec.Code != http.StatusNoContent {
		t.Errorf("after the load dropped: %d, want served", rec.Code)
	}
}
