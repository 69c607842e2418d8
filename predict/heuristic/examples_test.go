package heuristic_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
)

// Options named only by codes mean nothing to the offline predictor until
// an administrator gives a few example phrases; then it reads them, in
// the customers' languages.
func TestOptionExamples(t *testing.T) {
	field := predict.Field{Name: "queue", Type: predict.TypeChoice, Options: []predict.Option{
		{Value: "Q1"}, {Value: "Q2"}, {Value: "Q3"},
	}}
	texts := map[string]string{
		"Q1": "My card payment was declined at the shop yesterday.",
		"Q2": "I moved house and need to change my postal address.",
		"Q3": "Mi tarjeta fue bloqueada después de tres intentos con el PIN.",
	}
	p, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	ask := func(f predict.Field, text string) (string, float64) {
		res, err := p.Predict(context.Background(), &predict.Request{Fields: []predict.Field{f},
			Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: text}}})
		if err != nil {
			t.Fatal(err)
		}
		pr, ok := res.Predictions[f.Name]
		if !ok {
			return "", 0
		}
		return pr.Value.(string), pr.Confidence
	}
	for _, text := range texts {
		if got, conf := ask(field, text); got != "" && conf >= 0.5 {
			t.Errorf("without examples %q read as %s (%.2f)", text, got, conf)
		}
	}
	withExamples := field
	withExamples.Options = []predict.Option{
		{Value: "Q1", Examples: []string{"card declined", "payment refused at the terminal", "pago rechazado"}},
		{Value: "Q2", Examples: []string{"change my address", "I moved", "nueva dirección postal"}},
		{Value: "Q3", Examples: []string{"card blocked", "wrong PIN too many times", "tarjeta bloqueada"}},
	}
	for want, text := range texts {
		if got, _ := ask(withExamples, text); got != want {
			t.Errorf("with examples %q read as %q, want %s", text, got, want)
		}
	}
}
