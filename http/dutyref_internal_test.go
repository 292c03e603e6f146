package http

import "testing"

// A duty item's Ref links to its object's page; an unknown or empty one
// to none, and a key cannot leave its path segment.
func TestDutyRefPath(t *testing.T) {
	for ref, want := range map[string]string{
		"place:PL-1":           "/places/PL-1",
		"ticket:12":            "/desk/tickets/12",
		"facility:DT210102001": "/detention/DT210102001",
		"facility:../admin":    "/detention/..%2Fadmin",
		"rectification:3":      "",
		"ticket:":              "",
		"":                     "",
	} {
		if got := dutyRefPath(ref); got != want {
			t.Errorf("dutyRefPath(%q) = %q, want %q", ref, got, want)
		}
	}
}
