-- 0022: the hand-over between cities (xcity.go, peer.go): the peer cities
-- and their public keys, the hand-over records (outgoing and incoming),
-- the outbox of signed and sealed messages to peers (sent from the
-- database: attempts, next attempt, a replica's lease) and the receipts of
-- the messages received (replays are told by their fingerprint). A
-- hand-over's person, reason, destination and refusal are sealed; a
-- message's body is sealed for its peer.

CREATE TABLE xcity_peers (
	city       TEXT PRIMARY KEY,
	name       TEXT NOT NULL DEFAULT '',
	url        TEXT NOT NULL,
	pubkey     TEXT NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE xcity_handovers (
	id            INTEGER PRIMARY KEY,
	direction     TEXT NOT NULL,
	message_id    TEXT NOT NULL,
	peer_city     TEXT NOT NULL,
	state         TEXT NOT NULL,
	lead_id       INTEGER NOT NULL DEFAULT 0,
	remote_lead   INTEGER NOT NULL DEFAULT 0,
	district_code TEXT NOT NULL DEFAULT '',
	person        TEXT NOT NULL DEFAULT '',
	reason        TEXT NOT NULL DEFAULT '',
	destination   TEXT NOT NULL DEFAULT '',
	refusal       TEXT NOT NULL DEFAULT '',
	result        TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (direction, peer_city, message_id)
) STRICT;

CREATE INDEX xcity_handovers_state ON xcity_handovers (direction, state, id);
CREATE INDEX xcity_handovers_district ON xcity_handovers (district_code, direction, id);
CREATE INDEX xcity_handovers_lead ON xcity_handovers (lead_id) WHERE lead_id > 0;

CREATE TABLE xcity_messages (
	id            INTEGER PRIMARY KEY,
	handover_id   INTEGER NOT NULL REFERENCES xcity_handovers (id),
	message_id    TEXT NOT NULL UNIQUE,
	kind          TEXT NOT NULL,
	ref           TEXT NOT NULL DEFAULT '',
	peer_city     TEXT NOT NULL,
	sealed        TEXT NOT NULL,
	attempts      INTEGER NOT NULL DEFAULT 0,
	next_at       INTEGER NOT NULL,
	claimed_until INTEGER,
	delivered_at  INTEGER,
	last_error    TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX xcity_messages_due ON xcity_messages (next_at) WHERE delivered_at IS NULL;
CREATE INDEX xcity_messages_handover ON xcity_messages (handover_id);

CREATE TABLE xcity_receipts (
	fingerprint TEXT PRIMARY KEY,
	peer_city   TEXT NOT NULL,
	message_id  TEXT NOT NULL,
	received_at INTEGER NOT NULL
) STRICT;

CREATE INDEX xcity_receipts_message ON xcity_receipts (peer_city, message_id);
