package loop

import (
	"time"

	"github.com/epiloop/epiloop"
)

// detainSuspect admits a suspect detained by a measure of case c to the
// detention facility: the admission starts the new detainee's 15-day
// isolation (admitDetainee, detention.go). It runs inside the measure's
// transaction, so a facility with no free isolation cell refuses the
// measure rather than recording a detention nobody admitted. A suspect
// already held (detained, then arrested; or held for another case) stays
// where they are: the measure changes the legal ground, not the cell, and
// the isolation of their intake is not restarted.
func (s *Service) detainSuspect(tx epiloop.Tx, u *epiloop.User, now time.Time, c *epiloop.Case, personID int64, facilityCode string) error {
	p, err := tx.FindPlaceByCode(facilityCode)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && p.Kind != epiloop.PlaceDetention {
		return epiloop.FieldError("facility", "err.case_facility_unknown", facilityCode)
	} else if err != nil {
		return err
	}
	if _, err := tx.FindPresentDetainee(personID); err == nil {
		return nil
	} else if epiloop.ErrorCode(err) != epiloop.ENOTFOUND {
		return err
	}
	_, err = s.admitDetainee(tx, u, now, epiloop.DetaineeIntake{FacilityCode: p.Code, PersonID: personID, CaseRef: c.Number})
	return err
}
