package memstore_test

import (
	"testing"

	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/knowledge/knowledgetest"
)

func TestKnowledgeConformance(t *testing.T) {
	knowledgetest.RunStore(t, func(t *testing.T) knowledge.Store { return memstore.New() })
}
