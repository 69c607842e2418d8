package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/internal/corpus"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/textclass"
)

// TestCorpusCalibration calibrates predictors on part of a public intent
// corpus and measures the calibration error on another part neither
// training nor calibration saw: the offline default predictor reading
// the option names, and the classifier trained without its own held-out
// calibration (as a model that reports raw scores). Both must end under
// 0.05 with the same answers as before.
func TestCorpusCalibration(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on real corpora; skipped in -short")
	}
	for _, c := range []struct {
		name, corpus, file, text string
		offline                  bool
	}{
		{"bitext", "intents-bitext", "bitext_customer_service_sample_stratified.csv", "utterance", true},
		// The offline predictor answers too few of banking77's intents
		// from their names alone to calibrate it.
		{"banking77", "intents-banking77", "test.csv", "text", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			calibrateCorpus(t, filepath.Join(corpus.Dir(t, c.corpus), c.file), c.text, c.offline)
		})
	}
}

func calibrateCorpus(t *testing.T, path, text string, withOffline bool) {
	const label = "category"
	recs, err := ReadFile(path, Columns{Text: []string{text}, Labels: []string{label}})
	if err != nil {
		t.Fatal(err)
	}
	rest, test, err := Split(recs, label, 0.35, 1)
	if err != nil {
		t.Fatal(err)
	}
	train, calib, err := Split(rest, label, 0.3, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	fields := Fields([]string{label}, recs)
	models, err := Train(ctx, train, []string{label}, textclass.WithSeed(1), textclass.WithHoldOut(0))
	if err != nil {
		t.Fatal(err)
	}
	offline, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	type named struct {
		name string
		p    predict.Predictor
	}
	ps := []named{{"classifier without held-out calibration", textclass.NewPredictor(models)}}
	if withOffline {
		ps = append(ps, named{"offline", offline})
	}
	for _, tt := range ps {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := FitCalibration(ctx, tt.p, fields, calib)
			if err != nil {
				t.Fatal(err)
			}
			calibrated, err := predict.Calibrate(tt.p, cal)
			if err != nil {
				t.Fatal(err)
			}
			before, err := Run(ctx, tt.p, fields, test)
			if err != nil {
				t.Fatal(err)
			}
			after, err := Run(ctx, calibrated, fields, test)
			if err != nil {
				t.Fatal(err)
			}
			b, a := before.Fields[0], after.Fields[0]
			t.Logf("%d trained on, %d calibrated on, %d tested: accuracy %.3f, answered %.3f; calibration error %.4f -> %.4f; %d knots",
				len(train), len(calib), len(test), a.Accuracy, a.Answer, b.CalibrationError, a.CalibrationError, len(cal.Global.Knots))
			if a.CalibrationError >= 0.05 {
				t.Errorf("calibration error %.4f after calibration, want under 0.05", a.CalibrationError)
			}
			if a.Correct != b.Correct || a.Answered != b.Answered {
				t.Errorf("calibration changed answers: %d of %d right, before %d of %d", a.Correct, a.Answered, b.Correct, b.Answered)
			}
		})
	}
}
