package sqlstore

import (
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// The case register (epiloop/case.go): cases, their transitions, suspects
// and measures, goods and the custody log.

const caseColumns = `c.id, c.number, c.year, c.seq, c.kind, c.state, c.unit_code, c.district_code, c.title, c.summary,
	c.amount_fen, c.recovered_fen, c.places, c.addresses, c.provinces, c.cities, c.suspect_count, c.handled_count,
	c.custody_count, c.custody_head, c.accepted_at, c.created_by, c.created_at, c.updated_at`

// NextCaseSeq returns the next sequence number of a district's year: the
// upsert takes the row's lock, so two cases never share a number.
func (s Store) NextCaseSeq(district string, year int) (int64, error) {
	var n int64
	err := s.c.QueryRow(`INSERT INTO case_sequences (district_code, year, last_seq) VALUES (?, ?, 1)
		ON CONFLICT (district_code, year) DO UPDATE SET last_seq = case_sequences.last_seq + 1
		RETURNING last_seq`, district, year).Scan(&n)
	return n, wrap(err, "next case number")
}

// caseDetails are the arguments of a case's changeable columns.
func (s Store) caseDetails(c *epiloop.Case) ([]any, error) {
	places, err := jsonText(epiloop.NonNil(c.Places))
	if err != nil {
		return nil, err
	}
	addresses, err := jsonText(epiloop.NonNil(c.Addresses))
	if err != nil {
		return nil, err
	}
	provinces, err := jsonText(epiloop.NonNil(c.Provinces))
	if err != nil {
		return nil, err
	}
	cities, err := jsonText(epiloop.NonNil(c.Cities))
	if err != nil {
		return nil, err
	}
	return []any{string(c.Kind), s.sealed(c.Title), s.sealed(c.Summary), c.AmountFen, c.RecoveredFen, places,
		s.sealed(addresses), provinces, cities, c.Suspects, c.Handled, c.UpdatedAt}, nil
}

// CreateCase inserts c and sets its ID; a number already given is
// ECONFLICT.
func (s Store) CreateCase(c *epiloop.Case) error {
	args, err := s.caseDetails(c)
	if err != nil {
		return wrap(err, "create case")
	}
	args = append([]any{c.Number, c.Year, c.Seq, string(c.State), c.UnitCode, c.DistrictCode, c.AcceptedAt, c.CreatedBy, c.CreatedAt}, args...)
	c.ID, err = s.insert(`INSERT INTO cases (number, year, seq, state, unit_code, district_code, accepted_at, created_by,
		created_at, kind, title, summary, amount_fen, recovered_fen, places, addresses, provinces, cities, suspect_count,
		handled_count, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return wrap(s.c.Constraint(err, "err.case_number_taken", "err.case_not_found"), "create case")
}

// UpdateCase writes a case's details and counts.
func (s Store) UpdateCase(c *epiloop.Case) error {
	args, err := s.caseDetails(c)
	if err != nil {
		return wrap(err, "update case")
	}
	err = s.execOne("err.case_not_found", `UPDATE cases SET kind = ?, title = ?, summary = ?, amount_fen = ?,
		recovered_fen = ?, places = ?, addresses = ?, provinces = ?, cities = ?, suspect_count = ?, handled_count = ?,
		updated_at = ? WHERE id = ?`, append(args, c.ID)...)
	return wrap(err, "update case")
}

// SetCaseState moves a case on only from the state its caller read.
func (s Store) SetCaseState(id int64, from, to epiloop.CaseState, at time.Time) error {
	n, err := s.c.Exec(`UPDATE cases SET state = ?, updated_at = ? WHERE id = ? AND state = ?`, string(to), at, id, string(from))
	switch {
	case err != nil:
		return wrap(err, "set case state")
	case n == 0:
		return epiloop.Errorf(epiloop.ECONFLICT, "err.case_moved")
	}
	return nil
}

func (s Store) scanCase(r Row) (epiloop.Case, error) {
	var (
		c                                    epiloop.Case
		places, addresses, provinces, cities string
		head                                 []byte
	)
	err := r.Scan(&c.ID, &c.Number, &c.Year, &c.Seq, &c.Kind, &c.State, &c.UnitCode, &c.DistrictCode, s.opened(&c.Title),
		s.opened(&c.Summary), &c.AmountFen, &c.RecoveredFen, &places, s.opened(&addresses), &provinces, &cities,
		&c.Suspects, &c.Handled, &c.CustodyCount, &head, &c.AcceptedAt, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	c.CustodyHead = head
	c.Places, c.Addresses, c.Provinces, c.Cities = []string{}, []string{}, []string{}, []string{}
	for _, f := range []struct {
		text string
		dst  *[]string
	}{{places, &c.Places}, {addresses, &c.Addresses}, {provinces, &c.Provinces}, {cities, &c.Cities}} {
		if err := fromJSON(f.text, f.dst); err != nil {
			return c, err
		}
	}
	return c, nil
}

// FindCaseByID loads one case; with lock, its row is held until the
// transaction ends (the no-op update takes PostgreSQL's row lock; SQLite
// runs one writer at a time).
func (s Store) FindCaseByID(id int64, lock bool) (*epiloop.Case, error) {
	if lock {
		if err := s.execOne("err.case_not_found", `UPDATE cases SET updated_at = updated_at WHERE id = ?`, id); err != nil {
			return nil, wrap(err, "find case")
		}
	}
	c, err := s.scanCase(s.c.QueryRow(`SELECT `+caseColumns+` FROM cases c WHERE c.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.case_not_found"), "find case")
	}
	return &c, nil
}

func caseWhere(f epiloop.CaseFilter) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if f.Kind != nil {
		add("c.kind = ?", string(*f.Kind))
	}
	if f.State != nil {
		add("c.state = ?", string(*f.State))
	}
	if f.District != nil {
		add("c.district_code = ?", *f.District)
	}
	if f.Unit != nil {
		add("c.unit_code = ?", *f.Unit)
	}
	return strings.Join(conds, " AND "), args
}

// FindCases returns one page of cases, newest first, and the total.
func (s Store) FindCases(f epiloop.CaseFilter) ([]epiloop.Case, int, error) {
	where, args := caseWhere(f)
	total := -1
	if !f.NoCount {
		var err error
		if total, err = s.c.Count("cases c", where, args...); err != nil {
			return nil, 0, wrap(err, "count cases")
		}
	}
	page := where
	pargs := append([]any(nil), args...)
	if f.Before > 0 {
		page += " AND c.id < ?"
		pargs = append(pargs, f.Before)
	}
	pargs = append(pargs, epiloop.PageLimit(f.Limit), max(f.Offset, 0))
	rows, err := s.c.Query(`SELECT `+caseColumns+` FROM cases c WHERE `+page+` ORDER BY c.id DESC LIMIT ? OFFSET ?`, pargs...)
	out, err := collect(rows, err, func(r Rows) (epiloop.Case, error) { return s.scanCase(r) })
	if err != nil {
		return nil, 0, wrap(err, "find cases")
	}
	if total < 0 {
		total = len(out)
	}
	return out, total, nil
}

// CreateCaseTransition records a step of the procedure.
func (s Store) CreateCaseTransition(t *epiloop.CaseTransition) error {
	var err error
	t.ID, err = s.insert(`INSERT INTO case_transitions (case_id, from_state, to_state, doc_no, note, actor_id, actor, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.CaseID, string(t.From), string(t.To), t.DocNo, s.sealed(t.Note), t.ActorID, t.Actor, t.At)
	return wrap(s.c.Constraint(err, "err.case_conflict", "err.case_not_found"), "create case transition")
}

// FindCaseTransitions returns a case's steps in order.
func (s Store) FindCaseTransitions(caseID int64) ([]epiloop.CaseTransition, error) {
	rows, err := s.c.Query(`SELECT id, case_id, from_state, to_state, doc_no, note, actor_id, actor, at
		FROM case_transitions WHERE case_id = ? ORDER BY id`, caseID)
	out, err := collect(rows, err, func(r Rows) (epiloop.CaseTransition, error) {
		var t epiloop.CaseTransition
		err := r.Scan(&t.ID, &t.CaseID, &t.From, &t.To, &t.DocNo, s.opened(&t.Note), &t.ActorID, &t.Actor, &t.At)
		return t, err
	})
	return out, wrap(err, "find case transitions")
}

// CreateCaseSuspect adds a person to a case.
func (s Store) CreateCaseSuspect(sp *epiloop.CaseSuspect) error {
	var err error
	sp.ID, err = s.insert(`INSERT INTO case_suspects (case_id, person_id, created_by, created_at) VALUES (?, ?, ?, ?)`,
		sp.CaseID, sp.Person.ID, sp.CreatedBy, sp.CreatedAt)
	return wrap(s.c.Constraint(err, "err.case_suspect_exists", "err.case_not_found"), "create case suspect")
}

const suspectColumns = `s.id, s.case_id, s.person_id, p.id_enc, p.name, p.phone_enc, s.created_by, s.created_at`

func (s Store) scanSuspect(r Row) (epiloop.CaseSuspect, error) {
	var (
		sp         epiloop.CaseSuspect
		idE, phone []byte
	)
	err := r.Scan(&sp.ID, &sp.CaseID, &sp.Person.ID, &idE, s.opened(&sp.Person.Name), &phone, &sp.CreatedBy, &sp.CreatedAt)
	if err != nil {
		return sp, err
	}
	if sp.Person.IDNumber, err = s.c.Cipher().Open(idE); err != nil {
		return sp, err
	}
	sp.Person.Phone, err = s.c.Cipher().Open(phone)
	sp.Measures = []epiloop.CaseMeasure{}
	return sp, err
}

// FindCaseSuspectByID loads one suspect with their measures.
func (s Store) FindCaseSuspectByID(id int64) (*epiloop.CaseSuspect, error) {
	sp, err := s.scanSuspect(s.c.QueryRow(`SELECT `+suspectColumns+` FROM case_suspects s
		JOIN persons p ON p.id = s.person_id WHERE s.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.case_suspect_not_found"), "find case suspect")
	}
	ms, err := s.caseMeasures(`suspect_id = ?`, id)
	sp.Measures = ms
	return &sp, wrap(err, "find case suspect")
}

// FindCaseSuspects returns a case's suspects, in the order added, with
// their measures in the order taken.
func (s Store) FindCaseSuspects(caseID int64) ([]epiloop.CaseSuspect, error) {
	rows, err := s.c.Query(`SELECT `+suspectColumns+` FROM case_suspects s
		JOIN persons p ON p.id = s.person_id WHERE s.case_id = ? ORDER BY s.id`, caseID)
	out, err := collect(rows, err, func(r Rows) (epiloop.CaseSuspect, error) { return s.scanSuspect(r) })
	if err != nil {
		return nil, wrap(err, "find case suspects")
	}
	ms, err := s.caseMeasures(`case_id = ?`, caseID)
	if err != nil {
		return nil, wrap(err, "find case suspects")
	}
	at := map[int64]int{}
	for i := range out {
		at[out[i].ID] = i
	}
	for _, m := range ms {
		if i, ok := at[m.SuspectID]; ok {
			out[i].Measures = append(out[i].Measures, m)
		}
	}
	return out, nil
}

func (s Store) caseMeasures(where string, arg int64) ([]epiloop.CaseMeasure, error) {
	rows, err := s.c.Query(`SELECT id, suspect_id, case_id, kind, date, facility_code, doc_no, note, created_by, created_at
		FROM case_measures WHERE `+where+` ORDER BY date, id`, arg)
	return collect(rows, err, func(r Rows) (epiloop.CaseMeasure, error) {
		var m epiloop.CaseMeasure
		err := r.Scan(&m.ID, &m.SuspectID, &m.CaseID, &m.Kind, &m.Date, &m.FacilityCode, &m.DocNo, s.opened(&m.Note),
			&m.CreatedBy, &m.CreatedAt)
		return m, err
	})
}

// CreateCaseMeasure records a measure taken.
func (s Store) CreateCaseMeasure(m *epiloop.CaseMeasure) error {
	var err error
	m.ID, err = s.insert(`INSERT INTO case_measures (suspect_id, case_id, kind, date, facility_code, doc_no, note,
		created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.SuspectID, m.CaseID, string(m.Kind), m.Date,
		m.FacilityCode, m.DocNo, s.sealed(m.Note), m.CreatedBy, m.CreatedAt)
	return wrap(s.c.Constraint(err, "err.case_conflict", "err.case_suspect_not_found"), "create case measure")
}

// CreateCaseGoods records a lot of seized goods.
func (s Store) CreateCaseGoods(g *epiloop.CaseGoods) error {
	var err error
	g.ID, err = s.insert(`INSERT INTO case_goods (case_id, description, quantity, unit, value_fen, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, g.CaseID, g.Description, g.Quantity, g.Unit, g.ValueFen, g.CreatedBy, g.CreatedAt)
	return wrap(s.c.Constraint(err, "err.case_conflict", "err.case_not_found"), "create case goods")
}

// FindCaseGoods returns a case's goods in the order seized.
func (s Store) FindCaseGoods(caseID int64) ([]epiloop.CaseGoods, error) {
	rows, err := s.c.Query(`SELECT id, case_id, description, quantity, unit, value_fen, created_by, created_at
		FROM case_goods WHERE case_id = ? ORDER BY id`, caseID)
	out, err := collect(rows, err, func(r Rows) (epiloop.CaseGoods, error) {
		var g epiloop.CaseGoods
		err := r.Scan(&g.ID, &g.CaseID, &g.Description, &g.Quantity, &g.Unit, &g.ValueFen, &g.CreatedBy, &g.CreatedAt)
		return g, err
	})
	return out, wrap(err, "find case goods")
}

// AppendCustody appends e to its case's log. The first statement takes
// the case row's lock (PostgreSQL) so appenders to one case queue, and
// counts the row; the head it then reads is the previous row's hash.
func (s Store) AppendCustody(e *epiloop.CustodyEntry, signer epiloop.AuditSigner) error {
	if err := s.execOne("err.case_not_found", `UPDATE cases SET custody_count = custody_count + 1 WHERE id = ?`, e.CaseID); err != nil {
		return wrap(err, "append custody")
	}
	var head []byte
	if err := s.c.QueryRow(`SELECT custody_count, custody_head FROM cases WHERE id = ?`, e.CaseID).Scan(&e.Seq, &head); err != nil {
		return wrap(err, "append custody")
	}
	e.Seal(head, signer)
	var err error
	e.ID, err = s.insert(`INSERT INTO case_custody (case_id, seq, goods_id, action, quantity, place, holder, doc_no, note,
		actor_id, at, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.CaseID, e.Seq, e.GoodsID,
		string(e.Action), e.Quantity, s.sealed(e.Place), s.sealed(e.Holder), e.DocNo, s.sealed(e.Note), e.ActorID, e.At,
		nilBytes(e.Prev), e.Hash)
	if err != nil {
		return wrap(s.c.Constraint(err, "err.case_conflict", "err.case_not_found"), "append custody")
	}
	return wrap(s.execOne("err.case_not_found", `UPDATE cases SET custody_head = ? WHERE id = ?`, e.Hash, e.CaseID), "append custody")
}

func nilBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// FindCustody returns a case's log in sequence order.
func (s Store) FindCustody(caseID int64) ([]epiloop.CustodyEntry, error) {
	rows, err := s.c.Query(`SELECT id, case_id, seq, goods_id, action, quantity, place, holder, doc_no, note, actor_id,
		at, prev, hash FROM case_custody WHERE case_id = ? ORDER BY seq, id`, caseID)
	out, err := collect(rows, err, func(r Rows) (epiloop.CustodyEntry, error) {
		var e epiloop.CustodyEntry
		err := r.Scan(&e.ID, &e.CaseID, &e.Seq, &e.GoodsID, &e.Action, &e.Quantity, s.opened(&e.Place), s.opened(&e.Holder),
			&e.DocNo, s.opened(&e.Note), &e.ActorID, &e.At, &e.Prev, &e.Hash)
		return e, err
	})
	return out, wrap(err, "find custody")
}
