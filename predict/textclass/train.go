package textclass

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Example is one labelled text.
type Example struct {
	Text  string `json:"text"`
	Label string `json:"label"`
}

// Errors Train returns, wrapped with the details.
var (
	// ErrNoExamples means there was nothing to learn from.
	ErrNoExamples = errors.New("textclass: no examples")
	// ErrOneLabel means every example had the same label: there is
	// nothing to choose between.
	ErrOneLabel = errors.New("textclass: at least two labels are needed")
	// ErrBadExample means an example cannot be used (an empty label, a
	// label or text that is not valid UTF-8, or a label too long).
	ErrBadExample = errors.New("textclass: bad example")
	// ErrBadOption means an option is out of range.
	ErrBadOption = errors.New("textclass: bad option")
)

// Limits on what a model holds.
const (
	maxLabels   = 1 << 16
	maxLabelLen = 1 << 10
	// maxWeights bounds features × labels, so that training needs at
	// most about 2 GB (weights and their AdaGrad sums, for the two fits
	// that run at once).
	maxWeights = 1 << 27
)

// Option changes how Train works.
type Option func(*config)

type config struct {
	feat      Features
	seed      uint64
	epochs    int
	l2        float64
	rate      float64
	holdOut   float64
	minDF     int
	calibrate bool
	epochsSet bool
	// folds is the number of calibration folds, or 0 for autoFolds.
	folds int
	// skip is the gradient below which a class is not updated for an
	// example.
	skip float64
	// average is the fraction of the last epochs whose end-of-epoch
	// weights are averaged into the model (0 keeps the last iterate).
	average float64
	// prior is the strength of the prior correction, or -1 to choose it
	// on the held-out examples.
	prior float64
}

func defaultConfig() config {
	return config{
		feat:      DefaultFeatures(),
		seed:      1,
		epochs:    0,
		l2:        3e-3,
		rate:      0.1,
		holdOut:   0.2,
		minDF:     1,
		calibrate: true,
		skip:      1e-2,
		average:   0.5,
		prior:     -1,
	}
}

// WithSeed sets the seed of the shuffles and of the held-out split (1 by
// default). Training is deterministic given the examples, their order and
// the options.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithFeatures sets how texts become features (DefaultFeatures by default).
func WithFeatures(f Features) Option { return func(c *config) { c.feat = f } }

// WithEpochs sets the number of passes over the examples. By default it
// is automatic: as many as make about 30,000 updates, between 3 and 20,
// since a larger history needs fewer passes to converge.
func WithEpochs(n int) Option { return func(c *config) { c.epochs, c.epochsSet = n, true } }

// autoEpochs is the default number of passes over n examples.
func autoEpochs(n int) int {
	return min(20, max(3, (30000+n-1)/max(n, 1)))
}

// WithL2 sets the strength of the L2 regularisation (3e-3 by default).
func WithL2(l float64) Option { return func(c *config) { c.l2 = l } }

// WithLearningRate sets the AdaGrad step size (0.1 by default).
func WithLearningRate(r float64) Option { return func(c *config) { c.rate = r } }

// WithMinDF drops features seen in fewer than n examples (1 by default,
// keeping all).
func WithMinDF(n int) Option { return func(c *config) { c.minDF = n } }

// WithHoldOut sets the fraction of examples, taken from every label in
// proportion, held out to calibrate the confidence and to choose the
// prior correction. By default a history of fewer than 1,500 examples is
// cross-fitted in five folds (each example is held out once, by a model
// trained on the other four fifths) and a larger one holds out 0.2; the
// final model is then trained on all examples with the temperature and
// correction found. A fraction in (0,0.5] asks for a single hold-out of
// that size whatever the history; 0 turns calibration off, which halves
// the training time or better.
func WithHoldOut(fraction float64) Option {
	return func(c *config) {
		c.holdOut = fraction
		c.calibrate = fraction > 0
		c.folds = 1
	}
}

// WithPriorCorrection sets how much of the labels' frequencies in the
// training examples is taken out of the scores: the model subtracts
// strength × log(frequency) from each label's score, so that 0 leaves
// the model as fitted (a frequent label is favoured where the text is
// unclear) and 1 treats every label as equally likely a priori, which
// gives rare labels their chance. By default the strength is chosen
// among 0, 0.25, 0.5, 0.75 and 1 as the one that gives the best sum of
// accuracy and macro-F1 on the held-out examples (the smallest on a tie;
// 0 without calibration). A negative strength asks for that default.
func WithPriorCorrection(strength float64) Option {
	return func(c *config) { c.prior = strength }
}

func (c *config) check() error {
	switch {
	case !c.feat.valid():
		return fmt.Errorf("%w: features %+v", ErrBadOption, c.feat)
	case c.epochs < 0 || c.epochs > 1000 || c.epochsSet && c.epochs == 0:
		return fmt.Errorf("%w: epochs %d not in [1,1000]", ErrBadOption, c.epochs)
	case !(c.l2 >= 0 && c.l2 < 1):
		return fmt.Errorf("%w: L2 %v not in [0,1)", ErrBadOption, c.l2)
	case !(c.rate > 0 && c.rate <= 100):
		return fmt.Errorf("%w: learning rate %v not in (0,100]", ErrBadOption, c.rate)
	case !(c.holdOut >= 0 && c.holdOut <= 0.5):
		return fmt.Errorf("%w: hold-out fraction %v not in [0,0.5]", ErrBadOption, c.holdOut)
	case !(c.prior <= 1) || math.IsNaN(c.prior):
		return fmt.Errorf("%w: prior correction %v above 1", ErrBadOption, c.prior)
	case c.minDF < 1:
		return fmt.Errorf("%w: minimum document frequency %d below 1", ErrBadOption, c.minDF)
	}
	return nil
}

// dataset is the training examples as weighted sparse vectors.
type dataset struct {
	ptr  []int
	rows []int32
	vals []float32
	y    []int32
}

func (d *dataset) vec(i int) vector {
	return vector{rows: d.rows[d.ptr[i]:d.ptr[i+1]], vals: d.vals[d.ptr[i]:d.ptr[i+1]]}
}

// Train learns a classifier from examples. Labels are kept as given
// (compared exactly); texts may be in any language and any script.
// Training is deterministic on a given platform: the same examples, in the
// same order, with the same options give the same model.
// It returns an error wrapping ErrNoExamples, ErrOneLabel, ErrBadExample or
// ErrBadOption when it cannot, and ctx's error when cancelled.
func Train(ctx context.Context, examples []Example, opts ...Option) (*Model, error) {
	c := defaultConfig()
	for _, o := range opts {
		o(&c)
	}
	if c.feat.MaxCharN > 0 && c.feat.CharWeight == 0 {
		c.feat.CharWeight = 1
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(examples) == 0 {
		return nil, ErrNoExamples
	}
	if c.epochs == 0 {
		c.epochs = autoEpochs(len(examples))
	}
	labelSet, err := labelsOf(examples)
	if err != nil {
		return nil, err
	}
	m := &Model{feat: c.feat, temp: 1}
	for l := range labelSet {
		m.labels = append(m.labels, l)
	}
	sort.Strings(m.labels)
	for i, l := range m.labels {
		labelSet[l] = int32(i)
	}

	d, err := m.featurize(ctx, examples, labelSet, &c)
	if err != nil {
		return nil, err
	}

	k := len(m.labels)
	all := make([]int, len(examples))
	for i := range all {
		all[i] = i
	}
	// The fits that calibrate (each without its held-out examples) and
	// the final fit (with every example) are independent: they run at
	// once.
	var (
		wg      sync.WaitGroup
		held    heldOut
		heldErr error
	)
	if c.calibrate {
		folds := c.folds
		if folds == 0 {
			folds = autoFolds(len(examples))
		}
		parts := stratifiedFolds(d.y, k, folds, c.holdOut, c.seed)
		wg.Go(func() {
			for _, part := range parts {
				hw, hb, err := fitSoftmax(ctx, d, part.fit, dims{rows: len(m.buckets), classes: k}, &c)
				if err != nil {
					heldErr = err
					return
				}
				held.add(d, part.held, hw, hb, k)
			}
			held.folds = len(parts)
		})
	}
	w, bias, err := fitSoftmax(ctx, d, all, dims{rows: len(m.buckets), classes: k}, &c)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if heldErr != nil {
		return nil, heldErr
	}
	logPrior := make([]float64, k)
	for _, y := range d.y {
		logPrior[y]++
	}
	for c := range logPrior {
		logPrior[c] = math.Log(logPrior[c] / float64(len(d.y)))
	}
	m.calib = tune(&held, logPrior, c.prior)
	for c := range bias {
		bias[c] -= float32(m.calib.PriorCorrection * logPrior[c])
	}
	m.temp = m.calib.Temperature
	m.w, m.bias = w, bias
	m.info = TrainInfo{Examples: len(examples), Classes: k, Features: len(m.buckets), Epochs: c.epochs}
	return m, nil
}

// labelsOf checks the labels of examples and returns the set of them
// (each mapped to 0), of at least two and at most maxLabels.
func labelsOf(examples []Example) (map[string]int32, error) {
	labelSet := map[string]int32{}
	for i, ex := range examples {
		switch {
		case strings.TrimSpace(ex.Label) == "":
			return nil, fmt.Errorf("%w: example %d has an empty label", ErrBadExample, i)
		case len(ex.Label) > maxLabelLen:
			return nil, fmt.Errorf("%w: example %d has a label longer than %d bytes", ErrBadExample, i, maxLabelLen)
		case !utf8.ValidString(ex.Label):
			return nil, fmt.Errorf("%w: example %d has a label that is not UTF-8", ErrBadExample, i)
		}
		labelSet[ex.Label] = 0
	}
	if len(labelSet) < 2 {
		return nil, fmt.Errorf("%w: every example is labelled %q", ErrOneLabel, examples[0].Label)
	}
	if len(labelSet) > maxLabels {
		return nil, fmt.Errorf("%w: %d labels, at most %d", ErrBadExample, len(labelSet), maxLabels)
	}
	return labelSet, nil
}

// featurize extracts every example's features once, builds m's
// vocabulary (buckets, index, idf) and returns the weighted dataset, with
// the labels numbered as labelSet says.
func (m *Model) featurize(ctx context.Context, examples []Example, labelSet map[string]int32, c *config) (*dataset, error) {
	ex := newExtractor(c.feat)
	docs := make([][]uint32, len(examples))
	counts := make([][]float32, len(examples))
	df := map[uint32]int32{}
	for i, e := range examples {
		if i%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b := slices.Clone(ex.extract(e.Text))
		slices.Sort(b)
		var uniq []uint32
		var cnt []float32
		for j, x := range b {
			if j > 0 && x == b[j-1] {
				cnt[len(cnt)-1]++
				continue
			}
			uniq = append(uniq, x)
			cnt = append(cnt, 1)
			df[x]++
		}
		docs[i], counts[i] = uniq, cnt
	}
	half := uint32(1) << (c.feat.HashBits - 1)
	for b, n := range df {
		if int(n) >= c.minDF {
			m.buckets = append(m.buckets, b)
		}
	}
	slices.Sort(m.buckets)
	if k := len(m.labels); len(m.buckets)*k > maxWeights {
		return nil, fmt.Errorf("%w: %d features × %d labels is more weights than the limit of %d; raise the minimum document frequency or use fewer labels", ErrBadOption, len(m.buckets), k, maxWeights)
	}
	m.nWord = sort.Search(len(m.buckets), func(i int) bool { return m.buckets[i] >= half })
	m.buildIndex()
	n := float64(len(examples))
	m.idf = make([]float32, len(m.buckets))
	for r, b := range m.buckets {
		m.idf[r] = float32(math.Log((1+n)/(1+float64(df[b]))) + 1)
	}
	d := &dataset{ptr: make([]int, 1, len(examples)+1), y: make([]int32, len(examples))}
	for i, e := range examples {
		start := len(d.rows)
		for j, b := range docs[i] {
			if r := m.index[b]; r >= 0 {
				d.rows = append(d.rows, r)
				d.vals = append(d.vals, counts[i][j])
			}
		}
		weigh(vector{rows: d.rows[start:], vals: d.vals[start:]}, m.idf, m.nWord, c.feat.CharWeight)
		d.ptr = append(d.ptr, len(d.rows))
		d.y[i] = labelSet[e.Label]
	}
	return d, nil
}

// autoFolds is the default number of calibration folds for n examples:
// a small history is cross-fitted in five folds, so that every example
// is held out once, and a larger one gives a single hold-out.
func autoFolds(n int) int {
	if n < 1500 {
		return 5
	}
	return 1
}

// fold is one calibration fit: the examples it is trained on and those
// it is measured on.
type fold struct{ fit, held []int }

// stratifiedFolds divides the example indices for calibration. With one
// fold, the fraction frac of every label (rounded, but never its last two
// examples) is held out. With more, each label's examples are dealt in
// turn to the folds and each fold is held out once, its fit being the
// other folds; a label seen once is never held out. The division depends
// only on the labels and the seed.
func stratifiedFolds(y []int32, k, folds int, frac float64, seed uint64) []fold {
	if folds <= 1 {
		fit, held := stratifiedHoldOut(y, k, frac, seed)
		if len(held) == 0 {
			return nil
		}
		return []fold{{fit, held}}
	}
	byLabel := make([][]int, k)
	for i, l := range y {
		byLabel[l] = append(byLabel[l], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x686f6c646f7574))
	of := make([]int, len(y))
	next := 0
	for _, idx := range byLabel {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx {
			of[i] = -1
			if len(idx) > 1 {
				of[i] = next % folds
				next++
			}
		}
	}
	out := make([]fold, 0, folds)
	for f := range folds {
		var part fold
		for i, g := range of {
			if g == f {
				part.held = append(part.held, i)
			} else {
				part.fit = append(part.fit, i)
			}
		}
		if len(part.held) > 0 {
			out = append(out, part)
		}
	}
	return out
}

// stratifiedHoldOut splits the example indices into a part to fit on and a
// part held out, taking from every label the same fraction (rounded) but
// never its last two examples. The split depends only on the labels and
// the seed.
func stratifiedHoldOut(y []int32, k int, frac float64, seed uint64) (fit, held []int) {
	byLabel := make([][]int, k)
	for i, l := range y {
		byLabel[l] = append(byLabel[l], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0x686f6c646f7574))
	for _, idx := range byLabel {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		h := int(math.Round(frac * float64(len(idx))))
		if h > len(idx)-2 {
			h = max(0, len(idx)-2)
		}
		held = append(held, idx[:h]...)
		fit = append(fit, idx[h:]...)
	}
	slices.Sort(fit)
	slices.Sort(held)
	return fit, held
}

// dims is the shape of a weight matrix: feature rows by classes.
type dims struct {
	rows, classes int
}

// fitSoftmax trains a multinomial logistic regression with AdaGrad on the
// examples idx of d. The L2 penalty is applied to the weights an example
// touches, when it touches them.
func fitSoftmax(ctx context.Context, d *dataset, idx []int, size dims, c *config) ([]float32, []float32, error) {
	nRows, k := size.rows, size.classes
	w := make([]float32, nRows*k)
	g := make([]float32, nRows*k)
	bias := make([]float64, k)
	gb := make([]float64, k)
	p := make([]float64, k)
	active := make([]int, 0, k)
	order := slices.Clone(idx)
	rng := rand.New(rand.NewPCG(c.seed, 0x736f66746d6178))
	rate, l2 := float32(c.rate), float32(c.l2)
	rate64 := c.rate
	const eps = 1e-8
	// Classes whose gradient is this small are skipped for the example:
	// their update would be negligible and skipping them is what makes an
	// epoch cheap once the model is fitted.
	skip := c.skip
	bias32 := make([]float32, k)
	// The weights at the end of the last epochs are averaged: the average
	// moves far less with the order of the examples than the last iterate.
	firstAvg := c.epochs - int(math.Round(c.average*float64(c.epochs)))
	var avgW []float32
	var avgB []float64
	nAvg := 0
	for epoch := 0; epoch < c.epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			v := d.vec(i)
			for c := range bias {
				bias32[c] = float32(bias[c])
			}
			logits(w, bias32, k, v, p)
			softmax(p, 1)
			p[d.y[i]] -= 1
			active = active[:0]
			for c, gc := range p {
				if gc > skip || gc < -skip {
					active = append(active, c)
				}
			}
			for _, c := range active {
				gb[c] += p[c] * p[c]
				bias[c] -= rate64 * p[c] / (math.Sqrt(gb[c]) + eps)
			}
			for j, r := range v.rows {
				x := v.vals[j]
				row := w[int(r)*k : int(r)*k+k]
				grow := g[int(r)*k : int(r)*k+k]
				for _, c := range active {
					gr := float32(p[c])*x + l2*row[c]
					grow[c] += gr * gr
					row[c] -= rate * gr / (float32(math.Sqrt(float64(grow[c]))) + eps)
				}
			}
		}
		if epoch >= firstAvg && epoch < c.epochs-1 {
			if avgW == nil {
				avgW, avgB = make([]float32, len(w)), make([]float64, k)
			}
			for i, x := range w {
				avgW[i] += x
			}
			for c, x := range bias {
				avgB[c] += x
			}
			nAvg++
		}
	}
	if nAvg > 0 {
		inv := 1 / float32(nAvg+1)
		for i, x := range w {
			w[i] = (avgW[i] + x) * inv
		}
		for c, x := range bias {
			bias[c] = (avgB[c] + x) / float64(nAvg+1)
		}
	}
	for c := range bias {
		bias32[c] = float32(bias[c])
	}
	return w, bias32, nil
}
