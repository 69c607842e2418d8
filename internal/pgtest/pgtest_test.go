package pgtest_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/caseagent/caseagent/internal/pgtest"
	_ "github.com/jackc/pgx/v5/stdlib"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestDSN checks that every call gives a distinct, empty, writable database.
func TestDSN(t *testing.T) {
	ctx := context.Background()
	seen := map[string]bool{}
	for range 2 {
		dsn := pgtest.DSN(t)
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var name string
		var tables int
		if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		if seen[name] {
			t.Fatalf("database %s handed out twice", name)
		}
		seen[name] = true
		if err := db.QueryRowContext(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("database %s has %d tables, want 0", name, tables)
		}
		if _, err := db.ExecContext(ctx, "CREATE TABLE t (x int)"); err != nil {
			t.Errorf("database %s is not writable: %v", name, err)
		}
	}
}

func TestDSNParallel(t *testing.T) {
	for _, name := range []string{"a", "b", "c"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db, err := sql.Open("pgx", pgtest.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.PingContext(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
