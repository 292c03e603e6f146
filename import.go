package epiloop

import "time"

// Import statuses.
const (
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// Import is one bulk file taken in. It is keyed by the fingerprint of the
// file's content, so the same file under another name is the same import:
// importing it again creates nothing, and an import interrupted by a crash
// resumes from NextRow with the counts it had committed.
type Import struct {
	ID          int64      `json:"id"`
	Fingerprint string     `json:"fingerprint"`
	Name        string     `json:"name"`
	Source      SourceKind `json:"source"`
	Ref         string     `json:"ref,omitempty"`
	Status      string     `json:"status"`
	Format      string     `json:"format,omitempty"`
	Encoding    string     `json:"encoding,omitempty"`
	// Headers are the file's column headers, for its rejects report.
	Headers []string `json:"headers,omitempty"`
	// NextRow is the first data row not yet committed (rows count from 1
	// after the header).
	NextRow   int          `json:"next_row"`
	Counts    ImportCounts `json:"counts"`
	Error     string       `json:"error,omitempty"`
	CreatedBy int64        `json:"created_by,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
}

// ImportRow is one data row of a file as intake read it: either a valid
// report, perhaps with warnings, or a reject with its reason.
type ImportRow struct {
	// Line is the row's number in the file (1 = the first data row).
	Line   int
	Cells  []string
	Reject *ImportReject
	Person Person
	// Address, Reason and Ref are the report's; Ref names the row's own
	// lineage (train and seat, plate).
	Address string
	Reason  Reason
	Ref     string
	// Warnings are what of a valid row was taken in as written (see
	// ImportWarning); the import adds its own (WarningNameMismatch) and
	// numbers them.
	Warnings []ImportWarning
	// NameColumn is the index of the file's name column, -1 when it has
	// none: the column of a WarningNameMismatch.
	NameColumn int
}

// ImportCounts are the figures an import reports.
type ImportCounts struct {
	Rows         int `json:"rows"`
	Accepted     int `json:"accepted"`
	Rejected     int `json:"rejected"`
	Merged       int `json:"merged"`
	LeadsCreated int `json:"leads_created"`
	TasksCreated int `json:"tasks_created"`
	Unroutable   int `json:"unroutable"`
	// Warnings counts the warnings of accepted rows (a row may have
	// several): the lines of the report's warnings section.
	Warnings int `json:"warnings"`
	// VolunteersCreated counts the volunteers a volunteer list added to
	// the pool (its Merged, the rows already in it).
	VolunteersCreated int `json:"volunteers_created,omitempty"`
}

// Add adds other's counts to c.
func (c *ImportCounts) Add(o ImportCounts) {
	c.Rows += o.Rows
	c.Accepted += o.Accepted
	c.Rejected += o.Rejected
	c.Merged += o.Merged
	c.LeadsCreated += o.LeadsCreated
	c.TasksCreated += o.TasksCreated
	c.Unroutable += o.Unroutable
	c.Warnings += o.Warnings
	c.VolunteersCreated += o.VolunteersCreated
}

// ImportReject is a row an import refused, with its original cells and a
// reason a clerk understands.
type ImportReject struct {
	Row   int      `json:"row"`
	Cells []string `json:"cells"`
	Code  string   `json:"code"`
	// Column is the index of the cell at fault, -1 for the whole row.
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// ImportWarning is an accepted row the import's report lists apart from
// the rejects, with the same row number and column: a secondary field
// (origin, arrival date, train, seat, plate) that did not parse and was
// kept as written, or an ID number that arrived under another name than
// the person's (merged and marked, never silently). A row that identifies
// a person and says where to find them is never lost for such a field.
type ImportWarning struct {
	Row int `json:"row"`
	// Seq orders the warnings of one row, from 0.
	Seq   int      `json:"seq"`
	Cells []string `json:"cells"`
	Code  string   `json:"code"`
	// Column is the index of the cell at fault, -1 for the whole row.
	Column int `json:"column"`
	// Message is the warning in Chinese, after the column's header, as a
	// reject's message is (WarningMessage).
	Message string `json:"message"`
}

// Warning codes. The codes are stable: reports and translations
// ("warning." + code, WarningKey) key on them.
const (
	// WarningOriginUnknown: the origin is neither a division nor a
	// country intake knows; Reason.Origin holds it as written, and it
	// matches no risk area.
	WarningOriginUnknown = "origin_unknown"
	// WarningArrivalDate: the arrival date is not a calendar date
	// (2月30日); the reason has no date, and the note keeps the text.
	WarningArrivalDate = "arrival_date_invalid"
	// WarningTooLong: a train, seat or plate longer than any is; kept,
	// cut to MaxKeptBytes.
	WarningTooLong = "field_too_long"
	// WarningEncoding: a seat with characters a mixed encoding left.
	WarningEncoding = "encoding_invalid"
	// WarningNameMismatch: the ID number is known under another name;
	// the row was merged and the lead marked (MarkNameMismatch).
	WarningNameMismatch = MarkNameMismatch
)

// MaxKeptBytes is how much of a secondary field that did not parse an
// import keeps as written: the length of a source's reference.
const MaxKeptBytes = 200

// WarningKey returns the catalogue key of a warning code's message.
func WarningKey(code string) string { return "warning." + code }

// WarningMessage returns a warning's message as an import stores it: in
// Chinese, after the header of the column at fault, as rejects have it.
func WarningMessage(code, header string) string {
	msg := T(LangZH, WarningKey(code))
	if header != "" {
		msg = header + "：" + msg
	}
	return msg
}

// ImportMatch is what the store knows of an imported identity: the person
// and their open lead (zero when none), with what a row merged into that
// lead needs for its event to reach the lead's watchers: the lead's
// district and the units of its tasks, in task order.
type ImportMatch struct {
	PersonID int64
	// Name is the person's name as recorded (opened), for a match by ID
	// number: a row under another name is merged and marked. It is ""
	// for a match by phone and name.
	Name       string
	OpenLeadID int64
	Priority   Priority
	District   string
	Units      []string
}

// BulkBatch is one transaction's worth of new rows, with ids reserved by
// the store: the bulk path's only writes besides sources merged into
// existing leads.
type BulkBatch struct {
	Persons  []*Person
	Leads    []*Lead
	Tasks    []*Task
	Sources  []BulkSource
	Events   []*Event
	Counters []CounterDelta
}

// BulkSource is a source of a lead, new or existing.
type BulkSource struct {
	LeadID int64
	Source *Source
}

// ImportTx stores imports and writes in bulk.
type ImportTx interface {
	CreateImport(im *Import) error
	UpdateImport(im *Import) error
	// FindImportByID returns an import; with lock it is locked for update
	// until the transaction ends.
	FindImportByID(id int64, lock bool) (*Import, error)
	FindImportByFingerprint(fp string) (*Import, error)
	AddImportRejects(importID int64, rs []ImportReject) error
	FindImportRejects(importID int64, afterRow int, limit int) ([]ImportReject, error)
	// AddImportWarnings stores accepted rows' warnings, their cells
	// sealed as rejects' are.
	AddImportWarnings(importID int64, ws []ImportWarning) error
	// FindImportWarnings returns warnings after (afterRow, afterSeq) in
	// row and seq order; a negative limit is no limit.
	FindImportWarnings(importID int64, afterRow, afterSeq int, limit int) ([]ImportWarning, error)
	// PurgeImportWarnings deletes the warnings (their cells: names, ID
	// numbers, phones) of imports that ended before cutoff, as
	// PurgeImportRejects deletes rejects, and returns how many.
	PurgeImportWarnings(cutoff time.Time) (int, error)
	// MatchPersons looks many identities up at once (ID number, else phone
	// and name), answering one match per input, in order.
	MatchPersons(ps []Person) ([]ImportMatch, error)
	// ReserveIDs reserves n consecutive ids for new rows of a table
	// ("persons", "leads", "tasks", "sources") and returns the first.
	ReserveIDs(table string, n int) (int64, error)
	// InsertBulk writes the batch's rows, whose ids were reserved.
	InsertBulk(b *BulkBatch) error
}
