package knowledge_test

import (
	"testing"

	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/knowledge/knowledgetest"
)

func TestIndexConformance(t *testing.T) {
	knowledgetest.RunRetriever(t, func(t *testing.T, arts []knowledge.Article) knowledge.Retriever {
		ix, err := knowledge.NewIndex(arts)
		if err != nil {
			t.Fatal(err)
		}
		return ix
	})
}
