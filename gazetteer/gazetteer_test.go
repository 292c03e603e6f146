package gazetteer_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/divisions"
	"github.com/epiloop/epiloop/gazetteer"
)

// shenyang builds a gazetteer over the reference tree, returning the tree
// too so tests can derive expectations from the data.
func shenyang(tb testing.TB) (*gazetteer.Gazetteer, *divisions.Tree) {
	tb.Helper()
	tr, err := divisions.Shenyang()
	if err != nil {
		tb.Fatalf("divisions.Shenyang: %v", err)
	}
	return gazetteer.New(tr.Districts, tr.Streets, tr.Communities), tr
}

// communitiesOf returns the codes of a street's communities.
func communitiesOf(tr *divisions.Tree, street string) []string {
	var out []string
	for _, c := range tr.CommunitiesOf(street) {
		out = append(out, c.Code)
	}
	return out
}

func TestRoute(t *testing.T) {
	g, tr := shenyang(t)
	tests := []struct {
		name    string
		address string
		want    gazetteer.Match
	}{
		{"city, district, community", "沈阳市和平区水源地社区12号楼3单元", gazetteer.Match{Community: "210102001002"}},
		{"district, community", "和平区水源地社区12号楼3单元", gazetteer.Match{Community: "210102001002"}},
		{"community alone", "水源地社区12号楼", gazetteer.Match{Community: "210102001002"}},
		{"with street", "沈阳市和平区浑河湾街道水源地社区12号楼3单元", gazetteer.Match{Community: "210102001002"}},
		{"full-width and spaces", "沈阳市 和平区　水源地社区 １２号楼３单元", gazetteer.Match{Community: "210102001002"}},
		{"longest name wins", "水源地社区", gazetteer.Match{Community: "210102001002"}},
		{"short form", "和平区水源地12号楼", gazetteer.Match{Community: "210102001002"}},
		{"full name beats short form", "南京南街水源地社区", gazetteer.Match{Community: "210102001002"}},
		{"ambiguous name", "三隆社区5号", gazetteer.Match{Candidates: []string{"210106001020", "210114011005"}, Reason: gazetteer.ReasonAmbiguous}},
		{"ambiguous name with district", "铁西区三隆社区5号", gazetteer.Match{Community: "210106001020"}},
		{"ambiguous name with other district", "沈阳市于洪区三隆社区", gazetteer.Match{Community: "210114011005"}},
		{"community not in named district", "和平区三隆社区", gazetteer.Match{Candidates: []string{"210106001020", "210114011005"}, Reason: gazetteer.ReasonAmbiguous}},
		{"village as written in data", "沈北新区五五村3组", gazetteer.Match{Community: "210113001200"}},
		{"villagers' committee addressed as village", "皇姑区文官村2组", gazetteer.Match{Community: "210105023201"}},
		{"village outside named district", "大东区文官村2组", gazetteer.Match{Candidates: []string{"210105023201"}, Reason: gazetteer.ReasonAmbiguous}},
		{"registered name beats a committee's place", "十里河社区", gazetteer.Match{Community: "210111011001"}},
		{"committee's place read after its town", "辽中区长滩镇东街村委会", gazetteer.Match{Community: "210115110208"}},
		{"villagers' committee in full", "文官村委会", gazetteer.Match{Community: "210105023201"}},
		{"village of 村民委员会", "满融村18号", gazetteer.Match{Community: "210102028201"}},
		{"short form of two", "皇姑区文官12号", gazetteer.Match{Candidates: []string{"210105023003", "210105023201"}, Reason: gazetteer.ReasonAmbiguous}},
		{"street only", "和平区浑河湾街道某小区", gazetteer.Match{Candidates: communitiesOf(tr, "210102001"), Reason: gazetteer.ReasonStreetOnly}},
		{"community outside named street", "浑河湾街道三隆社区", gazetteer.Match{Candidates: communitiesOf(tr, "210102001"), Reason: gazetteer.ReasonStreetOnly}},
		{"street short name is not enough", "浑河湾某小区", gazetteer.Match{Reason: gazetteer.ReasonNoMatch}},
		{"county as district", "法库县依牛堡子镇", gazetteer.Match{Candidates: communitiesOf(tr, "210124111"), Reason: gazetteer.ReasonStreetOnly}},
		{"district only", "沈阳市和平区", gazetteer.Match{Reason: gazetteer.ReasonNoMatch}},
		{"unknown", "北京市朝阳区建国路88号", gazetteer.Match{Reason: gazetteer.ReasonNoMatch}},
		{"empty", "", gazetteer.Match{Reason: gazetteer.ReasonNoAddress}},
		{"blank", " 　", gazetteer.Match{Reason: gazetteer.ReasonNoAddress}},
		{"unknown village in a named town", "法库县依牛堡子镇某某村3组", gazetteer.Match{Candidates: communitiesOf(tr, "210124111"), Reason: gazetteer.ReasonUnknownVillage}},
		{"unknown village", "沈北新区某某屯", gazetteer.Match{Reason: gazetteer.ReasonUnknownVillage}},
		{"a compound's 新村 is no village", "沈北新区工人新村5号", gazetteer.Match{Reason: gazetteer.ReasonNoMatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := g.Route(tt.address)
			if got.Community != tt.want.Community || got.Reason != tt.want.Reason || !slices.Equal(got.Candidates, tt.want.Candidates) {
				t.Errorf("Route(%q) = %+v, want %+v", tt.address, got, tt.want)
			}
		})
	}
}

func TestAddAlias(t *testing.T) {
	g, _ := shenyang(t)
	const address = "和平区祥和苑B座1201"
	if got := g.Route(address); got.Reason != gazetteer.ReasonNoMatch {
		t.Fatalf("before alias: Route = %+v, want no_match", got)
	}

	errs := []struct {
		name, alias, community, wantCode string
	}{
		{"taught", "祥和苑", "210102001005", ""},
		{"taught again", "祥和苑", "210102001005", ""},
		{"full-width", "Ｂ座大厦", "210102001005", ""},
		{"unknown community", "祥和苑", "210102001999", epiloop.EINVALID},
		{"too short", "城", "210102001005", epiloop.EINVALID},
		{"blank", "  ", "210102001005", epiloop.EINVALID},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			if got := epiloop.ErrorCode(g.AddAlias(tt.alias, tt.community)); got != tt.wantCode {
				t.Errorf("AddAlias(%q, %s) error code %q, want %q", tt.alias, tt.community, got, tt.wantCode)
			}
		})
	}

	routes := []struct {
		name, address, want string
	}{
		{"alias", address, "210102001005"},
		{"alias with spaces", "祥 和 苑", "210102001005"},
		{"full-width alias", "B座大厦3楼", "210102001005"},
	}
	for _, tt := range routes {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.Route(tt.address); got.Community != tt.want {
				t.Errorf("Route(%q) = %+v, want community %s", tt.address, got, tt.want)
			}
		})
	}
}

// TestRouteEveryCommunity routes each community by district and name, as
// an address would give them: every one must reach itself.
func TestRouteEveryCommunity(t *testing.T) {
	g, tr := shenyang(t)
	for _, c := range tr.Communities {
		d, _ := tr.District(c.DistrictCode)
		s, _ := tr.Street(c.StreetCode)
		address := d.Name + s.Name + c.Name + "1号"
		if got := g.Route(address); got.Community != c.Code {
			t.Errorf("Route(%q) = %+v, want %s", address, got, c.Code)
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	g, _ := shenyang(b)
	benchmarks := []struct {
		name    string
		address string
	}{
		{"routed", "沈阳市和平区水源地社区12号楼3单元"},
		{"routed long", "辽宁省沈阳市铁西区三隆社区兴华南街58号2-3-1"},
		{"village", "沈北新区五五村3组"},
		{"street only", "沈阳市浑南区浑河站东街道某某小区A座1201室"},
		{"no match", "北京市朝阳区建国路88号"},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Route(bm.address)
			}
		})
	}
}

// TestConcurrentAlias teaches aliases while other goroutines route, for
// the race detector.
func TestConcurrentAlias(t *testing.T) {
	g, _ := shenyang(t)
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				g.Route("和平区祥和苑B座")
			}
		}()
	}
	for i := range 200 {
		if err := g.AddAlias(fmt.Sprintf("祥和苑%d", i), "210102001005"); err != nil {
			t.Errorf("AddAlias: %v", err)
		}
	}
	for range 4 {
		<-done
	}
	if got, want := g.Route("祥和苑199号").Community, "210102001005"; got != want {
		t.Errorf("after aliases: got %q, want %q", got, want)
	}
}

func FuzzRoute(f *testing.F) {
	g, _ := shenyang(f)
	f.Add("沈阳市和平区水源地社区12号楼3单元")
	f.Add("三隆社区")
	f.Add("浑河湾街道")
	f.Fuzz(func(t *testing.T, address string) {
		m := g.Route(address)
		switch {
		case m.Community != "" && (m.Reason != "" || len(m.Candidates) > 0):
			t.Fatalf("routed match with reason or candidates: %+v", m)
		case m.Community == "" && m.Reason == "":
			t.Fatalf("unrouted match without reason: %+v", m)
		}
	})
}
