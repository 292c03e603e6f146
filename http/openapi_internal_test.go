package http

import (
	"slices"
	"testing"

	"github.com/epiloop/epiloop/loop"
)

// TestAPIDocsHaveRoutes: no entry of the OpenAPI table outlives its route.
func TestAPIDocsHaveRoutes(t *testing.T) {
	s := NewServer(loop.NewService(nil), nil, nil)
	routes := s.Routes()
	for pattern := range apiDocs {
		if !slices.Contains(routes, pattern) {
			t.Errorf("apiDocs documents %s, which is not registered", pattern)
		}
	}
}
