package epiloop

import "strings"

// District is a district or county of the city (6-digit division code).
type District struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Street is a sub-district (街道) or town (乡镇), 9-digit code.
type Street struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	DistrictCode string `json:"district"`
}

// Community is a community (社区) or village (村) committee area, 12-digit
// code: the smallest jurisdiction, and the one every lead is routed to.
type Community struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	StreetCode   string `json:"street"`
	DistrictCode string `json:"district"`
	// Station is the code of the police station unit responsible for it.
	Station string `json:"station,omitempty"`
}

// UnitKind says what a unit is and so which work it receives.
type UnitKind string

const (
	UnitHeadquarters  UnitKind = "headquarters"
	UnitSubCommand    UnitKind = "subcommand"
	UnitPoliceStation UnitKind = "police_station"
	UnitCommittee     UnitKind = "committee"
	UnitCheckpoint    UnitKind = "checkpoint"
	// UnitDepartment is a municipal department that handles the service
	// desk's tickets (市人社局, 市税务局 …; desk.go).
	UnitDepartment UnitKind = "department"
)

// Valid reports whether k is a known unit kind.
func (k UnitKind) Valid() bool {
	switch k {
	case UnitHeadquarters, UnitSubCommand, UnitPoliceStation, UnitCommittee, UnitCheckpoint, UnitDepartment:
		return true
	}
	return false
}

// Unit is an organisation that receives work: headquarters, a district
// sub-command, a police station, a community committee or a checkpoint.
type Unit struct {
	Code         string   `json:"code"`
	Kind         UnitKind `json:"kind"`
	Name         string   `json:"name"`
	DistrictCode string   `json:"district,omitempty"`
}

// Validate checks the unit's required fields.
func (u *Unit) Validate() error {
	switch {
	case strings.TrimSpace(u.Code) == "":
		return FieldError("code", "err.unit_code_required")
	case !u.Kind.Valid():
		return FieldError("kind", "err.unknown_unit_kind")
	case strings.TrimSpace(u.Name) == "":
		return FieldError("name", "err.unit_name_required")
	}
	return nil
}

// Unit codes are derived from division codes so that they are stable across
// databases: "HQ" for headquarters, "SC" + district code for sub-commands,
// "PS" + street code for the default police stations, "CM" + community code
// for committees.
const HeadquartersCode = "HQ"

// SubCommandCode returns the unit code of a district's sub-command.
func SubCommandCode(district string) string { return "SC" + district }

// DefaultStationCode returns the code of the default police station of a
// street (one per sub-district or town until an admin loads a real mapping).
func DefaultStationCode(street string) string { return "PS" + street }

// CommitteeCode returns the unit code of a community's committee.
func CommitteeCode(community string) string { return "CM" + community }
