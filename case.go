package epiloop

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The epidemic-related case register (涉疫案件): counterfeit and
// substandard protective goods, illegal business, fraud, violence against
// medical staff, obstructing epidemic measures. A case is handled by one
// unit (a police station, a district sub-command or headquarters), moves
// through the criminal procedure one state at a time, and carries its
// suspects (persons: sealed, masked, revealed for a purpose), the
// measures taken against them, the goods seized and the goods' custody
// log, an append-only hash-chained list. Speech monitoring and rumour
// hunting are not part of it: the register holds no content collected
// from anyone's speech.

// CaseKind is what a case is about.
type CaseKind string

const (
	CaseCounterfeit     CaseKind = "counterfeit"      // 制售假冒伪劣防护用品
	CaseIllegalBusiness CaseKind = "illegal_business" // 非法经营
	CaseFraud           CaseKind = "fraud"            // 诈骗
	CaseViolenceMedics  CaseKind = "violence_medics"  // 暴力伤医
	CaseObstruction     CaseKind = "obstruction"      // 妨害疫情防控措施
	CaseOtherKind       CaseKind = "other"            // 其他
)

// CaseKinds lists the kinds in display order.
var CaseKinds = []CaseKind{CaseCounterfeit, CaseIllegalBusiness, CaseFraud, CaseViolenceMedics, CaseObstruction, CaseOtherKind}

// Valid reports whether k is a kind of CaseKinds.
func (k CaseKind) Valid() bool { return slices.Contains(CaseKinds, k) }

// CaseState is where a case stands in the procedure.
type CaseState string

const (
	CaseAccepted      CaseState = "accepted"      // 受案
	CaseFiled         CaseState = "filed"         // 立案
	CaseInvestigating CaseState = "investigating" // 侦查
	CaseSolved        CaseState = "solved"        // 破案
	CaseProsecuted    CaseState = "prosecuted"    // 移送起诉
	CaseDeclined      CaseState = "declined"      // 不予立案
	CaseWithdrawn     CaseState = "withdrawn"     // 撤案
)

// CaseStates lists the states in procedural order.
var CaseStates = []CaseState{CaseAccepted, CaseFiled, CaseInvestigating, CaseSolved, CaseProsecuted, CaseDeclined, CaseWithdrawn}

// Valid reports whether s is a state of CaseStates.
func (s CaseState) Valid() bool { return slices.Contains(CaseStates, s) }

// caseMoves is the procedure, the one table of it: 受案 → 立案 → 侦查 →
// 破案 → 移送起诉, 不予立案 only from 受案, 撤案 from 立案 or 侦查. No
// state may be skipped; the last three states end the case.
var caseMoves = map[CaseState][]CaseState{
	CaseAccepted:      {CaseFiled, CaseDeclined},
	CaseFiled:         {CaseInvestigating, CaseWithdrawn},
	CaseInvestigating: {CaseSolved, CaseWithdrawn},
	CaseSolved:        {CaseProsecuted},
}

// Next returns the states a case in s may move to, in table order.
func (s CaseState) Next() []CaseState { return slices.Clone(caseMoves[s]) }

// CanBecome reports whether a case in s may move to to.
func (s CaseState) CanBecome(to CaseState) bool { return slices.Contains(caseMoves[s], to) }

// Ended reports whether the procedure is over for a case in s.
func (s CaseState) Ended() bool { return len(caseMoves[s]) == 0 }

// Solved reports whether a case in s counts as solved (破案, and after it
// 移送起诉): the figure "solved" counts these.
func (s CaseState) Solved() bool { return s == CaseSolved || s == CaseProsecuted }

// Dropped reports whether a case in s was dropped (不予立案, 撤案): it
// takes no further measures but releases.
func (s CaseState) Dropped() bool { return s == CaseDeclined || s == CaseWithdrawn }

// Bounds of a case's fields.
const (
	MaxCaseText    = 200  // title, document numbers, goods' descriptions, custody places and holders
	MaxCaseSummary = 2000 // summary, notes
	MaxCaseRegions = 100  // provinces or cities involved
	MaxCasePlaces  = 50   // registry places or addresses involved
	// MaxCaseFen bounds an amount: 100 billion yuan.
	MaxCaseFen = 100_000_000_000_00
	// MaxCaseQuantity bounds a quantity of seized goods.
	MaxCaseQuantity = 1_000_000_000_000
	// MaxCaseSuspects bounds the suspects of one case.
	MaxCaseSuspects = 500
)

// Case event kinds (EventKinds). Their data carries ids, states, kinds
// and numbers, never an identity; notes go to the event's sealed detail.
const (
	EventCaseRegistered   = "case.registered"
	EventCaseUpdated      = "case.updated"
	EventCaseTransitioned = "case.transitioned"
	EventCaseSuspectAdded = "case.suspect_added"
	EventCaseMeasure      = "case.measure"
	EventCaseGoodsSeized  = "case.goods_seized"
	EventCaseCustody      = "case.custody"
)

// Case is one case of the register. Title and summary may name persons
// and are kept sealed; so are the addresses. Suspects and Handled are
// kept with the case in the transaction that adds a suspect or a
// measure (the figures count them).
type Case struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	Year   int    `json:"year"`
	Seq    int64  `json:"seq"`

	Kind  CaseKind  `json:"kind"`
	State CaseState `json:"state"`
	// UnitCode is the handling unit; DistrictCode its district ("" for
	// headquarters).
	UnitCode     string `json:"unit"`
	DistrictCode string `json:"district,omitempty"`

	Title   string `json:"title"`
	Summary string `json:"summary,omitempty"`
	// AmountFen is the amount involved (涉案金额) in fen; RecoveredFen
	// the losses recovered (挽回损失).
	AmountFen    int64 `json:"amount_fen"`
	RecoveredFen int64 `json:"recovered_fen"`

	// Places are codes of the places registry; Addresses free-text
	// addresses of places not in it.
	Places    []string `json:"places"`
	Addresses []string `json:"addresses"`
	// Provinces (2-digit) and Cities (4-digit) are GB/T 2260 codes.
	Provinces []string `json:"provinces"`
	Cities    []string `json:"cities"`

	Suspects int `json:"suspects"`
	// Handled counts the suspects with at least one measure taken.
	Handled int `json:"handled"`

	// CustodyCount and CustodyHead are the custody log's length and last
	// hash, kept with the case so that a log cut short is detected.
	CustodyCount int64  `json:"custody_count"`
	CustodyHead  []byte `json:"-"`

	AcceptedAt time.Time `json:"accepted_at"`
	CreatedBy  int64     `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate normalises and checks the case's own fields (the references
// to units, places and divisions are checked against their registries by
// the workflow).
func (c *Case) Validate() error {
	c.Title = NormalizeSpace(c.Title)
	c.Summary = strings.TrimSpace(c.Summary)
	switch {
	case !c.Kind.Valid():
		return FieldError("kind", "err.case_kind")
	case c.Title == "" || len(c.Title) > MaxCaseText:
		return FieldError("title", "err.case_title", MaxCaseText)
	case len(c.Summary) > MaxCaseSummary:
		return FieldError("summary", "err.case_text_too_long", MaxCaseSummary)
	case c.AmountFen < 0 || c.AmountFen > MaxCaseFen:
		return FieldError("amount", "err.case_amount")
	case c.RecoveredFen < 0 || c.RecoveredFen > MaxCaseFen:
		return FieldError("recovered", "err.case_amount")
	}
	var err error
	if c.Places, err = caseList("places", c.Places, MaxCasePlaces, func(s string) bool {
		return len(s) <= 64 && !strings.ContainsAny(s, " /?#%")
	}); err != nil {
		return err
	}
	if c.Addresses, err = caseList("addresses", c.Addresses, MaxCasePlaces, func(s string) bool { return len(s) <= MaxCaseText }); err != nil {
		return err
	}
	if c.Provinces, err = caseList("provinces", c.Provinces, MaxCaseRegions, digits(2)); err != nil {
		return err
	}
	if c.Cities, err = caseList("cities", c.Cities, MaxCaseRegions, digits(4)); err != nil {
		return err
	}
	for _, city := range c.Cities {
		if !slices.Contains(c.Provinces, city[:2]) {
			return FieldError("cities", "err.case_city_province", city)
		}
	}
	return nil
}

// caseList trims, de-duplicates and checks a list field.
func caseList(field string, in []string, max int, ok func(string) bool) ([]string, error) {
	out := []string{}
	for _, s := range in {
		s = NormalizeSpace(s)
		if s == "" || slices.Contains(out, s) {
			continue
		}
		if !ok(s) {
			return nil, FieldError(field, "err.case_list_item", s)
		}
		out = append(out, s)
	}
	if len(out) > max {
		return nil, FieldError(field, "err.case_list_too_long", max)
	}
	return out, nil
}

func digits(n int) func(string) bool {
	return func(s string) bool {
		if len(s) != n {
			return false
		}
		for _, r := range s {
			if r < '0' || r > '9' {
				return false
			}
		}
		return true
	}
}

// SplitCaseList splits what a person typed into a list field: by commas,
// semicolons, enumeration commas, spaces or lines.
func SplitCaseList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(",，;；、 \t\r\n", r)
	})
}

// CaseNumber is a case's document number: the agency's prefix, the
// district's short name in parentheses (none for headquarters), 涉疫, the
// year in 〔〕 and the sequence of the district's year: 沈公(和)涉疫〔2026〕123.
func CaseNumber(agency, district string, year int, seq int64) string {
	d := ""
	if district != "" {
		d = "(" + district + ")"
	}
	return fmt.Sprintf("%s%s涉疫〔%d〕%d", agency, d, year, seq)
}

// DistrictShortName is a district's short name in a case number: its
// first character, or where another district of the city starts with the
// same one its name without the suffix (区, 县, 市, 新区).
func DistrictShortName(name string, others []string) string {
	r, _ := utf8.DecodeRuneInString(name)
	if r == utf8.RuneError {
		return ""
	}
	first := string(r)
	for _, o := range others {
		if o != name && strings.HasPrefix(o, first) {
			for _, suf := range []string{"新区", "区", "县", "市"} {
				if t, ok := strings.CutSuffix(name, suf); ok && t != "" {
					return t
				}
			}
			return name
		}
	}
	return first
}

// CaseAgency is the agency prefix of a city's case numbers: the city's
// first character and 公 (沈阳市 → 沈公).
func CaseAgency(city string) string {
	r, _ := utf8.DecodeRuneInString(city)
	if r == utf8.RuneError {
		return "公"
	}
	return string(r) + "公"
}

// ParseYuan reads an amount of yuan as a person types it ("22,000,000",
// "1 200.5", "3.05万" is not accepted) into fen.
func ParseYuan(s string) (int64, bool) {
	s = strings.NewReplacer(",", "", "，", "", " ", "", "¥", "", "￥", "", "元", "").Replace(ToHalfWidth(strings.TrimSpace(s)))
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" && frac == "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || w < 0 || !digits(len(whole+frac))(whole+frac) || w > MaxCaseFen {
		return 0, false
	}
	return w, true
}

// FormatYuan writes fen as yuan with thousands separators and the fen
// when there are any: 2200000000 → "22,000,000", 150 → "1.50".
func FormatYuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole := strconv.FormatInt(fen/100, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if f := fen % 100; f != 0 {
		fmt.Fprintf(&b, ".%02d", f)
	}
	return b.String()
}

// CaseTransition is one recorded step of the procedure: who took it,
// when, under which document (立案决定书, 不予立案通知书 …), with a note.
type CaseTransition struct {
	ID      int64     `json:"id"`
	CaseID  int64     `json:"case_id"`
	From    CaseState `json:"from"`
	To      CaseState `json:"to"`
	DocNo   string    `json:"doc_no"`
	Note    string    `json:"note,omitempty"`
	ActorID int64     `json:"actor_id"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
}

// Transition moves c to state to under document docNo: the procedure's
// table decides, one state at a time.
func (c *Case) Transition(to CaseState, docNo, note string) (*CaseTransition, error) {
	docNo, note = NormalizeSpace(docNo), strings.TrimSpace(note)
	switch {
	case !to.Valid():
		return nil, FieldError("to", "err.case_state")
	case !c.State.CanBecome(to):
		return nil, Errorf(ECONFLICT, "err.case_transition", M("case.state."+string(c.State)), M("case.state."+string(to))).WithReason("case_transition")
	case docNo == "" || len(docNo) > MaxCaseText:
		return nil, FieldError("doc_no", "err.case_doc_no", MaxCaseText)
	case len(note) > MaxCaseSummary:
		return nil, FieldError("note", "err.case_text_too_long", MaxCaseSummary)
	}
	t := &CaseTransition{CaseID: c.ID, From: c.State, To: to, DocNo: docNo, Note: note}
	c.State = to
	return t, nil
}

// CaseFilter selects cases; the workflow narrows it to the caller's
// scope.
type CaseFilter struct {
	Kind     *CaseKind
	State    *CaseState
	District *string
	Unit     *string
	// Before selects cases with a smaller id (a walk down the index).
	Before  int64
	NoCount bool
	Offset  int
	Limit   int
}

// CaseVisible reports whether u may read case c: city-wide readers, the
// case's district, and its handling unit.
func CaseVisible(u *User, c *Case) bool {
	if !u.Can(ActReadCases) {
		return false
	}
	return inScope(u.Scope(), c.DistrictCode, func(unit string) bool { return unit == c.UnitCode })
}

// MayManageCase reports whether u may change c: its readers who manage
// cases.
func MayManageCase(u *User, c *Case) bool { return u.Can(ActManageCases) && CaseVisible(u, c) }

// MayRevealSuspects reports whether u may unmask the suspects of c, for
// a purpose.
func MayRevealSuspects(u *User, c *Case) bool { return u.Can(ActRevealSuspects) && CaseVisible(u, c) }

// MayHandleCaseAt reports whether u may register a case handled by unit:
// a station its own cases, a district commander the sub-command's and the
// stations' of its district, a city-wide manager any handling unit.
func MayHandleCaseAt(u *User, unit *Unit) bool {
	if !u.Can(ActManageCases) {
		return false
	}
	switch unit.Kind {
	case UnitHeadquarters, UnitSubCommand, UnitPoliceStation:
	default:
		return false
	}
	return inScope(u.Scope(), unit.DistrictCode, func(code string) bool { return code == unit.Code })
}

// CaseTx stores the case register.
type CaseTx interface {
	// NextCaseSeq returns the next sequence number of a district's year
	// ("" for headquarters), atomically.
	NextCaseSeq(district string, year int) (int64, error)
	CreateCase(c *Case) error
	// UpdateCase writes a case's details, its suspect counts and its
	// updated time (not its state or custody head).
	UpdateCase(c *Case) error
	// SetCaseState moves a case from state from to to; ECONFLICT when
	// it is no longer in from (someone moved it first).
	SetCaseState(id int64, from, to CaseState, at time.Time) error
	// FindCaseByID loads a case; with lock the case is locked for
	// update until the transaction ends.
	FindCaseByID(id int64, lock bool) (*Case, error)
	// FindCases returns one page of cases, newest first, and the total.
	FindCases(f CaseFilter) ([]Case, int, error)
	CreateCaseTransition(t *CaseTransition) error
	FindCaseTransitions(caseID int64) ([]CaseTransition, error)
	// CreateCaseSuspect adds a person to a case (ECONFLICT when on it).
	CreateCaseSuspect(s *CaseSuspect) error
	FindCaseSuspectByID(id int64) (*CaseSuspect, error)
	// FindCaseSuspects returns a case's suspects with their measures.
	FindCaseSuspects(caseID int64) ([]CaseSuspect, error)
	CreateCaseMeasure(m *CaseMeasure) error
	CreateCaseGoods(g *CaseGoods) error
	FindCaseGoods(caseID int64) ([]CaseGoods, error)
	// AppendCustody appends e to its case's log: it locks the case,
	// numbers e after the last row, seals it with s (CustodyEntry.Seal)
	// and advances the case's length and head, all in the transaction.
	AppendCustody(e *CustodyEntry, s AuditSigner) error
	// FindCustody returns a case's log in sequence order.
	FindCustody(caseID int64) ([]CustodyEntry, error)
}
