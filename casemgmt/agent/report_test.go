package agent_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

func TestSummarize(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	records := []casemgmt.Interaction{
		{Trigger: "conversation_ended", Outcome: casemgmt.OutcomeCreated, Predictor: "m", Latency: 10 * time.Millisecond,
			Usage: predict.Usage{Calls: 1, PromptTokens: 900, CompletionTokens: 100, TotalTokens: 1000, Cost: 0.002},
			Fields: []casemgmt.FieldOutcome{
				{Field: "category", Value: "Billing", Confidence: 0.9, Applied: true},
				{Field: "priority", Value: "High", Confidence: 0.3, Reason: "confidence 0.30 is below 0.50"},
			}},
		{Trigger: "email", Outcome: casemgmt.OutcomeSkipped, Reason: "no intake rule matches the email", Latency: time.Millisecond},
		{Trigger: "conversation_ended", Outcome: casemgmt.OutcomeUpdated, Predictor: "m", Latency: 30 * time.Millisecond,
			Usage: predict.Usage{Calls: 2, PromptTokens: 1800, CompletionTokens: 150, TotalTokens: 1950, Cost: 0.004},
			Fields: []casemgmt.FieldOutcome{
				{Field: "category", Value: "Billing", Confidence: 0.7, Reason: "unchanged"},
				{Field: "priority", Value: "High", Confidence: 0.5, Reason: "write policy: a person set this value"},
			}},
	}
	for i := range records {
		records[i].Time = at.Add(time.Duration(i) * time.Minute)
		if err := s.AddInteraction(ctx, &records[i]); err != nil {
			t.Fatal(err)
		}
	}
	r, err := agent.Summarize(ctx, s, casemgmt.InteractionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := &agent.Report{
		Runs:        3,
		Outcomes:    map[casemgmt.Outcome]int{"created": 1, "skipped": 1, "updated": 1},
		Triggers:    map[string]int{"conversation_ended": 2, "email": 1},
		SkipReasons: map[string]int{"no intake rule matches the email": 1},
		Fields: map[string]*agent.FieldReport{
			"category": {Predicted: 2, Applied: 1, MeanConfidence: 0.8, NotApplied: map[string]int{"unchanged": 1}},
			"priority": {Predicted: 2, Applied: 0, MeanConfidence: 0.4, NotApplied: map[string]int{"confidence 0.30 is below 0.50": 1, "write policy": 1}},
		},
		Usage:      predict.Usage{Calls: 3, PromptTokens: 2700, CompletionTokens: 250, TotalTokens: 2950, Cost: 0.006},
		LatencyP50: 10 * time.Millisecond,
		LatencyP95: 10 * time.Millisecond,
		Predictors: map[string]int{"m": 2},
	}
	approx := cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })
	if diff := cmp.Diff(want, r, approx); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "model calls 3, tokens 2950") {
		t.Errorf("text report:\n%s", b.String())
	}
}
