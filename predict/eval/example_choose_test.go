package eval_test

import (
	"context"
	"fmt"
	"log"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
)

// A tenant with a history of cases asks which fields a classifier
// trained on them should answer before the offline predictor. Here the
// base predictor stands in for the offline one: it never tells the
// topic, and always reads the urgency right.
func ExampleChooseFields() {
	topics := map[string][]string{
		"billing":  {"I was charged twice", "the invoice is wrong", "refund the extra fee", "my card was billed again"},
		"shipping": {"the parcel has not arrived", "tracking has not moved", "it went to the wrong address", "the box came damaged"},
	}
	var cases []eval.Case
	for i := range 40 {
		topic := []string{"billing", "shipping"}[i%2]
		urgency := []string{"normal", "urgent"}[i/2%2]
		text := topics[topic][i/4%4] + ", " + map[string]string{"normal": "no rush", "urgent": "urgent please"}[urgency]
		cases = append(cases, eval.Case{
			Messages: []channel.Message{{ID: fmt.Sprint(i), Role: channel.RoleCustomer, Direction: channel.Inbound, Text: text}},
			Labels:   map[string]string{"topic": topic, "urgency": urgency},
		})
	}
	fields := []predict.Field{
		{Name: "topic", Options: []predict.Option{{Value: "billing"}, {Value: "shipping"}}},
		{Name: "urgency", Options: []predict.Option{{Value: "normal"}, {Value: "urgent"}}},
	}
	base := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		urgency := "normal"
		if text := req.Messages[0].Text; len(text) > 6 && text[len(text)-6:] == "please" {
			urgency = "urgent"
		}
		return &predict.Result{Predictions: map[string]predict.Prediction{"urgency": {Value: urgency, Confidence: 0.9}}}, nil
	})
	choices, err := eval.ChooseFields(context.Background(), base, fields, cases, eval.ChooseConfig{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range choices {
		fmt.Printf("%s: base %d right, %d wrong; with a classifier %d right, %d wrong; learn %v\n",
			c.Field, c.BaseRight, c.BaseWrong, c.ChainRight, c.ChainWrong, c.Learn)
	}
	// Output:
	// topic: base 0 right, 0 wrong; with a classifier 40 right, 0 wrong; learn true
	// urgency: base 40 right, 0 wrong; with a classifier 40 right, 0 wrong; learn false
}
