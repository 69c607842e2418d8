package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

// ErrTooFewAnswers means the predictor answered too few of the labelled
// records for a calibration to be learned from them.
var ErrTooFewAnswers = errors.New("eval: too few answers to calibrate")

// MinCalibrationAnswers is the fewest answers the global map of a
// calibration is fitted on, and MinFieldCalibrationAnswers the fewest a
// field needs for a map of its own; fields with fewer use the global map.
const (
	MinCalibrationAnswers      = 20
	MinFieldCalibrationAnswers = 100
)

// calibrationSmoothing is how many answers of the overall accuracy each
// pool of the isotonic fit is blended with, so that a pool of a few
// answers does not map a confidence to 0 or 1.
const calibrationSmoothing = 2

// FitCalibration learns how p's confidence relates to being right from
// labelled records: it replays them as Run does (options WithWorkers and
// WithProgress apply), and fits, by isotonic regression (pooling adjacent
// violators, each pool smoothed towards the overall accuracy), a
// non-decreasing map from confidence to the fraction of answers that were
// right. Fields with at least MinFieldCalibrationAnswers answers get a map
// of their own; a global map fitted on all answers serves the others.
// Abstentions do not count: calibration is about the answers given.
// Records on which p fails are left out.
//
// Fit on records kept apart from those used to measure the result. The
// caller may name the predictor in the calibration's Predictor.
func FitCalibration(ctx context.Context, p predict.Predictor, fields []predict.Field, records []Record, opts ...Option) (*predict.Calibration, error) {
	c, err := newRunConfig(fields, records, opts, "calibrate")
	if err != nil {
		return nil, err
	}
	outcomes, errs, err := predictAll(ctx, p, fields, records, &c)
	if err != nil {
		return nil, err
	}
	var allConf []float64
	var allRight []bool
	perConf := map[string][]float64{}
	perRight := map[string][]bool{}
	for i, outs := range outcomes {
		if errs[i] != nil {
			continue
		}
		for _, o := range outs {
			if o.Predicted == "" {
				continue
			}
			ok := o.Predicted == o.Expected
			allConf = append(allConf, o.Confidence)
			allRight = append(allRight, ok)
			perConf[o.Field] = append(perConf[o.Field], o.Confidence)
			perRight[o.Field] = append(perRight[o.Field], ok)
		}
	}
	if len(allConf) < MinCalibrationAnswers {
		return nil, fmt.Errorf("%w: %d answers on %d records, want at least %d", ErrTooFewAnswers, len(allConf), len(records), MinCalibrationAnswers)
	}
	cal := &predict.Calibration{Global: fitMap(allConf, allRight)}
	for _, f := range fields {
		if len(perConf[f.Name]) >= MinFieldCalibrationAnswers {
			if cal.Fields == nil {
				cal.Fields = map[string]predict.CalibrationMap{}
			}
			cal.Fields[f.Name] = fitMap(perConf[f.Name], perRight[f.Name])
		}
	}
	return cal, nil
}

// fitMap fits a smoothed isotonic map of confidence to accuracy.
func fitMap(conf []float64, right []bool) predict.CalibrationMap {
	type pool struct{ sumX, sumY, n float64 }
	idx := make([]int, len(conf))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(conf[a], conf[b]) })
	overall := 0.0
	var pools []pool
	lastX := math.NaN()
	for _, i := range idx {
		y := 0.0
		if right[i] {
			y = 1
		}
		overall += y
		x := min(max(conf[i], 0), 1)
		// Equal confidences are one pool from the start: a map cannot
		// tell them apart.
		if x == lastX {
			n := len(pools)
			pools[n-1].sumX += x
			pools[n-1].sumY += y
			pools[n-1].n++
		} else {
			pools = append(pools, pool{x, y, 1})
		}
		lastX = x
	}
	overall /= float64(len(conf))
	// Pool adjacent violators on the smoothed accuracy, which pulls small
	// pools towards the overall accuracy and keeps large ones as measured.
	smoothed := func(p pool) float64 {
		return (p.sumY + calibrationSmoothing*overall) / (p.n + calibrationSmoothing)
	}
	var merged []pool
	for _, p := range pools {
		merged = append(merged, p)
		for len(merged) > 1 {
			a, b := merged[len(merged)-2], merged[len(merged)-1]
			if smoothed(a) < smoothed(b) {
				break
			}
			merged = append(merged[:len(merged)-2], pool{a.sumX + b.sumX, a.sumY + b.sumY, a.n + b.n})
		}
	}
	m := predict.CalibrationMap{Examples: len(conf)}
	for _, p := range merged {
		k := predict.CalibrationKnot{Confidence: p.sumX / p.n, Probability: smoothed(p)}
		if n := len(m.Knots); n > 0 && (k.Confidence <= m.Knots[n-1].Confidence || k.Probability < m.Knots[n-1].Probability) {
			// Rounding can make neighbouring means meet; keep the map
			// strictly increasing in confidence.
			m.Knots[n-1].Probability = max(m.Knots[n-1].Probability, k.Probability)
			continue
		}
		m.Knots = append(m.Knots, k)
	}
	mapped := make([]float64, len(conf))
	for i, c := range conf {
		mapped[i] = m.Apply(c)
	}
	m.ErrorBefore = textclass.ExpectedCalibrationError(conf, right, 10)
	m.ErrorAfter = textclass.ExpectedCalibrationError(mapped, right, 10)
	return m
}
