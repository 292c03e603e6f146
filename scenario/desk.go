package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The service desk's demo: Shenyang's 25 resumption measures (网上办,
// 预约办) and the departments that answer for them, the windows' slots
// for the coming week, and about 300 enterprise requests of the last
// three weeks — mostly solved and confirmed, some closed unconfirmed,
// some open with a breached clock, two on the green channel.

// DeskUnits are the departments of the desk's demo.
var DeskUnits = []epiloop.Unit{
	{Code: "DEPT-RS", Kind: epiloop.UnitDepartment, Name: "市人力资源和社会保障局"},
	{Code: "DEPT-SW", Kind: epiloop.UnitDepartment, Name: "国家税务总局沈阳市税务局"},
	{Code: "DEPT-SJ", Kind: epiloop.UnitDepartment, Name: "市市场监督管理局"},
	{Code: "DEPT-GX", Kind: epiloop.UnitDepartment, Name: "市工业和信息化局"},
	{Code: "DEPT-JR", Kind: epiloop.UnitDepartment, Name: "市地方金融监督管理局"},
	{Code: "DEPT-ZJ", Kind: epiloop.UnitDepartment, Name: "市住房和城乡建设局"},
	{Code: "DEPT-FG", Kind: epiloop.UnitDepartment, Name: "市发展和改革委员会"},
	{Code: "DEPT-SWJ", Kind: epiloop.UnitDepartment, Name: "市商务局"},
}

// deskMeasures are the 25 measures: code, name, mode, unit, and the SLA
// in hours (first response, update interval, solution).
var deskMeasures = []struct {
	code, name string
	mode       epiloop.DeskMode
	unit       string
	first      float64
	update     float64
	solution   float64
}{
	{"WGFH", "稳岗返还", epiloop.DeskBoth, "DEPT-RS", 2, 24, 120},
	{"SBHJ", "社会保险费缓缴", epiloop.DeskOnline, "DEPT-RS", 2, 24, 72},
	{"SBJM", "阶段性减免企业社保费", epiloop.DeskOnline, "DEPT-RS", 2, 24, 72},
	{"YGZP", "用工招聘对接", epiloop.DeskBoth, "DEPT-RS", 4, 24, 168},
	{"ZGPX", "以工代训补贴", epiloop.DeskAppointment, "DEPT-RS", 4, 48, 240},
	{"SSYH", "疫情防控税收优惠", epiloop.DeskOnline, "DEPT-SW", 2, 24, 72},
	{"YQSB", "延期申报纳税", epiloop.DeskOnline, "DEPT-SW", 1, 12, 48},
	{"LDTS", "增值税留抵退税", epiloop.DeskBoth, "DEPT-SW", 4, 24, 168},
	{"FGBA", "复工复产备案", epiloop.DeskOnline, "DEPT-GX", 1, 8, 24},
	{"FYWZ", "防疫物资保障", epiloop.DeskBoth, "DEPT-GX", 1, 8, 48},
	{"CYLX", "产业链上下游协调", epiloop.DeskAppointment, "DEPT-GX", 4, 24, 168},
	{"YDYH", "用电用气优惠", epiloop.DeskOnline, "DEPT-FG", 2, 24, 120},
	{"JGZC", "价格政策咨询", epiloop.DeskOnline, "DEPT-FG", 2, 24, 72},
	{"DKTX", "贷款贴息", epiloop.DeskBoth, "DEPT-JR", 4, 24, 240},
	{"XDZQ", "信贷展期续贷", epiloop.DeskAppointment, "DEPT-JR", 4, 24, 168},
	{"RZDB", "融资担保降费", epiloop.DeskOnline, "DEPT-JR", 4, 48, 240},
	{"JMFZ", "减免国有房产房租", epiloop.DeskBoth, "DEPT-ZJ", 2, 24, 168},
	{"GCFG", "建设工程复工审核", epiloop.DeskAppointment, "DEPT-ZJ", 2, 24, 72},
	{"GJJH", "住房公积金缓缴", epiloop.DeskOnline, "DEPT-ZJ", 2, 24, 120},
	{"XKYQ", "行政许可证件延期", epiloop.DeskOnline, "DEPT-SJ", 1, 12, 48},
	{"GTHF", "个体工商户复业指导", epiloop.DeskBoth, "DEPT-SJ", 2, 24, 72},
	{"FYCP", "防疫用品生产许可", epiloop.DeskAppointment, "DEPT-SJ", 1, 8, 48},
	{"SYFY", "商贸企业复市", epiloop.DeskOnline, "DEPT-SWJ", 2, 24, 72},
	{"WMDD", "外贸订单履约证明", epiloop.DeskBoth, "DEPT-SWJ", 2, 24, 96},
	{"ZDXM", "重大项目开复工协调", epiloop.DeskBoth, "DEPT-FG", 1, 4, 48},
}

var (
	deskFirms   = []string{"华晨", "北方重工", "远大", "沈鼓", "东软", "新松", "三一", "金杯", "兴齐", "福耀", "恒信", "盛京", "浑南", "铁西", "和美", "辽宁三洋"}
	deskTrades  = []string{"机械制造", "电子科技", "餐饮管理", "商贸", "物流", "建筑工程", "医疗器械", "服装", "食品", "汽车零部件"}
	deskAsks    = []string{"申请办理{0}，材料已准备齐全，请告知流程", "{0}进度咨询，上周已提交申请", "企业复工后资金紧张，希望享受{0}政策", "{0}系统提交失败，请协助处理", "想了解{0}的适用条件和所需材料"}
	deskWindows = []string{"市民中心1号窗口", "市民中心2号窗口"}
	deskGreen   = []string{"沈阳地铁三号线工程（重大项目 SY2020-003）", "华晨宝马新工厂项目（重大项目 SY2020-011）"}
)

// creditCode makes a valid unified social credit code of a district's
// enterprise.
func creditCode(g *Gen, district string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	b := []byte("91" + district)
	for len(b) < 17 {
		b = append(b, alphabet[g.Intn(len(alphabet))])
	}
	return string(b) + string(epiloop.CreditCheckChar(string(b)))
}

// deskFates are the requests' stories, cycled through: most are solved and
// confirmed.
var deskFates = []string{
	"confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed",
	"confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "waited_confirmed",
	"unconfirmed", "unconfirmed", "awaiting", "waiting", "in_progress", "breached",
}

// seedDesk seeds the catalogue, the slots and the requests.
func seedDesk(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, districts []epiloop.District) error {
	for _, m := range deskMeasures {
		sm := &epiloop.ServiceMeasure{Code: m.code, Name: m.name, Mode: m.mode, UnitCode: m.unit, Active: true,
			FirstResponseMin: int(m.first * 60), UpdateEveryMin: int(m.update * 60), SolutionMin: int(m.solution * 60)}
		if err := svc.SaveMeasure(cmd, sm); err != nil {
			return fmt.Errorf("measure %s: %w", m.code, err)
		}
	}
	today := epiloop.CivilDate(now)
	for day := 0; day < loop.DeskSlotDays; day++ {
		for _, w := range deskWindows {
			for _, start := range []string{"09:00", "10:30", "14:00", "15:30"} {
				end := map[string]string{"09:00": "10:30", "10:30": "12:00", "14:00": "15:30", "15:30": "17:00"}[start]
				if err := svc.SaveDeskSlot(cmd, &epiloop.DeskSlot{Date: epiloop.AddDays(today, day), Window: w, Start: start, End: end, Capacity: 6}); err != nil {
					return err
				}
			}
		}
	}
	const n = 300
	stories := make([]deskStory, n)
	for i := range stories {
		fate := deskFates[i%len(deskFates)]
		m := deskMeasures[(i*7)%len(deskMeasures)]
		// Spread over three weeks, oldest first; the open ones recent.
		age := time.Duration(float64(21*24*time.Hour) * float64(n-i) / n)
		switch fate {
		case "unconfirmed":
			age = max(age, 10*24*time.Hour)
		case "awaiting":
			age = time.Duration(48+g.Intn(40)) * time.Hour
		case "waiting", "in_progress", "breached":
			age = time.Duration(4+g.Intn(40)) * time.Hour
		}
		green := i == 37 || i == 298
		if green {
			age = 90 * time.Minute // today's roster has its leader on duty
		}
		stories[i] = newDeskStory(g, now.Add(-age), m.code, m.mode, m.name, fate, green, districts)
	}
	// The stories run side by side, each on a service and clock of its
	// own: the engine commits their transactions in groups.
	const workers = 8
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			ws := loop.NewService(svc.Store)
			ws.DeskConfirmWindow = svc.DeskConfirmWindow
			clock := epiloop.NewFakeClock(now)
			ws.Clock = clock
			var err error
			for i := w; i < n && err == nil; i += workers {
				if err = stories[i].tell(cmd, ws, clock, now); err == errDeskNow {
					err = nil
				}
				if err != nil {
					err = fmt.Errorf("desk request %d (%s): %w", i, stories[i].fate, err)
				}
			}
			errs <- err
		}()
	}
	var first error
	for range workers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	clock.Set(now)
	_, err := svc.EscalateDesk(cmd)
	return err
}

// deskStory is one request of the demo, drawn in advance so that the
// stories can be told side by side.
type deskStory struct {
	in                     epiloop.TicketInput
	created                time.Time
	mode                   epiloop.DeskMode
	fate                   string
	green, hotline         bool
	window                 string
	respond, solve, answer time.Duration
}

func newDeskStory(g *Gen, created time.Time, measure string, mode epiloop.DeskMode, name, fate string, green bool,
	districts []epiloop.District) deskStory {
	d := districts[g.Intn(len(districts))]
	st := deskStory{created: created, mode: mode, fate: fate, green: green, hotline: g.Intn(3) == 0,
		window: deskWindows[g.Intn(2)], respond: time.Duration(10+g.Intn(50)) * time.Minute,
		solve: time.Duration(4+g.Intn(30)) * time.Hour, answer: time.Duration(1+g.Intn(20)) * time.Hour}
	st.in = epiloop.TicketInput{Measure: measure, District: d.Code,
		Enterprise: "沈阳" + deskFirms[g.Intn(len(deskFirms))] + deskTrades[g.Intn(len(deskTrades))] + "有限公司",
		CreditCode: creditCode(g, d.Code), Contact: g.Name(), Phone: g.Phone(),
		Detail: strings.ReplaceAll(deskAsks[g.Intn(len(deskAsks))], "{0}", name)}
	if green {
		st.respond = 15 * time.Minute
		st.in.Project = deskGreen[0]
		if fate != "in_progress" {
			st.in.Project = deskGreen[1]
		}
	}
	return st
}

// errDeskNow stops a request's story where its next step would be after
// now: it stands as it is.
var errDeskNow = errors.New("the story reaches now")

// tell makes the request at its time and takes it through its fate on
// clock.
func (st deskStory) tell(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, now time.Time) error {
	clock.Set(st.created)
	in, fate := st.in, st.fate
	var sub *loop.Submitted
	var err error
	switch {
	case st.mode == epiloop.DeskAppointment:
		slot := &epiloop.DeskSlot{Date: epiloop.CivilDate(st.created), Window: st.window, Start: "08:30", End: "17:00", Capacity: 50}
		err := svc.SaveDeskSlot(cmd, slot)
		if epiloop.ErrorCode(err) == epiloop.ECONFLICT { // another story made it first
			err = svc.SaveDeskSlot(cmd, slot)
		}
		if err != nil {
			return err
		}
		in.SlotID = slot.ID
		sub, err = svc.SubmitTicket(context.Background(), in, epiloop.SourceAppointment)
	case st.hotline:
		sub, err = svc.CreateHotlineTicket(cmd, in)
	default:
		sub, err = svc.SubmitTicket(context.Background(), in, epiloop.SourceOnline)
	}
	if err != nil {
		return err
	}
	id := sub.Ticket.ID
	step := func(after time.Duration, a epiloop.TicketAction, note string) error {
		if clock.Now().Add(after).After(now) {
			return errDeskNow
		}
		clock.Add(after)
		_, err := svc.StepTicket(cmd, id, a, note)
		return err
	}
	enterprise := func(after time.Duration, a epiloop.TicketAction, reason string) error {
		if clock.Now().Add(after).After(now) {
			return errDeskNow
		}
		clock.Add(after)
		_, err := svc.EnterpriseStep(context.Background(), sub.Number, sub.Code, a, reason)
		return err
	}
	if fate == "breached" {
		return nil // no response: its first response's clock breaches
	}
	if err := step(st.respond, epiloop.TicketRespond, "已电话联系企业，了解具体诉求"); err != nil {
		return err
	}
	switch fate {
	case "in_progress":
		return step(time.Hour, epiloop.TicketUpdate, "已转业务处室办理")
	case "waiting", "waited_confirmed":
		if err := step(2*time.Hour, epiloop.TicketWait, "请补充上传营业执照副本"); err != nil || fate == "waiting" {
			return err
		}
		if err := enterprise(5*time.Hour, epiloop.TicketResume, "已补充上传"); err != nil {
			return err
		}
	}
	if err := step(st.solve, epiloop.TicketSolve, "已办结，请企业确认"); err != nil {
		return err
	}
	switch fate {
	case "confirmed", "waited_confirmed":
		return enterprise(st.answer, epiloop.TicketConfirm, "")
	}
	return nil // awaiting or unconfirmed: the enterprise has not answered
}
