package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// TestEnvDSN runs the CASEAGENT_TEST_POSTGRES path against the private
// cluster: the DSN given is used as the server, and the database handed
// out is new and dropped at the end.
func TestEnvDSN(t *testing.T) {
	admin, err := acquire()
	if errors.Is(err, errNoBinaries) {
		t.Skipf("pgtest: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(release)
	t.Setenv(EnvDSN, admin)
	var name string
	t.Run("use", func(t *testing.T) {
		dsn := DSN(t)
		if !strings.Contains(dsn, "/pgtest_") {
			t.Errorf("DSN %q does not name a new database", dsn)
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRowContext(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if name == "" || n != 0 {
		t.Errorf("database %q still exists after its test (%d)", name, n)
	}
}
