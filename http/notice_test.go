package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// TestNoticesOverHTTP: an auditor reads the notices' outbox with its
// delivery log, filtered by status; malformed filters are 400 with the
// field; the outbox shows no channel address.
func TestNoticesOverHTTP(t *testing.T) {
	f := newFixture(t)
	err := f.store.Update(context.Background(), func(tx epiloop.Tx) error {
		_, err := tx.CreateNotice(&epiloop.Notice{Kind: epiloop.NoticeUrgentLead, Target: "210102", Channel: "sms",
			Address: "13912345678", Key: "1:sms:x", Status: epiloop.NoticePending, NextAttemptAt: time.Now(),
			Payload: epiloop.NoticePayload{Kind: epiloop.NoticeUrgentLead, EventID: 1, LeadID: 7, Target: "210102"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Items []struct {
			ID      int64  `json:"id"`
			Status  string `json:"status"`
			Channel string `json:"channel"`
		} `json:"items"`
		Total int `json:"total"`
	}
	resp := f.call(request{Method: "GET", Path: "/notices?status=pending&log=true", As: uAuditor}, http.StatusOK, &out)
	if out.Total != 1 || len(out.Items) != 1 || out.Items[0].Status != "pending" || out.Items[0].Channel != "sms" {
		t.Errorf("outbox = %+v", out)
	}
	if strings.Contains(string(resp.Body), "13912345678") {
		t.Errorf("the outbox shows a channel address: %s", resp.Body)
	}
	f.call(request{Method: "GET", Path: "/notices?status=dead", As: uAuditor}, http.StatusOK, &out)
	if out.Total != 0 {
		t.Errorf("dead notices: %+v", out)
	}
	for _, path := range []string{"/notices?status=lost", "/notices?log=maybe"} {
		f.call(request{Method: "GET", Path: path, As: uAuditor}, http.StatusBadRequest, nil)
	}
	f.call(request{Method: "GET", Path: "/notices", As: uCommander}, http.StatusForbidden, nil)
}
