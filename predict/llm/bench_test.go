package llm_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/predict/llm"
)

// BenchmarkPredict measures the predictor's own work per request (prompt,
// schema, extraction, validation, guards, directory lookup) around a
// model that answers at once; the cache is off so every iteration does
// it all.
func BenchmarkPredict(b *testing.B) {
	tn := fixture(b)
	m := &scripted{answer: goodArgs}
	p, err := llm.New(m, llm.WithCacheSize(0))
	if err != nil {
		b.Fatal(err)
	}
	req := request(tn.fields(b, allFive...), &directory{contacts: tn.Contacts})
	b.ReportAllocs()
	for b.Loop() {
		res, err := p.Predict(context.Background(), req)
		if err != nil || len(res.Predictions) != len(allFive) {
			b.Fatalf("%v %v", res, err)
		}
	}
}

// BenchmarkPredictCacheHit measures an answer from the cache.
func BenchmarkPredictCacheHit(b *testing.B) {
	tn := fixture(b)
	m := &scripted{answer: goodArgs}
	p, err := llm.New(m)
	if err != nil {
		b.Fatal(err)
	}
	req := request(tn.fields(b, allFive...), &directory{contacts: tn.Contacts})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Predict(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	if m.calls != 1 {
		b.Fatalf("calls = %d, want 1", m.calls)
	}
}
