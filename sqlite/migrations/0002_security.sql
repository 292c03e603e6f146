-- Login lock-out: failures counted per user, a lock until a time.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;

-- The audit trail: append-only, each entry hashing the one before it.
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	actor_id  INTEGER NOT NULL DEFAULT 0,
	actor     TEXT NOT NULL,
	role      TEXT NOT NULL DEFAULT '',
	action    TEXT NOT NULL,
	object    TEXT NOT NULL DEFAULT '',
	purpose   TEXT NOT NULL DEFAULT '',
	detail    TEXT NOT NULL DEFAULT '',
	prev_hash BLOB,
	hash      BLOB NOT NULL
) STRICT;

CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_actor ON audit (actor_id, id);
CREATE INDEX audit_object ON audit (object, id);

-- The trail is append-only: the database refuses edits and deletions made
-- through SQL (an attacker with the file can still edit it; the hash chain
-- then shows where).
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;

-- Retention: when a lead's personal data was purged.
ALTER TABLE leads ADD COLUMN purged_at INTEGER;
CREATE INDEX leads_purge ON leads (closed_at, id) WHERE purged_at IS NULL AND closed_at IS NOT NULL;
