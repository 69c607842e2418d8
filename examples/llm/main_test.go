package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/llmfake"
)

// answer is what a careful model answers about the sample conversation.
func answer() string {
	b, _ := json.Marshal(map[string]any{
		"values": map[string]any{
			"issue_description": "My Rinse 45 stops mid-cycle with error E24 and leaves water at the bottom.",
			"contact":           "aiko.sato@example.org", "category": "Malfunction", "product": "K-DISH",
			"priority": "Normal", "serial_number": "SN-4HD82KQ1",
		},
		"confidence": map[string]any{"issue_description": 0.8, "contact": 0.95, "category": 0.9, "product": 0.9, "priority": 0.6, "serial_number": 0.99},
		"evidence": map[string]any{
			"issue_description": []string{"stops mid-cycle with error E24 and leaves water at the bottom"},
			"contact":           []string{"aiko.sato@example.org"},
			"category":          []string{"error E24"},
			"product":           []string{"my Rinse 45"},
			"priority":          []string{"I cleaned the filter but it keeps happening"},
			"serial_number":     []string{"it is SN-4HD82KQ1"},
		},
	})
	return string(b)
}

func TestRun(t *testing.T) {
	for _, provider := range []string{"openai", "anthropic"} {
		t.Run(provider, func(t *testing.T) {
			var srv *llmfake.Server
			if provider == "anthropic" {
				srv = llmfake.NewAnthropic(t, llmfake.Answer(answer()))
			} else {
				srv = llmfake.NewOllama(t, llmfake.Answer(answer()))
			}
			var out bytes.Buffer
			cfg := config{Provider: provider, BaseURL: srv.URL, Model: "test-model", Key: "k", Mode: "tool"}
			if provider == "openai" {
				cfg.Key = "" // a local server: no key needed
			}
			if err := run(context.Background(), cfg, &out); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"contact            P-2001  confidence 0.95",
				"serial_number      SN-4HD82KQ1  confidence 0.99",
				`"it is SN-4HD82KQ1" (m3@example.org)`,
				"category           Malfunction",
				"llm:test-model: 1 call(s)",
				"prompt overhead (estimated):",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			if srv.Calls() != 1 {
				t.Errorf("calls = %d, want 1", srv.Calls())
			}
		})
	}
}

func TestRunBadConfig(t *testing.T) {
	for name, cfg := range map[string]config{
		"no model":         {Provider: "openai", Key: "k"},
		"no key, no url":   {Provider: "openai", Model: "m"},
		"anthropic no key": {Provider: "anthropic", Model: "m"},
		"unknown provider": {Provider: "palm", Model: "m", Key: "k"},
		"unknown mode":     {Provider: "openai", Model: "m", Key: "k", Mode: "yaml"},
	} {
		if err := run(context.Background(), cfg, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
