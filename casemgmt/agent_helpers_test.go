package casemgmt_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// agentTenant is the configuration the agent tests run against: a create
// rule on the description and the contact, two default update fields and
// one rule that asks for product details once the case is a defect.
const agentTenant = `{
  "fields": [
    {"name": "issue_description", "type": "text", "multiline": true},
    {"name": "category", "type": "choice", "options": [
      {"value": "Product defect"}, {"value": "Billing"}, {"value": "Question"}]},
    {"name": "contact", "type": "lookup", "lookup": "contacts"},
    {"name": "product", "type": "lookup", "options": [
      {"value": "P-X200", "label": "X200"}, {"value": "P-X300", "label": "X300"}]},
    {"name": "serial_number", "type": "text", "pattern": "SN-[A-Z0-9]{8}"},
    {"name": "priority", "type": "choice", "options": [{"value": "Low"}, {"value": "High"}]},
    {"name": "origin", "type": "choice", "options": [{"value": "Chat"}, {"value": "Email"}]},
    {"name": "internal_note", "type": "text"}
  ],
  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"}],
  "create": {"fields": ["issue_description", "contact"], "require": "all"},
  "default_update_fields": ["issue_description", "category"],
  "update_rules": [
    {"name": "defect details", "when": {"field": "category", "op": "equals", "value": "Product defect"},
     "predict": ["product", "serial_number"]}
  ]
}`

// tenant parses agentTenant, changed by edit first when it is not nil.
func tenant(t testing.TB, edit func(*casemgmt.Config)) *casemgmt.Config {
	t.Helper()
	cfg, err := casemgmt.ParseConfig([]byte(agentTenant))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

// answer is what the scripted predictor says for one field: the value,
// the confidence, and the quote it gives as evidence ("" for none).
type answer struct {
	value any
	conf  float64
	quote string
}

// scripted is a predictor that answers from a table, for the fields
// requested only, and counts its calls. The table can change between
// calls; rule, when set, decides the table from the request instead.
type scripted struct {
	mu    sync.Mutex
	table map[string]answer
	rule  func(req *predict.Request) map[string]answer
	err   error
	calls atomic.Int64
	reqs  []*predict.Request
	// extra predictions are returned whatever was requested.
	extra map[string]answer
}

func (s *scripted) set(table map[string]answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.table = table
}

func (s *scripted) predictor() predict.Predictor {
	return predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		s.calls.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reqs = append(s.reqs, req)
		if s.err != nil {
			return nil, s.err
		}
		table := s.table
		if s.rule != nil {
			table = s.rule(req)
		}
		res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "scripted",
			Usage: predict.Usage{Calls: 1, PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120, Cost: 0.01}}
		put := func(name string, a answer) {
			p := predict.Prediction{Value: a.value, Confidence: a.conf}
			if a.quote != "" {
				p.Evidence = []predict.Evidence{{Quote: a.quote}}
			}
			res.Predictions[name] = p
		}
		for _, f := range req.Fields {
			if a, ok := table[f.Name]; ok {
				put(f.Name, a)
			}
		}
		for name, a := range s.extra {
			put(name, a)
		}
		return res, nil
	})
}

func (s *scripted) requested() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	for _, r := range s.reqs {
		var names []string
		for _, f := range r.Fields {
			names = append(names, f.Name)
		}
		out = append(out, names)
	}
	return out
}

// convo builds a chat conversation; each text is a customer message unless
// it starts with "rep: ". Message ids are m1, m2, ...
func convo(id string, texts ...string) *channel.Conversation {
	c := &channel.Conversation{ID: id, Kind: channel.KindChat, Status: channel.StatusActive,
		StartedAt: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
	for _, t := range texts {
		say(c, t)
	}
	return c
}

// say appends a message to c.
func say(c *channel.Conversation, text string) {
	role, dir := channel.RoleCustomer, channel.Inbound
	if rest, ok := strings.CutPrefix(text, "rep: "); ok {
		role, dir, text = channel.RoleRepresentative, channel.Outbound, rest
	}
	n := len(c.Messages) + 1
	c.Messages = append(c.Messages, channel.Message{
		ID: fmt.Sprintf("m%d", n), ConversationID: c.ID, Kind: channel.KindChat,
		Direction: dir, Role: role, Text: text,
		Time: c.StartedAt.Add(time.Duration(n) * time.Minute),
	})
}

// fixture is an agent over a memstore with the tenant's contacts.
type fixture struct {
	store *memstore.Store
	pred  *scripted
	agent *casemgmt.Agent
	cfg   *casemgmt.Config
}

func newFixture(t testing.TB, cfg *casemgmt.Config, opts ...casemgmt.AgentOption) *fixture {
	t.Helper()
	if cfg == nil {
		cfg = tenant(t, nil)
	}
	f := &fixture{store: memstore.New(), pred: &scripted{}, cfg: cfg}
	if _, err := cfg.ImportContacts(context.Background(), f.store); err != nil {
		t.Fatal(err)
	}
	a, err := casemgmt.NewAgent(f.store, f.pred.predictor(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.agent = a
	return f
}

// with returns another agent over the same store and predictor.
func (f *fixture) with(t testing.TB, opts ...casemgmt.AgentOption) *casemgmt.Agent {
	t.Helper()
	a, err := casemgmt.NewAgent(f.store, f.pred.predictor(), f.cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) interactions(t testing.TB, conv string) []casemgmt.Interaction {
	t.Helper()
	ins, err := f.store.ListInteractions(context.Background(), casemgmt.InteractionQuery{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

func (f *fixture) caseOf(t testing.TB, conv string) *casemgmt.Case {
	t.Helper()
	c, err := f.store.FindCaseByConversation(context.Background(), conv)
	if err != nil {
		t.Fatalf("case of %s: %v", conv, err)
	}
	return c
}

func (f *fixture) audit(t testing.TB, caseID string) []casemgmt.AuditEntry {
	t.Helper()
	es, err := f.store.ListAudit(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// created makes the case of conversation id with a description and the
// contact, and returns it.
func (f *fixture) created(t testing.TB, id string, texts ...string) (*channel.Conversation, *casemgmt.Case) {
	t.Helper()
	conv := convo(id, texts...)
	f.pred.set(map[string]answer{
		"issue_description": {conv.Messages[0].Text, 0.9, conv.Messages[0].Text},
		"contact":           {"C-1", 0.95, ""},
	})
	res, err := f.agent.ConversationAccepted(context.Background(), conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("outcome %s (%s), want created", res.Outcome, res.Reason)
	}
	return conv, res.Case
}
