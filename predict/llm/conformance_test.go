package llm_test

import (
	"testing"

	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/predicttest"
)

// The predictor conforms on every provider's client, even when the model
// answers values outside the options and evidence it invented: what it
// returns passes predict.Validate.
func TestConformance(t *testing.T) {
	answer := args(
		map[string]any{"category": "Billing", "serial_number": "SN-4K2P9Q7Z", "priority": "Critical", "product": "P-X200"},
		map[string]float64{"category": 0.9, "serial_number": 0.95, "priority": 0.8, "product": 0.7},
		map[string][]string{
			"category":      {"charged twice"},
			"serial_number": {"SN-4K2P9Q7Z"},
			"priority":      {"this is urgent"},
			"product":       {"X200"},
		})
	for _, provider := range providers {
		t.Run(provider, func(t *testing.T) {
			predicttest.Run(t, func(t *testing.T) predict.Predictor {
				p, _ := predictor(t, server(t, provider, llmfake.Answer(answer)), provider)
				return p
			})
		})
	}
}
