package divisions

import (
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
)

// shenyang loads the reference tree or stops the test.
func shenyang(tb testing.TB) *Tree {
	tb.Helper()
	t, err := Shenyang()
	if err != nil {
		tb.Fatalf("Shenyang: %v", err)
	}
	return t
}

func TestShenyangCounts(t *testing.T) {
	tr := shenyang(t)
	tests := []struct {
		name      string
		got, want int
	}{
		{"districts", len(tr.Districts), 13},
		{"streets", len(tr.Streets), 190},
		{"communities", len(tr.Communities), 2703},
		{"streets of 和平区", len(tr.StreetsOf("210102")), 10},
		{"communities of 浑河湾街道", len(tr.CommunitiesOf("210102001")), len(communitiesWithPrefix(tr, "210102001"))},
		{"streets of unknown district", len(tr.StreetsOf("999999")), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
	if got, want := tr.City, (Region{Code: "2101", Name: "沈阳市", Level: LevelCity}); got != want {
		t.Errorf("City = %+v, want %+v", got, want)
	}
}

func communitiesWithPrefix(tr *Tree, prefix string) []string {
	var out []string
	for _, c := range tr.Communities {
		if strings.HasPrefix(c.Code, prefix) {
			out = append(out, c.Code)
		}
	}
	return out
}

func TestTreeLookups(t *testing.T) {
	tr := shenyang(t)
	t.Run("district", func(t *testing.T) {
		got, ok := tr.District("210102")
		want := epiloop.District{Code: "210102", Name: "和平区"}
		if !ok || got != want {
			t.Errorf("District(210102) = %+v, %v; want %+v, true", got, ok, want)
		}
	})
	t.Run("street", func(t *testing.T) {
		got, ok := tr.Street("210102001")
		want := epiloop.Street{Code: "210102001", Name: "浑河湾街道", DistrictCode: "210102"}
		if !ok || got != want {
			t.Errorf("Street(210102001) = %+v, %v; want %+v, true", got, ok, want)
		}
	})
	t.Run("community", func(t *testing.T) {
		got, ok := tr.Community("210102001002")
		want := epiloop.Community{Code: "210102001002", Name: "水源地社区", StreetCode: "210102001", DistrictCode: "210102", Station: "PS210102001"}
		if !ok || got != want {
			t.Errorf("Community(210102001002) = %+v, %v; want %+v, true", got, ok, want)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if _, ok := tr.Community("210102001999"); ok {
			t.Error("Community(210102001999) found, want not found")
		}
	})
	t.Run("every community has its street's station", func(t *testing.T) {
		for _, c := range tr.Communities {
			if got, want := c.Station, epiloop.DefaultStationCode(c.StreetCode); got != want {
				t.Fatalf("community %s: station %s, want %s", c.Code, got, want)
			}
		}
	})
}

func TestNewTreeRejects(t *testing.T) {
	city := Region{Code: "2101", Name: "沈阳市", Level: LevelCity}
	district := epiloop.District{Code: "210102", Name: "和平区"}
	street := epiloop.Street{Code: "210102001", Name: "浑河湾街道", DistrictCode: "210102"}
	tests := []struct {
		name        string
		city        Region
		districts   []epiloop.District
		streets     []epiloop.Street
		communities []epiloop.Community
		want        string // part of the error
	}{
		{"city code", Region{Code: "21", Name: "辽宁省"}, nil, nil, nil, "city code"},
		{"short district code", city, []epiloop.District{{Code: "21010", Name: "x"}}, nil, nil, "not 6 digits"},
		{"district of another city", city, []epiloop.District{{Code: "210202", Name: "中山区"}}, nil, nil, "not under city"},
		{"duplicate district", city, []epiloop.District{district, district}, nil, nil, "occurs twice"},
		{"street of unknown district", city, []epiloop.District{district}, []epiloop.Street{{Code: "210103001", Name: "x", DistrictCode: "210103"}}, nil, "unknown district"},
		{"street under wrong district", city, []epiloop.District{district}, []epiloop.Street{{Code: "210103001", Name: "x", DistrictCode: "210102"}}, nil, "not under its district"},
		{"community code", city, []epiloop.District{district}, []epiloop.Street{street}, []epiloop.Community{{Code: "21010200100A", Name: "x", StreetCode: "210102001", DistrictCode: "210102"}}, "not 12 digits"},
		{"community without name", city, []epiloop.District{district}, []epiloop.Street{street}, []epiloop.Community{{Code: "210102001002", StreetCode: "210102001", DistrictCode: "210102"}}, "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTree(tt.city, tt.districts, tt.streets, tt.communities)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNewTreeAcceptsShenyang(t *testing.T) {
	tr := shenyang(t)
	got, err := NewTree(tr.City, tr.Districts, tr.Streets, tr.Communities)
	if err != nil {
		t.Fatalf("NewTree: %v", err)
	}
	if len(got.Communities) != len(tr.Communities) {
		t.Errorf("got %d communities, want %d", len(got.Communities), len(tr.Communities))
	}
}
