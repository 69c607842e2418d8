package eval

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

// Split divides records into a training and a test part, stratified on
// the label column named by field: of every value, the fraction
// testFraction (rounded) goes to the test part, the rest to training, and
// a value seen once goes to training. The records are shuffled with seed
// first, so the split depends only on the records and the seed; each part
// keeps the records' original order.
func Split(records []Record, field string, testFraction float64, seed uint64) (train, test []Record, err error) {
	if !(testFraction > 0 && testFraction < 1) {
		return nil, nil, fmt.Errorf("eval: test fraction %v not in (0,1)", testFraction)
	}
	byLabel := map[string][]int{}
	for i, r := range records {
		l, ok := r.Labels[field]
		if !ok {
			return nil, nil, fmt.Errorf("eval: record of line %d has no label %q", r.Line, field)
		}
		byLabel[l] = append(byLabel[l], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x73706c6974))
	inTest := make([]bool, len(records))
	for _, l := range slices.Sorted(maps.Keys(byLabel)) {
		idx := byLabel[l]
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		n := int(math.Round(testFraction * float64(len(idx))))
		n = min(n, len(idx)-1)
		for _, i := range idx[:n] {
			inTest[i] = true
		}
	}
	for i, r := range records {
		if inTest[i] {
			test = append(test, r)
		} else {
			train = append(train, r)
		}
	}
	if len(test) == 0 {
		return nil, nil, fmt.Errorf("eval: a test fraction of %v leaves no test record", testFraction)
	}
	return train, test, nil
}

// Fields returns a choice field per label column, whose options are the
// values the records give it, sorted; an option's label is its value with
// underscores and hyphens read as spaces ("card_arrival" reads "card
// arrival"), which is how a description matcher can recognise it.
func Fields(labels []string, records ...[]Record) []predict.Field {
	out := make([]predict.Field, len(labels))
	for i, name := range labels {
		seen := map[string]bool{}
		for _, rs := range records {
			for _, r := range rs {
				if v, ok := r.Labels[name]; ok {
					seen[v] = true
				}
			}
		}
		f := predict.Field{Name: name, Type: predict.TypeChoice}
		for _, v := range slices.Sorted(maps.Keys(seen)) {
			o := predict.Option{Value: v}
			if l := strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == '_' || r == '-' }), " "); l != v {
				o.Label = l
			}
			f.Options = append(f.Options, o)
		}
		out[i] = f
	}
	return out
}

// Train trains one classifier per label column on records, with the
// given options (textclass.WithSeed and so on).
func Train(ctx context.Context, records []Record, labels []string, opts ...textclass.Option) (map[string]*textclass.Model, error) {
	models := make(map[string]*textclass.Model, len(labels))
	for _, name := range labels {
		ex := make([]textclass.Example, 0, len(records))
		for _, r := range records {
			l, ok := r.Labels[name]
			if !ok {
				return nil, fmt.Errorf("eval: record of line %d has no label %q", r.Line, name)
			}
			ex = append(ex, textclass.Example{Text: r.Text, Label: l})
		}
		m, err := textclass.Train(ctx, ex, opts...)
		if err != nil {
			return nil, fmt.Errorf("eval: training %s: %w", name, err)
		}
		models[name] = m
	}
	return models, nil
}
