package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
	"github.com/caseagent/caseagent/internal/pgtest"
	"github.com/caseagent/caseagent/predict"
)

// hostSchema is what a host application that runs its own helpdesk has
// in its database before it adds the SDK: a cases table of its own and
// golang-migrate's schema_migrations at a version far above the SDK's.
var hostSchema = []string{
	"CREATE TABLE cases (id BIGINT PRIMARY KEY, subject TEXT NOT NULL)",
	"INSERT INTO cases (id, subject) VALUES (1, 'host case')",
	"CREATE TABLE contacts (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
	"CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, dirty BOOLEAN NOT NULL)",
	"INSERT INTO schema_migrations (version, dirty) VALUES (20240101120000, false)",
}

func execAll(t *testing.T, db *sql.DB, stmts []string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// checkHostTables fails t unless the host's tables hold what hostSchema
// put there.
func checkHostTables(t *testing.T, db *sql.DB) {
	t.Helper()
	var subject string
	var n int
	if err := db.QueryRow("SELECT subject FROM cases WHERE id = 1").Scan(&subject); err != nil || subject != "host case" {
		t.Errorf("host's cases table: %q, %v", subject, err)
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM cases").Scan(&n); err != nil || n != 1 {
		t.Errorf("host's cases table has %d rows, %v; want 1", n, err)
	}
	var v int64
	var dirty bool
	if err := db.QueryRow("SELECT version, dirty FROM schema_migrations").Scan(&v, &dirty); err != nil || v != 20240101120000 || dirty {
		t.Errorf("host's schema_migrations: %d %v, %v", v, dirty, err)
	}
}

// TestSharedDatabaseSQLite: in a database with the host's own cases table
// and a golang-migrate schema_migrations, opening without a prefix fails
// with ErrTableExists and leaves everything as it was; with a prefix the
// Store passes the whole conformance suite beside the host's tables.
func TestSharedDatabaseSQLite(t *testing.T) {
	ctx := context.Background()
	hostDB := func(t *testing.T) (string, *sql.DB) {
		path := filepath.Join(t.TempDir(), "host.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		execAll(t, db, hostSchema)
		return path, db
	}

	path, db := hostDB(t)
	_, err := sqlstore.OpenSQLite(ctx, path)
	if !errors.Is(err, sqlstore.ErrTableExists) || !strings.Contains(err.Error(), "cases") {
		t.Fatalf("OpenSQLite over the host's cases table: %v, want ErrTableExists naming it", err)
	}
	checkHostTables(t, db)
	var ours int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'caseagent%' OR name = 'audit'").Scan(&ours); err != nil || ours != 0 {
		t.Errorf("a failed open left %d tables behind (%v)", ours, err)
	}

	storetest.Run(t, func(t *testing.T) casemgmt.Store {
		path, db := hostDB(t)
		s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.WithTablePrefix("caseagent_"))
		if err != nil {
			t.Fatalf("OpenSQLite with a prefix: %v", err)
		}
		t.Cleanup(func() {
			s.Close()
			checkHostTables(t, db)
		})
		return s
	})
}

// TestSharedDatabasePostgres: the same on PostgreSQL, with the SDK's tables
// in a schema of their own, and with a prefix in the host's schema.
func TestSharedDatabasePostgres(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	execAll(t, db, hostSchema)

	_, err = sqlstore.OpenPostgres(ctx, dsn)
	if !errors.Is(err, sqlstore.ErrTableExists) || !strings.Contains(err.Error(), "cases") {
		t.Fatalf("OpenPostgres over the host's cases table: %v, want ErrTableExists naming it", err)
	}
	checkHostTables(t, db)

	for _, tc := range []struct {
		name string
		opts []sqlstore.Option
	}{
		{"schema", []sqlstore.Option{sqlstore.WithSchema("caseagent")}},
		{"prefix", []sqlstore.Option{sqlstore.WithTablePrefix("ca_")}},
		{"schema and prefix", []sqlstore.Option{sqlstore.WithSchema("support"), sqlstore.WithTablePrefix("ca_")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlstore.OpenPostgres(ctx, dsn, tc.opts...)
			if err != nil {
				t.Fatalf("OpenPostgres: %v", err)
			}
			defer s.Close()
			exercise(t, s)
			checkHostTables(t, db)
			// Opening again finds the schema migrated.
			again, err := sqlstore.OpenPostgres(ctx, dsn, tc.opts...)
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			again.Close()
		})
	}
}

// exercise uses every table of the Store once, so that a query that
// missed the prefix or schema meets the host's tables, or none.
func exercise(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	by := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep"}
	ct := &casemgmt.Contact{Name: "Ana", Email: "ana@example.com", Phone: "+1 555 0101"}
	if err := s.CreateContact(ctx, ct); err != nil {
		t.Fatal(err)
	}
	c := &casemgmt.Case{Title: "shared", ContactID: ct.ID, NextDueAt: time.Now().Add(-time.Minute),
		Links: []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: "chat-1"}}}
	w := casemgmt.Write{Key: "k1", Audit: []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: by}},
		Interaction: &casemgmt.Interaction{Trigger: "test", Outcome: casemgmt.OutcomeCreated},
		Events:      []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent}}}
	if err := s.CreateCase(ctx, c, w); err != nil {
		t.Fatal(err)
	}
	c.Title = "shared, updated"
	if err := s.UpdateCase(ctx, c, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertCase(ctx, &casemgmt.Case{ExternalID: "X-1"}, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: "m1@x"}, {Kind: casemgmt.LinkContact, ID: "C-9"}} {
		if err := s.Relate(ctx, c.ID, l, casemgmt.Write{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Unrelate(ctx, c.ID, casemgmt.Link{Kind: casemgmt.LinkContact, ID: "C-9"}, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	check := func(what string, n int, err error, want int) {
		t.Helper()
		if err != nil || n != want {
			t.Errorf("%s: %d, %v; want %d", what, n, err, want)
		}
	}
	got, err := s.GetCaseByNumber(ctx, c.Number)
	check("GetCaseByNumber", boolInt(got != nil && got.Title == "shared, updated"), err, 1)
	_, err = s.FindCaseByConversation(ctx, "chat-1")
	check("FindCaseByConversation", 0, err, 0)
	cs, err := s.FindCasesByMessageID(ctx, []string{"m1@x"})
	check("FindCasesByMessageID", len(cs), err, 1)
	cs, err = s.FindCasesByContact(ctx, ct.ID, casemgmt.Filter{})
	check("FindCasesByContact", len(cs), err, 1)
	cs, err = s.FindDueCases(ctx, time.Now(), casemgmt.Filter{})
	check("FindDueCases", len(cs), err, 1)
	p, err := s.ListCases(ctx, casemgmt.ListQuery{ContactID: ct.ID})
	check("ListCases", len(p.Cases), err, 1)
	cts, err := s.FindContacts(ctx, predict.ContactQuery{Email: "ana@example.com"})
	check("FindContacts", len(cts), err, 1)
	es, err := s.ListAudit(ctx, c.ID)
	check("ListAudit", len(es), err, 1)
	ins, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{CaseID: c.ID})
	check("ListInteractions", len(ins), err, 1)
	fe, err := s.ReadChanges(ctx, 0, 0)
	check("ReadChanges", len(fe), err, 7)
	first, err := s.UseKey(ctx, "k1")
	check("UseKey of a used key", boolInt(first), err, 0)
	ok, err := s.AcquireClaim(ctx, "job", "a", time.Minute)
	check("AcquireClaim", boolInt(ok), err, 1)
	check("ReleaseClaim", 0, s.ReleaseClaim(ctx, "job", "a"), 0)
	check("PutState", 0, s.PutState(ctx, "k", []byte("v")), 0)
	v, err := s.GetState(ctx, "k")
	check("GetState", len(v), err, 1)
	r, err := s.Purge(ctx, time.Now().Add(time.Hour))
	check("Purge", int(r.Changes), err, 7)
	check("DeleteCase", 0, s.DeleteCase(ctx, c.ID, casemgmt.Write{}), 0)
	check("Ping", 0, s.Ping(ctx), 0)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestManualMigration: with WithAutoMigrate(false) opening leaves the
// database alone; Ping says it is not migrated until Migrate runs.
func TestManualMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "manual.db")
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.WithAutoMigrate(false), sqlstore.WithTablePrefix("ca_"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(ctx); err != nil || v != 0 {
		t.Errorf("SchemaVersion before Migrate: %d, %v; want 0", v, err)
	}
	if err := s.Ping(ctx); !errors.Is(err, sqlstore.ErrNotMigrated) {
		t.Errorf("Ping before Migrate: %v, want ErrNotMigrated", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after Migrate: %v", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	if err := s.CreateCase(ctx, &casemgmt.Case{Title: "after migrating"}, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	db := openRawSQLite(t, path)
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM ca_cases").Scan(&n); err != nil || n != 1 {
		t.Errorf("ca_cases holds %d rows, %v; want 1", n, err)
	}
}

// TestLegacyMigrationTable: a database migrated by a build that recorded
// its steps in schema_migrations is taken over: the record moves to the
// SDK's own table and the data stays.
func TestLegacyMigrationTable(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	c := &casemgmt.Case{Title: "from before"}
	if err := s.CreateCase(ctx, c, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := openRawSQLite(t, path)
	// What an earlier build left: its steps (0001 only) recorded in
	// schema_migrations, and none of the later ones applied.
	execAll(t, db, []string{
		"ALTER TABLE caseagent_migrations RENAME TO schema_migrations",
		"DELETE FROM schema_migrations WHERE version > 1",
		"DROP TABLE feed",
		"DROP INDEX cases_created",
		"DROP INDEX idempotency_keys_used",
		"DELETE FROM counters WHERE name LIKE 'feed%'",
		"DROP TABLE knowledge_fts",
		"DROP TABLE knowledge_tags",
		"DROP TABLE knowledge_articles",
		"DROP TABLE usage_counters",
	})
	s2, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("opening a database of an earlier build: %v", err)
	}
	defer s2.Close()
	got, err := s2.GetCase(ctx, c.ID)
	if err != nil || got.Title != "from before" {
		t.Fatalf("case of the earlier build: %v, %v", got, err)
	}
	if err := s2.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'").Scan(&n); err != nil || n != 0 {
		t.Errorf("schema_migrations still there (%d, %v)", n, err)
	}
}

// TestOptionErrors: bad names and a schema on SQLite fail the open.
func TestOptionErrors(t *testing.T) {
	ctx := context.Background()
	for _, opts := range [][]sqlstore.Option{
		{sqlstore.WithTablePrefix("Bad-Prefix")},
		{sqlstore.WithTablePrefix("1x_")},
		{sqlstore.WithTablePrefix("x; DROP TABLE cases")},
		{sqlstore.WithSchema("caseagent")}, // SQLite has no schemas
	} {
		if s, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "x.db"), opts...); err == nil {
			s.Close()
			t.Errorf("OpenSQLite with %d bad options: no error", len(opts))
		}
	}
}

// TestChangeHook: the hook gets the entries of each committed write, as
// the feed holds them.
func TestChangeHook(t *testing.T) {
	ctx := context.Background()
	var got []casemgmt.FeedEntry
	s, _ := openSQLite(t, sqlstore.WithChangeHook(func(_ context.Context, es []casemgmt.FeedEntry) {
		got = append(got, es...)
	}))
	c := &casemgmt.Case{Title: "hooked"}
	if err := s.CreateCase(ctx, c, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeDraftWaiting}}}); err != nil {
		t.Fatal(err)
	}
	stale := c.Clone()
	stale.Version = 9
	if err := s.UpdateCase(ctx, stale, casemgmt.Write{}); !errors.Is(err, casemgmt.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if err := s.Relate(ctx, c.ID, casemgmt.Link{Kind: casemgmt.LinkEmail, ID: "m1"}, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCase(ctx, c.ID, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	want, err := s.ReadChanges(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 4 {
		t.Fatalf("%d feed entries, want 4", len(want))
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("hook entries differ from the feed (-feed +hook):\n%s", diff)
	}
}

// TestMigrationRefoldsContactNames: a database whose contacts were stored
// when names were matched with their accents is folded again by step 5,
// so that "Joao Goncalves" finds "João Gonçalves" stored before it.
func TestMigrationRefoldsContactNames(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "names.db")
		open := func() (*sqlstore.Store, error) {
			return sqlstore.OpenSQLite(ctx, path, sqlstore.WithTablePrefix("ca_"))
		}
		checkRefold(t, open, func() *sql.DB { return openRawSQLite(t, path) })
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		open := func() (*sqlstore.Store, error) {
			return sqlstore.OpenPostgres(ctx, dsn, sqlstore.WithTablePrefix("ca_"))
		}
		checkRefold(t, open, func() *sql.DB {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
}

// checkRefold stores contacts, turns the database back into what a build
// before step 5 left (an unfolded key, no record of the step), opens it
// again and finds the contacts by their names with and without accents.
func checkRefold(t *testing.T, open func() (*sqlstore.Store, error), raw func() *sql.DB) {
	ctx := context.Background()
	s, err := open()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*casemgmt.Contact{
		{ID: "C-1", Name: "João Gonçalves"},
		{ID: "C-2", Name: "Ana Lima"},
		{ID: "C-3", Email: "no.name@example.org"},
	} {
		if err := s.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	db := raw()
	execAll(t, db, []string{
		"UPDATE ca_contacts SET name_norm = 'joão gonçalves' WHERE id = 'C-1'",
		"DELETE FROM ca_caseagent_migrations WHERE version = 5",
	})
	if s, err = open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"Joao Goncalves", "João Gonçalves"} {
		cs, err := s.FindContacts(ctx, predict.ContactQuery{Name: name})
		if err != nil || len(cs) != 1 || cs[0].ID != "C-1" {
			t.Errorf("FindContacts(%q) after migrating = %v, %v; want C-1", name, cs, err)
		}
	}
	var norm sql.NullString
	if err := db.QueryRow("SELECT name_norm FROM ca_contacts WHERE id = 'C-3'").Scan(&norm); err != nil || norm.Valid {
		t.Errorf("a contact without a name got key %v (%v)", norm, err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v != 5 {
		t.Errorf("SchemaVersion = %d, %v; want 5", v, err)
	}
}

// openRawSQLite opens the SQLite file at path as a plain *sql.DB, as a
// build before this one or another tool would, closed when the test ends.
func openRawSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
