-- The change feed, listing cases by creation, and purging by age.
-- Names in braces are tables and indexes (see 0001).

-- The feed: entries numbered 1, 2, 3, ... by the counter 'feed', which
-- each write takes last in its transaction and holds until it commits, so
-- that numbers are given, and become visible, in commit order.
-- 'feed_purged' is the highest number Purge removed.
INSERT INTO {counters} (name, value) VALUES ('feed', 0);
INSERT INTO {counters} (name, value) VALUES ('feed_purged', 0);
CREATE TABLE {feed} (
	seq BIGINT PRIMARY KEY,
	case_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	time BIGINT NOT NULL,
	entry TEXT NOT NULL
);

-- ListCases pages by creation time, then id.
CREATE INDEX {cases_created} ON {cases} (created_at, id);

-- Purge removes keys by the time they were used.
CREATE INDEX {idempotency_keys_used} ON {idempotency_keys} (used_at);
