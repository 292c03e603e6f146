package postgres

import (
	"time"

	"github.com/epiloop/epiloop"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

const userColumns = `u.id, u.name, u.role, u.unit_code, u.district_code, u.disabled, u.password_hash, u.created_at,
	u.failed_logins, u.locked_until`

func scanUser(s scanner) (*epiloop.User, error) {
	var (
		u               epiloop.User
		created, locked pgtype.Timestamptz
	)
	if err := s.Scan(&u.ID, &u.Name, &u.Role, &u.UnitCode, &u.DistrictCode, &u.Disabled, &u.PasswordHash, &created,
		&u.FailedLogins, &locked); err != nil {
		return nil, err
	}
	u.CreatedAt, u.LockedUntil = timeOf(created), timeOf(locked)
	return &u, nil
}

// CreateUser inserts u and sets its ID. A taken name is ECONFLICT.
func (tx *Tx) CreateUser(u *epiloop.User) error {
	err := tx.queryRow(`INSERT INTO users (name, role, unit_code, district_code, disabled, password_hash, created_at,
			failed_logins, locked_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		u.Name, string(u.Role), u.UnitCode, u.DistrictCode, u.Disabled, u.PasswordHash, ts(u.CreatedAt),
		u.FailedLogins, ts(u.LockedUntil)).Scan(&u.ID)
	return wrap(constraintError(err, "err.user_name_already_taken", ""), "create user")
}

// UpdateUser writes every field of u but its ID and creation time.
func (tx *Tx) UpdateUser(u *epiloop.User) error {
	err := tx.execOne("err.user_not_found", `UPDATE users SET name = $1, role = $2, unit_code = $3, district_code = $4,
			disabled = $5, password_hash = $6, failed_logins = $7, locked_until = $8
		WHERE id = $9`,
		u.Name, string(u.Role), u.UnitCode, u.DistrictCode, u.Disabled, u.PasswordHash,
		u.FailedLogins, ts(u.LockedUntil), u.ID)
	return wrap(constraintError(err, "err.user_name_already_taken", ""), "update user")
}

// LockUser returns one user and locks its row until the transaction ends.
func (tx *Tx) LockUser(id int64) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users u WHERE u.id = $1 FOR UPDATE`, id))
	return u, wrap(noRows(err, "err.user_not_found"), "lock user")
}

// FindUserByID returns one user.
func (tx *Tx) FindUserByID(id int64) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	return u, wrap(noRows(err, "err.user_not_found"), "find user")
}

// FindUserByName returns one user.
func (tx *Tx) FindUserByName(name string) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users u WHERE u.name = $1`, name))
	return u, wrap(noRows(err, "err.user_not_found"), "find user")
}

// FindUsers returns every user by ID.
func (tx *Tx) FindUsers() ([]*epiloop.User, error) {
	rows, err := tx.query(`SELECT ` + userColumns + ` FROM users u ORDER BY u.id`)
	if err != nil {
		return nil, wrap(err, "find users")
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (*epiloop.User, error) { return scanUser(r) })
	return out, wrap(err, "find users")
}

// CreateSession stores a session by the hash of its secret. Every session
// expires: a zero expires is already past. An unknown user is ENOTFOUND.
func (tx *Tx) CreateSession(hash []byte, userID int64, expires time.Time) error {
	_, err := tx.exec(`INSERT INTO sessions (hash, user_id, expires_at) VALUES ($1, $2, $3)`,
		hash, userID, msUTC(expires))
	return wrap(constraintError(err, "err.session_already_exists", "err.user_not_found"), "create session")
}

// FindUserBySession returns the user of a session that has not expired at
// now. An expired or unknown session, or a disabled user, is ENOTFOUND.
func (tx *Tx) FindUserBySession(hash []byte, now time.Time) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, hash, msUTC(now)))
	return u, wrap(noRows(err, "err.session_not_found"), "find session")
}

// DeleteSession ends a session; ending one that does not exist is not an
// error (logging out twice is logging out).
func (tx *Tx) DeleteSession(hash []byte) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE hash = $1`, hash)
	return wrap(err, "delete session")
}

// CreateToken stores a bearer token by the hash of its secret; a zero
// expires means the token does not expire. An unknown user is ENOTFOUND.
func (tx *Tx) CreateToken(hash []byte, userID int64, expires time.Time) error {
	_, err := tx.exec(`INSERT INTO tokens (hash, user_id, expires_at) VALUES ($1, $2, $3)`,
		hash, userID, ts(expires))
	return wrap(constraintError(err, "err.token_already_exists", "err.user_not_found"), "create token")
}

// FindUserByToken returns the user of a token that has not expired at now.
// An expired or unknown token, or a disabled user, is ENOTFOUND.
func (tx *Tx) FindUserByToken(hash []byte, now time.Time) (*epiloop.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM tokens t JOIN users u ON u.id = t.user_id
		WHERE t.hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2) AND NOT u.disabled`, hash, msUTC(now)))
	return u, wrap(noRows(err, "err.token_not_found"), "find token")
}

// DeleteUserSessions ends every session of a user.
func (tx *Tx) DeleteUserSessions(userID int64) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap(err, "delete sessions")
}

// DeleteUserTokens revokes every bearer token of a user.
func (tx *Tx) DeleteUserTokens(userID int64) error {
	_, err := tx.exec(`DELETE FROM tokens WHERE user_id = $1`, userID)
	return wrap(err, "delete tokens")
}
