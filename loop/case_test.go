package loop_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
	"github.com/epiloop/epiloop/postgres/pgtest"
	"github.com/epiloop/epiloop/sqlite"
)

// The case register's workflows on both engines: scoping per role, the
// procedure one step at a time, suspects masked and revealed for a
// purpose, measures that detain naming a registered facility, the custody
// log detecting a row edited or deleted with SQL, and the figures against
// a recount.

const kss = "KSS-HP-1" // a detention centre of the registry

// caseEngine is a fixture with a way to run SQL on its database
// directly, as an attacker with the database would.
type caseEngine struct {
	name string
	open func(t *testing.T) (*fixture, func(q string, args ...any) error)
}

var caseEngines = []caseEngine{
	{"sqlite", func(t *testing.T) (*fixture, func(string, ...any) error) {
		path := filepath.Join(t.TempDir(), "epiloop.db")
		store, err := sqlite.Open(context.Background(), path, testKeyring(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		raw, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		return newFixtureOn(t, store), func(q string, args ...any) error {
			if q == disableCustodyTriggers {
				q = `DROP TRIGGER case_custody_no_update; DROP TRIGGER case_custody_no_delete`
			}
			_, err := raw.Exec(q, args...)
			return err
		}
	}},
	{"postgres", func(t *testing.T) (*fixture, func(string, ...any) error) {
		db := pgtest.Open(t, testKeyring(t))
		return newFixtureOn(t, db), func(q string, args ...any) error {
			_, err := db.Pool().Exec(context.Background(), pgNumbered(q), args...)
			return err
		}
	}},
}

// disableCustodyTriggers is PostgreSQL's statement; on SQLite the
// triggers are dropped.
const disableCustodyTriggers = `ALTER TABLE case_custody DISABLE TRIGGER case_custody_no_update`

// pgNumbered numbers a statement's ? placeholders for PostgreSQL.
func pgNumbered(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + string(rune('0'+n)))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func forEachCaseEngine(t *testing.T, test func(t *testing.T, f *fixture, raw func(string, ...any) error)) {
	for _, e := range caseEngines {
		t.Run(e.name, func(t *testing.T) {
			f, raw := e.open(t)
			test(t, f, raw)
		})
	}
}

// caseUsers are real accounts (transitions name their actor).
type caseUsers struct {
	commander, heping, shenhe, station, other, committee, analyst context.Context
}

func newCaseUsers(t *testing.T, f *fixture) *caseUsers {
	t.Helper()
	cu := &caseUsers{}
	for _, u := range []struct {
		dst  *context.Context
		user epiloop.User
	}{
		{&cu.commander, epiloop.User{Name: "c-commander", Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}},
		{&cu.heping, epiloop.User{Name: "c-heping", Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(heping), DistrictCode: heping}},
		{&cu.shenhe, epiloop.User{Name: "c-shenhe", Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(shenhe), DistrictCode: shenhe}},
		{&cu.station, epiloop.User{Name: "c-station", Role: epiloop.RoleStation, UnitCode: shuiyuandiPS}},
		{&cu.other, epiloop.User{Name: "c-other", Role: epiloop.RoleStation, UnitCode: otherPlacePS}},
		{&cu.committee, epiloop.User{Name: "c-committee", Role: epiloop.RoleCommittee, UnitCode: shuiyuandiCM}},
		{&cu.analyst, epiloop.User{Name: "c-analyst", Role: epiloop.RoleAnalyst}},
	} {
		usr := u.user
		usr.CreatedAt = f.clock.Now()
		if err := f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateUser(&usr) }); err != nil {
			t.Fatal(err)
		}
		*u.dst = asUser(&usr)
	}
	if _, err := f.svc.SavePlace(cu.commander, &epiloop.Place{Code: kss, Kind: epiloop.PlaceDetention, Name: "和平区看守所",
		DistrictCode: heping, UnitCode: shuiyuandiPS, DetentionKind: "detention_center", Capacity: 300}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveDetentionAreas(cu.commander, kss, []epiloop.DetentionArea{
		{Code: "G1", Name: "一监区", Kind: epiloop.AreaGeneral, Capacity: 20},
		{Code: "X1", Name: "过渡1", Kind: epiloop.AreaIsolation}, {Code: "X2", Name: "过渡2", Kind: epiloop.AreaIsolation},
		{Code: "X3", Name: "过渡3", Kind: epiloop.AreaIsolation}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SavePlace(cu.commander, gatheringPlace("MKT1", heping, shuiyuandi, shuiyuandiPS)); err != nil {
		t.Fatal(err)
	}
	return cu
}

func maskCase() loop.CaseInput {
	return loop.CaseInput{Kind: epiloop.CaseCounterfeit, Title: "王某某等制售假冒口罩案", Summary: "群众举报", AmountFen: 22_310_000_00,
		Places: []string{"MKT1"}, Provinces: []string{"21", "13"}, Cities: []string{"2101", "1301"}}
}

func TestCaseScopingAndProcedure(t *testing.T) {
	forEachCaseEngine(t, func(t *testing.T, f *fixture, _ func(string, ...any) error) {
		cu := newCaseUsers(t, f)
		c, err := f.svc.RegisterCase(cu.station, maskCase())
		if err != nil {
			t.Fatal(err)
		}
		if c.UnitCode != shuiyuandiPS || c.DistrictCode != heping || c.State != epiloop.CaseAccepted || c.Number != "沈公(和)涉疫〔2020〕1" {
			t.Fatalf("registered %+v", c)
		}
		second, err := f.svc.RegisterCase(cu.heping, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "网络售口罩诈骗", Unit: epiloop.SubCommandCode(heping)})
		if err != nil || second.Number != "沈公(和)涉疫〔2020〕2" {
			t.Fatalf("second case %v: %+v", err, second)
		}

		// Who registers where.
		for _, tc := range []struct {
			name string
			ctx  context.Context
			in   loop.CaseInput
			want string
		}{
			{"a station for another unit", cu.station, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x", Unit: otherPlacePS}, epiloop.EINVALID},
			{"a district for another district's station", cu.shenhe, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x", Unit: shuiyuandiPS}, epiloop.EINVALID},
			{"a committee", cu.committee, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x"}, epiloop.EFORBIDDEN},
			{"an analyst", cu.analyst, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x"}, epiloop.EFORBIDDEN},
			{"an unknown province", cu.station, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x", Provinces: []string{"99"}}, epiloop.EINVALID},
			{"a city that is a county", cu.station, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x", Provinces: []string{"21"}, Cities: []string{"2199"}}, epiloop.EINVALID},
			{"an unknown place", cu.station, loop.CaseInput{Kind: epiloop.CaseFraud, Title: "x", Places: []string{"NOPE"}}, epiloop.EINVALID},
			{"a rumour", cu.station, loop.CaseInput{Kind: "rumour", Title: "x"}, epiloop.EINVALID},
		} {
			if _, err := f.svc.RegisterCase(tc.ctx, tc.in); epiloop.ErrorCode(err) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
			}
		}

		// Who sees which.
		for _, tc := range []struct {
			name string
			ctx  context.Context
			see  int
			code string
		}{
			{"commander", cu.commander, 2, ""},
			{"the district", cu.heping, 2, ""},
			{"another district", cu.shenhe, 0, ""},
			{"the station", cu.station, 1, ""},
			{"another station", cu.other, 0, ""},
			{"analyst", cu.analyst, 0, epiloop.EFORBIDDEN},
			{"committee", cu.committee, 0, epiloop.EFORBIDDEN},
		} {
			l, err := f.svc.FindCases(tc.ctx, epiloop.CaseFilter{})
			if epiloop.ErrorCode(err) != tc.code || err == nil && l.Total != tc.see {
				t.Errorf("%s: %v, %+v; want %d (%s)", tc.name, err, l, tc.see, tc.code)
			}
			_, err = f.svc.FindCase(tc.ctx, c.ID)
			want := tc.code
			if want == "" && tc.see < 1 {
				want = epiloop.ENOTFOUND
			}
			if epiloop.ErrorCode(err) != want {
				t.Errorf("%s opens the station's case: %v, want %q", tc.name, err, want)
			}
		}

		// The procedure: no skipping, each step recorded.
		if _, err := f.svc.TransitionCase(cu.station, c.ID, epiloop.CaseSolved, "破字1号", ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("受案 → 破案: %v, want conflict", err)
		}
		if _, err := f.svc.TransitionCase(cu.other, c.ID, epiloop.CaseFiled, "立字1号", ""); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another station moves it: %v", err)
		}
		if _, err := f.svc.TransitionCase(cu.station, c.ID, epiloop.CaseFiled, "", ""); epiloop.ErrorField(err) != "doc_no" {
			t.Errorf("no document: %v", err)
		}
		for _, step := range []struct {
			to  epiloop.CaseState
			doc string
		}{{epiloop.CaseFiled, "沈公(和)立字〔2020〕1号"}, {epiloop.CaseInvestigating, "侦字1号"}, {epiloop.CaseSolved, "破字1号"}} {
			f.clock.Add(24 * 3600e9)
			if _, err := f.svc.TransitionCase(cu.station, c.ID, step.to, step.doc, "依法办理"); err != nil {
				t.Fatalf("→ %s: %v", step.to, err)
			}
		}
		if _, err := f.svc.TransitionCase(cu.station, c.ID, epiloop.CaseWithdrawn, "撤字1号", ""); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("破案 → 撤案: %v, want conflict", err)
		}
		v, err := f.svc.FindCase(cu.heping, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.State != epiloop.CaseSolved || len(v.Transitions) != 3 || v.Transitions[0].DocNo != "沈公(和)立字〔2020〕1号" ||
			v.Transitions[2].Actor != "c-station" || len(v.Next) != 1 || v.Next[0] != epiloop.CaseProsecuted {
			t.Errorf("view %+v", v)
		}
		var kinds []string
		if err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
			es, err := tx.FindEventsAfter(0, 1000)
			for _, e := range es {
				if strings.HasPrefix(e.Kind, "case.") {
					kinds = append(kinds, e.Kind)
					if strings.Contains(string(e.Data), "依法办理") {
						t.Errorf("an event's data carries the note: %s", e.Data)
					}
				}
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(kinds) != 5 {
			t.Errorf("case events %v", kinds)
		}
	})
}

func TestCaseSuspectsMeasuresAndCustody(t *testing.T) {
	forEachCaseEngine(t, func(t *testing.T, f *fixture, raw func(string, ...any) error) {
		cu := newCaseUsers(t, f)
		c, err := f.svc.RegisterCase(cu.station, maskCase())
		if err != nil {
			t.Fatal(err)
		}
		sp, err := f.svc.AddSuspect(cu.station, c.ID, epiloop.Person{IDNumber: id1, Name: "王大锤", Phone: "13800138000"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Person.Name != "王**" || strings.Contains(sp.Person.IDNumber, id1[6:14]) {
			t.Errorf("suspect returned unmasked: %+v", sp.Person)
		}
		if _, err := f.svc.AddSuspect(cu.station, c.ID, epiloop.Person{IDNumber: id1, Name: "王大锤"}, nil); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("a suspect twice: %v", err)
		}
		if _, err := f.svc.AddSuspect(cu.station, c.ID, epiloop.Person{IDNumber: id2, Name: "李四"}, nil); err != nil {
			t.Fatal(err)
		}

		// Measures: detaining names a registered detention facility.
		for _, tc := range []struct {
			name string
			m    epiloop.CaseMeasure
			want string
		}{
			{"no facility", epiloop.CaseMeasure{Kind: epiloop.MeasureCriminalDetain, Date: "2020-02-02"}, epiloop.EINVALID},
			{"not a detention facility", epiloop.CaseMeasure{Kind: epiloop.MeasureCriminalDetain, Date: "2020-02-02", FacilityCode: "MKT1"}, epiloop.EINVALID},
			{"unknown facility", epiloop.CaseMeasure{Kind: epiloop.MeasureArrest, Date: "2020-02-02", FacilityCode: "NOPE"}, epiloop.EINVALID},
			{"summons", epiloop.CaseMeasure{Kind: epiloop.MeasureSummons, Date: "2020-02-01"}, ""},
			{"detention", epiloop.CaseMeasure{Kind: epiloop.MeasureCriminalDetain, Date: "2020-02-02", FacilityCode: kss, DocNo: "拘字1号"}, ""},
		} {
			if _, err := f.svc.AddMeasure(cu.station, c.ID, sp.ID, tc.m); epiloop.ErrorCode(err) != tc.want {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			}
		}
		v, err := f.svc.FindCase(cu.station, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Suspects[0].Person.Name != "王**" || len(v.Suspects[0].Measures) != 2 || v.Suspects[0].Measures[1].FacilityCode != kss {
			t.Errorf("suspects on the page %+v", v.Suspects)
		}
		if v.Case.Suspects != 2 || v.Case.Handled != 1 {
			t.Errorf("suspects %d, handled %d; want 2, 1", v.Case.Suspects, v.Case.Handled)
		}
		// The detention admitted the suspect to an isolation cell of the
		// facility, with the new detainee's 15-day observation, under the
		// case's number.
		if err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
			ds, _, err := tx.FindDetainees(epiloop.DetaineeFilter{Facility: kss})
			if err != nil {
				return err
			}
			if len(ds) != 1 || ds[0].Person.Name != "王大锤" || ds[0].AreaKind != epiloop.AreaIsolation ||
				ds[0].CaseRef != c.Number || ds[0].ObservationID == 0 || ds[0].Status != epiloop.DetaineePresent {
				t.Errorf("detainees after the detention: %+v (suspect person %d, case %q)", ds, sp.Person.ID, c.Number)
				return nil
			}
			o, err := tx.FindObservationByID(ds[0].ObservationID, false)
			if err != nil {
				return err
			}
			if o.Kind != epiloop.ObservationNewDetainee || epiloop.AddDays(o.Start, 15) != o.End {
				t.Errorf("the detainee's observation %s %s..%s, want new_detainee for 15 days", o.Kind, o.Start, o.End)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// An arrest of the detained suspect keeps the stay: no second
		// admission, the isolation not restarted.
		if _, err := f.svc.AddMeasure(cu.station, c.ID, sp.ID, epiloop.CaseMeasure{Kind: epiloop.MeasureArrest, Date: "2020-02-05",
			FacilityCode: kss, DocNo: "捕字1号"}); err != nil {
			t.Fatal(err)
		}
		if err := f.store.View(context.Background(), func(tx epiloop.Tx) error {
			ds, _, err := tx.FindDetainees(epiloop.DetaineeFilter{Facility: kss})
			if err == nil && (len(ds) != 1 || ds[0].IsolationEnd != "2020-02-16") {
				t.Errorf("detainees after the arrest: %d, isolation to %s", len(ds), ds[0].IsolationEnd)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}

		// The reveal: a purpose, audited; not for another district.
		if _, err := f.svc.RevealSuspect(cu.station, c.ID, sp.ID, ""); epiloop.ErrorField(err) != "purpose" {
			t.Errorf("reveal without purpose: %v", err)
		}
		if _, err := f.svc.RevealSuspect(cu.other, c.ID, sp.ID, "核查身份"); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another station reveals: %v", err)
		}
		// A district commander reads the case but does not unmask (as
		// with leads).
		if _, err := f.svc.RevealSuspect(cu.heping, c.ID, sp.ID, "核查身份"); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("the district reveals: %v", err)
		}
		p, err := f.svc.RevealSuspect(cu.station, c.ID, sp.ID, "提请逮捕核对身份")
		if err != nil || p.IDNumber != id1 || p.Name != "王大锤" {
			t.Errorf("reveal %v: %+v", err, p)
		}
		entries, _, err := f.svc.FindAudit(asUser(&epiloop.User{ID: 99, Name: "auditor", Role: epiloop.RoleAuditor}),
			epiloop.AuditFilter{Action: ptrTo(epiloop.AuditReveal)})
		if err != nil || len(entries) != 1 || entries[0].Purpose != "提请逮捕核对身份" || entries[0].Actor != "c-station" {
			t.Errorf("reveal audit %v: %+v", err, entries)
		}

		// Goods and their custody log.
		g, err := f.svc.AddGoods(cu.station, c.ID, epiloop.CaseGoods{Description: "假冒KN95口罩", Quantity: 1_200_000, Unit: "只"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []epiloop.CustodyEntry{
			{GoodsID: g.ID, Action: epiloop.CustodySeized, Quantity: 1_200_000, Place: "现场仓库", Holder: "刘警官"},
			{GoodsID: g.ID, Action: epiloop.CustodyStored, Quantity: 1_200_000, Place: "涉案财物管理中心"},
			{GoodsID: g.ID, Action: epiloop.CustodySampled, Quantity: 200, Holder: "市产品质量监督检验院", DocNo: "检字1号"},
			{GoodsID: g.ID, Action: epiloop.CustodyDestroyed, Quantity: 1_199_800, Place: "危废处置中心"},
		} {
			f.clock.Add(3600e9)
			if _, err := f.svc.RecordCustody(cu.station, c.ID, e); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.RecordCustody(cu.station, c.ID, epiloop.CustodyEntry{GoodsID: g.ID + 100, Action: epiloop.CustodyStored, Place: "x"}); epiloop.ErrorField(err) != "goods" {
			t.Errorf("another case's goods: %v", err)
		}
		check := func(what string, firstBad int64, reason string) {
			t.Helper()
			got, err := f.svc.VerifyCaseCustody(cu.station, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.OK != (reason == "") || got.FirstBad != firstBad || got.Reason != reason {
				t.Errorf("%s: %+v, want first bad row %d (%s)", what, got, firstBad, reason)
			}
		}
		check("intact", 0, "")

		// The log refuses edits through SQL…
		if err := raw(`UPDATE case_custody SET quantity = 1 WHERE case_id = ? AND seq = 2`, c.ID); err == nil {
			t.Error("an UPDATE of the custody log succeeded")
		}
		// …and an owner who disables that is found out.
		if err := raw(disableCustodyTriggers); err != nil {
			t.Fatal(err)
		}
		if err := raw(`UPDATE case_custody SET quantity = 1 WHERE case_id = ? AND seq = 2`, c.ID); err != nil {
			t.Fatal(err)
		}
		check("quantity edited", 2, epiloop.CustodyAltered)
		if err := raw(`UPDATE case_custody SET quantity = 1200000 WHERE case_id = ? AND seq = 2`, c.ID); err != nil {
			t.Fatal(err)
		}
		check("edit undone", 0, "")
		if err := raw(`DELETE FROM case_custody WHERE case_id = ? AND seq = 3`, c.ID); err != nil {
			t.Fatal(err)
		}
		check("row deleted", 3, epiloop.CustodyMissing)
	})
}

func ptrTo[T any](v T) *T { return &v }

// TestCaseFiguresAgreeWithTheRows: the counters kept with every change
// agree with a recount of the rows, and with the cases and suspects a
// commander reads.
func TestCaseFiguresAgreeWithTheRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		cu := newCaseUsers(t, f)
		var ids []int64
		for i, in := range []loop.CaseInput{
			maskCase(),
			{Kind: epiloop.CaseFraud, Title: "诈骗一", AmountFen: 50_000},
			{Kind: epiloop.CaseViolenceMedics, Title: "殴打医护人员", Unit: epiloop.SubCommandCode(heping)},
			{Kind: epiloop.CaseObstruction, Title: "拒不执行隔离", Unit: otherPlacePS},
			{Kind: epiloop.CaseFraud, Title: "指挥部直办", Unit: epiloop.HeadquartersCode, AmountFen: 7},
		} {
			ctx := cu.station
			if in.Unit != "" {
				ctx = cu.commander
			}
			c, err := f.svc.RegisterCase(ctx, in)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			ids = append(ids, c.ID)
		}
		mustT := func(id int64, to ...epiloop.CaseState) {
			for _, s := range to {
				if _, err := f.svc.TransitionCase(cu.commander, id, s, "文书", ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		mustT(ids[0], epiloop.CaseFiled, epiloop.CaseInvestigating, epiloop.CaseSolved, epiloop.CaseProsecuted)
		mustT(ids[1], epiloop.CaseDeclined)
		mustT(ids[2], epiloop.CaseFiled, epiloop.CaseWithdrawn)
		sp, err := f.svc.AddSuspect(cu.commander, ids[0], epiloop.Person{IDNumber: id1, Name: "甲"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddSuspect(cu.commander, ids[3], epiloop.Person{IDNumber: id2, Name: "乙"}, nil); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := f.svc.AddMeasure(cu.commander, ids[0], sp.ID, epiloop.CaseMeasure{Kind: epiloop.MeasureBail, Date: "2020-02-03"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.UpdateCase(cu.commander, ids[1], loop.CaseInput{Kind: epiloop.CaseIllegalBusiness, Title: "改为非法经营", AmountFen: 80_000}); err != nil {
			t.Fatal(err)
		}

		drift, err := f.svc.VerifyStats(context.Background())
		if err != nil || len(drift) != 0 {
			t.Fatalf("stat counters drift from the rows: %v %v", err, drift)
		}
		fig, err := f.svc.CaseFigures(cu.commander)
		if err != nil {
			t.Fatal(err)
		}
		// The recount, from what a commander reads.
		l, err := f.svc.FindCases(cu.commander, epiloop.CaseFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var want epiloop.CaseTotals
		want.States = map[epiloop.CaseState]int64{}
		perDistrict := map[string]int64{}
		perKind := map[epiloop.CaseKind]int64{}
		for _, c := range l.Cases {
			v, err := f.svc.FindCase(cu.commander, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			want.Cases++
			want.States[c.State]++
			if c.State.Solved() {
				want.Solved++
			}
			want.Suspects += int64(len(v.Suspects))
			for _, s := range v.Suspects {
				if len(s.Measures) > 0 {
					want.Handled++
				}
			}
			want.AmountFen += c.AmountFen
			perDistrict[c.DistrictCode]++
			perKind[c.Kind]++
		}
		got := fig.Total
		if got.Cases != want.Cases || got.Solved != want.Solved || got.Suspects != want.Suspects || got.Handled != want.Handled || got.AmountFen != want.AmountFen {
			t.Errorf("figures %+v, recount %+v", got, want)
		}
		for s, n := range want.States {
			if got.States[s] != n {
				t.Errorf("state %s: %d, recount %d", s, got.States[s], n)
			}
		}
		for _, d := range fig.Districts {
			if d.Cases != perDistrict[d.Key] {
				t.Errorf("district %s: %d, recount %d", d.Key, d.Cases, perDistrict[d.Key])
			}
		}
		for _, k := range fig.Kinds {
			if k.Cases != perKind[epiloop.CaseKind(k.Key)] {
				t.Errorf("kind %s: %d, recount %d", k.Key, k.Cases, perKind[epiloop.CaseKind(k.Key)])
			}
		}
		// The daily report's section carries the same figures.
		rep, err := f.svc.DailyReport(cu.commander, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rep.Sections, func(s loop.ReportSection) bool { return s.Key == loop.ReportCases }) {
			t.Errorf("no cases section in %+v", rep.Sections)
		}
		for _, row := range rep.Rows {
			want := strconv.FormatInt(perDistrict[row.Code], 10)
			if row.Code == "2101" {
				want = strconv.FormatInt(fig.Total.Cases, 10)
			}
			if row.Values[epiloop.MetricCases] != want {
				t.Errorf("report row %s: %s cases, want %s", row.Code, row.Values[epiloop.MetricCases], want)
			}
		}
		// Analysts read figures with small counts suppressed; a district
		// commander its own district.
		an, err := f.svc.CaseFigures(cu.analyst)
		if err != nil || an.Total.Cases != want.Cases || an.Total.Suspects != 0 {
			t.Errorf("analyst's figures %v %+v", err, an)
		}
		hp, err := f.svc.CaseFigures(cu.heping)
		if err != nil || hp.Total.Cases != perDistrict[heping] || len(hp.Districts) != 1 {
			t.Errorf("district's figures %v %+v", err, hp)
		}
		var byKind, solvedByKind int64
		for _, k := range hp.Kinds {
			byKind, solvedByKind = byKind+k.Cases, solvedByKind+k.Solved
		}
		if byKind != hp.Total.Cases || solvedByKind != hp.Total.Solved {
			t.Errorf("the district's kinds add up to %d cases, %d solved; want %d, %d", byKind, solvedByKind, hp.Total.Cases, hp.Total.Solved)
		}
		if _, err := f.svc.CaseFigures(cu.committee); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("committee's figures: %v", err)
		}
	})
}

// TestCaseStepsAllOrNone: several steps at once still move one state at a
// time; a list that skips one records none of them. A suspect whose
// first measure is refused is not recorded either.
func TestCaseStepsAllOrNone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		cu := newCaseUsers(t, f)
		c, err := f.svc.RegisterCase(cu.station, maskCase())
		if err != nil {
			t.Fatal(err)
		}
		skip := []loop.CaseStep{{To: epiloop.CaseFiled, DocNo: "立1"}, {To: epiloop.CaseSolved, DocNo: "破1"}}
		if _, err := f.svc.TransitionCaseSteps(cu.station, c.ID, skip); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("立案 then 破案: %v, want conflict", err)
		}
		v, err := f.svc.FindCase(cu.station, c.ID)
		if err != nil || v.State != epiloop.CaseAccepted || len(v.Transitions) != 0 {
			t.Errorf("after the refused steps: %v %s %d steps", err, v.State, len(v.Transitions))
		}
		steps := []loop.CaseStep{{To: epiloop.CaseFiled, DocNo: "立1"}, {To: epiloop.CaseInvestigating, DocNo: "侦1"}, {To: epiloop.CaseSolved, DocNo: "破1"}}
		if got, err := f.svc.TransitionCaseSteps(cu.station, c.ID, steps); err != nil || got.State != epiloop.CaseSolved {
			t.Fatalf("three steps: %v", err)
		}
		bad := &epiloop.CaseMeasure{Kind: epiloop.MeasureArrest, Date: "2020-02-01", FacilityCode: "NOPE"}
		if _, err := f.svc.AddSuspect(cu.station, c.ID, epiloop.Person{IDNumber: id3, Name: "丙"}, bad); epiloop.ErrorField(err) != "facility" {
			t.Errorf("suspect with an unknown facility: %v", err)
		}
		good := &epiloop.CaseMeasure{Kind: epiloop.MeasureArrest, Date: "2020-02-01", FacilityCode: kss}
		sp, err := f.svc.AddSuspect(cu.station, c.ID, epiloop.Person{IDNumber: id3, Name: "丙"}, good)
		if err != nil || len(sp.Measures) != 1 {
			t.Fatalf("suspect with an arrest: %v %+v", err, sp)
		}
		if v, _ = f.svc.FindCase(cu.station, c.ID); len(v.Transitions) != 3 || v.Case.Suspects != 1 || v.Case.Handled != 1 {
			t.Errorf("case %+v", v.Case)
		}
		// Registered with its suspects: a bad one refuses the whole case.
		in := maskCase()
		in.Suspects = []loop.SuspectInput{{Person: epiloop.Person{IDNumber: id4, Name: "丁"}},
			{Person: epiloop.Person{IDNumber: "210102199001011230", Name: "戊"}}}
		if _, err := f.svc.RegisterCase(cu.station, in); epiloop.ErrorField(err) != "suspects.1.person.id_number" {
			t.Errorf("a bad suspect's ID: %v (field %q)", err, epiloop.ErrorField(err))
		}
		in.Suspects[1] = loop.SuspectInput{Person: epiloop.Person{IDNumber: id2, Name: "戊"}, Measure: good}
		withSuspects, err := f.svc.RegisterCase(cu.station, in)
		if err != nil || withSuspects.Suspects != 2 || withSuspects.Handled != 1 {
			t.Fatalf("registered with suspects: %v %+v", err, withSuspects)
		}
		if l, _ := f.svc.FindCases(cu.station, epiloop.CaseFilter{}); l.Total != 2 {
			t.Errorf("%d cases, want 2 (the refused one not registered)", l.Total)
		}
		if drift, err := f.svc.VerifyStats(context.Background()); err != nil || len(drift) != 0 {
			t.Errorf("drift %v %v", err, drift)
		}
	})
}

// atRestCases drives the case register's paths that store personal data
// (a title, a summary, an address, a suspect, a step's and a measure's
// notes, a custody row's place and holder), each with a value found
// nowhere else.
func atRestCases(f *fixture, mark func(string) string) error {
	ctx := as(epiloop.RoleStation, shuiyuandiPS)
	c, err := f.svc.RegisterCase(ctx, loop.CaseInput{Kind: epiloop.CaseFraud, Title: mark("诸葛某某诈骗案"),
		Summary: mark("嫌疑人自称卫健委工作人员"), Addresses: []string{mark("秘密仓库十三号")}})
	if err != nil {
		return err
	}
	if _, err := f.svc.TransitionCase(ctx, c.ID, epiloop.CaseFiled, "立字1号", mark("受害人提供转账记录")); err != nil {
		return err
	}
	if _, err := f.svc.AddSuspect(ctx, c.ID, epiloop.Person{IDNumber: mark(epiloop.CompleteIDNumber("21010219800101123")), Name: mark("慕容嫌疑"), Phone: mark("13900139011")},
		&epiloop.CaseMeasure{Kind: epiloop.MeasureBail, Date: "2020-02-01", Note: mark("家属担保人在场")}); err != nil {
		return err
	}
	_, err = f.svc.RecordCustody(ctx, c.ID, epiloop.CustodyEntry{Action: epiloop.CustodySeized, Place: mark("暗格保管柜"),
		Holder: mark("东方保管员"), Note: mark("封存编号不外传")})
	return err
}
