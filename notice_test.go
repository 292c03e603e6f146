package epiloop

import (
	"encoding/json"
	"testing"
	"time"
)

func TestNoticeFor(t *testing.T) {
	at := time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC)
	ev := func(kind, district, data string) *Event {
		return &Event{ID: 9, Time: at, Kind: kind, LeadID: 7, District: district, Data: json.RawMessage(data)}
	}
	tests := []struct {
		name   string
		e      *Event
		ok     bool
		kind   string
		target string
	}{
		{"urgent lead", ev(EventLeadCreated, "210102", `{"priority":"urgent"}`), true, NoticeUrgentLead, "210102"},
		{"urgent merge", ev(EventLeadMerged, "210102", `{"priority":"urgent"}`), true, NoticeUrgentLead, "210102"},
		{"urgent unroutable", ev(EventLeadCreated, "", `{"priority":"urgent"}`), true, NoticeUrgentLead, TargetHQ},
		{"normal lead", ev(EventLeadCreated, "210102", `{"priority":"normal"}`), false, "", ""},
		{"fever alert", ev(EventObservationAlert, "210103", `{"fever":true}`), true, NoticeObservationAlert, "210103"},
		{"to district", ev(EventTaskEscalated, "210102", `{"level":"district"}`), true, NoticeEscalation, "210102"},
		{"to headquarters", ev(EventTaskEscalated, "210102", `{"level":"headquarters"}`), true, NoticeEscalation, TargetHQ},
		{"other", ev(EventTaskAccepted, "210102", `{}`), false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := NoticeFor(tc.e)
			if ok != tc.ok || (ok && (p.Kind != tc.kind || p.Target != tc.target || p.EventID != 9 || p.LeadID != 7)) {
				t.Errorf("got %+v, %v; want %s for %s, %v", p, ok, tc.kind, tc.target, tc.ok)
			}
		})
	}
}

func TestNoticeBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {6, 32 * time.Minute}, {7, time.Hour}, {20, time.Hour}}
	for _, tc := range tests {
		if got := NoticeBackoff(tc.attempts, time.Minute, time.Hour); got != tc.want {
			t.Errorf("NoticeBackoff(%d) = %v, want %v", tc.attempts, got, tc.want)
		}
	}
}

func TestNoticeTextHasEveryKind(t *testing.T) {
	for _, k := range NoticeKinds {
		m := NoticePayload{Kind: k, LeadID: 1, Target: TargetHQ}.Text()
		if !HasText(m.Key) {
			t.Errorf("no text for notice kind %s (%s)", k, m.Key)
		}
	}
}
