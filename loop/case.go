package loop

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
)

// The case register (epiloop/case.go): registering a case, moving it
// through the procedure, its suspects (masked; revealed for a purpose),
// the measures taken, goods and their custody log, and the figures. Every
// change writes its event, audit line and counters in its transaction; a
// case outside the caller's scope reads as missing.

func caseNotFound() error { return epiloop.Errorf(epiloop.ENOTFOUND, "err.case_not_found") }

func caseObject(id int64) string { return fmt.Sprintf("case:%d", id) }

// caseEvent is an event of c: its district and its handling unit see it;
// its data carries ids, states and codes only.
func caseEvent(kind string, c *epiloop.Case, now time.Time, u *epiloop.User, data map[string]any) *epiloop.Event {
	if data == nil {
		data = map[string]any{}
	}
	data["case"], data["number"] = c.ID, c.Number
	e := epiloop.NewEvent(kind, nil, now, u.ID, data)
	e.District, e.Units = c.DistrictCode, []string{c.UnitCode}
	return e
}

// recordCase writes c's event, audit line and the change of its counters
// from before (nil for a new case).
func (s *Service) recordCase(tx epiloop.Tx, u *epiloop.User, kind string, before, c *epiloop.Case, now time.Time, data map[string]any) error {
	if err := tx.AddStatCounters(epiloop.DeltaDiff(epiloop.CaseContribution(before), epiloop.CaseContribution(c))); err != nil {
		return err
	}
	if err := tx.CreateEvent(caseEvent(kind, c, now, u, data)); err != nil {
		return err
	}
	return s.audit(tx, u, epiloop.AuditChange, caseObject(c.ID), kind)
}

// visibleCase loads a case u may read (ENOTFOUND otherwise, as a
// missing one); with manage, one u may change (EFORBIDDEN for a reader
// who may not).
func visibleCase(tx epiloop.Tx, u *epiloop.User, id int64, lock, manage bool) (*epiloop.Case, error) {
	c, err := tx.FindCaseByID(id, lock)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && !epiloop.CaseVisible(u, c) {
		return nil, caseNotFound()
	}
	if err == nil && manage && !epiloop.MayManageCase(u, c) {
		return nil, forbidden()
	}
	return c, err
}

// CaseInput is what a person types for a case: its details and, for a
// new case, the handling unit (the caller's own unit when empty).
type CaseInput struct {
	Kind         epiloop.CaseKind `json:"kind"`
	Unit         string           `json:"unit"`
	Title        string           `json:"title"`
	Summary      string           `json:"summary"`
	AmountFen    int64            `json:"amount_fen"`
	RecoveredFen int64            `json:"recovered_fen"`
	Places       []string         `json:"places"`
	Addresses    []string         `json:"addresses"`
	Provinces    []string         `json:"provinces"`
	Cities       []string         `json:"cities"`
	// Suspects, for a new case, are those known at registration (caught
	// in the act, named by the hospital), each with the measure taken
	// then if any.
	Suspects []SuspectInput `json:"suspects,omitempty"`
}

// SuspectInput is a suspect as registered: the person and the measure
// taken as they came into the case (nil for none yet).
type SuspectInput struct {
	epiloop.Person
	Measure *epiloop.CaseMeasure `json:"measure,omitempty"`
}

func (in CaseInput) apply(c *epiloop.Case) {
	c.Kind, c.Title, c.Summary, c.AmountFen, c.RecoveredFen = in.Kind, in.Title, in.Summary, in.AmountFen, in.RecoveredFen
	c.Places, c.Addresses, c.Provinces, c.Cities = in.Places, in.Addresses, in.Provinces, in.Cities
}

// checkCaseRefs checks a case's places against the registry and its
// provinces and cities against the division codes.
func (s *Service) checkCaseRefs(tx epiloop.Tx, c *epiloop.Case) error {
	for _, code := range c.Places {
		if _, err := tx.FindPlaceByCode(code); epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("places", "err.case_place_unknown", code)
		} else if err != nil {
			return err
		}
	}
	idx, err := s.RegionIndex()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		field, level string
		codes        []string
	}{{"provinces", divisions.LevelProvince, c.Provinces}, {"cities", divisions.LevelCity, c.Cities}} {
		for _, code := range f.codes {
			if r, ok := idx.Lookup(code); !ok || r.Level != f.level {
				return epiloop.FieldError(f.field, "err.case_division_unknown", code)
			}
		}
	}
	return nil
}

// caseNumberParts returns the agency prefix of the city's case numbers
// and the short name of district ("" for headquarters).
func (s *Service) caseNumberParts(district string) (agency, short string) {
	s.mu.RLock()
	var names []string
	var name, city string
	for code, d := range s.districts {
		names = append(names, d.Name)
		if code == district {
			name = d.Name
		}
		if city == "" && len(code) >= 4 {
			city = code[:4]
		}
	}
	s.mu.RUnlock()
	agency = epiloop.CaseAgency("")
	if idx, err := s.RegionIndex(); err == nil && city != "" {
		if r, ok := idx.Lookup(city); ok {
			agency = epiloop.CaseAgency(r.Name)
		}
	}
	if name != "" {
		short = epiloop.DistrictShortName(name, names)
	}
	return agency, short
}

// RegisterCase registers a case (受案) handled by in.Unit (the caller's
// unit when empty), numbered in its district's year.
func (s *Service) RegisterCase(ctx context.Context, in CaseInput) (*epiloop.Case, error) {
	u, err := allowed(ctx, epiloop.ActManageCases)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &epiloop.Case{State: epiloop.CaseAccepted, AcceptedAt: now, CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
	in.apply(c)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if in.Unit == "" {
		in.Unit = u.UnitCode
	}
	for i := range in.Suspects {
		if err := in.Suspects[i].Normalize(); err != nil {
			return nil, prefixCaseField(err, fmt.Sprintf("suspects.%d.", i))
		}
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		unit, err := tx.FindUnitByCode(in.Unit)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("unit", "err.case_unit")
		} else if err != nil {
			return err
		}
		if !epiloop.MayHandleCaseAt(u, unit) {
			return epiloop.FieldError("unit", "err.case_unit")
		}
		if err := s.checkCaseRefs(tx, c); err != nil {
			return err
		}
		c.UnitCode, c.DistrictCode = unit.Code, unit.DistrictCode
		c.Year, _ = strconv.Atoi(epiloop.CivilDate(now)[:4])
		if c.Seq, err = tx.NextCaseSeq(c.DistrictCode, c.Year); err != nil {
			return err
		}
		agency, short := s.caseNumberParts(c.DistrictCode)
		c.Number = epiloop.CaseNumber(agency, short, c.Year, c.Seq)
		if err := tx.CreateCase(c); err != nil {
			return err
		}
		if err := s.recordCase(tx, u, epiloop.EventCaseRegistered, nil, c, now,
			map[string]any{"kind": c.Kind, "unit": c.UnitCode, "state": c.State}); err != nil {
			return err
		}
		for i, in := range in.Suspects {
			if _, err := s.addSuspect(tx, u, c, in.Person, in.Measure, now); err != nil {
				return prefixCaseField(err, fmt.Sprintf("suspects.%d.", i))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.notify()
	return c, nil
}

// UpdateCase changes a case's details (not its unit or state).
func (s *Service) UpdateCase(ctx context.Context, id int64, in CaseInput) (*epiloop.Case, error) {
	return s.changeCase(ctx, id, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) (string, map[string]any, error) {
		in.apply(c)
		if err := c.Validate(); err != nil {
			return "", nil, err
		}
		if err := s.checkCaseRefs(tx, c); err != nil {
			return "", nil, err
		}
		return epiloop.EventCaseUpdated, map[string]any{"kind": c.Kind}, tx.UpdateCase(c)
	})
}

// CaseStep is one step of the procedure as a person records it.
type CaseStep struct {
	To    epiloop.CaseState `json:"to"`
	DocNo string            `json:"doc_no"`
	Note  string            `json:"note"`
}

// TransitionCase moves a case one step along the procedure under a
// document number, recording who, when, the document and a note.
func (s *Service) TransitionCase(ctx context.Context, id int64, to epiloop.CaseState, docNo, note string) (*epiloop.Case, error) {
	return s.TransitionCaseSteps(ctx, id, []CaseStep{{To: to, DocNo: docNo, Note: note}})
}

// TransitionCaseSteps records several steps of the procedure at once (a
// case registered after the fact: 受案, 立案 and 侦查 the same day), each
// one state on from the last as the procedure's table allows, each with
// its document, event and audit line; all or none.
func (s *Service) TransitionCaseSteps(ctx context.Context, id int64, steps []CaseStep) (*epiloop.Case, error) {
	if len(steps) == 0 {
		return nil, epiloop.FieldError("to", "err.case_state")
	}
	var out *epiloop.Case
	err := s.withCase(ctx, id, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) error {
		for _, st := range steps {
			before := *c
			t, err := c.Transition(st.To, st.DocNo, st.Note)
			if err != nil {
				return err
			}
			t.ActorID, t.Actor, t.At = u.ID, u.Name, now
			if err := tx.SetCaseState(c.ID, t.From, t.To, now); err != nil {
				return err
			}
			if err := tx.CreateCaseTransition(t); err != nil {
				return err
			}
			if err := s.recordCase(tx, u, epiloop.EventCaseTransitioned, &before, c, now,
				map[string]any{"from": t.From, "to": t.To, "doc_no": t.DocNo, "note": t.Note}); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	return out, err
}

// withCase runs fn on a locked case u may change, in one transaction.
func (s *Service) withCase(ctx context.Context, id int64, fn func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) error) error {
	u, err := allowed(ctx, epiloop.ActManageCases)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		c, err := visibleCase(tx, u, id, true, true)
		if err != nil {
			return err
		}
		c.UpdatedAt = now
		return fn(tx, u, c, now)
	})
	if err == nil {
		s.notify()
	}
	return err
}

// changeCase runs change on a locked case u may change, then writes its
// event, audit line and counters.
func (s *Service) changeCase(ctx context.Context, id int64,
	change func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) (string, map[string]any, error)) (*epiloop.Case, error) {
	var out *epiloop.Case
	err := s.withCase(ctx, id, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) error {
		before := *c
		kind, data, err := change(tx, u, c, now)
		if err != nil {
			return err
		}
		out = c
		return s.recordCase(tx, u, kind, &before, c, now, data)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddGoods records a lot of goods seized in a case.
func (s *Service) AddGoods(ctx context.Context, caseID int64, g epiloop.CaseGoods) (*epiloop.CaseGoods, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	_, err := s.changeCase(ctx, caseID, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) (string, map[string]any, error) {
		g.ID, g.CaseID, g.CreatedBy, g.CreatedAt = 0, c.ID, u.ID, now
		if err := tx.CreateCaseGoods(&g); err != nil {
			return "", nil, err
		}
		return epiloop.EventCaseGoodsSeized, map[string]any{"goods": g.ID, "quantity": g.Quantity}, nil
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// RecordCustody appends an entry to a case's custody log, chained to the
// last one (the goods, when named, must be the case's).
func (s *Service) RecordCustody(ctx context.Context, caseID int64, e epiloop.CustodyEntry) (*epiloop.CustodyEntry, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	_, err := s.changeCase(ctx, caseID, func(tx epiloop.Tx, u *epiloop.User, c *epiloop.Case, now time.Time) (string, map[string]any, error) {
		if e.GoodsID != 0 {
			gs, err := tx.FindCaseGoods(c.ID)
			if err != nil {
				return "", nil, err
			}
			if !slices.ContainsFunc(gs, func(g epiloop.CaseGoods) bool { return g.ID == e.GoodsID }) {
				return "", nil, epiloop.FieldError("goods", "err.case_goods_unknown")
			}
		}
		e.ID, e.CaseID, e.ActorID, e.At = 0, c.ID, u.ID, now
		if err := tx.AppendCustody(&e, tx.AuditSigner()); err != nil {
			return "", nil, err
		}
		c.CustodyCount, c.CustodyHead = e.Seq, e.Hash
		return epiloop.EventCaseCustody, map[string]any{"seq": e.Seq, "action": e.Action, "goods": e.GoodsID}, nil
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// CaseList is one page of cases and the total.
type CaseList struct {
	Cases []epiloop.Case `json:"cases"`
	Total int            `json:"total"`
}

// FindCases returns a page of the cases f selects within the caller's
// scope.
func (s *Service) FindCases(ctx context.Context, f epiloop.CaseFilter) (*CaseList, error) {
	u, err := allowed(ctx, epiloop.ActReadCases)
	if err != nil {
		return nil, err
	}
	narrowToScope(u, &f.District, &f.Unit)
	out := &CaseList{}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		out.Cases, out.Total, err = tx.FindCases(f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CaseView is a case's page: the case, the states it may move to, its
// steps, its suspects (masked) with their measures, its goods, its
// custody log and the log's verification.
type CaseView struct {
	epiloop.Case
	Next        []epiloop.CaseState      `json:"next"`
	Transitions []epiloop.CaseTransition `json:"transitions"`
	Suspects    []epiloop.CaseSuspect    `json:"suspect_list"`
	Goods       []epiloop.CaseGoods      `json:"goods"`
	Custody     []epiloop.CustodyEntry   `json:"custody"`
	Check       epiloop.CustodyCheck     `json:"custody_check"`
	// Manage and Reveal say what the caller may do here.
	Manage bool `json:"manage"`
	Reveal bool `json:"reveal"`
}

// FindCase returns a case of the caller's scope with everything on it,
// the suspects masked and the custody log verified.
func (s *Service) FindCase(ctx context.Context, id int64) (*CaseView, error) {
	u, err := allowed(ctx, epiloop.ActReadCases)
	if err != nil {
		return nil, err
	}
	v := &CaseView{}
	err = s.Store.View(ctx, func(tx epiloop.Tx) error {
		c, err := visibleCase(tx, u, id, false, false)
		if err != nil {
			return err
		}
		v.Case = *c
		if v.Transitions, err = tx.FindCaseTransitions(id); err != nil {
			return err
		}
		if v.Suspects, err = tx.FindCaseSuspects(id); err != nil {
			return err
		}
		if v.Goods, err = tx.FindCaseGoods(id); err != nil {
			return err
		}
		if v.Custody, err = tx.FindCustody(id); err != nil {
			return err
		}
		v.Check = epiloop.VerifyCustody(c, v.Custody, tx.AuditSigner())
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range v.Suspects {
		v.Suspects[i] = v.Suspects[i].Masked()
	}
	v.Manage, v.Reveal = epiloop.MayManageCase(u, &v.Case), epiloop.MayRevealSuspects(u, &v.Case)
	if v.Manage {
		v.Next = v.State.Next()
	}
	v.Next = nonNilList(v.Next)
	return v, nil
}

// VerifyCaseCustody verifies a case's custody log.
func (s *Service) VerifyCaseCustody(ctx context.Context, id int64) (epiloop.CustodyCheck, error) {
	v, err := s.FindCase(ctx, id)
	if err != nil {
		return epiloop.CustodyCheck{}, err
	}
	return v.Check, nil
}
