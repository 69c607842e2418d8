package sqlstore_test

import (
	"context"
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

func TestUsagePostgres(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) casemgmt.Store {
		s, _ := openPostgres(t)
		return s
	})
}

// Several Stores on one database, as several processes have, share one
// count and one budget: 50 concurrent calls against a budget of 10 make
// at most 11.
func TestUsageSharedSQLite(t *testing.T) {
	budgettest.RunShared(t, func(t *testing.T) []budget.Counter { return counters(sqlitePair(t)) })
}

func TestUsageSharedPostgres(t *testing.T) {
	budgettest.RunShared(t, func(t *testing.T) []budget.Counter {
		dsn := pgtest.DSN(t)
		var out []budget.Counter
		for range 4 {
			s, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.WithMaxConns(4))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			out = append(out, s)
		}
		return out
	})
}

func counters(stores [2]*sqlstore.Store) []budget.Counter {
	return []budget.Counter{stores[0], stores[1]}
}
