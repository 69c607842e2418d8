package textclass

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func trainFixture(t testing.TB, opts ...Option) *Model {
	t.Helper()
	m, err := Train(context.Background(), fixture, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestClassify(t *testing.T) {
	m := trainFixture(t)
	tests := []struct {
		text, want string
	}{
		{"I was billed twice, please refund the extra charge", "billing"},
		{"my order never arrived, where is the package?", "shipping"},
		{"I can't log in, the password reset does not work", "account"},
		{"the router reboots all the time and the port is dead", "defect"},
		{"Me cobraron un cargo doble en la factura", "billing"},
		{"Mein Paket ist nicht angekommen, die Bestellung fehlt", "shipping"},
		{"je ne peux pas me connecter, mot de passe oublié", "account"},
		// Accents are folded: typed without them, the same words match.
		{"la camara no enciende", "defect"},
		{"NAO CONSIGO ENTRAR NA MINHA CONTA!!!", "account"},
	}
	for _, tt := range tests {
		got, conf := m.Classify(tt.text)
		if got != tt.want {
			t.Errorf("Classify(%q) = %q (%.2f), want %q; scores %v", tt.text, got, conf, tt.want, m.Scores(tt.text))
		}
		if !(conf > 0.25 && conf <= 1) {
			t.Errorf("Classify(%q) confidence %v, want in (0.25,1]", tt.text, conf)
		}
	}
}

func TestScores(t *testing.T) {
	m := trainFixture(t)
	s := m.Scores("refund my invoice")
	if len(s) != 4 {
		t.Fatalf("got %d scores, want 4", len(s))
	}
	sum := 0.0
	for i, x := range s {
		sum += x.Probability
		if i > 0 && x.Probability > s[i-1].Probability {
			t.Errorf("scores not sorted: %v", s)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("probabilities sum to %v, want 1", sum)
	}
	label, conf := m.Classify("refund my invoice")
	if diff := cmp.Diff(Score{label, conf}, s[0]); diff != "" {
		t.Errorf("Classify and Scores disagree (-Classify +Scores):\n%s", diff)
	}
	// Nothing known: the a-priori favourite, with low confidence.
	if _, conf := m.Classify("§§§ ---"); conf > 0.6 {
		t.Errorf("confidence for a text without features = %v, want low", conf)
	}
	if diff := cmp.Diff([]string{"account", "billing", "defect", "shipping"}, m.Labels()); diff != "" {
		t.Errorf("Labels (-want +got):\n%s", diff)
	}
}

func TestTrainDeterministic(t *testing.T) {
	save := func(m *Model) []byte {
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a := save(trainFixture(t, WithSeed(7)))
	b := save(trainFixture(t, WithSeed(7)))
	if !bytes.Equal(a, b) {
		t.Error("two trainings with the same seed differ")
	}
	c := save(trainFixture(t, WithSeed(8)))
	if bytes.Equal(a, c) {
		t.Error("trainings with different seeds are identical")
	}
}

func TestTrainErrors(t *testing.T) {
	tests := []struct {
		name     string
		examples []Example
		opts     []Option
		want     error
	}{
		{"none", nil, nil, ErrNoExamples},
		{"one label", []Example{{"a", "x"}, {"b", "x"}}, nil, ErrOneLabel},
		{"empty label", []Example{{"a", "x"}, {"b", " "}}, nil, ErrBadExample},
		{"label not UTF-8", []Example{{"a", "x"}, {"b", "\xff"}}, nil, ErrBadExample},
		{"label too long", []Example{{"a", "x"}, {"b", strings.Repeat("y", maxLabelLen+1)}}, nil, ErrBadExample},
		{"epochs", fixture, []Option{WithEpochs(0)}, ErrBadOption},
		{"L2", fixture, []Option{WithL2(math.NaN())}, ErrBadOption},
		{"rate", fixture, []Option{WithLearningRate(0)}, ErrBadOption},
		{"hold-out", fixture, []Option{WithHoldOut(0.9)}, ErrBadOption},
		{"min df", fixture, []Option{WithMinDF(0)}, ErrBadOption},
		{"prior correction", fixture, []Option{WithPriorCorrection(1.5)}, ErrBadOption},
		{"prior correction NaN", fixture, []Option{WithPriorCorrection(math.NaN())}, ErrBadOption},
		{"no features", fixture, []Option{WithFeatures(Features{HashBits: 16})}, ErrBadOption},
		{"hash bits", fixture, []Option{WithFeatures(Features{MinWordN: 1, MaxWordN: 1, HashBits: 30})}, ErrBadOption},
		{"n-grams", fixture, []Option{WithFeatures(Features{MinCharN: 3, MaxCharN: 2, HashBits: 16})}, ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Train(context.Background(), tt.examples, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Errorf("Train: %v, want %v", err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, fixture); !errors.Is(err, context.Canceled) {
		t.Errorf("Train with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestFeatureSettings(t *testing.T) {
	// Words only, characters only, no accent folding: each still learns.
	for _, f := range []Features{
		{MinWordN: 1, MaxWordN: 1, HashBits: 16},
		{MinCharN: 3, MaxCharN: 4, HashBits: 12, CharWeight: 1},
		{MinWordN: 2, MaxWordN: 2, MinCharN: 3, MaxCharN: 3, HashBits: 14, CharWeight: 2},
		{MinWordN: 1, MaxWordN: 3, MinCharN: 1, MaxCharN: 3, HashBits: 18, CharWeight: 0.5},
	} {
		m := trainFixture(t, WithFeatures(f), WithHoldOut(0))
		if got, _ := m.Classify("my order has not arrived"); got != "shipping" {
			t.Errorf("features %+v: got %q, want shipping", f, got)
		}
		if diff := cmp.Diff(f, m.Features()); diff != "" {
			t.Errorf("Features (-want +got):\n%s", diff)
		}
	}
	// A character weight left at 0 reads as 1.
	m := trainFixture(t, WithFeatures(Features{MinWordN: 1, MaxWordN: 1, MinCharN: 2, MaxCharN: 3, HashBits: 16}), WithHoldOut(0))
	if w := m.Features().CharWeight; w != 1 {
		t.Errorf("character weight %v, want 1", w)
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		fold bool
		want []string
	}{
		{"Hello, World! x-200", true, []string{"hello", "world", "x", "200"}},
		{"Ça coûte 20€ à l'hôtel", true, []string{"ca", "coute", "20", "a", "l", "hotel"}},
		{"Ça coûte", false, []string{"ça", "coûte"}},
		{"STRASSE Straße", true, []string{"strasse", "straße"}},
		{"Привет мир", true, []string{"привет", "мир"}},
		{"日本語のテキスト", true, []string{"日本語のテキスト"}},
		{"e\u0301te\u0301", true, []string{"ete"}},
		{"", true, nil},
		{"\xff\xfe bad utf8", true, []string{"bad", "utf8"}},
	}
	for _, tt := range tests {
		f := DefaultFeatures()
		f.FoldAccents = tt.fold
		e := newExtractor(f)
		e.tokenize(tt.text)
		var got []string
		for _, s := range e.tokens {
			got = append(got, string(e.runes[s.start:s.end]))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("tokenize(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestExtractCounts(t *testing.T) {
	f := Features{MinWordN: 1, MaxWordN: 2, MinCharN: 2, MaxCharN: 3, HashBits: 20}
	e := newExtractor(f)
	// "ab cd": 2 words + 1 bigram; each padded word "<ab>" has
	// 3 bigrams and 2 trigrams.
	got := len(e.extract("ab cd"))
	if want := 3 + 2*(3+2); got != want {
		t.Errorf("extract gave %d features, want %d", got, want)
	}
	half := uint32(1) << 19
	for i, b := range e.extract("ab cd") {
		if (i < 3) != (b < half) {
			t.Errorf("feature %d (bucket %d) in the wrong half", i, b)
		}
	}
}

func TestCalibration(t *testing.T) {
	tests := []struct {
		name        string
		opts        []Option
		held, folds int
	}{
		// A small history is cross-fitted: every example held out once.
		{"default", nil, 40, 5},
		{"hold-out", []Option{WithHoldOut(0.2)}, 8, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := trainFixture(t, tt.opts...)
			c := m.Calibration()
			if c.Held != tt.held || c.Folds != tt.folds {
				t.Errorf("held out %d examples in %d folds, want %d in %d", c.Held, c.Folds, tt.held, tt.folds)
			}
			if !(c.Temperature > 0) || c.Error < 0 || c.Error > 1 || c.ErrorBefore < 0 || c.ErrorBefore > 1 ||
				c.Accuracy <= 0.5 || c.MacroF1 <= 0.5 || c.PriorCorrection != 0 {
				t.Errorf("calibration out of range: %+v", c)
			}
			if m.CalibrationError() != c.Error {
				t.Errorf("CalibrationError %v != Calibration().Error %v", m.CalibrationError(), c.Error)
			}
		})
	}
	// No hold-out: uncalibrated.
	small := trainFixture(t, WithHoldOut(0))
	if diff := cmp.Diff(Calibration{Temperature: 1}, small.Calibration()); diff != "" {
		t.Errorf("without hold-out (-want +got):\n%s", diff)
	}
}

func TestExpectedCalibrationError(t *testing.T) {
	tests := []struct {
		conf    []float64
		correct []bool
		want    float64
	}{
		{nil, nil, 0},
		{[]float64{0.9, 0.9}, []bool{true, true}, 0.1},
		{[]float64{0.55, 0.55}, []bool{true, false}, 0.05},
		// Two bins: 0.95 (1 of 1 right) and 0.15 (0 of 1 right).
		{[]float64{0.95, 0.15}, []bool{true, false}, (0.05 + 0.15) / 2},
		// Confidence 1 falls in the last bin.
		{[]float64{1}, []bool{false}, 1},
	}
	for _, tt := range tests {
		got := ExpectedCalibrationError(tt.conf, tt.correct, 10)
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("ECE(%v, %v) = %v, want %v", tt.conf, tt.correct, got, tt.want)
		}
	}
}

func TestConcurrentClassify(t *testing.T) {
	m := trainFixture(t)
	texts := []string{"refund the charge", "order not arrived", "cannot log in", "router reboots"}
	want := make([]string, len(texts))
	for i, s := range texts {
		want[i], _ = m.Classify(s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				j := (g + i) % len(texts)
				if got, _ := m.Classify(texts[j]); got != want[j] {
					errs <- fmt.Errorf("Classify(%q) = %q, want %q", texts[j], got, want[j])
					return
				}
				m.Scores(texts[j])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
