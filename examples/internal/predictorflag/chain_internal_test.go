package predictorflag

import (
	"context"
	"errors"
	"testing"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/predicttest"
	"github.com/google/go-cmp/cmp"
)

// In a chain, an answer below the threshold is left to the next
// predictor, and a model endpoint that fails leaves everything to it.
func TestChainThresholdAndFallback(t *testing.T) {
	fields := []predict.Field{
		{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}, {Value: "Shipping"}}},
		{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Low"}, {Value: "High"}}},
	}
	unsure := predicttest.New().Named("model").
		Field("category", predict.Prediction{Value: "Billing", Confidence: 0.4}).
		Field("priority", predict.Prediction{Value: "High", Confidence: 0.9})
	rest := predicttest.New().Named("offline").
		Field("category", predict.Prediction{Value: "Shipping", Confidence: 0.7}).
		Field("priority", predict.Prediction{Value: "Low", Confidence: 0.8})
	down := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return nil, errors.New("endpoint down")
	})
	tests := []struct {
		name  string
		kinds []string
		ps    []predict.Predictor
		want  map[string]predict.Prediction
	}{
		{"unsure answers go on", []string{Model, Offline}, []predict.Predictor{unsure, rest}, map[string]predict.Prediction{
			"category": {Value: "Shipping", Confidence: 0.7},
			"priority": {Value: "High", Confidence: 0.9},
		}},
		{"a failing model endpoint", []string{LLM, Offline}, []predict.Predictor{down, rest}, map[string]predict.Prediction{
			"category": {Value: "Shipping", Confidence: 0.7},
			"priority": {Value: "Low", Confidence: 0.8},
		}},
		{"one predictor is not gated", []string{Model}, []predict.Predictor{unsure}, map[string]predict.Prediction{
			"category": {Value: "Billing", Confidence: 0.4},
			"priority": {Value: "High", Confidence: 0.9},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := chain(tt.kinds, tt.ps, 0.5).Predict(context.Background(), &predict.Request{Fields: fields})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Predictions); diff != "" {
				t.Errorf("predictions (-want +got):\n%s", diff)
			}
		})
	}
}
