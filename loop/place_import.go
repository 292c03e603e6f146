package loop

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
)

// Import of places from a CSV or XLSX register (intake.Table reads it:
// the formats, encodings and checks of every intake file). Each row is a
// place by its code: a re-import replaces the places it names and
// creates the others, so importing a file twice changes nothing. A row
// that does not validate is rejected with its row number and reason; the
// valid rows go through.

// MaxPlaceImportRows bounds a register's rows (a city has thousands of
// places, not millions).
const MaxPlaceImportRows = 20_000

// PlaceReject is one rejected row: its number in the file and why.
type PlaceReject struct {
	Row int            `json:"row"`
	Err *epiloop.Error `json:"-"`
}

// PlaceImport is what an import did.
type PlaceImport struct {
	Created  int           `json:"created"`
	Updated  int           `json:"updated"`
	Rejected []PlaceReject `json:"-"`
}

// placeColumns are the register's columns: a place field and the headers
// that name it (a header is matched after intake.NormalizeHeader).
var placeImportColumns = []struct {
	field   string
	headers []string
}{
	{"code", []string{"code", "编码", "场所编码", "编号"}},
	{"kind", []string{"kind", "类别", "场所类别"}},
	{"name", []string{"name", "名称", "场所名称"}},
	{"address", []string{"address", "地址"}},
	{"district", []string{"district", "区县", "区县代码"}},
	{"community", []string{"community", "社区", "社区代码"}},
	{"unit", []string{"unit", "责任单位", "责任单位代码"}},
	{"grade", []string{"grade", "等级", "医院等级"}},
	{"fever_designated", []string{"fever_designated", "发热定点", "定点医院"}},
	{"site", []string{"site", "隔离点", "隔离点代码"}},
	{"category", []string{"category", "场所类型", "类型"}},
	{"state", []string{"state", "状态"}},
	{"order_no", []string{"order_no", "封闭令号", "通知文号"}},
	{"from", []string{"from", "封闭起", "起始日期"}},
	{"to", []string{"to", "封闭止", "截止日期"}},
	{"openness", []string{"openness", "开放类型", "小区类型"}},
	{"households", []string{"households", "户数"}},
	{"gates", []string{"gates", "出入口", "出入口数"}},
	{"min_guard", []string{"min_guard", "最低值守", "最低值守人数"}},
	{"detention_kind", []string{"detention_kind", "监所类型"}},
	{"capacity", []string{"capacity", "容量"}},
}

// placeKindWords are the kinds as a register may write them.
var placeKindWords = map[string]epiloop.PlaceKind{
	"医院": epiloop.PlaceHospital, "隔离点": epiloop.PlaceIsolationSite, "集中隔离点": epiloop.PlaceIsolationSite,
	"公共场所": epiloop.PlaceGathering, "人员密集场所": epiloop.PlaceGathering, "小区": epiloop.PlaceCompound,
	"监所": epiloop.PlaceDetention,
}

// placeFromRow builds a place from a row's cells by column.
func placeFromRow(get func(field string) string) (*epiloop.Place, error) {
	p := &epiloop.Place{Code: get("code"), Name: get("name"), Address: get("address"), DistrictCode: get("district"),
		CommunityCode: get("community"), UnitCode: get("unit"), Grade: strings.ToUpper(get("grade")), SiteCode: get("site"),
		Category: get("category"), State: epiloop.GatheringState(get("state")), Openness: get("openness"),
		DetentionKind: get("detention_kind")}
	p.Kind = epiloop.PlaceKind(get("kind"))
	if k, ok := placeKindWords[get("kind")]; ok {
		p.Kind = k
	}
	switch get("fever_designated") {
	case "", "0", "否", "no", "false":
	case "1", "是", "yes", "true":
		p.FeverDesignated = true
	default:
		return nil, epiloop.FieldError("fever_designated", "err.place_yes_no")
	}
	if n := get("order_no"); n != "" {
		p.Order = &epiloop.ClosureOrder{Number: n, From: get("from"), To: get("to")}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"households", &p.Households}, {"gates", &p.Gates}, {"min_guard", &p.MinGuard}, {"capacity", &p.Capacity}} {
		v := get(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, epiloop.FieldError(f.name, "err.place_count", epiloop.MaxPlaceCount)
		}
		*f.dst = n
	}
	return p, nil
}

// ImportPlaces imports a register of places into the caller's
// jurisdiction (a district commander: its district's places only).
func (s *Service) ImportPlaces(ctx context.Context, ra io.ReaderAt, size int64) (*PlaceImport, error) {
	u, err := allowed(ctx, epiloop.ActManagePlaces)
	if err != nil {
		return nil, err
	}
	t, err := intake.OpenTable(ra, size, intake.Options{})
	if err != nil {
		return nil, err
	}
	defer t.Close()
	cols := map[string]int{}
	for _, c := range placeImportColumns {
		if i := t.Column(c.headers...); i >= 0 {
			cols[c.field] = i
		}
	}
	for _, need := range []string{"code", "kind", "name", "district", "unit"} {
		if _, ok := cols[need]; !ok {
			return nil, epiloop.FieldError("file", "err.place_import_column", need)
		}
	}
	type row struct {
		line  int
		cells []string
	}
	var rows []row
	for {
		r, err := t.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && epiloop.ErrorCode(err) != epiloop.EINVALID {
			return nil, err
		}
		if len(rows) >= MaxPlaceImportRows {
			return nil, epiloop.FieldError("file", "err.place_import_too_many", MaxPlaceImportRows)
		}
		rows = append(rows, row{r.Line, r.Cells})
	}
	var out *PlaceImport
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		out = &PlaceImport{}
		seen := map[string]bool{}
		for _, r := range rows {
			get := func(field string) string {
				i, ok := cols[field]
				if !ok || i >= len(r.cells) {
					return ""
				}
				return r.cells[i]
			}
			p, err := placeFromRow(get)
			if err == nil && seen[strings.TrimSpace(p.Code)] {
				err = epiloop.FieldError("code", "err.place_import_twice")
			}
			var created bool
			if err == nil {
				created, err = s.savePlace(tx, u, p)
			}
			var e *epiloop.Error
			switch {
			case err == nil && created:
				out.Created++
			case err == nil:
				out.Updated++
			case errors.As(err, &e) && e.Code != epiloop.EINTERNAL:
				out.Rejected = append(out.Rejected, PlaceReject{Row: r.line, Err: e})
				continue
			default:
				return err
			}
			seen[p.Code] = true
		}
		return nil
	})
	s.placeTiles.forget()
	return out, err
}
