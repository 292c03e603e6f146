package http

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/epiloop/epiloop"
)

func (ui *ui) registerAuditPages() {
	ui.page("GET /audit", epiloop.ActReadAudit, ui.handleAuditPage)
}

// auditPageSize is how many entries the auditor's page shows at once.
const auditPageSize = 100

// auditPageData is the auditor's page: the trail newest first, filtered,
// a page at a time (Older continues below the last entry shown).
type auditPageData struct {
	Q       url.Values
	Actions []string
	Entries []*epiloop.AuditEntry
	Total   int
	Older   string
	formErrors
}

// handleAuditPage shows the trail to auditors, newest first, filtered by
// action, actor, object and date, with the same query as GET
// /api/v1/audit.
func (ui *ui) handleAuditPage(w http.ResponseWriter, r *http.Request, p *page) error {
	d := &auditPageData{Q: r.URL.Query(), Actions: epiloop.AuditActions}
	p.Title, p.Nav, p.Data = "audit.title", "audit", d
	f, err := auditFilterOf(r)
	if err != nil {
		if !userError(err) {
			return err
		}
		d.set(p, err, epiloop.ErrorField(err))
		return ui.render(w, formStatus(err), "audit", p)
	}
	f.Desc, f.Limit = true, auditPageSize
	if d.Entries, d.Total, err = ui.s.Service.FindAudit(r.Context(), f); err != nil {
		return err
	}
	if n := len(d.Entries); n == auditPageSize {
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(d.Entries[n-1].ID, 10))
		d.Older = "/audit?" + q.Encode()
	}
	return ui.render(w, http.StatusOK, "audit", p)
}
