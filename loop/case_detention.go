package loop

import (
	"time"

	"github.com/epiloop/epiloop"
)

// detainSuspect admits a suspect detained by a measure of case c to the
// detention facility: the admission starts the new detainee's 15-day
// isolation (the detention front). It runs inside the measure's
// transaction.
func (s *Service) detainSuspect(tx epiloop.Tx, u *epiloop.User, now time.Time, c *epiloop.Case, personID int64, facilityCode string) error {
	p, err := tx.FindPlaceByCode(facilityCode)
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || err == nil && p.Kind != epiloop.PlaceDetention {
		return epiloop.FieldError("facility", "err.case_facility_unknown", facilityCode)
	}
	// MERGE: call s.admitDetainee(tx, u, now, epiloop.DetaineeIntake{FacilityCode: facilityCode,
	// PersonID: personID, CaseRef: c.Number, Reason: ...}) and return its error.
	return err
}
