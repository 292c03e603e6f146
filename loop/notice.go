package loop

import (
	"context"

	"github.com/epiloop/epiloop"
)

// NoticeView is a notice with its delivery log.
type NoticeView struct {
	*epiloop.Notice
	Log []epiloop.NoticeAttempt `json:"log,omitempty"`
}

// FindNotices returns a page of the notices' outbox (newest first) and the
// total, with each notice's delivery log when log is set, for admins and
// auditors. Notices carry codes and ids only.
func (s *Service) FindNotices(ctx context.Context, f epiloop.NoticeFilter, log bool) ([]NoticeView, int, error) {
	if _, err := allowed(ctx, epiloop.ActReadNotices); err != nil {
		return nil, 0, err
	}
	var (
		out   []NoticeView
		total int
	)
	err := s.Store.View(ctx, func(tx epiloop.Tx) error {
		ns, n, err := tx.FindNotices(f)
		if err != nil {
			return err
		}
		out, total = make([]NoticeView, 0, len(ns)), n
		for _, no := range ns {
			v := NoticeView{Notice: no}
			if log {
				if v.Log, err = tx.FindNoticeAttempts(no.ID); err != nil {
					return err
				}
			}
			out = append(out, v)
		}
		return nil
	})
	return out, total, err
}
