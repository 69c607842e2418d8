package predicttest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/predicttest"
)

func Example() {
	p := predicttest.New().
		Field("category", predict.Prediction{Value: "Billing", Confidence: 0.9}).
		ThenError(errors.New("model down")) // the first call fails

	req := &predict.Request{
		Fields:   []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Billing"}}}},
		Messages: []channel.Message{{Role: channel.RoleCustomer, Text: "I was charged twice"}},
	}
	ctx := context.Background()
	_, err := p.Predict(ctx, req)
	fmt.Println("first call:", err)
	res, _ := p.Predict(ctx, req)
	fmt.Println("second call:", res.Predictions["category"].Value)
	fmt.Println("asked:", p.Calls(), "times; first text:", p.Requests()[0].Messages[0].Text)
	// Output:
	// first call: model down
	// second call: Billing
	// asked: 2 times; first text: I was charged twice
}
