package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/keyring"
)

// testCases pins the case register's storage: sequence numbers per
// district and year; a case round-trips with its lists, sealed texts and
// amounts; a number twice is ECONFLICT; the state moves only from the
// state read; the filters select alike; suspects come back with their
// persons opened and their measures; a person once per case; goods; the
// custody log is numbered, chained and its head kept on the case.
func testCases(t *testing.T, s epiloop.Store) {
	seed(t, s)
	var seqs []int64
	update(t, s, func(tx epiloop.Tx) error {
		for _, d := range []string{d1, d1, d2, d1} {
			n, err := tx.NextCaseSeq(d, 2026)
			if err != nil {
				return err
			}
			seqs = append(seqs, n)
		}
		n, err := tx.NextCaseSeq(d1, 2027)
		seqs = append(seqs, n)
		return err
	})
	diff(t, "sequences", seqs, []int64{1, 2, 1, 3, 1})

	mk := func(number string, seq int64, kind epiloop.CaseKind, unit, district string) *epiloop.Case {
		return &epiloop.Case{Number: number, Year: 2026, Seq: seq, Kind: kind, State: epiloop.CaseAccepted, UnitCode: unit,
			DistrictCode: district, Title: "制售假冒口罩案" + number, Summary: "线索来自市场监管", AmountFen: 2_200_000_000_00,
			RecoveredFen: 15, Places: []string{"P1"}, Addresses: []string{"和平区某仓库"}, Provinces: []string{"21", "13"},
			Cities: []string{"2101", "1301"}, AcceptedAt: at(0), CreatedBy: 7, CreatedAt: at(0), UpdatedAt: at(0)}
	}
	a := mk("A1", 1, epiloop.CaseCounterfeit, ps1, d1)
	b := mk("A2", 2, epiloop.CaseFraud, epiloop.SubCommandCode(d1), d1)
	c := mk("B1", 1, epiloop.CaseFraud, ps2, d2)
	update(t, s, func(tx epiloop.Tx) error {
		for _, x := range []*epiloop.Case{a, b, c} {
			if err := tx.CreateCase(x); err != nil {
				return err
			}
		}
		return nil
	})
	updateCode(t, s, "a number twice", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.CreateCase(mk("A1", 9, epiloop.CaseFraud, ps1, d1))
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindCaseByID(a.ID, false)
		if err != nil {
			return err
		}
		wantUTC(t, "accepted_at", got.AcceptedAt)
		a.CustodyHead = nil
		diff(t, "case", got, a)
		return nil
	})
	viewCode(t, s, "a missing case", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.FindCaseByID(a.ID+100, false)
		return err
	})
	updateCode(t, s, "a missing case locked", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		_, err := tx.FindCaseByID(a.ID+100, true)
		return err
	})

	// Details and counts change; the state moves only from the one read.
	update(t, s, func(tx epiloop.Tx) error {
		a.Title, a.Cities, a.Suspects, a.Handled, a.UpdatedAt = "改名", []string{}, 2, 1, at(1*time.Minute)
		if err := tx.UpdateCase(a); err != nil {
			return err
		}
		return tx.SetCaseState(a.ID, epiloop.CaseAccepted, epiloop.CaseFiled, at(2*time.Minute))
	})
	updateCode(t, s, "a state moved by someone else", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.SetCaseState(a.ID, epiloop.CaseAccepted, epiloop.CaseDeclined, at(3*time.Minute))
	})
	view(t, s, func(tx epiloop.Tx) error {
		got, err := tx.FindCaseByID(a.ID, false)
		if err != nil {
			return err
		}
		if got.State != epiloop.CaseFiled || got.Title != "改名" || len(got.Cities) != 0 || got.Suspects != 2 || got.Handled != 1 || !got.UpdatedAt.Equal(at(2*time.Minute)) {
			t.Errorf("updated case %+v", got)
		}
		return nil
	})

	// Filters.
	ids := func(f epiloop.CaseFilter) []int64 {
		var out []int64
		view(t, s, func(tx epiloop.Tx) error {
			cs, total, err := tx.FindCases(f)
			if total != len(cs) && f.Limit == 0 {
				t.Errorf("total %d, %d rows", total, len(cs))
			}
			for _, x := range cs {
				out = append(out, x.ID)
			}
			return err
		})
		return out
	}
	fraud, filed := epiloop.CaseFraud, epiloop.CaseFiled
	diff(t, "all, newest first", ids(epiloop.CaseFilter{}), []int64{c.ID, b.ID, a.ID})
	diff(t, "district", ids(epiloop.CaseFilter{District: ptr(d1)}), []int64{b.ID, a.ID})
	diff(t, "unit", ids(epiloop.CaseFilter{Unit: ptr(ps1)}), []int64{a.ID})
	diff(t, "kind", ids(epiloop.CaseFilter{Kind: &fraud}), []int64{c.ID, b.ID})
	diff(t, "state", ids(epiloop.CaseFilter{State: &filed}), []int64{a.ID})
	diff(t, "before", ids(epiloop.CaseFilter{Before: c.ID, NoCount: true}), []int64{b.ID, a.ID})

	// Transitions.
	update(t, s, func(tx epiloop.Tx) error {
		return tx.CreateCaseTransition(&epiloop.CaseTransition{CaseID: a.ID, From: epiloop.CaseAccepted, To: epiloop.CaseFiled,
			DocNo: "立字1号", Note: "证据充分", ActorID: 7, Actor: "张警官", At: at(2 * time.Minute)})
	})
	view(t, s, func(tx epiloop.Tx) error {
		ts, err := tx.FindCaseTransitions(a.ID)
		if len(ts) != 1 || ts[0].DocNo != "立字1号" || ts[0].Note != "证据充分" || !ts[0].At.Equal(at(2*time.Minute)) {
			t.Errorf("transitions %+v", ts)
		}
		return err
	})

	// Suspects and measures.
	var sp1, sp2 epiloop.CaseSuspect
	update(t, s, func(tx epiloop.Tx) error {
		for i, sp := range []*epiloop.CaseSuspect{&sp1, &sp2} {
			p := person(i + 1)
			p.Phone = "13800138000"
			if err := tx.CreatePerson(&p); err != nil {
				return err
			}
			*sp = epiloop.CaseSuspect{CaseID: a.ID, Person: p, CreatedBy: 7, CreatedAt: at(3 * time.Minute)}
			if err := tx.CreateCaseSuspect(sp); err != nil {
				return err
			}
		}
		for _, m := range []*epiloop.CaseMeasure{
			{SuspectID: sp1.ID, CaseID: a.ID, Kind: epiloop.MeasureArrest, Date: "2026-02-10", FacilityCode: "KSS1", DocNo: "捕字1号", CreatedAt: at(4 * time.Minute)},
			{SuspectID: sp1.ID, CaseID: a.ID, Kind: epiloop.MeasureCriminalDetain, Date: "2026-02-03", FacilityCode: "KSS1", Note: "到案", CreatedAt: at(4 * time.Minute)},
		} {
			if err := tx.CreateCaseMeasure(m); err != nil {
				return err
			}
		}
		return nil
	})
	updateCode(t, s, "a person twice on a case", epiloop.ECONFLICT, func(tx epiloop.Tx) error {
		return tx.CreateCaseSuspect(&epiloop.CaseSuspect{CaseID: a.ID, Person: sp1.Person, CreatedAt: at(5 * time.Minute)})
	})
	view(t, s, func(tx epiloop.Tx) error {
		sps, err := tx.FindCaseSuspects(a.ID)
		if err != nil {
			return err
		}
		if len(sps) != 2 || sps[0].Person.IDNumber != sp1.Person.IDNumber || sps[0].Person.Phone != "13800138000" || sps[0].Person.Name != sp1.Person.Name {
			t.Fatalf("suspects %+v", sps)
		}
		if ms := sps[0].Measures; len(ms) != 2 || ms[0].Kind != epiloop.MeasureCriminalDetain || ms[0].Note != "到案" || ms[1].FacilityCode != "KSS1" {
			t.Errorf("measures in date order: %+v", ms)
		}
		if len(sps[1].Measures) != 0 || sps[1].Measures == nil {
			t.Errorf("second suspect's measures %+v", sps[1].Measures)
		}
		one, err := tx.FindCaseSuspectByID(sp1.ID)
		if err == nil && (one.CaseID != a.ID || len(one.Measures) != 2) {
			t.Errorf("suspect %+v", one)
		}
		other, err := tx.FindCaseSuspects(c.ID)
		if len(other) != 0 {
			t.Errorf("another case's suspects: %+v", other)
		}
		return err
	})

	// Goods and custody.
	kr, err := keyring.New()
	if err != nil {
		t.Fatal(err)
	}
	g := &epiloop.CaseGoods{CaseID: a.ID, Description: "KN95口罩", Quantity: 1_200_000, Unit: "只", ValueFen: 360_000_000, CreatedAt: at(5 * time.Minute)}
	update(t, s, func(tx epiloop.Tx) error {
		if err := tx.CreateCaseGoods(g); err != nil {
			return err
		}
		for i, act := range []epiloop.CustodyAction{epiloop.CustodySeized, epiloop.CustodyStored, epiloop.CustodySampled} {
			e := &epiloop.CustodyEntry{CaseID: a.ID, GoodsID: g.ID, Action: act, Quantity: 1_200_000, Place: "保管室",
				Holder: "李保管", ActorID: 7, At: at(6 * time.Minute)}
			if err := tx.AppendCustody(e, kr); err != nil {
				return err
			}
			if e.Seq != int64(i+1) {
				t.Errorf("entry %d numbered %d", i, e.Seq)
			}
		}
		return tx.AppendCustody(&epiloop.CustodyEntry{CaseID: c.ID, Action: epiloop.CustodySeized, Place: "x", At: at(6 * time.Minute)}, kr)
	})
	updateCode(t, s, "custody of a missing case", epiloop.ENOTFOUND, func(tx epiloop.Tx) error {
		return tx.AppendCustody(&epiloop.CustodyEntry{CaseID: a.ID + 100, Action: epiloop.CustodySeized, Place: "x", At: at(6 * time.Minute)}, kr)
	})
	view(t, s, func(tx epiloop.Tx) error {
		gs, err := tx.FindCaseGoods(a.ID)
		if err != nil {
			return err
		}
		diff(t, "goods", gs, []epiloop.CaseGoods{*g})
		log, err := tx.FindCustody(a.ID)
		if err != nil {
			return err
		}
		cs, err := tx.FindCaseByID(a.ID, false)
		if err != nil {
			return err
		}
		if len(log) != 3 || log[1].Holder != "李保管" || !bytes.Equal(log[1].Prev, log[0].Hash) || len(log[0].Prev) != 0 {
			t.Errorf("custody log %+v", log)
		}
		if cs.CustodyCount != 3 || !bytes.Equal(cs.CustodyHead, log[2].Hash) {
			t.Errorf("case's custody head %d %x", cs.CustodyCount, cs.CustodyHead)
		}
		if chk := epiloop.VerifyCustody(cs, log, kr); !chk.OK {
			t.Errorf("stored log does not verify: %+v", chk)
		}
		other, err := tx.FindCustody(c.ID)
		if len(other) != 1 || other[0].Seq != 1 {
			t.Errorf("another case's log: %+v", other)
		}
		return err
	})
}
