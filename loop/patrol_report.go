package loop

import (
	"strconv"

	"github.com/epiloop/epiloop"
)

// The daily report's patrol section (ReportPatrols): per area, the day's
// patrol officer-shifts, vehicle-shifts, drone sorties and flight hours
// from the day counters, and the day's incidents with the year-on-year
// change of their total (epiloop.YearOnYear).

// ReportPatrols is the key of the report's patrol section.
const ReportPatrols = "patrols"

// The patrol section's metrics.
const (
	MetricReportOfficerShifts = "pt_officer_shifts"
	MetricReportVehicleShifts = "pt_vehicle_shifts"
	MetricReportSorties       = "pt_sorties"
	MetricReportFlightHours   = "pt_flight_hours"
	MetricReportPublicOrder   = "inc_public_order"
	MetricReportCriminal      = "inc_criminal"
	MetricReportIncidentsYoY  = "inc_yoy"
)

// patrolReportSection is the patrol section of every report.
var patrolReportSection = ReportSection{ReportPatrols, []string{MetricReportOfficerShifts, MetricReportVehicleShifts,
	MetricReportSorties, MetricReportFlightHours, MetricReportPublicOrder, MetricReportCriminal, MetricReportIncidentsYoY}}

// patrolReportCells returns the patrol section's cells of each area of a
// report, by area code (the city's and the districts'; none for the
// undetermined row).
func patrolReportCells(tx epiloop.Tx, u *epiloop.User, areas []reportArea, date string, suppressed bool) (map[string]map[string]string, error) {
	stats, err := tx.FindIncidentStats(epiloop.IncidentFilter{From: date, To: date})
	if err != nil {
		return nil, err
	}
	before, err := tx.FindIncidentStats(epiloop.IncidentFilter{From: epiloop.YearEarlier(date), To: epiloop.YearEarlier(date)})
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, a := range areas {
		if !a.city && a.district == "" {
			continue
		}
		var t epiloop.PatrolTotals
		c, err := tx.FindStatCounters(epiloop.PatrolDayScope(a.district, date))
		if err != nil {
			return nil, err
		}
		t.Add(c)
		var po, cr, total0 int64
		for _, st := range stats {
			if a.city || st.DistrictCode == a.district {
				po, cr = po+st.PublicOrder, cr+st.Criminal
			}
		}
		for _, st := range before {
			if a.city || st.DistrictCode == a.district {
				total0 += st.PublicOrder + st.Criminal
			}
		}
		hours := t.FlightHours()
		if suppressed && t.FlightMinutes > 0 && t.FlightMinutes < SmallCell {
			hours = 0
		}
		out[a.code] = map[string]string{
			MetricReportOfficerShifts: cell(t.OfficerShifts, suppressed),
			MetricReportVehicleShifts: cell(t.VehicleShifts, suppressed),
			MetricReportSorties:       cell(t.Sorties, suppressed),
			MetricReportFlightHours:   strconv.FormatFloat(hours, 'f', 1, 64),
			MetricReportPublicOrder:   cell(po, suppressed),
			MetricReportCriminal:      cell(cr, suppressed),
			MetricReportIncidentsYoY:  epiloop.YearOnYear(u.Count(po+cr), u.Count(total0)).Text(epiloop.Langs[0]),
		}
	}
	return out, nil
}
