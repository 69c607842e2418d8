package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrations holds the schema, one numbered file per step and dialect:
// migrations/<dialect>/NNNN_name.sql. A step is applied once, in order, in
// the same transaction as the row recording it in schema_migrations.
//
//go:embed migrations
var migrations embed.FS

// migrationLockKey is the pg_advisory_xact_lock key that serialises
// migrations between processes on PostgreSQL ("caseagnt" in ASCII).
const migrationLockKey = 0x63617365_61676e74

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the steps of dialect d in version order.
func loadMigrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s/%s is not named NNNN_name.sql", dir, name)
		}
		b, err := fs.ReadFile(migrations, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := range ms {
		if ms[i].version != i+1 {
			return nil, fmt.Errorf("sqlstore: migrations of %s are not numbered 1, 2, 3...: found %d at position %d", d, ms[i].version, i+1)
		}
	}
	return ms, nil
}

// statements splits a migration into statements: each ends with a line
// whose last character is ';'. Lines starting with "--" are comments.
func statements(script string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// migrate brings the schema up to date. Two processes may run it at once:
// on PostgreSQL the transaction first takes an advisory transaction lock;
// on SQLite it is an immediate transaction, which holds the write lock
// from BEGIN. Either way the second process waits, then finds the steps
// applied.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx querier) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("%w: database at version %d, this build knows %d", ErrSchemaTooNew, current, len(ms))
		}
		for _, m := range ms[current:] {
			for _, stmt := range statements(m.sql) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, time.Now().UnixNano()); err != nil {
				return err
			}
			s.log.InfoContext(ctx, "sqlstore: applied migration", "dialect", s.dialect.String(), "migration", m.name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: migrating: %w", err)
	}
	return nil
}

// SchemaVersion returns the newest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// ErrNotMigrated reports a database whose schema is older than this build
// expects (Ping); reopening the Store migrates it.
var ErrNotMigrated = errors.New("sqlstore: database schema is not migrated")

// Ping implements casemgmt.Pinger: it reports whether the database answers
// and carries the schema this build migrates to.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: database unreachable: %w", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: reading the schema version: %w", err)
	}
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	switch {
	case v < len(ms):
		return fmt.Errorf("%w: at version %d of %d", ErrNotMigrated, v, len(ms))
	case v > len(ms):
		return fmt.Errorf("%w: at version %d, this build knows %d", ErrSchemaTooNew, v, len(ms))
	}
	return nil
}
