package http

import (
	"net/http"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func (s *Server) registerNoticeRoutes() {
	s.api("GET /api/v1/notices", epiloop.ActReadNotices, s.handleNoticeIndex)
}

// handleNoticeIndex answers the notices' outbox, newest first
// (?status=pending|delivered|dead&log=true&page=&per_page=).
func (s *Server) handleNoticeIndex(w http.ResponseWriter, r *http.Request) error {
	var f epiloop.NoticeFilter
	var err error
	if f.Offset, f.Limit, err = paging(r); err != nil {
		return err
	}
	q := r.URL.Query()
	if v := q.Get("status"); v != "" {
		st := epiloop.NoticeStatus(v)
		if st != epiloop.NoticePending && st != epiloop.NoticeDelivered && st != epiloop.NoticeDead {
			return epiloop.FieldError("status", "err.notice_status_unknown")
		}
		f.Status = &st
	}
	log, err := queryFlag(r, "log", "err.notice_log_true_or_false")
	if err != nil {
		return err
	}
	items, total, err := s.Service.FindNotices(r.Context(), f, log)
	if err != nil {
		return err
	}
	if items == nil {
		items = []loop.NoticeView{}
	}
	writeJSON(w, http.StatusOK, list[loop.NoticeView]{Items: items, Total: total})
	return nil
}
