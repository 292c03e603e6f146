package gazetteer_test

import (
	"slices"
	"testing"

	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/gazetteer"
)

// withRegions is shenyang's gazetteer told the country's divisions, as the
// service wires it.
func withRegions(tb testing.TB) (*gazetteer.Gazetteer, *divisions.Tree) {
	tb.Helper()
	g, tr := shenyang(tb)
	x, err := divisions.Regions()
	if err != nil {
		tb.Fatal(err)
	}
	g.SetRegions(func(name string) (string, bool) {
		r, ok := x.Lookup(name)
		return r.Code, ok
	})
	return g, tr
}

// TestRouteReasons pins every reason a match gives, with its candidates
// and the district and street the address names.
func TestRouteReasons(t *testing.T) {
	g, tr := withRegions(t)
	tests := []struct {
		name    string
		address string
		want    gazetteer.Match
	}{
		{"routed names its district and street", "和平区浑河湾街道水源地社区12号楼", gazetteer.Match{Community: "210102001002", District: "210102", Street: "210102001"}},
		{"routed with the city first", "辽宁省沈阳市和平区水源地社区12号楼", gazetteer.Match{Community: "210102001002", District: "210102"}},
		{"routed by name alone names no district", "水源地社区12号楼", gazetteer.Match{Community: "210102001002"}},
		{"no address", "", gazetteer.Match{Reason: gazetteer.ReasonNoAddress}},
		{"street only", "和平区浑河湾街道某小区", gazetteer.Match{Reason: gazetteer.ReasonStreetOnly, Candidates: communitiesOf(tr, "210102001"), District: "210102", Street: "210102001"}},
		{"street without district", "浑河湾街道某小区", gazetteer.Match{Reason: gazetteer.ReasonStreetOnly, Candidates: communitiesOf(tr, "210102001"), District: "210102", Street: "210102001"}},
		{"ambiguous", "三隆社区5号", gazetteer.Match{Reason: gazetteer.ReasonAmbiguous, Candidates: []string{"210106001020", "210114011005"}}},
		{"ambiguous outside the named district", "和平区三隆社区", gazetteer.Match{Reason: gazetteer.ReasonAmbiguous, Candidates: []string{"210106001020", "210114011005"}, District: "210102"}},
		{"unknown village", "沈北新区某某屯3组", gazetteer.Match{Reason: gazetteer.ReasonUnknownVillage, District: "210113"}},
		{"unknown village of a town", "法库县依牛堡子镇某某村", gazetteer.Match{Reason: gazetteer.ReasonUnknownVillage, Candidates: communitiesOf(tr, "210124111"), District: "210124", Street: "210124111"}},
		{"district only", "沈阳市和平区", gazetteer.Match{Reason: gazetteer.ReasonNoMatch, District: "210102"}},
		{"nothing known", "沈阳市某某小区", gazetteer.Match{Reason: gazetteer.ReasonNoMatch}},
		{"another city", "北京市朝阳区建国路88号", gazetteer.Match{Reason: gazetteer.ReasonOutsideCity}},
		{"another city of the province", "辽宁省大连市中山区某小区", gazetteer.Match{Reason: gazetteer.ReasonOutsideCity}},
		{"another city, a name of ours after it", "大连市水源地社区5号", gazetteer.Match{Reason: gazetteer.ReasonOutsideCity}},
		{"another province", "河北省石家庄市长安区", gazetteer.Match{Reason: gazetteer.ReasonOutsideCity}},
		{"a market is no city", "五爱市场12号", gazetteer.Match{Reason: gazetteer.ReasonNoMatch}},
		{"a road named for a city", "沈阳市和平区北京街5号", gazetteer.Match{Reason: gazetteer.ReasonNoMatch, District: "210102"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := g.Route(tt.address)
			if got.Community != tt.want.Community || got.Reason != tt.want.Reason || !slices.Equal(got.Candidates, tt.want.Candidates) ||
				got.District != tt.want.District || got.Street != tt.want.Street {
				t.Errorf("Route(%q) = %+v\nwant %+v", tt.address, got, tt.want)
			}
		})
	}
}

// TestRouteEveryCommunityWithRegions: the country's names change nothing
// for the city's own addresses, written in full.
func TestRouteEveryCommunityWithRegions(t *testing.T) {
	g, tr := withRegions(t)
	for _, c := range tr.Communities {
		d, _ := tr.District(c.DistrictCode)
		s, _ := tr.Street(c.StreetCode)
		address := "辽宁省沈阳市" + d.Name + s.Name + c.Name + "1号"
		if got := g.Route(address); got.Community != c.Code || got.District != c.DistrictCode {
			t.Errorf("Route(%q) = %+v, want %s in %s", address, got, c.Code, c.DistrictCode)
		}
	}
}

func TestPlaceName(t *testing.T) {
	g, _ := withRegions(t)
	tests := []struct{ address, want string }{
		{"和平区祥和苑B座1201", "祥和苑"},
		{"沈阳市和平区阳光100国际新城5号楼", "阳光100国际新城"},
		{"沈阳市某某小区3号楼2单元", "某某小区"},
		{"和平区浑河湾街道某小区", "某小区"},
		{"和平区建设路18号祥和苑三号楼", "祥和苑"},
		{"和平区建设路18号", "建设路"},
		{"祥和苑3号楼南门", "祥和苑"},
		{"沈北新区某某村3组", "某某村"},
		{"水源地社区12号楼3单元", ""},
		{"三隆社区5号", ""},
		{"", ""},
		{"沈阳市和平区", ""},
	}
	for _, tt := range tests {
		if got := g.PlaceName(tt.address); got != tt.want {
			t.Errorf("PlaceName(%q) = %q, want %q", tt.address, got, tt.want)
		}
	}
}

// TestTeachingPlaceNameRoutes: what PlaceName offers, once taught, routes
// the address and the compound's other addresses — an ambiguous one too.
func TestTeachingPlaceNameRoutes(t *testing.T) {
	g, _ := withRegions(t)
	tests := []struct{ address, community, next string }{
		{"和平区祥和苑B座1201", "210102001005", "沈阳市和平区祥和苑A座302"},
		{"三隆社区华府花园5号", "210106001020", "三隆社区华府花园7号楼"},
		{"沈阳市和平区浑河湾街道某小区", "210102001002", "和平区某小区8号"},
	}
	for _, tt := range tests {
		if got := g.Route(tt.address); got.Community != "" {
			t.Fatalf("before teaching, Route(%q) = %+v", tt.address, got)
		}
		name := g.PlaceName(tt.address)
		if err := g.AddAlias(name, tt.community); err != nil {
			t.Fatalf("AddAlias(%q): %v", name, err)
		}
		for _, a := range []string{tt.address, tt.next} {
			if got := g.Route(a); got.Community != tt.community {
				t.Errorf("taught %q: Route(%q) = %+v, want %s", name, a, got, tt.community)
			}
		}
	}
	// A taught name holds inside the district it lies in only.
	if got := g.Route("铁西区祥和苑"); got.Community != "" {
		t.Errorf("taught name in another district routed: %+v", got)
	}
}

func BenchmarkRouteWithRegions(b *testing.B) {
	g, _ := withRegions(b)
	for _, bm := range []struct{ name, address string }{
		{"routed city first", "沈阳市和平区水源地社区12号楼3单元"},
		{"routed province first", "辽宁省沈阳市铁西区三隆社区兴华南街58号2-3-1"},
		{"outside", "北京市朝阳区建国路88号"},
		{"unroutable queue row", "沈阳市和平区浑河湾街道某小区3号楼"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Route(bm.address)
			}
		})
	}
}

// FuzzPlaceName: any address gives a name of 2 to 40 runes with no house
// number in it, or none; and routing it (with the country's names) keeps
// the invariants of a match.
func FuzzPlaceName(f *testing.F) {
	g, _ := withRegions(f)
	for _, s := range []string{"和平区祥和苑B座1201", "沈阳市和平区阳光100国际新城5号楼", "北京市朝阳区建国路88号", "祥和苑三号楼", "１２３号", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, address string) {
		name := g.PlaceName(address)
		if n := len([]rune(name)); name != "" && (n < 2 || n > 40) {
			t.Fatalf("PlaceName(%q) = %q: %d runes", address, name, n)
		}
		m := g.Route(address)
		if m.Community != "" && (m.Reason != "" || len(m.Candidates) > 0) || m.Community == "" && m.Reason == "" {
			t.Fatalf("Route(%q) = %+v", address, m)
		}
		if m.Reason == gazetteer.ReasonOutsideCity && (m.District != "" || len(m.Candidates) > 0) {
			t.Fatalf("outside the city but in a district: %+v", m)
		}
	})
}
