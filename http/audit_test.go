package http_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuditQuery: the trail reads newest first with order=desc, filters
// by actor name, action and civil date, and refuses a bad order or date
// with the field named.
func TestAuditQuery(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 3; i++ {
		l := f.createLead(idNumber(i+1), addrHome)
		f.reveal(uCommander, l.ID)
	}
	type entry struct {
		ID     int64  `json:"id"`
		Actor  string `json:"actor"`
		Action string `json:"action"`
	}
	var asc, desc listJSON[entry]
	f.call(request{Method: "GET", Path: "/audit?action=reveal", As: uAuditor}, http.StatusOK, &asc)
	f.call(request{Method: "GET", Path: "/audit?action=reveal&order=desc&actor=" + uCommander, As: uAuditor}, http.StatusOK, &desc)
	if asc.Total != 3 || desc.Total != 3 || len(desc.Items) != 3 {
		t.Fatalf("reveals: %d ascending, %d descending, want 3", asc.Total, desc.Total)
	}
	for i := range desc.Items {
		if desc.Items[i].ID != asc.Items[2-i].ID || desc.Items[i].Actor != uCommander {
			t.Errorf("descending %d = %+v, want %+v", i, desc.Items[i], asc.Items[2-i])
		}
	}
	var none listJSON[entry]
	f.call(request{Method: "GET", Path: "/audit?action=reveal&to=2019-12-31", As: uAuditor}, http.StatusOK, &none)
	if none.Total != 0 {
		t.Errorf("reveals before 2020: %d", none.Total)
	}
	for q, field := range map[string]string{"order=sideways": "order", "from=2020-13-01": "from", "from=2020-02-02&to=2020-02-01": "to"} {
		res := f.do(request{Method: "GET", Path: "/audit?" + q, As: uAuditor})
		if e := errorOf(t, res); res.Status != http.StatusBadRequest || e.Error.Field != field {
			t.Errorf("%s: %d field %q, want 400 %s", q, res.Status, e.Error.Field, field)
		}
	}
}

// TestAuditPage: the auditor's page lists the trail newest first and
// filters it; other roles may not open it.
func TestAuditPage(t *testing.T) {
	f := newUIFixture(t, true)
	aud := f.session("auditor")
	resp, body := f.get("/audit", aud)
	checkPage(t, "/audit", resp, body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="audit-table"`) {
		t.Fatalf("audit page: %d", resp.StatusCode)
	}
	first := strings.Index(body, `data-entry="`)
	if first < 0 {
		t.Fatal("no entries")
	}
	resp, body = f.get("/audit?action=login", aud)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<td>登录</td>") || strings.Contains(body, "<td>查看</td>") {
		t.Errorf("filtered page: %d %s", resp.StatusCode, body)
	}
	resp, body = f.get("/audit?from=2020-02-31", aud)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="from-err"`) {
		t.Errorf("bad date: %d, want 422 beside the field", resp.StatusCode)
	}
	resp, _ = f.get("/audit", f.session(uiCommander))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("commander opens the audit page: %d, want 403", resp.StatusCode)
	}
}
