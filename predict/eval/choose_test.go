package eval_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
)

// chooseCases makes n conversations whose words tell a topic (the word
// list of each) and a size ("small", "large") apart, the size being said
// outright; every third case has no topic.
func chooseCases(n int, seed uint64) []eval.Case {
	words := map[string][]string{
		"billing": {"invoice", "charged", "refund", "card"},
		"repair":  {"broken", "dead", "noise", "crack"},
		"login":   {"password", "locked", "signin", "code"},
	}
	topics := []string{"billing", "repair", "login"}
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]eval.Case, n)
	for i := range out {
		topic := topics[rng.IntN(len(topics))]
		size := []string{"small", "large"}[rng.IntN(2)]
		w := words[topic]
		text := fmt.Sprintf("hello, it is the %s one: %s and %s, thanks", size, w[rng.IntN(len(w))], w[rng.IntN(len(w))])
		labels := map[string]string{"size": size}
		if i%3 != 0 {
			labels["topic"] = topic
		}
		out[i] = eval.Case{
			Messages: []channel.Message{{ID: fmt.Sprint(i), Kind: channel.KindChat, Direction: channel.Inbound, Role: channel.RoleCustomer, Text: text}},
			Labels:   labels,
		}
	}
	return out
}

var chooseFields = []predict.Field{
	{Name: "topic", Type: predict.TypeChoice, Options: []predict.Option{{Value: "billing"}, {Value: "repair"}, {Value: "login"}}},
	{Name: "size", Type: predict.TypeChoice, Options: []predict.Option{{Value: "small"}, {Value: "large"}}},
	{Name: "note", Type: predict.TypeText},
}

// A base predictor that reads the size right and guesses the topic is
// beaten on the topic, and only there, by a classifier trained on the
// other cases; it is asked for every field at once, as the agent asks.
func TestChooseFields(t *testing.T) {
	cases := chooseCases(300, 1)
	var whole atomic.Int64
	base := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		if len(req.Fields) == len(chooseFields) {
			whole.Add(1)
		}
		text := req.Messages[0].Text
		size := "small"
		if strings.Contains(text, "large") {
			size = "large"
		}
		return &predict.Result{Predictions: map[string]predict.Prediction{
			"size":  {Value: size, Confidence: 0.9},
			"topic": {Value: "billing", Confidence: 0.9},
		}}, nil
	})
	got, err := eval.ChooseFields(context.Background(), base, chooseFields, cases, eval.ChooseConfig{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Field != "topic" || got[1].Field != "size" {
		t.Fatalf("choices %+v, want topic and size in the fields' order", got)
	}
	topic, size := got[0], got[1]
	if topic.Cases != 200 || size.Cases != 300 {
		t.Errorf("cases %d and %d, want the 200 with a topic and all 300", topic.Cases, size.Cases)
	}
	if topic.BaseRight+topic.BaseWrong != 200 || topic.BaseWrong < 100 {
		t.Errorf("base on topic: %d right, %d wrong; it answers billing to all", topic.BaseRight, topic.BaseWrong)
	}
	if !topic.Learn || topic.ChainRight < 190 || topic.ChainWrong > 10 {
		t.Errorf("topic: %+v, want the classifier learned and nearly all right", topic)
	}
	if size.Learn || size.BaseRight != 300 || size.BaseWrong != 0 {
		t.Errorf("size: %+v, want the base kept: it is always right", size)
	}
	// The base alone is asked for every field of every case; in a chain
	// it is asked for what the classifier left.
	if n := whole.Load(); n < 300 {
		t.Errorf("base asked for all fields %d times for 300 cases", n)
	}
}

func TestChooseFieldsRefuses(t *testing.T) {
	ctx := context.Background()
	cases := chooseCases(60, 2)
	echo := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictions: map[string]predict.Prediction{}}, nil
	})
	if _, err := eval.ChooseFields(ctx, nil, chooseFields, cases, eval.ChooseConfig{}); !errors.Is(err, predict.ErrNoPredictor) {
		t.Errorf("nil base: %v", err)
	}
	for _, cfg := range []eval.ChooseConfig{{Folds: 1}, {Threshold: 1.5}, {WrongCost: -1}, {MinCases: 1}} {
		if _, err := eval.ChooseFields(ctx, echo, chooseFields, cases, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := eval.ChooseFields(ctx, echo, chooseFields, cases[:10], eval.ChooseConfig{}); !errors.Is(err, eval.ErrTooFewCases) {
		t.Errorf("10 cases: %v, want ErrTooFewCases", err)
	}
	failing := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return nil, errors.New("down")
	})
	if _, err := eval.ChooseFields(ctx, failing, chooseFields, cases, eval.ChooseConfig{}); err == nil || !strings.Contains(err.Error(), "down") {
		t.Errorf("failing base: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := eval.ChooseFields(cancelled, echo, chooseFields, cases, eval.ChooseConfig{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// A case's value is compared as the field normalises it: a label written
// in other case is the option it names.
func TestChooseFieldsNormalisesLabels(t *testing.T) {
	cases := chooseCases(60, 4)
	for i := range cases {
		cases[i].Labels["size"] = strings.ToUpper(cases[i].Labels["size"])
	}
	base := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		size := "small"
		if strings.Contains(req.Messages[0].Text, "large") {
			size = "large"
		}
		return &predict.Result{Predictions: map[string]predict.Prediction{"size": {Value: size, Confidence: 0.9}}}, nil
	})
	got, err := eval.ChooseFields(context.Background(), base, chooseFields[1:], cases, eval.ChooseConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].BaseRight != 60 || got[0].BaseWrong != 0 {
		t.Errorf("%+v: the base reads every size right", got)
	}
}
