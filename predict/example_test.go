package predict_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

func ExampleValidate() {
	req := &predict.Request{
		Fields: []predict.Field{
			{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}, {Value: "Shipping"}}},
			{Name: "serial", Type: predict.TypeText, Pattern: "SN-[A-Z0-9]{8}"},
		},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "I was charged twice!", Quoted: "> serial SN-4K2P9Q7Z"}},
	}
	res := &predict.Result{Predictions: map[string]predict.Prediction{
		"category": {Value: "billing", Confidence: 0.8, Evidence: []predict.Evidence{{Quote: "charged  TWICE"}}},
		"serial":   {Value: "SN-4K2P9Q7Z", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "serial SN-4K2P9Q7Z"}}},
		"priority": {Value: "Urgent", Confidence: 1},
	}}
	kept, drops := predict.Validate(req, res)
	fmt.Println("kept:", kept["category"].Value)
	for _, d := range drops {
		if d.Field == "serial" {
			fmt.Println("dropped serial:", d.Reason)
		}
	}
	fmt.Println("drops:", len(drops))
	// Output:
	// kept: Billing
	// dropped serial: evidence "serial SN-4K2P9Q7Z" does not occur in the messages
	// drops: 2
}

func ExampleChain() {
	extractor := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "extractor", Predictions: map[string]predict.Prediction{
			"serial": {Value: "SN-4K2P9Q7Z", Confidence: 0.95},
		}}, nil
	})
	model := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		// Asked only for what the extractor left open.
		res := &predict.Result{Predictor: "model", Predictions: map[string]predict.Prediction{}}
		for _, f := range req.Fields {
			res.Predictions[f.Name] = predict.Prediction{Value: "Billing", Confidence: 0.6}
		}
		return res, nil
	})
	req := &predict.Request{Fields: []predict.Field{{Name: "serial", Type: predict.TypeText}, {Name: "category", Type: predict.TypeChoice}}}
	res, _ := predict.Chain(extractor, model).Predict(context.Background(), req)
	fmt.Println(res.Predictor, res.Predictions["serial"].Value, res.Predictions["category"].Value)
	// Output: extractor+model SN-4K2P9Q7Z Billing
}

func ExampleFallback() {
	down := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return nil, errors.New("model unavailable")
	})
	offline := predict.Func(func(context.Context, *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictor: "offline", Predictions: map[string]predict.Prediction{}}, nil
	})
	res, err := predict.Fallback(down, offline).Predict(context.Background(), &predict.Request{})
	fmt.Println(res.Predictor, err)
	// Output: offline <nil>
}

func ExampleField_Normalize() {
	f := predict.Field{Name: "devices", Type: predict.TypeInteger}
	v, err := f.Normalize(3.0)
	fmt.Printf("%v %T %v\n", v, v, err)
	_, err = f.Normalize(2.5)
	fmt.Println(err)
	// Output:
	// 3 int64 <nil>
	// 2.5 is not an integer
}
