package memstore_test

import (
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
)

func TestKnowledgeConformance(t *testing.T) {
	storetest.RunKnowledge(t, func(t *testing.T) casemgmt.Store { return memstore.New() })
}
