package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
	"github.com/caseagent/caseagent/internal/pgtest"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/budget/budgettest"
)

func TestUsageSQLite(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) casemgmt.Store {
		s, _ := openSQLite(t)
		return s
	})
}

// PostgreSQL's suites share one database per test, emptied before each
// case: a database per case would take seconds each.
func TestUsagePostgres(t *testing.T) {
	s, dsn := openPostgres(t)
	storetest.RunUsage(t, func(t *testing.T) casemgmt.Store {
		emptyUsage(t, dsn)
		return s
	})
}

// emptyUsage deletes every usage counter of the database at dsn.
func emptyUsage(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "DELETE FROM usage_counters"); err != nil {
		t.Fatal(err)
	}
}

// Several Stores on one database, as several processes have, share one
// count and one budget: 50 concurrent calls against a budget of 10 make
// at most 11.
func TestUsageSharedSQLite(t *testing.T) {
	budgettest.RunShared(t, func(t *testing.T) []budget.Counter { return counters(sqlitePair(t)) })
}

func TestUsageSharedPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	var stores []budget.Counter
	for range 4 {
		s, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithMaxConns(4))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores = append(stores, s)
	}
	budgettest.RunShared(t, func(t *testing.T) []budget.Counter {
		emptyUsage(t, dsn)
		return stores
	})
}

func counters(stores [2]*sqlstore.Store) []budget.Counter {
	return []budget.Counter{stores[0], stores[1]}
}
