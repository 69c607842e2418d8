package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/google/go-cmp/cmp"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
)

var allFive = []string{"category", "product", "serial_number", "contact", "priority"}

// TestProviders drives the real langchaingo clients against servers
// speaking each provider's wire format, with the answer in every place
// providers put it, and counts the calls each answer costs.
func TestProviders(t *testing.T) {
	tn := fixture(t)
	want := map[string]any{"category": "Malfunction", "product": "K-DISH", "serial_number": "SN-4HD82KQ1", "contact": "P-2001", "priority": "Normal"}
	fenced := "Here is the result:\n```json\n" + goodArgs + "\n```\nLet me know if you need more."
	badJSON := `{"values": {"category": "Malfunction", "product": `
	outside := strings.Replace(goodArgs, `"Normal"`, `"Critical"`, 1)
	extra := strings.Replace(goodArgs, `"values":{`, `"values":{"refund_approved":true,`, 1)
	missing := args(map[string]any{"category": "Malfunction"}, map[string]float64{"category": 0.9}, map[string][]string{"category": {"error E24"}})
	invented := strings.Replace(goodArgs, `"My Rinse 45 dishwasher"`, `"my dishwasher model is Rinse 45"`, 1)
	for _, provider := range providers {
		tests := []struct {
			name    string
			replies []llmfake.Reply
			want    map[string]any
			calls   int
		}{
			{name: "tool call", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{ToolArgs: goodArgs}}}}, want: want, calls: 1},
			{name: "tool call in a later choice", replies: []llmfake.Reply{{Choices: []llmfake.Choice{
				{Text: "I will record the fields now."}, {ToolArgs: goodArgs}}}}, want: want, calls: 1},
			{name: "other tool name", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{ToolArgs: goodArgs, ToolName: "fields"}}}}, want: want, calls: 1},
			{name: "JSON in fenced text", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{Text: fenced}}}}, want: want, calls: 1},
			{name: "bare JSON text", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{Text: goodArgs}}}}, want: want, calls: 1},
			{name: "invalid JSON repaired", replies: []llmfake.Reply{
				{Choices: []llmfake.Choice{{Text: badJSON}}},
				{Choices: []llmfake.Choice{{ToolArgs: goodArgs}}}}, want: want, calls: 2},
			{name: "value outside options repaired", replies: []llmfake.Reply{
				{Choices: []llmfake.Choice{{ToolArgs: outside}}},
				{Choices: []llmfake.Choice{{ToolArgs: goodArgs}}}}, want: want, calls: 2},
			{name: "value outside options twice is dropped", replies: []llmfake.Reply{
				{Choices: []llmfake.Choice{{ToolArgs: outside}}}},
				want: map[string]any{"category": "Malfunction", "product": "K-DISH", "serial_number": "SN-4HD82KQ1", "contact": "P-2001"}, calls: 2},
			{name: "extra field dropped without repair", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{ToolArgs: extra}}}}, want: want, calls: 1},
			{name: "missing fields abstain", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{ToolArgs: missing}}}},
				want: map[string]any{"category": "Malfunction"}, calls: 1},
			{name: "invented evidence dropped", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{ToolArgs: invented}}}},
				want: map[string]any{"category": "Malfunction", "serial_number": "SN-4HD82KQ1", "contact": "P-2001", "priority": "Normal"}, calls: 1},
		}
		if provider != llmfake.Anthropic {
			tests = append(tests, struct {
				name    string
				replies []llmfake.Reply
				want    map[string]any
				calls   int
			}{name: "legacy function call", replies: []llmfake.Reply{{Choices: []llmfake.Choice{{ToolArgs: goodArgs, Legacy: true}}}}, want: want, calls: 1})
		}
		for _, tt := range tests {
			t.Run(provider+"/"+tt.name, func(t *testing.T) {
				srv := server(t, provider, llmfake.Sequence(tt.replies...))
				p, _ := predictor(t, srv, provider)
				dir := &directory{contacts: tn.Contacts}
				res, err := p.Predict(context.Background(), request(tn.fields(t, allFive...), dir))
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, values(res)); diff != "" {
					t.Errorf("values (-want +got):\n%s", diff)
				}
				if got := srv.Calls(); got != tt.calls {
					t.Errorf("model calls = %d, want %d", got, tt.calls)
				}
				if res.Usage.Calls != tt.calls {
					t.Errorf("Usage.Calls = %d, want %d", res.Usage.Calls, tt.calls)
				}
				kept, drops := predict.Validate(request(tn.fields(t, allFive...), dir), res)
				if len(drops) != 0 || len(kept) != len(res.Predictions) {
					t.Errorf("result fails predict.Validate: %v", drops)
				}
			})
		}
	}
}

// TestRequestOnTheWire checks what each client sends: the forced tool
// where the provider takes it, the schema's enums and patterns, the
// customer text last and fenced.
func TestRequestOnTheWire(t *testing.T) {
	tn := fixture(t)
	for _, provider := range providers {
		t.Run(provider, func(t *testing.T) {
			srv := server(t, provider, llmfake.Answer(goodArgs))
			p, _ := predictor(t, srv, provider)
			if _, err := p.Predict(context.Background(), request(tn.fields(t, allFive...), &directory{contacts: tn.Contacts})); err != nil {
				t.Fatal(err)
			}
			req := srv.Last()
			if len(req.Tools) != 1 || req.Tools[0].Name != llm.ToolName {
				t.Fatalf("tools = %+v", req.Tools)
			}
			wantChoice := llm.ToolName
			if provider == llmfake.Ollama {
				wantChoice = "" // Ollama ignores tool_choice
			}
			if req.ToolChoice != wantChoice {
				t.Errorf("tool choice = %q, want %q", req.ToolChoice, wantChoice)
			}
			var schema struct {
				Properties struct {
					Values struct {
						Properties map[string]struct {
							Enum    []any  `json:"enum"`
							Pattern string `json:"pattern"`
						} `json:"properties"`
						AdditionalProperties bool `json:"additionalProperties"`
					} `json:"values"`
				} `json:"properties"`
				Required []string `json:"required"`
			}
			if err := json.Unmarshal(req.Tools[0].Schema, &schema); err != nil {
				t.Fatal(err)
			}
			vals := schema.Properties.Values.Properties
			if diff := cmp.Diff([]any{"Low", "Normal", "High", "Urgent", nil}, vals["priority"].Enum); diff != "" {
				t.Errorf("priority enum (-want +got):\n%s", diff)
			}
			if got := vals["serial_number"].Pattern; got != "^SN-[A-Z0-9]{8}$" {
				t.Errorf("serial pattern = %q", got)
			}
			if len(vals) != len(allFive) {
				t.Errorf("schema has %d fields, want exactly the %d requested", len(vals), len(allFive))
			}
			if !strings.Contains(req.System, "Malfunction: Use when") || strings.Contains(req.System, "E24") {
				t.Errorf("system prompt must hold the fields and no customer text:\n%s", req.System)
			}
			user := req.User()
			if !strings.HasPrefix(user, "<<<DATA ") || !strings.HasSuffix(user, ">>>") || !strings.Contains(user, "error E24") {
				t.Errorf("customer text must come fenced as data:\n%s", user)
			}
		})
	}
}

func TestUsageNormalisedAndPriced(t *testing.T) {
	tn := fixture(t)
	for _, provider := range providers {
		t.Run(provider, func(t *testing.T) {
			srv := server(t, provider, func(*llmfake.Request) llmfake.Reply {
				// Two choices carrying the same usage must not count twice.
				return llmfake.Reply{Choices: []llmfake.Choice{{Text: "Recording."}, {ToolArgs: goodArgs}}, PromptTokens: 1200, CompletionTokens: 150}
			})
			p, _ := predictor(t, srv, provider, llm.WithPrices(map[string]llm.Price{"test-model": {PromptPer1K: 0.5, CompletionPer1K: 2}}))
			res, err := p.Predict(context.Background(), request(tn.fields(t, allFive...), &directory{contacts: tn.Contacts}))
			if err != nil {
				t.Fatal(err)
			}
			want := predict.Usage{Calls: 1, PromptTokens: 1200, CompletionTokens: 150, TotalTokens: 1350, Cost: 0.6 + 0.3}
			if diff := cmp.Diff(want, res.Usage, cmpFloat); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			if res.Predictor != "llm:test-model" {
				t.Errorf("Predictor = %q", res.Predictor)
			}
		})
	}
}

var cmpFloat = cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })

func TestRetries(t *testing.T) {
	tn := fixture(t)
	ok := llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: goodArgs}}}
	rate := func(after string) llmfake.Reply {
		return llmfake.Reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": after}, Error: "Rate limit reached"}
	}
	date := newClock().Now().Add(7 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name      string
		replies   []llmfake.Reply
		calls     int
		waits     []time.Duration
		status    int // of the error; 0 for success
		retryable bool
	}{
		{name: "429 retry-after seconds", replies: []llmfake.Reply{rate("3"), ok}, calls: 2, waits: []time.Duration{3 * time.Second}},
		{name: "429 retry-after http date", replies: []llmfake.Reply{rate(date), ok}, calls: 2, waits: []time.Duration{7 * time.Second}},
		{name: "500s then success", replies: []llmfake.Reply{{Status: 500}, {Status: 503}, ok}, calls: 3,
			waits: []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}},
		{name: "500s until attempts run out", replies: []llmfake.Reply{{Status: 500}}, calls: 4,
			waits:  []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second},
			status: 500, retryable: true},
		{name: "retry-after past the total time", replies: []llmfake.Reply{rate("3600")}, calls: 1, status: 429, retryable: true},
		{name: "400 not retried", replies: []llmfake.Reply{{Status: 400, Error: "bad request"}}, calls: 1, status: 400},
		{name: "401 not retried", replies: []llmfake.Reply{{Status: 401, Error: "invalid api key"}}, calls: 1, status: 401},
	}
	for _, provider := range providers {
		for _, tt := range tests {
			t.Run(provider+"/"+tt.name, func(t *testing.T) {
				srv := server(t, provider, llmfake.Sequence(tt.replies...))
				p, clk := predictor(t, srv, provider)
				res, err := p.Predict(context.Background(), request(tn.fields(t, allFive...), &directory{contacts: tn.Contacts}))
				if got := srv.Calls(); got != tt.calls {
					t.Errorf("calls = %d, want %d", got, tt.calls)
				}
				if diff := cmp.Diff(tt.waits, clk.Waits()); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
				if tt.status == 0 {
					if err != nil {
						t.Fatal(err)
					}
					if len(res.Predictions) != len(allFive) {
						t.Errorf("predictions = %v", values(res))
					}
					return
				}
				var e *llm.Error
				if !errors.As(err, &e) {
					t.Fatalf("error = %v, want *llm.Error", err)
				}
				if e.StatusCode != tt.status || e.Retryable != tt.retryable || llm.IsRetryable(err) != tt.retryable {
					t.Errorf("error = %+v, want status %d retryable %v", e, tt.status, tt.retryable)
				}
				if e.Attempts != tt.calls {
					t.Errorf("attempts = %d, want %d", e.Attempts, tt.calls)
				}
			})
		}
	}
}

// TestStatusWithoutHTTPClient checks that errors stay classified when the
// host built the client without HTTPClient: the status is read from the
// client's error text.
func TestStatusWithoutHTTPClient(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewOpenAI(t, llmfake.Sequence(llmfake.Reply{Status: 503}, llmfake.Reply{Status: 422, Error: "unprocessable"}))
	m, err := newPlainOpenAI(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	p, err := llm.New(m, llm.WithClock(clk), llm.WithJitter(noJitter))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Predict(context.Background(), request(tn.fields(t, "category"), nil))
	var e *llm.Error
	if !errors.As(err, &e) || e.StatusCode != 422 || e.Retryable || e.Attempts != 2 {
		t.Fatalf("error = %#v", err)
	}
}

func TestDeadline(t *testing.T) {
	tn := fixture(t)
	for _, provider := range providers {
		t.Run(provider, func(t *testing.T) {
			srv := server(t, provider, func(*llmfake.Request) llmfake.Reply {
				return llmfake.Reply{Delay: time.Minute, Choices: []llmfake.Choice{{ToolArgs: goodArgs}}}
			})
			p, clk := predictor(t, srv, provider)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := p.Predict(ctx, request(tn.fields(t, "category"), nil))
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want deadline exceeded", err)
			}
			if !llm.IsRetryable(err) {
				t.Errorf("a deadline is worth a later retry: %v", err)
			}
			if srv.Calls() != 1 || len(clk.Waits()) != 0 {
				t.Errorf("calls %d, waits %v: nothing may be retried past the deadline", srv.Calls(), clk.Waits())
			}
		})
	}
	t.Run("attempt timeout retried", func(t *testing.T) {
		srv := llmfake.NewOpenAI(t, llmfake.Sequence(
			llmfake.Reply{Delay: time.Minute},
			llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: goodArgs}}}))
		p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithRetry(llm.RetryPolicy{AttemptTimeout: 50 * time.Millisecond}))
		res, err := p.Predict(context.Background(), request(tn.fields(t, "category"), nil))
		if err != nil {
			t.Fatal(err)
		}
		if srv.Calls() != 2 || res.Predictions["category"].Value != "Malfunction" {
			t.Errorf("calls %d, result %v", srv.Calls(), values(res))
		}
	})
}

func TestHostileAnswers(t *testing.T) {
	tn := fixture(t)
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	huge := args(map[string]any{"category": "Malfunction", "title": strings.Repeat("x", 200000)}, map[string]float64{"category": 0.9}, map[string][]string{"category": {"error E24"}})
	tests := []struct {
		name    string
		reply   llmfake.Reply
		wantErr error
		calls   int
	}{
		{name: "deeply nested JSON", reply: llmfake.Reply{Choices: []llmfake.Choice{{Text: deep}}}, wantErr: llm.ErrInvalidAnswer, calls: 2},
		{name: "deeply nested tool arguments", reply: llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: `{"values":` + deep + `}`}}}, wantErr: llm.ErrInvalidAnswer, calls: 2},
		{name: "huge answer", reply: llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: huge}}}, wantErr: llm.ErrTooLarge, calls: 2},
		{name: "huge body", reply: llmfake.Reply{Body: `{"choices":[{"message":{"content":"` + strings.Repeat("a", 3<<20) + `"}}]}`}, wantErr: llm.ErrResponseTooLarge, calls: 1},
		{name: "no choices", reply: llmfake.Reply{Body: `{"choices":[]}`}, calls: 1},
		{name: "not JSON at all", reply: llmfake.Reply{Body: `<html>gateway</html>`}, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmfake.NewOpenAI(t, llmfake.Sequence(tt.reply))
			p, _ := predictor(t, srv, llmfake.OpenAI)
			res, err := p.Predict(context.Background(), request(tn.fields(t, "category", "title"), nil))
			if err == nil {
				t.Fatalf("want an error, got %v", values(res))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if llm.IsRetryable(err) {
				t.Errorf("a broken answer is not worth retrying: %v", err)
			}
			if srv.Calls() != tt.calls {
				t.Errorf("calls = %d, want %d", srv.Calls(), tt.calls)
			}
		})
	}
}

// TestModes checks how each mode puts the schema to the model, and that
// the answer is read whatever the mode.
func TestModes(t *testing.T) {
	tn := fixture(t)
	tests := []struct {
		mode     llm.Mode
		reply    llmfake.Choice
		tools    bool
		jsonMode bool
		schema   bool // stated in the system prompt
	}{
		{mode: llm.ModeTool, reply: llmfake.Choice{ToolArgs: goodArgs}, tools: true},
		{mode: llm.ModeJSON, reply: llmfake.Choice{Text: goodArgs}, jsonMode: true, schema: true},
		{mode: llm.ModeText, reply: llmfake.Choice{Text: "```json\n" + goodArgs + "\n```"}, schema: true},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			srv := llmfake.NewOpenAI(t, llmfake.Sequence(llmfake.Reply{Choices: []llmfake.Choice{tt.reply}}))
			p, _ := predictor(t, srv, llmfake.OpenAI, llm.WithMode(tt.mode))
			res, err := p.Predict(context.Background(), request(tn.fields(t, allFive...), &directory{contacts: tn.Contacts}))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Predictions) != len(allFive) || srv.Calls() != 1 {
				t.Errorf("got %v in %d calls", values(res), srv.Calls())
			}
			r := srv.Last()
			if got := len(r.Tools) > 0; got != tt.tools {
				t.Errorf("tools sent = %v, want %v", got, tt.tools)
			}
			if r.JSONMode != tt.jsonMode {
				t.Errorf("JSON mode = %v, want %v", r.JSONMode, tt.jsonMode)
			}
			if got := strings.Contains(r.System, `"enum":["Low","Normal","High","Urgent",null]`); got != tt.schema {
				t.Errorf("schema in the prompt = %v, want %v", got, tt.schema)
			}
		})
	}
}

// TestAnthropicToolChoice: the langchaingo Anthropic client sends no
// tool_choice; HTTPClient adds it to the predictor's calls, and leaves
// every other request alone.
func TestAnthropicToolChoice(t *testing.T) {
	tn := fixture(t)
	srv := llmfake.NewAnthropic(t, llmfake.Answer(goodArgs))
	plain, err := anthropic.New(anthropic.WithToken("k"), anthropic.WithBaseURL(srv.URL), anthropic.WithModel("claude-test"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := llm.New(plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Predict(context.Background(), request(tn.fields(t, "category"), nil)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Last().ToolChoice; got != "" {
		t.Errorf("plain client sent tool choice %q", got)
	}
	wrapped := model(t, srv, llmfake.Anthropic)
	// A call that is not the predictor's goes out untouched.
	if _, err := wrapped.GenerateContent(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "hi")},
		llms.WithTools([]llms.Tool{{Type: "function", Function: &llms.FunctionDefinition{Name: llm.ToolName, Parameters: map[string]any{"type": "object"}}}})); err != nil {
		t.Fatal(err)
	}
	if got := srv.Last().ToolChoice; got != "" {
		t.Errorf("a foreign call got tool choice %q", got)
	}
	p, err = llm.New(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Predict(context.Background(), request(tn.fields(t, "category"), nil)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Last().ToolChoice; got != llm.ToolName {
		t.Errorf("tool choice = %q, want %q", got, llm.ToolName)
	}
	// In JSON mode nothing is forced.
	p, err = llm.New(wrapped, llm.WithMode(llm.ModeJSON))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Predict(context.Background(), request(tn.fields(t, "priority"), nil)); err != nil {
		t.Fatal(err)
	}
	if r := srv.Last(); r.ToolChoice != "" || len(r.Tools) != 0 {
		t.Errorf("JSON mode sent tools %v, choice %q", r.Tools, r.ToolChoice)
	}
}
