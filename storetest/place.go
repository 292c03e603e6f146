package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

// testPlaces pins the places' storage: a place round-trips with the
// fields of its kind and is replaced by its code, the filters (kind,
// state, district, a unit's own and its communities') select alike, a
// compound's coverage counts its deployments on site only, and
// inspections, rectifications and deployments round-trip their sealed
// fields and parties.
func testPlaces(t *testing.T, s epiloop.Store) {
	gather := &epiloop.Place{Code: "G1", Kind: epiloop.PlaceGathering, Name: "中街网吧", DistrictCode: "210102",
		CommunityCode: "210102001001", UnitCode: "PS1", Category: "internet_cafe", State: epiloop.GatheringClosed,
		Order: &epiloop.ClosureOrder{Number: "沈疫指〔2020〕3号", From: "2020-01-28", To: "2020-02-15"}, CreatedAt: at(0 * time.Hour), UpdatedAt: at(0 * time.Hour)}
	compound := &epiloop.Place{Code: "C1", Kind: epiloop.PlaceCompound, Name: "水源小区", DistrictCode: "210102",
		CommunityCode: "210102001002", UnitCode: "CM1", Openness: "open", Households: 800, Gates: 3, MinGuard: 2,
		CreatedAt: at(0 * time.Hour), UpdatedAt: at(0 * time.Hour)}
	hospital := &epiloop.Place{Code: "H1", Kind: epiloop.PlaceHospital, Name: "第四人民医院", DistrictCode: "210103",
		UnitCode: "PS2", Grade: "III", FeverDesignated: true, CreatedAt: at(0 * time.Hour), UpdatedAt: at(0 * time.Hour)}
	user := &epiloop.User{Name: "inspector", Role: epiloop.RoleCommander, CreatedAt: at(0 * time.Hour)}
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.CreateUser(user); err != nil {
			return err
		}
		for _, p := range []*epiloop.Place{gather, compound, hospital} {
			if created, err := tx.UpsertPlace(p); err != nil || !created {
				t.Errorf("create %s: %v %v", p.Code, created, err)
			}
		}
		return nil
	})
	// A re-import replaces by code.
	again := *hospital
	again.Name, again.UpdatedAt = "沈阳市第四人民医院", at(1*time.Hour)
	update(t, s, func(tx epiloop.Tx) error {
		created, err := tx.UpsertPlace(&again)
		if created || again.ID != hospital.ID {
			t.Errorf("re-upsert: created %v, id %d want %d", created, again.ID, hospital.ID)
		}
		return err
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindPlaceByCode("G1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, gather) {
			t.Errorf("gathering place:\n got %+v\nwant %+v", got, gather)
		}
		h, err := tx.FindPlaceByID(hospital.ID)
		if err != nil || h.Name != "沈阳市第四人民医院" || !h.FeverDesignated || h.Grade != "III" {
			t.Errorf("hospital: %+v %v", h, err)
		}
		return nil
	})
	viewCode(t, s, "missing place", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.FindPlaceByCode("NONE")
		return err
	})

	// Deployments: two to the compound, one on site.
	deps := []*epiloop.Deployment{
		{PlaceID: compound.ID, DistrictCode: "210102", UnitCode: "PS1", PersonName: "王警官", PoliceNumber: "012345",
			PersonKind: "police", From: "2020-02-01", To: "2020-02-29", State: epiloop.DeploymentRequested, RequestedBy: user.ID, CreatedAt: at(2 * time.Hour)},
		{PlaceID: compound.ID, DistrictCode: "210102", UnitCode: "PS1", PersonName: "李辅警", PersonKind: "auxiliary",
			From: "2020-02-01", To: "2020-02-29", State: epiloop.DeploymentRequested, RequestedBy: user.ID, CreatedAt: at(2 * time.Hour)},
	}
	update(t, s, func(tx epiloop.Tx) error {
		for _, d := range deps {
			if err := tx.SaveDeployment(d); err != nil {
				return err
			}
		}
		for _, a := range []string{epiloop.DeployApprove, epiloop.DeployCheckIn} {
			if _, err := deps[0].Step(a, user.ID, at(3*time.Hour)); err != nil {
				return err
			}
		}
		return tx.SaveDeployment(deps[0])
	})
	kind := epiloop.PlaceCompound
	unit, district := "CM1", "210102"
	closed := epiloop.GatheringClosed
	view(t, s, func(tx epiloop.Tx) error {
		d, err := tx.FindDeploymentByID(deps[0].ID, false)
		if err != nil {
			return err
		}
		want := *deps[0]
		want.PlaceCode, want.PlaceName = "C1", "水源小区"
		if !reflect.DeepEqual(d, &want) {
			t.Errorf("deployment:\n got %+v\nwant %+v", d, &want)
		}
		ps, total, err := tx.FindPlaces(epiloop.PlaceFilter{Kind: &kind})
		if err != nil || total != 1 || len(ps) != 1 || ps[0].Coverage != 1 {
			t.Errorf("compounds: %+v total %d %v, want C1 with coverage 1", ps, total, err)
		}
		for _, c := range []struct {
			name string
			f    epiloop.PlaceFilter
			want []string
		}{
			{"all", epiloop.PlaceFilter{}, []string{"C1", "G1", "H1"}},
			{"district", epiloop.PlaceFilter{District: &district}, []string{"C1", "G1"}},
			{"closed", epiloop.PlaceFilter{State: &closed}, []string{"G1"}},
			{"unit's own", epiloop.PlaceFilter{Unit: &unit}, []string{"C1"}},
			{"unit's communities", epiloop.PlaceFilter{Unit: &unit, Communities: []string{"210102001001"}}, []string{"C1", "G1"}},
			{"page", epiloop.PlaceFilter{Offset: 1, Limit: 1}, []string{"G1"}},
		} {
			ps, _, err := tx.FindPlaces(c.f)
			if err != nil {
				return err
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Code)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		onSite := epiloop.DeploymentOnSite
		ds, total, err := tx.FindDeployments(epiloop.DeploymentFilter{PlaceID: &compound.ID, State: &onSite})
		if err != nil || total != 1 || ds[0].PersonName != "王警官" {
			t.Errorf("on site: %+v %d %v", ds, total, err)
		}
		return nil
	})

	// An inspection finding the closed place open opens a rectification.
	in := &epiloop.Inspection{PlaceID: gather.ID, Kind: epiloop.InspectionUnannounced, InspectorID: user.ID, At: at(4 * time.Hour),
		FoundOpen: true, Note: "夜间营业", Items: []epiloop.CheckItem{{Item: "closure_notice", OK: true},
			{Item: "no_crowding", Note: "十余人"}, {Item: "entry_screening", OK: true}, {Item: "disinfection", OK: true}}}
	var r *epiloop.Rectification
	update(t, s, func(tx epiloop.Tx) error {
		if err := in.Apply(gather); err != nil {
			return err
		}
		if err := tx.CreateInspection(in); err != nil {
			return err
		}
		r = epiloop.NewRectification(gather, in)
		return tx.SaveRectification(r)
	})
	update(t, s, func(tx epiloop.Tx) error {
		if err := r.ReportFixed(&epiloop.RectifyReport{UserID: user.ID, Note: "已停业并张贴告示"}, at(5*time.Hour)); err != nil {
			return err
		}
		return tx.SaveRectification(r)
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindInspectionByID(in.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, in) {
			t.Errorf("inspection:\n got %+v\nwant %+v", got, in)
		}
		gr, err := tx.FindRectificationByID(r.ID, false)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(gr, r) {
			t.Errorf("rectification:\n got %+v\nwant %+v", gr, r)
		}
		open, total, err := tx.FindRectifications(epiloop.RectificationFilter{District: &district, Open: true})
		if err != nil || total != 1 || !open[0].FoundOpen() {
			t.Errorf("open rectifications: %+v %d %v", open, total, err)
		}
		due := at(4 * time.Hour).Add(epiloop.RectificationDue + time.Minute)
		overdue, _, err := tx.FindRectifications(epiloop.RectificationFilter{DueBefore: &due})
		if err != nil || len(overdue) != 1 {
			t.Errorf("due: %+v %v", overdue, err)
		}
		ins, err := tx.FindInspections(gather.ID, 10)
		if err != nil || len(ins) != 1 {
			t.Errorf("inspections: %+v %v", ins, err)
		}
		return nil
	})
}
