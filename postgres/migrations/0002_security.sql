-- 0002, mirroring sqlite/migrations/0002_security.sql.

-- Login lock-out: failures counted per user, a lock until a time.
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;

-- The audit trail: append-only, each entry hashing the one before it. IDs
-- are given by the engine under the log lock (postgres/log.go): 1, 2, 3…
-- without gaps, in commit order.
CREATE TABLE audit (
	id        bigint PRIMARY KEY,
	time      timestamptz NOT NULL,
	actor_id  bigint NOT NULL DEFAULT 0,
	actor     text NOT NULL,
	role      text NOT NULL DEFAULT '',
	action    text NOT NULL,
	object    text NOT NULL DEFAULT '',
	purpose   text NOT NULL DEFAULT '',
	detail    text NOT NULL DEFAULT '',
	prev_hash bytea,
	hash      bytea NOT NULL
);

CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_actor ON audit (actor_id, id);
CREATE INDEX audit_object ON audit (object, id);

-- The trail is append-only: the database refuses edits and deletions made
-- through SQL (a superuser can still disable the trigger; the hash chain
-- then shows where).
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit trail is append-only';
END
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- Retention: when a lead's personal data was purged.
ALTER TABLE leads ADD COLUMN purged_at timestamptz;
CREATE INDEX leads_purge ON leads (closed_at, id) WHERE purged_at IS NULL AND closed_at IS NOT NULL;
