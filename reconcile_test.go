package epiloop_test

import (
	"slices"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
)

func temp(t float64) *float64 { return &t }

func TestReconcile(t *testing.T) {
	home := epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureHomeObservation, Temperature: temp(36.5), Contact: epiloop.ContactInPerson}
	with := func(f epiloop.Feedback, edit func(*epiloop.Feedback)) epiloop.Feedback {
		edit(&f)
		return f
	}
	tests := []struct {
		name        string
		a, b        epiloop.Feedback
		wantVerdict epiloop.Verdict
		wantReasons []string
	}{
		{"same report agrees", home, home, epiloop.VerdictAgree, nil},
		{"temperatures within 0.5 agree", home, with(home, func(f *epiloop.Feedback) { f.Temperature = temp(37.0) }), epiloop.VerdictAgree, nil},
		{"temperatures 0.6 apart conflict", home, with(home, func(f *epiloop.Feedback) { f.Temperature = temp(37.1) }), epiloop.VerdictConflict, []string{epiloop.ReasonTemperature}},
		{"one side without temperature agrees", home, with(home, func(f *epiloop.Feedback) { f.Temperature = nil; f.Contact = epiloop.ContactPhone }), epiloop.VerdictAgree, nil},
		{"measure differs", home, with(home, func(f *epiloop.Feedback) { f.Measure = epiloop.MeasureNoneRequired }), epiloop.VerdictConflict, []string{epiloop.ReasonMeasure}},
		{"located differs", home, with(home, func(f *epiloop.Feedback) { f.Located = epiloop.LocatedNotFound }), epiloop.VerdictConflict, []string{epiloop.ReasonLocated}},
		{"fever on one side needs hospital", with(home, func(f *epiloop.Feedback) { f.Temperature = temp(37.3) }), with(home, func(f *epiloop.Feedback) { f.Temperature = temp(37.0) }), epiloop.VerdictConflict, []string{epiloop.ReasonFever}},
		{"fever with hospital on both agrees",
			with(home, func(f *epiloop.Feedback) { f.Temperature = temp(38.0); f.Measure = epiloop.MeasureHospital }),
			with(home, func(f *epiloop.Feedback) { f.Temperature = temp(37.8); f.Measure = epiloop.MeasureHospital }),
			epiloop.VerdictAgree, nil},
		{"symptoms on one side", home, with(home, func(f *epiloop.Feedback) { f.Symptoms = true }), epiloop.VerdictConflict, []string{epiloop.ReasonSymptoms, epiloop.ReasonFever}},
		{"central isolation sites differ",
			with(home, func(f *epiloop.Feedback) { f.Measure = epiloop.MeasureCentralIsolation; f.Site = "A" }),
			with(home, func(f *epiloop.Feedback) { f.Measure = epiloop.MeasureCentralIsolation; f.Site = "B" }),
			epiloop.VerdictConflict, []string{epiloop.ReasonSite}},
		{"both elsewhere, same address: reroute",
			epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "X"},
			epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "X"}, epiloop.VerdictReroute, nil},
		{"both elsewhere, different text: reroute for the workflow to check",
			epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "X"},
			epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity, Address: "Y"}, epiloop.VerdictReroute, []string{epiloop.ReasonAddress}},
		{"both left for the same city: hand over",
			epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "北京市"},
			epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "北京市"}, epiloop.VerdictHandOver, nil},
		{"left for different cities",
			epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "北京市"},
			epiloop.Feedback{Located: epiloop.LocatedLeftCity, Destination: "大连市"}, epiloop.VerdictConflict, []string{epiloop.ReasonDestination}},
		{"both not found agree", epiloop.Feedback{Located: epiloop.LocatedNotFound}, epiloop.Feedback{Located: epiloop.LocatedNotFound}, epiloop.VerdictAgree, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, order := range [][2]epiloop.Feedback{{tt.a, tt.b}, {tt.b, tt.a}} {
				got := epiloop.Reconcile(&order[0], &order[1])
				if got.Verdict != tt.wantVerdict {
					t.Errorf("verdict = %s, want %s", got.Verdict, tt.wantVerdict)
				}
				if !slices.Equal(got.Reasons, tt.wantReasons) {
					t.Errorf("reasons = %v, want %v", got.Reasons, tt.wantReasons)
				}
			}
		})
	}
}

func TestReconcileMergesOutcome(t *testing.T) {
	a := epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureHomeObservation, Temperature: temp(36.4), Contact: epiloop.ContactPhone}
	b := epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureHomeObservation, Temperature: temp(36.8), Contact: epiloop.ContactInPerson}
	got := epiloop.Reconcile(&a, &b).Outcome
	if *got.Temperature != 36.8 || got.Contact != epiloop.ContactInPerson {
		t.Errorf("outcome = %+v, want the higher temperature and in-person contact", got)
	}
}

func TestFeedbackValidate(t *testing.T) {
	tests := []struct {
		name      string
		f         epiloop.Feedback
		wantField string
	}{
		{"complete", epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureNoneRequired, Temperature: temp(36.6)}, ""},
		{"unknown located", epiloop.Feedback{Located: "home"}, "located"},
		{"elsewhere without address", epiloop.Feedback{Located: epiloop.LocatedElsewhereInCity}, "address"},
		{"left without destination", epiloop.Feedback{Located: epiloop.LocatedLeftCity}, "destination"},
		{"temperature too low", epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureNoneRequired, Temperature: temp(33.9)}, "temperature"},
		{"temperature too high", epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureNoneRequired, Temperature: temp(43.1)}, "temperature"},
		{"temperature bounds", epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureNoneRequired, Temperature: temp(43.0)}, ""},
		{"found without measure", epiloop.Feedback{Located: epiloop.LocatedAtAddress}, "measure"},
		{"central isolation without site", epiloop.Feedback{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureCentralIsolation}, "site"},
		{"bad contact", epiloop.Feedback{Located: epiloop.LocatedNotFound, Contact: "fax"}, "contact"},
		{"bad arrival date", epiloop.Feedback{Located: epiloop.LocatedNotFound, ArrivalDate: "2020-13-01"}, "arrival_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.f.Validate()
			if got := epiloop.ErrorField(err); got != tt.wantField {
				t.Errorf("field = %q, want %q (err %v)", got, tt.wantField, err)
			}
			if tt.wantField != "" && epiloop.ErrorCode(err) != epiloop.EINVALID {
				t.Errorf("code = %q, want invalid", epiloop.ErrorCode(err))
			}
		})
	}
}

func TestStateMachines(t *testing.T) {
	leads := []struct {
		from, to epiloop.LeadStatus
		want     bool
	}{
		{epiloop.LeadUnroutable, epiloop.LeadPushed, true},
		{epiloop.LeadUnroutable, epiloop.LeadClosed, false},
		{epiloop.LeadPushed, epiloop.LeadVerifying, true},
		{epiloop.LeadVerifying, epiloop.LeadConflict, true},
		{epiloop.LeadConflict, epiloop.LeadClosed, true},
		{epiloop.LeadConflict, epiloop.LeadVerifying, false},
		{epiloop.LeadClosed, epiloop.LeadPushed, false},
		{epiloop.LeadHandedOver, epiloop.LeadPushed, false},
	}
	for _, tt := range leads {
		if got := epiloop.CanMoveLead(tt.from, tt.to); got != tt.want {
			t.Errorf("CanMoveLead(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
		// Move is the rule applied: a refused move changes nothing.
		l := &epiloop.Lead{Status: tt.from}
		err := l.Move(tt.to)
		if tt.want && (err != nil || l.Status != tt.to) || !tt.want && (epiloop.ErrorCode(err) != epiloop.ECONFLICT || l.Status != tt.from) {
			t.Errorf("lead %s.Move(%s) = %v, now %s", tt.from, tt.to, err, l.Status)
		}
	}
	tasks := []struct {
		from, to epiloop.TaskStatus
		want     bool
	}{
		{epiloop.TaskPushed, epiloop.TaskAccepted, true},
		{epiloop.TaskPushed, epiloop.TaskSubmitted, false},
		{epiloop.TaskAccepted, epiloop.TaskSubmitted, true},
		{epiloop.TaskSubmitted, epiloop.TaskSubmitted, false},
		{epiloop.TaskSubmitted, epiloop.TaskCancelled, true},
		{epiloop.TaskReturned, epiloop.TaskAccepted, false},
		{epiloop.TaskCancelled, epiloop.TaskPushed, false},
	}
	for _, tt := range tasks {
		if got := epiloop.CanMoveTask(tt.from, tt.to); got != tt.want {
			t.Errorf("CanMoveTask(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
		tk := &epiloop.Task{Status: tt.from}
		err := tk.Move(tt.to)
		if tt.want && (err != nil || tk.Status != tt.to) || !tt.want && (epiloop.ErrorCode(err) != epiloop.ECONFLICT || tk.Status != tt.from) {
			t.Errorf("task %s.Move(%s) = %v, now %s", tt.from, tt.to, err, tk.Status)
		}
	}
}

func TestPriorityOf(t *testing.T) {
	tests := []struct {
		name  string
		r     epiloop.Reason
		risky bool
		want  epiloop.Priority
	}{
		{"fever", epiloop.Reason{Fever: true}, false, epiloop.PriorityUrgent},
		{"close contact", epiloop.Reason{CloseContact: true}, true, epiloop.PriorityUrgent},
		{"risk area", epiloop.Reason{}, true, epiloop.PriorityHigh},
		{"nothing", epiloop.Reason{}, false, epiloop.PriorityNormal},
	}
	for _, tt := range tests {
		if got := epiloop.PriorityOf(tt.r, tt.risky); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestNextEscalation(t *testing.T) {
	d := mustTime(t, "2020-02-01T10:00:00Z")
	tests := []struct {
		level int
		want  string
	}{
		{0, "2020-02-01T10:00:00Z"},
		{1, "2020-02-01T14:00:00Z"},
		{2, "2020-02-01T18:00:00Z"},
		{3, ""},
	}
	for _, tt := range tests {
		got := epiloop.NextEscalation(d, tt.level, 4*time.Hour)
		if tt.want == "" {
			if !got.IsZero() {
				t.Errorf("level %d: got %v, want none", tt.level, got)
			}
			continue
		}
		if !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("level %d: got %v, want %s", tt.level, got, tt.want)
		}
	}
}
