package loop_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// The places' workflows on both engines: scoping per role, the closed
// place found open through to its closed rectification, deployments and
// the uncovered-compounds figure, overdue rectifications escalating, and
// the import's rejects.

const otherPlacePS = "PS210103005" // 沈河区 滨河街道

// placeUsers are real accounts (inspections name their inspector).
type placeUsers struct {
	commander, heping, shenhe, station, committee, other, admin, analyst context.Context
	ids                                                                  map[string]int64
}

func newPlaceUsers(t *testing.T, f *fixture) *placeUsers {
	t.Helper()
	pu := &placeUsers{ids: map[string]int64{}}
	for _, u := range []struct {
		name string
		dst  *context.Context
		user epiloop.User
	}{
		{"p-commander", &pu.commander, epiloop.User{Role: epiloop.RoleCommander, UnitCode: epiloop.HeadquartersCode}},
		{"p-heping", &pu.heping, epiloop.User{Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(heping), DistrictCode: heping}},
		{"p-shenhe", &pu.shenhe, epiloop.User{Role: epiloop.RoleDistrict, UnitCode: epiloop.SubCommandCode(shenhe), DistrictCode: shenhe}},
		{"p-station", &pu.station, epiloop.User{Role: epiloop.RoleStation, UnitCode: shuiyuandiPS}},
		{"p-committee", &pu.committee, epiloop.User{Role: epiloop.RoleCommittee, UnitCode: shuiyuandiCM}},
		{"p-other", &pu.other, epiloop.User{Role: epiloop.RoleStation, UnitCode: otherPlacePS}},
		{"p-admin", &pu.admin, epiloop.User{Role: epiloop.RoleAdmin}},
		{"p-analyst", &pu.analyst, epiloop.User{Role: epiloop.RoleAnalyst}},
	} {
		usr := u.user
		usr.Name, usr.CreatedAt = u.name, f.clock.Now()
		if err := f.store.Update(context.Background(), func(tx epiloop.Tx) error { return tx.CreateUser(&usr) }); err != nil {
			t.Fatal(err)
		}
		*u.dst = asUser(&usr)
		pu.ids[u.name] = usr.ID
	}
	return pu
}

func gatheringPlace(code, district, community, unit string) *epiloop.Place {
	return &epiloop.Place{Code: code, Kind: epiloop.PlaceGathering, Name: "网吧" + code, DistrictCode: district,
		CommunityCode: community, UnitCode: unit, Category: "internet_cafe"}
}

func compoundPlace(code, district, community, unit string, min int) *epiloop.Place {
	return &epiloop.Place{Code: code, Kind: epiloop.PlaceCompound, Name: "小区" + code, DistrictCode: district,
		CommunityCode: community, UnitCode: unit, Openness: "open", Households: 500, Gates: 2, MinGuard: min}
}

func itemsOK(kind epiloop.PlaceKind) []epiloop.CheckItem {
	var out []epiloop.CheckItem
	for _, it := range epiloop.Checklists[kind] {
		out = append(out, epiloop.CheckItem{Item: it, OK: true})
	}
	return out
}

func codes(ps []epiloop.Place) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func TestPlacesScopedPerRole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		pu := newPlaceUsers(t, f)
		yongshun := "210103005003"
		for _, p := range []*epiloop.Place{
			gatheringPlace("HP-G", heping, shuiyuandi, shuiyuandiPS),
			compoundPlace("HP-C", heping, "", shuiyuandiCM, 2),
			gatheringPlace("SH-G", shenhe, yongshun, otherPlacePS),
		} {
			if p.CommunityCode == "" {
				p.CommunityCode = shuiyuandi
			}
			if _, err := f.svc.SavePlace(pu.commander, p); err != nil {
				t.Fatalf("save %s: %v", p.Code, err)
			}
		}
		for _, c := range []struct {
			name string
			ctx  context.Context
			want []string
		}{
			{"commander", pu.commander, []string{"HP-C", "HP-G", "SH-G"}},
			{"admin", pu.admin, []string{"HP-C", "HP-G", "SH-G"}},
			{"heping", pu.heping, []string{"HP-C", "HP-G"}},
			{"shenhe", pu.shenhe, []string{"SH-G"}},
			{"station (responsible, and its communities)", pu.station, []string{"HP-C", "HP-G"}},
			{"committee (its community)", pu.committee, []string{"HP-C", "HP-G"}},
			{"other station", pu.other, []string{"SH-G"}},
		} {
			ps, total, err := f.svc.FindPlaces(c.ctx, epiloop.PlaceFilter{})
			if err != nil || total != len(c.want) || !slices.Equal(codes(ps), c.want) {
				t.Errorf("%s: %v total %d %v, want %v", c.name, codes(ps), total, err, c.want)
			}
		}
		if _, _, err := f.svc.FindPlaces(pu.analyst, epiloop.PlaceFilter{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("analyst: %v, want forbidden", err)
		}
		// Outside reads as missing.
		_, errOutside := f.svc.FindPlace(pu.shenhe, "HP-G")
		_, errMissing := f.svc.FindPlace(pu.shenhe, "NONE")
		if epiloop.ErrorCode(errOutside) != epiloop.ENOTFOUND || errOutside.Error() != errMissing.Error() {
			t.Errorf("outside %v, missing %v: want the same not found", errOutside, errMissing)
		}
		// A district commander registers in its district only, and closes
		// its own places only.
		if _, err := f.svc.SavePlace(pu.heping, gatheringPlace("X1", shenhe, yongshun, otherPlacePS)); epiloop.ErrorField(err) != "district" {
			t.Errorf("heping registers in shenhe: %v", err)
		}
		order := &epiloop.ClosureOrder{Number: "沈疫指3号", From: "2020-01-28"}
		if _, err := f.svc.TransitionPlace(pu.heping, "SH-G", epiloop.GatheringClose, order); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("heping closes shenhe's: %v", err)
		}
		if _, err := f.svc.TransitionPlace(pu.station, "HP-G", epiloop.GatheringClose, order); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("a station closes: %v", err)
		}
		p, err := f.svc.TransitionPlace(pu.heping, "HP-G", epiloop.GatheringClose, order)
		if err != nil || p.State != epiloop.GatheringClosed {
			t.Fatalf("close: %+v %v", p, err)
		}
		// Saving the place again keeps its closure (it changes by order).
		again := gatheringPlace("HP-G", heping, shuiyuandi, shuiyuandiPS)
		again.State = epiloop.GatheringOpen
		if _, err := f.svc.SavePlace(pu.heping, again); err != nil || again.State != epiloop.GatheringClosed {
			t.Errorf("re-save: %v, state %s", err, again.State)
		}
		// Unknown references are refused by field.
		bad := gatheringPlace("X2", heping, shuiyuandi, "PS0000")
		if _, err := f.svc.SavePlace(pu.commander, bad); epiloop.ErrorField(err) != "unit" {
			t.Errorf("unknown unit: %v", err)
		}
		site := &epiloop.Place{Code: "X3", Kind: epiloop.PlaceIsolationSite, Name: "隔离点", DistrictCode: heping, UnitCode: shuiyuandiPS, SiteCode: "NOSITE"}
		if _, err := f.svc.SavePlace(pu.commander, site); epiloop.ErrorField(err) != "site" {
			t.Errorf("unknown site: %v", err)
		}
	})
}

func TestClosedPlaceFoundOpenRectifiedByReinspection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		pu := newPlaceUsers(t, f)
		p := gatheringPlace("HP-G", heping, shuiyuandi, shuiyuandiPS)
		p.State, p.Order = epiloop.GatheringClosed, &epiloop.ClosureOrder{Number: "沈疫指3号", From: "2020-01-28"}
		if _, err := f.svc.SavePlace(pu.commander, p); err != nil {
			t.Fatal(err)
		}
		// A station officer inspects only while on a duty slot.
		in := epiloop.Inspection{Kind: epiloop.InspectionUnannounced, Items: itemsOK(epiloop.PlaceGathering), FoundOpen: true}
		if _, err := f.svc.RecordInspection(pu.station, "HP-G", in); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Fatalf("off duty: %v, want forbidden", err)
		}
		post, _ := dutyFixture(t, f, 1, 0)
		slots := f.roster(t, post.ID, epiloop.Shift24h, 2)
		var now *epiloop.DutySlot
		for i := range slots {
			if !f.clock.Now().Before(slots[i].Start) && f.clock.Now().Before(slots[i].End) {
				now = &slots[i]
			}
		}
		if now == nil {
			t.Fatal("no slot in force")
		}
		if _, err := f.svc.Assign(commander, now.ID, pu.ids["p-station"]); err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.RecordInspection(pu.station, "HP-G", in)
		if err != nil {
			t.Fatal(err)
		}
		r := res.Rectification
		if r == nil || !r.FoundOpen() || r.UnitCode != shuiyuandiPS || r.State != epiloop.AgreementWaiting {
			t.Fatalf("found open: %+v, want an open rectification for the station", r)
		}
		figs, err := f.svc.PlaceFigures(pu.heping)
		if err != nil || figs.Counts[epiloop.MetricClosedFoundOpen] != 1 || figs.Counts[epiloop.MetricPlacesClosed] != 1 {
			t.Errorf("figures: %+v %v", figs, err)
		}
		if figs, _ := f.svc.PlaceFigures(pu.shenhe); figs.Counts[epiloop.MetricClosedFoundOpen] != 0 {
			t.Errorf("shenhe sees heping's: %+v", figs)
		}
		// The committee of the community sees it but is not the responsible unit.
		if _, err := f.svc.ReportFixed(pu.committee, r.ID, "x"); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("committee fixes: %v", err)
		}
		if _, err := f.svc.ReportFixed(pu.other, r.ID, "x"); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another station fixes: %v", err)
		}
		// A re-inspection before the fix is refused.
		re := epiloop.Inspection{Kind: epiloop.InspectionCheck, RectificationID: r.ID,
			Items: append([]epiloop.CheckItem{{Item: epiloop.ItemClosureKept, OK: true}}, itemsOK(epiloop.PlaceGathering)...)}
		if _, err := f.svc.RecordInspection(pu.heping, "HP-G", re); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("re-inspection before the fix: %v", err)
		}
		if r, err = f.svc.ReportFixed(pu.station, r.ID, "已停业，张贴告示"); err != nil || r.Fixed == nil || r.ClosedAt != nil {
			t.Fatalf("fixed: %+v %v", r, err)
		}
		// The re-inspection finds it open again: still open, disputed.
		re.FoundOpen = true
		res, err = f.svc.RecordInspection(pu.heping, "HP-G", re)
		if err != nil || res.Rectification.State != epiloop.AgreementDisputed || res.Rectification.ClosedAt != nil {
			t.Fatalf("re-inspection finds it open: %+v %v", res, err)
		}
		if _, err = f.svc.ReportFixed(pu.station, r.ID, "再次整改"); err != nil {
			t.Fatal(err)
		}
		re.FoundOpen = false
		res, err = f.svc.RecordInspection(pu.heping, "HP-G", re)
		if err != nil || res.Rectification.State != epiloop.AgreementAgreed || res.Rectification.ClosedAt == nil {
			t.Fatalf("clean re-inspection: %+v %v", res, err)
		}
		if figs, _ := f.svc.PlaceFigures(pu.heping); figs.Counts[epiloop.MetricClosedFoundOpen] != 0 {
			t.Errorf("after closing: %+v", figs.Counts)
		}
		v, err := f.svc.FindPlace(pu.station, "HP-G")
		if err != nil || len(v.Inspections) != 3 || len(v.Rectifications) != 1 {
			t.Errorf("place view: %d inspections %d rectifications %v", len(v.Inspections), len(v.Rectifications), err)
		}
	})
}

func TestRectificationOverdueEscalates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		pu := newPlaceUsers(t, f)
		if _, err := f.svc.SavePlace(pu.commander, compoundPlace("HP-C", heping, shuiyuandi, shuiyuandiPS, 0)); err != nil {
			t.Fatal(err)
		}
		items := itemsOK(epiloop.PlaceCompound)
		items[0].OK = false
		res, err := f.svc.RecordInspection(pu.heping, "HP-C", epiloop.Inspection{Kind: epiloop.InspectionSupervision, Items: items})
		if err != nil || res.Rectification == nil {
			t.Fatalf("%+v %v", res, err)
		}
		f.clock.Set(res.Rectification.Due.Add(epiloop.RectificationGrace - time.Minute))
		if n, err := f.svc.EscalateRectifications(context.Background()); n != 0 || err != nil {
			t.Errorf("before the grace: %d %v", n, err)
		}
		f.clock.Set(res.Rectification.Due.Add(epiloop.RectificationGrace + time.Minute))
		for round, want := range []int{1, 0} {
			if n, err := f.svc.EscalateRectifications(context.Background()); n != want || err != nil {
				t.Errorf("round %d: %d escalated, %v; want %d", round, n, err, want)
			}
		}
		r, err := f.svc.FindRectification(pu.station, res.Rectification.ID)
		if err != nil || r.EscalatedAt == nil {
			t.Errorf("escalated: %+v %v", r, err)
		}
	})
}

func TestDeploymentsAndUncoveredCompounds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		pu := newPlaceUsers(t, f)
		for _, p := range []*epiloop.Place{compoundPlace("HP-C1", heping, shuiyuandi, shuiyuandiCM, 2),
			compoundPlace("HP-C2", heping, shuiyuandi, shuiyuandiCM, 1), compoundPlace("SH-C", shenhe, "210103005003", otherPlacePS, 1)} {
			if _, err := f.svc.SavePlace(pu.commander, p); err != nil {
				t.Fatal(err)
			}
		}
		req := func(ctx context.Context, place, unit, name string) (*epiloop.Deployment, error) {
			return f.svc.RequestDeployment(ctx, place, epiloop.Deployment{PersonName: name, PersonKind: "police", UnitCode: unit,
				From: "2020-02-01", To: "2020-02-29"})
		}
		if _, err := req(pu.station, "HP-C1", otherPlacePS, "王"); epiloop.ErrorField(err) != "unit" {
			t.Errorf("a station sends another's people: %v", err)
		}
		if _, err := req(pu.other, "HP-C1", otherPlacePS, "王"); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("a station outside the compound's jurisdiction: %v", err)
		}
		d1, err := req(pu.station, "HP-C1", shuiyuandiPS, "王警官")
		if err != nil || d1.State != epiloop.DeploymentRequested {
			t.Fatalf("request: %+v %v", d1, err)
		}
		if _, err := f.svc.StepDeployment(pu.station, d1.ID, epiloop.DeployApprove); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("a station approves: %v", err)
		}
		if _, err := f.svc.StepDeployment(pu.shenhe, d1.ID, epiloop.DeployApprove); epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
			t.Errorf("another district approves: %v", err)
		}
		if _, err := f.svc.StepDeployment(pu.station, d1.ID, epiloop.DeployCheckIn); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
			t.Errorf("check-in before approval: %v", err)
		}
		if _, err := f.svc.StepDeployment(pu.heping, d1.ID, epiloop.DeployApprove); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.StepDeployment(pu.station, d1.ID, epiloop.DeployCheckIn); err != nil {
			t.Fatal(err)
		}
		d2, _ := req(pu.heping, "HP-C2", shuiyuandiPS, "李辅警")
		f.svc.StepDeployment(pu.commander, d2.ID, epiloop.DeployApprove)
		f.svc.StepDeployment(pu.commander, d2.ID, epiloop.DeployCheckIn)
		// HP-C1 has 1 of 2, HP-C2 1 of 1, SH-C 0 of 1.
		want := map[string]int64{heping: 1, shenhe: 1}
		figs, err := f.svc.PlaceFigures(pu.commander)
		if err != nil || figs.Counts[epiloop.MetricUncoveredCompounds] != 2 {
			t.Fatalf("city: %+v %v", figs, err)
		}
		for _, d := range figs.Districts {
			if d.Counts[epiloop.MetricUncoveredCompounds] != want[d.Code] {
				t.Errorf("%s: %d uncovered, want %d", d.Code, d.Counts[epiloop.MetricUncoveredCompounds], want[d.Code])
			}
		}
		cov, err := f.svc.CompoundCoverage(pu.heping, "")
		if err != nil || len(cov) != 2 || cov[0].Code != "HP-C1" || !cov[0].Uncovered() || cov[0].Coverage != 1 {
			t.Errorf("coverage: %+v %v", cov, err)
		}
		// Ending the deployment uncovers HP-C2.
		if _, err := f.svc.StepDeployment(pu.station, d2.ID, epiloop.DeployEnd); err != nil {
			t.Fatal(err)
		}
		if figs, _ := f.svc.PlaceFigures(pu.heping); figs.Counts[epiloop.MetricUncoveredCompounds] != 2 {
			t.Errorf("after ending: %+v", figs.Counts)
		}
		// Who reads which deployments.
		for _, c := range []struct {
			name string
			ctx  context.Context
			n    int
		}{{"commander", pu.commander, 2}, {"heping", pu.heping, 2}, {"shenhe", pu.shenhe, 0}, {"station", pu.station, 2}, {"other", pu.other, 0}} {
			ds, total, err := f.svc.FindDeployments(c.ctx, epiloop.DeploymentFilter{})
			if err != nil || total != c.n || len(ds) != c.n {
				t.Errorf("%s reads %d deployments (%v), want %d", c.name, total, err, c.n)
			}
		}
		if d, err := f.svc.FindDeployment(pu.station, d1.ID); err != nil || d.PersonName != "王警官" {
			t.Errorf("deployment: %+v %v", d, err)
		}
	})
}

func TestPlaceImportRejectsRowsAndIsIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, f *fixture) {
		pu := newPlaceUsers(t, f)
		csv := fmt.Sprintf("场所编码,类别,名称,区县,社区,责任单位,医院等级,发热定点,场所类型,最低值守,开放类型\n"+
			"H1,医院,第四医院,%[1]s,,%[2]s,III,是,,,\n"+
			"H2,医院,坏等级,%[1]s,,%[2]s,IV,否,,,\n"+
			"C1,小区,水源小区,%[1]s,%[3]s,%[2]s,,,,2,open\n"+
			"C2,小区,户数坏,%[1]s,%[3]s,%[2]s,,,,两人,open\n"+
			"\n"+
			"G1,gathering,中街网吧,%[1]s,,%[2]s,,,internet_cafe,,\n"+
			"H1,医院,重复,%[1]s,,%[2]s,III,是,,,\n"+
			"S1,小区,沈河的,%[4]s,210103005003,%[5]s,,,,1,open\n", heping, shuiyuandiPS, shuiyuandi, shenhe, otherPlacePS)
		run := func() *loopPlaceImport {
			res, err := f.svc.ImportPlaces(pu.heping, bytes.NewReader([]byte(csv)), int64(len(csv)))
			if err != nil {
				t.Fatal(err)
			}
			out := &loopPlaceImport{created: res.Created, updated: res.Updated}
			for _, r := range res.Rejected {
				out.rows = append(out.rows, fmt.Sprintf("%d:%s", r.Row, r.Err.Field))
			}
			return out
		}
		first := run()
		wantRejects := []string{"3:grade", "5:min_guard", "8:code", "9:district"}
		if first.created != 3 || first.updated != 0 || !slices.Equal(first.rows, wantRejects) {
			t.Errorf("first import: %+v, want 3 created and rejects %v", first, wantRejects)
		}
		second := run()
		if second.created != 0 || second.updated != 3 || !slices.Equal(second.rows, wantRejects) {
			t.Errorf("second import: %+v, want the same 3 updated", second)
		}
		ps, total, _ := f.svc.FindPlaces(pu.commander, epiloop.PlaceFilter{})
		if total != 3 || !slices.Equal(codes(ps), []string{"C1", "G1", "H1"}) {
			t.Errorf("places: %v", codes(ps))
		}
		if _, err := f.svc.ImportPlaces(pu.station, bytes.NewReader([]byte(csv)), int64(len(csv))); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
			t.Errorf("a station imports: %v", err)
		}
		noCode := "名称,类别\n网吧,gathering\n"
		if _, err := f.svc.ImportPlaces(pu.heping, bytes.NewReader([]byte(noCode)), int64(len(noCode))); epiloop.ErrorField(err) != "file" {
			t.Errorf("no code column: %v", err)
		}
	})
}

type loopPlaceImport struct {
	created, updated int
	rows             []string
}
