package storetest

import (
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/knowledge/knowledgetest"
)

// RunKnowledge proves the optional knowledge capability of the stores made
// by newStore: when they implement knowledge.Store, it runs
// knowledgetest.RunStore (which also proves their search when they are
// knowledge.Searchers); otherwise it skips, saying so.
func RunKnowledge(t *testing.T, newStore func(t *testing.T) casemgmt.Store) {
	t.Helper()
	probe := newStore(t)
	if _, ok := probe.(knowledge.Store); !ok {
		t.Skipf("%T does not implement knowledge.Store", probe)
	}
	knowledgetest.RunStore(t, func(t *testing.T) knowledge.Store {
		return newStore(t).(knowledge.Store)
	})
}
