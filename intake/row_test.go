package intake

import (
	"testing"

	"github.com/epiloop/epiloop"
)

// rowHeader is the header the row tests fill in.
var rowHeader = []string{"姓名", "身份证号", "手机号", "现住址", "出发地", "出发地代码", "到达日期", "车次", "座位", "车牌", "性别", "发热", "体温", "密接", "备注", "民族"}

// cells returns a good row with the named cells changed.
func cells(change map[string]string) []string {
	good := map[string]string{
		"姓名": "张三", "身份证号": "11010519491231002X", "手机号": "13800138000",
		"现住址": "沈阳市和平区水源地社区12号楼3单元", "出发地": "武汉", "到达日期": "2020-01-22",
		"车次": "G1234", "座位": "05车12F", "性别": "女", "民族": "汉",
	}
	for k, v := range change {
		good[k] = v
	}
	out := make([]string, len(rowHeader))
	for i, h := range rowHeader {
		out[i] = good[h]
	}
	return out
}

func TestParseRowRejects(t *testing.T) {
	tests := []struct {
		name   string
		change map[string]string
		code   string
		field  Field
	}{
		{"good", nil, "", ""},
		{"ID wrong length", map[string]string{"身份证号": "1101051949123100"}, ReasonIDFormat, FieldIDNumber},
		{"ID letters", map[string]string{"身份证号": "11010519491231002A"}, ReasonIDFormat, FieldIDNumber},
		{"ID checksum", map[string]string{"身份证号": "110105194912310021"}, ReasonIDChecksum, FieldIDNumber},
		{"ID birth date", map[string]string{"身份证号": "110105194913310029"}, ReasonIDBirthDate, FieldIDNumber},
		{"ID region", map[string]string{"身份证号": "990105194912310026"}, ReasonIDRegion, FieldIDNumber},
		{"phone short", map[string]string{"手机号": "1380013800"}, ReasonPhoneInvalid, FieldPhone},
		{"landline", map[string]string{"手机号": "024-23456789"}, ReasonPhoneInvalid, FieldPhone},
		{"no identity", map[string]string{"身份证号": "", "手机号": " "}, ReasonIdentityMissing, ""},
		{"no name without ID", map[string]string{"身份证号": "", "姓名": ""}, ReasonNameMissing, FieldName},
		{"name too long", map[string]string{"姓名": string(make([]byte, 200))}, ReasonNameTooLong, FieldName},
		{"bad encoding in name", map[string]string{"姓名": "张\xff"}, ReasonEncoding, FieldName},
		{"replacement character in address", map[string]string{"现住址": "沈阳市\ufffd区"}, ReasonEncoding, FieldAddress},
		{"sex unreadable", map[string]string{"性别": "?"}, ReasonSexInvalid, FieldSex},
		{"sex against ID", map[string]string{"性别": "男"}, ReasonSexMismatch, FieldSex},
		// A secondary field rejects only a row without an address (see
		// TestParseRowWarnings).
		{"origin unknown, no address", map[string]string{"出发地": "火星", "现住址": ""}, ReasonOriginUnknown, FieldOrigin},
		{"origin code unknown, no name, no address", map[string]string{"出发地": "", "出发地代码": "999999", "现住址": ""}, ReasonOriginUnknown, FieldOriginCode},
		{"date, no address", map[string]string{"到达日期": "2020-02-30", "现住址": ""}, ReasonDateInvalid, FieldArrivalDate},
		{"temperature", map[string]string{"体温": "98.6"}, ReasonTemperatureInvalid, FieldTemperature},
		{"fever flag", map[string]string{"发热": "也许"}, ReasonFlagInvalid, FieldFever},
		{"close contact flag", map[string]string{"密接": "待查"}, ReasonFlagInvalid, FieldCloseContact},
		{"address too long", map[string]string{"现住址": string(make([]byte, 600))}, ReasonTooLong, FieldAddress},
		{"note too long", map[string]string{"备注": string(make([]byte, 2100))}, ReasonTooLong, FieldNote},
		{"train too long, no address", map[string]string{"车次": string(make([]byte, 100)), "现住址": ""}, ReasonTooLong, FieldTrain},
		{"seat bad encoding, no address", map[string]string{"座位": "05车\xff", "现住址": ""}, ReasonEncoding, FieldSeat},
		{"phone only", map[string]string{"身份证号": ""}, "", ""},
		{"ID only", map[string]string{"手机号": ""}, "", ""},
		{"two phones, first taken", map[string]string{"手机号": "13800138000/13900139000"}, "", ""},
		{"origin code unknown, name known", map[string]string{"出发地代码": "999999"}, "", ""},
	}
	h := mapHeader(rowHeader)
	p := newParser(h, testRegions(), false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var row Row
			p.parse(&row, cells(tt.change))
			if row.Reject.Code != tt.code || row.Reject.Field != tt.field {
				t.Fatalf("reject = %+v, want code %q field %q", row.Reject, tt.code, tt.field)
			}
			if tt.field != "" {
				if c, want := row.Reject.Column, h.col[tt.field.index()]; c != want {
					t.Errorf("reject column = %d, want %d", c, want)
				}
			}
			if tt.code != "" && (row.Person != epiloop.Person{} || row.Address != "") {
				t.Errorf("rejected row keeps data: %+v", row)
			}
			if len(row.Extra) != 1 || row.Extra[0] != "汉" {
				t.Errorf("extra = %q, want [汉]", row.Extra)
			}
		})
	}
}

func TestParseRowNormalizes(t *testing.T) {
	h := mapHeader(rowHeader)
	p := newParser(h, testRegions(), false)
	var row Row
	p.parse(&row, cells(map[string]string{
		"姓名":   " 陳 麗 ",
		"身份证号": "１１０１０５４９１２３１００２",
		"手机号":  "+86 138-0013-8000",
		"现住址":  "  瀋陽市和平區水源地社區１２號樓  ３單元 ",
		"出发地":  "武漢站",
		"到达日期": "2020年1月22日",
		"车次":   "g1234次",
		"座位":   " 05车12F ",
		"车牌":   "遼a·12345",
		"性别":   "",
		"体温":   "37.5℃",
		"密接":   "否",
		"备注":   " 家属 陪同 ",
	}))
	if !row.Valid() {
		t.Fatalf("rejected: %+v", row.Reject)
	}
	want := Row{
		Person:      epiloop.Person{IDNumber: "11010519491231002X", Name: "陈丽", Phone: "13800138000"},
		Address:     "沈阳市和平区水源地社区12号楼 3单元",
		Reason:      epiloop.Reason{Origin: "4201", ArrivalDate: "2020-01-22", Fever: true, Note: "家属 陪同"},
		Sex:         "F",
		Temperature: 37.5,
		Train:       "G1234",
		Seat:        "05车12F",
		Plate:       "辽A12345",
	}
	if row.Person != want.Person {
		t.Errorf("person = %+v, want %+v", row.Person, want.Person)
	}
	if row.Address != want.Address {
		t.Errorf("address = %q, want %q", row.Address, want.Address)
	}
	if row.Reason != want.Reason {
		t.Errorf("reason = %+v, want %+v", row.Reason, want.Reason)
	}
	if row.Sex != want.Sex || row.Temperature != want.Temperature || row.Train != want.Train || row.Seat != want.Seat || row.Plate != want.Plate {
		t.Errorf("got sex %q temp %v train %q seat %q plate %q; want %q %v %q %q %q",
			row.Sex, row.Temperature, row.Train, row.Seat, row.Plate, want.Sex, want.Temperature, want.Train, want.Seat, want.Plate)
	}
}

func TestParseRowWithoutRegions(t *testing.T) {
	p := newParser(mapHeader(rowHeader), nil, false)
	var row Row
	p.parse(&row, cells(map[string]string{"出发地": " 火星 "}))
	if !row.Valid() || row.Reason.Origin != "火星" {
		t.Errorf("got %+v, origin %q; want valid with origin 火星", row.Reject, row.Reason.Origin)
	}
}

func TestParseRowAllocations(t *testing.T) {
	p := newParser(mapHeader(rowHeader), testRegions(), false)
	c := cells(nil)
	var row Row
	p.parse(&row, c) // warm the caches
	if n := testing.AllocsPerRun(100, func() { p.parse(&row, c) }); n > 0 {
		t.Errorf("parsing a clean row allocates %v times", n)
	}
}

func TestDescribeEveryReason(t *testing.T) {
	for _, code := range []string{
		ReasonIdentityMissing, ReasonIDFormat, ReasonIDChecksum, ReasonIDBirthDate, ReasonIDRegion,
		ReasonPhoneInvalid, ReasonNameMissing, ReasonNameTooLong, ReasonOriginUnknown, ReasonDateInvalid,
		ReasonTemperatureInvalid, ReasonFlagInvalid, ReasonSexInvalid, ReasonSexMismatch, ReasonTooLong,
		ReasonEncoding, ReasonMalformed, ReasonFileEmpty, ReasonFormatUnsupported, ReasonSheetNotFound,
		ReasonHeaderMissing, ReasonIdentityColumns, ReasonTooManyColumns, ReasonRejectsUnsupported,
	} {
		zh, en := Describe(code)
		if zh == code || en == code || zh == en {
			t.Errorf("Describe(%q) = %q, %q", code, zh, en)
		}
	}
}
