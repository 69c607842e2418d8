-- Cases, their links, contacts, the journal and coordination state.
-- Names in braces are tables and indexes: the Store adds its prefix
-- (WithTablePrefix) and, on PostgreSQL, its schema (WithSchema).
-- Times are Unix nanoseconds (UTC); NULL is the zero time.
-- Ids compare byte by byte (COLLATE "C"), as Go orders strings.

CREATE TABLE {counters} (
	name TEXT PRIMARY KEY,
	value BIGINT NOT NULL
);
INSERT INTO {counters} (name, value) VALUES ('case_number', 0);

CREATE TABLE {cases} (
	id TEXT COLLATE "C" PRIMARY KEY,
	number TEXT NOT NULL UNIQUE,
	external_id TEXT UNIQUE,
	title TEXT NOT NULL,
	status TEXT NOT NULL,
	status_reason TEXT NOT NULL,
	status_changed_at BIGINT,
	contact_id TEXT,
	origin TEXT NOT NULL,
	fields TEXT NOT NULL,
	provenance TEXT NOT NULL,
	meta TEXT NOT NULL,
	next_due_at BIGINT,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	version BIGINT NOT NULL
);
CREATE INDEX {cases_contact} ON {cases} (contact_id, created_at, id) WHERE contact_id IS NOT NULL;
CREATE INDEX {cases_due} ON {cases} (next_due_at, id) WHERE next_due_at IS NOT NULL;

-- Conversation and email links: each id belongs to one case.
CREATE TABLE {case_refs} (
	kind TEXT NOT NULL,
	ref TEXT NOT NULL,
	case_id TEXT NOT NULL REFERENCES {cases} (id) ON DELETE CASCADE,
	PRIMARY KEY (kind, ref)
);
CREATE INDEX {case_refs_case} ON {case_refs} (case_id);

-- Contact links: a contact may be linked to many cases.
CREATE TABLE {case_contacts} (
	contact_id TEXT NOT NULL,
	case_id TEXT NOT NULL REFERENCES {cases} (id) ON DELETE CASCADE,
	PRIMARY KEY (contact_id, case_id)
);
CREATE INDEX {case_contacts_case} ON {case_contacts} (case_id);

CREATE TABLE {contacts} (
	id TEXT COLLATE "C" PRIMARY KEY,
	name TEXT NOT NULL,
	email TEXT NOT NULL,
	phone TEXT NOT NULL,
	email_norm TEXT UNIQUE,
	name_norm TEXT,
	phone_key TEXT,
	created_at BIGINT NOT NULL
);
CREATE INDEX {contacts_name} ON {contacts} (name_norm) WHERE name_norm IS NOT NULL;
CREATE INDEX {contacts_phone} ON {contacts} (phone_key) WHERE phone_key IS NOT NULL;

-- No foreign key to cases: the trail outlives a deleted case.
CREATE TABLE {audit} (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	case_id TEXT NOT NULL,
	time BIGINT NOT NULL,
	entry TEXT NOT NULL
);
CREATE INDEX {audit_case} ON {audit} (case_id, seq);

CREATE TABLE {interactions} (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id TEXT COLLATE "C" NOT NULL UNIQUE,
	case_id TEXT,
	conversation_id TEXT,
	outcome TEXT NOT NULL,
	time BIGINT NOT NULL,
	record TEXT NOT NULL
);
CREATE INDEX {interactions_time} ON {interactions} (time, seq);
CREATE INDEX {interactions_case} ON {interactions} (case_id, time, seq) WHERE case_id IS NOT NULL;
CREATE INDEX {interactions_conversation} ON {interactions} (conversation_id, time, seq) WHERE conversation_id IS NOT NULL;

CREATE TABLE {idempotency_keys} (
	key TEXT PRIMARY KEY,
	used_at BIGINT NOT NULL
);

CREATE TABLE {claims} (
	name TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);

CREATE TABLE {state} (
	key TEXT PRIMARY KEY,
	value BYTEA NOT NULL
);
