package postgres

import (
	"strings"
	"time"

	"github.com/epiloop/epiloop"
	"github.com/epiloop/epiloop/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// taskColumns reads a task with its unit. The join is LEFT so that a unit
// row gone missing could never hide a task.
const taskColumns = `t.id, t.lead_id, t.round, t.side, t.unit_code, t.status, t.priority, t.district_code,
	t.accept_by, t.feedback_by, t.escalate_at, t.escalation, t.return_reason, t.feedback,
	t.created_at, t.accepted_at, t.submitted_at,
	un.code, un.kind, un.name, un.district_code`

const taskFrom = ` FROM tasks t LEFT JOIN units un ON un.code = t.unit_code`

// openTask is the condition of an open task, spelt as in the partial index.
var openTask = epiloop.OpenTaskSQL("t.status")

// openLead is epiloop's open-lead rule on the leads l.
var openLead = epiloop.OpenLeadSQL("l.status")

func (tx *Tx) scanTask(s scanner) (*epiloop.Task, error) {
	var (
		t                                   epiloop.Task
		acceptBy, feedbackBy, escalateAt    pgtype.Timestamptz
		created, accepted, submitted        pgtype.Timestamptz
		feedback                            epiloop.JSONColumn
		unitCode, unitKind, unitName, unitD pgtype.Text
	)
	if err := s.Scan(&t.ID, &t.LeadID, &t.Round, &t.Side, &t.UnitCode, &t.Status, &t.Priority, &t.DistrictCode,
		&acceptBy, &feedbackBy, &escalateAt, &t.Escalation, tx.opened(&t.ReturnReason), tx.openedJSON(&feedback),
		&created, &accepted, &submitted,
		&unitCode, &unitKind, &unitName, &unitD); err != nil {
		return nil, err
	}
	var err error
	if t.Feedback, err = feedbackOf(feedback); err != nil {
		return nil, err
	}
	t.AcceptBy, t.FeedbackBy, t.EscalateAt = timeOf(acceptBy), timeOf(feedbackBy), timeOf(escalateAt)
	t.CreatedAt, t.AcceptedAt, t.SubmittedAt = timeOf(created), timePtrOf(accepted), timePtrOf(submitted)
	if unitCode.Valid {
		t.Unit = &epiloop.Unit{Code: unitCode.String, Kind: epiloop.UnitKind(unitKind.String),
			Name: unitName.String, DistrictCode: unitD.String}
	}
	return &t, nil
}

func (tx *Tx) collectTasks(rows pgx.Rows) ([]*epiloop.Task, error) {
	return collect(rows, func(r pgx.CollectableRow) (*epiloop.Task, error) { return tx.scanTask(r) })
}

// taskValues returns the task's mutable columns in the order round, side,
// unit_code, status, priority, district_code, accept_by, feedback_by,
// escalate_at, escalation, return_reason, feedback, accepted_at,
// submitted_at.
func (tx *Tx) taskValues(t *epiloop.Task) ([]any, error) {
	feedback, err := tx.sealedFeedback(t.Feedback)
	if err != nil {
		return nil, err
	}
	return []any{t.Round, string(t.Side), t.UnitCode, string(t.Status), string(t.Priority), t.DistrictCode,
		ts(t.AcceptBy), ts(t.FeedbackBy), ts(t.EscalateAt), t.Escalation, tx.sealed(t.ReturnReason),
		feedback, tsPtr(t.AcceptedAt), tsPtr(t.SubmittedAt)}, nil
}

// CreateTask inserts t and sets its ID. Its lead and unit must exist.
func (tx *Tx) CreateTask(t *epiloop.Task) error {
	vals, err := tx.taskValues(t)
	if err != nil {
		return wrap(err, "create task")
	}
	err = tx.queryRow(`INSERT INTO tasks (round, side, unit_code, status, priority, district_code,
			accept_by, feedback_by, escalate_at, escalation, return_reason, feedback, accepted_at,
			submitted_at, lead_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		append(vals, t.LeadID, ts(t.CreatedAt))...).Scan(&t.ID)
	return wrap(constraintError(err, "err.task_already_exists", "err.lead_or_unit_not_found"), "create task")
}

// UpdateTask writes every field of t but its ID, lead and creation time.
func (tx *Tx) UpdateTask(t *epiloop.Task) error {
	vals, err := tx.taskValues(t)
	if err != nil {
		return wrap(err, "update task")
	}
	check := oneRow("err.task_not_found")
	tx.deferWrite(func(tag pgconn.CommandTag, err error) error {
		return wrap(constraintError(check(tag, err), "err.task_already_exists", "err.unit_not_found"), "update task")
	}, `UPDATE tasks SET round = $1, side = $2, unit_code = $3, status = $4,
			priority = $5, district_code = $6, accept_by = $7, feedback_by = $8, escalate_at = $9,
			escalation = $10, return_reason = $11, feedback = $12, accepted_at = $13, submitted_at = $14
		WHERE id = $15`, append(vals, t.ID)...)
	return nil
}

// FindTaskByID returns one task with its unit.
func (tx *Tx) FindTaskByID(id int64) (*epiloop.Task, error) {
	t, err := tx.scanTask(tx.queryRow(`SELECT `+taskColumns+taskFrom+` WHERE t.id = $1`, id))
	return t, wrap(noRows(err, "err.task_not_found"), "find task")
}

// FindTasks returns one page of the tasks f selects and the total: open
// tasks first, the most urgent deadline (accept while pushed, feedback
// while accepted) first, then the others, each by ID.
func (tx *Tx) FindTasks(f epiloop.TaskFilter) ([]*epiloop.Task, int, error) {
	var tasks []*epiloop.Task
	total, err := tx.findTasks(f, taskColumns+taskFrom, func(s scanner) error {
		t, err := tx.scanTask(s)
		tasks = append(tasks, t)
		return err
	})
	return tasks, total, err
}

// FindTasksWithLeads returns the page FindTasks returns and each task's
// lead with its person (not its tasks or sources), in one statement.
func (tx *Tx) FindTasksWithLeads(f epiloop.TaskFilter) ([]*epiloop.Task, []*epiloop.Lead, int, error) {
	var (
		tasks []*epiloop.Task
		leads []*epiloop.Lead
	)
	total, err := tx.findTasks(f, taskColumns+`, `+leadColumns+taskFrom+`
		JOIN leads l ON l.id = t.lead_id JOIN persons p ON p.id = l.person_id`, func(s scanner) error {
		t, l, err := sqlstore.ScanJoined(s, tx.scanTask, tx.scanLead)
		tasks, leads = append(tasks, t), append(leads, l)
		return err
	})
	return tasks, leads, total, err
}

// findTasks selects, from selectFrom, the page of the tasks f selects,
// hands each row to scan, and returns their total. A total in a counter
// (f.TotalCounter) rides on the page's rows: an empty page reads it alone.
func (tx *Tx) findTasks(f epiloop.TaskFilter, selectFrom string, scan func(scanner) error) (int, error) {
	var (
		conds = []string{"TRUE"}
		a     args
	)
	if f.Unit != nil {
		conds = append(conds, "t.unit_code = "+a.add(*f.Unit))
	}
	if f.Status != nil {
		conds = append(conds, "t.status = "+a.add(string(*f.Status)))
	}
	if f.Open {
		conds = append(conds, openTask)
	}
	if f.District != nil {
		conds = append(conds, "t.district_code = "+a.add(*f.District))
	}
	where := strings.Join(conds, " AND ")
	var total int
	counted := f.Total == nil && f.TotalCounter != nil
	switch {
	case f.Total != nil:
		total = *f.Total
	case counted:
		selectFrom = `(SELECT COALESCE(SUM(n), 0)::bigint FROM counters WHERE scope = ` + a.add(f.TotalCounter.Scope) +
			` AND metric = ` + a.add(f.TotalCounter.Metric) + `), ` + selectFrom
	default:
		if err := tx.queryRow(`SELECT COUNT(*) FROM tasks t WHERE `+where, a...).Scan(&total); err != nil {
			return 0, wrap(err, "count tasks")
		}
	}
	offset := max(f.Offset, 0)
	if !counted && offset >= total {
		return total, nil
	}
	rows, err := tx.query(`SELECT `+selectFrom+` WHERE `+where+`
		ORDER BY `+taskOrder(f)+`
		LIMIT `+a.add(epiloop.PageLimit(f.Limit))+` OFFSET `+a.add(offset), a...)
	if err != nil {
		return 0, wrap(err, "find tasks")
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		s := scanner(rows)
		if counted {
			s = sqlstore.Prefixed(rows, &total)
		}
		if err := scan(s); err != nil {
			return 0, wrap(err, "find tasks")
		}
	}
	if err := rows.Err(); err != nil {
		return 0, wrap(err, "find tasks")
	}
	if counted && n == 0 {
		c, err := tx.findCounters("counters", f.TotalCounter.Scope)
		if err != nil {
			return 0, wrap(err, "find tasks")
		}
		total = int(c[f.TotalCounter.Metric])
	}
	return total, nil
}

// taskOrder orders a task list: open tasks first, the most urgent
// deadline first. A list of open tasks only is ordered by the deadline
// expression alone, exactly as the tasks_open index is, so a unit's open
// tasks come from the index without sorting however many it holds.
func taskOrder(f epiloop.TaskFilter) string {
	due := epiloop.DeadlineSQL()
	if f.Open {
		return due + `, t.id`
	}
	return `NOT ` + openTask + `, ` + due + ` NULLS LAST, t.id`
}

// FindDueTasks returns open tasks whose next escalation is due at now, the
// longest due first; limit defaults to 50 and is at most 1000.
func (tx *Tx) FindDueTasks(now time.Time, limit int) ([]*epiloop.Task, error) {
	rows, err := tx.query(`SELECT `+taskColumns+taskFrom+`
		WHERE `+openTask+` AND t.escalate_at <= $1
		ORDER BY t.escalate_at, t.id LIMIT $2`, msUTC(now), epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find due tasks")
	}
	tasks, err := tx.collectTasks(rows)
	return tasks, wrap(err, "find due tasks")
}

// CreateEscalation records that a task reached a level on a deadline. It
// reports false when that was already recorded: by this transaction, or by
// another one (on another replica) that committed first — a concurrent
// insert of the same key waits for the other transaction and then does
// nothing.
func (tx *Tx) CreateEscalation(e *epiloop.Escalation) (bool, error) {
	tag, err := tx.exec(`INSERT INTO escalations (task_id, deadline, level, at, district) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (task_id, deadline, level) DO NOTHING`, e.TaskID, msUTC(e.Deadline), e.Level, msUTC(e.At), e.District)
	if err != nil {
		return false, wrap(constraintError(err, "err.escalation_already_exists", "err.task_not_found"), "create escalation")
	}
	return tag.RowsAffected() == 1, nil
}

// FindEscalations returns escalations in key order after the key of after.
func (tx *Tx) FindEscalations(after *epiloop.Escalation, limit int) ([]*epiloop.Escalation, error) {
	key := epiloop.Escalation{Deadline: time.Unix(0, 0)}
	if after != nil {
		key = *after
	}
	rows, err := tx.query(`SELECT task_id, deadline, level, at, district FROM escalations
		WHERE (task_id, deadline, level) > ($1, $2, $3) ORDER BY task_id, deadline, level LIMIT $4`,
		key.TaskID, msUTC(key.Deadline), key.Level, epiloop.PageLimit(limit))
	if err != nil {
		return nil, wrap(err, "find escalations")
	}
	out, err := collect(rows, func(row pgx.CollectableRow) (*epiloop.Escalation, error) {
		var e epiloop.Escalation
		err := row.Scan(&e.TaskID, &e.Deadline, &e.Level, &e.At, &e.District)
		e.Deadline, e.At = e.Deadline.UTC(), e.At.UTC()
		return &e, err
	})
	return out, wrap(err, "find escalations")
}

// findTasksOfLeads loads the tasks of several leads in one query, each
// lead's in ID order.
func (tx *Tx) findTasksOfLeads(ids []int64) (map[int64][]*epiloop.Task, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.query(`SELECT `+taskColumns+taskFrom+` WHERE t.lead_id = ANY($1) ORDER BY t.id`, ids)
	if err != nil {
		return nil, err
	}
	tasks, err := tx.collectTasks(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]*epiloop.Task, len(ids))
	for _, t := range tasks {
		out[t.LeadID] = append(out[t.LeadID], t)
	}
	return out, nil
}
