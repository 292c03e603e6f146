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
// report or a reject with its reason.
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

// ImportMatch is what the store knows of an imported identity: the person
// and their open lead (zero when none), with what a row merged into that
// lead needs for its event to reach the lead's watchers: the lead's
// district and the units of its tasks, in task order.
type ImportMatch struct {
	PersonID   int64
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
	// MatchPersons looks many identities up at once (ID number, else phone
	// and name), answering one match per input, in order.
	MatchPersons(ps []Person) ([]ImportMatch, error)
	// ReserveIDs reserves n consecutive ids for new rows of a table
	// ("persons", "leads", "tasks", "sources") and returns the first.
	ReserveIDs(table string, n int) (int64, error)
	// InsertBulk writes the batch's rows, whose ids were reserved.
	InsertBulk(b *BulkBatch) error
}
