package loop

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/epiloop/epiloop"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// argon2id parameters (RFC 9106 second recommended option, memory-hard
// enough for a login, cheap enough for a burst of morning logins).
const (
	argonTime    = 2
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded hash.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// newSecret returns a random token and the hash under which it is stored.
func newSecret() (string, []byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, secretHash(tok), nil
}

func secretHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// CreateUser adds a user with a password (may be empty for token-only
// integration accounts). The unit must exist and fit the role.
func (s *Service) CreateUser(ctx context.Context, u *epiloop.User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if password != "" && len([]rune(password)) < MinPasswordLength {
		return epiloop.FieldError("password", "err.password_too_short_at_least", MinPasswordLength)
	}
	if password != "" {
		h, err := HashPassword(password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	u.CreatedAt = s.now()
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if err := s.fitUnit(tx, u); err != nil {
			return err
		}
		if err := tx.CreateUser(u); epiloop.ErrorCode(err) == epiloop.ECONFLICT {
			return epiloop.FieldError("name", "err.user_with_this_name_exists")
		} else if err != nil {
			return err
		}
		return s.audit(tx, epiloop.UserFromContext(ctx), epiloop.GrantAction("", u.Role), userObject(u.ID), "create user, role "+string(u.Role))
	})
}

// Login lock-out: after MaxFailedLogins wrong passwords in a row the account
// is locked for LockOut; the counters live in the database, so every
// replica enforces them.
const (
	MaxFailedLogins = 5
	LockOut         = 15 * time.Minute
)

// Login checks a name and password and opens a session; it returns the
// session token for the cookie. An unknown name, a wrong password and a
// locked account answer alike, in about the same time (a password check
// runs in each case), so the answer tells nothing of which names exist.
//
// An attempt is counted before its password is checked, in a transaction
// that holds the user's row: whatever the concurrency, at most
// MaxFailedLogins checks run per account before it locks for LockOut, and
// a check whose count found the account locked is not run at all. Every
// attempt is audited; attempts on unknown names and on a locked account
// are audited aggregated (loginNoise), so they cannot flood the trail.
func (s *Service) Login(ctx context.Context, name, password string) (string, *epiloop.User, error) {
	bad := epiloop.Errorf(epiloop.EUNAUTHORIZED, "err.wrong_name_or_password", MaxFailedLogins, int(LockOut/time.Minute))
	var u *epiloop.User
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		u, err = tx.FindUserByName(name)
		return err
	})
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
		CheckPassword(dummyHash, password) // same time as a real check
		return "", nil, s.loginNoise(ctx, "unknown", nil, bad)
	} else if err != nil {
		return "", nil, err
	}
	now := s.now()
	counted, err := s.countAttempt(ctx, u.ID, now)
	if err != nil {
		return "", nil, err
	}
	if !counted {
		CheckPassword(dummyHash, password)
		return "", nil, s.loginNoise(ctx, "locked", u, bad)
	}
	stored := u.PasswordHash
	if stored == "" {
		stored = dummyHash // a token-only account: check anyway, for the time
	}
	realChecks.Add(1)
	ok := CheckPassword(stored, password) && !u.Disabled && u.PasswordHash != ""
	tok, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		cur, err := tx.LockUser(u.ID)
		if err != nil {
			return err
		}
		object := userObject(u.ID)
		if !ok {
			return s.audit(tx, cur, epiloop.AuditLoginFailed, object, "")
		}
		// The attempt was counted as a failure in advance; a right
		// password clears the count (and a lock its own failures set).
		cur.FailedLogins, cur.LockedUntil = 0, time.Time{}
		if err := tx.UpdateUser(cur); err != nil {
			return err
		}
		if err := tx.CreateSession(hash, u.ID, now.Add(SessionTTL)); err != nil {
			return err
		}
		return s.audit(tx, cur, epiloop.AuditLogin, object, "")
	})
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "", nil, bad
	}
	return tok, u, nil
}

// countAttempt counts a sign-in attempt on user id before its password is
// checked, as a failure until the check proves otherwise: it reports
// false, counting nothing, while the account is locked; the attempt that
// reaches MaxFailedLogins locks it for LockOut.
func (s *Service) countAttempt(ctx context.Context, id int64, now time.Time) (bool, error) {
	counted := false
	err := s.Store.Update(ctx, func(tx epiloop.Tx) error {
		u, err := tx.LockUser(id)
		if err != nil {
			return err
		}
		if u.LockedUntil.After(now) {
			return nil
		}
		if !u.LockedUntil.IsZero() {
			u.LockedUntil = time.Time{} // a lock that ran out starts a new count
		}
		u.FailedLogins++
		if u.FailedLogins >= MaxFailedLogins {
			u.FailedLogins, u.LockedUntil = 0, now.Add(LockOut)
		}
		counted = true
		return tx.UpdateUser(u)
	})
	return counted, err
}

// LoginNoiseWindow aggregates the audit of sign-ins on unknown names and
// on locked accounts: at most one entry per kind and account per window,
// counting the attempts since the entry before (the last ones of a burst
// are counted by the next entry), so an attacker cannot grow the trail
// without bound and no attempt goes uncounted.
const LoginNoiseWindow = time.Minute

// loginNoise audits an attempt on an unknown name or a locked account,
// aggregated over LoginNoiseWindow, and returns answer.
func (s *Service) loginNoise(ctx context.Context, kind string, u *epiloop.User, answer error) error {
	object := "user:unknown"
	if u != nil {
		object = userObject(u.ID)
	}
	key := kind + " " + object
	now := s.now()
	s.noiseMu.Lock()
	if s.noise == nil {
		s.noise = map[string]*noiseCount{}
	}
	c := s.noise[key]
	if c == nil {
		c = &noiseCount{}
		s.noise[key] = c
	}
	c.n++
	flush := now.Sub(c.since) >= LoginNoiseWindow
	n := c.n
	if flush {
		c.n, c.since = 0, now
	}
	if len(s.noise) > 10000 { // a flood of names: forget the oldest windows
		for k, v := range s.noise {
			if now.Sub(v.since) >= LoginNoiseWindow {
				delete(s.noise, k)
			}
		}
	}
	s.noiseMu.Unlock()
	if !flush {
		return answer
	}
	detail := fmt.Sprintf("%s: %d attempts in the last %s", kind, n, LoginNoiseWindow)
	if err := s.Audit(ctx, epiloop.AuditLoginFailed, object, detail); err != nil {
		return err
	}
	return answer
}

// noiseCount is one aggregated kind of failed sign-in.
type noiseCount struct {
	n     int
	since time.Time
}

// realChecks counts the password checks run against accounts' hashes
// (not the dummy one), for the lock-out's test.
var realChecks atomic.Int64

var dummyHash, _ = HashPassword("not a real password")

// Logout ends a session; with everywhere, every session of the user.
func (s *Service) Logout(ctx context.Context, session string, everywhere bool) error {
	defer s.creds.clear()
	u := epiloop.UserFromContext(ctx)
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		if everywhere && u != nil {
			if err := tx.DeleteUserSessions(u.ID); err != nil {
				return err
			}
			if err := s.revoked(tx, u.ID); err != nil {
				return err
			}
		} else if err := tx.DeleteSession(secretHash(session)); err != nil {
			return err
		}
		detail := ""
		if everywhere {
			detail = "everywhere"
		}
		return s.audit(tx, u, epiloop.AuditLogout, "", detail)
	})
}

// UserBySession returns the user of a live session.
func (s *Service) UserBySession(ctx context.Context, session string) (*epiloop.User, error) {
	hash := secretHash(session)
	return s.findUser(ctx, "s"+string(hash), func(tx epiloop.Tx, now time.Time) (*epiloop.User, error) {
		return tx.FindUserBySession(hash, now)
	})
}

// UserByToken returns the user of a live bearer token.
func (s *Service) UserByToken(ctx context.Context, token string) (*epiloop.User, error) {
	hash := secretHash(token)
	return s.findUser(ctx, "t"+string(hash), func(tx epiloop.Tx, now time.Time) (*epiloop.User, error) {
		return tx.FindUserByToken(hash, now)
	})
}

// CredentialCacheTTL is how long a replica trusts a session or token it
// has checked without asking the database again: every API call carries
// one, and the lookup was a tenth of a field request's work. A revocation,
// logout or disabled account takes effect at once on the replica that
// made it and within this time on the others.
const CredentialCacheTTL = 5 * time.Second

// credCache remembers checked credentials by the hash of their secret.
type credCache struct {
	mu sync.Mutex
	m  map[string]credEntry
}

type credEntry struct {
	user    epiloop.User
	expires time.Time
}

func (c *credCache) get(key string, now time.Time) (*epiloop.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	u := e.user
	return &u, true
}

func (c *credCache) put(key string, u *epiloop.User, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 50000 {
		c.m = map[string]credEntry{}
	}
	c.m[key] = credEntry{user: *u, expires: expires}
}

// clear forgets every checked credential (after a logout, a revocation or
// a change to a user).
func (c *credCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

func (s *Service) findUser(ctx context.Context, key string, find func(epiloop.Tx, time.Time) (*epiloop.User, error)) (*epiloop.User, error) {
	now := s.now()
	if u, ok := s.creds.get(key, now); ok {
		return u, nil
	}
	var u *epiloop.User
	err := s.Store.View(ctx, func(tx epiloop.Tx) (err error) {
		u, err = find(tx, now)
		return err
	})
	if epiloop.ErrorCode(err) == epiloop.ENOTFOUND || (err == nil && u.Disabled) {
		return nil, epiloop.Errorf(epiloop.EUNAUTHORIZED, "err.invalid_or_expired_credentials")
	}
	if err == nil {
		s.creds.put(key, u, now.Add(CredentialCacheTTL))
	}
	return u, err
}

// CreateToken issues a bearer token for the named user, valid for ttl.
func (s *Service) CreateToken(ctx context.Context, name string, ttl time.Duration) (string, error) {
	tok, hash, err := newSecret()
	if err != nil {
		return "", err
	}
	err = s.Store.Update(ctx, func(tx epiloop.Tx) error {
		u, err := tx.FindUserByName(name)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("user", "err.no_such_user")
		} else if err != nil {
			return err
		}
		if err := tx.CreateToken(hash, u.ID, s.now().Add(ttl)); err != nil {
			return err
		}
		return s.audit(tx, epiloop.UserFromContext(ctx), epiloop.AuditKey, fmt.Sprintf("user:%d", u.ID), "token created")
	})
	return tok, err
}

// endCredentials ends a user's bearer tokens, and with sessions its
// sessions too, and tells every replica (revoked).
func (s *Service) endCredentials(tx epiloop.Tx, userID int64, sessions bool) error {
	if sessions {
		if err := tx.DeleteUserSessions(userID); err != nil {
			return err
		}
	}
	if err := tx.DeleteUserTokens(userID); err != nil {
		return err
	}
	return s.revoked(tx, userID)
}

// revoked records, with the change, that userID's credentials ended: every
// replica's broker reads it within its poll and forgets the credentials it
// had checked (ForgetCredentials), instead of trusting them for up to
// CredentialCacheTTL.
func (s *Service) revoked(tx epiloop.Tx, userID int64) error {
	return tx.CreateEvent(&epiloop.Event{Time: s.now(), Kind: epiloop.EventCredentialsRevoked,
		Data: mustJSON(map[string]any{"user": userID})})
}

// ForgetCredentials drops the credentials this replica has checked (the
// broker calls it when any replica revoked some).
func (s *Service) ForgetCredentials() { s.creds.clear() }

// RevokeTokens revokes every bearer token of the named user.
func (s *Service) RevokeTokens(ctx context.Context, name string) error {
	defer s.creds.clear()
	return s.Store.Update(ctx, func(tx epiloop.Tx) error {
		u, err := tx.FindUserByName(name)
		if epiloop.ErrorCode(err) == epiloop.ENOTFOUND {
			return epiloop.FieldError("user", "err.no_such_user")
		} else if err != nil {
			return err
		}
		if err := s.endCredentials(tx, u.ID, false); err != nil {
			return err
		}
		return s.audit(tx, epiloop.UserFromContext(ctx), epiloop.AuditKey, userObject(u.ID), "tokens revoked")
	})
}
