package llm_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"
)

// tenant is a case schema and directory as the fixtures hold them.
type tenant struct {
	Fields   []predict.Field   `json:"fields"`
	Contacts []predict.Contact `json:"contacts"`
}

func loadTenant(t testing.TB, path string) *tenant {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tn tenant
	if err := json.Unmarshal(b, &tn); err != nil {
		t.Fatal(err)
	}
	return &tn
}

func fixture(t testing.TB) *tenant { return loadTenant(t, "testdata/helpdesk_fields.json") }

// fields picks fields of the fixture by name, in the order given.
func (tn *tenant) fields(t testing.TB, names ...string) []predict.Field {
	t.Helper()
	var out []predict.Field
	for _, n := range names {
		found := false
		for _, f := range tn.Fields {
			if f.Name == n {
				out = append(out, f)
				found = true
			}
		}
		if !found {
			t.Fatalf("no field %s in fixture", n)
		}
	}
	return out
}

// directory is an in-memory predict.Directory that counts its lookups.
type directory struct {
	mu       sync.Mutex
	contacts []predict.Contact
	lookups  int
}

func (d *directory) FindContacts(_ context.Context, q predict.ContactQuery) ([]predict.Contact, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups++
	var out []predict.Contact
	for _, c := range d.contacts {
		switch {
		case q.Email != "" && strings.EqualFold(c.Email, q.Email),
			q.Phone != "" && digitsOf(q.Phone) == digitsOf(c.Phone),
			q.Name != "" && strings.EqualFold(c.Name, q.Name):
			out = append(out, c)
		}
	}
	return out, nil
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fakeClock records the waits asked of it and never sleeps.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// noJitter makes backoff deterministic: the jittered half is zero.
func noJitter(time.Duration) time.Duration { return 0 }

// model returns the real langchaingo client for a fake server.
func model(t testing.TB, srv *llmfake.Server, provider string) llms.Model {
	t.Helper()
	hc := llm.HTTPClient(nil, 1<<20)
	var m llms.Model
	var err error
	switch provider {
	case llmfake.Anthropic:
		m, err = anthropic.New(anthropic.WithToken("test-key"), anthropic.WithBaseURL(srv.URL), anthropic.WithModel("claude-test"), anthropic.WithHTTPClient(hc))
	default:
		m, err = openai.New(openai.WithToken("test-key"), openai.WithBaseURL(srv.URL), openai.WithModel("gpt-test"), openai.WithHTTPClient(hc))
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func server(t testing.TB, provider string, h llmfake.Handler) *llmfake.Server {
	t.Helper()
	switch provider {
	case llmfake.Anthropic:
		return llmfake.NewAnthropic(t, h)
	case llmfake.Ollama:
		return llmfake.NewOllama(t, h)
	}
	return llmfake.NewOpenAI(t, h)
}

var providers = []string{llmfake.OpenAI, llmfake.Ollama, llmfake.Anthropic}

// predictor builds a Predictor on the real client of provider against
// srv, with a fake clock and no jitter.
func predictor(t testing.TB, srv *llmfake.Server, provider string, opts ...llm.Option) (*llm.Predictor, *fakeClock) {
	t.Helper()
	clk := newClock()
	base := []llm.Option{llm.WithClock(clk), llm.WithJitter(noJitter), llm.WithModelName("test-model")}
	p, err := llm.New(model(t, srv, provider), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p, clk
}

// The conversation most tests use: a customer email about a dishwasher.
var (
	when    = time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC)
	emailIn = channel.Message{
		ID: "m1@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
		From:    channel.Address{Name: "Aiko Sato", Email: "aiko.sato@example.org"},
		Subject: "Rinse 45 shows E24 and will not drain",
		Text: "Hello,\n\nMy Rinse 45 dishwasher stops mid-cycle with error E24 and leaves water at the bottom. " +
			"I cleaned the filter but it keeps happening. The serial is SN-4HD82KQ1.\n\nThanks",
		Time: when,
	}
)

func request(fields []predict.Field, dir predict.Directory, msgs ...channel.Message) *predict.Request {
	if len(msgs) == 0 {
		msgs = []channel.Message{emailIn}
	}
	return &predict.Request{Fields: fields, Messages: msgs, Directory: dir}
}

// args renders an answer in the shape the schema asks for.
func args(values map[string]any, conf map[string]float64, evidence map[string][]string) string {
	b, err := json.Marshal(map[string]any{"values": values, "confidence": conf, "evidence": evidence})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// goodArgs is what a careful model answers about emailIn.
var goodArgs = args(
	map[string]any{"category": "Malfunction", "product": "K-DISH", "serial_number": "SN-4HD82KQ1", "contact": "aiko.sato@example.org", "priority": "Normal"},
	map[string]float64{"category": 0.9, "product": 0.95, "serial_number": 0.99, "contact": 0.9, "priority": 0.6},
	map[string][]string{
		"category":      {"stops mid-cycle with error E24"},
		"product":       {"My Rinse 45 dishwasher"},
		"serial_number": {"The serial is SN-4HD82KQ1"},
		"contact":       {"aiko.sato@example.org"},
		"priority":      {"I cleaned the filter but it keeps happening"},
	})

// values returns the predicted values of a result, by field.
func values(res *predict.Result) map[string]any {
	out := map[string]any{}
	for k, p := range res.Predictions {
		out[k] = p.Value
	}
	return out
}

// newPlainOpenAI builds the OpenAI client the way a host that skipped
// HTTPClient would.
func newPlainOpenAI(url string) (llms.Model, error) {
	return openai.New(openai.WithToken("test-key"), openai.WithBaseURL(url), openai.WithModel("gpt-test"))
}
