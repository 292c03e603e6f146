package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The hand-over between cities in the demo: Dalian (210200) is a peer of
// Shenyang with a key generated here (its URL resolves nowhere, so the
// demo runs without a network); Dalian has handed four persons to
// Shenyang (three waiting, one accepted and pushed) and Shenyang three
// to Dalian (one waiting to be sent, one accepted there, one with its
// result back). The messages from Dalian are sealed and signed as a real
// peer's and go through the receiving workflow.

// DemoPeerCity is the demo's peer city (Dalian).
const DemoPeerCity = "210200"

// DemoCityCode is the demo instance's own city (Shenyang).
const DemoCityCode = "210100"

// demoPeerURL is the peer's base URL: the .invalid domain never
// resolves.
const demoPeerURL = "https://xcity.dalian.invalid"

// dalianAddresses are destinations in Dalian of the persons who left.
var dalianAddresses = []string{"大连市中山区人民路15号", "大连市沙河口区西安路88号", "大连市甘井子区华北路306号"}

// peerSim is the demo's Dalian: its keys, and what it sends.
type peerSim struct {
	svc  *loop.Service
	keys *epiloop.CityKeys
	to   *epiloop.CityKeys
}

// send delivers a message from Dalian to the demo's receiving workflow.
func (p peerSim) send(ctx context.Context, h epiloop.XCityHeader, b epiloop.XCityBody) error {
	h.From, h.To, h.Sent = DemoPeerCity, DemoCityCode, p.svc.Clock.Now()
	_, seal, err := epiloop.ParsePeerKey(p.to.PublicKey())
	if err != nil {
		return err
	}
	sealed, err := epiloop.SealXCity(h, b, seal)
	if err != nil {
		return err
	}
	env, err := epiloop.SignXCity(h, sealed, p.keys.Sign)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return err
	}
	_, err = p.svc.ReceiveXCity(ctx, raw)
	return err
}

func seedXCity(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, demo epiloop.Community, d epiloop.District) error {
	own, err := epiloop.NewCityKeys()
	if err != nil {
		return err
	}
	dalian, err := epiloop.NewCityKeys()
	if err != nil {
		return err
	}
	// Dalian's side is simulated: what is sent to it is acknowledged.
	svc.XCity = loop.XCityConfig{City: DemoCityCode, Keys: own, HQ: "沈阳市疫情防控指挥部", Contact: "024-22863000（指挥部值班室）",
		Post: func(context.Context, string, []byte) (int, error) { return 200, nil }}
	defer func() { svc.XCity = loop.XCityConfig{} }()
	sys := epiloop.NewContextWithUser(cmd, nil)
	if _, err := svc.AddPeer(sys, epiloop.Peer{City: DemoPeerCity, URL: demoPeerURL, Key: dalian.PublicKey()}); err != nil {
		return err
	}
	peer := peerSim{svc: svc, keys: dalian, to: own}

	// From Dalian: four persons who left for Shenyang.
	for i := range 4 {
		clock.Set(now.Add(-time.Duration(4-i) * 40 * time.Minute))
		b := epiloop.XCityBody{Person: &epiloop.Person{IDNumber: g.IDNumber("210200"), Name: g.Name(), Phone: g.Phone()},
			Reason:      &epiloop.Reason{Origin: "210200", CloseContact: i%2 == 0, ArrivalDate: now.AddDate(0, 0, -1).Format(time.DateOnly)},
			Destination: g.Address(d.Name, demo.Name), Lead: int64(9100 + i)}
		if err := peer.send(sys, epiloop.XCityHeader{Kind: epiloop.XCityHandOver, ID: fmt.Sprintf("dl-demo-%d", i)}, b); err != nil {
			return fmt.Errorf("hand-over from Dalian: %w", err)
		}
	}
	in := epiloop.XCityIn
	hs, _, err := svc.FindXCityHandovers(cmd, epiloop.XCityFilter{Direction: &in, Limit: 1})
	if err != nil || len(hs) == 0 {
		return fmt.Errorf("hand-overs from Dalian: %v", err)
	}
	if _, err := svc.AcceptXCity(cmd, hs[0].ID); err != nil {
		return err
	}
	if _, err := svc.SendXCity(sys); err != nil {
		return err
	}

	// To Dalian: three persons both units found gone there; the first
	// told last, and left unsent.
	for _, i := range []int{1, 2, 0} {
		addr := dalianAddresses[i]
		clock.Set(now.Add(-time.Duration(3-i) * time.Hour))
		rc, err := svc.CreateLead(cmd, loop.LeadInput{
			Person:  epiloop.Person{IDNumber: g.IDNumber("420100"), Name: g.Name(), Phone: g.Phone()},
			Address: g.Address(d.Name, demo.Name), Source: epiloop.Source{Kind: epiloop.SourceRail, Ref: "演示数据"},
			Reason: epiloop.Reason{Origin: "420100", ArrivalDate: now.AddDate(0, 0, -2).Format(time.DateOnly)},
		})
		if err != nil {
			return err
		}
		if rc.Lead == nil || len(rc.Lead.LiveTasks()) != 2 {
			return fmt.Errorf("demo lead to Dalian not pushed")
		}
		p := player{ctx: cmd, svc: svc, clock: clock, g: g}
		for _, t := range rc.Lead.LiveTasks() {
			u := &epiloop.User{Name: "scenario-unit", Role: epiloop.RoleStation, UnitCode: t.UnitCode}
			if t.Side == epiloop.UnitCommittee {
				u.Role = epiloop.RoleCommittee
			}
			left := fb(epiloop.LocatedLeftCity, "", nil)
			left.Destination, left.Contact = addr, epiloop.ContactPhone
			p.submit(epiloop.NewContextWithUser(cmd, u), t.ID, left)
		}
		if p.err != nil {
			return p.err
		}
		h, err := svc.XCityOfLead(cmd, rc.Lead)
		if err != nil || h == nil {
			return fmt.Errorf("hand-over to Dalian not queued: %v", err)
		}
		if i == 0 {
			continue // still to send
		}
		if _, err := svc.SendXCity(sys); err != nil {
			return err
		}
		clock.Add(20 * time.Minute)
		if err := peer.send(sys, epiloop.XCityHeader{Kind: epiloop.XCityAccept, ID: fmt.Sprintf("dl-acc-%d", i), Ref: h.MessageID},
			epiloop.XCityBody{Lead: int64(9200 + i)}); err != nil {
			return err
		}
		if i == 2 {
			clock.Add(40 * time.Minute)
			res := &epiloop.XCityResult{Located: epiloop.LocatedAtAddress, Measure: epiloop.MeasureHomeObservation,
				Resolution: epiloop.ResolutionAgreed, ClosedAt: clock.Now()}
			if err := peer.send(sys, epiloop.XCityHeader{Kind: epiloop.XCityResultKind, ID: fmt.Sprintf("dl-res-%d", i), Ref: h.MessageID},
				epiloop.XCityBody{Result: res}); err != nil {
				return err
			}
		}
	}
	clock.Set(now)
	return nil
}

// districtOf returns the district of ds with code.
func districtOf(ds []epiloop.District, code string) epiloop.District {
	for _, d := range ds {
		if d.Code == code {
			return d
		}
	}
	return epiloop.District{Code: code}
}
