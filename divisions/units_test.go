package divisions

import (
	"testing"

	"github.com/epiloop/epiloop"
)

func TestUnits(t *testing.T) {
	tr := shenyang(t)
	units := tr.Units()

	count := make(map[epiloop.UnitKind]int)
	codes := make(map[string]bool)
	stationNames := make(map[string]string)
	byCode := make(map[string]epiloop.Unit)
	for _, u := range units {
		if err := u.Validate(); err != nil {
			t.Errorf("unit %s: %v", u.Code, err)
		}
		if codes[u.Code] {
			t.Errorf("unit code %s occurs twice", u.Code)
		}
		codes[u.Code] = true
		count[u.Kind]++
		byCode[u.Code] = u
		if u.Kind == epiloop.UnitPoliceStation {
			if other, dup := stationNames[u.Name]; dup {
				t.Errorf("station name %s used by %s and %s", u.Name, other, u.Code)
			}
			stationNames[u.Name] = u.Code
		}
		if u.Kind != epiloop.UnitHeadquarters && u.DistrictCode == "" {
			t.Errorf("unit %s has no district", u.Code)
		}
	}

	t.Run("counts", func(t *testing.T) {
		for _, tt := range []struct {
			kind epiloop.UnitKind
			want int
		}{
			{epiloop.UnitHeadquarters, 1},
			{epiloop.UnitSubCommand, 13},
			{epiloop.UnitPoliceStation, 190},
			{epiloop.UnitCommittee, 2703},
		} {
			if got := count[tt.kind]; got != tt.want {
				t.Errorf("%s: got %d, want %d", tt.kind, got, tt.want)
			}
		}
	})

	tests := []struct {
		name string
		code string
		want epiloop.Unit
	}{
		{"headquarters", "HQ", epiloop.Unit{Code: "HQ", Kind: epiloop.UnitHeadquarters, Name: "沈阳市疫情防控指挥部"}},
		{"sub-command", "SC210102", epiloop.Unit{Code: "SC210102", Kind: epiloop.UnitSubCommand, Name: "和平区分指挥部", DistrictCode: "210102"}},
		{"station of a sub-district", "PS210102001", epiloop.Unit{Code: "PS210102001", Kind: epiloop.UnitPoliceStation, Name: "和平区浑河湾派出所", DistrictCode: "210102"}},
		{"station of a town", "PS210123101", epiloop.Unit{Code: "PS210123101", Kind: epiloop.UnitPoliceStation, Name: "康平县小城子派出所", DistrictCode: "210123"}},
		{"station of an ethnic township", "PS210123208", epiloop.Unit{Code: "PS210123208", Kind: epiloop.UnitPoliceStation, Name: "康平县沙金台派出所", DistrictCode: "210123"}},
		{"station of a farm named after its district", "PS210113404", epiloop.Unit{Code: "PS210113404", Kind: epiloop.UnitPoliceStation, Name: "沈北新区马刚林场派出所", DistrictCode: "210113"}},
		{"station of the development zone", "PS210106401", epiloop.Unit{Code: "PS210106401", Kind: epiloop.UnitPoliceStation, Name: "铁西区经济技术开发区派出所", DistrictCode: "210106"}},
		{"community committee", "CM210102001002", epiloop.Unit{Code: "CM210102001002", Kind: epiloop.UnitCommittee, Name: "水源地社区居委会", DistrictCode: "210102"}},
		{"village written 村", "CM210113001200", epiloop.Unit{Code: "CM210113001200", Kind: epiloop.UnitCommittee, Name: "五五村委会", DistrictCode: "210113"}},
		{"village written 村委会", "CM210105023201", epiloop.Unit{Code: "CM210105023201", Kind: epiloop.UnitCommittee, Name: "文官村委会", DistrictCode: "210105"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := byCode[tt.code]; got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCommitteeName(t *testing.T) {
	tests := []struct {
		name, community, want string
	}{
		{"community", "水源地社区", "水源地社区居委会"},
		{"village", "五五村", "五五村委会"},
		{"village committee", "文官村委会", "文官村委会"},
		{"villagers' committee", "满融村村民委员会", "满融村村民委员会"},
		{"residents' committee", "小潘居委会", "小潘居委会"},
		{"virtual living area", "青年农场虚拟生活区", "青年农场虚拟生活区"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := committeeName(tt.community); got != tt.want {
				t.Errorf("committeeName(%q) = %q, want %q", tt.community, got, tt.want)
			}
		})
	}
}
