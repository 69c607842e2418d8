// Package agenttest holds what the agent's tests and the live-chat
// receiver's tests share: a tenant configuration, a scripted predictor and
// a fixture of an agent over a memstore. It is test support, not API.
package agenttest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// TenantJSON is the configuration the agent tests run against: a create
// rule on the description and the contact, two default update fields and
// one rule that asks for product details once the case is a defect.
const TenantJSON = `{
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

// Tenant parses TenantJSON, changed by edit first when it is not nil.
func Tenant(t testing.TB, edit func(*agent.Config)) *agent.Config {
	t.Helper()
	cfg, err := agent.ParseConfig([]byte(TenantJSON))
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

// Answer is what the scripted predictor says for one field: the value,
// the confidence, and the quote it gives as evidence ("" for none).
type Answer struct {
	Value any
	Conf  float64
	Quote string
}

// Scripted is a predictor that answers from a table, for the fields
// requested only, and counts its calls. The table can change between
// calls; Rule, when set, decides the table from the request instead.
type Scripted struct {
	mu sync.Mutex
	// Table answers per field; Set changes it under the lock.
	Table map[string]Answer
	// Rule, when set, decides the table from the request instead.
	Rule func(req *predict.Request) map[string]Answer
	// Err, when set, is returned instead of an answer.
	Err error
	// Calls counts the calls.
	Calls atomic.Int64
	reqs  []*predict.Request
	// Extra predictions are returned whatever was requested.
	Extra map[string]Answer
}

func (s *Scripted) Set(table map[string]Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Table = table
}

func (s *Scripted) Predictor() predict.Predictor {
	return predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		s.Calls.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reqs = append(s.reqs, req)
		if s.Err != nil {
			return nil, s.Err
		}
		table := s.Table
		if s.Rule != nil {
			table = s.Rule(req)
		}
		res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "scripted",
			Usage: predict.Usage{Calls: 1, PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120, Cost: 0.01}}
		put := func(name string, a Answer) {
			p := predict.Prediction{Value: a.Value, Confidence: a.Conf}
			if a.Quote != "" {
				p.Evidence = []predict.Evidence{{Quote: a.Quote}}
			}
			res.Predictions[name] = p
		}
		for _, f := range req.Fields {
			if a, ok := table[f.Name]; ok {
				put(f.Name, a)
			}
		}
		for name, a := range s.Extra {
			put(name, a)
		}
		return res, nil
	})
}

func (s *Scripted) Requested() [][]string {
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

// Convo builds a chat conversation; each text is a customer message unless
// it starts with "rep: ". Message ids are m1, m2, ...
func Convo(id string, texts ...string) *channel.Conversation {
	c := &channel.Conversation{ID: id, Kind: channel.KindChat, Status: channel.StatusActive,
		StartedAt: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
	for _, t := range texts {
		Say(c, t)
	}
	return c
}

// Say appends a message to c.
func Say(c *channel.Conversation, text string) {
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

// Fixture is an agent over a memstore with the tenant's contacts.
type Fixture struct {
	Store  *memstore.Store
	Pred   *Scripted
	Agent  *agent.Agent
	Config *agent.Config
}

func NewFixture(t testing.TB, cfg *agent.Config, opts ...agent.Option) *Fixture {
	t.Helper()
	if cfg == nil {
		cfg = Tenant(t, nil)
	}
	f := &Fixture{Store: memstore.New(), Pred: &Scripted{}, Config: cfg}
	if _, err := cfg.ImportContacts(context.Background(), f.Store); err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(f.Store, f.Pred.Predictor(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.Agent = a
	return f
}

// with returns another agent over the same store and predictor.
func (f *Fixture) With(t testing.TB, opts ...agent.Option) *agent.Agent {
	t.Helper()
	a, err := agent.New(f.Store, f.Pred.Predictor(), f.Config, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *Fixture) Interactions(t testing.TB, conv string) []casemgmt.Interaction {
	t.Helper()
	ins, err := f.Store.ListInteractions(context.Background(), casemgmt.InteractionQuery{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

func (f *Fixture) CaseOf(t testing.TB, conv string) *casemgmt.Case {
	t.Helper()
	c, err := f.Store.FindCaseByConversation(context.Background(), conv)
	if err != nil {
		t.Fatalf("case of %s: %v", conv, err)
	}
	return c
}

func (f *Fixture) Audit(t testing.TB, caseID string) []casemgmt.AuditEntry {
	t.Helper()
	es, err := f.Store.ListAudit(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// created makes the case of conversation id with a description and the
// contact, and returns it.
func (f *Fixture) Created(t testing.TB, id string, texts ...string) (*channel.Conversation, *casemgmt.Case) {
	t.Helper()
	conv := Convo(id, texts...)
	f.Pred.Set(map[string]Answer{
		"issue_description": {conv.Messages[0].Text, 0.9, conv.Messages[0].Text},
		"contact":           {"C-1", 0.95, ""},
	})
	res, err := f.Agent.ConversationAccepted(context.Background(), conv, "rep-1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("outcome %s (%s), want created", res.Outcome, res.Reason)
	}
	return conv, res.Case
}
