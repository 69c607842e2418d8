package textclass

import (
	"bytes"
	"context"
	"testing"

	"github.com/caseagent/caseagent/predict"
)

// The examples an administrator writes on each option train the same
// model as the same phrases passed to TrainFewShot, and they are what
// lets the model tell options apart whose names the customer never says.
func TestTrainFewShotOptionExamples(t *testing.T) {
	ctx := context.Background()
	phrases := map[string][]string{
		"billing":  {"I was charged twice", "refund the fee on my invoice", "me cobraron dos veces"},
		"shipping": {"my parcel has not arrived", "the delivery is late", "mi pedido no ha llegado"},
		"access":   {"I cannot log in", "reset my password", "no puedo entrar en mi cuenta"},
	}
	bare := predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{
		{Value: "billing"}, {Value: "shipping"}, {Value: "access", Label: "account access"},
	}}
	withExamples := bare
	withExamples.Options = nil
	for _, o := range bare.Options {
		o.Examples = phrases[o.Value]
		withExamples.Options = append(withExamples.Options, o)
	}
	fromMap, err := TrainFewShot(ctx, bare, phrases)
	if err != nil {
		t.Fatal(err)
	}
	fromOptions, err := TrainFewShot(ctx, withExamples, nil)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	if _, err := fromMap.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := fromOptions.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("options' examples train another model than the same phrases passed as a map")
	}
	namesOnly, err := TrainFewShot(ctx, bare, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"where is my parcel? it has not arrived", "shipping"},
		{"why was I charged twice", "billing"},
		{"no puedo entrar, reset my password", "access"},
	}
	right := 0
	for _, tt := range tests {
		if got, _ := fromOptions.Classify(tt.text); got != tt.want {
			t.Errorf("with examples, Classify(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if got, _ := namesOnly.Classify(tt.text); got == tt.want {
			right++
		}
	}
	if right == len(tests) {
		t.Errorf("the option names alone already classify every text: the test shows nothing of the examples")
	}
}
