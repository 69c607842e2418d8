package textclass_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/predicttest"
	"github.com/caseagent/caseagent/predict/textclass"
)

func TestConformance(t *testing.T) {
	var examples []textclass.Example
	for _, e := range []struct{ text, label string }{
		{"I was charged twice for my invoice", "Billing"},
		{"refund the double charge please", "Billing"},
		{"the invoice amount is wrong", "Billing"},
		{"my camera died and will not turn on", "Product defect"},
		{"the device keeps restarting", "Product defect"},
		{"the X300 will not pair anymore", "Product defect"},
		{"how do I turn on night mode", "How-to"},
		{"where can I change the schedule", "How-to"},
		{"how can I share access with my family", "How-to"},
	} {
		examples = append(examples, textclass.Example{Text: e.text, Label: e.label})
	}
	m, err := textclass.Train(context.Background(), examples)
	if err != nil {
		t.Fatal(err)
	}
	predicttest.Run(t, func(t *testing.T) predict.Predictor {
		return textclass.NewPredictor(map[string]*textclass.Model{"category": m})
	})
}
