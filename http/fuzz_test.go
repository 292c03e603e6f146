package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/intake"
)

// Fuzz targets for what the server decodes from the outside: JSON bodies,
// query strings, uploads, form fields and headers, each driven through
// the real root handler in-process (no TCP) over the API fixture's
// database. Whatever the input, the answer is never a 5xx, the handler
// never panics, and nothing is logged as an internal error. The decoders
// below the handlers have their own targets: FuzzNormalizeIDNumber,
// FuzzNormalizePhone, FuzzNormalizePlate, FuzzNormalizeName (package
// epiloop), FuzzReadCSV, FuzzReadXLSX, FuzzMapHeader, FuzzParseDate,
// FuzzFastPaths (intake), FuzzParseStationMapping (divisions), FuzzRoute
// (gazetteer).

// fuzzServer is the API fixture's server driven in-process.
type fuzzServer struct {
	fx *fixture
	h  http.Handler
}

func newFuzzServer(f *testing.F) *fuzzServer {
	fx := newFixture(f)
	return &fuzzServer{fx: fx, h: fx.srv.Handler()}
}

// serve sends req as a fixture user ("" for none) and fails the input on a
// 5xx or on anything the server logged while answering.
func (s *fuzzServer) serve(t *testing.T, as string, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+s.fx.tokens[as])
	}
	before := len(s.fx.logs.lines())
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Errorf("%s %s: status %d: %.300s", req.Method, req.URL, rec.Code, rec.Body)
	}
	for _, l := range s.fx.logs.lines()[before:] {
		t.Errorf("%s %s: server logged: %s", req.Method, req.URL, l)
	}
	return rec
}

// postJSON sends body as is, labelled JSON.
func (s *fuzzServer) postJSON(t *testing.T, as, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return s.serve(t, as, req)
}

// get sends a GET with a raw query (set as is, so that any bytes reach the
// handler's query parsing).
func (s *fuzzServer) get(t *testing.T, as, path, rawQuery string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.URL.RawQuery = rawQuery
	return s.serve(t, as, req)
}

// apiErrorCodes are the codes a client may meet.
var apiErrorCodes = map[string]bool{"invalid": true, "not_found": true, "conflict": true, "unauthorized": true, "forbidden": true}

// checkRefusal asserts that a 4xx answer is an API error with a known code
// and a message.
func checkRefusal(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code < 400 || rec.Code >= 500 {
		return
	}
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !apiErrorCodes[e.Error.Code] || e.Error.Message == "" {
		t.Errorf("status %d: not an API error: %.300s", rec.Code, rec.Body)
	}
}

// checkMasked asserts that no ID number in a lead's answer is in full.
func checkMasked(t *testing.T, body []byte) {
	t.Helper()
	var l leadJSON
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("answer is not a lead: %v: %.300s", err, body)
	}
	if id := l.Person.IDNumber; len(id) >= 15 && !strings.Contains(id, "****") {
		t.Errorf("lead answer shows the ID number in full")
	}
}

func FuzzLeadBody(f *testing.F) {
	valid, _ := json.Marshal(leadBody(id1, addrHome))
	for _, seed := range []string{
		string(valid),
		`{"person":{"id_number":"210102199001011237","name":"李四"},"address":"` + addrHome + `","source":{"kind":"hotline"}}`,
		`{"person":{"name":"王五","phone":"+86 138-0013-8000"},"address":"沈阳市沈河区永顺社区5号","source":{"kind":"rail","ref":"G1234"},"reason":{"origin":"湖北省武汉市","arrival_date":"2020-01-30","fever":true,"close_contact":true,"note":"x"}}`,
		`{"person":{"id_number":"11010519491231002x"},"source":{"kind":"checkpoint"},"reason":{"origin":"4201"}}`,
		`{"person":{"id_number":"110105491231002"},"source":{"kind":"other"},"address":"火星基地1号"}`,
		`{"person":{"id_number":"１１０１０５１９４９１２３１００２Ｘ"},"source":{"kind":"city"}}`,
		`{"person":`, `[]`, `null`, `{}`, `{"persn":{}}`, `{"person":"张三"}`, `{"person":{"id_number":210102199001011237}}`,
		`{"reason":{"fever":"yes"}}`, `{"reason":{"arrival_date":"2020-02-30"}}`, `{"address":"` + strings.Repeat("路", 200) + `"}`,
		string(valid) + ` {}`, string(valid) + `x`,
	} {
		f.Add(seed)
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body string) {
		rec := s.postJSON(t, uCommander, "/api/v1/leads", body)
		switch rec.Code {
		case http.StatusOK, http.StatusCreated:
			checkMasked(t, rec.Body.Bytes())
		case http.StatusBadRequest:
			checkRefusal(t, rec)
		default:
			t.Errorf("status %d: %.300s", rec.Code, rec.Body)
		}
	})
}

// FuzzFeedbackBody submits feedback to a live task of the station or of
// the committee; once both have reported, the pair is reconciled, so the
// fuzzer drives the reconciliation too. A task that took its feedback is
// replaced by a new lead's.
func FuzzFeedbackBody(f *testing.F) {
	for _, fb := range []map[string]any{
		atHome(36.6), atHome(38.4), movedTo(addrShenhe), movedTo("沈阳市某某小区"),
		{"located": "left_city", "destination": "大连市", "contact": "phone"},
		{"located": "not_found", "note": "多次上门无人"},
		{"located": "at_address", "contact": "in_person", "temperature": 36.5, "measure": "central_isolation", "site": "浑南隔离点"},
		{"located": "at_address", "contact": "in_person", "temperature": 39, "symptoms": true, "measure": "hospital", "arrival_date": "2020-01-28"},
	} {
		b, _ := json.Marshal(fb)
		f.Add(string(b), false)
		f.Add(string(b), true)
	}
	for _, seed := range []string{``, `{}`, `{"located":"moon"}`, `{"located":"at_address","temperature":1e400}`,
		`{"located":"at_address","temperature":"36.6"}`, `{"located":"at_address","submitted_by":1}`, `{"located":"at_address"}[]`} {
		f.Add(seed, false)
	}
	s := newFuzzServer(f)
	seq := 0
	var lead leadJSON
	done := map[string]bool{}
	f.Fuzz(func(t *testing.T, body string, committee bool) {
		as, kind := uStation, "police_station"
		if committee {
			as, kind = uCommittee, "committee"
		}
		if lead.ID == 0 || done[kind] {
			// A new lead, reported in-process: the fixture's helpers
			// belong to the fuzz test, not to this input.
			seq++
			b, _ := json.Marshal(leadBody(seriesID(seq), addrHome))
			rec := s.postJSON(t, uCommander, "/api/v1/leads", string(b))
			if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &lead) != nil {
				t.Fatalf("new lead: %d %.300s", rec.Code, rec.Body)
			}
			done = map[string]bool{}
		}
		task := lead.liveTask(t, kind)
		rec := s.postJSON(t, as, fmt.Sprintf("/api/v1/tasks/%d/feedback", task.ID), body)
		switch rec.Code {
		case http.StatusOK:
			done[kind] = true
		case http.StatusBadRequest, http.StatusConflict:
			checkRefusal(t, rec)
		default:
			t.Errorf("status %d: %.300s", rec.Code, rec.Body)
		}
	})
}

func FuzzScreeningBody(f *testing.F) {
	ok := `{"id_number":"` + idNumber(1) + `","name":"张三","origin":"武汉","destination":"` + addrHome + `","temperature":36.5}`
	for _, seed := range []string{
		`{"direction":"in","plate":"辽A12345","occupants":[` + ok + `]}`,
		`{"time":"2020-02-01T15:30:00+08:00","direction":"out","train":"G1234","carriage":"05","occupants":[` + ok + `,{"name":"王五","phone":"13900001111","origin":"辽宁","temperature":38.2,"symptoms":true}]}`,
		`{"direction":"in","plate":"辽A·D12345","occupants":[{"id_number":"` + idNumber(2) + `","origin":"210102","temperature":36.4}]}`,
		`{"direction":"in","plate":"辽A1234","occupants":[` + ok + `]}`,
		`{"direction":"sideways","occupants":[]}`,
		`{"direction":"in","occupants":[{"origin":"沈阳","temperature":"36.5"}]}`,
		`{"direction":"in","time":"2020-02-01 15:30","occupants":[` + ok + `]}`,
		`{"direction":"in","occupants":[{"id_number":"` + idNumber(2) + `","origin":"鼓楼区","temperature":36.5,"age":30}]}`,
		`{"bus":"1路"}`, `{}`, `null`,
	} {
		f.Add(seed)
	}
	s := newFuzzServer(f)
	s.fx.withCheckpoints()
	f.Fuzz(func(t *testing.T, body string) {
		rec := s.postJSON(t, uCheckpoint, "/api/v1/checkpoints/"+checkpoint+"/screenings", body)
		switch rec.Code {
		case http.StatusCreated:
			var sc screeningResultJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &sc); err != nil || sc.ID == 0 || len(sc.Occupants) == 0 {
				t.Errorf("screening answer %.300s", rec.Body)
			}
		case http.StatusBadRequest:
			checkRefusal(t, rec)
		default:
			t.Errorf("status %d: %.300s", rec.Code, rec.Body)
		}
	})
}

// FuzzLeadQuery sends query strings to the lead and task lists, as a
// commander, a district commander and a station.
func FuzzLeadQuery(f *testing.F) {
	for _, seed := range []string{
		"", "page=2&per_page=10", "status=conflict&priority=urgent&overdue=true&district=210102",
		"community=" + shuiyuandi, "overdue=1", "overdue=maybe", "page=0", "page=-1", "per_page=501",
		"page=99999999999999999999", "per_page=1.5", "district=21", "status=open", "status=bogus",
		"page=1000000&per_page=500", "status=%zz", "a=1&a=2&page=1&page=x", ";page=2",
	} {
		f.Add(seed)
	}
	s := newFuzzServer(f)
	s.fx.createLead(id1, addrHome)
	f.Fuzz(func(t *testing.T, query string) {
		for _, c := range []struct{ as, path string }{
			{uCommander, "/api/v1/leads"}, {uHeping, "/api/v1/leads"}, {uStation, "/api/v1/tasks"},
		} {
			rec := s.get(t, c.as, c.path, query)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Errorf("%s?%s as %s: status %d: %.300s", c.path, query, c.as, rec.Code, rec.Body)
			}
			checkRefusal(t, rec)
		}
	})
}

// FuzzListQuery sends query strings to every other list and export of
// the API, and to the pages that read a query; which picks the endpoint.
func FuzzListQuery(f *testing.F) {
	type endpoint struct {
		as, path string
		page     bool
	}
	s := newFuzzServer(f)
	l := s.fx.createLead(id1, addrHome)
	unroutable := s.fx.createLead(idNumber(1), "沈阳市某某小区")
	var im importJSON
	res := s.fx.upload(uCommander, "/imports", "m.csv", []byte("姓名,身份证号\n张三,110105194912310021\n"), map[string]string{"source": "rail"})
	json.Unmarshal(res.Body, &im)
	s.fx.waitImport(uCommander, im.ID)
	sessions := fuzzSessions(f, s, uCommander, uStation, uCheckpoint)
	endpoints := []endpoint{
		{uCommander, "/api/v1/observations", false}, {uCommittee, "/api/v1/observations", false}, {uAuditor, "/api/v1/audit", false},
		{uCommander, "/api/v1/checkpoints", false}, {uCommander, "/api/v1/checkpoints/" + checkpoint + "/screenings", false},
		{uAnalyst, "/api/v1/risk-areas", false}, {uAnalyst, "/api/v1/stats/checkpoints", false}, {uAnalyst, "/api/v1/reports/daily", false},
		{uCommander, fmt.Sprintf("/api/v1/imports/%d/rejects", im.ID), false}, {uCommander, "/api/v1/stats/overview", false},
		{uCommander, "/leads", true}, {uCommander, "/observations", true}, {uCommander, "/checkpoints", true}, {uCommander, "/dashboard", true},
		{uCommander, fmt.Sprintf("/leads/%d/route", unroutable.ID), true}, {uCommander, fmt.Sprintf("/leads/%d", l.ID), true},
		{uStation, "/inbox", true}, {uCommander, "/conflicts", true}, {uCommander, "/imports", true},
		{uCheckpoint, "/checkpoints/origins", true}, {uCheckpoint, "/checkpoints/" + checkpoint, true},
	}
	for i, seed := range []string{
		"", "page=2&per_page=10", "status=active&kind=home&unit=" + shuiyuandiCM, "kind=rail&district=210102",
		"history=true", "history=maybe", "date=2020-02-01", "date=yesterday", "action=reveal&actor=1&object=lead:1&after=3",
		"actor=x", "after=-1", "format=csv", "format=xlsx", "format=pdf", "lang=en", "q=" + url.QueryEscape("和平 水源地"),
		"street=210102001", "district=210102", "kind=police_station&district=210102&q=浑河&page=3", "done=1",
		"q=" + url.QueryEscape("湖北武汉"), "o.0.origin=4201", "o.3.origin=%E6%AD%A6", "q=%00%FF",
	} {
		f.Add(uint8(i), seed)
	}
	for i := range endpoints {
		f.Add(uint8(i), "")
	}
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		e := endpoints[int(which)%len(endpoints)]
		if !e.page {
			rec := s.get(t, e.as, e.path, query)
			if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
				t.Errorf("%s?%s as %s: status %d: %.300s", e.path, query, e.as, rec.Code, rec.Body)
			}
			checkRefusal(t, rec)
			return
		}
		req := httptest.NewRequest("GET", e.path, nil)
		req.URL.RawQuery = query
		req.AddCookie(&http.Cookie{Name: "epiloop_session", Value: sessions[e.as]})
		if rec := s.serve(t, "", req); rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Errorf("page %s?%s as %s: status %d", e.path, query, e.as, rec.Code)
		}
	})
}

// fuzzSessions gives users a password (set by a new admin) and signs them
// in, returning their session cookies.
func fuzzSessions(f *testing.F, s *fuzzServer, names ...string) map[string]string {
	f.Helper()
	ctx := context.Background()
	admin := &epiloop.User{Name: "fuzz-admin", Role: epiloop.RoleAdmin}
	if err := s.fx.svc.CreateUser(ctx, admin, ""); err != nil {
		f.Fatal(err)
	}
	actx := epiloop.NewContextWithUser(ctx, admin)
	out := map[string]string{}
	for _, name := range names {
		var id int64
		err := s.fx.store.View(ctx, func(tx epiloop.Tx) error {
			u, err := tx.FindUserByName(name)
			if err == nil {
				id = u.ID
			}
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
		if err := s.fx.svc.ResetPassword(actx, id, mxPassword); err != nil {
			f.Fatal(err)
		}
		// The reset ended the user's bearer token: a new one.
		bearer, err := s.fx.svc.CreateToken(ctx, name, time.Hour)
		if err != nil {
			f.Fatal(err)
		}
		s.fx.tokens[name] = bearer
		tok, _, err := s.fx.svc.Login(ctx, name, mxPassword)
		if err != nil {
			f.Fatal(err)
		}
		out[name] = tok
	}
	return out
}

// FuzzImportUpload sends small uploads to the import preview and, when the
// preview takes the file, imports it and waits for the import to end. With
// raw, data is the whole multipart body; otherwise it is the file, sent
// with the other fields in a well-formed body.
func FuzzImportUpload(f *testing.F) {
	gen := func(opts intake.GenOptions) []byte {
		var buf bytes.Buffer
		if _, err := intake.Generate(&buf, opts); err != nil {
			f.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, file := range [][]byte{
		gen(intake.GenOptions{Rows: 3, Seed: 1, Noise: 0.5}),
		gen(intake.GenOptions{Rows: 3, Seed: 2, Encoding: intake.EncodingGB18030, Noise: 0.5}),
		gen(intake.GenOptions{Rows: 2, Seed: 3, Format: intake.FormatXLSX}),
		[]byte("姓名,身份证号,手机号,目的地址\n张三,11010519491231002X,13800138000," + addrHome + "\n李四,110105194912310021,,\n"),
		[]byte("name,phone\n\"Zhang\"\"San\",13800138000\n"),
		[]byte("PK\x03\x04"), []byte(""), []byte("\xff\xfe\x53\x59"),
	} {
		f.Add(file, "manifest.csv", "rail", "", false)
	}
	f.Add(gen(intake.GenOptions{Rows: 2, Seed: 4, Format: intake.FormatXLSX}), "manifest.xlsx", "road", "Sheet1", false)
	f.Add([]byte("x"), "../../etc/passwd", "fax", "", false)
	body, _ := multipartBody([]byte("姓名,手机号\n张三,13800138000\n"), "m.csv", "rail", "")
	f.Add(body, "", "", "", true)
	f.Add([]byte("--"+fuzzBoundary+"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx\r\n--"+fuzzBoundary+"--\r\n"), "", "", "", true)

	s := newFuzzServer(f)
	commander := s.user(f, uCommander)
	session := fuzzSessions(f, s, uCommander)[uCommander]
	f.Fuzz(func(t *testing.T, data []byte, name, source, sheet string, raw bool) {
		if len(data) > 64<<10 {
			return
		}
		body, ctype := data, "multipart/form-data; boundary="+fuzzBoundary
		if !raw {
			body, ctype = multipartBody(data, name, source, sheet)
		}
		// The intake page reads uploads as the API does.
		req := httptest.NewRequest("POST", "/imports/preview", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.AddCookie(&http.Cookie{Name: "epiloop_session", Value: session})
		s.serve(t, "", req)
		req = httptest.NewRequest("POST", "/api/v1/imports/preview", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec := s.serve(t, uCommander, req)
		checkRefusal(t, rec)
		if rec.Code != http.StatusOK || raw {
			return
		}
		req = httptest.NewRequest("POST", "/api/v1/imports", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		rec = s.serve(t, uCommander, req)
		checkRefusal(t, rec)
		var im importJSON
		if rec.Code != http.StatusAccepted || json.Unmarshal(rec.Body.Bytes(), &im) != nil {
			return
		}
		// The import runs in the background: its failure is logged, not
		// answered, so wait for it.
		ctx := epiloop.NewContextWithUser(context.Background(), commander)
		before := len(s.fx.logs.lines())
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			got, err := s.fx.svc.FindImport(ctx, im.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != epiloop.ImportRunning {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("import of %d bytes still running after 5 s", len(data))
			}
		}
		time.Sleep(5 * time.Millisecond) // the log line follows the status
		for _, l := range s.fx.logs.lines()[before:] {
			t.Errorf("import: server logged: %s", l)
		}
	})
}

const fuzzBoundary = "fuzzboundary"

// multipartBody is an upload of file with the import's form fields.
func multipartBody(file []byte, name, source, sheet string) ([]byte, string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary(fuzzBoundary)
	if source != "" {
		mw.WriteField("source", source)
	}
	if sheet != "" {
		mw.WriteField("sheet", sheet)
	}
	w, _ := mw.CreateFormFile("file", name)
	w.Write(file)
	mw.Close()
	return b.Bytes(), mw.FormDataContentType()
}

func (s *fuzzServer) user(f *testing.F, name string) *epiloop.User {
	f.Helper()
	u, err := s.fx.svc.UserByToken(context.Background(), s.fx.tokens[name])
	if err != nil {
		f.Fatal(err)
	}
	return u
}

// FuzzRedirectNext sends the language switch a place to return to, and
// the login page a place to go after: the switch must send the browser to
// a page of this site, whatever it was given, and read as a browser reads
// a Location (backslashes as slashes, tabs and newlines dropped).
func FuzzRedirectNext(f *testing.F) {
	for _, seed := range []string{
		"/leads?page=2", "/", "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
		"/\t/evil.example", "/%2F/evil.example", "/.//evil.example", "/..//evil.example", "http:evil.example",
		"javascript:alert(1)", " //evil.example", "/\r\n/evil.example", "/leads#frag", "/\u3000/evil",
	} {
		f.Add(seed)
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, next string) {
		form := url.Values{"lang": {"en"}, "next": {next}}
		req := httptest.NewRequest("POST", "/lang", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := s.serve(t, "", req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("language switch: status %d", rec.Code)
		}
		loc := rec.Header().Get("Location")
		if !sameSite(loc) {
			t.Errorf("next %q sends the browser to %q", next, loc)
		}
		rec = s.get(t, "", "/login", url.Values{"next": {next}}.Encode())
		if rec.Code != http.StatusOK {
			t.Errorf("login page with next %q: status %d", next, rec.Code)
		}
	})
}

// sameSite reports whether a browser following Location loc stays on this
// site: after dropping tabs and newlines, trimming controls and spaces and
// reading backslashes as slashes (WHATWG URL parsing for http), it must be
// a path starting with exactly one slash.
func sameSite(loc string) bool {
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	return strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//")
}

// FuzzRequestHeaders sends credentials and language preferences the
// server reads from headers and cookies.
func FuzzRequestHeaders(f *testing.F) {
	for _, seed := range [][3]string{
		{"Bearer x", "abc", "en-US,en;q=0.9"}, {"Basic Y29tbWFuZGVyOng=", "", "zh-CN,zh;q=0.9,en;q=0.8"},
		{"Bearer ", "", "*"}, {"bearer x", "%zz", "fr-FR;q=abc, en;q=1e400"}, {"Bearer \x00", "a=b; c", ";;;,,,q="},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, auth, cookie, lang string) {
		req := httptest.NewRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", auth)
		req.Header.Set("Cookie", "epiloop_session="+cookie)
		rec := s.serve(t, "", req)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusOK {
			t.Errorf("me with Authorization %q: status %d", auth, rec.Code)
		}
		checkRefusal(t, rec)
		req = httptest.NewRequest("GET", "/login", nil)
		req.Header.Set("Accept-Language", lang)
		req.Header.Set("Cookie", "epiloop_lang="+cookie+"; epiloop_session="+cookie)
		if rec := s.serve(t, "", req); rec.Code != http.StatusOK {
			t.Errorf("login page with Accept-Language %q: status %d", lang, rec.Code)
		}
	})
}

// FuzzPageForms posts form bodies to the pages' forms: a unit's feedback,
// the gate's crossing (rows o.N.*), a plan's daily check and a commander's
// adjudication. A form the services refuse is shown again with its
// messages, never a 5xx.
func FuzzPageForms(f *testing.F) {
	for _, seed := range []string{
		"located=at_address&contact=in_person&temperature=36.4&measure=home_observation",
		"located=left_city&destination=%E5%A4%A7%E8%BF%9E",
		"located=at_address&temperature=hot&measure=none_required",
		"temperature=%EF%BC%93%EF%BC%96%EF%BC%8E%EF%BC%95&present=yes&symptoms=no",
		"temperature=1e400&present=maybe",
		"direction=in&plate=%E8%BE%BDA12345&o.0.id_number=11010519491231002X&o.0.name=%E5%BC%A0%E4%B8%89&o.0.origin=%E5%A4%A7%E8%BF%9E&o.0.temperature=36.5",
		"direction=in&o.0.id_number=&o.0.name=&o.1.id_number=x&o.1.temperature=38,5&add=1",
		"action=repush&note=x", "located=not_found&note=%00", "o.99.id_number=1", "%zz=1&a", "",
	} {
		for target := range uint8(4) {
			f.Add(target, seed)
		}
	}
	s := newFuzzServer(f)
	lead := s.fx.createLead(id1, addrHome)
	plan := s.fx.closedAtHome(idNumber(1))
	var obs listJSON[observationJSON]
	s.fx.call(request{Method: "GET", Path: "/observations", As: uCommittee}, http.StatusOK, &obs)
	var planID int64
	for _, o := range obs.Items {
		if o.LeadID == plan.ID {
			planID = o.ID
		}
	}
	sessions := fuzzSessions(f, s, uStation, uCheckpoint, uCommittee, uCommander)
	f.Fuzz(func(t *testing.T, target uint8, form string) {
		as, path := uStation, fmt.Sprintf("/inbox/leads/%d/feedback", lead.ID)
		switch target % 4 {
		case 1:
			as, path = uCheckpoint, "/checkpoints/"+checkpoint+"/screenings"
		case 2:
			as, path = uCommittee, fmt.Sprintf("/observations/%d/checks", planID)
		case 3:
			as, path = uCommander, fmt.Sprintf("/leads/%d/adjudicate", lead.ID)
		}
		req := httptest.NewRequest("POST", path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "epiloop_session", Value: sessions[as]})
		s.serve(t, "", req)
	})
}
