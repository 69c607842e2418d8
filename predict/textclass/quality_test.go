package textclass

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/predict"
)

// ambiguous returns labelled texts of ten words in which the label shows
// only faintly: every label has thirty words of its own, a text takes
// each word from its label's with probability own and otherwise from two
// thousand words common to all, and a tenth of the texts carry a random
// label instead of their own. share gives the relative frequency of each
// label. The same vocabulary seed gives the same words, so that a
// training and a test set can be drawn apart with other seeds.
func ambiguous(n int, share []float64, own float64, vocab, seed uint64) []Example {
	vr := rand.New(rand.NewPCG(vocab, 7))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		b := make([]byte, 4+vr.IntN(6))
		for i := range b {
			b[i] = letters[vr.IntN(len(letters))]
		}
		return string(b)
	}
	common := make([]string, 2000)
	for i := range common {
		common[i] = word()
	}
	words := make([][]string, len(share))
	labels := make([]string, len(share))
	total := 0.0
	for c := range share {
		labels[c] = "label" + string(rune('a'+c))
		for range 30 {
			words[c] = append(words[c], word())
		}
		total += share[c]
	}
	rng := rand.New(rand.NewPCG(seed, 11))
	pick := func() int {
		x := rng.Float64() * total
		for c, s := range share {
			if x < s {
				return c
			}
			x -= s
		}
		return len(share) - 1
	}
	out := make([]Example, n)
	for i := range out {
		c := pick()
		w := make([]string, 10)
		for j := range w {
			if rng.Float64() < own {
				w[j] = words[c][rng.IntN(30)]
			} else {
				w[j] = common[rng.IntN(len(common))]
			}
		}
		label := labels[c]
		if rng.IntN(10) == 0 {
			label = labels[rng.IntN(len(labels))]
		}
		out[i] = Example{Text: strings.Join(w, " "), Label: label}
	}
	return out
}

// quality returns the accuracy, the macro-F1 and the expected
// calibration error (10 bins) of m on test, and how often each label was
// predicted.
func quality(m *Model, test []Example) (acc, macroF1, ece float64, predicted map[string]int) {
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	predicted = map[string]int{}
	conf := make([]float64, len(test))
	right := make([]bool, len(test))
	for i, e := range test {
		l, c := m.Classify(e.Text)
		predicted[l]++
		conf[i], right[i] = c, l == e.Label
		if l == e.Label {
			tp[l]++
		} else {
			fp[l]++
			fn[e.Label]++
		}
	}
	labels := m.Labels()
	for _, l := range labels {
		if d := 2*tp[l] + fp[l] + fn[l]; d > 0 {
			macroF1 += 2 * float64(tp[l]) / float64(d)
		}
	}
	hits := 0
	for _, ok := range right {
		if ok {
			hits++
		}
	}
	return float64(hits) / float64(len(test)), macroF1 / float64(len(labels)), ExpectedCalibrationError(conf, right, 10), predicted
}

// TestCalibratedOnUnseenText checks that confidence means probability on
// texts the model was not trained on: of the answers given confidence
// about c, a fraction about c is right (expected calibration error under
// 0.05), with a small and a larger history.
func TestCalibratedOnUnseenText(t *testing.T) {
	share := []float64{1, 1, 1, 1, 1, 1, 1, 1}
	for _, n := range []int{600, 3000} {
		train := ambiguous(n, share, 0.3, 1, 1)
		test := ambiguous(4000, share, 0.3, 1, 2)
		m, err := Train(context.Background(), train)
		if err != nil {
			t.Fatal(err)
		}
		acc, _, ece, _ := quality(m, test)
		t.Logf("%d examples: accuracy %.3f, calibration error %.4f (held-out %.4f, temperature %.2f)", n, acc, ece, m.Calibration().Error, m.Calibration().Temperature)
		if acc < 0.4 || acc > 0.95 {
			t.Errorf("%d examples: accuracy %.3f; the set is meant to be neither hopeless nor easy", n, acc)
		}
		if ece >= 0.05 {
			t.Errorf("%d examples: calibration error %.4f on unseen text, want under 0.05", n, ece)
		}
	}
}

// TestPriorCorrection checks that a label that dominates the history
// does not swallow the rare ones: the default correction, chosen on
// held-out examples, gives better macro-F1 than none on text where every
// label is as frequent.
func TestPriorCorrection(t *testing.T) {
	share := []float64{40, 12, 6, 4, 3, 2, 2, 1}
	train := ambiguous(3000, share, 0.3, 3, 1)
	test := ambiguous(4000, []float64{1, 1, 1, 1, 1, 1, 1, 1}, 0.3, 3, 2)
	plain, err := Train(context.Background(), train, WithPriorCorrection(0))
	if err != nil {
		t.Fatal(err)
	}
	tuned, err := Train(context.Background(), train)
	if err != nil {
		t.Fatal(err)
	}
	_, f1Plain, _, predPlain := quality(plain, test)
	_, f1Tuned, _, predTuned := quality(tuned, test)
	t.Logf("without correction: macro-F1 %.3f, predicted %v", f1Plain, predPlain)
	t.Logf("correction %.2f: macro-F1 %.3f, predicted %v", tuned.Calibration().PriorCorrection, f1Tuned, predTuned)
	if tuned.Calibration().PriorCorrection == 0 {
		t.Error("no correction chosen for a history dominated by one label")
	}
	if f1Tuned < f1Plain+0.02 {
		t.Errorf("macro-F1 %.3f with the chosen correction, %.3f without: want a clear gain", f1Tuned, f1Plain)
	}
	if rare := "labelh"; predTuned[rare] <= predPlain[rare] {
		t.Errorf("the rarest label is predicted %d times with the correction, %d without", predTuned[rare], predPlain[rare])
	}
	fixed, err := Train(context.Background(), train, WithPriorCorrection(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if got := fixed.Calibration().PriorCorrection; got != 0.5 {
		t.Errorf("WithPriorCorrection(0.5) gave %v", got)
	}
}

func TestRemapKeepsTheAnswer(t *testing.T) {
	m := &Model{calib: Calibration{Knots: []Knot{{0.3, 0.1}, {0.6, 0.2}, {0.9, 0.95}}}}
	tests := [][]float64{
		{0.5, 0.45, 0.05},
		{0.95, 0.03, 0.02},
		{0.34, 0.33, 0.33},
		{1, 0, 0},
	}
	for _, p := range tests {
		got := append([]float64(nil), p...)
		m.remap(got)
		sum := 0.0
		for k, x := range got {
			sum += x
			if k > 0 && x >= got[0] {
				t.Errorf("remap(%v) = %v: label %d overtook the answer", p, got, k)
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("remap(%v) = %v sums to %v", p, got, sum)
		}
	}
}

func TestTrainFewShotErrors(t *testing.T) {
	field := predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "billing"}, {Value: "shipping"}}}
	one := predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "billing"}}}
	tests := []struct {
		name    string
		field   predict.Field
		phrases map[string][]string
		want    error
	}{
		{"unknown option", field, map[string][]string{"refunds": {"money back"}}, ErrBadExample},
		{"one option", one, map[string][]string{"billing": {"charged twice"}}, ErrOneLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := TrainFewShot(context.Background(), tt.field, tt.phrases); !errors.Is(err, tt.want) {
				t.Errorf("TrainFewShot: %v, want %v", err, tt.want)
			}
		})
	}
	// No phrases at all: the option names alone still train a model.
	m, err := TrainFewShot(context.Background(), field, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Classify("a question about shipping"); got != "shipping" {
		t.Errorf("from the option names alone: %q, want shipping", got)
	}
}
