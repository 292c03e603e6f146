package epiloop_test

import (
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func gathering(state epiloop.GatheringState) *epiloop.Place {
	p := &epiloop.Place{Code: "G1", Kind: epiloop.PlaceGathering, Name: "网吧", DistrictCode: "210102", UnitCode: "PS1",
		Category: "internet_cafe", State: state}
	if state == epiloop.GatheringClosed {
		p.Order = &epiloop.ClosureOrder{Number: "令1号", From: "2020-01-28"}
	}
	return p
}

func TestPlaceValidate(t *testing.T) {
	ok := func() epiloop.Place {
		return epiloop.Place{Code: "C1", Kind: epiloop.PlaceCompound, Name: "小区", DistrictCode: "210102",
			CommunityCode: "210102001002", UnitCode: "CM1", Openness: "open", MinGuard: 2, Grade: "III"}
	}
	p := ok()
	if err := p.Validate(); err != nil || p.Grade != "" {
		t.Fatalf("valid compound: %v, grade %q (another kind's field must be cleared)", err, p.Grade)
	}
	for _, c := range []struct {
		name  string
		edit  func(p *epiloop.Place)
		field string
	}{
		{"code", func(p *epiloop.Place) { p.Code = "a b" }, "code"},
		{"kind", func(p *epiloop.Place) { p.Kind = "zoo" }, "kind"},
		{"name", func(p *epiloop.Place) { p.Name = " " }, "name"},
		{"unit", func(p *epiloop.Place) { p.UnitCode = "" }, "unit"},
		{"openness", func(p *epiloop.Place) { p.Openness = "half" }, "openness"},
		{"community", func(p *epiloop.Place) { p.CommunityCode = "" }, "community"},
		{"guard", func(p *epiloop.Place) { p.MinGuard = -1 }, "min_guard"},
		{"grade", func(p *epiloop.Place) { p.Kind, p.Grade = epiloop.PlaceHospital, "IV" }, "grade"},
		{"site", func(p *epiloop.Place) { p.Kind = epiloop.PlaceIsolationSite }, "site"},
		{"category", func(p *epiloop.Place) { p.Kind = epiloop.PlaceGathering }, "category"},
		{"closed without order", func(p *epiloop.Place) {
			p.Kind, p.Category, p.State = epiloop.PlaceGathering, "bath", epiloop.GatheringClosed
		}, "order_no"},
		{"order dates", func(p *epiloop.Place) {
			p.Kind, p.Category, p.State = epiloop.PlaceGathering, "bath", epiloop.GatheringClosed
			p.Order = &epiloop.ClosureOrder{Number: "1", From: "2020-02-10", To: "2020-02-01"}
		}, "to"},
		{"detention", func(p *epiloop.Place) { p.Kind = epiloop.PlaceDetention }, "detention_kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ok()
			c.edit(&p)
			if err := p.Validate(); epiloop.ErrorField(err) != c.field {
				t.Errorf("got %v (field %q), want field %q", err, epiloop.ErrorField(err), c.field)
			}
		})
	}
}

func TestGatheringStateMachine(t *testing.T) {
	order := &epiloop.ClosureOrder{Number: "沈疫指〔2020〕5号", From: "2020-01-28", To: "2020-02-28"}
	for _, c := range []struct {
		from     epiloop.GatheringState
		action   string
		order    *epiloop.ClosureOrder
		to       epiloop.GatheringState
		event    string
		errCode  string
		errField string
	}{
		{epiloop.GatheringOpen, epiloop.GatheringClose, order, epiloop.GatheringClosed, epiloop.EventPlaceClosed, "", ""},
		{epiloop.GatheringReopened, epiloop.GatheringClose, order, epiloop.GatheringClosed, epiloop.EventPlaceClosed, "", ""},
		{epiloop.GatheringClosed, epiloop.GatheringReopen, nil, epiloop.GatheringReopened, epiloop.EventPlaceReopened, "", ""},
		{epiloop.GatheringOpen, epiloop.GatheringClose, nil, epiloop.GatheringOpen, "", epiloop.EINVALID, "order_no"},
		{epiloop.GatheringOpen, epiloop.GatheringClose, &epiloop.ClosureOrder{Number: "x", From: "2020-13-01"}, epiloop.GatheringOpen, "", epiloop.EINVALID, "from"},
		{epiloop.GatheringClosed, epiloop.GatheringClose, order, epiloop.GatheringClosed, "", epiloop.ECONFLICT, ""},
		{epiloop.GatheringOpen, epiloop.GatheringReopen, nil, epiloop.GatheringOpen, "", epiloop.ECONFLICT, ""},
		{epiloop.GatheringReopened, epiloop.GatheringReopen, nil, epiloop.GatheringReopened, "", epiloop.ECONFLICT, ""},
		{epiloop.GatheringOpen, "demolish", nil, epiloop.GatheringOpen, "", epiloop.EINVALID, "action"},
	} {
		t.Run(string(c.from)+"/"+c.action, func(t *testing.T) {
			p := gathering(c.from)
			ev, err := p.Transition(c.action, c.order)
			if epiloop.ErrorCode(err) != c.errCode && !(c.errCode == "" && err == nil) || epiloop.ErrorField(err) != c.errField {
				t.Fatalf("error %v, want code %q field %q", err, c.errCode, c.errField)
			}
			if p.State != c.to || ev != c.event {
				t.Errorf("state %s event %q, want %s %q", p.State, ev, c.to, c.event)
			}
		})
	}
	h := &epiloop.Place{Kind: epiloop.PlaceHospital}
	if _, err := h.Transition(epiloop.GatheringClose, order); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("closing a hospital: %v, want conflict", err)
	}
}

func TestUncoveredAndProtected(t *testing.T) {
	for _, c := range []struct {
		kind          epiloop.PlaceKind
		min, coverage int
		want          bool
	}{
		{epiloop.PlaceCompound, 2, 0, true},
		{epiloop.PlaceCompound, 2, 1, true},
		{epiloop.PlaceCompound, 2, 2, false},
		{epiloop.PlaceCompound, 2, 3, false},
		{epiloop.PlaceCompound, 0, 0, false},
		{epiloop.PlaceHospital, 2, 0, false},
	} {
		p := epiloop.Place{Kind: c.kind, MinGuard: c.min, Coverage: c.coverage}
		if got := p.Uncovered(); got != c.want {
			t.Errorf("%s min %d coverage %d: uncovered %v, want %v", c.kind, c.min, c.coverage, got, c.want)
		}
	}
	for _, c := range []struct {
		grade string
		fever bool
		want  bool
	}{{"I", false, false}, {"I", true, true}, {"II", false, true}, {"III", false, true}} {
		p := epiloop.Place{Kind: epiloop.PlaceHospital, Grade: c.grade, FeverDesignated: c.fever}
		if p.Protected() != c.want {
			t.Errorf("grade %s fever %v: protected %v, want %v", c.grade, c.fever, !c.want, c.want)
		}
	}
}

func allOK(p *epiloop.Place) []epiloop.CheckItem {
	var out []epiloop.CheckItem
	for _, it := range epiloop.ChecklistFor(p) {
		out = append(out, epiloop.CheckItem{Item: it, OK: true})
	}
	return out
}

func TestInspectionApply(t *testing.T) {
	closed, open := gathering(epiloop.GatheringClosed), gathering(epiloop.GatheringOpen)
	t.Run("a closed place found open is a defect whatever was ticked", func(t *testing.T) {
		in := &epiloop.Inspection{Kind: epiloop.InspectionUnannounced, Items: allOK(closed), FoundOpen: true}
		if err := in.Apply(closed); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(in.Defects, []string{epiloop.ItemClosureKept}) {
			t.Errorf("defects %v, want only %s", in.Defects, epiloop.ItemClosureKept)
		}
	})
	t.Run("found open may leave the closure item out", func(t *testing.T) {
		in := &epiloop.Inspection{Kind: epiloop.InspectionCheck, Items: allOK(open), FoundOpen: true}
		if err := in.Apply(closed); err != nil || !slices.Contains(in.Defects, epiloop.ItemClosureKept) {
			t.Errorf("%v, defects %v", err, in.Defects)
		}
	})
	t.Run("an open place cannot be found open", func(t *testing.T) {
		in := &epiloop.Inspection{Kind: epiloop.InspectionCheck, Items: allOK(open), FoundOpen: true}
		if err := in.Apply(open); epiloop.ErrorField(err) != "found_open" {
			t.Errorf("%v, want a found_open error", err)
		}
	})
	t.Run("every item is marked", func(t *testing.T) {
		in := &epiloop.Inspection{Kind: epiloop.InspectionCheck, Items: allOK(open)[1:]}
		if err := in.Apply(open); epiloop.ErrorField(err) != "items.closure_notice" {
			t.Errorf("%v, want the missing item", err)
		}
	})
	t.Run("no foreign or twice-given items", func(t *testing.T) {
		in := &epiloop.Inspection{Kind: epiloop.InspectionCheck, Items: append(allOK(open), epiloop.CheckItem{Item: "gate_guard"})}
		if err := in.Apply(open); epiloop.ErrorField(err) != "items" {
			t.Errorf("foreign: %v", err)
		}
		in = &epiloop.Inspection{Kind: epiloop.InspectionCheck, Items: append(allOK(open), allOK(open)[0])}
		if err := in.Apply(open); epiloop.ErrorField(err) != "items" {
			t.Errorf("twice: %v", err)
		}
	})
	t.Run("kind", func(t *testing.T) {
		in := &epiloop.Inspection{Kind: "rumour", Items: allOK(open)}
		if err := in.Apply(open); epiloop.ErrorField(err) != "kind" {
			t.Errorf("%v", err)
		}
	})
}

func TestRectificationAgreement(t *testing.T) {
	now := time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)
	p := gathering(epiloop.GatheringClosed)
	in := &epiloop.Inspection{ID: 7, Kind: epiloop.InspectionUnannounced, Items: allOK(p), FoundOpen: true, At: now}
	if err := in.Apply(p); err != nil {
		t.Fatal(err)
	}
	r := epiloop.NewRectification(p, in)
	if r.State != epiloop.AgreementWaiting || !r.FoundOpen() || !r.Due.Equal(now.Add(epiloop.RectificationDue)) {
		t.Fatalf("new: %+v", r)
	}
	// A re-inspection before the unit reported is refused.
	if err := r.Reinspect(&epiloop.Inspection{}, now); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Fatalf("early re-inspection: %v", err)
	}
	if err := r.ReportFixed(&epiloop.RectifyReport{UserID: 2, Note: "已停业"}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r.State != epiloop.AgreementWaiting || r.ClosedAt != nil {
		t.Fatalf("after the unit's report: %s, closed %v (the inspector has not confirmed)", r.State, r.ClosedAt)
	}
	// The re-inspection finds it still open: disputed, open.
	again := &epiloop.Inspection{ID: 8, InspectorID: 3, Kind: epiloop.InspectionUnannounced, Items: allOK(p), FoundOpen: true}
	again.Apply(p)
	if err := r.Reinspect(again, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if r.State != epiloop.AgreementDisputed || !slices.Equal(r.Reasons, []string{epiloop.ReasonDefectPersists}) || !r.Open() {
		t.Fatalf("defect persists: %s %v open %v", r.State, r.Reasons, r.Open())
	}
	// The unit reports again (the old verdict no longer stands), and a
	// clean re-inspection closes it.
	if err := r.ReportFixed(&epiloop.RectifyReport{UserID: 2}, now.Add(3*time.Hour)); err != nil || r.Confirmed != nil || r.State != epiloop.AgreementWaiting {
		t.Fatalf("second report: %v %+v", err, r)
	}
	clean := &epiloop.Inspection{ID: 9, InspectorID: 3, Kind: epiloop.InspectionCheck, Items: allOK(p)}
	clean.Apply(p)
	closedAt := now.Add(4 * time.Hour)
	if err := r.Reinspect(clean, closedAt); err != nil {
		t.Fatal(err)
	}
	if r.State != epiloop.AgreementAgreed || r.ClosedAt == nil || !r.ClosedAt.Equal(closedAt) || r.Confirmed.InspectionID != 9 {
		t.Fatalf("closed: %+v", r)
	}
	if err := r.ReportFixed(&epiloop.RectifyReport{}, closedAt); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("report on a closed rectification: %v", err)
	}
	// The agreement's parties and escalation.
	if err := epiloop.RectificationAgreement.Check(epiloop.PartyOutgoing, &epiloop.RectifyReport{}); epiloop.ErrorCode(err) != epiloop.EFORBIDDEN {
		t.Errorf("a stranger party: %v", err)
	}
	due := r.Due
	if epiloop.RectificationAgreement.Overdue(due, due.Add(epiloop.RectificationGrace-time.Minute)) ||
		!epiloop.RectificationAgreement.Overdue(due, due.Add(epiloop.RectificationGrace)) {
		t.Error("overdue exactly RectificationGrace after its due time")
	}
}

func TestDeploymentStateMachine(t *testing.T) {
	now := time.Date(2020, 2, 1, 8, 0, 0, 0, time.UTC)
	d := &epiloop.Deployment{PersonName: "王", PersonKind: "police", UnitCode: "PS1", From: "2020-02-01", To: "2020-02-29",
		State: epiloop.DeploymentRequested}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Step(epiloop.DeployCheckIn, 1, now); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("check-in before approval: %v", err)
	}
	for _, s := range []struct {
		action string
		state  epiloop.DeploymentState
		event  string
	}{
		{epiloop.DeployApprove, epiloop.DeploymentApproved, epiloop.EventDeploymentApproved},
		{epiloop.DeployCheckIn, epiloop.DeploymentOnSite, epiloop.EventDeploymentOnSite},
		{epiloop.DeployEnd, epiloop.DeploymentEnded, epiloop.EventDeploymentEnded},
	} {
		ev, err := d.Step(s.action, 5, now)
		if err != nil || d.State != s.state || ev != s.event {
			t.Fatalf("%s: %v, state %s event %s", s.action, err, d.State, ev)
		}
	}
	if d.ApprovedBy != 5 || d.CheckedInAt == nil || d.EndedAt == nil {
		t.Errorf("stamps: %+v", d)
	}
	if _, err := d.Step(epiloop.DeployEnd, 1, now); epiloop.ErrorCode(err) != epiloop.ECONFLICT {
		t.Errorf("end twice: %v", err)
	}
	for _, c := range []struct {
		edit  func(d *epiloop.Deployment)
		field string
	}{
		{func(d *epiloop.Deployment) { d.PersonName = "" }, "person_name"},
		{func(d *epiloop.Deployment) { d.PersonKind = "army" }, "person_kind"},
		{func(d *epiloop.Deployment) { d.To = "2020-01-01" }, "to"},
		{func(d *epiloop.Deployment) { d.To = "2022-01-01" }, "to"},
		{func(d *epiloop.Deployment) { d.From = "2020-2-1" }, "from"},
	} {
		x := epiloop.Deployment{PersonName: "王", PersonKind: "police", UnitCode: "PS1", From: "2020-02-01", To: "2020-02-29"}
		c.edit(&x)
		if err := x.Validate(); epiloop.ErrorField(err) != c.field {
			t.Errorf("%+v: %v, want field %s", x, err, c.field)
		}
	}
}

func TestPlaceVisibility(t *testing.T) {
	p := &epiloop.Place{Code: "C1", Kind: epiloop.PlaceCompound, DistrictCode: "210102", CommunityCode: "210102001002", UnitCode: "PS1"}
	for _, c := range []struct {
		name        string
		u           *epiloop.User
		communities []string
		see, manage bool
	}{
		{"commander", &epiloop.User{Role: epiloop.RoleCommander}, nil, true, true},
		{"admin", &epiloop.User{Role: epiloop.RoleAdmin}, nil, true, true},
		{"its district", &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210102"}, nil, true, true},
		{"another district", &epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210103"}, nil, false, false},
		{"responsible station", &epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS1"}, nil, true, false},
		{"another station", &epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS2"}, []string{"210102001001"}, false, false},
		{"the community's committee", &epiloop.User{Role: epiloop.RoleCommittee, UnitCode: "CM210102001002"}, []string{"210102001002"}, true, false},
		{"analyst", &epiloop.User{Role: epiloop.RoleAnalyst}, nil, false, false},
	} {
		if got := epiloop.PlaceVisible(c.u, p, c.communities); got != c.see {
			t.Errorf("%s sees: %v, want %v", c.name, got, c.see)
		}
		if got := epiloop.MayManagePlace(c.u, p); got != c.manage {
			t.Errorf("%s manages: %v, want %v", c.name, got, c.manage)
		}
	}
	d := &epiloop.Deployment{DistrictCode: "210102", UnitCode: "PS1"}
	if !epiloop.MayApproveDeployment(&epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210102"}, d) ||
		epiloop.MayApproveDeployment(&epiloop.User{Role: epiloop.RoleDistrict, DistrictCode: "210103"}, d) ||
		epiloop.MayApproveDeployment(&epiloop.User{Role: epiloop.RoleStation, UnitCode: "PS1"}, d) {
		t.Error("approval: the district's commander and headquarters only")
	}
	if !epiloop.MayInspect(&epiloop.User{Role: epiloop.RoleStation}, true) || epiloop.MayInspect(&epiloop.User{Role: epiloop.RoleStation}, false) ||
		!epiloop.MayInspect(&epiloop.User{Role: epiloop.RoleDistrict}, false) || epiloop.MayInspect(&epiloop.User{Role: epiloop.RoleAdmin}, true) {
		t.Error("inspection: commanders, or a unit's officer on duty")
	}
}
