package epiloop

import (
	"context"
	"time"
)

type bulkContextKey struct{}

// WithBulk marks the write transactions run with ctx as bulk work (an
// import's batch): large, and in no hurry. An engine may commit them apart
// from the transactions that arrive with them.
func WithBulk(ctx context.Context) context.Context {
	return context.WithValue(ctx, bulkContextKey{}, true)
}

// IsBulk reports whether ctx marks bulk work.
func IsBulk(ctx context.Context) bool {
	b, _ := ctx.Value(bulkContextKey{}).(bool)
	return b
}

// Store is the storage contract every engine implements. Workflows run
// their reads and writes inside Update (one write transaction, committed
// durably before it returns) or View (a consistent read snapshot); the
// engine supplies the primitives in Tx. An engine may run fn more than once
// (a busy database, a serialization failure), so fn must have no effects
// outside the transaction; and since both engines commit transactions that
// arrive together as one group, fn must neither call Update nor wait for
// another Update to finish. Times are stored at millisecond precision in
// UTC.
type Store interface {
	Update(ctx context.Context, fn func(tx Tx) error) error
	View(ctx context.Context, fn func(tx Tx) error) error
	// Engine names the engine ("sqlite", "postgres").
	Engine() string
	Close() error
}

// Tx is one transaction's view of the store. Methods return *Error with
// ENOTFOUND for missing rows and ECONFLICT for uniqueness violations.
type Tx interface {
	JurisdictionTx
	UserTx
	LeadTx
	TaskTx
	EventTx
	AuditTx
	RetentionTx
	ImportTx
	CheckpointTx
	ObservationTx
	DutyTx
	HandoverTx
	NoticeTx
	PlaceTx
	PatrolTx
	VolunteerTx
	MergeTx
	StreamTx
	DeskTx
	CaseTx
	DetentionTx
	XCityTx
}

// XCityTx stores the hand-over between cities (xcity.go): the peers, the
// hand-over records, the outbox of messages to peers and the receipts of
// messages received.
type XCityTx interface {
	// UpsertPeer adds a peer or replaces the one of its city.
	UpsertPeer(p *Peer) error
	FindPeer(city string) (*Peer, error)
	FindPeers() ([]Peer, error)
	DeletePeer(city string) error
	CreateXCityHandover(h *XCityHandover) error
	// UpdateXCityHandover writes a hand-over's state, leads, district,
	// refusal and result.
	UpdateXCityHandover(h *XCityHandover) error
	// FindXCityHandover loads one; with lock it is held until the
	// transaction ends.
	FindXCityHandover(id int64, lock bool) (*XCityHandover, error)
	FindXCityHandoverByMessage(d XCityDirection, peer, messageID string, lock bool) (*XCityHandover, error)
	// FindXCityHandoverByLead returns the hand-over of direction d whose
	// local lead is leadID (the latest), ENOTFOUND when none.
	FindXCityHandoverByLead(d XCityDirection, leadID int64, lock bool) (*XCityHandover, error)
	// FindXCityHandovers returns one page, newest first, and the total.
	FindXCityHandovers(f XCityFilter) ([]XCityHandover, int, error)
	// CountXCity counts the hand-overs by direction and state (of one
	// district when district is not nil).
	CountXCity(district *string) (XCityCounts, error)
	CreateXCityMessage(m *XCityMessage) error
	// ClaimXCityMessages leases up to limit undelivered messages due at
	// now that no replica holds, until until: one replica sends each.
	ClaimXCityMessages(now, until time.Time, limit int) ([]XCityMessage, error)
	// UpdateXCityMessage writes a message's attempts, next attempt,
	// lease, delivery and last error.
	UpdateXCityMessage(m *XCityMessage) error
	FindXCityMessages(handoverID int64) ([]XCityMessage, error)
	// AddXCityReceipt records a message received by its fingerprint; it
	// reports whether that fingerprint was seen before (a replay) and
	// whether the message id was (a redelivery).
	AddXCityReceipt(peer, messageID, fingerprint string, now time.Time) (replay, seen bool, err error)
	// PurgeXCity blanks the personal data of the hand-overs ended
	// (XCityEnded) before cutoff and of the messages delivered before it,
	// and drops older receipts; it returns the hand-overs blanked.
	PurgeXCity(cutoff time.Time) (int, error)
}

// JurisdictionTx reads and writes the jurisdiction tree and the units.
type JurisdictionTx interface {
	UpsertDistricts(ds []District) error
	UpsertStreets(ss []Street) error
	UpsertCommunities(cs []Community) error
	UpsertUnits(us []Unit) error
	FindDistricts() ([]District, error)
	FindStreets() ([]Street, error)
	FindCommunities() ([]Community, error)
	FindCommunityByCode(code string) (*Community, error)
	FindUnitByCode(code string) (*Unit, error)
	FindUnits(kind *UnitKind, district *string) ([]Unit, error)
	// SetCommunityStation assigns a community to a police station unit.
	SetCommunityStation(community, station string) error
	// AddAlias teaches the gazetteer: alias text routes to community.
	AddAlias(alias, community string) error
	FindAliases() (map[string]string, error)
}

// UserTx stores users, their sessions and their bearer tokens. Secrets are
// stored hashed; callers pass the hash.
type UserTx interface {
	CreateUser(u *User) error
	UpdateUser(u *User) error
	FindUserByID(id int64) (*User, error)
	// LockUser returns a user and holds the row until the transaction
	// ends, so concurrent sign-ins count their attempts one after the
	// other.
	LockUser(id int64) (*User, error)
	FindUserByName(name string) (*User, error)
	FindUsers() ([]*User, error)
	CreateSession(hash []byte, userID int64, expires time.Time) error
	FindUserBySession(hash []byte, now time.Time) (*User, error)
	DeleteSession(hash []byte) error
	CreateToken(hash []byte, userID int64, expires time.Time) error
	FindUserByToken(hash []byte, now time.Time) (*User, error)
	// DeleteUserSessions ends every session of a user (logout everywhere,
	// a disabled account, a reset password).
	DeleteUserSessions(userID int64) error
	// DeleteUserTokens revokes every bearer token of a user.
	DeleteUserTokens(userID int64) error
}

// LeadTx stores persons, leads and their sources.
type LeadTx interface {
	// FindPerson finds a person by ID number, or by phone and name when
	// the ID number is empty.
	FindPerson(p *Person) (*Person, error)
	CreatePerson(p *Person) error
	UpdatePerson(p *Person) error
	CreateLead(l *Lead) error
	// UpdateLead writes the lead's own fields (not its tasks or sources).
	UpdateLead(l *Lead) error
	// FindLeadByID loads a lead with its person, tasks (with units and
	// feedback) and sources. With lock it is locked for update until the
	// transaction ends, and loaded without its sources: the workflows that
	// change a lead never change or read them.
	FindLeadByID(id int64, lock bool) (*Lead, error)
	// FindLeadByTaskID loads the lead a task belongs to, as FindLeadByID
	// does: a task workflow's one load, instead of the task and then its
	// lead.
	FindLeadByTaskID(taskID int64, lock bool) (*Lead, error)
	// FindOpenLeadByPerson returns the person's open lead (at most one).
	FindOpenLeadByPerson(personID int64, lock bool) (*Lead, error)
	// FindLeads returns one page of leads (without sources) and the total.
	FindLeads(f LeadFilter) ([]*Lead, int, error)
	AddSource(leadID int64, s *Source) error
}

// TaskTx stores tasks and escalations.
type TaskTx interface {
	CreateTask(t *Task) error
	UpdateTask(t *Task) error
	FindTaskByID(id int64) (*Task, error)
	FindTasks(f TaskFilter) ([]*Task, int, error)
	// FindTasksWithLeads returns FindTasks's page and each task's lead
	// with its person (no tasks, no sources), in one statement.
	FindTasksWithLeads(f TaskFilter) ([]*Task, []*Lead, int, error)
	// FindDueTasks returns open tasks whose next escalation is due at now.
	FindDueTasks(now time.Time, limit int) ([]*Task, error)
	// CreateEscalation records one escalation; it reports false when that
	// task already reached that level for that deadline (idempotence across
	// restarts and replicas).
	CreateEscalation(e *Escalation) (bool, error)
	// FindEscalations returns escalations in key order (task, deadline,
	// level) after the key of after (nil: from the first), for the
	// verification of the hourly counters.
	FindEscalations(after *Escalation, limit int) ([]*Escalation, error)
}

// Escalation is one level a task reached on one deadline, with the time it
// was reached and the district the task was in then (its escalation
// counts there in the hourly series).
type Escalation struct {
	TaskID   int64
	Deadline time.Time
	Level    int
	At       time.Time
	District string
}

// EventTx stores events and counters.
type EventTx interface {
	CreateEvent(e *Event) error
	FindEventsAfter(id int64, limit int) ([]*Event, error)
	FindLeadEvents(leadID int64) ([]*Event, error)
	AddCounters(ds []CounterDelta) error
	FindCounters(scope string) (map[string]int64, error)
	// FindCountersOf returns the counters of several scopes in one
	// statement, by scope: every scope asked has a map.
	FindCountersOf(scopes []string) (map[string]map[string]int64, error)
	// AllCounters returns every maintained counter, for verification
	// against a recomputation from the rows.
	AllCounters() (map[CounterKey]int64, error)
	LastEventID() (int64, error)
}

// StreamTx keeps the positions of the publishers that send the event
// outbox to another system (package stream), each with a lease so that
// one replica at a time publishes.
type StreamTx interface {
	// ClaimStream takes, or renews, the lease of the position name for
	// holder until until, creating the position at event 0 when it does
	// not exist; ok is false, and nothing changes, while another holder's
	// lease runs at now. It returns the position as it is after the claim.
	ClaimStream(name, holder string, now, until time.Time) (pos *StreamPosition, ok bool, err error)
	// AdvanceStream moves the position forward to last (never back) and
	// renews the lease until until; ECONFLICT when holder no longer holds
	// the lease (another replica took it over).
	AdvanceStream(name, holder string, last int64, now, until time.Time) error
	// ReleaseStream ends holder's lease, so that another replica takes
	// over at once after a clean stop; it does nothing when holder does
	// not hold it.
	ReleaseStream(name, holder string, now time.Time) error
	// FindStreamPosition returns the position name (ENOTFOUND before its
	// first claim).
	FindStreamPosition(name string) (*StreamPosition, error)
}

// StreamPosition is how far a publisher of the event outbox has got: the
// last event the other system acknowledged, and who holds the lease.
type StreamPosition struct {
	Name        string
	LastEventID int64
	Holder      string
	LeaseUntil  time.Time
	UpdatedAt   time.Time
}

// DutyTx stores the command structure, its posts and the duty roster.
type DutyTx interface {
	// UpsertCommandNode creates or replaces a node (by code).
	UpsertCommandNode(n *CommandNode) error
	FindCommandNodeByCode(code string) (*CommandNode, error)
	// FindCommandNodes returns every node, by code (a city has tens).
	FindCommandNodes() ([]CommandNode, error)
	CreatePost(p *Post) error
	FindPostByID(id int64) (*Post, error)
	// FindPosts returns a node's posts, by id.
	FindPosts(node string) ([]Post, error)
	// CreateDutySlots inserts the slots a post does not hold yet (by
	// start) and reports how many it inserted.
	CreateDutySlots(ss []DutySlot) (int, error)
	// FindDutySlotByID loads a slot with its post and persons; with lock
	// the slot is locked for update until the transaction ends (an
	// assignment counts its persons against the post's maximum).
	FindDutySlotByID(id int64, lock bool) (*DutySlot, error)
	// FindDutySlots returns one page of slots (with post and persons) by
	// start, post, and the total.
	FindDutySlots(f DutySlotFilter) ([]DutySlot, int, error)
	// AddDutyPerson assigns a user to a slot (ECONFLICT when assigned).
	AddDutyPerson(slotID, userID int64) error
	RemoveDutyPerson(slotID, userID int64) error
	// SetDutyCheck records a person's check-in and check-out of a slot.
	SetDutyCheck(slotID int64, p DutyPerson) error
}
