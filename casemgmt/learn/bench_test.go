package learn_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/casemgmt/learn"
	"github.com/caseagent/caseagent/casemgmt/memstore"
)

// BenchmarkTrain trains both fields from 10,000 resolved cases in
// memstore: reading the cases and their audit trail, training, and
// evaluating on the newest 2,000.
func BenchmarkTrain(b *testing.B) {
	ctx := context.Background()
	st := memstore.New()
	fill(b, st, makeStories(10000, 21), history, 22)
	schema := testSchema(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := learn.Train(ctx, st, schema); err != nil {
			b.Fatal(err)
		}
	}
}
