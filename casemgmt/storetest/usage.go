package storetest

import (
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/budget/budgettest"
)

// RunUsage proves the optional usage counters of a store: it fails when
// the stores newStore returns do not implement budget.Counter, and runs
// budgettest.RunCounter on them. Stores shared by several processes
// should also pass budgettest.RunShared with several Stores on one
// database.
func RunUsage(t *testing.T, newStore func(t *testing.T) casemgmt.Store) {
	budgettest.RunCounter(t, func(t *testing.T) budget.Counter {
		s := newStore(t)
		c, ok := s.(budget.Counter)
		if !ok {
			t.Fatalf("%T does not implement budget.Counter (ReserveUsage, CommitUsage, GetUsage)", s)
		}
		return c
	})
}
