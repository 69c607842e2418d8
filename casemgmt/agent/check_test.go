package agent_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
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
