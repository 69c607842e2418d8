package eval_test

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"strings"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
)

// A predictor that says 0.9 about every answer while being right on 6
// records in 10 is calibrated on 50 labelled records.
func ExampleFitCalibration() {
	var records []eval.Record
	for i := range 50 {
		records = append(records, eval.Record{Line: i + 1, Text: "case " + strconv.Itoa(i), Labels: map[string]string{"category": "billing"}})
	}
	fields := []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "billing"}, {Value: "shipping"}}}}
	model := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		n, _ := strconv.Atoi(strings.TrimPrefix(req.Messages[0].Text, "case "))
		v := "billing"
		if n%10 >= 6 {
			v = "shipping"
		}
		return &predict.Result{Predictor: "model", Predictions: map[string]predict.Prediction{"category": {Value: v, Confidence: 0.9}}}, nil
	})
	cal, err := eval.FitCalibration(context.Background(), model, fields, records)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fitted on %d answers: 0.90 -> %.2f\n", cal.Global.Examples, cal.Map("category", 0.9))
	// Output: fitted on 50 answers: 0.90 -> 0.60
}
