package predict_test

import (
	"context"
	"fmt"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// A model that says 0.95 about everything while being right six times in
// ten is mapped to what it measured; its values are left as they are.
func ExampleCalibrate() {
	model := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "model", Predictions: map[string]predict.Prediction{
			"category": {Value: "Billing", Confidence: 0.95},
		}}, nil
	})
	// Learned from labelled cases with eval.FitCalibration, or read with
	// predict.LoadCalibration.
	cal := &predict.Calibration{Global: predict.CalibrationMap{
		Knots: []predict.CalibrationKnot{{Confidence: 0.5, Probability: 0.3}, {Confidence: 0.95, Probability: 0.6}},
	}}
	p, err := predict.Calibrate(model, cal)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := p.Predict(context.Background(), &predict.Request{
		Fields:   []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}}}},
		Messages: []channel.Message{{Role: channel.RoleCustomer, Text: "I was charged twice"}},
	})
	pr := res.Predictions["category"]
	fmt.Printf("%s %.2f\n", pr.Value, pr.Confidence)
	// Output: Billing 0.60
}
