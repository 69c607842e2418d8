package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the statements of one *sql.DB prepared, so that SQLite
// parses each query once per connection rather than once per call (the
// parse is most of the cost of a small write). It is used for SQLite only:
// pgx caches statements itself, and prepared statements of our own would
// not survive a PostgreSQL connection pooler in transaction mode.
//
// A query runs unprepared the first time while a goroutine of the cache
// prepares it: preparing needs a connection, and the caller may hold the
// only one (SQLite's writer) in a transaction.
//
// It is safe for concurrent use.
type stmtCache struct {
	db *sql.DB
	wg sync.WaitGroup

	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared, or failed to prepare
	closed  bool
}

// maxCachedStmts bounds the cache: queries built for a number of
// arguments (IN lists, batches of audit entries) could otherwise grow it
// without end. Queries past the bound run unprepared.
const maxCachedStmts = 128

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of query, or nil when it is not
// prepared (yet).
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if c.closed || c.pending[query] || len(c.stmts)+len(c.pending) >= maxCachedStmts {
		return nil
	}
	c.pending[query] = true
	c.wg.Add(1)
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	st, err := c.db.PrepareContext(context.Background(), query)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		return // stays pending: the query runs unprepared from now on
	}
	delete(c.pending, query)
	if c.closed {
		st.Close()
		return
	}
	c.stmts[query] = st
}

// close closes the prepared statements, after waiting for those being
// prepared.
func (c *stmtCache) close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.stmts {
		errs = append(errs, st.Close())
	}
	c.stmts = nil
	return errors.Join(errs...)
}

// cachedDB runs queries on a *sql.DB through the cache.
type cachedDB struct {
	c *stmtCache
}

func (q cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st := q.c.get(query)
	if st == nil {
		return q.c.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (q cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st := q.c.get(query)
	if st == nil {
		return q.c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (q cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st := q.c.get(query)
	if st == nil {
		return q.c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// cachedTx runs queries in a transaction through the cache of the
// transaction's *sql.DB: a statement prepared on the transaction's
// connection is reused (database/sql finds it), else prepared on it.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (q cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st := q.c.get(query)
	if st == nil {
		return q.tx.ExecContext(ctx, query, args...)
	}
	return q.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (q cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st := q.c.get(query)
	if st == nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (q cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st := q.c.get(query)
	if st == nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}
