package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestBadInput sends malformed and unauthenticated requests to every
// endpoint: each is refused with the right 4xx status, error code and
// field, never a 500, and changes nothing.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	l := f.createLead(id1, addrHome)
	st := l.liveTask(t, "police_station")
	lead := fmt.Sprintf("/leads/%d", l.ID)
	accept := fmt.Sprintf("/tasks/%d/accept", st.ID)
	ret := fmt.Sprintf("/tasks/%d/return", st.ID)
	feedback := fmt.Sprintf("/tasks/%d/feedback", st.ID)

	valid := `{"person":{"id_number":"210102199001011237","name":"李四"},"address":"` + addrHome + `","source":{"kind":"hotline"}}`
	withPerson := func(person string) string {
		return `{"person":` + person + `,"address":"` + addrHome + `","source":{"kind":"hotline"}}`
	}
	withReason := func(reason string) string {
		return `{"person":{"id_number":"210102199001011237"},"source":{"kind":"rail"},"reason":` + reason + `}`
	}
	fb := func(fields string) string {
		return `{"contact":"in_person","measure":"home_observation",` + fields + `}`
	}

	tests := []struct {
		name      string
		method    string
		path      string
		as        string
		header    map[string]string
		body      string
		want      int
		wantCode  string
		wantField string
	}{
		// Authentication.
		{"no credentials", "POST", "/leads", "", nil, valid, 401, "unauthorized", ""},
		{"bad token", "POST", "/leads", "", map[string]string{"Authorization": "Bearer not-a-token"}, valid, 401, "unauthorized", ""},
		{"empty bearer", "GET", "/leads", "", map[string]string{"Authorization": "Bearer "}, "", 401, "unauthorized", ""},
		{"basic auth", "GET", "/leads", "", map[string]string{"Authorization": "Basic Y29tbWFuZGVyOng="}, "", 401, "unauthorized", ""},
		{"lowercase scheme", "GET", "/leads", "", map[string]string{"Authorization": "bearer x"}, "", 401, "unauthorized", ""},
		{"no credentials for a lead", "GET", lead, "", nil, "", 401, "unauthorized", ""},
		{"no credentials for tasks", "GET", "/tasks", "", nil, "", 401, "unauthorized", ""},
		{"no credentials to accept", "POST", accept, "", nil, "", 401, "unauthorized", ""},
		{"no credentials for stats", "GET", "/stats/overview", "", nil, "", 401, "unauthorized", ""},
		{"no credentials for events", "GET", "/events", "", nil, "", 401, "unauthorized", ""},
		{"no credentials for me", "GET", "/me", "", nil, "", 401, "unauthorized", ""},

		// The JSON body of a new lead.
		{"empty body", "POST", "/leads", uCommander, nil, "", 400, "invalid", ""},
		{"bad JSON", "POST", "/leads", uCommander, nil, `{"person":`, 400, "invalid", ""},
		{"not JSON", "POST", "/leads", uCommander, nil, `person=1`, 400, "invalid", ""},
		{"JSON array", "POST", "/leads", uCommander, nil, `[]`, 400, "invalid", ""},
		{"JSON null", "POST", "/leads", uCommander, nil, `null`, 400, "invalid", "person.id_number"},
		{"empty object", "POST", "/leads", uCommander, nil, `{}`, 400, "invalid", "person.id_number"},
		{"unknown field", "POST", "/leads", uCommander, nil, `{"persn":{}}`, 400, "invalid", "persn"},
		{"unknown nested field", "POST", "/leads", uCommander, nil, withPerson(`{"id":"1"}`), 400, "invalid", "id"},
		{"trailing object", "POST", "/leads", uCommander, nil, valid + ` {}`, 400, "invalid", ""},
		{"trailing garbage", "POST", "/leads", uCommander, nil, valid + `x`, 400, "invalid", ""},
		{"trailing brace", "POST", "/leads", uCommander, nil, valid + `}`, 400, "invalid", ""},
		{"two values", "POST", "/leads", uCommander, nil, valid + valid, 400, "invalid", ""},
		{"person is a string", "POST", "/leads", uCommander, nil, withPerson(`"张三"`), 400, "invalid", "person"},
		{"id number is a number", "POST", "/leads", uCommander, nil, withPerson(`{"id_number":210102199001011237}`), 400, "invalid", "person.id_number"},
		{"fever is a string", "POST", "/leads", uCommander, nil, withReason(`{"fever":"yes"}`), 400, "invalid", "reason.fever"},
		{"text/plain", "POST", "/leads", uCommander, map[string]string{"Content-Type": "text/plain"}, valid, 400, "invalid", ""},
		{"form", "POST", "/leads", uCommander, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, valid, 400, "invalid", ""},
		{"too large", "POST", "/leads", uCommander, nil, `{"address":"` + strings.Repeat("a", 1<<20) + `"}`, 400, "invalid", ""},
		{"invalid check character", "POST", "/leads", uCommander, nil, withPerson(`{"id_number":"110105194912310021"}`), 400, "invalid", "person.id_number"},
		{"short id number", "POST", "/leads", uCommander, nil, withPerson(`{"id_number":"11010519491231"}`), 400, "invalid", "person.id_number"},
		{"impossible birth date", "POST", "/leads", uCommander, nil, withPerson(`{"id_number":"110105194902300025"}`), 400, "invalid", "person.id_number"},
		{"no identity", "POST", "/leads", uCommander, nil, withPerson(`{"name":"李四"}`), 400, "invalid", "person.id_number"},
		{"bad phone", "POST", "/leads", uCommander, nil, withPerson(`{"name":"李四","phone":"12345"}`), 400, "invalid", "person.phone"},
		{"phone without name", "POST", "/leads", uCommander, nil, withPerson(`{"phone":"13800138000"}`), 400, "invalid", "person.name"},
		{"unknown source", "POST", "/leads", uCommander, nil, `{"person":{"id_number":"210102199001011237"},"source":{"kind":"fax"}}`, 400, "invalid", "source.kind"},
		{"no source", "POST", "/leads", uCommander, nil, `{"person":{"id_number":"210102199001011237"}}`, 400, "invalid", "source.kind"},
		{"bad arrival date", "POST", "/leads", uCommander, nil, withReason(`{"arrival_date":"2020-02-30"}`), 400, "invalid", "reason.arrival_date"},
		{"arrival date format", "POST", "/leads", uCommander, nil, withReason(`{"arrival_date":"30/01/2020"}`), 400, "invalid", "reason.arrival_date"},
		{"unknown origin", "POST", "/leads", uCommander, nil, withReason(`{"origin":"火星"}`), 400, "invalid", "reason.origin"},
		{"address too long", "POST", "/leads", uCommander, nil, `{"person":{"id_number":"210102199001011237"},"source":{"kind":"rail"},"address":"` + strings.Repeat("路", 200) + `"}`, 400, "invalid", "address"},

		// Lists and their queries.
		{"page zero", "GET", "/leads?page=0", uCommander, nil, "", 400, "invalid", "page"},
		{"negative page", "GET", "/leads?page=-1", uCommander, nil, "", 400, "invalid", "page"},
		{"page not a number", "GET", "/leads?page=abc", uCommander, nil, "", 400, "invalid", "page"},
		{"page too large", "GET", "/leads?page=99999999999999999999", uCommander, nil, "", 400, "invalid", "page"},
		{"per_page zero", "GET", "/leads?per_page=0", uCommander, nil, "", 400, "invalid", "per_page"},
		{"per_page too large", "GET", "/leads?per_page=501", uCommander, nil, "", 400, "invalid", "per_page"},
		{"per_page not a number", "GET", "/leads?per_page=1.5", uCommander, nil, "", 400, "invalid", "per_page"},
		{"bad status filter", "GET", "/leads?status=bogus", uCommander, nil, "", 400, "invalid", "status"},
		{"bad priority filter", "GET", "/leads?priority=low", uCommander, nil, "", 400, "invalid", "priority"},
		{"bad district filter", "GET", "/leads?district=21", uCommander, nil, "", 400, "invalid", "district"},
		{"bad overdue filter", "GET", "/leads?overdue=maybe", uCommander, nil, "", 400, "invalid", "overdue"},
		{"bad task status", "GET", "/tasks?status=bogus", uStation, nil, "", 400, "invalid", "status"},
		{"task page", "GET", "/tasks?page=x", uStation, nil, "", 400, "invalid", "page"},
		{"task per_page", "GET", "/tasks?per_page=1000", uStation, nil, "", 400, "invalid", "per_page"},

		// Identifiers in the path.
		{"non-numeric lead id", "GET", "/leads/abc", uCommander, nil, "", 404, "not_found", ""},
		{"lead id zero", "GET", "/leads/0", uCommander, nil, "", 404, "not_found", ""},
		{"negative lead id", "GET", "/leads/-1", uCommander, nil, "", 404, "not_found", ""},
		{"fractional lead id", "GET", "/leads/1.5", uCommander, nil, "", 404, "not_found", ""},
		{"overflowing lead id", "GET", "/leads/99999999999999999999", uCommander, nil, "", 404, "not_found", ""},
		{"missing lead", "GET", "/leads/99999", uCommander, nil, "", 404, "not_found", ""},
		{"adjudicate non-numeric", "POST", "/leads/x/adjudicate", uCommander, nil, `{"action":"repush"}`, 404, "not_found", ""},
		{"adjudicate missing", "POST", "/leads/99999/adjudicate", uCommander, nil, `{"action":"repush"}`, 404, "not_found", ""},
		{"route non-numeric", "POST", "/leads/x/route", uCommander, nil, `{"community":"` + shuiyuandi + `"}`, 404, "not_found", ""},
		{"route missing", "POST", "/leads/99999/route", uCommander, nil, `{"community":"` + shuiyuandi + `"}`, 404, "not_found", ""},
		{"accept non-numeric", "POST", "/tasks/abc/accept", uStation, nil, "", 404, "not_found", ""},
		{"accept missing", "POST", "/tasks/99999/accept", uStation, nil, "", 404, "not_found", ""},
		{"return non-numeric", "POST", "/tasks/abc/return", uStation, nil, `{"reason":"x"}`, 404, "not_found", ""},
		{"feedback non-numeric", "POST", "/tasks/abc/feedback", uStation, nil, fb(`"located":"at_address"`), 404, "not_found", ""},
		{"feedback missing", "POST", "/tasks/99999/feedback", uStation, nil, fb(`"located":"at_address"`), 404, "not_found", ""},
		{"no such route", "GET", "/nope", uCommander, nil, "", 404, "not_found", ""},
		{"no such route unauthenticated", "GET", "/nope", "", nil, "", 404, "not_found", ""},

		// Revealing an identity needs a purpose.
		{"reveal without body", "POST", lead + "/reveal", uCommander, nil, ``, 400, "invalid", ""},
		{"reveal without purpose", "POST", lead + "/reveal", uCommander, nil, `{}`, 400, "invalid", "purpose"},
		{"reveal with a blank purpose", "POST", lead + "/reveal", uCommander, nil, `{"purpose":"  "}`, 400, "invalid", "purpose"},
		{"reveal non-numeric", "POST", "/leads/x/reveal", uCommander, nil, `{"purpose":"上门核查"}`, 404, "not_found", ""},

		// Adjudication and routing bodies.
		{"adjudicate empty", "POST", lead + "/adjudicate", uCommander, nil, ``, 400, "invalid", ""},
		{"adjudicate nothing", "POST", lead + "/adjudicate", uCommander, nil, `{}`, 400, "invalid", "outcome"},
		{"adjudicate unknown field", "POST", lead + "/adjudicate", uCommander, nil, `{"verdict":"agree"}`, 400, "invalid", "verdict"},
		{"adjudicate outcome type", "POST", lead + "/adjudicate", uCommander, nil, `{"outcome":"closed"}`, 400, "invalid", "outcome"},
		{"adjudicate a pushed lead", "POST", lead + "/adjudicate", uCommander, nil, `{"action":"repush"}`, 409, "conflict", ""},
		{"route empty", "POST", lead + "/route", uCommander, nil, ``, 400, "invalid", ""},
		{"route bad code", "POST", lead + "/route", uCommander, nil, `{"community":"2101020010"}`, 400, "invalid", "community"},
		{"route a pushed lead", "POST", lead + "/route", uCommander, nil, `{"community":"` + shuiyuandi + `"}`, 409, "conflict", ""},

		// Task actions.
		{"accept with unknown field", "POST", accept, uStation, nil, `{"x":1}`, 400, "invalid", "x"},
		{"accept with bad JSON", "POST", accept, uStation, nil, `{`, 400, "invalid", ""},
		{"return empty body", "POST", ret, uStation, nil, ``, 400, "invalid", ""},
		{"return without reason", "POST", ret, uStation, nil, `{}`, 400, "invalid", "reason"},
		{"return blank reason", "POST", ret, uStation, nil, `{"reason":"   "}`, 400, "invalid", "reason"},
		{"return reason type", "POST", ret, uStation, nil, `{"reason":1}`, 400, "invalid", "reason"},
		{"feedback empty body", "POST", feedback, uStation, nil, ``, 400, "invalid", ""},
		{"feedback empty object", "POST", feedback, uStation, nil, `{}`, 400, "invalid", "located"},
		{"feedback unknown located", "POST", feedback, uStation, nil, fb(`"located":"moon"`), 400, "invalid", "located"},
		{"temperature too high", "POST", feedback, uStation, nil, fb(`"located":"at_address","temperature":43.5`), 400, "invalid", "temperature"},
		{"temperature too low", "POST", feedback, uStation, nil, fb(`"located":"at_address","temperature":33.9`), 400, "invalid", "temperature"},
		{"temperature is a string", "POST", feedback, uStation, nil, fb(`"located":"at_address","temperature":"36.6"`), 400, "invalid", "temperature"},
		{"temperature overflows", "POST", feedback, uStation, nil, fb(`"located":"at_address","temperature":1e400`), 400, "invalid", "temperature"},
		{"elsewhere without address", "POST", feedback, uStation, nil, fb(`"located":"elsewhere_in_city"`), 400, "invalid", "address"},
		{"left without destination", "POST", feedback, uStation, nil, fb(`"located":"left_city"`), 400, "invalid", "destination"},
		{"unknown contact", "POST", feedback, uStation, nil, `{"located":"at_address","contact":"fax","measure":"none_required"}`, 400, "invalid", "contact"},
		{"found without measure", "POST", feedback, uStation, nil, `{"located":"at_address","contact":"in_person"}`, 400, "invalid", "measure"},
		{"unknown measure", "POST", feedback, uStation, nil, `{"located":"at_address","measure":"prayer"}`, 400, "invalid", "measure"},
		{"isolation without site", "POST", feedback, uStation, nil, `{"located":"at_address","measure":"central_isolation"}`, 400, "invalid", "site"},
		{"bad confirmed arrival", "POST", feedback, uStation, nil, fb(`"located":"at_address","arrival_date":"yesterday"`), 400, "invalid", "arrival_date"},
		{"symptoms is a string", "POST", feedback, uStation, nil, fb(`"located":"at_address","symptoms":"no"`), 400, "invalid", "symptoms"},
		{"server's fields", "POST", feedback, uStation, nil, fb(`"located":"at_address","submitted_by":1`), 400, "invalid", "submitted_by"},
		{"note too long", "POST", feedback, uStation, nil, fb(`"located":"at_address","note":"` + strings.Repeat("x", 2001) + `"`), 400, "invalid", "note"},
		{"feedback trailing data", "POST", feedback, uStation, nil, fb(`"located":"at_address"`) + `[]`, 400, "invalid", ""},

		// Roles that may not do this at all.
		{"station reports a lead", "POST", "/leads", uStation, nil, valid, 403, "forbidden", ""},
		{"analyst reports a lead", "POST", "/leads", uAnalyst, nil, valid, 403, "forbidden", ""},
		{"analyst lists leads", "GET", "/leads", uAnalyst, nil, "", 403, "forbidden", ""},
		{"auditor lists leads", "GET", "/leads", uAuditor, nil, "", 403, "forbidden", ""},
		{"analyst reads a lead", "GET", lead, uAnalyst, nil, "", 403, "forbidden", ""},
		{"analyst lists tasks", "GET", "/tasks", uAnalyst, nil, "", 403, "forbidden", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request{Method: tt.method, Path: tt.path, As: tt.as, Header: tt.header}
			if tt.body != "" {
				r.Body = tt.body
			}
			res := f.do(r)
			e := errorOf(t, res)
			if res.Status != tt.want || e.Error.Code != tt.wantCode || e.Error.Field != tt.wantField {
				t.Errorf("got %d %s field %q (%s), want %d %s field %q",
					res.Status, e.Error.Code, e.Error.Field, e.Error.Message, tt.want, tt.wantCode, tt.wantField)
			}
			if strings.Contains(string(res.Body), "210102199001011237") || strings.Contains(string(res.Body), "110105194912310021") {
				t.Errorf("error echoes an ID number: %s", res.Body)
			}
		})
	}

	// None of it changed anything.
	got := f.lead(l.ID)
	if got.Status != "pushed" || len(got.Tasks) != 2 || got.liveTask(t, "police_station").Status != "pushed" {
		t.Errorf("after bad input the lead is %s with tasks %+v, want pushed and untouched", got.Status, got.Tasks)
	}
	var list listJSON[leadJSON]
	f.call(request{Method: "GET", Path: "/leads", As: uCommander}, http.StatusOK, &list)
	if list.Total != 1 {
		t.Errorf("%d leads after bad input, want 1", list.Total)
	}
}

// TestErrorLanguage: an API error is in Simplified Chinese by default and
// for zh-CN, in English when the caller asks for it, with the same code
// and field whatever the language.
func TestErrorLanguage(t *testing.T) {
	f := newFixture(t)
	for i, tt := range []struct {
		lang, want string
	}{
		{"", "用户名或密码错误（连续 5 次错误后账号锁定 15 分钟）。"},
		{"zh-CN", "用户名或密码错误（连续 5 次错误后账号锁定 15 分钟）。"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "用户名或密码错误（连续 5 次错误后账号锁定 15 分钟）。"},
		{"en", "Wrong name or password (after 5 wrong tries in a row the account locks for 15 minutes)."},
		{"en-GB,en;q=0.9", "Wrong name or password (after 5 wrong tries in a row the account locks for 15 minutes)."},
		{"fr", "用户名或密码错误（连续 5 次错误后账号锁定 15 分钟）。"},
	} {
		// A name of its own per try: five wrong passwords lock an account.
		r := request{Method: "POST", Path: "/login", Body: map[string]any{"name": fmt.Sprintf("nobody-%d", i), "password": "wrong password 0"}}
		if tt.lang != "" {
			r.Header = map[string]string{"Accept-Language": tt.lang}
		}
		res := f.do(r)
		if e := errorOf(t, res); res.Status != http.StatusUnauthorized || e.Error.Message != tt.want {
			t.Errorf("Accept-Language %q: %d %q, want 401 %q", tt.lang, res.Status, e.Error.Message, tt.want)
		}
	}
	// A field error names its field and reads in the caller's language.
	n := 7
	for lang, want := range map[string]string{"zh-CN": "体温应为 34.0 至 43.0 ℃ 之间的数字。", "en": "Temperature must be between 34.0 and 43.0 °C."} {
		n++
		l := f.createLead(idNumber(n), addrHome)
		res := f.do(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", l.liveTask(t, "committee").ID), As: uCommittee,
			Body: atHome(45), Header: map[string]string{"Accept-Language": lang}})
		if e := errorOf(t, res); res.Status != http.StatusBadRequest || e.Error.Field != "temperature" || e.Error.Message != want {
			t.Errorf("%s: %d %s %q, want 400 temperature %q", lang, res.Status, e.Error.Field, e.Error.Message, want)
		}
	}
}
