package budget_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tmc/langchaingo/llms/openai"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/llm"
)

// A Budget over the LLM predictor, with 20 concurrent calls against a
// cost limit of about five calls: the predictor's own estimate holds
// every call to what it costs, so the calls made cost at most the limit
// plus one call.
func TestLLMConcurrentCost(t *testing.T) {
	srv := llmfake.NewOpenAI(t, func(*llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Delay: 20 * time.Millisecond, PromptTokens: 400, CompletionTokens: 60,
			Choices: []llmfake.Choice{{ToolArgs: `{"values":{"title":null},"confidence":{},"evidence":{}}`}}}
	})
	m, err := openai.New(openai.WithToken("k"), openai.WithBaseURL(srv.URL), openai.WithModel("m"),
		openai.WithHTTPClient(llm.HTTPClient(nil, 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	pred, err := llm.New(m, llm.WithModelName("m"), llm.WithPrices(map[string]llm.Price{"m": {PromptPer1K: 1, CompletionPer1K: 2}}),
		llm.WithMaxTokens(200))
	if err != nil {
		t.Fatal(err)
	}
	perCall := 400.0/1000*1 + 60.0/1000*2 // 0.52
	limit := 5 * perCall
	b, err := budget.New(pred, &budget.MemoryCounter{}, budget.Limits{Period: budget.Daily(nil), Hard: budget.Limit{Cost: limit}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused := 0
	for i := range 20 {
		wg.Go(func() {
			// Distinct requests, so that none is answered from the cache.
			req := &predict.Request{Fields: []predict.Field{{Name: "title", Type: predict.TypeText}},
				Messages: []channel.Message{{ID: "m", Role: channel.RoleCustomer, Text: fmt.Sprintf("My camera %d is offline.", i)}}}
			_, err := b.Predict(context.Background(), req)
			switch {
			case errors.Is(err, budget.ErrExhausted):
				mu.Lock()
				refused++
				mu.Unlock()
			case err != nil:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	st, err := b.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d calls made, %d refused; spent %.2f of %.2f", srv.Calls(), refused, st.Spent.Cost, limit)
	if st.Spent.Cost > limit+perCall+1e-9 {
		t.Errorf("spent %.2f, more than one call (%.2f) over the limit %.2f", st.Spent.Cost, perCall, limit)
	}
	if srv.Calls() != st.Spent.Calls || srv.Calls()+refused != 20 {
		t.Errorf("server saw %d calls, budget counted %d, %d refused; want all 20 accounted for", srv.Calls(), st.Spent.Calls, refused)
	}
	if st.Spent.Calls < 5 {
		t.Errorf("only %d calls made within a budget of 5", st.Spent.Calls)
	}
}
