package sqlstore

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/epiloop/epiloop"
)

// The hand-over between cities (epiloop/xcity.go, peer.go).

// UpsertPeer adds a peer or replaces the one of its city.
func (s Store) UpsertPeer(p *epiloop.Peer) error {
	n, err := s.c.Exec(`UPDATE xcity_peers SET name = ?, url = ?, pubkey = ? WHERE city = ?`, p.Name, p.URL, p.Key, p.City)
	if err != nil || n > 0 {
		return wrap(err, "upsert peer")
	}
	_, err = s.c.Exec(`INSERT INTO xcity_peers (city, name, url, pubkey, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.City, p.Name, p.URL, p.Key, p.CreatedAt)
	return wrap(s.c.Constraint(err, "err.xcity_peer_exists", ""), "upsert peer")
}

const peerColumns = `city, name, url, pubkey, created_at`

func scanPeer(sc Row) (epiloop.Peer, error) {
	var p epiloop.Peer
	err := sc.Scan(&p.City, &p.Name, &p.URL, &p.Key, &p.CreatedAt)
	return p, err
}

// FindPeer returns the peer of a city.
func (s Store) FindPeer(city string) (*epiloop.Peer, error) {
	p, err := scanPeer(s.c.QueryRow(`SELECT `+peerColumns+` FROM xcity_peers WHERE city = ?`, city))
	if err != nil {
		return nil, wrap(noRows(err, "err.xcity_peer_not_found"), "find peer")
	}
	return &p, nil
}

// FindPeers returns every peer by city code.
func (s Store) FindPeers() ([]epiloop.Peer, error) {
	rows, err := s.c.Query(`SELECT ` + peerColumns + ` FROM xcity_peers ORDER BY city`)
	out, err := collect(rows, err, func(r Rows) (epiloop.Peer, error) { return scanPeer(r) })
	return out, wrap(err, "find peers")
}

// DeletePeer removes a peer; its hand-overs stay.
func (s Store) DeletePeer(city string) error {
	return wrap(s.execOne("err.xcity_peer_not_found", `DELETE FROM xcity_peers WHERE city = ?`, city), "delete peer")
}

const handoverColumns = `h.id, h.direction, h.message_id, h.peer_city, h.state, h.lead_id, h.remote_lead, h.district_code,
	h.person, h.reason, h.destination, h.refusal, h.result, h.created_at, h.updated_at`

func (s Store) scanHandover(sc Row) (*epiloop.XCityHandover, error) {
	var (
		h                     epiloop.XCityHandover
		person, reason, resul string
	)
	err := sc.Scan(&h.ID, &h.Direction, &h.MessageID, &h.PeerCity, &h.State, &h.LeadID, &h.RemoteLead, &h.DistrictCode,
		s.opened(&person), s.opened(&reason), s.opened(&h.Destination), s.opened(&h.Refusal), &resul, &h.CreatedAt, &h.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if err := fromJSON(person, &h.Person); err != nil {
		return nil, err
	}
	if err := fromJSON(reason, &h.Reason); err != nil {
		return nil, err
	}
	if resul != "" {
		h.Result = &epiloop.XCityResult{}
		if err := fromJSON(resul, h.Result); err != nil {
			return nil, err
		}
	}
	return &h, nil
}

func resultText(r *epiloop.XCityResult) (string, error) {
	if r == nil {
		return "", nil
	}
	return jsonText(r)
}

// CreateXCityHandover records a hand-over.
func (s Store) CreateXCityHandover(h *epiloop.XCityHandover) error {
	person, err := s.sealedJSON(h.Person)
	if err != nil {
		return err
	}
	reason, err := s.sealedJSON(h.Reason)
	if err != nil {
		return err
	}
	res, err := resultText(h.Result)
	if err != nil {
		return err
	}
	h.ID, err = s.insert(`INSERT INTO xcity_handovers (direction, message_id, peer_city, state, lead_id, remote_lead,
		district_code, person, reason, destination, refusal, result, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Direction, h.MessageID, h.PeerCity, h.State, h.LeadID, h.RemoteLead, h.DistrictCode, person, reason,
		s.sealed(h.Destination), s.sealed(h.Refusal), res, h.CreatedAt, h.UpdatedAt)
	return wrap(s.c.Constraint(err, "err.xcity_duplicate", ""), "create hand-over")
}

// UpdateXCityHandover writes a hand-over's changing fields.
func (s Store) UpdateXCityHandover(h *epiloop.XCityHandover) error {
	res, err := resultText(h.Result)
	if err != nil {
		return err
	}
	return wrap(s.execOne("err.xcity_not_found", `UPDATE xcity_handovers SET state = ?, lead_id = ?, remote_lead = ?,
		district_code = ?, refusal = ?, result = ?, updated_at = ? WHERE id = ?`,
		h.State, h.LeadID, h.RemoteLead, h.DistrictCode, s.sealed(h.Refusal), res, h.UpdatedAt, h.ID), "update hand-over")
}

func (s Store) findHandover(where string, lock bool, args ...any) (*epiloop.XCityHandover, error) {
	h, err := s.scanHandover(s.c.QueryRow(`SELECT `+handoverColumns+` FROM xcity_handovers h WHERE `+where+s.c.ForUpdate(lock, "h"), args...))
	return h, wrap(noRows(err, "err.xcity_not_found"), "find hand-over")
}

// FindXCityHandover loads one hand-over.
func (s Store) FindXCityHandover(id int64, lock bool) (*epiloop.XCityHandover, error) {
	return s.findHandover(`h.id = ?`, lock, id)
}

// FindXCityHandoverByMessage loads the hand-over of a message.
func (s Store) FindXCityHandoverByMessage(d epiloop.XCityDirection, peer, messageID string, lock bool) (*epiloop.XCityHandover, error) {
	return s.findHandover(`h.direction = ? AND h.peer_city = ? AND h.message_id = ?`, lock, d, peer, messageID)
}

// FindXCityHandoverByLead loads the latest hand-over of a local lead.
func (s Store) FindXCityHandoverByLead(d epiloop.XCityDirection, leadID int64, lock bool) (*epiloop.XCityHandover, error) {
	return s.findHandover(`h.lead_id = ? AND h.direction = ? AND h.lead_id > 0 ORDER BY h.id DESC LIMIT 1`, lock, leadID, d)
}

func handoverWhere(f epiloop.XCityFilter) (string, []any) {
	conds := []string{"1 = 1"}
	var args []any
	if f.Direction != nil {
		conds, args = append(conds, "h.direction = ?"), append(args, *f.Direction)
	}
	if f.State != nil {
		conds, args = append(conds, "h.state = ?"), append(args, *f.State)
	}
	if f.District != nil {
		conds, args = append(conds, "h.district_code = ?"), append(args, *f.District)
	}
	return strings.Join(conds, " AND "), args
}

// FindXCityHandovers returns one page of hand-overs, newest first.
func (s Store) FindXCityHandovers(f epiloop.XCityFilter) ([]epiloop.XCityHandover, int, error) {
	where, args := handoverWhere(f)
	total, err := s.c.Count("xcity_handovers h", where, args...)
	if err != nil {
		return nil, 0, wrap(err, "count hand-overs")
	}
	rows, err := s.c.Query(`SELECT `+handoverColumns+` FROM xcity_handovers h WHERE `+where+` ORDER BY h.id DESC LIMIT ? OFFSET ?`,
		append(args, epiloop.PageLimit(f.Limit), max(f.Offset, 0))...)
	out, err := collect(rows, err, func(r Rows) (epiloop.XCityHandover, error) {
		h, err := s.scanHandover(r)
		if err != nil {
			return epiloop.XCityHandover{}, err
		}
		return *h, nil
	})
	return out, total, wrap(err, "find hand-overs")
}

// CountXCity counts hand-overs by direction and state.
func (s Store) CountXCity(district *string) (epiloop.XCityCounts, error) {
	q, args := `SELECT direction, state, COUNT(*) FROM xcity_handovers GROUP BY direction, state`, []any{}
	if district != nil {
		q, args = `SELECT direction, state, COUNT(*) FROM xcity_handovers WHERE district_code = ? GROUP BY direction, state`, []any{*district}
	}
	rows, err := s.c.Query(q, args...)
	if err != nil {
		return nil, wrap(err, "count hand-overs")
	}
	defer rows.Close()
	out := epiloop.XCityCounts{}
	for rows.Next() {
		var (
			d  epiloop.XCityDirection
			st epiloop.XCityState
			n  int
		)
		if err := rows.Scan(&d, &st, &n); err != nil {
			return nil, wrap(err, "count hand-overs")
		}
		if out[d] == nil {
			out[d] = map[epiloop.XCityState]int{}
		}
		out[d][st] = n
	}
	return out, wrap(rows.Err(), "count hand-overs")
}

const messageColumns = `m.id, m.handover_id, m.message_id, m.kind, m.ref, m.peer_city, m.sealed, m.attempts, m.next_at,
	m.claimed_until, m.delivered_at, m.last_error, m.created_at`

func scanMessage(sc Row) (epiloop.XCityMessage, error) {
	var (
		m      epiloop.XCityMessage
		sealed string
	)
	err := sc.Scan(&m.ID, &m.HandoverID, &m.MessageID, &m.Kind, &m.Ref, &m.PeerCity, &sealed, &m.Attempts, &m.NextAt,
		&m.ClaimedUntil, &m.DeliveredAt, &m.LastError, &m.CreatedAt)
	if err != nil {
		return m, err
	}
	m.Sealed, err = base64.StdEncoding.DecodeString(sealed)
	return m, err
}

// CreateXCityMessage queues a message for a peer.
func (s Store) CreateXCityMessage(m *epiloop.XCityMessage) error {
	var err error
	m.ID, err = s.insert(`INSERT INTO xcity_messages (handover_id, message_id, kind, ref, peer_city, sealed, attempts,
		next_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.HandoverID, m.MessageID, m.Kind, m.Ref, m.PeerCity, base64.StdEncoding.EncodeToString(m.Sealed), m.Attempts,
		m.NextAt, m.LastError, m.CreatedAt)
	return wrap(s.c.Constraint(err, "err.xcity_duplicate", "err.xcity_not_found"), "create message")
}

// ClaimXCityMessages leases due messages: each row is taken by a
// conditional UPDATE, so of two replicas claiming together one wins it.
func (s Store) ClaimXCityMessages(now, until time.Time, limit int) ([]epiloop.XCityMessage, error) {
	rows, err := s.c.Query(`SELECT `+messageColumns+` FROM xcity_messages m
		WHERE m.delivered_at IS NULL AND m.next_at <= ? AND (m.claimed_until IS NULL OR m.claimed_until < ?)
		ORDER BY m.next_at, m.id LIMIT ?`, now, now, epiloop.PageLimit(limit))
	due, err := collect(rows, err, func(r Rows) (epiloop.XCityMessage, error) { return scanMessage(r) })
	if err != nil {
		return nil, wrap(err, "claim messages")
	}
	out := due[:0]
	for _, m := range due {
		n, err := s.c.Exec(`UPDATE xcity_messages SET claimed_until = ?
			WHERE id = ? AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)`, until, m.ID, now)
		if err != nil {
			return nil, wrap(err, "claim messages")
		}
		if n == 1 {
			m.ClaimedUntil = &until
			out = append(out, m)
		}
	}
	return out, nil
}

// UpdateXCityMessage writes a message's delivery state.
func (s Store) UpdateXCityMessage(m *epiloop.XCityMessage) error {
	return wrap(s.execOne("err.xcity_not_found", `UPDATE xcity_messages SET attempts = ?, next_at = ?, claimed_until = ?,
		delivered_at = ?, last_error = ? WHERE id = ?`, m.Attempts, m.NextAt, m.ClaimedUntil, m.DeliveredAt, m.LastError, m.ID),
		"update message")
}

// FindXCityMessages returns a hand-over's messages in order.
func (s Store) FindXCityMessages(handoverID int64) ([]epiloop.XCityMessage, error) {
	rows, err := s.c.Query(`SELECT `+messageColumns+` FROM xcity_messages m WHERE m.handover_id = ? ORDER BY m.id`, handoverID)
	out, err := collect(rows, err, func(r Rows) (epiloop.XCityMessage, error) { return scanMessage(r) })
	return out, wrap(err, "find messages")
}

// AddXCityReceipt records a received message's fingerprint.
func (s Store) AddXCityReceipt(peer, messageID, fingerprint string, now time.Time) (replay, seen bool, err error) {
	var n int
	if err := s.c.QueryRow(`SELECT COUNT(*) FROM xcity_receipts WHERE fingerprint = ?`, fingerprint).Scan(&n); err != nil {
		return false, false, wrap(err, "add receipt")
	}
	if n > 0 {
		return true, true, nil
	}
	if err := s.c.QueryRow(`SELECT COUNT(*) FROM xcity_receipts WHERE peer_city = ? AND message_id = ?`, peer, messageID).Scan(&n); err != nil {
		return false, false, wrap(err, "add receipt")
	}
	_, err = s.c.Exec(`INSERT INTO xcity_receipts (fingerprint, peer_city, message_id, received_at) VALUES (?, ?, ?, ?)`,
		fingerprint, peer, messageID, now)
	return false, n > 0, wrap(s.c.Constraint(err, "err.xcity_replay", ""), "add receipt")
}

// PurgeXCity blanks ended hand-overs' personal data and delivered
// messages' bodies before cutoff, and drops older receipts.
func (s Store) PurgeXCity(cutoff time.Time) (int, error) {
	args := []any{cutoff}
	marks := make([]string, len(epiloop.XCityEnded))
	for i, st := range epiloop.XCityEnded {
		marks[i] = "?"
		args = append(args, st)
	}
	n, err := s.c.Exec(`UPDATE xcity_handovers SET person = '', reason = '', destination = '', refusal = ''
		WHERE updated_at < ? AND state IN (`+strings.Join(marks, ", ")+`) AND person <> ''`, args...)
	if err != nil {
		return 0, wrap(err, "purge hand-overs")
	}
	if _, err := s.c.Exec(`UPDATE xcity_messages SET sealed = '' WHERE delivered_at IS NOT NULL AND delivered_at < ? AND sealed <> ''`, cutoff); err != nil {
		return 0, wrap(err, "purge messages")
	}
	_, err = s.c.Exec(`DELETE FROM xcity_receipts WHERE received_at < ?`, cutoff)
	return int(n), wrap(err, "purge receipts")
}
