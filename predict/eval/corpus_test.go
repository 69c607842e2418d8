package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/internal/corpus"
	"github.com/caseagent/caseagent/predict/textclass"
)

// TestCorpusQuality trains the classifier on a seeded, stratified 65%
// of each public intent corpus and checks the quality bar on the other
// 35%. examples/evaluate prints the same figures.
func TestCorpusQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real corpora; skipped in -short")
	}
	tests := []struct {
		corpus, file, text, label string
		accuracy, macroF1         float64
	}{
		{"intents-banking77", "test.csv", "text", "category", 0.80, 0.80},
		{"intents-bitext", "bitext_customer_service_sample_stratified.csv", "utterance", "intent", 0.99, 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.corpus, func(t *testing.T) {
			path := filepath.Join(corpus.Dir(t, tt.corpus), tt.file)
			recs, err := ReadFile(path, Columns{Text: []string{tt.text}, Labels: []string{tt.label}})
			if err != nil {
				t.Fatal(err)
			}
			train, test, err := Split(recs, tt.label, 0.35, 1)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			models, err := Train(ctx, train, []string{tt.label}, textclass.WithSeed(1))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Run(ctx, textclass.NewPredictor(models), Fields([]string{tt.label}, train, test), test)
			if err != nil {
				t.Fatal(err)
			}
			f := rep.Fields[0]
			t.Logf("%s: %d train, %d test: accuracy %.4f, macro-F1 %.4f, coverage at 0.5 %.3f (accuracy %.3f), calibration error %.4f",
				tt.corpus, len(train), len(test), f.Accuracy, f.MacroF1, f.Coverage, f.AccuracyAtThreshold, f.CalibrationError)
			if f.Accuracy < tt.accuracy || f.MacroF1 < tt.macroF1 {
				t.Errorf("accuracy %.4f, macro-F1 %.4f; want at least %.2f and %.2f", f.Accuracy, f.MacroF1, tt.accuracy, tt.macroF1)
			}
			if f.CalibrationError > 0.08 {
				t.Errorf("calibration error %.4f, want at most 0.08", f.CalibrationError)
			}
		})
	}
}
