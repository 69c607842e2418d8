package eval_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/caseagent/caseagent/predict/predicttest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var calCategories = []string{"billing", "delivery", "login", "refund", "repair"}
var calPriorities = []string{"low", "normal", "high"}

// labelled generates n records, numbered from first, with a category and a
// priority drawn from seed.
func labelled(first, n int, seed uint64) []eval.Record {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]eval.Record, n)
	for i := range out {
		out[i] = eval.Record{
			Line: first + i,
			Text: fmt.Sprintf("ticket %d", first+i),
			Labels: map[string]string{
				"category": calCategories[rng.IntN(len(calCategories))],
				"priority": calPriorities[rng.IntN(len(calPriorities))],
			},
		}
	}
	return out
}

// overconfident is a fake that knows the labels and answers from them:
// for the category always with confidence 0.95 while right 60% of the
// time; for the priority with a confidence c drawn from [0.5,1] while
// right with probability c⁴, so that it is over-confident everywhere and
// by different amounts.
func overconfident(records []eval.Record) predict.Predictor {
	truth := map[string]map[string]string{}
	for _, r := range records {
		truth[r.Text] = r.Labels
	}
	other := func(options []string, right string, rng *rand.Rand) string {
		for {
			if o := options[rng.IntN(len(options))]; o != right {
				return o
			}
		}
	}
	return predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "overconfident"}
		if len(req.Messages) == 0 {
			return res, nil
		}
		text := req.Messages[len(req.Messages)-1].Text
		labels, ok := truth[text]
		if !ok {
			return res, nil
		}
		h := fnv.New64a()
		h.Write([]byte(text))
		rng := rand.New(rand.NewPCG(h.Sum64(), 2))
		for _, f := range req.Fields {
			switch f.Name {
			case "category":
				v := labels["category"]
				if rng.Float64() >= 0.6 {
					v = other(calCategories, v, rng)
				}
				res.Predictions["category"] = predict.Prediction{Value: v, Confidence: 0.95}
			case "priority":
				c := 0.5 + rng.Float64()/2
				v := labels["priority"]
				if rng.Float64() >= math.Pow(c, 4) {
					v = other(calPriorities, v, rng)
				}
				res.Predictions["priority"] = predict.Prediction{Value: v, Confidence: c}
			}
		}
		return res, nil
	})
}

// An over-confident predictor, calibrated on labelled records, has a
// calibration error under 0.05 on other records, and answers the same
// values as before.
func TestFitCalibrationHeldOut(t *testing.T) {
	ctx := context.Background()
	fit := labelled(1, 2000, 1)
	test := labelled(10001, 2000, 2)
	raw := overconfident(append(fit, test...))
	fields := eval.Fields([]string{"category", "priority"}, fit, test)

	cal, err := eval.FitCalibration(ctx, raw, fields, fit, eval.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	calibrated, err := predict.Calibrate(raw, cal)
	if err != nil {
		t.Fatal(err)
	}
	before, err := eval.Run(ctx, raw, fields, test)
	if err != nil {
		t.Fatal(err)
	}
	after, err := eval.Run(ctx, calibrated, fields, test)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"category", "priority"} {
		b, _ := before.Field(name)
		a, _ := after.Field(name)
		t.Logf("%s: held-out calibration error %.3f before, %.3f after (fit on %d answers: %.3f -> %.3f)",
			name, b.CalibrationError, a.CalibrationError, cal.Fields[name].Examples, cal.Fields[name].ErrorBefore, cal.Fields[name].ErrorAfter)
		if b.CalibrationError < 0.15 {
			t.Errorf("%s: the fake is not over-confident enough to test anything (error %.3f)", name, b.CalibrationError)
		}
		if a.CalibrationError >= 0.05 {
			t.Errorf("%s: calibration error %.3f after calibration, want under 0.05", name, a.CalibrationError)
		}
		if a.Correct != b.Correct || a.Answered != b.Answered {
			t.Errorf("%s: %d of %d right after, %d of %d before: calibration changed values", name, a.Correct, a.Answered, b.Correct, b.Answered)
		}
	}
	// Value by value, only confidences differ.
	for _, r := range test[:200] {
		req := &predict.Request{Fields: fields, Messages: []channel.Message{{ID: "m", Role: channel.RoleCustomer, Text: r.Text}}}
		want, _ := raw.Predict(ctx, req)
		got, _ := calibrated.Predict(ctx, req)
		if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(predict.Prediction{}, "Confidence")); diff != "" {
			t.Fatalf("record %d (-raw +calibrated):\n%s", r.Line, diff)
		}
	}
}

// A calibrated predictor still conforms.
func TestFitCalibrationConformance(t *testing.T) {
	records := labelled(1, 300, 3)
	cal, err := eval.FitCalibration(context.Background(), overconfident(records), eval.Fields([]string{"category", "priority"}, records), records)
	if err != nil {
		t.Fatal(err)
	}
	predicttest.Run(t, func(t *testing.T) predict.Predictor {
		raw := predicttest.New().Named("fake").
			Field("category", predict.Prediction{Value: "Billing", Confidence: 0.95}).
			Field("priority", predict.Prediction{Value: "Low", Confidence: 0.7})
		p, err := predict.Calibrate(raw, cal)
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}

func TestFitCalibrationSmallFieldsUseGlobal(t *testing.T) {
	records := labelled(1, 60, 4)
	cal, err := eval.FitCalibration(context.Background(), overconfident(records), eval.Fields([]string{"category", "priority"}, records), records)
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Fields) != 0 {
		t.Errorf("fields with %d answers got maps of their own: %v", 60, cal.Fields)
	}
	if cal.Global.Examples != 120 {
		t.Errorf("global map fitted on %d answers, want 120", cal.Global.Examples)
	}
	// Smoothing keeps every probability off 0 and 1.
	for _, k := range cal.Global.Knots {
		if k.Probability <= 0 || k.Probability >= 1 {
			t.Errorf("knot %+v maps to a certainty", k)
		}
	}
}

func TestFitCalibrationErrors(t *testing.T) {
	records := labelled(1, 50, 5)
	fields := eval.Fields([]string{"category"}, records)
	abstains := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "shy"}, nil
	})
	ctx := context.Background()
	if _, err := eval.FitCalibration(ctx, abstains, fields, records); !errors.Is(err, eval.ErrTooFewAnswers) {
		t.Errorf("a predictor that never answers: %v, want ErrTooFewAnswers", err)
	}
	if _, err := eval.FitCalibration(ctx, overconfident(records), fields, nil); !errors.Is(err, eval.ErrNoRecords) {
		t.Errorf("no records: %v, want ErrNoRecords", err)
	}
	missing := eval.Fields([]string{"product"}, records)
	if _, err := eval.FitCalibration(ctx, overconfident(records), missing, records); err == nil {
		t.Error("a field the records have no label for: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := eval.FitCalibration(cancelled, overconfident(records), fields, records); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
