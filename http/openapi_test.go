package http_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes: the document lists every API route the
// server serves, and nothing else.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	res := f.do(request{Method: "GET", Path: "/openapi.json"})
	if res.Status != 200 {
		t.Fatalf("openapi.json: %d", res.Status)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	var served []string
	for _, p := range f.srv.Routes() {
		if strings.Contains(p, " /api/v1/") {
			served = append(served, p)
		}
	}
	slices.Sort(documented)
	slices.Sort(served)
	for _, p := range served {
		if !slices.Contains(documented, p) {
			t.Errorf("route %s is not in the OpenAPI document: add it to apiDocs", p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(served, p) {
			t.Errorf("the document lists %s, which the server does not serve", p)
		}
	}
	if doc.OpenAPI != "3.1.0" || len(served) < 30 {
		t.Errorf("openapi %q with %d routes", doc.OpenAPI, len(served))
	}
}
