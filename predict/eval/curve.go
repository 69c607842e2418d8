package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

// Trainer trains a predictor on records with a seed. It is how
// LearningCurve and Compare stay independent of what is trained: the
// classifier, the baseline or any other model.
type Trainer func(ctx context.Context, train []Record, seed uint64) (predict.Predictor, error)

// DefaultCurveSizes are the numbers of training records a learning curve
// is measured at by default; the full training set is added when it is
// larger than the last.
func DefaultCurveSizes() []int { return []int{50, 100, 200, 400, 1000} }

// CurvePoint is the quality of a field's predictions when the predictor
// was trained on Examples records.
type CurvePoint struct {
	Field    string `json:"field"`
	Examples int    `json:"examples"`
	// Accuracy and MacroF1 are means over the seeds; the spreads are the
	// smallest and largest values.
	Accuracy         float64 `json:"accuracy"`
	MacroF1          float64 `json:"macro_f1"`
	AccuracyMin      float64 `json:"accuracy_min"`
	AccuracyMax      float64 `json:"accuracy_max"`
	CalibrationError float64 `json:"calibration_error"`
	Seeds            int     `json:"seeds"`
}

// Setup is what LearningCurve and Compare measure on: the fields, the
// records trained on and measured on, and the training seeds.
type Setup struct {
	// Fields are the fields measured.
	Fields []predict.Field
	// Train are the records trained on; Test those measured on.
	Train, Test []Record
	// Seeds are the training seeds; none is the single seed 1.
	Seeds []uint64
}

// LearningCurve trains on growing parts of su.Train and measures every
// field of su.Fields on all of su.Test: for each size of sizes smaller
// than su.Train (and then for all of su.Train), and each seed of
// su.Seeds, the first size records of su.Train shuffled with that seed,
// as the cases a tenant would have labelled first. A part with a single
// label for a field cannot be trained on and is skipped. opts are passed
// to Run.
func LearningCurve(ctx context.Context, tr Trainer, su Setup, sizes []int, opts ...Option) ([]CurvePoint, error) {
	fields, train, test, seeds := su.Fields, su.Train, su.Test, su.Seeds
	if len(train) == 0 || len(test) == 0 {
		return nil, ErrNoRecords
	}
	if len(seeds) == 0 {
		seeds = []uint64{1}
	}
	var ns []int
	for _, n := range sizes {
		if n > 0 && n < len(train) && !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	ns = append(ns, len(train))
	var out []CurvePoint
	for _, n := range ns {
		points := make([]CurvePoint, len(fields))
		for i, f := range fields {
			points[i] = CurvePoint{Field: f.Name, Examples: n, AccuracyMin: 1}
		}
		for _, seed := range seeds {
			part := slices.Clone(train)
			rng := rand.New(rand.NewPCG(seed, 0x6375727665))
			rng.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
			part = part[:n]
			if !varied(part, fields) {
				continue
			}
			p, err := tr(ctx, part, seed)
			if err != nil {
				return nil, fmt.Errorf("eval: training on %d records: %w", n, err)
			}
			rep, err := Run(ctx, p, fields, test, opts...)
			if err != nil {
				return nil, err
			}
			for i := range fields {
				f := rep.Fields[i]
				pt := &points[i]
				pt.Seeds++
				pt.Accuracy += f.Accuracy
				pt.MacroF1 += f.MacroF1
				pt.CalibrationError += f.CalibrationError
				pt.AccuracyMin = min(pt.AccuracyMin, f.Accuracy)
				pt.AccuracyMax = max(pt.AccuracyMax, f.Accuracy)
			}
		}
		for _, pt := range points {
			if pt.Seeds == 0 {
				continue
			}
			s := float64(pt.Seeds)
			pt.Accuracy /= s
			pt.MacroF1 /= s
			pt.CalibrationError /= s
			out = append(out, pt)
		}
	}
	return out, nil
}

// varied reports whether every field has at least two labels in records.
func varied(records []Record, fields []predict.Field) bool {
	for _, f := range fields {
		first, two := "", false
		for i, r := range records {
			if i == 0 {
				first = r.Labels[f.Name]
			} else if r.Labels[f.Name] != first {
				two = true
				break
			}
		}
		if !two {
			return false
		}
	}
	return true
}

// Spread is the mean, smallest and largest of a measure over seeds.
type Spread struct {
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

func spreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{}
	}
	s := Spread{Min: xs[0], Max: xs[0]}
	for _, x := range xs {
		s.Mean += x
		s.Min = min(s.Min, x)
		s.Max = max(s.Max, x)
	}
	s.Mean /= float64(len(xs))
	return s
}

// Comparison is how one predictor did on one field over several training
// seeds on the same split.
type Comparison struct {
	Predictor        string   `json:"predictor"`
	Field            string   `json:"field"`
	Seeds            []uint64 `json:"seeds"`
	Accuracy         Spread   `json:"accuracy"`
	MacroF1          Spread   `json:"macro_f1"`
	CalibrationError Spread   `json:"calibration_error"`
	// TrainingSeconds is the mean wall time of a training.
	TrainingSeconds float64 `json:"training_seconds"`
}

// Compare trains each named trainer once per seed of su.Seeds on
// su.Train, measures every field of su.Fields on su.Test and returns, per
// trainer and field in the order given, the spread of accuracy, macro-F1
// and calibration error over the seeds. opts are passed to Run.
func Compare(ctx context.Context, trainers []NamedTrainer, su Setup, opts ...Option) ([]Comparison, error) {
	fields, train, test, seeds := su.Fields, su.Train, su.Test, su.Seeds
	if len(seeds) == 0 {
		seeds = []uint64{1}
	}
	var out []Comparison
	for _, nt := range trainers {
		acc := make([][]float64, len(fields))
		f1 := make([][]float64, len(fields))
		ece := make([][]float64, len(fields))
		seconds := 0.0
		for _, seed := range seeds {
			start := time.Now()
			p, err := nt.Train(ctx, train, seed)
			if err != nil {
				return nil, fmt.Errorf("eval: training %s with seed %d: %w", nt.Name, seed, err)
			}
			seconds += time.Since(start).Seconds()
			rep, err := Run(ctx, p, fields, test, opts...)
			if err != nil {
				return nil, err
			}
			for i, f := range rep.Fields {
				acc[i] = append(acc[i], f.Accuracy)
				f1[i] = append(f1[i], f.MacroF1)
				ece[i] = append(ece[i], f.CalibrationError)
			}
		}
		for i, f := range fields {
			out = append(out, Comparison{
				Predictor: nt.Name, Field: f.Name, Seeds: slices.Clone(seeds),
				Accuracy: spreadOf(acc[i]), MacroF1: spreadOf(f1[i]), CalibrationError: spreadOf(ece[i]),
				TrainingSeconds: seconds / float64(len(seeds)),
			})
		}
	}
	return out, nil
}

// NamedTrainer is a Trainer with the name its results are reported
// under.
type NamedTrainer struct {
	Name  string
	Train Trainer
}

// ClassifierTrainer returns a Trainer of a textclass model per label
// column, with opts and then the seed.
func ClassifierTrainer(labels []string, opts ...textclass.Option) Trainer {
	return func(ctx context.Context, train []Record, seed uint64) (predict.Predictor, error) {
		models, err := Train(ctx, train, labels, append(slices.Clone(opts), textclass.WithSeed(seed))...)
		if err != nil {
			return nil, err
		}
		return textclass.NewPredictor(models), nil
	}
}

// BaselineTrainer returns a Trainer of the baseline per label column. The
// baseline has no randomness: the seed is ignored.
func BaselineTrainer(labels []string, cfg BaselineConfig) Trainer {
	return func(ctx context.Context, train []Record, _ uint64) (predict.Predictor, error) {
		return TrainBaseline(ctx, train, labels, cfg)
	}
}
