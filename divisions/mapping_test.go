package divisions

import (
	"slices"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
)

func TestParseStationMapping(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []StationAssignment
		wantErr string // error code, "" for success
		wantMsg string // part of the message
	}{
		{
			name: "english header",
			in:   "community,station_code,station_name\n210102001002,PS01,和平区浑河湾派出所\n210102001003,PS01,和平区浑河湾派出所\n",
			want: []StationAssignment{
				{"210102001002", "PS01", "和平区浑河湾派出所"},
				{"210102001003", "PS01", "和平区浑河湾派出所"},
			},
		},
		{
			name: "chinese header with BOM, extra column, other order",
			in:   "\ufeff派出所,社区名称,社区代码,派出所代码\r\n南湖派出所,水源地社区,210102001002,210102510000\r\n",
			want: []StationAssignment{{"210102001002", "210102510000", "南湖派出所"}},
		},
		{
			name: "spaces and blank lines",
			in:   " Community_Code , station_code ,station_name\n 210102001002 , PS01 , 南湖派出所 \n,,\n\n",
			want: []StationAssignment{{"210102001002", "PS01", "南湖派出所"}},
		},
		{name: "empty", in: "", wantErr: epiloop.EINVALID, wantMsg: "Empty file"},
		{name: "missing column", in: "community,station_code\n", wantErr: epiloop.EINVALID, wantMsg: "missing column station_name"},
		{name: "column twice", in: "community,社区代码,station_code,station_name\n", wantErr: epiloop.EINVALID, wantMsg: "appears twice"},
		{name: "short code", in: "community,station_code,station_name\n21010200100,PS01,x\n", wantErr: epiloop.EINVALID, wantMsg: "Line 2: community code is not 12 digits"},
		{name: "letters in code", in: "community,station_code,station_name\n210102001002,PS01,x\n21010200100X,PS01,x\n", wantErr: epiloop.EINVALID, wantMsg: "Line 3: community code is not 12 digits"},
		{name: "missing station code", in: "community,station_code,station_name\n210102001002,,x\n", wantErr: epiloop.EINVALID, wantMsg: "Line 2: station code missing"},
		{name: "station code with space", in: "community,station_code,station_name\n210102001002,张 三,x\n", wantErr: epiloop.EINVALID, wantMsg: "Line 2: station code is not a code"},
		{name: "missing station name", in: "community,station_code,station_name\n210102001002,PS01\n", wantErr: epiloop.EINVALID, wantMsg: "Line 2: station name missing"},
		{name: "community twice", in: "community,station_code,station_name\n210102001002,PS01,a\n210102001002,PS02,b\n", wantErr: epiloop.EINVALID, wantMsg: "already assigned on line 2"},
		{name: "station renamed", in: "community,station_code,station_name\n210102001002,PS01,a\n210102001003,PS01,b\n", wantErr: epiloop.EINVALID, wantMsg: "Line 3: station PS01"},
		{name: "bad quoting", in: "community,station_code,station_name\n210102001002,PS01,\"a\n", wantErr: epiloop.EINVALID, wantMsg: "Line 2"},
		{name: "not utf-8", in: "community,station_code,station_name\n210102001002,PS01,\xc4\xcf\xba\xfe\n", wantErr: epiloop.EINVALID, wantMsg: "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStationMapping(strings.NewReader(tt.in))
			if code := epiloop.ErrorCode(err); code != tt.wantErr {
				t.Fatalf("error code %q (%v), want %q", code, err, tt.wantErr)
			}
			if err != nil {
				if msg := epiloop.ErrorText(err, epiloop.LangEN); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("message %q, want it to contain %q", msg, tt.wantMsg)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// FuzzParseStationMapping checks that no file makes the parser panic or
// return an assignment it should have rejected.
func FuzzParseStationMapping(f *testing.F) {
	f.Add("community,station_code,station_name\n210102001002,PS01,南湖派出所\n")
	f.Add("\ufeff社区代码,派出所代码,派出所\n210102001002,PS01,\"a,b\"\n")
	f.Add("community,station_code,station_name\n\"21010200100\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseStationMapping(strings.NewReader(in))
		if err != nil {
			if code := epiloop.ErrorCode(err); code != epiloop.EINVALID {
				t.Fatalf("error code %q (%v), want %q", code, err, epiloop.EINVALID)
			}
			return
		}
		for _, a := range got {
			if !isDigits(a.Community, 12) || a.StationCode == "" || a.StationName == "" {
				t.Fatalf("accepted %+v", a)
			}
		}
	})
}
