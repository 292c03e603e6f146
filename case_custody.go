package epiloop

import (
	"bytes"
	"slices"
	"strings"
	"time"
)

// A case's suspects and the measures taken, the goods seized and their
// custody log (case.go).

// MeasureKind is a coercive measure taken against a suspect (强制措施).
type MeasureKind string

const (
	MeasureSummons        MeasureKind = "summons"         // 传唤
	MeasureCriminalDetain MeasureKind = "criminal_detain" // 刑事拘留
	MeasureAdminDetain    MeasureKind = "admin_detain"    // 行政拘留
	MeasureBail           MeasureKind = "bail"            // 取保候审
	MeasureSurveillance   MeasureKind = "surveillance"    // 监视居住
	MeasureArrest         MeasureKind = "arrest"          // 逮捕
	MeasureRelease        MeasureKind = "release"         // 释放
	MeasureFine           MeasureKind = "fine"            // 罚款（行政处罚）
)

// MeasureKinds lists the measures in display order.
var MeasureKinds = []MeasureKind{MeasureSummons, MeasureCriminalDetain, MeasureAdminDetain, MeasureBail,
	MeasureSurveillance, MeasureArrest, MeasureRelease, MeasureFine}

// Valid reports whether k is a measure of MeasureKinds.
func (k MeasureKind) Valid() bool { return slices.Contains(MeasureKinds, k) }

// Detains reports whether the measure holds the suspect in a detention
// facility (刑事拘留, 行政拘留, 逮捕): it names the facility, and the
// suspect's admission there starts the new detainee's 15-day isolation
// (ObsNewDetainee).
func (k MeasureKind) Detains() bool {
	return k == MeasureCriminalDetain || k == MeasureAdminDetain || k == MeasureArrest
}

// CaseSuspect is a person suspected in a case, with the measures taken.
type CaseSuspect struct {
	ID        int64         `json:"id"`
	CaseID    int64         `json:"case_id"`
	Person    Person        `json:"person"`
	Measures  []CaseMeasure `json:"measures"`
	CreatedBy int64         `json:"created_by,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// Masked returns s with the identity masked, as lists and the case's
// page show it (the reveal unmasks, for a purpose).
func (s CaseSuspect) Masked() CaseSuspect {
	s.Person = Person{IDNumber: MaskIDNumber(s.Person.IDNumber), Phone: MaskPhone(s.Person.Phone), Name: MaskName(s.Person.Name)}
	return s
}

// CaseMeasure is one measure taken against a suspect, from a civil date.
type CaseMeasure struct {
	ID        int64       `json:"id"`
	SuspectID int64       `json:"suspect_id"`
	CaseID    int64       `json:"case_id"`
	Kind      MeasureKind `json:"kind"`
	// Date is the civil date (YYYY-MM-DD) it was taken.
	Date string `json:"date"`
	// FacilityCode is the detention facility (a place of the registry of
	// kind detention) of a measure that detains.
	FacilityCode string    `json:"facility,omitempty"`
	DocNo        string    `json:"doc_no,omitempty"`
	Note         string    `json:"note,omitempty"`
	CreatedBy    int64     `json:"created_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate checks the measure against the case it is taken in: a dropped
// case takes releases only; a measure that detains names its facility.
func (m *CaseMeasure) Validate(c *Case) error {
	m.FacilityCode, m.DocNo, m.Note = strings.TrimSpace(m.FacilityCode), NormalizeSpace(m.DocNo), strings.TrimSpace(m.Note)
	switch {
	case !m.Kind.Valid():
		return FieldError("kind", "err.case_measure_kind")
	case !civilDate(m.Date):
		return FieldError("date", "err.case_date")
	case m.Kind.Detains() && m.FacilityCode == "":
		return FieldError("facility", "err.case_facility_required")
	case len(m.DocNo) > MaxCaseText:
		return FieldError("doc_no", "err.case_text_too_long", MaxCaseText)
	case len(m.Note) > MaxCaseSummary:
		return FieldError("note", "err.case_text_too_long", MaxCaseSummary)
	case c.State.Dropped() && m.Kind != MeasureRelease:
		return Errorf(ECONFLICT, "err.case_dropped").WithReason("case_dropped")
	}
	if !m.Kind.Detains() {
		m.FacilityCode = ""
	}
	return nil
}

// CaseGoods is one lot of goods seized in a case: 口罩 1,200,000 只.
type CaseGoods struct {
	ID          int64     `json:"id"`
	CaseID      int64     `json:"case_id"`
	Description string    `json:"description"`
	Quantity    int64     `json:"quantity"`
	Unit        string    `json:"unit"`
	ValueFen    int64     `json:"value_fen"`
	CreatedBy   int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks the lot.
func (g *CaseGoods) Validate() error {
	g.Description, g.Unit = NormalizeSpace(g.Description), NormalizeSpace(g.Unit)
	switch {
	case g.Description == "" || len(g.Description) > MaxCaseText:
		return FieldError("description", "err.case_goods_description", MaxCaseText)
	case g.Quantity <= 0 || g.Quantity > MaxCaseQuantity:
		return FieldError("quantity", "err.case_quantity", MaxCaseQuantity)
	case g.Unit == "" || len(g.Unit) > 20:
		return FieldError("unit", "err.case_goods_unit")
	case g.ValueFen < 0 || g.ValueFen > MaxCaseFen:
		return FieldError("value", "err.case_amount")
	}
	return nil
}

// CustodyAction is one step in the custody of seized goods.
type CustodyAction string

const (
	CustodySeized    CustodyAction = "seized"    // 扣押
	CustodyStored    CustodyAction = "stored"    // 入库保管
	CustodyHandedTo  CustodyAction = "handed_to" // 移交
	CustodySampled   CustodyAction = "sampled"   // 抽样送检
	CustodyReturned  CustodyAction = "returned"  // 发还
	CustodyDestroyed CustodyAction = "destroyed" // 销毁
)

// CustodyActions lists the steps in display order.
var CustodyActions = []CustodyAction{CustodySeized, CustodyStored, CustodyHandedTo, CustodySampled, CustodyReturned, CustodyDestroyed}

// Valid reports whether a is a step of CustodyActions.
func (a CustodyAction) Valid() bool { return slices.Contains(CustodyActions, a) }

// CustodyEntry is one row of a case's custody log. The log is one chain
// per case: each row holds the hash of the row before it in the case's
// log (Prev, none for the first) and its own, the keyed MAC of the
// ChainDigest of its content — the audit trail's rule. A chain per case,
// not one for the city, because the log travels with the case file (the
// procuratorate, the court verify one case's log alone), and appends to
// different cases do not queue behind one tail. The case row keeps the
// chain's length and head, so a log cut short at its end is detected too.
type CustodyEntry struct {
	ID     int64 `json:"id"`
	CaseID int64 `json:"case_id"`
	// Seq numbers the case's rows from 1, without gaps.
	Seq      int64         `json:"seq"`
	GoodsID  int64         `json:"goods_id,omitempty"`
	Action   CustodyAction `json:"action"`
	Quantity int64         `json:"quantity,omitempty"`
	// Place is where the goods are (a store room, a laboratory); Holder
	// who holds them or received them. Both kept sealed.
	Place   string    `json:"place,omitempty"`
	Holder  string    `json:"holder,omitempty"`
	DocNo   string    `json:"doc_no,omitempty"`
	Note    string    `json:"note,omitempty"`
	ActorID int64     `json:"actor_id"`
	At      time.Time `json:"at"`
	Prev    []byte    `json:"prev"`
	Hash    []byte    `json:"hash"`
}

// Validate checks the entry's own fields.
func (e *CustodyEntry) Validate() error {
	e.Place, e.Holder, e.DocNo, e.Note = NormalizeSpace(e.Place), NormalizeSpace(e.Holder), NormalizeSpace(e.DocNo), strings.TrimSpace(e.Note)
	switch {
	case !e.Action.Valid():
		return FieldError("action", "err.case_custody_action")
	case e.Quantity < 0 || e.Quantity > MaxCaseQuantity:
		return FieldError("quantity", "err.case_quantity", MaxCaseQuantity)
	case e.Place == "" && e.Holder == "":
		return FieldError("place", "err.case_custody_where")
	case len(e.Place) > MaxCaseText || len(e.Holder) > MaxCaseText || len(e.DocNo) > MaxCaseText:
		return FieldError("place", "err.case_text_too_long", MaxCaseText)
	case len(e.Note) > MaxCaseSummary:
		return FieldError("note", "err.case_text_too_long", MaxCaseSummary)
	}
	return nil
}

// digest is the ChainDigest of the row: every field but its id and hash.
func (e *CustodyEntry) digest() []byte {
	h := NewChainDigest()
	h.Num(e.CaseID)
	h.Num(e.Seq)
	h.Num(e.GoodsID)
	h.Str(string(e.Action))
	h.Num(e.Quantity)
	h.Str(e.Place)
	h.Str(e.Holder)
	h.Str(e.DocNo)
	h.Str(e.Note)
	h.Num(e.ActorID)
	h.Num(e.At.UTC().UnixMilli())
	h.Str(string(e.Prev))
	return h.Sum()
}

// Seal links the entry to the previous row's hash (nil for the first)
// and sets its hash.
func (e *CustodyEntry) Seal(prev []byte, s AuditSigner) {
	e.Prev = append([]byte(nil), prev...)
	e.Hash = s.AuditMAC(e.digest())
}

// CustodyCheck is the verification of a case's custody log: OK, or the
// first bad row's sequence number and why (a catalogue key).
type CustodyCheck struct {
	OK       bool   `json:"ok"`
	Rows     int64  `json:"rows"`
	FirstBad int64  `json:"first_bad,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Custody verification reasons.
const (
	CustodyAltered   = "altered"   // the row's content or link does not match its hash
	CustodyMissing   = "missing"   // a row is missing before this one
	CustodyTruncated = "truncated" // rows are missing at the end (the case's head)
)

// VerifyCustody checks a case's log in sequence order against the case's
// recorded length and head: it names the first row that was edited, or
// the first place where a row is missing.
func VerifyCustody(c *Case, rows []CustodyEntry, s AuditSigner) CustodyCheck {
	var prev []byte
	for i := range rows {
		e := &rows[i]
		want := int64(i + 1)
		switch {
		case e.Seq != want || e.CaseID != c.ID:
			return CustodyCheck{Rows: int64(len(rows)), FirstBad: want, Reason: CustodyMissing}
		case !bytes.Equal(e.Prev, prev) || !s.CheckAuditMAC(e.digest(), e.Hash):
			return CustodyCheck{Rows: int64(len(rows)), FirstBad: want, Reason: CustodyAltered}
		}
		prev = e.Hash
	}
	n := int64(len(rows))
	if n != c.CustodyCount || !bytes.Equal(prev, c.CustodyHead) {
		return CustodyCheck{Rows: n, FirstBad: n + 1, Reason: CustodyTruncated}
	}
	return CustodyCheck{OK: true, Rows: n}
}
