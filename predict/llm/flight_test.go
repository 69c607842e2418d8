package llm

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/tmc/langchaingo/llms"
)

// gatedModel answers once release is closed, counting calls.
type gatedModel struct {
	mu      sync.Mutex
	calls   int
	release chan struct{}
	answer  string
}

func (m *gatedModel) GenerateContent(ctx context.Context, _ []llms.MessageContent, _ ...llms.CallOption) (*llms.ContentResponse, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	select {
	case <-m.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: m.answer,
		GenerationInfo: map[string]any{"PromptTokens": 10, "CompletionTokens": 5}}}}, nil
}

func (m *gatedModel) Call(ctx context.Context, prompt string, opts ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, opts...)
}

func (m *gatedModel) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i > 5000 {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestIdenticalRequestsInFlight: a request identical to one still waiting
// for the model shares its call instead of making a second.
func TestIdenticalRequestsInFlight(t *testing.T) {
	m := &gatedModel{release: make(chan struct{}),
		answer: `{"values":{"category":"Billing"},"confidence":{"category":0.8},"evidence":{"category":["charged twice"]}}`}
	p, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	req := &predict.Request{
		Fields:   []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}}}},
		Messages: []channel.Message{{ID: "1", Role: channel.RoleCustomer, Text: "I was charged twice."}},
	}
	specs, _ := specsOf(req.Fields)
	key := cacheKey(p.build(req, specs))
	results := make([]*predict.Result, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = p.Predict(context.Background(), req)
		}()
	}
	start(0)
	waitFor(t, "the first call", func() bool { return m.count() == 1 })
	start(1)
	waitFor(t, "the second request to wait", func() bool { return p.flight.waiting(key) == 1 })
	close(m.release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if results[i].Predictions["category"].Value != "Billing" {
			t.Errorf("request %d: %v", i, results[i].Predictions)
		}
	}
	if m.count() != 1 {
		t.Errorf("calls = %d, want 1", m.count())
	}
	if results[0].Usage.Calls+results[1].Usage.Calls != 1 {
		t.Errorf("usage counts %d and %d calls, want 1 in all", results[0].Usage.Calls, results[1].Usage.Calls)
	}
}

// TestWaiterOutlivesCancelledLeader: when the request that made the call
// is cancelled, the identical request waiting on it makes its own.
func TestWaiterOutlivesCancelledLeader(t *testing.T) {
	m := &gatedModel{release: make(chan struct{}),
		answer: `{"values":{"category":"Billing"},"confidence":{"category":0.8},"evidence":{"category":["charged twice"]}}`}
	p, err := New(m)
	if err != nil {
		t.Fatal(err)
	}
	req := &predict.Request{
		Fields:   []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}}}},
		Messages: []channel.Message{{ID: "1", Role: channel.RoleCustomer, Text: "I was charged twice."}},
	}
	specs, _ := specsOf(req.Fields)
	key := cacheKey(p.build(req, specs))
	ctx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() { _, err := p.Predict(ctx, req); leader <- err }()
	waitFor(t, "the first call", func() bool { return m.count() == 1 })
	follower := make(chan error, 1)
	var res *predict.Result
	go func() {
		var err error
		res, err = p.Predict(context.Background(), req)
		follower <- err
	}()
	waitFor(t, "the second request to wait", func() bool { return p.flight.waiting(key) == 1 })
	cancel()
	if err := <-leader; err == nil {
		t.Fatal("cancelled leader succeeded")
	}
	waitFor(t, "the follower's own call", func() bool { return m.count() == 2 })
	close(m.release)
	if err := <-follower; err != nil {
		t.Fatal(err)
	}
	if res.Predictions["category"].Value != "Billing" {
		t.Errorf("follower got %v", res.Predictions)
	}
}
