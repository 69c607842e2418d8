package textclass

import (
	"math"
	"sort"
	"sync"
)

// Model is a trained text classifier: hashed word and character n-grams,
// weighted by sublinear TF-IDF and L2-normalised, scored by a multinomial
// logistic regression whose probabilities are calibrated by temperature
// scaling on held-out examples.
//
// A Model is immutable once trained or loaded and safe for concurrent use
// by any number of goroutines.
type Model struct {
	feat   Features
	labels []string
	// buckets[r] is the hashed feature of row r, ascending; rows below
	// nWord are word features, the others character features.
	buckets []uint32
	nWord   int
	idf     []float32
	// w holds the weights row by row: w[r*K+k] for class k.
	w    []float32
	bias []float32
	// temp divides the scores before the softmax.
	temp  float64
	calib Calibration
	info  TrainInfo

	// index maps a bucket to its row, or -1; built from buckets.
	index []int32
	pool  sync.Pool
}

// Calibration describes how the model's confidence was calibrated and how
// well it matches accuracy on the held-out examples.
type Calibration struct {
	// Held is the number of held-out examples the temperature was fitted
	// on; 0 when there were too few to hold any out, in which case the
	// confidence is the uncalibrated probability and the errors are 0.
	Held int `json:"held"`
	// Folds is the number of models that scored the held-out examples,
	// each trained without its part of them: 1 for a single hold-out,
	// more when the examples were cross-fitted.
	Folds int `json:"folds"`
	// PriorCorrection is the strength with which the labels' training
	// frequencies were taken out of the scores (see WithPriorCorrection).
	PriorCorrection float64 `json:"prior_correction"`
	// Temperature divides the scores before the softmax (1 means none);
	// the most probable label's probability is then mapped through Knots.
	Temperature float64 `json:"temperature"`
	// Accuracy and MacroF1 measure, on the held-out examples, the models
	// trained without them, after the prior correction.
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
	// ErrorBefore and Error are the expected calibration errors (10 equal
	// bins of confidence) on the held-out examples before and after
	// calibration (the temperature, then the map of Knots).
	ErrorBefore float64 `json:"error_before"`
	Error       float64 `json:"error"`
	// Knots map the confidence after the temperature to the accuracy
	// measured on the held-out examples (isotonic regression, linear
	// between knots); empty when fewer than 100 examples were held out.
	// Error is measured after this map on the same examples, so it is an
	// optimistic figure; ErrorBefore is not.
	Knots []Knot `json:"knots,omitempty"`
}

// Knot is one point of the map from a model's confidence to a measured
// accuracy.
type Knot struct {
	Confidence float64 `json:"confidence"`
	Accuracy   float64 `json:"accuracy"`
}

// TrainInfo summarises a training run.
type TrainInfo struct {
	Examples int `json:"examples"`
	Classes  int `json:"classes"`
	Features int `json:"features"`
	Epochs   int `json:"epochs"`
}

// Score is the calibrated probability of one label.
type Score struct {
	Label       string  `json:"label"`
	Probability float64 `json:"probability"`
}

// Labels returns the labels the model knows, sorted.
func (m *Model) Labels() []string { return append([]string(nil), m.labels...) }

// Calibration returns how the model's confidence was calibrated.
func (m *Model) Calibration() Calibration { return m.calib }

// CalibrationError returns the expected calibration error of the model's
// confidence on its held-out examples (0 when none were held out).
func (m *Model) CalibrationError() float64 { return m.calib.Error }

// Info returns a summary of the training run.
func (m *Model) Info() TrainInfo { return m.info }

// Features returns the feature settings the model was trained with.
func (m *Model) Features() Features { return m.feat }

// Classify returns the most probable label of text and its calibrated
// probability. A text with no known feature gets the label the model
// favours a priori, with the low confidence that deserves.
func (m *Model) Classify(text string) (label string, confidence float64) {
	s := m.getScratch()
	defer m.pool.Put(s)
	m.probabilities(s, text)
	m.remap(s.scores)
	best := 0
	for k, p := range s.scores {
		if p > s.scores[best] {
			best = k
		}
	}
	return m.labels[best], s.scores[best]
}

// remap maps the most probable label's probability through the
// calibration knots and scales the others to share the rest in their
// proportions. The map is never allowed to lower the most probable label
// below the next one, so the answer does not change.
func (m *Model) remap(p []float64) {
	knots := m.calib.Knots
	if len(knots) == 0 || len(p) < 2 {
		return
	}
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	second := 0.0
	for k := range p {
		if k != best {
			second = max(second, p[k])
		}
	}
	old := p[best]
	rest := 1 - old
	c := mapConfidence(knots, old)
	if rest+second > 0 {
		// At c = second/(rest+second) the next label would tie.
		c = max(c, math.Nextafter(second/(rest+second), 1))
	}
	c = min(c, 1)
	for k := range p {
		switch {
		case k == best:
			p[k] = c
		case rest > 0:
			p[k] *= (1 - c) / rest
		default:
			p[k] = (1 - c) / float64(len(p)-1)
		}
	}
}

// Scores returns every label with its calibrated probability, most
// probable first (ties in label order).
func (m *Model) Scores(text string) []Score {
	s := m.getScratch()
	defer m.pool.Put(s)
	m.probabilities(s, text)
	m.remap(s.scores)
	out := make([]Score, len(m.labels))
	for k, p := range s.scores {
		out[k] = Score{Label: m.labels[k], Probability: p}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Probability > out[j].Probability })
	return out
}

// scratch is the per-call working space, pooled.
type scratch struct {
	ex     *extractor
	vec    vector
	pos    []int32
	scores []float64
}

type vector struct {
	rows []int32
	vals []float32
}

func (m *Model) getScratch() *scratch {
	if s, ok := m.pool.Get().(*scratch); ok {
		return s
	}
	pos := make([]int32, len(m.buckets))
	for i := range pos {
		pos[i] = -1
	}
	return &scratch{ex: newExtractor(m.feat), pos: pos, scores: make([]float64, len(m.labels))}
}

// probabilities leaves in s.scores the calibrated class probabilities.
func (m *Model) probabilities(s *scratch, text string) {
	m.vectorize(s, text)
	logits(m.w, m.bias, len(m.labels), s.vec, s.scores)
	softmax(s.scores, m.temp)
}

// vectorize leaves in s.vec the weighted, normalised features of text.
func (m *Model) vectorize(s *scratch, text string) {
	s.vec.rows = s.vec.rows[:0]
	s.vec.vals = s.vec.vals[:0]
	for _, b := range s.ex.extract(text) {
		r := m.index[b]
		if r < 0 {
			continue
		}
		if p := s.pos[r]; p >= 0 {
			s.vec.vals[p]++
			continue
		}
		s.pos[r] = int32(len(s.vec.rows))
		s.vec.rows = append(s.vec.rows, r)
		s.vec.vals = append(s.vec.vals, 1)
	}
	for _, r := range s.vec.rows {
		s.pos[r] = -1
	}
	weigh(s.vec, m.idf, m.nWord, m.feat.CharWeight)
}

// weigh turns counts into sublinear TF-IDF weights and normalises the word
// and character blocks each to unit length, the character block then
// scaled by charWeight.
func weigh(v vector, idf []float32, nWord int, charWeight float64) {
	var ww, cw float64
	for i, r := range v.rows {
		x := float64(idf[r])
		if n := v.vals[i]; n != 1 {
			x *= 1 + math.Log(float64(n))
		}
		v.vals[i] = float32(x)
		if int(r) < nWord {
			ww += x * x
		} else {
			cw += x * x
		}
	}
	ws, cs := 0.0, 0.0
	if ww > 0 {
		ws = 1 / math.Sqrt(ww)
	}
	if cw > 0 {
		cs = charWeight / math.Sqrt(cw)
	}
	for i, r := range v.rows {
		if int(r) < nWord {
			v.vals[i] = float32(float64(v.vals[i]) * ws)
		} else {
			v.vals[i] = float32(float64(v.vals[i]) * cs)
		}
	}
}

// logits computes bias + W·x into out.
func logits(w, bias []float32, k int, v vector, out []float64) {
	acc := make([]float32, 0, 128)
	if k <= cap(acc) {
		acc = acc[:k]
	} else {
		acc = make([]float32, k)
	}
	logits32(w, bias, k, v, acc)
	for c, x := range acc {
		out[c] = float64(x)
	}
}

// logits32 computes bias + W·x into out, in single precision.
func logits32(w, bias []float32, k int, v vector, out []float32) {
	copy(out, bias)
	out = out[:k]
	for i, r := range v.rows {
		x := v.vals[i]
		row := w[int(r)*k : int(r)*k+k]
		o := out[:len(row)]
		c := 0
		for ; c+4 <= len(row); c += 4 {
			o[c] += x * row[c]
			o[c+1] += x * row[c+1]
			o[c+2] += x * row[c+2]
			o[c+3] += x * row[c+3]
		}
		for ; c < len(row); c++ {
			o[c] += x * row[c]
		}
	}
}

// softmax replaces scores by softmax(scores/temp).
func softmax(scores []float64, temp float64) {
	mx := math.Inf(-1)
	for _, x := range scores {
		if x > mx {
			mx = x
		}
	}
	sum := 0.0
	for i, x := range scores {
		e := math.Exp((x - mx) / temp)
		scores[i] = e
		sum += e
	}
	for i := range scores {
		scores[i] /= sum
	}
}

// buildIndex fills m.index from m.buckets.
func (m *Model) buildIndex() {
	m.index = make([]int32, 1<<m.feat.HashBits)
	for i := range m.index {
		m.index[i] = -1
	}
	for r, b := range m.buckets {
		m.index[b] = int32(r)
	}
}
