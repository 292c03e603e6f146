package epiloop

import (
	"testing"
	"time"
)

func TestCheckMove(t *testing.T) {
	isolated := Detainee{Status: DetaineePresent, AreaCode: "I1", AreaKind: AreaIsolation, IsolationEnd: "2020-02-16"}
	general := DetentionArea{Code: "G1", Kind: AreaGeneral, Capacity: 2, Occupancy: 1}
	tests := []struct {
		name     string
		d        Detainee
		to       DetentionArea
		today    string
		override bool
		reason   string
		early    bool
		code     string
		field    string
	}{
		{"early refused", isolated, general, "2020-02-10", false, "", true, ECONFLICT, ""},
		{"early overridden without reason", isolated, general, "2020-02-10", true, " ", true, EINVALID, "override_reason"},
		{"early overridden", isolated, general, "2020-02-10", true, "就医", true, "", ""},
		{"on the last isolation day", isolated, general, "2020-02-15", false, "", true, ECONFLICT, ""},
		{"isolation over", isolated, general, "2020-02-16", false, "", false, "", ""},
		{"to another free cell", isolated, DetentionArea{Code: "I2", Kind: AreaIsolation, Capacity: 1}, "2020-02-10", false, "", false, "", ""},
		{"to an occupied cell", isolated, DetentionArea{Code: "I2", Kind: AreaIsolation, Capacity: 1, Occupancy: 1}, "2020-02-20", false, "", false, ECONFLICT, ""},
		{"to a full area", isolated, DetentionArea{Code: "G2", Kind: AreaGeneral, Capacity: 2, Occupancy: 2}, "2020-02-20", false, "", false, ECONFLICT, ""},
		{"same area", isolated, DetentionArea{Code: "I1", Kind: AreaIsolation, Capacity: 1}, "2020-02-20", false, "", false, EINVALID, "area"},
		{"released", Detainee{Status: DetaineeReleased, AreaCode: "I1", AreaKind: AreaIsolation}, general, "2020-02-20", false, "", false, ECONFLICT, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			early, err := CheckMove(&tc.d, &tc.to, tc.today, tc.override, tc.reason)
			if got := ErrorCode(err); got != tc.code || ErrorField(err) != tc.field {
				t.Errorf("error %v (code %q field %q), want code %q field %q", err, got, ErrorField(err), tc.code, tc.field)
			}
			if err == nil && early != tc.early {
				t.Errorf("early %v, want %v", early, tc.early)
			}
		})
	}
}

func TestDetaineeIsolationDays(t *testing.T) {
	d := Detainee{Status: DetaineePresent, AreaKind: AreaIsolation, IsolationEnd: "2020-02-16"}
	for _, tc := range []struct {
		today    string
		left     int
		isolated bool
		ready    bool
	}{{"2020-02-01", 15, true, false}, {"2020-02-15", 1, true, false}, {"2020-02-16", 0, false, true}, {"2020-02-20", 0, false, true}} {
		if got := d.IsolationDaysLeft(tc.today); got != tc.left || d.InIntakeIsolation(tc.today) != tc.isolated || d.ReadyToMove(tc.today) != tc.ready {
			t.Errorf("%s: left %d isolated %v ready %v", tc.today, got, d.InIntakeIsolation(tc.today), d.ReadyToMove(tc.today))
		}
	}
}

func TestDetentionAreaValidate(t *testing.T) {
	a := DetentionArea{Code: "I1", Name: "隔离一", Kind: AreaIsolation, Capacity: 9}
	if err := a.Validate(); err != nil || a.Capacity != IsolationCellCapacity {
		t.Errorf("isolation cell: %v capacity %d", err, a.Capacity)
	}
	for _, bad := range []DetentionArea{{Code: "", Name: "x", Kind: AreaGeneral, Capacity: 1}, {Code: "a b", Name: "x", Kind: AreaGeneral, Capacity: 1},
		{Code: "G", Name: "x", Kind: "cell", Capacity: 1}, {Code: "G", Name: "x", Kind: AreaGeneral, Capacity: 0}} {
		if ErrorCode(bad.Validate()) != EINVALID {
			t.Errorf("%+v accepted", bad)
		}
	}
	free := FreeIsolationCell([]DetentionArea{{Code: "G", Kind: AreaGeneral, Capacity: 5}, {Code: "I1", Kind: AreaIsolation, Capacity: 1, Occupancy: 1},
		{Code: "I2", Kind: AreaIsolation, Capacity: 1}})
	if free == nil || free.Code != "I2" {
		t.Errorf("free cell: %+v", free)
	}
}

func TestClosedManagement(t *testing.T) {
	m := ClosedManagement{State: ClosureClosed, From: "2020-02-21", OrderNo: " 3号 ",
		Exemptions: []Exemption{{Name: "王 医生", Reason: "驻所", From: "2020-02-21", To: "2020-03-01"}}}
	if err := m.Validate(); err != nil || m.OrderNo != "3号" {
		t.Fatalf("valid order: %v", err)
	}
	for today, want := range map[string]bool{"2020-02-20": false, "2020-02-21": true, "2020-06-01": true} {
		if UnderClosedManagement(&m, today) != want {
			t.Errorf("%s: want %v", today, want)
		}
	}
	m.To = "2020-03-31"
	if UnderClosedManagement(&m, "2020-04-01") || UnderClosedManagement(nil, "2020-03-01") {
		t.Error("closed past its end, or with no order")
	}
	for _, bad := range []ClosedManagement{{State: "open", From: "2020-02-21", OrderNo: "1"}, {State: ClosureClosed, From: "2020-02-21"},
		{State: ClosureClosed, From: "2020-02-30", OrderNo: "1"}, {State: ClosureClosed, From: "2020-02-21", To: "2020-02-01", OrderNo: "1"},
		{State: ClosureClosed, From: "2020-02-21", OrderNo: "1", Exemptions: []Exemption{{Name: "王", From: "2020-02-21", To: "2020-02-22"}}}} {
		if ErrorCode(bad.Validate()) != EINVALID {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestCohortHandover(t *testing.T) {
	c := &Cohort{LeaderUserID: 1, NextID: 9, Status: CohortOnSite, End: "2020-02-15"}
	next := &Cohort{ID: 9, LeaderUserID: 2}
	if HandoverParty(1, c, next) != PartyOutgoing || HandoverParty(2, c, next) != PartyIncoming || HandoverParty(3, c, next) != "" {
		t.Error("parties")
	}
	if d := c.Handover(); d.State != AgreementWaiting || len(d.Missing) != 2 {
		t.Errorf("none confirmed: %+v", d)
	}
	now := time.Date(2020, 2, 14, 0, 0, 0, 0, time.UTC)
	c.OutConfirmedAt = &now
	if d := c.Handover(); d.State != AgreementWaiting || len(d.Missing) != 1 || d.Missing[0] != PartyIncoming {
		t.Errorf("outgoing only: %+v", d)
	}
	c.InConfirmedAt = &now
	if d := c.Handover(); d.State != AgreementAgreed || d.Outcome != 9 {
		t.Errorf("both: %+v", d)
	}
	if err := CohortHandover.Check(PartyIncoming, CohortConfirmation{}); ErrorField(err) != "next_id" {
		t.Errorf("no next: %v", err)
	}
	if err := CohortHandover.Check("", CohortConfirmation{Next: 9}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("not a party: %v", err)
	}
	due := c.Due()
	if c.Overdue(due.Add(CohortGrace-time.Minute)) || !c.Overdue(due.Add(CohortGrace)) {
		t.Error("overdue at the grace")
	}
	c.Status = CohortRelieved
	if c.Overdue(due.Add(48 * time.Hour)) {
		t.Error("a relieved cohort is overdue")
	}
}

func TestDetentionVisibility(t *testing.T) {
	p := &Place{Kind: PlaceDetention, DistrictCode: "210102", UnitCode: "PS1"}
	users := map[string]*User{
		"commander":    {Role: RoleCommander},
		"district":     {Role: RoleDistrict, DistrictCode: "210102"},
		"other-dist":   {Role: RoleDistrict, DistrictCode: "210103"},
		"staff":        {Role: RoleDetention, UnitCode: "PS1"},
		"other-staff":  {Role: RoleDetention, UnitCode: "PS2"},
		"station":      {Role: RoleStation, UnitCode: "PS1"},
		"analyst":      {Role: RoleAnalyst},
		"disabled-cmd": {Role: RoleCommander, Disabled: true},
	}
	want := map[string][5]bool{ // visible, people, admit, override, manage
		"commander":    {true, true, true, true, true},
		"district":     {true, false, false, true, true},
		"other-dist":   {false, false, false, false, false},
		"staff":        {true, true, true, false, false},
		"other-staff":  {false, false, false, false, false},
		"station":      {false, false, false, false, false},
		"analyst":      {false, false, false, false, false},
		"disabled-cmd": {false, false, false, false, false},
	}
	for name, u := range users {
		got := [5]bool{DetentionFacilityVisible(u, p), DetaineesVisible(u, p), MayActAtFacility(u, p, ActAdmitDetainee),
			MayOverrideIsolation(u, p), MayManageDetention(u, p)}
		if got != want[name] {
			t.Errorf("%s: %v, want %v", name, got, want[name])
		}
	}
	if DetentionFacilityVisible(users["commander"], &Place{Kind: PlaceHospital}) {
		t.Error("a hospital is a facility")
	}
}
