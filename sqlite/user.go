package sqlite

import (
	"database/sql"
	"time"

	"github.com/epiloop/epiloop"
)

const userColumns = `u.id, u.name, u.role, u.unit_code, u.district_code, u.disabled, u.password_hash, u.created_at, u.failed_logins, u.locked_until`

func scanUser(s scanner) (*epiloop.User, error) {
	var u epiloop.User
	var created, locked sql.NullInt64
	if err := s.Scan(&u.ID, &u.Name, &u.Role, &u.UnitCode, &u.DistrictCode, &u.Disabled, &u.PasswordHash, &created,
		&u.FailedLogins, &locked); err != nil {
		return nil, err
	}
	u.CreatedAt, u.LockedUntil = timeOf(created), timeOf(locked)
	return &u, nil
}

// CreateUser inserts u and sets its ID. A taken name is ECONFLICT.
func (tx *Tx) CreateUser(u *epiloop.User) error {
	res, err := tx.exec(`INSERT INTO users (name, role, unit_code, district_code, disabled, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Name, string(u.Role), u.UnitCode, u.DistrictCode, u.Disabled, u.PasswordHash, millis(u.CreatedAt))
	if err != nil {
		return wrap(constraintError(err, "err.user_name_already_taken", ""), "create user")
	}
	u.ID, err = res.LastInsertId()
	return wrap(err, "create user")
}

// UpdateUser writes every field of u but its ID and creation time.
func (tx *Tx) UpdateUser(u *epiloop.User) error {
	err := tx.execOne("err.user_not_found", `UPDATE users SET name = ?, role = ?, unit_code = ?, district_code = ?,
			disabled = ?, password_hash = ?, failed_logins = ?, locked_until = ?
		WHERE id = ?`,
		u.Name, string(u.Role), u.UnitCode, u.DistrictCode, u.Disabled, u.PasswordHash,
		u.FailedLogins, millis(u.LockedUntil), u.ID)
	return wrap(constraintError(err, "err.user_name_already_taken", ""), "update user")
}

// FindUserByID returns one user.
// LockUser returns one user; SQLite's one writer already serialises the
// write transactions that call it.
func (tx *Tx) LockUser(id int64) (*epiloop.User, error) { return tx.FindUserByID(id) }

func (tx *Tx) FindUserByID(id int64) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users u WHERE u.id = ?`, id))
	return u, wrap(noRows(err, "err.user_not_found"), "find user")
}

// FindUserByName returns one user.
func (tx *Tx) FindUserByName(name string) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users u WHERE u.name = ?`, name))
	return u, wrap(noRows(err, "err.user_not_found"), "find user")
}

// FindUsers returns every user by ID.
func (tx *Tx) FindUsers() ([]*epiloop.User, error) {
	rows, err := tx.query(`SELECT ` + userColumns + ` FROM users u ORDER BY u.id`)
	if err != nil {
		return nil, wrap(err, "find users")
	}
	defer rows.Close()
	var out []*epiloop.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap(err, "find users")
		}
		out = append(out, u)
	}
	return out, wrap(rows.Err(), "find users")
}

// CreateSession stores a session by the hash of its secret. Every session
// expires: a zero expires is already past. An unknown user is ENOTFOUND.
func (tx *Tx) CreateSession(hash []byte, userID int64, expires time.Time) error {
	_, err := tx.exec(`INSERT INTO sessions (hash, user_id, expires_at) VALUES (?, ?, ?)`,
		hash, userID, expires.UnixMilli())
	return wrap(constraintError(err, "err.session_already_exists", "err.user_not_found"), "create session")
}

// FindUserBySession returns the user of a session that has not expired at
// now. An expired or unknown session, or a disabled user, is ENOTFOUND.
func (tx *Tx) FindUserBySession(hash []byte, now time.Time) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = ? AND s.expires_at > ? AND u.disabled = 0`, hash, now.UnixMilli()))
	return u, wrap(noRows(err, "err.session_not_found"), "find session")
}

// DeleteSession ends a session; ending one that does not exist is not an
// error (logging out twice is logging out).
func (tx *Tx) DeleteSession(hash []byte) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE hash = ?`, hash)
	return wrap(err, "delete session")
}

// CreateToken stores a bearer token by the hash of its secret; a zero
// expires means the token does not expire. An unknown user is ENOTFOUND.
func (tx *Tx) CreateToken(hash []byte, userID int64, expires time.Time) error {
	_, err := tx.exec(`INSERT INTO tokens (hash, user_id, expires_at) VALUES (?, ?, ?)`,
		hash, userID, millis(expires))
	return wrap(constraintError(err, "err.token_already_exists", "err.user_not_found"), "create token")
}

// FindUserByToken returns the user of a token that has not expired at now.
// An expired or unknown token, or a disabled user, is ENOTFOUND.
func (tx *Tx) FindUserByToken(hash []byte, now time.Time) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?) AND u.disabled = 0`, hash, now.UnixMilli()))
	return u, wrap(noRows(err, "err.token_not_found"), "find token")
}

// DeleteUserSessions ends every session of a user.
func (tx *Tx) DeleteUserSessions(userID int64) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE user_id = ?`, userID)
	return wrap(err, "delete sessions")
}

// DeleteUserTokens revokes every bearer token of a user.
func (tx *Tx) DeleteUserTokens(userID int64) error {
	_, err := tx.exec(`DELETE FROM tokens WHERE user_id = ?`, userID)
	return wrap(err, "delete tokens")
}
