package epiloop

import (
	"slices"
	"testing"
)

func TestObservationContribution(t *testing.T) {
	o := &Observation{Kind: ObservationHome, Status: ObservationActive, UnitCode: "CM1", DistrictCode: "210102",
		Overdue: true, Proposal: ProposeTransfer}
	var got []string
	for _, k := range ObservationContribution(o) {
		if k.Scope == "obs:u:CM1" {
			got = append(got, k.Metric)
		}
	}
	slices.Sort(got)
	if want := []string{"active", "active_home", "alerts", "overdue"}; !slices.Equal(got, want) {
		t.Errorf("unit metrics %v, want %v", got, want)
	}
	o.Status = ObservationReleased
	if keys := ObservationContribution(o); len(keys) != 3 || keys[0].Metric != "released" {
		t.Errorf("released plan counts %v, want released in three scopes", keys)
	}
	o.UnitCode, o.Status = "", ObservationPending
	if keys := ObservationContribution(o); len(keys) != 2 {
		t.Errorf("pending plan without unit counts %v, want city and district", keys)
	}
}

func TestObservationDays(t *testing.T) {
	o := &Observation{Start: "2020-02-01", End: "2020-02-15"}
	if o.LastDay() != "2020-02-14" || o.Day("2020-02-14") != 14 || o.Day("2020-02-01") != 1 {
		t.Errorf("last day %s, day 14 is %d", o.LastDay(), o.Day("2020-02-14"))
	}
}

func TestObservationCheck(t *testing.T) {
	tests := []struct {
		c        ObservationCheck
		alarming bool
		normal   bool
	}{
		{ObservationCheck{Temperature: 36.5, Present: true}, false, true},
		{ObservationCheck{Temperature: 37.3, Present: true}, true, false},
		{ObservationCheck{Temperature: 36.5, Symptoms: true, Present: true}, true, false},
		{ObservationCheck{Temperature: 36.5}, false, false},
	}
	for _, tt := range tests {
		if tt.c.Alarming() != tt.alarming || tt.c.Normal() != tt.normal {
			t.Errorf("%+v: alarming %v normal %v", tt.c, tt.c.Alarming(), tt.c.Normal())
		}
	}
	bad := ObservationCheck{Temperature: 50}
	if err := bad.Validate(); ErrorField(err) != "temperature" {
		t.Errorf("Validate = %v", err)
	}
}

func TestSiteValidate(t *testing.T) {
	ok := Site{Code: "S1", Name: " 隔离点 ", DistrictCode: "210112", Capacity: 10}
	if err := ok.Validate(); err != nil || ok.Name != "隔离点" {
		t.Errorf("Validate = %v (%q)", err, ok.Name)
	}
	for field, s := range map[string]Site{
		"code":     {Name: "x", DistrictCode: "210112"},
		"name":     {Code: "S1", DistrictCode: "210112"},
		"district": {Code: "S1", Name: "x", DistrictCode: "2101"},
		"capacity": {Code: "S1", Name: "x", DistrictCode: "210112", Capacity: -1},
	} {
		if err := s.Validate(); ErrorField(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}
