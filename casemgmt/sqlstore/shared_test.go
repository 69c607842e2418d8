package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
	"github.com/caseagent/caseagent/internal/pgtest"
)

// pair opens two Stores on one new database, each with its own
// connections, as two agent processes would; they open (and so migrate)
// at the same time.
type pairOpener func(t *testing.T) [2]*sqlstore.Store

func sqlitePair(t *testing.T) [2]*sqlstore.Store {
	path := filepath.Join(t.TempDir(), "shared.db")
	return openPair(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, path) })
}

func postgresPair(t *testing.T) [2]*sqlstore.Store {
	dsn := pgtest.DSN(t)
	return openPair(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, dsn) })
}

func openPair(t *testing.T, open func(context.Context) (*sqlstore.Store, error)) [2]*sqlstore.Store {
	t.Helper()
	var out [2]*sqlstore.Store
	var errs [2]error
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i], errs[i] = open(context.Background()) })
	}
	wg.Wait()
	for i, s := range out {
		if errs[i] != nil {
			t.Fatalf("opening store %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
	}
	return out
}

var pairs = []struct {
	name string
	open pairOpener
}{
	{"SQLite", sqlitePair},
	{"Postgres", postgresPair},
}

// TestTwoProcesses runs what two agent processes sharing one database do
// at once: read-modify-write one case with retry on conflict, use one
// idempotency key, and compete for claims. No update may be lost, the key
// must be first once, and no claim may have two holders.
func TestTwoProcesses(t *testing.T) {
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			stores := p.open(t)
			t.Run("Updates", func(t *testing.T) { testSharedUpdates(t, stores) })
			t.Run("Keys", func(t *testing.T) { testSharedKeys(t, stores) })
			t.Run("Claims", func(t *testing.T) { testSharedClaims(t, stores) })
			t.Run("Feed", func(t *testing.T) { testSharedFeed(t, stores) })
		})
	}
}

func testSharedUpdates(t *testing.T, stores [2]*sqlstore.Store) {
	ctx := context.Background()
	c := &casemgmt.Case{Title: "shared", Fields: casemgmt.Values{"n": int64(0)}}
	if err := stores[0].CreateCase(ctx, c, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10 // per store
	conflicts, err := incrementConcurrently(ctx, stores, c.ID, workers, each)
	if err != nil {
		t.Fatal(err)
	}
	const total = 2 * workers * each
	got, err := stores[1].GetCase(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields["n"] != int64(total) || got.Version != total+1 {
		t.Errorf("after %d updates: n = %v, version %d; want n = %d, version %d", total, got.Fields["n"], got.Version, total, total+1)
	}
	es, err := stores[0].ListAudit(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != total {
		t.Fatalf("%d audit entries, want %d", len(es), total)
	}
	// Entries are in commit order: each one's Old is the previous New.
	for i, e := range es {
		if e.Old != int64(i) || e.New != int64(i+1) {
			t.Fatalf("audit entry %d: %v -> %v, want %d -> %d", i, e.Old, e.New, i, i+1)
		}
	}
	t.Logf("%d updates, %d conflicts retried", total, conflicts)
}

func testSharedKeys(t *testing.T, stores [2]*sqlstore.Store) {
	ctx := context.Background()
	var firsts, created atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		s := stores[i%2]
		wg.Go(func() {
			first, err := s.UseKey(ctx, "msg:shared")
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
			c := &casemgmt.Case{Title: "from one message"}
			err = s.CreateCase(ctx, c, casemgmt.Write{Key: "create:shared"})
			switch {
			case err == nil:
				created.Add(1)
			case !errors.Is(err, casemgmt.ErrKeyUsed):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if firsts.Load() != 1 || created.Load() != 1 {
		t.Errorf("UseKey first %d times, CreateCase with one key succeeded %d times; want 1 and 1", firsts.Load(), created.Load())
	}
}

func testSharedClaims(t *testing.T, stores [2]*sqlstore.Store) {
	ctx := context.Background()
	const rounds, claimers = 10, 8 // claimers per store
	for r := range rounds {
		name := fmt.Sprintf("follow-up:case-%d", r)
		var holders atomic.Int64
		var wg sync.WaitGroup
		for i := range 2 * claimers {
			s := stores[i%2]
			wg.Go(func() {
				ok, err := s.AcquireClaim(ctx, name, fmt.Sprintf("replica-%d", i), time.Minute)
				if err != nil {
					t.Error(err)
				}
				if ok {
					holders.Add(1)
				}
			})
		}
		wg.Wait()
		if h := holders.Load(); h != 1 {
			t.Fatalf("round %d: %d holders of one claim, want 1", r, h)
		}
	}
}

// TestMigrateConcurrently opens several Stores on a new database at once:
// every one must succeed and see the schema at its newest version.
func TestMigrateConcurrently(t *testing.T) {
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			stores := p.open(t)
			for i, s := range stores {
				v, err := s.SchemaVersion(context.Background())
				if err != nil || v < 1 {
					t.Errorf("store %d: SchemaVersion = %d, %v; want >= 1", i, v, err)
				}
			}
		})
	}
}

// TestSchemaTooNew: a database migrated by a newer build is refused.
func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := openRawSQLite(t, path)
	if _, err := db.Exec("INSERT INTO caseagent_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	_, err = sqlstore.OpenSQLite(ctx, path)
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Fatalf("OpenSQLite on a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

// TestConformanceSQLitePlainDB runs the suite through New on a *sql.DB
// opened without _txlock=immediate or a busy timeout: deferred
// transactions that lose the race to upgrade must be retried. The feed's
// concurrency test runs 8 writers of 25 writes each beside 3 readers,
// which exhausted the default 20 attempts in 2 runs of 8 on a loaded
// 2-core machine.
func TestConformanceSQLitePlainDB(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store {
		db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "plain.db")+"?_journal_mode=WAL")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		// Without a busy timeout a transaction that meets another's lock
		// fails at once instead of waiting: many more attempts stand in
		// for the wait, as a host using such a DSN should configure.
		s, err := sqlstore.New(context.Background(), db, sqlstore.SQLite, sqlstore.WithMaxAttempts(200))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return s
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		open func() error
	}{
		{"empty path", func() error { _, err := sqlstore.OpenSQLite(ctx, ""); return err }},
		{"path with ?", func() error { _, err := sqlstore.OpenSQLite(ctx, "/tmp/x?y"); return err }},
		{"missing folder", func() error {
			_, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"))
			return err
		}},
		{"bad postgres dsn", func() error { _, err := sqlstore.OpenPostgres(ctx, "postgres://%zz"); return err }},
		{"nil db", func() error { _, err := sqlstore.New(ctx, nil, sqlstore.SQLite); return err }},
		{"unknown dialect", func() error { _, err := sqlstore.New(ctx, &sql.DB{}, sqlstore.Dialect(9)); return err }},
	}
	for _, tt := range tests {
		if err := tt.open(); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestPing: a migrated database is ready; one behind or ahead of this
// build is not, and says so.
func TestPing(t *testing.T) {
	ctx := context.Background()
	s, path := openSQLite(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a migrated database: %v", err)
	}
	db := openRawSQLite(t, path)
	if _, err := db.Exec("DELETE FROM caseagent_migrations"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); !errors.Is(err, sqlstore.ErrNotMigrated) {
		t.Errorf("Ping behind: %v, want ErrNotMigrated", err)
	}
	if _, err := db.Exec("INSERT INTO caseagent_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Errorf("Ping ahead: %v, want ErrSchemaTooNew", err)
	}
	s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping on a closed store: no error")
	}
}

// TestOpenSQLiteConcurrently opens many Stores on new files at once, as
// processes starting together would: switching a file to WAL and
// migrating it must not fail any of them with "database is locked".
func TestOpenSQLiteConcurrently(t *testing.T) {
	for round := range 10 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("open-%d.db", round))
		var wg sync.WaitGroup
		errs := make(chan error, 6)
		for range 6 {
			wg.Go(func() {
				s, err := sqlstore.OpenSQLite(context.Background(), path)
				if err != nil {
					errs <- err
					return
				}
				_, err = s.GetCase(context.Background(), "none")
				if !errors.Is(err, casemgmt.ErrNotFound) {
					errs <- err
				}
				s.Close()
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
	}
}

// testSharedFeed has writers of both stores update one case (retrying
// conflicts) while a consumer of each store follows the feed: each must
// read every entry once, gap-free, with the counter's updates in the order
// they committed.
func testSharedFeed(t *testing.T, stores [2]*sqlstore.Store) {
	ctx := context.Background()
	start, err := stores[0].LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := &casemgmt.Case{Title: "feed", Fields: casemgmt.Values{"n": int64(0)}}
	if err := stores[0].CreateCase(ctx, c, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 6, 10 // per store
	done := make(chan struct{})
	var consumers sync.WaitGroup
	read := make([][]casemgmt.FeedEntry, 2)
	cerrs := make([]error, 2)
	for i, s := range stores {
		consumers.Go(func() {
			cursor := start
			finished := false
			for {
				es, err := s.ReadChanges(ctx, cursor, 5)
				if err != nil {
					cerrs[i] = err
					return
				}
				for _, e := range es {
					if e.Seq != cursor+1 {
						cerrs[i] = fmt.Errorf("entry %d after %d", e.Seq, cursor)
						return
					}
					cursor = e.Seq
					read[i] = append(read[i], e)
				}
				if len(es) == 0 {
					if finished {
						return
					}
					select {
					case <-done:
						finished = true
					case <-time.After(time.Millisecond):
					}
				}
			}
		})
	}
	_, err = incrementConcurrently(ctx, stores, c.ID, workers, each)
	close(done)
	consumers.Wait()
	if err != nil {
		t.Fatal(err)
	}
	const total = 2 * workers * each
	for i := range stores {
		if cerrs[i] != nil {
			t.Fatalf("consumer of store %d: %v", i, cerrs[i])
		}
		if len(read[i]) != total+1 {
			t.Fatalf("consumer of store %d read %d entries, want %d", i, len(read[i]), total+1)
		}
		for j, e := range read[i][1:] {
			a, ok := e.Changed("n")
			if !ok || a.Old != int64(j) || a.New != int64(j+1) || e.Case.Version != int64(j+2) {
				t.Fatalf("consumer of store %d: entry %d changes n %v -> %v at version %d; want %d -> %d at %d",
					i, e.Seq, a.Old, a.New, e.Case.Version, j, j+1, j+2)
			}
		}
	}
}

// incrementConcurrently runs workers goroutines on each store that each
// add one to the case's field n, each times, by read-modify-write with a
// retry on conflict, and an audit entry per increment. It returns how many
// conflicts were retried and the first error other than a conflict.
func incrementConcurrently(ctx context.Context, stores [2]*sqlstore.Store, id string, workers, each int) (int64, error) {
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 2*workers)
	for i := range 2 * workers {
		s := stores[i%2]
		wg.Go(func() {
			for range each {
				for {
					cur, err := s.GetCase(ctx, id)
					if err != nil {
						errc <- err
						return
					}
					n := cur.Fields["n"].(int64)
					cur.Fields["n"] = n + 1
					err = s.UpdateCase(ctx, cur, casemgmt.Write{Audit: []casemgmt.AuditEntry{{
						Field: "n", Old: n, New: n + 1, Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem, ID: fmt.Sprint(i)},
					}}})
					if errors.Is(err, casemgmt.ErrConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						errc <- err
						return
					}
					break
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	return conflicts.Load(), <-errc
}
