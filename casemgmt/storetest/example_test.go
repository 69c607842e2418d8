package storetest_test

import (
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
)

// An adapter's test file needs one function: Run with a constructor that
// returns a new, empty store for every subtest.
func ExampleRun() {
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) casemgmt.Store {
			return memstore.New() // your store, on a fresh database or schema
		})
	}
}
