package loop_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/gazetteer"
	"github.com/epiloop/epiloop/loop"
)

// Places of the routing tests.
const (
	xianghe    = "210102001005" // a community of 和平区 浑河湾街道
	yongshun   = "210103005003" // a community of 沈河区
	compoundA  = "沈阳市和平区祥和苑B座1201"
	compoundB  = "沈阳市和平区祥和苑A座302"
	compoundC  = "和平区祥和苑5号楼2单元"
	namedHP    = "沈阳市和平区某某小区3号" // names 和平区 only
	ambiguous2 = "三隆社区8号"
)

// idOf is a valid ID number of its own for test person n.
func idOf(n int) string { return epiloop.CompleteIDNumber(fmt.Sprintf("21010219900101%03d", n)) }

func kindsOf(t *testing.T, f *fixture, id int64) []string {
	t.Helper()
	v, err := f.svc.FindLeadView(commander, id, true)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range v.Timeline {
		out = append(out, e.Kind)
	}
	return out
}

// TestRouteLeadsTeaches routes two leads of one compound in one step,
// teaching the gazetteer the compound's name: each is routed, evented and
// audited as a single routing, and the next lead of the compound routes
// by itself.
func TestRouteLeadsTeaches(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		a, b := f.lead(idOf(1), compoundA, epiloop.Reason{}), f.lead(idOf(2), compoundB, epiloop.Reason{})
		for _, l := range []*epiloop.Lead{a, b} {
			if l.Status != epiloop.LeadUnroutable {
				t.Fatalf("lead %d: %s before teaching, want unroutable", l.ID, l.Status)
			}
			if why := f.svc.WhyUnroutable(l); why.PlaceName != "祥和苑" || why.District != heping {
				t.Errorf("WhyUnroutable(%d) = %+v, want the place name 祥和苑 in %s", l.ID, why, heping)
			}
		}
		res, err := f.svc.RouteLeads(commander, loop.RouteRequest{LeadIDs: []int64{a.ID, b.ID, a.ID}, Community: xianghe, Teach: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Leads) != 2 || !slices.Equal(res.Taught, []loop.Alias{{Name: "祥和苑", Community: xianghe}}) {
			t.Fatalf("routed %d leads, taught %v; want 2 and 祥和苑", len(res.Leads), res.Taught)
		}
		want := []string{"lead.created", "lead.unroutable", "lead.routed", "lead.pushed", "task.pushed", "task.pushed"}
		for _, l := range res.Leads {
			if l.Status != epiloop.LeadPushed || l.CommunityCode != xianghe || len(l.LiveTasks()) != 2 {
				t.Errorf("lead %d: %s to %s with %d tasks, want pushed to %s with 2", l.ID, l.Status, l.CommunityCode, len(l.LiveTasks()), xianghe)
			}
			if got := kindsOf(t, f, l.ID); !slices.Equal(got, want) {
				t.Errorf("lead %d timeline %v, want %v", l.ID, got, want)
			}
			audited(t, f, fmt.Sprintf("lead:%d", l.ID), epiloop.AuditChange)
		}
		audited(t, f, "gazetteer", epiloop.AuditAdmin)
		if c := f.lead(idOf(3), compoundC, epiloop.Reason{}); c.Status != epiloop.LeadPushed || c.CommunityCode != xianghe {
			t.Errorf("the next lead of the compound: %s to %q, want pushed to %s by itself", c.Status, c.CommunityCode, xianghe)
		}
		// The lesson is stored: a reload from the database keeps it.
		if err := f.svc.LoadGazetteer(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c := f.lead(idOf(4), "和平区祥和苑9号", epiloop.Reason{}); c.CommunityCode != xianghe {
			t.Errorf("after reload: routed to %q, want %s", c.CommunityCode, xianghe)
		}
		f.checkCounters()
	})
}

// audited fails unless object has an audit entry of action.
func audited(t *testing.T, f *fixture, object, action string) {
	t.Helper()
	var n int
	err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
		_, total, err := tx.FindAudit(epiloop.AuditFilter{Object: &object, Action: &action, Limit: 10})
		n = total
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("no %s audit entry for %s", action, object)
	}
}

// TestRouteLeadsConfirmsOtherDistrict: a lead whose address names a
// district goes to a community of another district only when the
// commander confirms; the refusal names the field, and routes none of the
// leads asked for.
func TestRouteLeadsConfirmsOtherDistrict(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		named := f.lead(idOf(5), namedHP, epiloop.Reason{})
		nowhere := f.lead(idOf(6), "火星基地1号", epiloop.Reason{})
		req := loop.RouteRequest{LeadIDs: []int64{nowhere.ID, named.ID}, Community: yongshun}
		_, err := f.svc.RouteLeads(commander, req)
		if epiloop.ErrorCode(err) != epiloop.EINVALID || epiloop.ErrorField(err) != "confirm" {
			t.Fatalf("other district unconfirmed: %v, want invalid on confirm", err)
		}
		if l := f.find(nowhere.ID); l.Status != epiloop.LeadUnroutable {
			t.Errorf("a refused routing routed lead %d (%s): want all or none", l.ID, l.Status)
		}
		// Inside the named district, no confirmation.
		if _, err := f.svc.RouteLeads(commander, loop.RouteRequest{LeadIDs: []int64{named.ID}, Community: xianghe}); err != nil {
			t.Errorf("same district: %v", err)
		}
		req.LeadIDs = []int64{nowhere.ID, f.lead(idOf(7), namedHP, epiloop.Reason{}).ID}
		req.Confirm = true
		if _, err := f.svc.RouteLeads(commander, req); err != nil {
			t.Errorf("confirmed: %v", err)
		}
		f.checkCounters()
	})
}

func TestRouteLeadsRefuses(t *testing.T) {
	f := newFixture(t)
	l := f.lead(idOf(8), "火星基地1号", epiloop.Reason{})
	pushed := f.lead(idOf(9), addrHome, epiloop.Reason{})
	many := make([]int64, loop.MaxRouteLeads+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tests := []struct {
		name      string
		ctx       context.Context
		req       loop.RouteRequest
		code      string
		wantField string
	}{
		{"no leads", commander, loop.RouteRequest{Community: shuiyuandi}, epiloop.EINVALID, "lead_ids"},
		{"too many leads", commander, loop.RouteRequest{LeadIDs: many, Community: shuiyuandi}, epiloop.EINVALID, "lead_ids"},
		{"bad community", commander, loop.RouteRequest{LeadIDs: []int64{l.ID}, Community: "2101"}, epiloop.EINVALID, "community"},
		{"unknown community", commander, loop.RouteRequest{LeadIDs: []int64{l.ID}, Community: "999999999999"}, epiloop.EINVALID, "community"},
		{"one alias for several leads", commander, loop.RouteRequest{LeadIDs: []int64{l.ID, pushed.ID}, Community: shuiyuandi, Teach: true, Alias: "火星基地"}, epiloop.EINVALID, "alias"},
		{"a pushed lead among them", commander, loop.RouteRequest{LeadIDs: []int64{l.ID, pushed.ID}, Community: shuiyuandi}, epiloop.ECONFLICT, ""},
		{"a station", station, loop.RouteRequest{LeadIDs: []int64{l.ID}, Community: shuiyuandi}, epiloop.ENOTFOUND, ""},
		{"missing lead", commander, loop.RouteRequest{LeadIDs: []int64{999999}, Community: shuiyuandi}, epiloop.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.RouteLeads(tt.ctx, tt.req)
			if epiloop.ErrorCode(err) != tt.code || epiloop.ErrorField(err) != tt.wantField {
				t.Errorf("RouteLeads: %v, want %s on %q", err, tt.code, tt.wantField)
			}
		})
	}
	if got := f.find(l.ID); got.Status != epiloop.LeadUnroutable {
		t.Errorf("refusals routed the lead: %s", got.Status)
	}
}

// TestWhyUnroutable: the queue's reasons — the gazetteer's, a unit's
// return, and an address that routes since a name was taught.
func TestWhyUnroutable(t *testing.T) {
	f := newFixture(t)
	amb := f.svc.WhyUnroutable(f.lead(idOf(10), ambiguous2, epiloop.Reason{}))
	if amb.Reason != gazetteer.ReasonAmbiguous || len(amb.Candidates) != 2 {
		t.Errorf("ambiguous: %+v", amb)
	}
	if why := f.svc.WhyUnroutable(f.lead(idOf(11), "", epiloop.Reason{})); why.Reason != gazetteer.ReasonNoAddress {
		t.Errorf("no address: %+v", why)
	}
	if why := f.svc.WhyUnroutable(f.lead(idOf(12), "北京市朝阳区建国路88号", epiloop.Reason{})); why.Reason != gazetteer.ReasonOutsideCity || why.PlaceName != "" {
		t.Errorf("outside the city: %+v, want outside_city with no name to teach", why)
	}
	queued := f.lead(idOf(13), compoundA, epiloop.Reason{})
	if err := f.svc.AddAliases(commander, []loop.Alias{{Name: "祥和苑", Community: xianghe}}); err != nil {
		t.Fatal(err)
	}
	if why := f.svc.WhyUnroutable(f.find(queued.ID)); why.Reason != loop.UnroutableMatched || !slices.Equal(why.Candidates, []string{xianghe}) {
		t.Errorf("taught since: %+v, want matched %s", why, xianghe)
	}
	l := f.lead(idOf(14), addrHome, epiloop.Reason{})
	if _, err := f.svc.ReturnTask(station, taskOf(t, l, epiloop.UnitPoliceStation).ID, "户籍不在本辖区"); err != nil {
		t.Fatal(err)
	}
	if why := f.svc.WhyUnroutable(f.find(l.ID)); why.Reason != loop.UnroutableReturned || why.Returned != "户籍不在本辖区" || why.District != heping {
		t.Errorf("returned: %+v", why)
	}
}
