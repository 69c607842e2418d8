package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
)

// migrations holds the schema, one numbered file per step and dialect:
// migrations/<dialect>/NNNN_name.sql. A step is applied once, in the same
// transaction as the row recording it in the Store's migration table
// ({caseagent_migrations}: the SDK's own name, so that it never meets a
// host's schema_migrations). Steps are applied in order of their numbers;
// a step missing from a database (numbers may have gaps, and a later
// build may add a lower number) is applied when found.
//
//go:embed migrations
var migrations embed.FS

// migrationLockKey is the pg_advisory_xact_lock key that serialises
// migrations between processes on PostgreSQL ("caseagnt" in ASCII).
const migrationLockKey = 0x63617365_61676e74

// migrationTable is the name, in braces, of the table that records the
// steps applied.
const migrationTable = "{caseagent_migrations}"

// ErrTableExists reports that the database holds a table of the name a
// migration would create, which the SDK did not create: a table of the
// host's own. Choose a table prefix (WithTablePrefix) or, on PostgreSQL, a
// schema (WithSchema) for the SDK's tables.
var ErrTableExists = errors.New("sqlstore: a table of that name exists and was not created by this package")

// migrationSteps are the parts of steps that SQL cannot do the same way
// on every database, by the name of the step's file: each runs after the
// step's SQL, in its transaction.
var migrationSteps = map[string]func(context.Context, querier) error{
	"0005_fold_contact_names": refoldContactNames,
}

// refoldContactNames stores again the matching key of every contact's
// name, as casemgmt.NormalizeName now makes it (without accents).
func refoldContactNames(ctx context.Context, tx querier) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, name, name_norm FROM {contacts} WHERE name IS NOT NULL")
	if err != nil {
		return err
	}
	type key struct{ id, norm string }
	var changed []key
	for rows.Next() {
		var id, name string
		var norm sql.NullString
		if err := rows.Scan(&id, &name, &norm); err != nil {
			rows.Close()
			return err
		}
		if n := casemgmt.NormalizeName(name); n != norm.String {
			changed = append(changed, key{id, n})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range changed {
		if _, err := tx.ExecContext(ctx, "UPDATE {contacts} SET name_norm = $1 WHERE id = $2", nullString(k.norm), k.id); err != nil {
			return err
		}
	}
	return nil
}

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
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlstore: migrations of %s: two steps numbered %d", d, ms[i].version)
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

// Migrate brings the database's schema up to date: it applies, in order,
// every step of this build that the database lacks. Opening a Store calls
// it unless WithAutoMigrate(false) says otherwise.
//
// Several processes may run it at once: on PostgreSQL the transaction
// first takes an advisory transaction lock; on SQLite it is an immediate
// transaction, which holds the write lock from BEGIN. Either way the
// second process waits, then finds the steps applied.
//
// It fails, changing nothing, with ErrSchemaTooNew when the database
// records a step this build does not know, and with ErrTableExists when a
// step would create a table that is already there without the step being
// recorded (a table of the host's own).
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx querier) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLockKey)); err != nil {
				return err
			}
			if s.names.schema != "" {
				if err := s.createSchema(ctx, tx); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+migrationTable+` (
			version BIGINT PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		if err := s.adoptLegacy(ctx, tx, ms); err != nil {
			return err
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		known := map[int]bool{}
		for _, m := range ms {
			known[m.version] = true
		}
		for v := range applied {
			if !known[v] {
				return fmt.Errorf("%w: the database has step %d, which this build does not know", ErrSchemaTooNew, v)
			}
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			for _, table := range tablesCreated(m.sql) {
				exists, err := s.tableExists(ctx, tx, table)
				if err != nil {
					return err
				}
				if exists {
					return fmt.Errorf("%w: %s (needed by migration %s); use WithTablePrefix or WithSchema to keep the SDK's tables apart",
						ErrTableExists, s.names.table(table), m.name)
				}
			}
			for _, stmt := range statements(m.sql) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
				}
			}
			if step := migrationSteps[m.name]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("sqlstore: migration %s: %w", m.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO "+migrationTable+" (version, name, applied_at) VALUES ($1, $2, $3)",
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

// createSchema creates the Store's PostgreSQL schema when it does not
// exist. It asks first, so that a role without CREATE on the database can
// use a schema made for it beforehand.
func (s *Store) createSchema(ctx context.Context, tx querier) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", s.names.schema).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+s.names.schema)
	return err
}

// appliedVersions reads the steps recorded in the migration table.
func appliedVersions(ctx context.Context, q querier) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM "+migrationTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// tableExists reports whether the table called name (in braces in the SQL
// of this package) exists.
func (s *Store) tableExists(ctx context.Context, q querier, name string) (bool, error) {
	var exists bool
	var err error
	if s.dialect == Postgres {
		err = q.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", s.names.table(name)).Scan(&exists)
	} else {
		err = q.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)",
			s.names.table(name)).Scan(&exists)
	}
	return exists, err
}

// adoptLegacy moves the record of applied steps from schema_migrations,
// where builds before the migration table had its own name kept it, into
// the migration table, and drops schema_migrations. It does so only for a
// Store without prefix or schema (as those builds had), whose migration
// table is empty, and only when schema_migrations has this package's
// columns and names only steps of this build: a schema_migrations of
// another tool (golang-migrate's has version and dirty) is left alone.
func (s *Store) adoptLegacy(ctx context.Context, tx querier, ms []migration) error {
	if s.names.prefix != "" || s.names.schema != "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+migrationTable).Scan(&n); err != nil || n > 0 {
		return err
	}
	exists, err := s.tableExists(ctx, tx, "schema_migrations")
	if err != nil || !exists {
		return err
	}
	cols, err := s.columns(ctx, tx, "schema_migrations")
	if err != nil {
		return err
	}
	if strings.Join(cols, ",") != "applied_at,name,version" {
		return nil
	}
	names := map[int]string{}
	for _, m := range ms {
		names[m.version] = m.name
	}
	rows, err := tx.QueryContext(ctx, "SELECT version, name, applied_at FROM schema_migrations")
	if err != nil {
		return err
	}
	type rec struct {
		version int
		name    string
		at      int64
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.version, &r.name, &r.at); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range recs {
		if names[r.version] != r.name {
			return nil // not ours
		}
	}
	for _, r := range recs {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+migrationTable+" (version, name, applied_at) VALUES ($1, $2, $3)",
			r.version, r.name, r.at); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, "DROP TABLE schema_migrations")
	s.log.InfoContext(ctx, "sqlstore: moved the record of applied migrations from schema_migrations", "steps", len(recs))
	return err
}

// columns returns the sorted column names of a table (named without
// braces, as it is in the database).
func (s *Store) columns(ctx context.Context, q querier, table string) ([]string, error) {
	query := "SELECT name FROM pragma_table_info($1)"
	if s.dialect == Postgres {
		query = "SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema()"
	}
	rows, err := q.QueryContext(ctx, query, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// SchemaVersion returns the newest migration step applied to the
// database, 0 when none is.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	exists, err := s.tableExists(ctx, s.rq, "caseagent_migrations")
	if err != nil || !exists {
		return 0, err
	}
	var v int
	err = s.rq.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+migrationTable).Scan(&v)
	return v, err
}

// ErrNotMigrated reports a database whose schema lacks steps this build
// applies (Ping); Migrate, or opening the Store with migrations on,
// applies them.
var ErrNotMigrated = errors.New("sqlstore: database schema is not migrated")

// Ping implements casemgmt.Pinger: it reports whether the database answers
// and carries every migration step of this build, and no other.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: database unreachable: %w", err)
	}
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	applied := map[int]bool{}
	exists, err := s.tableExists(ctx, s.rq, "caseagent_migrations")
	if err == nil && exists {
		applied, err = appliedVersions(ctx, s.rq)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: reading the schema version: %w", err)
	}
	var missing []string
	for _, m := range ms {
		if !applied[m.version] {
			missing = append(missing, m.name)
		}
		delete(applied, m.version)
	}
	for v := range applied {
		return fmt.Errorf("%w: the database has step %d, which this build does not know", ErrSchemaTooNew, v)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s", ErrNotMigrated, strings.Join(missing, ", "))
	}
	return nil
}
