package http_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	ehttp "github.com/epiloop/epiloop/http"
)

// xcityJSON is a hand-over as the API answers it.
type xcityJSON struct {
	ID         int64  `json:"id"`
	Direction  string `json:"direction"`
	State      string `json:"state"`
	LeadID     int64  `json:"lead_id"`
	RemoteLead int64  `json:"remote_lead"`
	Refusal    string `json:"refusal"`
	Person     struct {
		IDNumber string `json:"id_number"`
		Name     string `json:"name"`
	} `json:"person"`
	Result *struct {
		Located string `json:"located"`
		Measure string `json:"measure"`
	} `json:"result"`
}

// peerCities makes two fixtures (two databases, two servers on
// loopback) each the other's peer, posting over HTTP.
func peerCities(t *testing.T) (sy, dl *fixture) {
	t.Helper()
	sy, dl = newFixture(t), newFixture(t)
	for i, f := range []*fixture{sy, dl} {
		k, err := epiloop.NewCityKeys()
		if err != nil {
			t.Fatal(err)
		}
		f.svc.XCity.City, f.svc.XCity.Keys = []string{"210100", "210200"}[i], k
		f.svc.XCity.Post = ehttp.XCityPoster(&http.Client{Timeout: 10 * time.Second})
	}
	for _, pr := range [][2]*fixture{{sy, dl}, {dl, sy}} {
		a, b := pr[0], pr[1]
		if _, err := a.svc.AddPeer(context.Background(), epiloop.Peer{City: b.svc.XCity.City, URL: b.srv.URL(), Key: b.svc.XCity.Keys.PublicKey()}); err != nil {
			t.Fatal(err)
		}
	}
	return sy, dl
}

func (f *fixture) sendXCity(want int) {
	f.t.Helper()
	n, err := f.svc.SendXCity(context.Background())
	if err != nil || n != want {
		f.t.Fatalf("%s sent %d (%v), want %d", f.svc.XCity.City, n, err, want)
	}
}

func (f *fixture) xcityList(direction string) []xcityJSON {
	f.t.Helper()
	var l listJSON[xcityJSON]
	f.call(request{Method: "GET", Path: "/xcity?direction=" + direction, As: uCommander}, http.StatusOK, &l)
	return l.Items
}

// leaveCity reports a lead and has both units find the person gone to
// dest.
func (f *fixture) leaveCity(id, dest string) leadJSON {
	f.t.Helper()
	var l leadJSON
	f.call(request{Method: "POST", Path: "/leads", As: uCommander, Body: leadBody(id, addrHome)}, http.StatusCreated, &l)
	left := map[string]any{"located": "left_city", "destination": dest, "contact": "phone"}
	f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", l.liveTask(f.t, "police_station").ID), As: uStation, Body: left}, http.StatusOK, nil)
	f.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", l.liveTask(f.t, "committee").ID), As: uCommittee, Body: left}, http.StatusOK, nil)
	return l
}

// TestXCityTwoInstances hands a lead from Shenyang's instance to
// Dalian's over loopback HTTP, Dalian verifies it with its own double
// push, and the result comes back to close the loop on Shenyang's lead.
func TestXCityTwoInstances(t *testing.T) {
	sy, dl := peerCities(t)
	l := sy.leaveCity(idNumber(1), "大连市中山区人民路1号")
	sy.sendXCity(1)
	in := dl.xcityList("in")
	if len(in) != 1 || in[0].State != "received" || in[0].Person.IDNumber == idNumber(1) || in[0].RemoteLead != l.ID {
		t.Fatalf("Dalian's queue %+v", in)
	}
	var acc xcityJSON
	dl.call(request{Method: "POST", Path: fmt.Sprintf("/xcity/%d/accept", in[0].ID), As: uCommander}, http.StatusOK, &acc)
	dl.sendXCity(1)
	if out := sy.xcityList("out"); len(out) != 1 || out[0].State != "accepted" || out[0].RemoteLead != acc.LeadID {
		t.Fatalf("Shenyang's hand-over after acceptance %+v", out)
	}
	// Dalian's lead (source city) goes through Dalian's double push.
	var dll leadJSON
	dl.call(request{Method: "GET", Path: fmt.Sprintf("/leads/%d", acc.LeadID), As: uCommander}, http.StatusOK, &dll)
	if len(dll.Sources) != 1 || dll.Sources[0].Kind != "city" {
		t.Fatalf("Dalian's lead sources %+v", dll.Sources)
	}
	dl.call(request{Method: "POST", Path: fmt.Sprintf("/leads/%d/route", dll.ID), As: uCommander, Body: map[string]any{"community": shuiyuandi, "confirm": true}},
		http.StatusOK, &dll)
	dl.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", dll.liveTask(t, "police_station").ID), As: uStation, Body: atHome(36.4)}, http.StatusOK, nil)
	dl.call(request{Method: "POST", Path: fmt.Sprintf("/tasks/%d/feedback", dll.liveTask(t, "committee").ID), As: uCommittee, Body: atHome(36.5)}, http.StatusOK, nil)
	dl.sendXCity(1)
	out := sy.xcityList("out")
	if len(out) != 1 || out[0].State != "completed" || out[0].Result == nil || out[0].Result.Located != "at_address" || out[0].Result.Measure != "home_observation" {
		t.Fatalf("Shenyang's hand-over after the result %+v", out)
	}
	var sl leadJSON
	sy.call(request{Method: "GET", Path: fmt.Sprintf("/leads/%d", l.ID), As: uCommander}, http.StatusOK, &sl)
	if sl.Status != "handed_over" {
		t.Errorf("Shenyang's lead %s, want handed_over", sl.Status)
	}
	sy.sendXCity(0)
	dl.sendXCity(0)
}

// TestXCityRefusedOverHTTP: a forged message (another key) and a replay
// of a genuine one are refused with a 4xx over HTTP; a refusal needs a
// reason, and travels back.
func TestXCityRefusedOverHTTP(t *testing.T) {
	sy, dl := peerCities(t)
	sy.leaveCity(idNumber(2), "大连市西岗区")
	var captured []byte
	post := sy.svc.XCity.Post
	sy.svc.XCity.Post = func(ctx context.Context, url string, body []byte) (int, error) {
		captured = body
		return post(ctx, url, body)
	}
	sy.sendXCity(1)
	postRaw := func(raw []byte) (int, string) {
		resp, err := http.Post(dl.srv.URL()+"/api/v1/xcity/messages", "application/json", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiError
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Code
	}
	if st, code := postRaw(captured); st != http.StatusConflict || code != "conflict" {
		t.Errorf("replay: %d %s, want 409", st, code)
	}
	var env epiloop.Envelope
	json.Unmarshal(captured, &env)
	stranger, _ := epiloop.NewCityKeys()
	sealed, _ := base64.StdEncoding.DecodeString(env.Sealed)
	hdr, _ := base64.StdEncoding.DecodeString(env.Header)
	var h epiloop.XCityHeader
	json.Unmarshal(hdr, &h)
	h.ID, h.Sent = "forged-1", dl.clock.Now()
	forged, _ := epiloop.SignXCity(h, sealed, stranger.Sign)
	raw, _ := json.Marshal(forged)
	if st, _ := postRaw(raw); st != http.StatusForbidden {
		t.Errorf("forged: %d, want 403", st)
	}
	in := dl.xcityList("in")
	if len(in) != 1 {
		t.Fatalf("Dalian holds %d hand-overs, want 1", len(in))
	}
	res := dl.do(request{Method: "POST", Path: fmt.Sprintf("/xcity/%d/refuse", in[0].ID), As: uCommander, Body: map[string]any{"reason": ""}})
	if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"field":"reason"`) {
		t.Errorf("refusal without reason: %d %s", res.Status, res.Body)
	}
	dl.call(request{Method: "POST", Path: fmt.Sprintf("/xcity/%d/refuse", in[0].ID), As: uCommander, Body: map[string]any{"reason": "经核查该人员未到大连"}}, http.StatusOK, nil)
	dl.sendXCity(1)
	if out := sy.xcityList("out"); len(out) != 1 || out[0].State != "refused" || out[0].Refusal != "经核查该人员未到大连" {
		t.Errorf("Shenyang's hand-over %+v", out)
	}
}
