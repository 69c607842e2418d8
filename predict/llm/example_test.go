package llm_test

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/tmc/langchaingo/llms"
)

// scripted is an llms.Model that answers every call with one tool call
// carrying answer, and counts the calls. Token counts are reported the way
// the OpenAI client reports them.
type scripted struct {
	mu     sync.Mutex
	answer string
	calls  int
}

func (m *scripted) GenerateContent(_ context.Context, _ []llms.MessageContent, _ ...llms.CallOption) (*llms.ContentResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{
		ToolCalls:      []llms.ToolCall{{ID: "1", Type: "function", FunctionCall: &llms.FunctionCall{Name: llm.ToolName, Arguments: m.answer}}},
		GenerationInfo: map[string]any{"PromptTokens": 900, "CompletionTokens": 80, "TotalTokens": 980},
	}}}, nil
}

func (m *scripted) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, opts...)
}

// A predictor on a model (here a scripted one, so the example runs
// offline) fills the requested fields in one call. The model's claim that
// the priority is Urgent rests on words the customer never wrote, so it
// is dropped.
func Example() {
	model := &scripted{answer: `{
		"values": {"category": "Billing", "order_number": "ORD-204417", "priority": "Urgent"},
		"confidence": {"category": 0.9, "order_number": 0.97, "priority": 0.8},
		"evidence": {
			"category": ["charged twice for order ORD-204417"],
			"order_number": ["order ORD-204417"],
			"priority": ["the customer is furious and wants a manager"]
		}}`}
	p, err := llm.New(model,
		llm.WithModelName("small-model"),
		llm.WithPrices(map[string]llm.Price{"small-model": {PromptPer1K: 0.15, CompletionPer1K: 0.6}}))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := &predict.Request{
		Fields: []predict.Field{
			{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}, {Value: "Shipping"}}},
			{Name: "order_number", Type: predict.TypeText, Pattern: `ORD-[0-9]{6}`},
			{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Normal"}, {Value: "Urgent"}}},
		},
		Messages: []channel.Message{{ID: "chat-1", Role: channel.RoleCustomer,
			Text: "Hi, I was charged twice for order ORD-204417 yesterday."}},
	}
	res, err := p.Predict(context.Background(), req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var names []string
	for name := range res.Predictions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		pr := res.Predictions[name]
		fmt.Printf("%s = %v (%.2f) because %q\n", name, pr.Value, pr.Confidence, pr.Evidence[0].Quote)
	}
	fmt.Printf("%s: %d call, %d tokens, cost %.4f\n", res.Predictor, res.Usage.Calls, res.Usage.TotalTokens, res.Usage.Cost)
	// Output:
	// category = Billing (0.90) because "charged twice for order ORD-204417"
	// order_number = ORD-204417 (0.97) because "order ORD-204417"
	// llm:small-model: 1 call, 980 tokens, cost 0.1830
}

// PromptOverhead tells what a request costs besides the conversation.
func ExamplePredictor_PromptOverhead() {
	p, err := llm.New(&scripted{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fields := []predict.Field{
		{Name: "priority", Type: predict.TypeChoice, Description: "How urgent the case is.", Options: []predict.Option{
			{Value: "Low", Description: "Questions with no impact."},
			{Value: "High", Description: "Something is down."},
		}},
	}
	n, err := p.PromptOverhead(fields)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n > 100 && n < 400)
	// Output: true
}
