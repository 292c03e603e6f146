package loop_test

import (
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

func TestGazetteerLearns(t *testing.T) {
	f := newFixture(t)
	const compound = "沈阳市和平区阳光100国际新城5号楼"
	l := f.lead(id1, compound, epiloop.Reason{})
	if l.Status != epiloop.LeadUnroutable {
		t.Fatalf("status %s, want unroutable before the gazetteer knows the compound", l.Status)
	}
	if _, err := f.svc.RouteLeadTeaching(commander, l.ID, shuiyuandi, "阳光100国际新城"); err != nil {
		t.Fatal(err)
	}
	if got := f.lead(id2, compound, epiloop.Reason{}); got.Status != epiloop.LeadPushed || got.CommunityCode != shuiyuandi {
		t.Errorf("taught address: %s in %q", got.Status, got.CommunityCode)
	}
	as, err := loop.ParseAliases(strings.NewReader("\ufeff名称,社区代码\n万达广场,210103005003\n\n"))
	if err != nil || len(as) != 1 {
		t.Fatalf("parse: %v %v", as, err)
	}
	if err := f.svc.AddAliases(station, as); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("station loading names: %v", err)
	}
	if err := f.svc.AddAliases(commander, append(as, loop.Alias{Name: "某地", Community: "999999999999"})); epiloop.ErrorCode(err) != epiloop.EINVALID {
		t.Errorf("unknown community: %v", err)
	}
	if err := f.svc.AddAliases(commander, as); err != nil {
		t.Fatal(err)
	}
	if got := f.lead(id3, "沈阳市万达广场A座", epiloop.Reason{}); got.CommunityCode != "210103005003" {
		t.Errorf("loaded name: routed to %q", got.CommunityCode)
	}
	for _, bad := range []string{"alias\nx\n", "", "名称,社区代码\n\"unterminated\n"} {
		if _, err := loop.ParseAliases(strings.NewReader(bad)); epiloop.ErrorCode(err) != epiloop.EINVALID {
			t.Errorf("ParseAliases(%q): %v", bad, err)
		}
	}
}

func TestUnroutableListsCandidates(t *testing.T) {
	f := newFixture(t)
	l := f.lead(id1, "沈阳市和平区浑河湾街道某小区", epiloop.Reason{})
	v, err := f.svc.FindLeadView(commander, l.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Timeline {
		if e.Kind == epiloop.EventLeadUnroutable {
			if !strings.Contains(string(e.Data), `"street_only"`) || !strings.Contains(string(e.Data), shuiyuandi) {
				t.Errorf("unroutable event data %s, want street_only with the street's communities", e.Data)
			}
			return
		}
	}
	t.Error("no lead.unroutable event")
}
