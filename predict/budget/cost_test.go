package budget_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/llm"
)

// The price the cost figures assume, per thousand tokens: a small current
// model's list price (USD 0.15 and 0.60 per million tokens), with cached
// prompt tokens at half price.
var (
	price        = llm.Price{PromptPer1K: 0.00015, CompletionPer1K: 0.0006}
	cachedPer1K  = 0.000075
	costModel    = "gpt-4o-mini"
	scenarioDirs = []string{"shared", "scenarios"}
)

// scenarioDir returns the public scenarios: $CASEAGENT_SCENARIOS, or
// shared/scenarios beside the module (or beside a folder holding it, as a
// git worktree is), or "".
func scenarioDir() string {
	if d := os.Getenv("CASEAGENT_SCENARIOS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	for range 3 {
		dir = filepath.Dir(dir)
		p := filepath.Join(append([]string{dir}, scenarioDirs...)...)
		if _, err := os.Stat(filepath.Join(p, "helpdesk.json")); err == nil {
			return p
		}
	}
	return ""
}

// modelLike answers as a model that reads the conversation as the
// offline predictor does: for each field the offline predictor fills, its
// value (a contact as the customer wrote it), confidence and quotes; null
// for the rest. The request it answers is the one the predictor under
// test was last given (scenarios replay one call at a time).
type modelLike struct {
	mu      sync.Mutex
	req     *predict.Request
	offline predict.Predictor
}

func (m *modelLike) wrap(p predict.Predictor) predict.Predictor {
	return predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		m.mu.Lock()
		m.req = req
		m.mu.Unlock()
		return p.Predict(ctx, req)
	})
}

func (m *modelLike) answer(*llmfake.Request) llmfake.Reply {
	m.mu.Lock()
	req := m.req
	m.mu.Unlock()
	values, conf, ev := map[string]any{}, map[string]float64{}, map[string][]string{}
	if req != nil {
		res, err := m.offline.Predict(context.Background(), req)
		if err == nil {
			for _, f := range req.Fields {
				pr, ok := res.Predictions[f.Name]
				if !ok {
					values[f.Name] = nil
					continue
				}
				var quotes []string
				for _, e := range pr.Evidence {
					quotes = append(quotes, e.Quote)
				}
				v := pr.Value
				if f.Type == predict.TypeLookup && f.Lookup == predict.LookupContacts {
					if len(quotes) == 0 {
						values[f.Name] = nil
						continue
					}
					v = quotes[0]
				}
				values[f.Name], conf[f.Name], ev[f.Name] = v, pr.Confidence, quotes
			}
		}
	}
	b, _ := json.Marshal(map[string]any{"values": values, "confidence": conf, "evidence": ev})
	return llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: string(b)}}}
}

// silentUsage is a provider that reports no usage: the predictor counts
// tokens with its tokenizer.
type silentUsage struct{ llms.Model }

func (m silentUsage) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	resp, err := m.Model.GenerateContent(ctx, msgs, opts...)
	if resp != nil {
		for _, c := range resp.Choices {
			if c != nil {
				c.GenerationInfo = nil
			}
		}
	}
	return resp, err
}

// TestCostPerCase replays the public scenarios with the LLM predictor
// against a local fake of OpenAI's API, counting tokens with the o200k
// tokenizer, through a Budget, and reports model calls, tokens and cost
// per case. It checks that the budget counted every call the server saw
// and the same usage the agent recorded. Run with -v for the figures:
//
//	go test ./predict/budget -run TestCostPerCase -v
func TestCostPerCase(t *testing.T) {
	dir := scenarioDir()
	if dir == "" {
		t.Skip("the public scenarios (shared/scenarios beside the module) are absent; set CASEAGENT_SCENARIOS to their folder")
	}
	cfg, err := agent.LoadConfig(filepath.Join(dir, "helpdesk.json"))
	if err != nil {
		t.Fatal(err)
	}
	scenarios, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := llm.NewTokenizer(llm.EncodingO200K)
	if err != nil {
		t.Fatal(err)
	}
	offline, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var total predict.Usage
	var cases, prefixTokens, prompts int
	var lines []string
	for _, sc := range scenarios {
		fake := &modelLike{offline: offline}
		srv := llmfake.NewOpenAI(t, fake.answer)
		m, err := openai.New(openai.WithToken("k"), openai.WithBaseURL(srv.URL), openai.WithModel(costModel),
			openai.WithHTTPClient(llm.HTTPClient(nil, 1<<20)))
		if err != nil {
			t.Fatal(err)
		}
		pred, err := llm.New(silentUsage{m}, llm.WithModelName(costModel), llm.WithPrices(map[string]llm.Price{costModel: price}),
			llm.WithTokenCounter(tok.Count))
		if err != nil {
			t.Fatal(err)
		}
		b, err := budget.New(fake.wrap(pred), &budget.MemoryCounter{}, budget.Limits{Period: budget.Monthly(nil)},
			budget.WithScope("replay"), budget.WithEstimator(pred.EstimateUsage))
		if err != nil {
			t.Fatal(err)
		}
		var store *memstore.Store
		r := &replay.Runner{Config: cfg, Predictor: b, NewStore: func(context.Context) (casemgmt.Store, error) {
			store = memstore.New()
			return store, nil
		}}
		res := r.RunScenario(ctx, sc)
		if res.Error != "" {
			t.Logf("%s: %s", sc.ID, res.Error)
		}
		st, err := b.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Spent.Calls != srv.Calls() {
			t.Errorf("%s: the budget counted %d calls, the server saw %d", sc.ID, st.Spent.Calls, srv.Calls())
		}
		ins, err := store.ListInteractions(ctx, casemgmt.InteractionQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var recorded predict.Usage
		ids := map[string]bool{}
		for _, in := range ins {
			recorded.Add(in.Usage)
			if in.CaseID != "" {
				ids[in.CaseID] = true
			}
		}
		if recorded.Calls != st.Spent.Calls || recorded.TotalTokens != st.Spent.TotalTokens {
			t.Errorf("%s: the agent recorded %+v, the budget counted %+v", sc.ID, recorded, st.Spent)
		}
		for _, rq := range srv.Requests() {
			if i := strings.Index(rq.System, "\nThe data fence: "); i >= 0 {
				prefixTokens += tok.Count(rq.System[:i]) + tok.Count(llm.ToolName) + tok.Count(string(rq.Tools[0].Schema))
				prompts++
			}
		}
		total.Add(st.Spent)
		cases += len(ids)
		passed := "failed"
		if res.Passed {
			passed = "passed"
		}
		lines = append(lines, fmt.Sprintf("%-46s %s  cases %d  calls %2d  prompt %6d  answer %5d  cost %.5f",
			sc.ID, passed, len(ids), st.Spent.Calls, st.Spent.PromptTokens, st.Spent.CompletionTokens, st.Spent.Cost))
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
	if cases == 0 || total.Calls == 0 {
		t.Fatalf("%d cases, %d calls: nothing was measured", cases, total.Calls)
	}
	perCase := func(v float64) float64 { return v / float64(cases) }
	t.Logf("%d scenarios, %d cases, %d model calls; per case: %.2f calls, %.0f prompt tokens, %.0f answer tokens, cost %.5f USD",
		len(scenarios), cases, total.Calls, perCase(float64(total.Calls)), perCase(float64(total.PromptTokens)),
		perCase(float64(total.CompletionTokens)), perCase(total.Cost))
	if prompts > 0 {
		prefix := float64(prefixTokens) / float64(prompts)
		cached := total.Cost - float64(prefixTokens)/1000*(price.PromptPer1K-cachedPer1K)
		t.Logf("stable prefix (instructions, fields, schema): %.0f tokens of %.0f per call (%.0f%%); with it cached at half price: cost per case %.5f USD",
			prefix, float64(total.PromptTokens)/float64(total.Calls), 100*prefix*float64(total.Calls)/float64(total.PromptTokens), perCase(cached))
	}
}
