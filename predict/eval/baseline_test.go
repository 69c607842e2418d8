package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
	"github.com/google/go-cmp/cmp"
)

// tickets returns n labelled requests of three kinds, written from a few
// words of each kind and words any request has; a fifth of them mix in a
// word of another kind.
func tickets(n int, seed uint64) []Record {
	kinds := []struct {
		label string
		words []string
	}{
		{"billing", []string{"invoice", "charged", "refund", "fee", "payment", "card", "twice", "billed"}},
		{"shipping", []string{"parcel", "delivery", "tracking", "arrived", "address", "courier", "late", "order"}},
		{"account", []string{"password", "login", "locked", "sign", "email", "reset", "code", "profile"}},
	}
	filler := []string{"hello", "please", "help", "my", "the", "is", "not", "since", "monday", "thanks", "again", "today"}
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]Record, n)
	for i := range out {
		k := kinds[i%len(kinds)]
		var w []string
		for range 3 {
			w = append(w, k.words[rng.IntN(len(k.words))])
		}
		if rng.IntN(5) == 0 {
			other := kinds[rng.IntN(len(kinds))]
			w = append(w, other.words[rng.IntN(len(other.words))])
		}
		for range 4 {
			w = append(w, filler[rng.IntN(len(filler))])
		}
		rng.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
		out[i] = Record{Line: i + 2, Text: strings.Join(w, " "), Labels: map[string]string{"category": k.label}}
	}
	return out
}

func TestBaseline(t *testing.T) {
	recs := tickets(300, 1)
	train, test, err := Split(recs, "category", 0.3, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := TrainBaseline(ctx, train, []string{"category"}, BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, b, Fields([]string{"category"}, recs), test)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fields[0]
	if f.Accuracy < 0.85 || f.Answer != 1 {
		t.Errorf("baseline accuracy %.3f, answered %.3f; want at least 0.85 and all", f.Accuracy, f.Answer)
	}
	tests := []struct{ text, want string }{
		{"I was charged twice, refund the fee", "billing"},
		{"the parcel has not arrived, tracking is stuck", "shipping"},
		{"cannot login, password reset fails", "account"},
	}
	for _, tt := range tests {
		got, conf := b.Classify("category", tt.text)
		if got != tt.want || !(conf > 1.0/3 && conf <= 1) {
			t.Errorf("Classify(%q) = %q (%.3f), want %q with confidence above a third", tt.text, got, conf, tt.want)
		}
	}
	if got, _ := b.Classify("priority", "refund"); got != "" {
		t.Errorf("a field without a model got %q", got)
	}
	// No randomness: a second training gives the same answers.
	b2, err := TrainBaseline(ctx, train, []string{"category"}, BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range test {
		l1, c1 := b.Classify("category", r.Text)
		l2, c2 := b2.Classify("category", r.Text)
		if l1 != l2 || c1 != c2 {
			t.Fatalf("two trainings differ on %q: %s %.6f and %s %.6f", r.Text, l1, c1, l2, c2)
		}
	}
	// A stronger penalty makes the answers less confident.
	weak, err := TrainBaseline(ctx, train, []string{"category"}, BaselineConfig{C: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	_, strong := b.Classify("category", tests[0].text)
	_, soft := weak.Classify("category", tests[0].text)
	if soft >= strong {
		t.Errorf("confidence %.3f with C=0.1, %.3f with C=10: want lower", soft, strong)
	}
}

func TestBaselineErrors(t *testing.T) {
	ctx := context.Background()
	recs := tickets(30, 1)
	tests := []struct {
		name    string
		records []Record
		labels  []string
		cfg     BaselineConfig
	}{
		{"no records", nil, []string{"category"}, BaselineConfig{}},
		{"missing label", recs, []string{"priority"}, BaselineConfig{}},
		{"one label", records("a", "a", "a"), []string{"category"}, BaselineConfig{}},
		{"n-grams", recs, []string{"category"}, BaselineConfig{MaxNGram: 9}},
		{"C", recs, []string{"category"}, BaselineConfig{C: -1}},
		{"C NaN", recs, []string{"category"}, BaselineConfig{C: math.NaN()}},
		{"iterations", recs, []string{"category"}, BaselineConfig{MaxIterations: -3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := TrainBaseline(ctx, tt.records, tt.labels, tt.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := TrainBaseline(cancelled, recs, []string{"category"}, BaselineConfig{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestLBFGS minimises a badly scaled convex quadratic.
func TestLBFGS(t *testing.T) {
	scale := []float64{1, 10, 100, 1000}
	target := []float64{3, -2, 0.5, 7}
	f := func(x, g []float64) float64 {
		v := 0.0
		for i := range x {
			d := x[i] - target[i]
			v += scale[i] * d * d / 2
			g[i] = scale[i] * d
		}
		return v
	}
	x, err := lbfgs(context.Background(), len(target), f, 500)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if math.Abs(x[i]-target[i]) > 1e-3 {
			t.Errorf("x = %v, want %v", x, target)
			break
		}
	}
}

func TestBaselineTerms(t *testing.T) {
	got := baselineTerms("I can't LOG in, a Straße!", 2)
	want := []string{"can", "log", "in", "straße", "can log", "log in", "in straße"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("baselineTerms (-want +got):\n%s", diff)
	}
}

func TestLearningCurveAndCompare(t *testing.T) {
	recs := tickets(600, 2)
	train, test, err := Split(recs, "category", 0.3, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fields := Fields([]string{"category"}, recs)
	points, err := LearningCurve(ctx, ClassifierTrainer([]string{"category"}), Setup{Fields: fields, Train: train, Test: test, Seeds: []uint64{1, 2}}, []int{10, 50, 100, 5000})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, p := range points {
		sizes = append(sizes, p.Examples)
		if p.Seeds != 2 || p.Field != "category" || p.AccuracyMin > p.Accuracy || p.Accuracy > p.AccuracyMax {
			t.Errorf("point %+v", p)
		}
	}
	if diff := cmp.Diff([]int{10, 50, 100, len(train)}, sizes); diff != "" {
		t.Errorf("curve sizes (-want +got):\n%s", diff)
	}
	if first, last := points[0], points[len(points)-1]; last.Accuracy < first.Accuracy || last.MacroF1 < 0.85 {
		t.Errorf("the curve does not rise to a useful model: %+v ... %+v", first, last)
	}

	cmps, err := Compare(ctx, []NamedTrainer{
		{Name: "classifier", Train: ClassifierTrainer([]string{"category"})},
		{Name: "baseline", Train: BaselineTrainer([]string{"category"}, BaselineConfig{})},
	}, Setup{Fields: fields, Train: train, Test: test, Seeds: []uint64{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cmps) != 2 || cmps[0].Predictor != "classifier" || cmps[1].Predictor != "baseline" {
		t.Fatalf("comparisons %+v", cmps)
	}
	for _, c := range cmps {
		if len(c.Seeds) != 3 || c.Accuracy.Min > c.Accuracy.Mean || c.Accuracy.Mean > c.Accuracy.Max || c.Accuracy.Mean < 0.85 {
			t.Errorf("comparison %+v", c)
		}
	}
	if b := cmps[1]; b.Accuracy.Min != b.Accuracy.Max {
		t.Errorf("the baseline has no randomness, yet its accuracy spreads over %v", b.Accuracy)
	}

	// Both appear in every form of the report.
	rep, err := Run(ctx, mustPredictor(t, ClassifierTrainer([]string{"category"}), train), fields, test)
	if err != nil {
		t.Fatal(err)
	}
	rep.Comparison, rep.LearningCurve = cmps, points
	var text, page, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"compared over training seeds", "baseline", "learning curve", fmt.Sprintf("%8d", len(train))} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`aria-label="learning curve of category"`, "<polyline", "Compared over training seeds", `aria-label="reliability chart of category"`} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "http://", "https://"} {
		if s := strings.ReplaceAll(page.String(), `xmlns="http://www.w3.org/2000/svg"`, ""); strings.Contains(s, banned) {
			t.Errorf("HTML report contains %q: it must stand alone", banned)
		}
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep.LearningCurve, back.LearningCurve); diff != "" {
		t.Errorf("learning curve after JSON (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(rep.Comparison, back.Comparison); diff != "" {
		t.Errorf("comparison after JSON (-want +got):\n%s", diff)
	}
}

func mustPredictor(t *testing.T, tr Trainer, train []Record) predict.Predictor {
	t.Helper()
	p, err := tr(context.Background(), train, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCalibrationOfAChain checks that the report measures a chain of
// predictors like any other: its calibration error and reliability bins
// come from the confidence of whichever predictor answered, so a
// predictor in front that is sure and often wrong shows.
func TestCalibrationOfAChain(t *testing.T) {
	recs := tickets(300, 4)
	train, test, err := Split(recs, "category", 0.3, 1)
	if err != nil {
		t.Fatal(err)
	}
	models, err := Train(context.Background(), train, []string{"category"})
	if err != nil {
		t.Fatal(err)
	}
	classifier := textclass.NewPredictor(models)
	alone, err := Run(context.Background(), classifier, Fields([]string{"category"}, recs), test)
	if err != nil {
		t.Fatal(err)
	}
	// The first predictor says "billing" with full confidence whenever
	// the customer says please; the classifier answers the rest.
	overconfident := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		res := &predict.Result{Predictions: map[string]predict.Prediction{}}
		if strings.Contains(req.Messages[0].Text, "please") {
			res.Predictions["category"] = predict.Prediction{Value: "billing", Confidence: 1}
		}
		return res, nil
	})
	rep, err := Run(context.Background(), predict.Chain(overconfident, classifier), Fields([]string{"category"}, recs), test)
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fields[0]
	top := f.Reliability[len(f.Reliability)-1]
	t.Logf("classifier alone: calibration error %.3f; behind the overconfident one: %.3f, top bin %+v", alone.Fields[0].CalibrationError, f.CalibrationError, top)
	if f.Answered != len(test) || top.Accuracy > 0.9 || f.CalibrationError < alone.Fields[0].CalibrationError+0.1 {
		t.Errorf("chain: answered %d of %d, calibration error %.3f (classifier alone %.3f), top bin %+v",
			f.Answered, len(test), f.CalibrationError, alone.Fields[0].CalibrationError, top)
	}
}
