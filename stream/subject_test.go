package stream

import (
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
)

func TestSubject(t *testing.T) {
	tests := []struct {
		name, city, kind, district, want string
	}{
		{"lead in a district", "2101", epiloop.EventLeadClosed, "210102", "epiloop.2101.lead.closed.210102"},
		{"underscore kept", "2101", epiloop.EventObservationReleaseProposed, "210114", "epiloop.2101.observation.release_proposed.210114"},
		{"no district", "2101", epiloop.EventRiskAreaChanged, "", "epiloop.2101.risk_area.changed.city"},
		{"kind without a dot", "2101", "heartbeat", "210102", "epiloop.2101.heartbeat._.210102"},
		{"kind with two dots", "2101", "place.order.lifted", "210103", "epiloop.2101.place.order_lifted.210103"},
		{"reserved characters", "21 01", "lead.*", "2101>", "epiloop.21_01.lead._.2101_"},
		{"empty city", "", epiloop.EventTaskPushed, "210102", "epiloop._.task.pushed.210102"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Subject(tt.city, &epiloop.Event{Kind: tt.kind, District: tt.district})
			if got != tt.want {
				t.Errorf("Subject(%q, %q, %q) = %q, want %q", tt.city, tt.kind, tt.district, got, tt.want)
			}
		})
	}
}

// TestSubjectOfEveryKind checks every kind of event maps to five valid
// tokens inside its city's stream filter.
func TestSubjectOfEveryKind(t *testing.T) {
	filter := StreamSubjects("2101")
	if filter != "epiloop.2101.>" {
		t.Fatalf("StreamSubjects = %q", filter)
	}
	for _, k := range epiloop.EventKinds {
		s := Subject("2101", &epiloop.Event{Kind: k.Name, District: "210102"})
		tokens := strings.Split(s, ".")
		if len(tokens) != 5 || !strings.HasPrefix(s, strings.TrimSuffix(filter, ">")) {
			t.Errorf("%s: subject %q, want 5 tokens under %s", k.Name, s, filter)
		}
		if got := tokens[2] + "." + tokens[3]; got != k.Name {
			t.Errorf("kind %q is not named aggregate.change (one dot): its subject %q cannot keep it as it is", k.Name, s)
		}
		for _, tok := range tokens {
			if tok == "" || strings.ContainsAny(tok, " *>\t") {
				t.Errorf("%s: invalid token %q in %q", k.Name, tok, s)
			}
		}
	}
}
