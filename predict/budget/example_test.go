package budget_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

func Example() {
	// model stands for an llm.Predictor: every call costs 0.4.
	model := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "llm:gpt-4o-mini", Predictions: map[string]predict.Prediction{},
			Usage: predict.Usage{Calls: 1, PromptTokens: 1500, CompletionTokens: 120, TotalTokens: 1620, Cost: 0.4}}, nil
	})
	// offline stands for the heuristic predictor.
	offline := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "heuristic", Predictions: map[string]predict.Prediction{}}, nil
	})
	// In production the counter is the store (sqlstore.Store), shared by
	// every process.
	counter := &budget.MemoryCounter{}
	b, err := budget.New(model, counter, budget.Limits{
		Period: budget.Monthly(time.UTC),
		Soft:   budget.Limit{Cost: 0.8},
		Hard:   budget.Limit{Cost: 1},
		OnHard: budget.Fallback(offline),
	}, budget.WithScope("acme"), budget.WithClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &predict.Request{
		Fields:   []predict.Field{{Name: "title", Type: predict.TypeText}},
		Messages: []channel.Message{{Role: channel.RoleCustomer, Text: "My camera is offline."}},
	}
	ctx := context.Background()
	for range 4 {
		res, err := b.Predict(ctx, req)
		if err != nil {
			fmt.Println(err)
			return
		}
		st, _ := b.Status(ctx)
		fmt.Printf("%s answered; %s\n", res.Predictor, st.State)
	}
	st, _ := b.Status(ctx)
	fmt.Println(st.Message)

	// A budget that stops says why.
	stop, _ := budget.New(model, counter, budget.Limits{Period: budget.Monthly(time.UTC), Hard: budget.Limit{Cost: 1}},
		budget.WithScope("acme"), budget.WithClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }))
	_, err = stop.Predict(ctx, req)
	fmt.Println(errors.Is(err, budget.ErrExhausted), err)
	// Output:
	// llm:gpt-4o-mini answered; ok
	// llm:gpt-4o-mini answered; warning
	// llm:gpt-4o-mini answered; exhausted
	// heuristic answered; exhausted
	// hard limit reached for acme/2026-12: cost 1.2 of 1; calls use the fallback
	// true budget: exhausted: hard limit reached for acme/2026-12: cost 1.2 of 1; calls are refused
}
