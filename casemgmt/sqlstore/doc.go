// Package sqlstore is a casemgmt.Store on database/sql, for SQLite (the
// embedded default) and PostgreSQL (for several agent processes sharing
// one database). Both pass casemgmt/storetest.
//
// # SQLite
//
// OpenSQLite(ctx, path) opens or creates a database file with the pure-Go
// driver modernc.org/sqlite (no cgo). Every connection uses WAL journaling
// (readers never wait for the writer), synchronous=NORMAL (a commit is
// durable once the WAL is checkpointed; a power cut may lose the last
// commits but never corrupts the file), foreign keys, a busy timeout
// (WithBusyTimeout, 5s by default) and _txlock=immediate, so that a write
// transaction takes the database's write lock at BEGIN and waits for it,
// instead of failing when it upgrades from reading. The Store writes
// through a single connection, so writers of one process queue in Go, and
// reads through a small pool of read-only connections; it keeps the
// statements it runs prepared, since parsing is most of the cost of a
// small write. Several processes
// may open the same file on one machine (not over a network file system):
// they take turns for the write lock. The DSN OpenSQLite builds is
//
//	path?_txlock=immediate&_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL
//
// ":memory:" gives a private in-memory database, for tests.
//
// # PostgreSQL
//
// OpenPostgres(ctx, dsn) connects through github.com/jackc/pgx/v5/stdlib.
// The DSN is a URL (postgres://user:password@host:5432/dbname?sslmode=require)
// or keyword/value pairs (host=... user=... dbname=...), as pgx accepts;
// WithMaxConns bounds the pool. PostgreSQL 13 or later is needed.
// Transactions run at READ COMMITTED: every check the Store relies on is
// made by the statement that writes (see Concurrency).
//
// New(ctx, db, dialect) wraps a *sql.DB opened by the caller ("sqlite" or
// "pgx" driver), who keeps ownership of it.
//
// # Migrations
//
// The schema is embedded: numbered files migrations/<dialect>/NNNN_name.sql,
// each applied once, in order, in the transaction that records it in the
// Store's own migration table, caseagent_migrations (never a host's
// schema_migrations; a database of an earlier build that recorded its
// steps there is taken over). A step missing from a database is applied
// whatever its number, so steps added on parallel branches merge. By
// default opening a Store migrates; WithAutoMigrate(false) leaves that to
// the host, which calls Store.Migrate when it chooses (Ping reports
// ErrNotMigrated until then). Two processes migrating one database at once
// are safe: on PostgreSQL the migration transaction first takes a
// transaction-scoped advisory lock (pg_advisory_xact_lock), on SQLite it
// is an immediate transaction, which holds the write lock from BEGIN; the
// second process waits and then finds nothing left to apply. A database
// that records a step this build does not know is refused with
// ErrSchemaTooNew. SchemaVersion reports the newest step applied.
//
// A step may also change data in a way SQL cannot do alike on both
// databases; that part is Go code run in the step's transaction. Step 5
// is one: contact names are matched without their accents from then on
// (casemgmt.NormalizeName), and it folds the names stored before again. A
// process of an earlier build still writing to the database after it
// would store unfolded names; stop earlier builds before migrating.
//
// # Sharing a database
//
// A host may keep the SDK's tables in a database of its own.
// WithTablePrefix("caseagent_") puts a prefix before every table and
// index the Store creates (its migration table included); on PostgreSQL,
// WithSchema("caseagent") keeps them in a schema of their own (created by
// the first migration), and the two combine. Before a step creates a
// table, Migrate checks that no table of that name exists: a table of the
// host's own (say, its cases) is reported as ErrTableExists, naming the
// table, and nothing is changed. In the SQL of this package, in queries and
// migrations alike, table and index names are written in braces
// ({cases}); one function (names.go) turns them into the Store's names,
// so a step added later gets the prefix and schema by writing its names
// in braces too.
//
// # Listing, the change feed and purging
//
// The Store implements the optional casemgmt.Lister, casemgmt.Feed and
// casemgmt.Purger.
//
// ListCases is one query on the index of cases by (created_at, id), which
// never change: its cursor holds the last case's pair, so paging neither
// skips nor repeats a case while others are written.
//
// Each case write appends its feed entries (casemgmt.FeedEntry: the case
// as committed, the audit entries, the write's Events) to the feed table
// in its own transaction. Entries are numbered from a counter row that
// the write updates last, and whose lock it holds until it commits: the
// next writer waits for the number, so numbers are given, and become
// visible, in commit order, and a consumer reading "after n" never skips
// an entry that commits later with a lower number (as sequence or
// identity values, which commit in any order, would let it). On PostgreSQL
// this puts case writes' commits in one line; they were short already.
// WithChangeHook adds an in-process callback after each commit.
//
// Purge deletes, in transactions of at most a thousand rows, idempotency
// keys used before the cut-off (by the Store's clock), interactions with
// an older Time, and the oldest feed entries up to the first newer one,
// recording how far the feed was purged in the same transaction, so that
// ReadChanges reports casemgmt.ErrChangesPurged to a consumer behind it.
// Several processes may purge at once. Cases, links, contacts, audit
// entries, claims and state are never touched. Drafts are not kept in
// tables of their own (a follow-up draft is in the case's Meta), so there
// are none to purge.
//
// Times are stored as Unix nanoseconds (years 1678 to 2262; others are
// casemgmt.ErrInvalid), field values, provenance and metadata as JSON text
// in the forms casemgmt defines. Text must be valid UTF-8 without NUL
// bytes: PostgreSQL refuses anything else and JSON would alter it, so
// both dialects refuse it with casemgmt.ErrInvalid instead of storing
// something other than they were given (memstore keeps any string), and
// looking such text up finds nothing. Everything the Store finds by has an
// indexed column or a link table of its own: conversation and email links
// (case_refs, unique by kind and id), contact links (case_contacts), the
// case's contact, its due time, its number and external id, contacts'
// normalised email, name and phone key, audit entries by case, and
// interactions by case, conversation and time.
//
// # Concurrency
//
// A Store is safe for concurrent use, and so are several Stores, in one
// process or many, on one database. Every method is one transaction, and
// each change is decided by the database, not by an earlier read:
//
//   - UpdateCase checks the version in the UPDATE's WHERE clause; a stale
//     version matches no row and is casemgmt.ErrConflict.
//   - A change, its audit entries, its interaction record and its
//     idempotency key commit together or not at all.
//   - Idempotency keys are inserted with ON CONFLICT DO NOTHING: the one
//     insert that affects a row is the first use; a write whose key was
//     used is rolled back with casemgmt.ErrKeyUsed.
//   - Conversation and email links, contact emails, case ids and external
//     ids are unique keys; a violation is casemgmt.ErrDuplicate.
//   - AcquireClaim is one upsert whose DO UPDATE ... WHERE lets the claim
//     change hands only when it is free, expired or already the owner's.
//     Expiry uses the Store's clock (WithClock): processes sharing a
//     database need clocks synchronised well within their claims' ttl.
//
// Transactions that lose a race the database cannot order (SQLite busy or
// locked after the busy timeout, PostgreSQL serialization failures and
// deadlocks) run again after a short random pause, up to WithMaxAttempts
// times.
//
// # Knowledge articles
//
// A Store is also a knowledge.Store and a knowledge.Searcher: articles are
// kept whole as JSON beside the columns searches filter on (language,
// validity, product and category tags), and indexed by the terms of
// knowledge.Terms, stemmed in each article's language. On SQLite, an FTS5
// table matches and ranks them (bm25); on PostgreSQL, a GIN index over a
// tsvector finds them and they are ranked with knowledge.BM25 from
// document frequencies the database counts.
package sqlstore
