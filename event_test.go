package epiloop_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestEventKinds: the list names every kind once, each with its text in
// every language.
func TestEventKinds(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range epiloop.EventKinds {
		if seen[k.Name] {
			t.Errorf("%s listed twice", k.Name)
		}
		seen[k.Name] = true
		if k.Key() != "event."+k.Name {
			t.Errorf("%s: key %q", k.Name, k.Key())
		}
		for _, lang := range epiloop.Langs {
			if got := epiloop.T(lang, k.Key()); strings.HasPrefix(got, "[") {
				t.Errorf("%s: no %s text for %s", k.Name, lang, k.Key())
			}
		}
		if got, ok := epiloop.FindEventKind(k.Name); !ok || got.Name != k.Name {
			t.Errorf("FindEventKind(%s) = %v, %v", k.Name, got, ok)
		}
	}
	if _, ok := epiloop.FindEventKind("no.such"); ok {
		t.Error("FindEventKind found an unknown kind")
	}
	var received, closes []string
	for _, k := range epiloop.EventKinds {
		if k.Received {
			received = append(received, k.Name)
		}
		if k.Closes {
			closes = append(closes, k.Name)
		}
	}
	if want := []string{epiloop.EventLeadCreated, epiloop.EventLeadImported}; !slices.Equal(received, want) {
		t.Errorf("received kinds %v, want %v", received, want)
	}
	if want := []string{epiloop.EventLeadClosed, epiloop.EventLeadHandedOver}; !slices.Equal(closes, want) {
		t.Errorf("closing kinds %v, want %v", closes, want)
	}
}

// TestEventKindsListEveryConstant: each Event… constant of the domain
// is in the list, so that a new kind cannot be emitted unlisted.
func TestEventKindsListEveryConstant(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range epiloop.EventKinds {
		names = append(names, k.Name)
	}
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(node ast.Node) bool {
			vs, ok := node.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Event") {
				return true
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			kind, _ := strconv.Unquote(lit.Value)
			n++
			if !slices.Contains(names, kind) {
				t.Errorf("%s (%s, %s) is not in EventKinds", vs.Names[0].Name, kind, f)
			}
			return true
		})
	}
	if n != len(names) {
		t.Errorf("%d Event constants, %d kinds listed", n, len(names))
	}
}

// TestEventFreeTextInDetail: the free text a kind may carry goes to the
// event's sealed Detail, never to its data or its stream encoding.
func TestEventFreeTextInDetail(t *testing.T) {
	e := epiloop.NewEvent(epiloop.EventTaskReturned, nil, time.Time{}, 0, map[string]any{"unit": "u1", "reason": "人不在"})
	if strings.Contains(string(e.Data), "人不在") || !strings.Contains(string(e.Detail), "人不在") {
		t.Errorf("data %s, detail %s", e.Data, e.Detail)
	}
	if strings.Contains(string(e.JSON()), "人不在") {
		t.Errorf("stream encoding %s carries the free text", e.JSON())
	}
	e = epiloop.NewEvent(epiloop.EventLeadUnroutable, nil, time.Time{}, 0, map[string]any{"reason": "returned"})
	if !strings.Contains(string(e.Data), "returned") || e.Detail != nil {
		t.Errorf("a code moved to detail: data %s, detail %s", e.Data, e.Detail)
	}
}
