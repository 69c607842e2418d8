package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/llmfake"
)

// TestLLMBudgetFallsBackOffline runs the service with a model behind an
// OpenAI-compatible server and a budget of one call a day: the first email
// calls the model, the next ones are predicted offline, and every one
// still gets its case.
func TestLLMBudgetFallsBackOffline(t *testing.T) {
	model := llmfake.NewOpenAI(t, llmfake.Answer(`{"values":{},"confidence":{},"evidence":{}}`))
	extra := fmt.Sprintf(`predictor:
  kind: llm
  llm:
    base_url: %s
    model: fake-model
    budget:
      period: day
      hard: {calls: 1}
`, model.URL)
	r := start(t, filepath.Join(t.TempDir(), "cases.db"), extra)
	const n = 3
	for i := range n {
		// Different text each time, so that no answer comes from a cache.
		raw := strings.Replace(newEmail(fmt.Sprintf("budget-%d@mail.example.com", i), "Floodlight stays on"),
			"since Saturday", []string{"since Monday", "since Tuesday", "since Sunday"}[i], 1)
		code, err := postEmail(r.url, raw)
		if err != nil || code != http.StatusOK {
			t.Fatalf("email %d: %d %v", i, code, err)
		}
	}
	if got := model.Calls(); got != 1 {
		t.Errorf("the model got %d calls, want 1 (the budget)", got)
	}
	if got := countCases(t, r.svc.store); got != n {
		t.Errorf("%d cases, want %d", got, n)
	}
}
