// Command llm predicts the fields of a support case from a sample
// conversation with a model behind any OpenAI-compatible server (OpenAI,
// Ollama, vLLM, ...) or Anthropic, and prints each value with its
// confidence and evidence, and what the call used.
//
//	OPENAI_API_KEY=... go run ./examples/llm -model gpt-4o-mini
//	go run ./examples/llm -base-url http://localhost:11434/v1 -model llama3.1
//	ANTHROPIC_API_KEY=... go run ./examples/llm -provider anthropic -model claude-3-5-haiku-latest
//
// The key comes from OPENAI_API_KEY or ANTHROPIC_API_KEY; local servers
// that need none get a placeholder.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/llm"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"
)

//go:embed tenant.json
var tenantJSON []byte

// config is what the flags and the environment say.
type config struct {
	Provider string
	BaseURL  string
	Model    string
	Key      string
	Mode     string
	Timeout  time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Provider, "provider", "openai", "openai (and any OpenAI-compatible server) or anthropic")
	flag.StringVar(&cfg.BaseURL, "base-url", "", "the API's base URL, e.g. http://localhost:11434/v1 for Ollama (default: the provider's)")
	flag.StringVar(&cfg.Model, "model", "", "model name (required)")
	flag.StringVar(&cfg.Mode, "mode", "tool", "how the answer's schema is sent: tool, json or text")
	flag.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	switch cfg.Provider {
	case "anthropic":
		cfg.Key = os.Getenv("ANTHROPIC_API_KEY")
	default:
		cfg.Key = os.Getenv("OPENAI_API_KEY")
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "llm:", err)
		if llm.IsRetryable(err) {
			fmt.Fprintln(os.Stderr, "llm: the error is temporary; try again later")
		}
		os.Exit(1)
	}
}

// tenant is the embedded case schema and contacts directory.
type tenant struct {
	Fields   []predict.Field   `json:"fields"`
	Contacts []predict.Contact `json:"contacts"`
}

// directory is a contacts directory in memory.
type directory []predict.Contact

func (d directory) FindContacts(_ context.Context, q predict.ContactQuery) ([]predict.Contact, error) {
	var out []predict.Contact
	for _, c := range d {
		switch {
		case q.Email != "" && strings.EqualFold(c.Email, q.Email),
			q.Phone != "" && digits(c.Phone) == digits(q.Phone),
			q.Name != "" && strings.EqualFold(c.Name, q.Name):
			out = append(out, c)
		}
	}
	return out, nil
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// conversation is the sample: a customer email and a representative's
// question, then the customer's answer.
func conversation() []channel.Message {
	t0 := time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC)
	return []channel.Message{
		{ID: "m1@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
			From:    channel.Address{Name: "Aiko Sato", Email: "aiko.sato@example.org"},
			Subject: "Dishwasher shows E24",
			Text:    "Hello, my Rinse 45 stops mid-cycle with error E24 and leaves water at the bottom. I cleaned the filter but it keeps happening.",
			Time:    t0},
		{ID: "m2@support.example", Kind: channel.KindEmail, Direction: channel.Outbound, Role: channel.RoleRepresentative,
			From: channel.Address{Name: "Support", Email: "support@kitchen.example"},
			Text: "Sorry to hear that. Could you send us the serial number from the label inside the door?",
			Time: t0.Add(time.Hour)},
		{ID: "m3@example.org", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
			From: channel.Address{Name: "Aiko Sato", Email: "aiko.sato@example.org"},
			Text: "Sure, it is SN-4HD82KQ1.",
			Time: t0.Add(2 * time.Hour)},
	}
}

// newModel builds the langchaingo client for cfg, with the predictor's
// HTTP client so that errors carry status codes and Retry-After.
func newModel(cfg config) (llms.Model, error) {
	if cfg.Model == "" {
		return nil, errors.New("-model is required")
	}
	hc := llm.HTTPClient(nil, 0)
	key := cfg.Key
	switch cfg.Provider {
	case "openai":
		if key == "" && cfg.BaseURL == "" {
			return nil, errors.New("set OPENAI_API_KEY, or -base-url for a local server")
		}
		if key == "" {
			key = "unused" // local servers such as Ollama want none
		}
		opts := []openai.Option{openai.WithToken(key), openai.WithModel(cfg.Model), openai.WithHTTPClient(hc)}
		if cfg.BaseURL != "" {
			opts = append(opts, openai.WithBaseURL(cfg.BaseURL))
		}
		return openai.New(opts...)
	case "anthropic":
		if key == "" {
			return nil, errors.New("set ANTHROPIC_API_KEY")
		}
		opts := []anthropic.Option{anthropic.WithToken(key), anthropic.WithModel(cfg.Model), anthropic.WithHTTPClient(hc)}
		if cfg.BaseURL != "" {
			opts = append(opts, anthropic.WithBaseURL(cfg.BaseURL))
		}
		return anthropic.New(opts...)
	}
	return nil, fmt.Errorf("unknown provider %q: want openai or anthropic", cfg.Provider)
}

func parseMode(s string) (llm.Mode, error) {
	switch s {
	case "tool", "":
		return llm.ModeTool, nil
	case "json":
		return llm.ModeJSON, nil
	case "text":
		return llm.ModeText, nil
	}
	return 0, fmt.Errorf("unknown mode %q: want tool, json or text", s)
}

// run predicts the sample conversation's fields and prints them to out.
func run(ctx context.Context, cfg config, out io.Writer) error {
	var tn tenant
	if err := json.Unmarshal(tenantJSON, &tn); err != nil {
		return fmt.Errorf("embedded tenant: %w", err)
	}
	model, err := newModel(cfg)
	if err != nil {
		return err
	}
	mode, err := parseMode(cfg.Mode)
	if err != nil {
		return err
	}
	p, err := llm.New(model, llm.WithModelName(cfg.Model), llm.WithMode(mode))
	if err != nil {
		return err
	}
	overhead, err := p.PromptOverhead(tn.Fields)
	if err != nil {
		return err
	}
	req := &predict.Request{Fields: tn.Fields, Messages: conversation(), Directory: directory(tn.Contacts)}
	start := time.Now()
	res, err := p.Predict(ctx, req)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	// Callers check every result; the predictor already did, so this
	// drops nothing, but it is what an agent does with any predictor.
	kept, _ := predict.Check(req, res)
	for _, f := range tn.Fields {
		pr, ok := kept[f.Name]
		if !ok {
			fmt.Fprintf(out, "%-18s (abstained)\n", f.Name)
			continue
		}
		fmt.Fprintf(out, "%-18s %v  confidence %.2f\n", f.Name, pr.Value, pr.Confidence)
		for _, e := range pr.Evidence {
			fmt.Fprintf(out, "%-18s   %q (%s)\n", "", e.Quote, e.MessageID)
		}
	}
	u := res.Usage
	fmt.Fprintf(out, "\n%s: %d call(s), %d prompt + %d completion = %d tokens, cost %.4f, %s\n",
		res.Predictor, u.Calls, u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.Cost, elapsed.Round(time.Millisecond))
	fmt.Fprintf(out, "prompt overhead (estimated): %d tokens for %d fields\n", overhead, len(tn.Fields))
	return nil
}
