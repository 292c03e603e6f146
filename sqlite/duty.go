package sqlite

import (
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/epiloop/epiloop"
)

// UpsertCommandNode creates or replaces a node.
func (tx *Tx) UpsertCommandNode(n *epiloop.CommandNode) error {
	rs, err := jsonText(responsibilitiesOf(n))
	if err != nil {
		return wrap(err, "upsert command node")
	}
	_, err = tx.exec(`INSERT INTO command_nodes (code, kind, name, parent_code, district_code, theme, leader, deputy,
			mandate, responsibilities, updated_at, leader_user_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, name = excluded.name, parent_code = excluded.parent_code,
			district_code = excluded.district_code, theme = excluded.theme, leader = excluded.leader,
			deputy = excluded.deputy, mandate = excluded.mandate, responsibilities = excluded.responsibilities,
			updated_at = excluded.updated_at, leader_user_id = excluded.leader_user_id`,
		n.Code, string(n.Kind), n.Name, n.ParentCode, n.DistrictCode, n.Theme, n.Leader, n.Deputy, n.Mandate, rs,
		millis(n.UpdatedAt), n.LeaderUserID)
	return wrap(err, "upsert command node")
}

func responsibilitiesOf(n *epiloop.CommandNode) []epiloop.Responsibility {
	if n.Responsibilities == nil {
		return []epiloop.Responsibility{}
	}
	return n.Responsibilities
}

const nodeColumns = `code, kind, name, parent_code, district_code, theme, leader, deputy, mandate, responsibilities, updated_at,
	leader_user_id`

func scanNode(s scanner) (epiloop.CommandNode, error) {
	var (
		n       epiloop.CommandNode
		rs      string
		updated sql.NullInt64
	)
	if err := s.Scan(&n.Code, &n.Kind, &n.Name, &n.ParentCode, &n.DistrictCode, &n.Theme, &n.Leader, &n.Deputy,
		&n.Mandate, &rs, &updated, &n.LeaderUserID); err != nil {
		return n, err
	}
	n.UpdatedAt = timeOf(updated)
	return n, json.Unmarshal([]byte(rs), &n.Responsibilities)
}

// FindCommandNodeByCode returns one node.
func (tx *Tx) FindCommandNodeByCode(code string) (*epiloop.CommandNode, error) {
	n, err := scanNode(tx.queryRow(`SELECT `+nodeColumns+` FROM command_nodes WHERE code = ?`, code))
	if err != nil {
		return nil, wrap(noRows(err, "err.duty_node_not_found"), "find command node")
	}
	return &n, nil
}

// FindCommandNodes returns every node, by code.
func (tx *Tx) FindCommandNodes() ([]epiloop.CommandNode, error) {
	rows, err := tx.query(`SELECT ` + nodeColumns + ` FROM command_nodes ORDER BY code`)
	if err != nil {
		return nil, wrap(err, "find command nodes")
	}
	defer rows.Close()
	var out []epiloop.CommandNode
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, wrap(err, "find command nodes")
		}
		out = append(out, n)
	}
	return out, wrap(rows.Err(), "find command nodes")
}

// CreatePost inserts a post and sets its ID; its node must exist.
func (tx *Tx) CreatePost(p *epiloop.Post) error {
	res, err := tx.exec(`INSERT INTO duty_posts (node_code, kind, name, place_code, min_staff, max_staff, front_code, phone)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.NodeCode, string(p.Kind), p.Name, p.PlaceCode, p.MinStaff, p.MaxStaff,
		p.FrontCode, p.Phone)
	if err != nil {
		return wrap(constraintError(err, "err.duty_post_exists", "err.duty_node_not_found"), "create post")
	}
	p.ID, err = res.LastInsertId()
	return wrap(err, "create post")
}

const postColumns = `p.id, p.node_code, p.kind, p.name, p.place_code, p.min_staff, p.max_staff, p.front_code, p.phone`

// FindPostByID returns one post.
func (tx *Tx) FindPostByID(id int64) (*epiloop.Post, error) {
	p, err := scanPostAfter(tx.queryRow(`SELECT `+postColumns+` FROM duty_posts p WHERE p.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.duty_post_not_found"), "find post")
	}
	return &p, nil
}

// FindPosts returns a node's posts, by id.
func (tx *Tx) FindPosts(node string) ([]epiloop.Post, error) {
	rows, err := tx.query(`SELECT `+postColumns+` FROM duty_posts p WHERE p.node_code = ? ORDER BY p.id`, node)
	if err != nil {
		return nil, wrap(err, "find posts")
	}
	defer rows.Close()
	var out []epiloop.Post
	for rows.Next() {
		p, err := scanPostAfter(rows)
		if err != nil {
			return nil, wrap(err, "find posts")
		}
		out = append(out, p)
	}
	return out, wrap(rows.Err(), "find posts")
}

// CreateDutySlots inserts the slots their post does not hold yet.
func (tx *Tx) CreateDutySlots(ss []epiloop.DutySlot) (int, error) {
	n := 0
	for _, s := range ss {
		res, err := tx.exec(`INSERT INTO duty_slots (post_id, start_at, end_at) VALUES (?, ?, ?)
			ON CONFLICT (post_id, start_at) DO NOTHING`, s.PostID, s.Start.UnixMilli(), s.End.UnixMilli())
		if err != nil {
			return n, wrap(constraintError(err, "", "err.duty_post_not_found"), "create duty slots")
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, wrap(err, "create duty slots")
		}
		n += int(k)
	}
	return n, nil
}

const slotColumns = `s.id, s.post_id, s.start_at, s.end_at, ` + postColumns

const slotFrom = ` FROM duty_slots s JOIN duty_posts p ON p.id = s.post_id`

func scanSlot(sc scanner) (epiloop.DutySlot, error) {
	var (
		s          epiloop.DutySlot
		start, end int64
	)
	p, err := scanPostAfter(sc, &s.ID, &s.PostID, &start, &end)
	s.Post, s.Start, s.End = p, timeOf(sql.NullInt64{Int64: start, Valid: true}), timeOf(sql.NullInt64{Int64: end, Valid: true})
	return s, err
}

func scanPostAfter(sc scanner, before ...any) (epiloop.Post, error) {
	var p epiloop.Post
	err := sc.Scan(append(before, &p.ID, &p.NodeCode, &p.Kind, &p.Name, &p.PlaceCode, &p.MinStaff, &p.MaxStaff,
		&p.FrontCode, &p.Phone)...)
	return p, err
}

// FindDutySlotByID loads a slot with its post and persons.
// SQLite runs one write transaction at a time: lock has nothing to add.
func (tx *Tx) FindDutySlotByID(id int64, lock bool) (*epiloop.DutySlot, error) {
	s, err := scanSlot(tx.queryRow(`SELECT `+slotColumns+slotFrom+` WHERE s.id = ?`, id))
	if err != nil {
		return nil, wrap(noRows(err, "err.duty_slot_not_found"), "find duty slot")
	}
	ss := []epiloop.DutySlot{s}
	if err := tx.loadDutyPersons(ss); err != nil {
		return nil, err
	}
	return &ss[0], nil
}

// FindDutySlots returns one page of the slots f selects.
func (tx *Tx) FindDutySlots(f epiloop.DutySlotFilter) ([]epiloop.DutySlot, int, error) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Node != nil {
		conds, args = append(conds, "p.node_code = ?"), append(args, *f.Node)
	}
	if f.Post != nil {
		conds, args = append(conds, "s.post_id = ?"), append(args, *f.Post)
	}
	if f.User != nil {
		conds = append(conds, "s.id IN (SELECT slot_id FROM duty_persons WHERE user_id = ?)")
		args = append(args, *f.User)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "s.end_at > ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "s.start_at < ?"), append(args, f.To.UnixMilli())
	}
	if f.Gaps {
		conds = append(conds, "(SELECT COUNT(*) FROM duty_persons d WHERE d.slot_id = s.id) < p.min_staff")
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := tx.queryRow(`SELECT COUNT(*)`+slotFrom+where, args...).Scan(&total); err != nil {
		return nil, 0, wrap(err, "count duty slots")
	}
	offset := max(f.Offset, 0)
	if offset >= total {
		return nil, total, nil
	}
	rows, err := tx.query(`SELECT `+slotColumns+slotFrom+where+` ORDER BY s.start_at, s.post_id LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), offset)...)
	if err != nil {
		return nil, 0, wrap(err, "find duty slots")
	}
	defer rows.Close()
	var out []epiloop.DutySlot
	for rows.Next() {
		s, err := scanSlot(rows)
		if err != nil {
			return nil, 0, wrap(err, "find duty slots")
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap(err, "find duty slots")
	}
	rows.Close()
	return out, total, tx.loadDutyPersons(out)
}

// loadDutyPersons fills each slot's persons, by user id.
func (tx *Tx) loadDutyPersons(ss []epiloop.DutySlot) error {
	if len(ss) == 0 {
		return nil
	}
	at := map[int64]int{}
	args := make([]any, len(ss))
	for i, s := range ss {
		at[s.ID], args[i] = i, s.ID
		ss[i].Persons = []epiloop.DutyPerson{}
	}
	rows, err := tx.query(`SELECT d.slot_id, d.user_id, u.name, d.checked_in_at, d.checked_out_at
		FROM duty_persons d JOIN users u ON u.id = d.user_id
		WHERE d.slot_id IN (?`+strings.Repeat(", ?", len(ss)-1)+`) ORDER BY d.slot_id, d.user_id`, args...)
	if err != nil {
		return wrap(err, "find duty persons")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			slot    int64
			p       epiloop.DutyPerson
			in, out sql.NullInt64
		)
		if err := rows.Scan(&slot, &p.UserID, &p.Name, &in, &out); err != nil {
			return wrap(err, "find duty persons")
		}
		p.CheckedInAt, p.CheckedOutAt = timePtrOf(in), timePtrOf(out)
		ss[at[slot]].Persons = append(ss[at[slot]].Persons, p)
	}
	return wrap(rows.Err(), "find duty persons")
}

// AddDutyPerson assigns a user to a slot.
func (tx *Tx) AddDutyPerson(slotID, userID int64) error {
	_, err := tx.exec(`INSERT INTO duty_persons (slot_id, user_id) VALUES (?, ?)`, slotID, userID)
	return wrap(constraintError(err, "err.duty_already_assigned", "err.duty_slot_not_found"), "add duty person")
}

// RemoveDutyPerson unassigns a user from a slot.
func (tx *Tx) RemoveDutyPerson(slotID, userID int64) error {
	err := tx.execOne("err.duty_not_assigned", `DELETE FROM duty_persons WHERE slot_id = ? AND user_id = ?`, slotID, userID)
	return wrap(err, "remove duty person")
}

// SetDutyCheck records a person's check-in and check-out.
func (tx *Tx) SetDutyCheck(slotID int64, p epiloop.DutyPerson) error {
	err := tx.execOne("err.duty_not_assigned", `UPDATE duty_persons SET checked_in_at = ?, checked_out_at = ?
		WHERE slot_id = ? AND user_id = ?`, millisPtr(p.CheckedInAt), millisPtr(p.CheckedOutAt), slotID, p.UserID)
	return wrap(err, "set duty check")
}
