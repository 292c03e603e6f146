package epiloop

import (
	"strings"
	"time"
)

// Person merge: two records of one person (first reported by phone and
// name, later by ID number; an ID number typed wrong and corrected later)
// become one. A commander compares them side by side, chooses each
// field's value, and the merge moves every row that refers to the merged
// person onto the survivor — PersonLinks says how, table by table, and a
// test walks both engines' schemas so that a table added without a rule
// fails. The merged person stays as a tombstone (merged_into; its sealed
// identity kept, its blind indexes cleared so no lookup finds it) so that
// old references (the audit trail, events' data) still resolve; the merge
// records what it moved and can be undone for MergeUndoWindow.

// MergeUndoWindow is how long a merge can be undone.
const MergeUndoWindow = 30 * 24 * time.Hour

// LinkRule is how a merge treats one column that refers to a person.
type LinkRule string

const (
	// LinkMove re-points the rows to the survivor (undo points them back).
	LinkMove LinkRule = "move"
	// LinkMoveOpenLead is leads.person_id: the rows move, and when both
	// persons have an open lead the merged person's is merged into the
	// survivor's by the one merge rule first (a person has one open lead).
	LinkMoveOpenLead LinkRule = "move_open_lead"
	// LinkMoveUnique moves the rows that do not collide with a row the
	// survivor already has under the table's unique key; a colliding row
	// stays with the merged person (the survivor's is the one in use).
	LinkMoveUnique LinkRule = "move_unique"
	// LinkIdentityKey is a blind index of the identity, rewritten with it
	// (Tx.UpdatePerson): the merged person's keys go with its identity
	// into the journal, and the survivor's follow the chosen values.
	LinkIdentityKey LinkRule = "identity_key"
	// LinkHistory is the merge's own record (candidates, merges): it names
	// both persons on purpose and is not moved.
	LinkHistory LinkRule = "history"
)

// PersonLink is one column that refers to a person.
type PersonLink struct {
	Table  string
	Column string
	Rule   LinkRule
	// Unique is, for LinkMoveUnique, the column that with Column forms
	// the table's unique key.
	Unique string
}

// PersonLinks lists every column of the schema that refers to a person,
// with its rule. A new table that refers to persons adds its line here;
// the schema test fails until it does.
var PersonLinks = []PersonLink{
	{"leads", "person_id", LinkMoveOpenLead, ""},
	{"observations", "person_id", LinkMove, ""},
	{"volunteers", "person_id", LinkMoveUnique, "unit_code"},
	{"case_suspects", "person_id", LinkMoveUnique, "case_id"},
	// A stay moves; two stays present at once (one person in two
	// facilities) refuse the merge (err.merge_link_conflict).
	{"detainees", "person_id", LinkMove, ""},
	{"detention_cohort_members", "person_id", LinkMoveUnique, "cohort_id"},
	{"person_ids", "person_id", LinkIdentityKey, ""},
	{"person_ids_new", "person_id", LinkIdentityKey, ""},
	{"persons", "merged_into", LinkHistory, ""},
	{"person_merges", "survivor_id", LinkHistory, ""},
	{"person_merges", "merged_id", LinkHistory, ""},
	{"merge_candidates", "person_a", LinkHistory, ""},
	{"merge_candidates", "person_b", LinkHistory, ""},
}

// Key names the link as table.column.
func (l PersonLink) Key() string { return l.Table + "." + l.Column }

// MovedLinks returns the links whose rows a merge moves.
func MovedLinks() []PersonLink {
	var out []PersonLink
	for _, l := range PersonLinks {
		if l.Rule == LinkMove || l.Rule == LinkMoveOpenLead || l.Rule == LinkMoveUnique {
			out = append(out, l)
		}
	}
	return out
}

// Side picks one of the two records of a merge.
type Side string

const (
	SideSurvivor Side = "survivor"
	SideMerged   Side = "merged"
)

// MergeChoice is the value chosen for each field of the identity.
type MergeChoice struct {
	Name     Side `json:"name"`
	IDNumber Side `json:"id_number"`
	Phone    Side `json:"phone"`
}

// Validate checks every field names a side; an empty side is the
// survivor's.
func (c *MergeChoice) Validate() error {
	for _, f := range []struct {
		field string
		side  *Side
	}{{"choice.name", &c.Name}, {"choice.id_number", &c.IDNumber}, {"choice.phone", &c.Phone}} {
		switch *f.side {
		case "":
			*f.side = SideSurvivor
		case SideSurvivor, SideMerged:
		default:
			return FieldError(f.field, "err.merge_side")
		}
	}
	return nil
}

// Merged returns the survivor's identity after the merge: each field from
// the chosen side, or from the other when the chosen one is empty.
func (c MergeChoice) Merged(survivor, merged Person) Person {
	pick := func(side Side, s, m string) string {
		if side == SideMerged && m != "" || s == "" {
			return m
		}
		return s
	}
	return Person{
		ID:       survivor.ID,
		Name:     pick(c.Name, survivor.Name, merged.Name),
		IDNumber: pick(c.IDNumber, survivor.IDNumber, merged.IDNumber),
		Phone:    pick(c.Phone, survivor.Phone, merged.Phone),
	}
}

// MovedRows are the rows a merge moved, by link (table.column), so that an
// undo moves exactly those back.
type MovedRows map[string][]int64

// LeadFold is an open lead of the merged person folded into the
// survivor's open lead: what an undo needs to reopen it.
type LeadFold struct {
	LeadID     int64                `json:"lead_id"`
	IntoLeadID int64                `json:"into_lead_id"`
	Status     LeadStatus           `json:"status"`
	Tasks      map[int64]TaskStatus `json:"tasks"`
	Sources    []int64              `json:"sources"`
}

// MergeJournal is what a merge changed, kept sealed with the merge: the
// two identities before, the rows moved, and the folded lead.
type MergeJournal struct {
	Survivor Person    `json:"survivor"`
	Merged   Person    `json:"merged"`
	Moved    MovedRows `json:"moved"`
	// Kept are the rows left with the merged person (LinkMoveUnique).
	Kept MovedRows `json:"kept,omitempty"`
	Fold *LeadFold `json:"fold,omitempty"`
}

// PersonMerge is one merge, undone or not.
type PersonMerge struct {
	ID         int64        `json:"id"`
	SurvivorID int64        `json:"survivor_id"`
	MergedID   int64        `json:"merged_id"`
	Choice     MergeChoice  `json:"choice"`
	Journal    MergeJournal `json:"-"`
	By         int64        `json:"by"`
	At         time.Time    `json:"at"`
	UndoneBy   int64        `json:"undone_by,omitempty"`
	UndoneAt   *time.Time   `json:"undone_at,omitempty"`
}

// Undoable reports whether the merge can still be undone at now.
func (m *PersonMerge) Undoable(now time.Time) error {
	if m.UndoneAt != nil {
		return Errorf(ECONFLICT, "err.merge_undone")
	}
	if now.Sub(m.At) > MergeUndoWindow {
		return Errorf(ECONFLICT, "err.merge_undo_expired")
	}
	return nil
}

// CandidateReason says why two persons may be one.
type CandidateReason string

const (
	// CandidatePhoneName: the same phone and a similar name.
	CandidatePhoneName CandidateReason = "phone_name"
	// CandidateNameBirth: the same name and the same birth date in two
	// different ID numbers (a typo in the number).
	CandidateNameBirth CandidateReason = "name_birth"
	// CandidateNameMismatch: an ID number arrived under another name
	// (MarkNameMismatch) and a person of that other name has the phone.
	CandidateNameMismatch CandidateReason = "name_mismatch"
)

// CandidateReasons lists the reasons, in the queue's order.
var CandidateReasons = []CandidateReason{CandidateNameBirth, CandidatePhoneName, CandidateNameMismatch}

// CandidateState is where a candidate pair is in the commander's queue.
type CandidateState string

const (
	CandidateOpen      CandidateState = "open"
	CandidateMerged    CandidateState = "merged"
	CandidateDismissed CandidateState = "dismissed"
)

// MergeCandidate is a pair of persons that may be one, PersonA < PersonB.
type MergeCandidate struct {
	ID      int64           `json:"id"`
	PersonA int64           `json:"person_a"`
	PersonB int64           `json:"person_b"`
	Reason  CandidateReason `json:"reason"`
	State   CandidateState  `json:"state"`
	FoundAt time.Time       `json:"found_at"`
	// A, B are the two identities, masked for the queue (filled by the
	// workflow, never stored).
	A *Person `json:"a,omitempty"`
	B *Person `json:"b,omitempty"`
}

// CandidatePair orders a pair's ids.
func CandidatePair(a, b int64) (int64, int64) {
	if a > b {
		return b, a
	}
	return a, b
}

// SimilarNames reports whether two names may be one person's: equal
// after normalising, one within the other (a given name dropped), or one
// character apart (a homophone typed, a character dropped). Empty names
// are never similar.
func SimilarNames(a, b string) bool {
	a, b = strings.ToLower(NormalizeName(a)), strings.ToLower(NormalizeName(b))
	if a == "" || b == "" {
		return false
	}
	if a == b || strings.Contains(a, b) || strings.Contains(b, a) {
		return true
	}
	return editDistanceAtMostOne([]rune(a), []rune(b))
}

// editDistanceAtMostOne reports whether one substitution, insertion or
// deletion turns a into b.
func editDistanceAtMostOne(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i, j, edits := 0, 0, 0
	for i < len(a) && j < len(b) {
		if a[i] == b[j] {
			i, j = i+1, j+1
			continue
		}
		if edits++; edits > 1 {
			return false
		}
		if len(a) == len(b) {
			i++
		}
		j++
	}
	return edits+(len(b)-j)+(len(a)-i) <= 1
}

// SameBirthOtherNumber reports whether two ID numbers differ but encode
// the same birth date (a typo elsewhere in the number).
// BirthKey is the birth date an ID number carries (YYYYMMDD), if it
// carries one: the sweep compares a name's persons of one birth date only.
func BirthKey(id string) (string, bool) {
	if len(id) != 18 {
		return "", false
	}
	if _, ok := idBirthDate([]byte(id)); !ok {
		return "", false
	}
	return id[6:14], true
}

func SameBirthOtherNumber(a, b string) bool {
	if a == "" || b == "" || a == b {
		return false
	}
	da, ok := idBirthDate([]byte(a))
	if !ok {
		return false
	}
	db, ok := idBirthDate([]byte(b))
	return ok && da.Equal(db)
}

// CandidateReasonOf returns why a and b may be one person, if they may:
// checked on the opened identities of a pair the store found sharing a
// phone or a name.
func CandidateReasonOf(a, b Person) (CandidateReason, bool) {
	if a.IDNumber != "" && b.IDNumber != "" && a.IDNumber == b.IDNumber {
		return "", false // one key: the engines never hold two
	}
	if NormalizeName(a.Name) == NormalizeName(b.Name) && SameBirthOtherNumber(a.IDNumber, b.IDNumber) {
		return CandidateNameBirth, true
	}
	if a.Phone != "" && a.Phone == b.Phone && SimilarNames(a.Name, b.Name) {
		if a.IDNumber != "" && b.IDNumber != "" {
			return "", false // two real numbers: relatives sharing a phone
		}
		return CandidatePhoneName, true
	}
	return "", false
}

// MayMerge checks a merge of merged into survivor.
func MayMerge(survivor, merged int64) error {
	if survivor <= 0 {
		return FieldError("survivor", "err.merge_person_missing")
	}
	if merged <= 0 {
		return FieldError("merged", "err.merge_person_missing")
	}
	if survivor == merged {
		return FieldError("merged", "err.merge_same_person")
	}
	return nil
}

// NamesPerson reports whether a column's name says it holds a person's id
// (person_id, or …_person_id): with the foreign keys to persons, how the
// schema test finds the columns PersonLinks must cover.
func NamesPerson(column string) bool {
	return column == "person_id" || strings.HasSuffix(column, "_person_id")
}

// MergeTx merges persons (merge.go). Identities change through
// UpdatePerson; these move the rows that refer to a person.
type MergeTx interface {
	// FindPersonByID returns a person's identity and the person it was
	// merged into (0 when none).
	FindPersonByID(id int64) (*Person, int64, error)
	// TombstonePerson takes a merged person (its identity as stored) out
	// of every lookup and points it at the survivor.
	TombstonePerson(p *Person, into int64) error
	// SetPersonMergedInto clears (into 0) or sets the tombstone's mark.
	SetPersonMergedInto(id, into int64) error
	// MovePersonRows re-points the rows of a link from one person to
	// another and returns their ids (kept: the rows LinkMoveUnique left).
	MovePersonRows(l PersonLink, from, to int64) (moved, kept []int64, err error)
	RestorePersonRows(l PersonLink, ids []int64, to int64) error
	MoveSources(fromLead, toLead int64) ([]int64, error)
	RestoreSources(ids []int64, toLead int64) error
	CreatePersonMerge(m *PersonMerge) error
	FindPersonMerge(id int64, lock bool) (*PersonMerge, error)
	FindPersonMerges(limit, offset int) ([]PersonMerge, int, error)
	SetMergeUndone(id, by int64, at time.Time) error
	AddMergeCandidate(c *MergeCandidate) (bool, error)
	SetCandidateState(a, b int64, state CandidateState) error
	FindMergeCandidateByID(id int64) (*MergeCandidate, error)
	FindMergeCandidates(state CandidateState, limit, offset int) ([]MergeCandidate, int, error)
	// FindPersonGroups returns the live persons that share the blind
	// index of key ("phone" or "name") with another, one group of ids per
	// value, for up to limit values after after (nil: from the first),
	// and the last value read: a sweep reads each person once per key,
	// not once per pair (a common name is shared by thousands).
	FindPersonGroups(key string, after []byte, limit int) (groups [][]int64, last []byte, err error)
	// PersonReferences lists the columns of the schema that refer to a
	// person: a foreign key to persons, or a column named person_id or
	// ending in _person_id. PersonLinks must cover every one.
	PersonReferences() ([]PersonLink, error)
}
