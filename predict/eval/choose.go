package eval

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

// Case is a labelled conversation: a case the tenant has handled, with
// the messages as the agent received them and the values its fields were
// given, by field name. A field a case has no value for is not in Labels.
type Case struct {
	Messages []channel.Message
	Labels   map[string]string
}

// ChooseConfig tunes ChooseFields. The zero value is usable.
type ChooseConfig struct {
	// Folds is how many parts the cases are cut into; each part is
	// predicted by classifiers trained on the others. 5 when 0.
	Folds int
	// Threshold is the confidence below which the classifier leaves a
	// field to the base predictor, as a chain built with predict.Confident
	// does. 0.5 when 0.
	Threshold float64
	// WrongCost is what a wrong value costs against a right one when the
	// two are weighed: a field is learned when the chain's right values
	// less WrongCost times its wrong ones beat the base's. 2 when 0: a
	// value written wrong does more harm than a value left for a person.
	WrongCost float64
	// MinCases is the fewest cases with a value for a field for it to be
	// considered at all. 20 when 0.
	MinCases int
	// Seed shuffles the cases into folds and seeds training.
	Seed uint64
	// Options are passed to textclass.Train.
	Options []textclass.Option
}

// FieldChoice is how one field did on held-out cases: the base predictor
// alone against a classifier trained on the other cases asked first, and
// whether the classifier is worth learning for it.
type FieldChoice struct {
	Field string `json:"field"`
	// Cases is how many cases have a value for the field.
	Cases int `json:"cases"`
	// BaseRight and BaseWrong count the base predictor's values that match
	// the case's and that do not; the rest it left empty.
	BaseRight int `json:"base_right"`
	BaseWrong int `json:"base_wrong"`
	// ChainRight and ChainWrong count the same for the classifier asked
	// first and the base for what it leaves.
	ChainRight int `json:"chain_right"`
	ChainWrong int `json:"chain_wrong"`
	// Learn is true when the chain does better, as ChooseConfig.WrongCost
	// weighs right and wrong values.
	Learn bool `json:"learn"`
}

// ErrTooFewCases is returned by ChooseFields when no field has enough
// labelled cases to measure.
var ErrTooFewCases = errors.New("eval: too few labelled cases")

// ChooseFields tells, for each field with options in fields, whether a
// classifier trained on the tenant's own cases should be asked before the
// base predictor (the offline default, say). Which fields a classifier
// learns well depends on the tenant: one of a few broad categories is
// learned from a few hundred cases, a priority that rests on what the
// customer says of the impact, or a product named in a sentence, may be
// read better by the base. Each case is predicted once by base and once
// by the chain of a classifier trained without it (cross-validation in
// ChooseConfig.Folds parts), as the agent asks: for all of fields at
// once, so that the base reads each field in the context of the others.
// Only the field being measured is learned in each chain.
//
// A value counts as right when it equals the case's, normalised by the
// field as Run does. It returns a choice per field with options and
// enough cases, in the order of fields.
func ChooseFields(ctx context.Context, base predict.Predictor, fields []predict.Field, cases []Case, cfg ChooseConfig) ([]FieldChoice, error) {
	if base == nil {
		return nil, predict.ErrNoPredictor
	}
	folds, threshold, cost, minCases := cfg.Folds, cfg.Threshold, cfg.WrongCost, cfg.MinCases
	if folds == 0 {
		folds = 5
	}
	if threshold == 0 {
		threshold = 0.5
	}
	if cost == 0 {
		cost = 2
	}
	if minCases == 0 {
		minCases = 20
	}
	if folds < 2 || threshold < 0 || threshold > 1 || cost < 0 || minCases < 2 {
		return nil, fmt.Errorf("eval: ChooseConfig: %d folds, threshold %v, wrong cost %v or %d cases is out of range", folds, threshold, cost, minCases)
	}
	// The base's answers do not depend on the fold.
	baseAnswers := make([]map[string]predict.Prediction, len(cases))
	for i := range cases {
		res, err := base.Predict(ctx, &predict.Request{Fields: fields, Messages: cases[i].Messages})
		if err != nil {
			return nil, fmt.Errorf("eval: base predictor: %w", err)
		}
		if res != nil {
			baseAnswers[i] = res.Predictions
		}
	}
	fold := make([]int, len(cases))
	for i := range fold {
		fold[i] = i % folds
	}
	rand.New(rand.NewPCG(cfg.Seed, 0x636173656167)).Shuffle(len(fold), func(i, j int) { fold[i], fold[j] = fold[j], fold[i] })
	texts := make([]string, len(cases))
	for i := range cases {
		texts[i] = textclass.CustomerText(cases[i].Messages)
	}
	var out []FieldChoice
	for _, f := range fields {
		if len(f.Options) == 0 {
			continue
		}
		var labelled []int
		for i := range cases {
			if _, ok := cases[i].Labels[f.Name]; ok && texts[i] != "" {
				labelled = append(labelled, i)
			}
		}
		if len(labelled) < minCases {
			continue
		}
		fc := FieldChoice{Field: f.Name, Cases: len(labelled)}
		want := make(map[int]string, len(labelled))
		for _, i := range labelled {
			want[i] = cases[i].Labels[f.Name]
			if v, err := f.Normalize(want[i]); err == nil {
				want[i] = fmt.Sprint(v)
			}
			tally(&fc.BaseRight, &fc.BaseWrong, baseAnswers[i], f.Name, want[i])
		}
		oneLabel := false
		for k := range folds {
			var ex []textclass.Example
			for _, i := range labelled {
				if fold[i] != k {
					ex = append(ex, textclass.Example{Text: texts[i], Label: cases[i].Labels[f.Name]})
				}
			}
			m, err := textclass.Train(ctx, ex, append(slices.Clone(cfg.Options), textclass.WithSeed(cfg.Seed))...)
			if errors.Is(err, textclass.ErrOneLabel) {
				// The cases have one value: a classifier would know
				// nothing the base does not.
				oneLabel = true
				break
			}
			if err != nil {
				return nil, fmt.Errorf("eval: training %s: %w", f.Name, err)
			}
			first, err := predict.Confident(textclass.NewPredictor(map[string]*textclass.Model{f.Name: m}), threshold)
			if err != nil {
				return nil, err
			}
			chain := predict.Chain(first, base)
			for _, i := range labelled {
				if fold[i] != k {
					continue
				}
				res, err := chain.Predict(ctx, &predict.Request{Fields: fields, Messages: cases[i].Messages})
				if err != nil {
					return nil, fmt.Errorf("eval: chain for %s: %w", f.Name, err)
				}
				tally(&fc.ChainRight, &fc.ChainWrong, res.Predictions, f.Name, want[i])
			}
		}
		if oneLabel {
			fc.ChainRight, fc.ChainWrong = fc.BaseRight, fc.BaseWrong
		}
		fc.Learn = float64(fc.ChainRight)-cost*float64(fc.ChainWrong) > float64(fc.BaseRight)-cost*float64(fc.BaseWrong)
		out = append(out, fc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("eval: no field with options has %d cases with a value: %w", minCases, ErrTooFewCases)
	}
	return out, nil
}

// tally counts the value predicted for field, if any, as right or wrong
// against want.
func tally(right, wrong *int, predicted map[string]predict.Prediction, field, want string) {
	if pr, ok := predicted[field]; ok {
		if fmt.Sprint(pr.Value) == want {
			*right++
		} else {
			*wrong++
		}
	}
}
