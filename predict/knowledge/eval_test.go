package knowledge_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/knowledge/knowledgetest"
)

func TestRetrievalQualityFirstRun(t *testing.T) {
	arts, qs, err := knowledgetest.EvalSet()
	if err != nil {
		t.Fatal(err)
	}
	ix, err := knowledge.NewIndex(arts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := knowledgetest.Evaluate(context.Background(), ix, qs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d articles, %s", len(arts), m)
	for _, miss := range m.Misses {
		t.Logf("rank %d (top %s): %s [%s]", miss.Rank, miss.Top, miss.Query.Text, miss.Query.Expect)
	}
}
