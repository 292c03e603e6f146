package scenario

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/loop"
)

// The demo's patrols, drone sorties and incident statistics: a week of
// logs in every district at the seed city's magnitude — about 1,217
// officer-shifts and 381 vehicle-shifts a day city-wide, 40 sorties a day
// of some 18 minutes — written as a few large patrols per district and
// day (each with many officers) to keep the seed fast; and incident
// counts for the week and the same week a year earlier, imported as a
// table (the rural counties' counts are small: their year-on-year shows
// the small-base mark).

// Daily city-wide patrol magnitudes of the seed city.
const (
	DemoOfficerShiftsPerDay = 1217
	DemoVehicleShiftsPerDay = 381
	DemoSortiesPerDay       = 40
	demoPatrolDays          = 7
)

// districtWeight is a district's share of the city's patrols: the urban
// districts carry most, the rural counties least.
func districtWeight(code string) int {
	switch {
	case code <= "210106":
		return 4 // 和平, 沈河, 大东, 皇姑, 铁西
	case code <= "210114":
		return 2 // 苏家屯, 浑南, 沈北新区, 于洪
	}
	return 1 // 辽中, 康平, 法库, 新民
}

// split divides total over n parts as evenly as it goes.
func split(total, n, i int) int {
	if n == 0 {
		return 0
	}
	q := total / n
	if i < total%n {
		q++
	}
	return q
}

// seedPatrols logs the week's patrols and sorties of every district, and
// imports the incident counts; the clock is left at now.
func seedPatrols(cmd context.Context, svc *loop.Service, clock *epiloop.FakeClock, g *Gen, now time.Time, districts []epiloop.District) error {
	defer clock.Set(now)
	sumW := 0
	for _, d := range districts {
		sumW += districtWeight(d.Code)
	}
	stations := map[string][]string{}
	err := svc.Store.View(cmd, func(tx epiloop.Tx) error {
		kind := epiloop.UnitPoliceStation
		for _, d := range districts {
			us, err := tx.FindUnits(&kind, &d.Code)
			if err != nil {
				return err
			}
			for _, u := range us {
				stations[d.Code] = append(stations[d.Code], u.Code)
			}
			if len(stations[d.Code]) == 0 {
				stations[d.Code] = []string{epiloop.SubCommandCode(d.Code)}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	today := epiloop.CivilDate(now)
	for day := demoPatrolDays - 1; day >= 0; day-- {
		date := epiloop.AddDays(today, -day)
		midnight := epiloop.CivilMidnight(date)
		for di, d := range districts {
			w := districtWeight(d.Code)
			officers := int(math.Round(float64(DemoOfficerShiftsPerDay*w)/float64(sumW))) + g.Intn(7) - 3
			vehicles := int(math.Round(float64(DemoVehicleShiftsPerDay*w) / float64(sumW)))
			n := 2 + 2*w // patrols of the day
			for i := range n {
				start := midnight.Add(time.Duration(i) * 24 * time.Hour / time.Duration(n)).Add(time.Duration(g.Intn(30)) * time.Minute)
				end := start.Add(time.Duration(120+g.Intn(120)) * time.Minute)
				if end.After(now.Add(-10 * time.Minute)) {
					continue
				}
				p := epiloop.PatrolLog{UnitCode: stations[d.Code][i%len(stations[d.Code])],
					Area: fmt.Sprintf("%s第%d巡区", d.Name, i+1), Start: start, End: end}
				for range split(officers, n, i) {
					p.Officers = append(p.Officers, g.Name())
				}
				for v := range split(vehicles, n, i) {
					p.Vehicles = append(p.Vehicles, fmt.Sprintf("辽A%c%04d", 'A'+rune(di%8), (day*64+i*8+v)%10000))
				}
				clock.Set(end.Add(5 * time.Minute))
				if _, err := svc.LogPatrol(cmd, p); err != nil {
					return fmt.Errorf("patrol of %s on %s: %w", d.Code, date, err)
				}
			}
			sorties := int(math.Round(float64(DemoSortiesPerDay*w) / float64(sumW)))
			for i := range sorties {
				start := midnight.Add(time.Duration(7+i*14/max(sorties, 1)) * time.Hour).Add(time.Duration(g.Intn(50)) * time.Minute)
				minutes := 10 + g.Intn(18)
				if start.Add(time.Duration(minutes) * time.Minute).After(now.Add(-10 * time.Minute)) {
					continue
				}
				s := epiloop.DroneSortie{UnitCode: stations[d.Code][i%len(stations[d.Code])], Pilot: g.Name(),
					Drone: fmt.Sprintf("UAV-%s-%02d", d.Code[4:], i%3+1), Area: fmt.Sprintf("%s重点区域%d", d.Name, i+1),
					Start: start, Minutes: minutes}
				clock.Set(start.Add(time.Duration(minutes+5) * time.Minute))
				if _, err := svc.LogSortie(cmd, s); err != nil {
					return fmt.Errorf("sortie of %s on %s: %w", d.Code, date, err)
				}
			}
		}
	}
	clock.Set(now)
	return seedIncidents(cmd, svc, g, today, districts)
}

// seedIncidents imports the incident counts of the week and of the same
// week a year earlier (higher: before the closures), through the intake
// table reader.
func seedIncidents(cmd context.Context, svc *loop.Service, g *Gen, today string, districts []epiloop.District) error {
	var b bytes.Buffer
	b.WriteString("区县,日期,治安警情,刑事警情\n")
	for day := range demoPatrolDays {
		date := epiloop.AddDays(today, -day)
		for _, d := range districts {
			w := districtWeight(d.Code)
			base := 4 + 8*w // public-order incidents of an ordinary day
			po, cr := base+g.Intn(base/2+1), w+g.Intn(w+2)
			po0, cr0 := base*3/2+g.Intn(base/2+1), 2*w+g.Intn(w+3)
			fmt.Fprintf(&b, "%s,%s,%d,%d\n", d.Name, date, po, cr)
			fmt.Fprintf(&b, "%s,%s,%d,%d\n", d.Code, epiloop.YearEarlier(date), po0, cr0)
		}
	}
	res, err := svc.ImportIncidents(cmd, bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return err
	}
	if len(res.Rejects) > 0 {
		return fmt.Errorf("incident seed: row %d rejected: %w", res.Rejects[0].Row, res.Rejects[0].Err)
	}
	return nil
}
