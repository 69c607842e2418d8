// Command llm runs the quickstart's flow with a model: a live chat and
// an email become support cases through the agent, and a reply to the
// email updates its case, with a model behind any OpenAI-compatible server
// (OpenAI, Ollama, vLLM, ...) or Anthropic. It prints what the agent did,
// each case with every field's confidence and evidence, and what the
// model calls used.
//
//	OPENAI_API_KEY=... go run ./examples/llm -model gpt-4o-mini
//	go run ./examples/llm -base-url http://localhost:11434/v1 -model llama3.1
//	ANTHROPIC_API_KEY=... go run ./examples/llm -provider anthropic -model claude-3-5-haiku-latest
//
// By default the model is chained before the offline predictor, which
// fills what the model leaves open (-predictor chain); -predictor llm uses
// the model alone. The key comes from OPENAI_API_KEY or ANTHROPIC_API_KEY;
// local servers that need none get a placeholder. Cases are kept in
// memory.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
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
	// Predictor is "chain" (the model, then the offline predictor for
	// what it left open) or "llm" (the model alone).
	Predictor string
	Timeout   time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Provider, "provider", "openai", "openai (and any OpenAI-compatible server) or anthropic")
	flag.StringVar(&cfg.BaseURL, "base-url", "", "the API's base URL, e.g. http://localhost:11434/v1 for Ollama (default: the provider's)")
	flag.StringVar(&cfg.Model, "model", "", "model name (required)")
	flag.StringVar(&cfg.Mode, "mode", "tool", "how the answer's schema is sent: tool, json or text")
	flag.StringVar(&cfg.Predictor, "predictor", "chain", "chain (the model, then the offline predictor for what it leaves open) or llm (the model alone)")
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

// newPredictor builds what the agent asks: the model alone, or the model
// chained before the offline predictor.
func newPredictor(cfg config, model llms.Model) (predict.Predictor, error) {
	mode, err := parseMode(cfg.Mode)
	if err != nil {
		return nil, err
	}
	p, err := llm.New(model, llm.WithModelName(cfg.Model), llm.WithMode(mode))
	if err != nil {
		return nil, err
	}
	switch cfg.Predictor {
	case "llm":
		return p, nil
	case "chain", "":
		offline, err := heuristic.New()
		if err != nil {
			return nil, err
		}
		return predict.Chain(p, offline), nil
	}
	return nil, fmt.Errorf("unknown predictor %q: want chain or llm", cfg.Predictor)
}

// run replays the demo's chat and emails through the agent and prints
// what happened to out.
func run(ctx context.Context, cfg config, out io.Writer) error {
	tenant, err := agent.ParseConfig(tenantJSON)
	if err != nil {
		return fmt.Errorf("embedded tenant: %w", err)
	}
	model, err := newModel(cfg)
	if err != nil {
		return err
	}
	pred, err := newPredictor(cfg, model)
	if err != nil {
		return err
	}
	// A fixed clock keeps the story's times the same on every run.
	now := time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := memstore.New(memstore.WithClock(clock))
	if _, err := tenant.ImportContacts(ctx, store); err != nil {
		return err
	}
	ids := email.MessageIDs{Key: []byte("example key, keep yours secret!!"), Domain: "kitchen.example"}
	outbox := &channel.Outbox{NewID: func(m *channel.Outgoing) string { return ids.New(m.CaseID) }}
	ag, err := agent.New(store, pred, tenant, agent.WithClock(clock),
		agent.WithSender(outbox, channel.Address{Name: "Kitchen support", Email: mailbox}),
		agent.WithMessageIDs(ids))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "caseagent with %s (%s predictor): %d fields, %d contacts\n",
		cfg.Model, predictorName(cfg), len(tenant.Fields), len(tenant.Contacts))

	chatCase, err := liveChat(ctx, out, ag, &now)
	if err != nil {
		return err
	}
	emailCase, err := emails(ctx, out, ag, outbox, &now)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "\n=== Cases")
	for _, id := range []string{chatCase, emailCase} {
		c, err := store.GetCase(ctx, id)
		if err != nil {
			return err
		}
		printCase(out, tenant, c)
	}
	ins, err := store.ListInteractions(ctx, casemgmt.InteractionQuery{})
	if err != nil {
		return err
	}
	var u predict.Usage
	for _, in := range ins {
		u.Add(in.Usage)
	}
	fmt.Fprintf(out, "\nmodel calls: %d, %d prompt + %d completion = %d tokens, cost %.4f\n",
		u.Calls, u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.Cost)
	return nil
}

func predictorName(cfg config) string {
	if cfg.Predictor == "llm" {
		return "model only"
	}
	return "model, then offline"
}

// liveChat replays a chat: accepted after the customer's first message,
// ended after the serial number. It returns the case's id.
func liveChat(ctx context.Context, out io.Writer, ag *agent.Agent, now *time.Time) (string, error) {
	fmt.Fprintln(out, "\n=== Chat: a customer whose dishwasher stops mid-cycle")
	conv := &channel.Conversation{ID: "chat-1", Kind: channel.KindChat, Status: channel.StatusRequested,
		Customer: channel.Customer{Name: "Aiko Sato", Email: "aiko.sato@example.org"}, StartedAt: *now}
	say := func(role channel.Role, text string) {
		*now = now.Add(time.Minute)
		who := "customer"
		if role != channel.RoleCustomer {
			who = "rep     "
		}
		fmt.Fprintf(out, "  %s  %s\n", who, text)
		conv.Messages = append(conv.Messages, channel.Message{
			ID: fmt.Sprintf("chat-1-m%d", len(conv.Messages)+1), ConversationID: conv.ID,
			Kind: channel.KindChat, Role: role, Text: text, Time: *now,
		})
	}
	say(channel.RoleCustomer, "Hello, this is Aiko Sato. My Rinse 45 stops mid-cycle with error E24 and leaves water at the bottom. I cleaned the filter but it keeps happening.")
	conv.Status = channel.StatusAccepted
	res, err := ag.ConversationAccepted(ctx, conv, "rep-1")
	if err != nil {
		return "", err
	}
	report(out, "accepted", res)
	say(channel.RoleRepresentative, "Sorry to hear that. Could you read me the serial number from the label inside the door?")
	say(channel.RoleCustomer, "Sure, it is SN-4HD82KQ1.")
	conv.Status = channel.StatusEnded
	if res, err = ag.ConversationEnded(ctx, conv, "rep-1"); err != nil {
		return "", err
	}
	report(out, "ended", res)
	if res.Case == nil {
		return "", errors.New("the chat did not become a case")
	}
	return res.Case.ID, nil
}

func report(out io.Writer, when string, res *agent.Result) {
	switch res.Outcome {
	case casemgmt.OutcomeCreated, casemgmt.OutcomeUpdated:
		fmt.Fprintf(out, "  -> at %s: %s case %s (%s)\n", when, res.Outcome, res.Case.Number, strings.Join(res.ChangedFields(), ", "))
	default:
		fmt.Fprintf(out, "  -> at %s: %s: %s\n", when, res.Outcome, res.Reason)
	}
	if in := res.Interaction; in != nil {
		for _, f := range in.Fields {
			if !f.Applied && f.Reason != "" && f.Reason != "unchanged" {
				fmt.Fprintf(out, "     not applied %s: %s\n", f.Field, f.Reason)
			}
		}
	}
}

func printCase(out io.Writer, tenant *agent.Config, c *casemgmt.Case) {
	fmt.Fprintf(out, "\n%s  %q  status %s\n", c.Number, c.Title, c.Status)
	for _, f := range tenant.Schema().Fields() {
		v, ok := c.Value(f.Name)
		if !ok {
			continue
		}
		p := c.Provenance[f.Name]
		line := fmt.Sprintf("  %-17s = %-32s", f.Name, clip(fmt.Sprint(v), 32))
		if p.Actor.Kind == casemgmt.ActorAgent {
			line += fmt.Sprintf(" confidence %.2f by %s", p.Confidence, p.Model)
			if len(p.Evidence) > 0 {
				line += fmt.Sprintf(", evidence %q", clip(p.Evidence[0].Quote, 50))
			}
		} else {
			line += " set by " + p.Actor.String()
		}
		fmt.Fprintln(out, line)
	}
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
