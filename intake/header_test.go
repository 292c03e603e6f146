package intake

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeHeader(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"姓名", "姓名"},
		{" 姓 名 ", "姓名"},
		{"手机号（必填）", "手机号"},
		{"体温(℃)", "体温"},
		{"身份證號", "身份证号"},
		{"ＩＤ＿Ｎｕｍｂｅｒ", "idnumber"},
		{"Phone_Number", "phonenumber"},
		{"arrival-date", "arrivaldate"},
		{"*姓名:", "姓名"},
		{"【车次】", ""},
		{"车厢/座位", "车厢座位"},
		{"unbalanced)", "unbalanced"},
	}
	for _, tt := range tests {
		if got := NormalizeHeader(tt.in); got != tt.want {
			t.Errorf("NormalizeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchHeader(t *testing.T) {
	tests := []struct {
		in   string
		want Field
	}{
		{"姓名", FieldName},
		{"Name", FieldName},
		{"旅客姓名", FieldName},
		{"身份证号", FieldIDNumber},
		{"证件号码", FieldIDNumber},
		{"公民身份号码", FieldIDNumber},
		{"身份证", FieldIDNumber},
		{"id_number", FieldIDNumber},
		{"ID", FieldIDNumber},
		{"乘车人身份证号", FieldIDNumber},
		{"手机", FieldPhone},
		{"手机号", FieldPhone},
		{"联系电话", FieldPhone},
		{"电话", FieldPhone},
		{"Mobile", FieldPhone},
		{"紧急联系人电话", ""},
		{"联系人姓名", ""},
		{"现住址", FieldAddress},
		{"居住地址", FieldAddress},
		{"目的地址", FieldAddress},
		{"地址", FieldAddress},
		{"Address", FieldAddress},
		{"出发地", FieldOrigin},
		{"始发站", FieldOrigin},
		{"来源地", FieldOrigin},
		{"origin", FieldOrigin},
		{"出发地区划代码", FieldOriginCode},
		{"到达日期", FieldArrivalDate},
		{"抵沈日期", FieldArrivalDate},
		{"arrival_date", FieldArrivalDate},
		{"车次", FieldTrain},
		{"座位号", FieldSeat},
		{"车牌号", FieldPlate},
		{"性别", FieldSex},
		{"是否发热", FieldFever},
		{"体温（℃）", FieldTemperature},
		{"密接", FieldCloseContact},
		{"close_contact", FieldCloseContact},
		{"备注", FieldNote},
		{"民族", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got, _ := matchHeader(tt.in); got != tt.want {
			t.Errorf("matchHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMapHeader(t *testing.T) {
	tests := []struct {
		name   string
		cells  []string
		fields []Field
		extra  []string
	}{
		{
			name:   "manifest",
			cells:  []string{"车次", "座位", "姓名", "身份证号", "手机号", "目的地址"},
			fields: []Field{FieldTrain, FieldSeat, FieldName, FieldIDNumber, FieldPhone, FieldAddress},
		},
		{
			name:   "strong synonym beats an earlier weak one",
			cells:  []string{"电话", "姓名", "手机"},
			fields: []Field{"", FieldName, FieldPhone},
			extra:  []string{"电话"},
		},
		{
			name:   "first of two strong columns wins",
			cells:  []string{"手机", "联系电话"},
			fields: []Field{FieldPhone, ""},
			extra:  []string{"联系电话"},
		},
		{
			name:   "unknown and blank headers are extras",
			cells:  []string{"身份证号", "民族", "", "工作单位"},
			fields: []Field{FieldIDNumber, "", "", ""},
			extra:  []string{"民族", "列C", "工作单位"},
		},
		{
			name:   "BOM and spaces trimmed",
			cells:  []string{"\ufeff 姓名 ", "身份证号"},
			fields: []Field{FieldName, FieldIDNumber},
		},
		{
			name:   "rejects report columns are ignored",
			cells:  []string{"原行号", "问题说明", "问题代码", "问题列", "姓名", "身份证号"},
			fields: []Field{FieldIgnored, FieldIgnored, FieldIgnored, FieldIgnored, FieldName, FieldIDNumber},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mapHeader(tt.cells)
			var got []Field
			for _, c := range h.columns {
				got = append(got, c.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %q, want %q", got, tt.fields)
			}
			var extra []string
			for _, i := range h.extra {
				extra = append(extra, h.columns[i].Header)
			}
			if !slices.Equal(extra, tt.extra) {
				t.Errorf("extra = %q, want %q", extra, tt.extra)
			}
		})
	}
}

func TestFieldPositions(t *testing.T) {
	want := map[int]Field{
		iName: FieldName, iIDNumber: FieldIDNumber, iPhone: FieldPhone, iAddress: FieldAddress,
		iOrigin: FieldOrigin, iOriginCode: FieldOriginCode, iArrivalDate: FieldArrivalDate,
		iTrain: FieldTrain, iSeat: FieldSeat, iPlate: FieldPlate, iSex: FieldSex, iFever: FieldFever,
		iTemperature: FieldTemperature, iCloseContact: FieldCloseContact, iNote: FieldNote,
	}
	if len(want) != numFields {
		t.Fatalf("%d positions for %d fields", len(want), numFields)
	}
	for i, f := range want {
		if got := fieldList()[i]; got != f {
			t.Errorf("fieldList()[%d] = %q, want %q", i, got, f)
		}
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := columnLetter(i); got != want {
			t.Errorf("columnLetter(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestLooksLikeData(t *testing.T) {
	tests := []struct {
		cells []string
		want  bool
	}{
		{[]string{"姓名", "身份证号"}, false},
		{[]string{"2020年1月22日到达旅客名单"}, false},
		{[]string{"张三", "210102199001011234"}, true},
		{[]string{"张三", "138 0013 8000"}, true},
		{[]string{"张三", "１３８００１３８０００"}, true},
	}
	for _, tt := range tests {
		if got := looksLikeData(tt.cells); got != tt.want {
			t.Errorf("looksLikeData(%q) = %v, want %v", tt.cells, got, tt.want)
		}
	}
}

func TestDescribeHeaderIsShort(t *testing.T) {
	cells := make([]string, 40)
	for i := range cells {
		cells[i] = strings.Repeat("列", 30)
	}
	if d := describeHeader(mapHeader(cells)); len([]rune(d)) > 600 {
		t.Errorf("description has %d runes", len([]rune(d)))
	}
}
