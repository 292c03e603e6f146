package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The demo's case register at the seed city's magnitude: 262 cases solved
// (破案, most of them sent for prosecution), a few still open, one not
// filed and one withdrawn, 570 suspects handled, registered over the last
// six weeks by the stations of every district in the kinds' realistic
// proportions — and the large counterfeit-mask case across 23 provinces
// and 57 cities, over 22 million yuan, with its seized goods and their
// custody log.

// The demo's case figures.
const (
	DemoCasesSolved   = 262
	DemoCaseSuspects  = 570
	DemoBigCaseTitle  = "“2·03”特大跨省制售假冒伪劣口罩案"
	DemoBigCaseAmount = 22_310_000_00 // fen
	demoCaseDays      = 42
	demoBigSuspects   = 23
	// DemoCaseFacility is where the cases' detained suspects go: the
	// city's transition facility for new detainees (新收押人员过渡监所),
	// with a single cell for each intake's 15 days and general areas
	// after.
	DemoCaseFacility = "DT210102003"
	demoCaseCells    = 240
)

// demoBigProvinces and demoBigCities are the large case's 23 provinces
// and 57 cities (GB/T 2260).
var (
	demoBigProvinces = []string{"11", "13", "14", "15", "21", "22", "23", "32", "33", "34", "35", "36", "37", "41", "42", "43",
		"44", "45", "51", "52", "53", "61", "62"}
	demoBigCities = []string{"1301", "1302", "1303", "1401", "1402", "1403", "1501", "1502", "1503", "2101", "2102", "2103",
		"2201", "2202", "2203", "2301", "2302", "2303", "3201", "3202", "3203", "3301", "3302", "3303", "3401", "3402", "3403",
		"3501", "3502", "3503", "3601", "3602", "3603", "3701", "3702", "3703", "4101", "4102", "4103", "4201", "4202", "4301",
		"4302", "4401", "4402", "4501", "4502", "5101", "5103", "5201", "5202", "5301", "5303", "6101", "6102", "6201", "6202"}
)

// caseKindMix is the kinds' share of the register, in hundredths.
var caseKindMix = []struct {
	kind  epiloop.CaseKind
	share int
	title string
}{
	{epiloop.CaseCounterfeit, 36, "%s某销售假冒伪劣口罩案"},
	{epiloop.CaseFraud, 27, "%s某网络虚假销售防疫物资诈骗案"},
	{epiloop.CaseIllegalBusiness, 17, "%s某哄抬防疫物资价格非法经营案"},
	{epiloop.CaseObstruction, 11, "%s某拒不执行隔离措施妨害传染病防治案"},
	{epiloop.CaseViolenceMedics, 7, "%s某殴打防疫医护人员案"},
	{epiloop.CaseOtherKind, 2, "%s某冒充防疫人员案"},
}

// caseFinal is how many of the ordinary cases end in each state (the
// large case is one more prosecuted).
var caseFinal = []struct {
	state epiloop.CaseState
	n     int
}{
	{epiloop.CaseProsecuted, 160}, {epiloop.CaseSolved, DemoCasesSolved - 161}, {epiloop.CaseInvestigating, 4},
	{epiloop.CaseFiled, 2}, {epiloop.CaseAccepted, 2}, {epiloop.CaseDeclined, 1}, {epiloop.CaseWithdrawn, 1},
}

// casePath is the procedure's steps to a final state.
func casePath(to epiloop.CaseState) []epiloop.CaseState {
	switch to {
	case epiloop.CaseDeclined:
		return []epiloop.CaseState{epiloop.CaseDeclined}
	case epiloop.CaseWithdrawn:
		return []epiloop.CaseState{epiloop.CaseFiled, epiloop.CaseWithdrawn}
	}
	all := []epiloop.CaseState{epiloop.CaseFiled, epiloop.CaseInvestigating, epiloop.CaseSolved, epiloop.CaseProsecuted}
	for i, s := range all {
		if s == to {
			return all[:i+1]
		}
	}
	return nil
}

// seedCases registers the demo's cases; the clock is left at now.
func seedCases(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time,
	byDistrict map[string][]epiloop.Community, districts []epiloop.District) error {
	defer clock.Set(now)
	start := now.AddDate(0, 0, -demoCaseDays)
	clock.Set(start.AddDate(0, 0, -1))
	if err := seedCaseFacility(cmd, svc, byDistrict[DemoDistrict]); err != nil {
		return err
	}
	if err := seedBigCase(cmd, svc, clock, g, start, now); err != nil {
		return fmt.Errorf("the large case: %w", err)
	}
	var finals []epiloop.CaseState
	for _, f := range caseFinal {
		for range f.n {
			finals = append(finals, f.state)
		}
	}
	g.r.Shuffle(len(finals), func(i, j int) { finals[i], finals[j] = finals[j], finals[i] })
	// The districts by weight: the urban districts handle most cases.
	var pool []epiloop.District
	for _, d := range districts {
		for range districtWeight(d.Code) {
			pool = append(pool, d)
		}
	}
	suspects := DemoCaseSuspects - demoBigSuspects
	solved, seen := DemoCasesSolved-1, 0
	for i, final := range finals {
		d := pool[g.Intn(len(pool))]
		cs := byDistrict[d.Code]
		station := cs[g.Intn(len(cs))].Station
		if station == "" {
			station = epiloop.SubCommandCode(d.Code)
		}
		// Spread the suspects over the solved cases: each at least one.
		n := 0
		if final.Solved() {
			n = 1 + (suspects-solved)/solved
			if seen < (suspects-solved)%solved {
				n++
			}
			seen++
		}
		clock.Set(start.Add(time.Duration(i) * demoCaseDays * 24 * time.Hour / time.Duration(len(finals)+1)))
		if err := moveOnFromIsolation(cmd, svc, clock); err != nil {
			return err
		}
		if err := seedCase(cmd, svc, clock, g, now, station, d, final, n, i); err != nil {
			return fmt.Errorf("case %d in %s: %w", i, d.Code, err)
		}
	}
	return nil
}

// seedCase registers one ordinary case and takes it to its final state
// with n suspects, each with a measure.
func seedCase(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, station string,
	d epiloop.District, final epiloop.CaseState, n, i int) error {
	mix := caseKindMix[0]
	for r, k := g.Intn(100), 0; k < len(caseKindMix); k++ {
		if r < caseKindMix[k].share {
			mix = caseKindMix[k]
			break
		}
		r -= caseKindMix[k].share
	}
	in := loop.CaseInput{Kind: mix.kind, Unit: station, Title: fmt.Sprintf(mix.title, string([]rune(g.Name())[:1])),
		Provinces: []string{"21"}, Cities: []string{"2101"}}
	switch mix.kind {
	case epiloop.CaseCounterfeit, epiloop.CaseIllegalBusiness:
		in.AmountFen = int64(20_000+g.Intn(480_000)) * 100
	case epiloop.CaseFraud:
		in.AmountFen = int64(2_000+g.Intn(198_000)) * 100
		in.RecoveredFen = in.AmountFen / int64(2+g.Intn(3))
	}
	// The suspects come with the case (caught selling, reported by the
	// hospital), each with the measure taken then.
	for j := range n {
		m := seedMeasure(clock, now, mix.kind, i+j)
		in.Suspects = append(in.Suspects, loop.SuspectInput{Person: epiloop.Person{IDNumber: g.IDNumber(d.Code), Name: g.Name(), Phone: g.Phone()},
			Measure: &m})
	}
	c, err := svc.RegisterCase(cmd, in)
	if err != nil {
		return err
	}
	// The procedure's steps, recorded together when the case was
	// brought up to date.
	if next := clock.Now().Add(time.Duration(2+g.Intn(5)) * 24 * time.Hour); next.Before(now) {
		clock.Set(next)
	}
	var steps []loop.CaseStep
	for k, to := range casePath(final) {
		steps = append(steps, loop.CaseStep{To: to, DocNo: fmt.Sprintf("%s字〔%d〕%d号", caseDocWord[to], c.Year, 100*int(c.Seq)+k)})
	}
	if len(steps) > 0 {
		_, err = svc.TransitionCaseSteps(cmd, c.ID, steps)
	}
	return err
}

// caseDocWord is the character of each step's document number.
var caseDocWord = map[epiloop.CaseState]string{epiloop.CaseFiled: "立", epiloop.CaseInvestigating: "侦",
	epiloop.CaseSolved: "破", epiloop.CaseProsecuted: "诉", epiloop.CaseDeclined: "不立", epiloop.CaseWithdrawn: "撤"}

// seedMeasure is the measure taken against a suspect fitting the case's
// kind: detention at the transition facility for most criminal cases,
// bail or residential surveillance for some, administrative detention for
// obstruction. The cases of the last 15 days take no custodial measure,
// so no intake isolation of the demo is open without its daily checks.
func seedMeasure(clock *epiloop.FakeClock, now time.Time, kind epiloop.CaseKind, i int) epiloop.CaseMeasure {
	m := epiloop.CaseMeasure{Date: epiloop.CivilDate(clock.Now()), DocNo: fmt.Sprintf("措字%d号", i+1)}
	switch {
	case clock.Now().After(now.AddDate(0, 0, -16)):
		m.Kind = epiloop.MeasureBail
	case kind == epiloop.CaseObstruction:
		m.Kind, m.FacilityCode = epiloop.MeasureAdminDetain, DemoCaseFacility
	case i%5 == 0:
		m.Kind = epiloop.MeasureBail
	case i%7 == 0:
		m.Kind = epiloop.MeasureSurveillance
	default:
		m.Kind, m.FacilityCode = epiloop.MeasureCriminalDetain, DemoCaseFacility
	}
	return m
}

// seedBigCase is the large counterfeit-mask case, handled by the demo
// district's sub-command: 23 suspects detained and most arrested, masks
// and protective suits seized, sampled, stored and partly destroyed.
func seedBigCase(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, start, now time.Time) error {
	clock.Set(start)
	c, err := svc.RegisterCase(cmd, loop.CaseInput{Kind: epiloop.CaseCounterfeit, Unit: epiloop.SubCommandCode(DemoDistrict),
		Title: DemoBigCaseTitle, Summary: "群众举报线索，经市场监管部门移交，查明以“三无”口罩冒充医用防护口罩，经网络销往全国。",
		AmountFen: DemoBigCaseAmount, RecoveredFen: 3_860_000_00, Provinces: demoBigProvinces, Cities: demoBigCities,
		Addresses: []string{"沈阳市和平区南京南街某仓库"}})
	if err != nil {
		return err
	}
	doc := func(word string, n int) string { return fmt.Sprintf("沈公(和)%s字〔%d〕%d号", word, c.Year, n) }
	step := func(days int, to epiloop.CaseState, doc string) error {
		clock.Set(start.AddDate(0, 0, days))
		_, err := svc.TransitionCase(cmd, c.ID, to, doc, "")
		return err
	}
	if err := step(1, epiloop.CaseFiled, doc("立", 203)); err != nil {
		return err
	}
	if err := step(2, epiloop.CaseInvestigating, doc("侦", 203)); err != nil {
		return err
	}
	var sps []int64
	for i := range demoBigSuspects {
		m := epiloop.CaseMeasure{Kind: epiloop.MeasureCriminalDetain, Date: epiloop.CivilDate(clock.Now()), FacilityCode: DemoCaseFacility,
			DocNo: doc("拘", 301+i)}
		if i >= 18 {
			m = epiloop.CaseMeasure{Kind: epiloop.MeasureBail, Date: epiloop.CivilDate(clock.Now()), DocNo: doc("保", 21+i)}
		}
		sp, err := svc.AddSuspect(cmd, c.ID, epiloop.Person{IDNumber: g.IDNumber(DemoDistrict), Name: g.Name(), Phone: g.Phone()}, &m)
		if err != nil {
			return err
		}
		sps = append(sps, sp.ID)
	}
	goods := []epiloop.CaseGoods{
		{Description: "假冒KN95口罩", Quantity: 1_200_000, Unit: "只", ValueFen: 6_000_000_00},
		{Description: "假冒医用外科口罩", Quantity: 3_400_000, Unit: "只", ValueFen: 2_720_000_00},
		{Description: "假冒医用防护服", Quantity: 36_000, Unit: "件", ValueFen: 1_080_000_00},
		{Description: "口罩生产设备", Quantity: 6, Unit: "台"},
	}
	var gids []int64
	for _, gd := range goods {
		out, err := svc.AddGoods(cmd, c.ID, gd)
		if err != nil {
			return err
		}
		gids = append(gids, out.ID)
	}
	custody := []struct {
		days int
		e    epiloop.CustodyEntry
	}{
		{2, epiloop.CustodyEntry{GoodsID: gids[0], Action: epiloop.CustodySeized, Quantity: 1_200_000, Place: "和平区南京南街某仓库", DocNo: doc("扣", 11)}},
		{2, epiloop.CustodyEntry{GoodsID: gids[1], Action: epiloop.CustodySeized, Quantity: 3_400_000, Place: "和平区南京南街某仓库", DocNo: doc("扣", 11)}},
		{2, epiloop.CustodyEntry{GoodsID: gids[2], Action: epiloop.CustodySeized, Quantity: 36_000, Place: "和平区南京南街某仓库", DocNo: doc("扣", 11)}},
		{3, epiloop.CustodyEntry{GoodsID: gids[0], Action: epiloop.CustodyStored, Quantity: 1_200_000, Place: "和平分局涉案财物管理中心", Holder: "涉案财物管理员"}},
		{4, epiloop.CustodyEntry{GoodsID: gids[0], Action: epiloop.CustodySampled, Quantity: 200, Holder: "辽宁省产品质量监督检验院", DocNo: doc("检", 207)}},
		{5, epiloop.CustodyEntry{GoodsID: gids[2], Action: epiloop.CustodySampled, Quantity: 20, Holder: "辽宁省医疗器械检验检测院", DocNo: doc("检", 208)}},
		{12, epiloop.CustodyEntry{GoodsID: gids[3], Action: epiloop.CustodyHandedTo, Quantity: 6, Holder: "和平区市场监督管理局", DocNo: doc("移", 3)}},
		{30, epiloop.CustodyEntry{GoodsID: gids[1], Action: epiloop.CustodyDestroyed, Quantity: 3_400_000, Place: "沈阳市危险废物处置中心", DocNo: doc("销", 1)}},
	}
	for _, x := range custody {
		clock.Set(start.AddDate(0, 0, x.days))
		if _, err := svc.RecordCustody(cmd, c.ID, x.e); err != nil {
			return err
		}
	}
	if err := step(20, epiloop.CaseSolved, doc("破", 203)); err != nil {
		return err
	}
	for i, sp := range sps[:15] {
		m := epiloop.CaseMeasure{Kind: epiloop.MeasureArrest, Date: epiloop.CivilDate(clock.Now()), FacilityCode: DemoCaseFacility,
			DocNo: doc("捕", 51+i)}
		if _, err := svc.AddMeasure(cmd, c.ID, sp, m); err != nil {
			return err
		}
	}
	return step(35, epiloop.CaseProsecuted, doc("诉", 203))
}

// seedCaseFacility registers the transition facility the cases' detained
// suspects enter, with its single cells and general areas, under closed
// management since before the first case.
func seedCaseFacility(cmd context.Context, svc *loop.Service, cs []epiloop.Community) error {
	var c epiloop.Community
	for _, x := range cs {
		if x.Station != "" && x.Station != DemoStation {
			c = x
			break
		}
	}
	if c.Code == "" {
		return fmt.Errorf("case facility: no station of %s besides %s", DemoDistrict, DemoStation)
	}
	p := &epiloop.Place{Code: DemoCaseFacility, Kind: epiloop.PlaceDetention, Name: "沈阳市新收押人员过渡监所", DistrictCode: DemoDistrict,
		CommunityCode: c.Code, UnitCode: c.Station, DetentionKind: "detention_center", Capacity: 1000}
	if _, err := svc.SavePlace(cmd, p); err != nil {
		return fmt.Errorf("case facility: %w", err)
	}
	var areas []epiloop.DetentionArea
	for i := 1; i <= demoCaseCells; i++ {
		areas = append(areas, epiloop.DetentionArea{Code: fmt.Sprintf("GD%03d", i), Name: fmt.Sprintf("过渡监室%d", i), Kind: epiloop.AreaIsolation})
	}
	for g := 1; g <= 4; g++ {
		areas = append(areas, epiloop.DetentionArea{Code: fmt.Sprintf("JQ%d", g), Name: fmt.Sprintf("%d监区", g), Kind: epiloop.AreaGeneral, Capacity: 150})
	}
	if _, err := svc.SaveDetentionAreas(cmd, p.Code, areas); err != nil {
		return fmt.Errorf("case facility areas: %w", err)
	}
	return nil
}

// moveOnFromIsolation moves the transition facility's detainees whose 15
// days of isolation are over to a general area, as its staff do each day.
func moveOnFromIsolation(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock) error {
	present := epiloop.DetaineePresent
	var due []epiloop.Detainee
	today := epiloop.CivilDate(clock.Now())
	if err := svc.Store.View(cmd, func(tx epiloop.Tx) error {
		for off := 0; ; off += 1000 {
			ds, total, err := tx.FindDetainees(epiloop.DetaineeFilter{Facility: DemoCaseFacility, Status: &present, Offset: off, Limit: 1000})
			if err != nil {
				return err
			}
			for _, d := range ds {
				if d.AreaKind == epiloop.AreaIsolation && today >= d.IsolationEnd {
					due = append(due, d)
				}
			}
			if off+len(ds) >= total || len(ds) == 0 {
				return nil
			}
		}
	}); err != nil {
		return err
	}
	for _, d := range due {
		if _, err := svc.MoveDetainee(cmd, d.ID, loop.MoveInput{Area: fmt.Sprintf("JQ%d", 1+d.ID%4)}); err != nil {
			return fmt.Errorf("move detainee on: %w", err)
		}
	}
	return nil
}
