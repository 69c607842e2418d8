package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/internal/backoff"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// ErrSchemaTooNew reports a database migrated by a newer build of this
// package than the running one: its schema may not be what this build
// expects, so the Store refuses to use it.
var ErrSchemaTooNew = errors.New("sqlstore: database schema is newer than this build")

// Option configures a Store.
type Option func(*config)

type config struct {
	logger      *slog.Logger
	busyTimeout time.Duration
	maxAttempts int
	maxConns    int
	now         func() time.Time
	prefix      string
	schema      string
	manual      bool // migrations only through Migrate
	hook        casemgmt.ChangeHook
}

func defaultConfig() config {
	return config{
		logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		busyTimeout: 5 * time.Second,
		maxAttempts: 20,
		now:         time.Now,
	}
}

// WithLogger sets where the Store logs retries and migrations. The default
// discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithBusyTimeout sets how long an SQLite connection waits for another
// process's write lock before the Store retries the transaction (default
// 5s). OpenSQLite only: for New, put _pragma=busy_timeout(ms) in the DSN.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.busyTimeout = d
		}
	}
}

// WithMaxAttempts sets how many times a transaction runs before a
// retryable database error (busy, serialization failure, deadlock) is
// returned to the caller (default 20).
func WithMaxAttempts(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxAttempts = n
		}
	}
}

// WithMaxConns limits the connections OpenPostgres keeps open (default:
// database/sql's, unlimited), and the reading connections of OpenSQLite
// (default 4). It does not change a *sql.DB handed to New.
func WithMaxConns(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxConns = n
		}
	}
}

// WithTablePrefix puts prefix before the name of every table and index
// the Store creates and uses (its migration table included), so that it
// shares a database with tables of the host's own: with "caseagent_" the
// cases are in caseagent_cases. A prefix is up to 30 lower-case ASCII
// letters, digits and underscores, not starting with a digit; anything
// else fails the open. The default is none. Every Store and process on one
// set of tables must use the same prefix (and schema).
func WithTablePrefix(prefix string) Option {
	return func(c *config) { c.prefix = prefix }
}

// WithSchema keeps the Store's tables in the named PostgreSQL schema,
// which the first migration creates when it does not exist (the role
// needs CREATE on the database for that; otherwise create it beforehand).
// Queries name the schema, so the connections' search_path does not
// matter. The name is up to 63 lower-case ASCII letters, digits and
// underscores, not starting with a digit or "pg_". The default is none:
// tables go where the search_path puts them (normally "public"). SQLite
// has no schemas: there, WithSchema fails the open; use WithTablePrefix.
func WithSchema(schema string) Option {
	return func(c *config) { c.schema = schema }
}

// WithAutoMigrate says whether opening a Store migrates the database
// (true, the default) or leaves its schema alone (false), for hosts that
// run migrations as a deployment step of their own: they call Migrate
// (for example from a command of their deployment), and until they have,
// Ping reports ErrNotMigrated.
func WithAutoMigrate(on bool) Option {
	return func(c *config) { c.manual = !on }
}

// WithChangeHook makes the Store call hook after each write it commits,
// with the feed entries the write appended (see casemgmt.ChangeHook). It
// sees the writes of this Store only; read the feed (ReadChanges) for
// those of every process.
func WithChangeHook(hook casemgmt.ChangeHook) Option {
	return func(c *config) { c.hook = hook }
}

// OpenSQLite opens (creating it if needed) the SQLite database in the file
// at path and migrates it. The Store writes through one connection, so
// writers in this process queue in Go rather than contend for SQLite's
// lock, and reads through a small pool of read-only connections that WAL
// lets run beside the writer. Other processes may open the same file: they
// wait for the write lock up to the busy timeout and the Store retries.
//
// path ":memory:" gives a private in-memory database on one connection,
// for tests.
func OpenSQLite(ctx context.Context, path string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if path == "" {
		return nil, errors.New("sqlstore: empty SQLite path")
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlstore: SQLite path %q contains '?'; use New with a DSN of your own", path)
	}
	busy := strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)
	params := "?_txlock=immediate&_busy_timeout=" + busy + "&_foreign_keys=1"
	if path == ":memory:" {
		db, err := sql.Open("sqlite", path+params)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %w", err)
		}
		// Every connection to ":memory:" is a database of its own.
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
		return newStore(ctx, conns{w: db, r: db, owned: []*sql.DB{db}}, SQLite, cfg)
	}
	// WAL is a property of the file: the writer sets it, readers find it.
	w, err := sql.Open("sqlite", path+params+"&_journal_mode=WAL&_synchronous=NORMAL")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := pingSQLite(ctx, w, cfg.busyTimeout); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: opening %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+params+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	n := cfg.maxConns
	if n == 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return newStore(ctx, conns{w: w, r: r, owned: []*sql.DB{w, r}}, SQLite, cfg)
}

// pingSQLite opens the first connection of db. Its journal_mode pragma
// needs the file to itself for a moment, and SQLite reports busy at once,
// without waiting for the busy timeout, while another process is opening
// or writing the file: so retry until the busy timeout has passed.
func pingSQLite(ctx context.Context, db *sql.DB, busyTimeout time.Duration) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := db.PingContext(ctx)
		if err == nil || classify(err) != errRetryable || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond))))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// OpenPostgres connects to the PostgreSQL database of dsn (a URL such as
// postgres://user:pass@host:5432/db?sslmode=disable or a keyword/value
// string, as pgx accepts) and migrates it.
func OpenPostgres(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: parsing PostgreSQL DSN: %w", err)
	}
	db := stdlib.OpenDB(*pc)
	if cfg.maxConns > 0 {
		db.SetMaxOpenConns(cfg.maxConns)
		db.SetMaxIdleConns(cfg.maxConns)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: connecting to PostgreSQL: %w", err)
	}
	return newStore(ctx, conns{w: db, r: db, owned: []*sql.DB{db}}, Postgres, cfg)
}

// New returns a Store on db, which speaks dialect, after migrating it. The
// caller keeps ownership of db: Close does not close it.
//
// For SQLite, open db with a DSN that sets _txlock=immediate (write
// transactions take the lock at BEGIN and wait for it, instead of failing
// when they upgrade), _pragma=busy_timeout(5000) or more, and
// _journal_mode=WAL; the Store is correct without them, thanks to retries,
// but slower under contention. For PostgreSQL use the "pgx" driver of
// github.com/jackc/pgx/v5/stdlib.
func New(ctx context.Context, db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: nil *sql.DB")
	}
	if !dialect.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v", dialect)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return newStore(ctx, conns{w: db, r: db}, dialect, cfg)
}

// conns are the databases of a Store: w for writes, r for reads (the
// same one but with SQLite files), and those of them the Store opened and
// closes.
type conns struct {
	w, r  *sql.DB
	owned []*sql.DB
}

func newStore(ctx context.Context, dbs conns, d Dialect, cfg config) (*Store, error) {
	w, r, owned := dbs.w, dbs.r, dbs.owned
	closeOwned := func() {
		for _, db := range owned {
			db.Close()
		}
	}
	if cfg.schema != "" && d != Postgres {
		closeOwned()
		return nil, errors.New("sqlstore: WithSchema is for PostgreSQL; use WithTablePrefix with SQLite")
	}
	names, err := newTableNames(cfg.prefix, cfg.schema)
	if err != nil {
		closeOwned()
		return nil, err
	}
	s := &Store{w: w, r: r, dialect: d, cfg: cfg, log: cfg.logger, owned: owned, names: names}
	var rq querier = r
	if d == SQLite {
		s.wcache = newStmtCache(w)
		s.rcache = s.wcache
		if r != w {
			s.rcache = newStmtCache(r)
		}
		rq = cachedDB{s.rcache}
	}
	s.rq = named{rq, names}
	if !cfg.manual {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the databases the Store opened (none for New). It does not
// wait for calls in flight; call it when they are done.
func (s *Store) Close() error {
	var errs []error
	if s.wcache != nil {
		errs = append(errs, s.wcache.close())
	}
	if s.rcache != nil && s.rcache != s.wcache {
		errs = append(errs, s.rcache.close())
	}
	for _, db := range s.owned {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

// Dialect reports the database the Store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a write transaction and commits it, running it again
// (with a short random backoff) when the database says the transaction lost
// a race it may win next time: busy or locked after the busy timeout,
// serialization failure, deadlock. fn must have no effects outside the
// transaction, since it may run more than once.
func (s *Store) inTx(ctx context.Context, fn func(tx querier) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = s.tryTx(ctx, fn)
		if err == nil || classify(err) != errRetryable || attempt >= s.cfg.maxAttempts {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.DebugContext(ctx, "sqlstore: retrying transaction", "attempt", attempt, "err", err)
		if err := txBackoff.Wait(ctx, attempt); err != nil {
			return err
		}
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(tx querier) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var q querier = tx
	if s.wcache != nil {
		q = cachedTx{tx: tx, c: s.wcache}
	}
	if err := fn(named{q, s.names}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// txBackoff is the wait before a transaction is tried again after a
// serialization failure or a busy database: up to 1ms doubled per attempt
// (at most 64ms), drawn at random so that writers do not collide again.
var txBackoff = backoff.Policy{Base: time.Millisecond, Max: 64 * time.Millisecond, Jitter: 1}
