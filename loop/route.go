package loop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/gazetteer"
)

// Routing by hand: why a lead waits in the unroutable queue, and the
// commander's routing of one or several leads to a community, teaching
// the gazetteer on the way.

// Why a lead waits in the unroutable queue, beyond the gazetteer's reasons
// (gazetteer.Reason…).
const (
	// UnroutableReturned: a unit returned its task as not its
	// jurisdiction.
	UnroutableReturned = "returned"
	// UnroutableMatched: the address routes now (a name was taught since
	// the lead was queued); Candidates holds the community.
	UnroutableMatched = "matched"
)

// Unroutable says why a lead waits in the unroutable queue and what a
// commander may route it to: the gazetteer's match of its address (reason,
// candidates, the district and street it names), and for a returned task
// the unit's words.
type Unroutable struct {
	gazetteer.Match
	// Returned is the reason the unit gave, when Reason is
	// UnroutableReturned.
	Returned string
	// PlaceName is the name in the address to teach the gazetteer, ""
	// when there is none worth teaching.
	PlaceName string
}

// WhyUnroutable explains a lead of the unroutable queue. It routes the
// address again rather than reading the reason stored with the lead's
// lead.unroutable event: the gazetteer is in memory and routes an address
// in about 2 µs (gazetteer.BenchmarkRouteWithRegions), so a queue page of
// 100 leads costs a fraction of a millisecond, with no query per lead —
// and the answer is today's, with the names taught since.
func (s *Service) WhyUnroutable(l *epiloop.Lead) Unroutable {
	why := Unroutable{Match: s.route(l.Address)}
	for _, t := range l.LiveTasks() {
		if t.Status == epiloop.TaskReturned {
			why.Reason, why.Returned = UnroutableReturned, t.ReturnReason
			why.Candidates, why.Community = nil, ""
			return why
		}
	}
	if why.Community != "" {
		why.Reason, why.Candidates, why.Community = UnroutableMatched, []string{why.Community}, ""
		return why
	}
	if why.Reason != gazetteer.ReasonOutsideCity {
		why.PlaceName = s.placeName(l.Address)
	}
	return why
}

// placeName is the name in address to teach (gazetteer.PlaceName).
func (s *Service) placeName(address string) string {
	s.mu.RLock()
	g := s.gaz
	s.mu.RUnlock()
	if g == nil {
		return ""
	}
	return g.PlaceName(address)
}

// MaxRouteLeads is how many leads one routing by hand takes at most.
const MaxRouteLeads = 100

// RouteRequest routes unroutable leads by hand, all to one community.
type RouteRequest struct {
	LeadIDs   []int64
	Community string
	// Teach teaches the gazetteer, for the community, the name each lead's
	// address holds (WhyUnroutable's PlaceName) or Alias, so that the next
	// such address routes by itself.
	Teach bool
	// Alias, for one lead, is the name to teach instead.
	Alias string
	// Confirm routes a lead whose address names another district than the
	// community's; without it that lead is refused.
	Confirm bool
}

// RouteResult is what a routing by hand did: the leads, pushed, and the
// names the gazetteer learnt.
type RouteResult struct {
	Leads  []*epiloop.Lead
	Taught []Alias
}

// RouteLeads routes unroutable leads by hand to one community and pushes
// each to its two units, all or none: each lead's routing is its own
// change (events, counters, audit), in one transaction. A lead whose
// address names another district than the community's needs Confirm —
// the one rule for the pages and the API — since a commander's slip there
// sends a person to the wrong police station.
func (s *Service) RouteLeads(ctx context.Context, req RouteRequest) (*RouteResult, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	ids, community := req.LeadIDs, req.Community
	var taught []Alias
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		taught = nil
		cm, err := tx.FindCommunityByCode(community)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("community", "err.unknown_community_code")
		} else if err != nil {
			return err
		}
		now := s.now()
		for _, id := range ids {
			name, err := s.routeTx(tx, u, id, cm, req, now)
			if err != nil {
				return err
			}
			if name != "" && !slices.Contains(taught, Alias{name, community}) {
				taught = append(taught, Alias{Name: name, Community: community})
			}
		}
		if len(taught) == 0 {
			return nil
		}
		return s.audit(tx, u, epiloop.AuditAdmin, "gazetteer", fmt.Sprintf("%d aliases", len(taught)))
	})
	if err != nil {
		return nil, err
	}
	if len(taught) > 0 {
		if err := s.LoadGazetteer(ctx); err != nil {
			return nil, err
		}
	}
	s.notify()
	out := &RouteResult{Taught: taught}
	for _, id := range ids {
		l, err := s.loadLead(ctx, id)
		if err != nil {
			return nil, err
		}
		out.Leads = append(out.Leads, l)
	}
	return out, nil
}

// Validate checks the request's form — the leads (each once, kept so),
// the community code, the alias — and tidies it in place.
func (r *RouteRequest) Validate() error {
	var ids []int64
	for _, id := range r.LeadIDs {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	r.LeadIDs = ids
	r.Community = strings.TrimSpace(r.Community)
	r.Alias = epiloop.NormalizeSpace(r.Alias)
	switch {
	case len(ids) == 0 || len(ids) > MaxRouteLeads:
		return epiloop.FieldError("lead_ids", "err.route_leads_count", MaxRouteLeads)
	case len(r.Community) != 12 || strings.Trim(r.Community, "0123456789") != "":
		return epiloop.FieldError("community", "err.community_must_12_digit_community")
	case r.Alias != "" && len(ids) > 1:
		return epiloop.FieldError("alias", "err.route_alias_one_lead")
	case r.Alias != "" && (len([]rune(r.Alias)) < 2 || len(r.Alias) > 200):
		return epiloop.FieldError("alias", "err.alias_needs_2_200_bytes")
	}
	return nil
}

// routeTx routes one lead inside RouteLeads' transaction and teaches the
// gazetteer its name when asked; it returns the name taught.
func (s *Service) routeTx(tx epiloop.Tx, u *epiloop.User, id int64, cm *epiloop.Community, req RouteRequest, now time.Time) (string, error) {
	c, err := loadChange(tx, id, now, u)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && !epiloop.LeadVisible(u, c.lead, now) {
		return "", leadNotFound()
	} else if err != nil {
		return "", err
	}
	if !u.Can(epiloop.ActRoute) {
		return "", forbidden()
	}
	l := c.lead
	if l.Status != epiloop.LeadUnroutable {
		return "", epiloop.Errorf(epiloop.ECONFLICT, "err.lead_0_not_unroutable", l.ID, l.Status)
	}
	why := s.WhyUnroutable(l)
	if why.District != "" && why.District != cm.DistrictCode && !req.Confirm {
		return "", epiloop.FieldError("confirm", "err.route_crosses_district", l.ID, s.districtName(why.District), s.districtName(cm.DistrictCode))
	}
	name := ""
	if req.Teach {
		name = req.Alias
		if name == "" {
			name = why.PlaceName
		}
	}
	if err := cancelLive(c, "routed_by_hand"); err != nil {
		return "", err
	}
	c.emit(epiloop.EventLeadRouted, nil, map[string]any{"community": cm.Code, "taught": name != ""})
	if err := s.push(c, cm.Code); err != nil {
		return "", err
	}
	if name != "" {
		if err := tx.AddAlias(name, cm.Code); err != nil {
			return "", err
		}
	}
	return name, c.save()
}

// districtName is a district's name, or its code when the tree lacks it.
func (s *Service) districtName(code string) string {
	if d, ok := s.District(code); ok {
		return d.Name
	}
	return code
}
