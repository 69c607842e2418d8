package eval

import (
	"context"
	"maps"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/caseagent/caseagent/internal/corpus"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/textclass"
)

// longTail keeps of every label of field a share of its records that
// falls with its rank (40/rank^0.6 of them, at least five; the ranks are
// a seeded shuffle of the labels), turning a balanced corpus into one
// where a few labels dominate and most are rare, as in a helpdesk.
func longTail(records []Record, field string, seed uint64) []Record {
	byLabel := map[string][]Record{}
	for _, r := range records {
		byLabel[r.Labels[field]] = append(byLabel[r.Labels[field]], r)
	}
	labels := slices.Sorted(maps.Keys(byLabel))
	rng := rand.New(rand.NewPCG(seed, 0x7461696c))
	rng.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	var out []Record
	for rank, l := range labels {
		rs := byLabel[l]
		keep := max(5, int(math.Round(40/math.Pow(float64(rank+1), 0.6))))
		out = append(out, rs[:min(keep, len(rs))]...)
	}
	slices.SortFunc(out, func(a, b Record) int { return a.Line - b.Line })
	return out
}

// TestCorpusQuality trains the classifier with three seeds on a seeded,
// stratified 65% of each public intent corpus (and of a long-tailed cut
// of banking77) and checks on the other 35% that it beats the TF-IDF and
// logistic regression baseline on the mean accuracy and macro-F1, that
// the seed moves accuracy by less than a point, and that its confidence
// is calibrated. examples/evaluate -baseline -seeds 5 prints the same
// figures over five seeds (three keep this test short).
func TestCorpusQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real corpora; skipped in -short")
	}
	tests := []struct {
		name, corpus, file, text, label string
		longTail                        bool
		// spread is the largest accepted difference between the best
		// and the worst accuracy over the seeds.
		spread float64
	}{
		{"banking77", "intents-banking77", "test.csv", "text", "category", false, 0.01},
		{"bitext-intent", "intents-bitext", "bitext_customer_service_sample_stratified.csv", "utterance", "intent", false, 0.01},
		{"bitext-category", "intents-bitext", "bitext_customer_service_sample_stratified.csv", "utterance", "category", false, 0.01},
		// The long-tailed cut has 202 test records: one is 0.5 points.
		{"banking77-long-tail", "intents-banking77", "test.csv", "text", "category", true, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(corpus.Dir(t, tt.corpus), tt.file)
			recs, err := ReadFile(path, Columns{Text: []string{tt.text}, Labels: []string{tt.label}})
			if err != nil {
				t.Fatal(err)
			}
			if tt.longTail {
				recs = longTail(recs, tt.label, 1)
			}
			train, test, err := Split(recs, tt.label, 0.35, 1)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			labels := []string{tt.label}
			cmps, err := Compare(ctx, []NamedTrainer{
				{Name: "classifier", Train: ClassifierTrainer(labels)},
				{Name: "baseline", Train: BaselineTrainer(labels, BaselineConfig{})},
			}, Setup{Fields: Fields(labels, train, test), Train: train, Test: test, Seeds: []uint64{1, 2, 3}})
			if err != nil {
				t.Fatal(err)
			}
			c, b := cmps[0], cmps[1]
			t.Logf("%s: %d train, %d test", tt.name, len(train), len(test))
			for _, x := range cmps {
				t.Logf("  %-10s accuracy %.4f (%.4f-%.4f), macro-F1 %.4f (%.4f-%.4f), calibration error %.4f, %.2fs",
					x.Predictor, x.Accuracy.Mean, x.Accuracy.Min, x.Accuracy.Max, x.MacroF1.Mean, x.MacroF1.Min, x.MacroF1.Max, x.CalibrationError.Mean, x.TrainingSeconds)
			}
			if c.Accuracy.Mean <= b.Accuracy.Mean || c.MacroF1.Mean <= b.MacroF1.Mean {
				t.Errorf("classifier accuracy %.4f, macro-F1 %.4f; baseline %.4f, %.4f: want the classifier ahead on both",
					c.Accuracy.Mean, c.MacroF1.Mean, b.Accuracy.Mean, b.MacroF1.Mean)
			}
			if d := c.Accuracy.Max - c.Accuracy.Min; d >= tt.spread {
				t.Errorf("accuracy moves by %.4f with the seed, want under %.2f", d, tt.spread)
			}
			if !tt.longTail && c.CalibrationError.Mean >= 0.05 {
				t.Errorf("calibration error %.4f, want under 0.05", c.CalibrationError.Mean)
			}
		})
	}
}

// TestCorpusFewShot measures what five example phrases per option add to
// a tenant's first day, on banking77's 77 intents whose names are the
// only description: the offline default predictor reading the option
// names (zero-shot), the classifier trained from the option names alone,
// and both given five phrases per option. Five phrases must add at least
// 15 points of accuracy to either.
func TestCorpusFewShot(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real corpora; skipped in -short")
	}
	path := filepath.Join(corpus.Dir(t, "intents-banking77"), "test.csv")
	recs, err := ReadFile(path, Columns{Text: []string{"text"}, Labels: []string{"category"}})
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := Split(recs, "category", 0.35, 1)
	if err != nil {
		t.Fatal(err)
	}
	fields := Fields([]string{"category"}, train, test)
	ctx := context.Background()
	measure := func(name string, p predict.Predictor) FieldReport {
		rep, err := Run(ctx, p, fields, test)
		if err != nil {
			t.Fatal(err)
		}
		f := rep.Fields[0]
		t.Logf("%-40s accuracy %.4f, macro-F1 %.4f, coverage at 0.5 %.3f (accuracy %.3f), calibration error %.4f",
			name, f.Accuracy, f.MacroF1, f.Coverage, f.AccuracyAtThreshold, f.CalibrationError)
		return f
	}
	fewShot := func(shots int) *textclass.Model {
		phrases := map[string][]string{}
		for _, r := range train {
			l := r.Labels["category"]
			if len(phrases[l]) < shots {
				phrases[l] = append(phrases[l], r.Text)
			}
		}
		m, err := textclass.TrainFewShot(ctx, fields[0], phrases)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	withModel := func(m *textclass.Model) predict.Predictor {
		h, err := heuristic.New(heuristic.WithClassifier("category", m))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	zero, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	names, five := fewShot(0), fewShot(5)
	zeroShot := measure("default predictor, option names", zero)
	namesOnly := measure("classifier, option names", textclass.NewPredictor(map[string]*textclass.Model{"category": names}))
	fiveAlone := measure("classifier, names and 5 phrases", textclass.NewPredictor(map[string]*textclass.Model{"category": five}))
	fiveWith := measure("default predictor with that classifier", withModel(five))
	if fiveAlone.Accuracy < namesOnly.Accuracy+0.15 || fiveWith.Accuracy < zeroShot.Accuracy+0.15 {
		t.Errorf("five phrases per option add %.4f to the classifier and %.4f to the default predictor: want at least 0.15",
			fiveAlone.Accuracy-namesOnly.Accuracy, fiveWith.Accuracy-zeroShot.Accuracy)
	}
}
