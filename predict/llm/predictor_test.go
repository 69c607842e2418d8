package llm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/llm"
)

func TestCache(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, llmfake.Answer(goodArgs))
	p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithCacheSize(2))
	dir := &directory{contacts: tn.Contacts}
	ctx := context.Background()
	fields := tn.fields(t, allFive...)

	first, err := p.Predict(ctx, request(fields, dir))
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Predict(ctx, request(fields, dir))
	if err != nil {
		t.Fatal(err)
	}
	if srv.Calls() != 1 {
		t.Fatalf("identical request: %d calls, want 1", srv.Calls())
	}
	if again.Usage != (predict.Usage{}) {
		t.Errorf("a cache hit costs nothing, got %+v", again.Usage)
	}
	if fmt.Sprint(values(first)) != fmt.Sprint(values(again)) {
		t.Errorf("cache hit answered %v, first call %v", values(again), values(first))
	}
	// A hit is judged again: the contact resolves against today's directory.
	if dir.lookups != 2 {
		t.Errorf("directory lookups = %d, want one per Predict", dir.lookups)
	}

	// Anything the model would see differently is a new request.
	known := request(fields, dir)
	known.Known = map[string]any{"category": "Invoice"}
	other := emailIn
	other.Text += " It is the third time this month."
	for _, req := range []*predict.Request{known, request(fields, dir, other), request(fields[:2], dir)} {
		if _, err := p.Predict(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Calls() != 4 {
		t.Errorf("three different requests: %d calls in all, want 4", srv.Calls())
	}
	// Size 2: the first request has been evicted.
	if _, err := p.Predict(ctx, request(fields, dir)); err != nil {
		t.Fatal(err)
	}
	if srv.Calls() != 5 {
		t.Errorf("evicted request: %d calls in all, want 5", srv.Calls())
	}
}

func TestCacheOff(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, llmfake.Answer(goodArgs))
	p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithCacheSize(0))
	for range 2 {
		if _, err := p.Predict(context.Background(), request(tn.fields(t, "category"), nil)); err != nil {
			t.Fatal(err)
		}
	}
	if srv.Calls() != 2 {
		t.Errorf("calls = %d, want 2 with the cache off", srv.Calls())
	}
}

// TestConcurrentUse runs many predictions at once on one Predictor (run
// it with -race): distinct requests each cost a call, repeated ones
// are served from the bounded cache.
func TestConcurrentUse(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, llmfake.Answer(goodArgs))
	p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithCacheSize(8))
	dir := &directory{contacts: tn.Contacts}
	const distinct = 4
	// Prime the cache so that the concurrent phase only reads it.
	reqs := make([]*predict.Request, distinct)
	for i := range reqs {
		m := emailIn
		m.Text += fmt.Sprintf(" (ticket attempt %d)", i)
		reqs[i] = request(tn.fields(t, allFive...), dir, m)
		if _, err := p.Predict(context.Background(), reqs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.Predict(context.Background(), reqs[i%distinct])
			if err == nil && len(res.Predictions) != len(allFive) {
				err = fmt.Errorf("got %v", values(res))
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.Calls() != distinct {
		t.Errorf("calls = %d, want %d", srv.Calls(), distinct)
	}
}

func TestLongConversationCut(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, llmfake.Answer(args(map[string]any{}, nil, nil)))
	p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithTokenBudget(400))
	msgs := []channel.Message{{ID: "a0", Role: channel.RoleAgent, Text: "Welcome to Kitchen support chat."}}
	msgs = append(msgs, channel.Message{ID: "c1", Role: channel.RoleCustomer, Text: "FIRST: my Bake Two oven shows F3 and will not heat."})
	for i := 2; i < 40; i++ {
		role := channel.RoleCustomer
		if i%2 == 0 {
			role = channel.RoleRepresentative
		}
		msgs = append(msgs, channel.Message{ID: fmt.Sprintf("m%d", i), Role: role, Text: fmt.Sprintf("turn %02d: %s", i, strings.Repeat("more detail ", 8))})
	}
	msgs = append(msgs, channel.Message{ID: "last", Role: channel.RoleCustomer, Text: "NEWEST: it also smells of burning now. " + strings.Repeat("a very long line ", 400)})
	if _, err := p.Predict(context.Background(), request(tn.fields(t, "category"), nil, msgs...)); err != nil {
		t.Fatal(err)
	}
	user := srv.Last().User()
	for _, want := range []string{"FIRST: my Bake Two oven", "NEWEST: it also smells", "turn 39", "messages left out", "[... cut ...]"} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %q", want)
		}
	}
	for _, gone := range []string{"Welcome to Kitchen", "turn 02:"} {
		if strings.Contains(user, gone) {
			t.Errorf("prompt keeps %q, which the budget should have cut", gone)
		}
	}
	if got := llm.EstimateTokens(user); got > 400+200 {
		t.Errorf("data section is %d tokens for a budget of 400", got)
	}
}

// TestPromptOverhead measures, in estimated tokens (four characters per
// token, see EstimateTokens), everything a request sends besides the
// conversation, for the fixture's helpdesk-like schema and, when present,
// the shared scenarios' helpdesk.json. The budget is 1,200 tokens.
func TestPromptOverhead(t *testing.T) {
	paths := []string{"testdata/helpdesk_fields.json"}
	if p := sharedHelpdesk(); p != "" {
		paths = append(paths, p)
	} else {
		t.Log("shared helpdesk.json not found; measuring the fixture only")
	}
	m := &scripted{}
	for _, mode := range []llm.Mode{llm.ModeTool, llm.ModeJSON, llm.ModeText} {
		p, err := llm.New(m, llm.WithMode(mode))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range paths {
			tn := loadTenant(t, path)
			n, err := p.PromptOverhead(tn.Fields)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("prompt overhead, %s mode, %d fields of %s: %d tokens", mode, len(tn.Fields), filepath.Base(path), n)
			if n > 1200 {
				t.Errorf("%s mode, %s: overhead %d tokens, over the budget of 1200", mode, path, n)
			}
			if n < 300 {
				t.Errorf("%s mode, %s: overhead %d tokens is too small to hold the fields; is it measured?", mode, path, n)
			}
		}
	}
}

// sharedHelpdesk returns the path of the shared scenarios' tenant
// configuration beside the module, or "".
func sharedHelpdesk() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "scenarios", "helpdesk.json")
			if _, err := os.Stat(p); err == nil {
				return p
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestPromptOverheadMatchesTheWire checks that PromptOverhead counts what
// really goes out: the request's system text, tool and fence, less the
// conversation.
func TestPromptOverheadMatchesTheWire(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, llmfake.Answer(goodArgs))
	p, _ := predictor(t, srv, llmfake.OpenAI)
	overhead, err := p.PromptOverhead(tn.Fields)
	if err != nil {
		t.Fatal(err)
	}
	msg := channel.Message{ID: "x", Role: channel.RoleCustomer, Text: "hello"}
	if _, err := p.Predict(context.Background(), request(tn.Fields, &directory{}, msg)); err != nil {
		t.Fatal(err)
	}
	r := srv.Last()
	sent := llm.EstimateTokens(r.System) + llm.EstimateTokens(r.User()) + llm.EstimateTokens(llm.ToolName) +
		llm.EstimateTokens(r.Tools[0].Description) + llm.EstimateTokens(string(r.Tools[0].Schema))
	conv := llm.EstimateTokens("#012345.1 customer\nhello\n")
	if d := sent - conv - overhead; d < -3 || d > 3 {
		t.Errorf("sent %d tokens, conversation %d, overhead %d: off by %d", sent, conv, overhead, d)
	}
}

func TestBadInput(t *testing.T) {
	m := &scripted{}
	if _, err := llm.New(nil); !errors.Is(err, llm.ErrNilModel) {
		t.Errorf("New(nil) = %v", err)
	}
	for name, opt := range map[string]llm.Option{
		"mode":        llm.WithMode(llm.Mode(9)),
		"cache":       llm.WithCacheSize(-1),
		"retry":       llm.WithRetry(llm.RetryPolicy{MaxAttempts: -1}),
		"price":       llm.WithPrices(map[string]llm.Price{"m": {PromptPer1K: -1}}),
		"max tokens":  llm.WithMaxTokens(0),
		"answer size": llm.WithMaxAnswerBytes(-5),
		"clock":       llm.WithClock(nil),
	} {
		if _, err := llm.New(m, opt); !errors.Is(err, llm.ErrBadOption) {
			t.Errorf("%s: New = %v, want ErrBadOption", name, err)
		}
	}
	p, err := llm.New(m)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []channel.Message{emailIn}
	for name, fields := range map[string][]predict.Field{
		"unknown type":    {{Name: "x", Type: "date"}},
		"duplicate":       {{Name: "x", Type: predict.TypeText}, {Name: "x", Type: predict.TypeText}},
		"bad pattern":     {{Name: "x", Type: predict.TypeText, Pattern: "("}},
		"choice, no opts": {{Name: "x", Type: predict.TypeChoice}},
		"empty name":      {{Name: "", Type: predict.TypeText}},
		"other directory": {{Name: "x", Type: predict.TypeLookup, Lookup: "accounts"}},
	} {
		_, err := p.Predict(context.Background(), &predict.Request{Fields: fields, Messages: msgs})
		if !errors.Is(err, llm.ErrBadRequest) {
			t.Errorf("%s: Predict = %v, want ErrBadRequest", name, err)
		}
	}
	if _, err := p.Predict(context.Background(), nil); !errors.Is(err, llm.ErrBadRequest) {
		t.Errorf("nil request: %v", err)
	}
	if m.calls != 0 {
		t.Errorf("bad requests made %d model calls", m.calls)
	}
	res, err := p.Predict(context.Background(), &predict.Request{Fields: []predict.Field{{Name: "x", Type: predict.TypeText}}})
	if err != nil || len(res.Predictions) != 0 || m.calls != 0 {
		t.Errorf("no messages: %v %v, %d calls", res, err, m.calls)
	}
}

func TestCancelledWhileWaiting(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, func(*llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Status: 429, Header: map[string]string{"Retry-After": "2"}}
	})
	ctx, cancel := context.WithCancel(context.Background())
	p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithClock(cancellingClock{cancel}))
	_, err := p.Predict(ctx, request(tn.fields(t, "category"), nil))
	if !errors.Is(err, context.Canceled) || llm.IsRetryable(err) {
		t.Fatalf("error = %v, want a non-retryable cancellation", err)
	}
	if srv.Calls() != 1 {
		t.Errorf("calls = %d, want 1", srv.Calls())
	}
}

// cancellingClock cancels the context when asked to wait.
type cancellingClock struct{ cancel context.CancelFunc }

func (cancellingClock) Now() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

func (c cancellingClock) Sleep(ctx context.Context, _ time.Duration) error {
	c.cancel()
	<-ctx.Done()
	return ctx.Err()
}
