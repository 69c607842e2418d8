package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
	"github.com/caseagent/caseagent/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openSQLite opens a Store on a new file in t's temporary folder.
func openSQLite(t testing.TB, opts ...sqlstore.Option) (*sqlstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cases.db")
	s, err := sqlstore.OpenSQLite(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// openPostgres opens a Store on a new database, or skips t.
func openPostgres(t testing.TB, opts ...sqlstore.Option) (*sqlstore.Store, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	s, err := sqlstore.OpenPostgres(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store {
		s, _ := openSQLite(t)
		return s
	})
}

func TestConformanceSQLiteMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store {
		s, err := sqlstore.OpenSQLite(context.Background(), ":memory:")
		if err != nil {
			t.Fatalf("OpenSQLite: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestConformancePostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store {
		s, _ := openPostgres(t)
		return s
	})
}
