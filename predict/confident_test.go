package predict_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/predict"
)

func TestConfidentChain(t *testing.T) {
	fields := []predict.Field{
		{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "billing"}, {Value: "shipping"}}},
		{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "low"}, {Value: "high"}}},
	}
	trained := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "trained", Predictions: map[string]predict.Prediction{
			"category": {Value: "billing", Confidence: 0.9},
			"priority": {Value: "high", Confidence: 0.4},
		}}, nil
	})
	def := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		out := &predict.Result{Predictor: "default", Predictions: map[string]predict.Prediction{}}
		for _, f := range req.Fields {
			out.Predictions[f.Name] = predict.Prediction{Value: f.Options[0].Value, Confidence: 0.5}
		}
		return out, nil
	})
	gated, err := predict.Confident(trained, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	res, err := predict.Chain(gated, def).Predict(context.Background(), &predict.Request{Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]predict.Prediction{
		"category": {Value: "billing", Confidence: 0.9},
		"priority": {Value: "low", Confidence: 0.5},
	}
	if diff := cmp.Diff(want, res.Predictions); diff != "" {
		t.Errorf("predictions (-want +got):\n%s", diff)
	}
	if res.Predictor != "trained+default" {
		t.Errorf("predictor %q, want trained+default", res.Predictor)
	}
	for _, min := range []float64{-0.1, 1.5} {
		if _, err := predict.Confident(trained, min); err == nil {
			t.Errorf("Confident(%v): no error", min)
		}
	}
	if _, err := predict.Confident(nil, 0.5); err == nil {
		t.Errorf("Confident(nil): no error")
	}
}

// The tenant's classifier answers where it is sure; the default answers
// the rest.
func ExampleConfident() {
	classifier := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "classifier", Predictions: map[string]predict.Prediction{
			"category": {Value: "billing", Confidence: 0.93},
			"priority": {Value: "high", Confidence: 0.41},
		}}, nil
	})
	def := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "default", Predictions: map[string]predict.Prediction{
			"priority": {Value: "normal", Confidence: 0.7},
		}}, nil
	})
	sure, err := predict.Confident(classifier, 0.8)
	if err != nil {
		panic(err)
	}
	res, err := predict.Chain(sure, def).Predict(context.Background(), &predict.Request{Fields: []predict.Field{
		{Name: "category", Type: predict.TypeChoice}, {Name: "priority", Type: predict.TypeChoice},
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Predictor, res.Predictions["category"].Value, res.Predictions["priority"].Value)
	// Output: classifier+default billing normal
}
