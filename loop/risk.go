package loop

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/epiloop/epiloop"
)

// RiskAreas is the RiskChecker over the risk areas in the store: it tells
// CreateLead whether an arrival is from a risk area inside its watch
// window, from the list in force when asked.
type RiskAreas struct {
	Store  epiloop.Store
	Logger *slog.Logger
}

var _ RiskChecker = (*RiskAreas)(nil)

// NewRiskAreas returns the checker over store.
func NewRiskAreas(store epiloop.Store) *RiskAreas {
	return &RiskAreas{Store: store, Logger: slog.Default()}
}

// Risky reports whether origin (a canonical division code) lies in a risk
// area whose watch window holds arrival. A store error counts as not
// risky — priority is a hint for the order of work, and the lead is still
// created — and is logged.
func (r *RiskAreas) Risky(ctx context.Context, origin string, arrival time.Time) bool {
	var set *epiloop.RiskAreaSet
	err := r.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		set, err = tx.FindRiskAreas(0)
		return err
	})
	if err != nil {
		if r.Logger != nil {
			r.Logger.Error("risk areas unavailable", "err", err)
		}
		return false
	}
	return set.Match(origin, arrival) != nil
}

// RiskAreaInput is a commander's change to a risk area.
type RiskAreaInput struct {
	// Code is a division code or name; it is stored as the canonical code.
	Code  string
	Level epiloop.RiskLevel
	From  string
	To    string
	Note  string
}

// AddRiskArea appends a version of a risk area: the latest version of a
// code is in force from now on, while screenings already decided keep the
// version they used. Level none lifts the area. Commanders only.
func (s *Service) AddRiskArea(ctx context.Context, in RiskAreaInput) (*epiloop.RiskArea, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !u.Can(epiloop.ActManageRisk) {
		return nil, forbidden()
	}
	a := &epiloop.RiskArea{Code: epiloop.NormalizeSpace(in.Code), Level: in.Level, From: in.From, To: in.To, Note: in.Note}
	if a.Code == "" {
		return nil, epiloop.FieldError("code", "err.code_required_province_city_or")
	}
	if s.Regions != nil {
		code, ok := s.Regions.LookupCode(a.Code)
		if !ok {
			return nil, epiloop.ReasonError("code", "code_unknown")
		}
		a.Code = code
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		a.CreatedAt, a.CreatedBy = s.now(), u.ID
		if err := tx.CreateRiskArea(a); err != nil {
			return err
		}
		if err := s.audit(tx, u, epiloop.AuditAdmin, fmt.Sprintf("risk_area:%d", a.Version),
			fmt.Sprintf("%s %s %s..%s", a.Code, a.Level, a.From, a.To)); err != nil {
			return err
		}
		return tx.CreateEvent(&epiloop.Event{Time: a.CreatedAt, Kind: epiloop.EventRiskAreaChanged, ActorID: u.ID,
			Data: mustJSON(map[string]any{"code": a.Code, "level": a.Level, "from": a.From, "to": a.To, "version": a.Version})})
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return a, nil
}

// RiskAreaSet returns the risk areas in force now, with the version of the
// list. Every signed-in user may read them: officers at the gates need
// them.
func (s *Service) RiskAreaSet(ctx context.Context) (*epiloop.RiskAreaSet, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	var set *epiloop.RiskAreaSet
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		set, err = tx.FindRiskAreas(0)
		return err
	})
	return set, err
}

// RiskAreaHistory returns one page of every version ever made, newest
// first.
func (s *Service) RiskAreaHistory(ctx context.Context, offset, limit int) ([]epiloop.RiskArea, int, error) {
	if _, err := actor(ctx); err != nil {
		return nil, 0, err
	}
	var (
		out   []epiloop.RiskArea
		total int
	)
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		out, total, err = tx.FindRiskAreaHistory(offset, limit)
		return err
	})
	return out, total, err
}
