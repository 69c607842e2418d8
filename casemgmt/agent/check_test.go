package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

const checkConfig = `{
  "fields": [{"name": "issue_description", "type": "text"}],
  "create": {"fields": ["issue_description"]},
  "intake_rules": [{"name": "support", "when": {"field": "to", "op": "contains", "value": "support@"},
                    "acknowledge": {"subject": "We got it", "body": "Thanks"}}]
}`

// unreachable is a store whose database is down.
type unreachable struct{ casemgmt.Store }

func (unreachable) Ping(context.Context) error { return errors.New("connection refused") }

func TestCheck(t *testing.T) {
	ok := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) { return &predict.Result{}, nil })
	down := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return nil, errors.New("401 invalid API key")
	})
	sender := agent.WithSender(&channel.Outbox{}, channel.Address{Email: "support@example.org"})
	tests := []struct {
		name  string
		store casemgmt.Store
		pred  predict.Predictor
		body  string
		opts  []agent.Option
		want  map[string]agent.CheckStatus
		ok    bool
	}{
		{"all good", memstore.New(), ok, "Thanks", []agent.Option{sender},
			map[string]agent.CheckStatus{"store": "ok", "predictor": "ok", "sender": "ok", "rules": "ok", "message ids": "warning"}, true},
		{"no sender for acknowledgements", memstore.New(), ok, "Thanks", nil,
			map[string]agent.CheckStatus{"store": "ok", "predictor": "ok", "sender": "failed", "rules": "ok", "message ids": "warning"}, false},
		{"empty template", memstore.New(), ok, " ", []agent.Option{sender},
			map[string]agent.CheckStatus{"store": "ok", "predictor": "ok", "templates": "failed", "sender": "ok", "rules": "ok", "message ids": "warning"}, false},
		{"store down", unreachable{memstore.New()}, ok, "Thanks", []agent.Option{sender},
			map[string]agent.CheckStatus{"store": "failed", "predictor": "ok", "sender": "ok", "rules": "ok", "message ids": "warning"}, false},
		{"predictor down", memstore.New(), down, "Thanks", []agent.Option{sender},
			map[string]agent.CheckStatus{"store": "ok", "predictor": "failed", "sender": "ok", "rules": "ok", "message ids": "warning"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := agent.ParseConfig([]byte(checkConfig))
			if err != nil {
				t.Fatal(err)
			}
			// Loading refuses an empty body; a host that edits a loaded
			// configuration in code can still produce one.
			cfg.IntakeRules[0].Acknowledge.Body = tt.body
			a, err := agent.New(tt.store, tt.pred, cfg, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			rep := a.Check(context.Background())
			got := map[string]agent.CheckStatus{}
			for _, it := range rep.Items {
				got[it.Name] = it.Status
				if it.Status != agent.CheckOK && it.Hint == "" && it.Name != "mode" {
					t.Errorf("%s is %s without a hint", it.Name, it.Status)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("panel (-want +got):\n%s\n%s", diff, rep)
			}
			if rep.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v", rep.OK(), tt.ok)
			}
		})
	}
}

// probingOutbox is a sender whose server can be probed.
type probingOutbox struct {
	channel.Outbox
	err error
}

func (p *probingOutbox) Probe(context.Context) error { return p.err }

// Check probes the connections themselves, not only their configuration,
// and reports the spending budget.
func TestCheckProbesConnectionsAndBudget(t *testing.T) {
	ok := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "ok"}, nil
	})
	cfg, err := agent.ParseConfig([]byte(checkConfig))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	b, err := budget.New(ok, &budget.MemoryCounter{}, budget.Limits{Period: budget.Monthly(time.UTC), Hard: budget.Limit{Calls: 1}})
	if err != nil {
		t.Fatal(err)
	}
	smtp := &probingOutbox{err: errors.New(`535 5.7.8 authentication failed for token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl`)}
	ag, err := agent.New(store, b, cfg, agent.WithSender(smtp, channel.Address{Email: "support@example.org"}), agent.WithBudget(b),
		agent.WithMailboxProbe("support", func(context.Context) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	r := ag.Check(context.Background())
	got := map[string]agent.CheckItem{}
	for _, it := range r.Items {
		got[it.Name] = it
	}
	if it := got["smtp"]; it.Status != agent.CheckFail || strings.Contains(it.Detail, "eyJhbGci") || it.Hint == "" {
		t.Errorf("smtp probe: %+v", it)
	}
	if it := got["mailbox support"]; it.Status != agent.CheckOK {
		t.Errorf("mailbox probe: %+v", it)
	}
	// Check's own predictor call used the one call the budget allows.
	if it := got["budget"]; it.Status == "" || !strings.Contains(it.Detail, "1") {
		t.Errorf("budget: %+v", it)
	}
	if r.OK() {
		t.Error("a failing SMTP login left Check OK")
	}
}
