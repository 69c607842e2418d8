package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/llmfake"
)

// fact is what a careful model says about one field when the customer's
// text contains the quote.
type fact struct {
	field, quote string
	value        any
}

var facts = []fact{
	{"issue_description", "stops mid-cycle with error E24", "The Rinse 45 stops mid-cycle with error E24 and leaves water in it."},
	{"contact", "this is Aiko Sato", "Aiko Sato"},
	{"category", "error E24", "Malfunction"},
	{"product", "Rinse 45", "K-DISH"},
	{"priority", "I cleaned the filter but it keeps happening", "Normal"},
	{"serial_number", "it is SN-4HD82KQ1", "SN-4HD82KQ1"},
	{"issue_description", "smells of burning plastic", "The Boil Smart kettle smells of burning plastic when it boils."},
	{"category", "smells of burning plastic", "Malfunction"},
	{"product", "Boil Smart kettle", "K-KETTLE"},
	{"priority", "smells of burning plastic", "Urgent"},
	{"serial_number", "is SN-KT7Q2M9X", "SN-KT7Q2M9X"},
}

var fence = regexp.MustCompile(`(?s)<<<DATA \S+\n(.*)DATA \S+>>>`)

// careful answers, for the fields the request's schema asks for, what
// the customer's text supports, quoting it.
func careful(t *testing.T) llmfake.Handler {
	return func(req *llmfake.Request) llmfake.Reply {
		asked := map[string]bool{}
		for _, tool := range req.Tools {
			var s struct {
				Properties struct {
					Values struct {
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"values"`
				} `json:"properties"`
			}
			if err := json.Unmarshal(tool.Schema, &s); err != nil {
				t.Errorf("tool schema: %v", err)
			}
			for name := range s.Properties.Values.Properties {
				asked[name] = true
			}
		}
		text := req.User()
		if m := fence.FindStringSubmatch(text); m != nil {
			text = m[1]
		}
		vals, conf, ev := map[string]any{}, map[string]float64{}, map[string][]string{}
		for _, f := range facts {
			if asked[f.field] && strings.Contains(text, f.quote) {
				vals[f.field], conf[f.field], ev[f.field] = f.value, 0.9, []string{f.quote}
			}
		}
		b, err := json.Marshal(map[string]any{"values": vals, "confidence": conf, "evidence": ev})
		if err != nil {
			t.Fatal(err)
		}
		return llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: string(b)}}}
	}
}

func TestRun(t *testing.T) {
	for _, tt := range []struct{ provider, predictor string }{
		{"openai", "chain"}, {"openai", "llm"}, {"anthropic", "chain"},
	} {
		t.Run(tt.provider+"/"+tt.predictor, func(t *testing.T) {
			var srv *llmfake.Server
			if tt.provider == "anthropic" {
				srv = llmfake.NewAnthropic(t, careful(t))
			} else {
				srv = llmfake.NewOllama(t, careful(t))
			}
			var out bytes.Buffer
			cfg := config{Provider: tt.provider, BaseURL: srv.URL, Model: "test-model", Key: "k", Mode: "tool", Predictor: tt.predictor}
			if tt.provider == "openai" {
				cfg.Key = "" // a local server: no key needed
			}
			if err := run(context.Background(), cfg, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			for _, want := range []string{
				"-> at accepted: created case CAS-000001",
				"-> at ended: updated case CAS-000001 (serial_number)",
				"contact           = P-2001",
				"serial_number     = SN-4HD82KQ1",
				`evidence "it is SN-4HD82KQ1"`,
				"-> at arrival: created case CAS-000002",
				"would send: [CAS-000002] Kettle smells of burning plastic",
				"-> at arrival: updated case CAS-000002 (serial_number)",
				`CAS-000002  "Kettle smells of burning plastic"`,
				"title             = Kettle smells of burning plastic",
				"origin            = Email                            set by intake_rule:support mailbox",
				"priority          = Urgent",
				"serial_number     = SN-KT7Q2M9X",
				"model calls: 4,",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q\n%s", want, got)
				}
			}
			// One model call per agent run: accepted, ended, email, reply.
			if srv.Calls() != 4 {
				t.Errorf("model calls = %d, want 4", srv.Calls())
			}
		})
	}
}

func TestRunBadConfig(t *testing.T) {
	for name, cfg := range map[string]config{
		"no model":          {Provider: "openai", Key: "k"},
		"no key, no url":    {Provider: "openai", Model: "m"},
		"anthropic no key":  {Provider: "anthropic", Model: "m"},
		"unknown provider":  {Provider: "palm", Model: "m", Key: "k"},
		"unknown mode":      {Provider: "openai", Model: "m", Key: "k", Mode: "yaml"},
		"unknown predictor": {Provider: "openai", Model: "m", Key: "k", Predictor: "oracle"},
	} {
		if err := run(context.Background(), cfg, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
