package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tmc/langchaingo/llms"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/llm"
)

var _ budget.Estimator = (*llm.Predictor)(nil)

var (
	tokOnce sync.Once
	tok     *llm.Tokenizer
	tokErr  error
)

func o200k(t testing.TB) *llm.Tokenizer {
	t.Helper()
	tokOnce.Do(func() { tok, tokErr = llm.NewTokenizer(llm.EncodingO200K) })
	if tokErr != nil {
		t.Fatal(tokErr)
	}
	return tok
}

// Counts as OpenAI's tokenizers give them.
func TestTokenizer(t *testing.T) {
	cl, err := llm.NewTokenizer(llm.EncodingCL100K)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tok  *llm.Tokenizer
		text string
		want int
	}{
		{cl, "hello world", 2},
		{cl, "tiktoken is great!", 6},
		{cl, "", 0},
		{cl, "<|endoftext|>", 7}, // special tokens in text are text
		{o200k(t), "hello world", 2},
	} {
		if got := tc.tok.Count(tc.text); got != tc.want {
			t.Errorf("%s: Count(%q) = %d, want %d", tc.tok.Name(), tc.text, got, tc.want)
		}
	}
	if _, err := llm.NewTokenizer("p51k"); !errors.Is(err, llm.ErrBadOption) {
		t.Errorf("unknown encoding: %v, want ErrBadOption", err)
	}
}

// silent is a model that reports no usage, as some compatible servers do;
// it keeps what it was sent.
type silent struct {
	mu     sync.Mutex
	answer string
	msgs   []llms.MessageContent
	opts   llms.CallOptions
}

func (m *silent) GenerateContent(_ context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = msgs
	m.opts = llms.CallOptions{}
	for _, o := range opts {
		o(&m.opts)
	}
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{
		ToolCalls: []llms.ToolCall{{ID: "1", Type: "function", FunctionCall: &llms.FunctionCall{Name: llm.ToolName, Arguments: m.answer}}},
	}}}, nil
}

func (m *silent) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, opts...)
}

// Where the provider reports no usage, the predictor counts what it sent
// and received with its token counter, prices it, and estimated the same
// prompt before the call.
func TestMeasuredUsage(t *testing.T) {
	tn := fixture(t)
	m := &silent{answer: goodArgs}
	count := o200k(t).Count
	price := llm.Price{PromptPer1K: 0.00015, CompletionPer1K: 0.0006}
	p, err := llm.New(m, llm.WithTokenCounter(count), llm.WithModelName("m"), llm.WithPrices(map[string]llm.Price{"m": price}),
		llm.WithMaxTokens(500))
	if err != nil {
		t.Fatal(err)
	}
	req := request(tn.Fields, &directory{})
	est := p.EstimateUsage(req)
	res, err := p.Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.opts.Tools) != 1 {
		t.Fatalf("%d tools sent, want 1", len(m.opts.Tools))
	}
	schema, err := json.Marshal(m.opts.Tools[0].Function.Parameters)
	if err != nil {
		t.Fatal(err)
	}
	prompt := 3 + count(llm.ToolName) + count(m.opts.Tools[0].Function.Description) + count(string(schema))
	for _, msg := range m.msgs {
		prompt += 3
		for _, part := range msg.Parts {
			prompt += count(part.(llms.TextContent).Text)
		}
	}
	completion := count(llm.ToolName) + count(goodArgs)
	want := predict.Usage{Calls: 1, PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
	want.Cost = price.Cost(want)
	if diff := cmp.Diff(want, res.Usage); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	wantEst := predict.Usage{Calls: 1, PromptTokens: prompt, CompletionTokens: 500, TotalTokens: prompt + 500}
	wantEst.Cost = price.Cost(wantEst)
	if diff := cmp.Diff(wantEst, est); diff != "" {
		t.Errorf("estimate before the call (-want +got):\n%s", diff)
	}
	t.Logf("prompt %d tokens (o200k_base), answer %d; estimated cost %.6f, spent %.6f", prompt, completion, est.Cost, res.Usage.Cost)
	// The same request again is answered from the cache: nothing to
	// reserve.
	if got := p.EstimateUsage(req); got != (predict.Usage{}) {
		t.Errorf("estimate of a cached request: %+v, want zero", got)
	}
	if got := p.EstimateUsage(&predict.Request{Fields: tn.Fields}); got != (predict.Usage{}) {
		t.Errorf("estimate without messages: %+v, want zero", got)
	}
}

// Usage the provider reports is kept as reported.
func TestReportedUsageKept(t *testing.T) {
	tn := fixture(t)
	p, err := llm.New(&scripted{answer: goodArgs}, llm.WithTokenCounter(o200k(t).Count))
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Predict(context.Background(), request(tn.Fields, &directory{}, channel.Message{ID: "m", Role: channel.RoleCustomer, Text: "My Rinse 45 stops with error E24."}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (predict.Usage{Calls: 1, PromptTokens: 900, CompletionTokens: 80, TotalTokens: 980}); res.Usage != want {
		t.Errorf("usage %+v, want the provider's %+v", res.Usage, want)
	}
}

// BenchmarkNewTokenizer measures loading an encoding from the embedded
// files (time and memory).
func BenchmarkNewTokenizer(b *testing.B) {
	for _, enc := range []string{llm.EncodingCL100K, llm.EncodingO200K} {
		b.Run(enc, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := llm.NewTokenizer(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEstimateUsage measures what a budget adds before each call:
// building the prompt and counting it with the o200k tokenizer.
func BenchmarkEstimateUsage(b *testing.B) {
	tn := fixture(b)
	p, err := llm.New(&scripted{answer: goodArgs}, llm.WithTokenCounter(o200k(b).Count), llm.WithCacheSize(0))
	if err != nil {
		b.Fatal(err)
	}
	req := request(tn.Fields, &directory{})
	b.ReportAllocs()
	for b.Loop() {
		if u := p.EstimateUsage(req); u.PromptTokens == 0 {
			b.Fatal("no estimate")
		}
	}
}
