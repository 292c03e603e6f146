package loop

import (
	"context"

	"github.com/epiloop/epiloop"
)

// The daily report's sections of the places (ReportPlaces) and the
// volunteers (ReportVolunteers): figures of the moment, read from the same
// kept figures as the dashboard's tiles (PlaceFigures, VolunteerFigures),
// so a report carries them for today only, like its state section.

// The keys of the report's places and volunteers sections.
const (
	ReportPlaces     = "places"
	ReportVolunteers = "volunteers"
	// ReportDesk is the service desk's section (loop/desk.go): its
	// figures by the enterprises' district.
	ReportDesk = "desk"
	// ReportDetention is the detention facilities' section
	// (FindDetentionFigures, detention_read.go).
	ReportDetention = "detention"
	ReportXCity     = "xcity"
)

// forcesReportSections are the places and volunteers sections of today's
// report.
func forcesReportSections() []ReportSection {
	return []ReportSection{{ReportPlaces, PlaceMetrics}, {ReportVolunteers, epiloop.VolunteerMetrics},
		{ReportDesk, epiloop.DeskMetrics}, {ReportDetention, epiloop.DetentionMetrics}, {ReportXCity, XCityMetrics}}
}

// forcesReportCells returns the places and volunteers sections' cells of
// each area, by area code: a district's own figures, the city's the sum
// of its districts'; none for the undetermined row.
func (s *Service) forcesReportCells(ctx context.Context, areas []reportArea, suppressed bool) (map[string]map[string]string, error) {
	places, err := s.PlaceFigures(ctx)
	if err != nil {
		return nil, err
	}
	vols, err := s.VolunteerFigures(ctx)
	if err != nil {
		return nil, err
	}
	desk, err := s.DeskFigures(ctx)
	if err != nil {
		return nil, err
	}
	det, err := s.FindDetentionFigures(ctx)
	if err != nil {
		return nil, err
	}
	by := map[string]map[string]int64{}
	add := func(district string, m map[string]int64) {
		if by[district] == nil {
			by[district] = map[string]int64{}
		}
		for k, v := range m {
			by[district][k] += v
		}
	}
	for _, d := range places.Districts {
		add(d.Code, d.Counts)
	}
	for _, v := range vols {
		add(v.District, v.Figures)
	}
	for _, d := range desk.Districts {
		add(d.Code, d.Counts)
	}
	for _, d := range det.Districts {
		add(d.Code, d.Counts)
	}
	out := map[string]map[string]string{}
	for _, a := range areas {
		if !a.city && a.district == "" {
			continue
		}
		sum := map[string]int64{}
		for d, m := range by {
			if a.city || d == a.district {
				for k, v := range m {
					sum[k] += v
				}
			}
		}
		if err := s.addXCityCells(ctx, a, sum); err != nil {
			return nil, err
		}
		row := map[string]string{}
		for _, sec := range forcesReportSections() {
			for _, m := range sec.Metrics {
				row[m] = cell(sum[m], suppressed)
			}
		}
		out[a.code] = row
	}
	return out, nil
}
