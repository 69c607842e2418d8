package heuristic

import (
	"math"
	"strings"
)

// calibration maps the evidence behind an answer to a confidence: for
// each kind of evidence (kindMention, kindSimilarity, ...) and a score in
// [0,1] read from it, the share of such answers that were right on
// labelled stories. It is measured, not chosen: calibrationTable is
// generated from the project's own acceptance stories (see
// TestCalibrationTable), so a confidence of 0.9 means that about nine
// answers in ten given it were right there.
type calibration map[string]calibrationBins

// calibrationBins are the measurements of one kind of evidence, over
// calibrationBinCount bins of equal width of its score.
type calibrationBins struct {
	// Precision is the confidence given to the middle score of each bin:
	// the share of right answers, smoothed towards calibrationPrior and
	// made non-decreasing in the score. A score between two middles gets
	// the confidence on the line between theirs.
	Precision []float64
	// Right and Total count the labelled answers of each bin's middle
	// score: an answer between two middles counts towards both, in
	// proportion to how near it is to each.
	Right []float64
	Total []float64
}

// calibrationBinCount is the number of score bins per kind of evidence.
const calibrationBinCount = 5

// calibrationPrior and calibrationPriorWeight smooth measured shares: a
// bin with few answers says little. The prior is below the usual
// threshold of 0.5 so that evidence never measured abstains.
const (
	calibrationPrior       = 0.4
	calibrationPriorWeight = 2
)

// calibrationKnot returns where a score falls between the middles of the
// bins: the bin whose middle is at or below it and the share of the way
// to the next bin's middle.
func calibrationKnot(score float64) (int, float64) {
	x := max(0, min(calibrationBinCount-1, score*calibrationBinCount-0.5))
	i := min(int(x), calibrationBinCount-2)
	return i, x - float64(i)
}

// confidence returns the measured confidence of evidence of the kind
// with the score; the raw confidence when the calibration is nil (the raw
// scores are what the table is measured from) or does not know the kind.
func (c calibration) confidence(kind string, score float64) float64 {
	bins, ok := c[kind]
	if !ok || len(bins.Precision) != calibrationBinCount || math.IsNaN(score) {
		return rawConfidence(kind, score)
	}
	// Between the middles of two bins the confidence is read on the line
	// joining them, so that an answer just under a bin's edge and one
	// just over it are not told apart by a step.
	i, f := calibrationKnot(score)
	return bins.Precision[i]*(1-f) + bins.Precision[i+1]*f
}

// rawConfidence is the confidence the predictor gives evidence before
// any measurement: what calibrationTable is measured against, and what
// stands for a kind it does not know.
func rawConfidence(kind string, score float64) float64 {
	switch strings.TrimSuffix(kind, kindManySuffix) {
	case kindCorrection:
		return 0.9
	case kindMention:
		return 0.7 + 0.25*score
	case kindSimilarity, kindSimilarityNamed:
		return 0.4 + 0.55*score
	case kindSimilarityCrowded:
		// Many options met: a share says less.
		return 0.3 + 0.55*score
	}
	return calibrationPrior
}

// calibrationSample is one labelled answer: its evidence and whether it
// was right.
type calibrationSample struct {
	kind  string
	score float64
	right bool
}

// fitCalibration measures a calibration from labelled answers: per kind
// and bin the share of right answers, smoothed towards the share of the
// kind (itself smoothed towards the share of all answers, and that
// towards calibrationPrior), then made non-decreasing in the score by
// pooling adjacent bins that violate it (isotonic regression), so that
// stronger evidence never gets less confidence. An answer counts towards
// the two bins whose middles its score lies between, in proportion to
// its nearness to each: the same line confidence reads it on. On the
// first replays, held out by batch, this scores better (Brier score and
// log loss) than counting each answer in its own bin and giving a bin's
// whole width one confidence. A bin without answers keeps the raw
// confidence of its middle score, capped at the share of its kind.
func fitCalibration(samples []calibrationSample) calibration {
	c := calibration{}
	var allRight, all float64
	for _, s := range samples {
		b, ok := c[s.kind]
		if !ok {
			b = calibrationBins{Right: make([]float64, calibrationBinCount), Total: make([]float64, calibrationBinCount)}
		}
		i, f := calibrationKnot(s.score)
		b.Total[i] += 1 - f
		b.Total[i+1] += f
		all++
		if s.right {
			b.Right[i] += 1 - f
			b.Right[i+1] += f
			allRight++
		}
		c[s.kind] = b
	}
	smooth := func(right, total, prior float64) float64 {
		return (right + prior*calibrationPriorWeight) / (total + calibrationPriorWeight)
	}
	global := smooth(allRight, all, calibrationPrior)
	for k, b := range c {
		var kr, kt float64
		for i := range b.Total {
			kr += b.Right[i]
			kt += b.Total[i]
		}
		kind := smooth(kr, kt, global)
		p := make([]float64, calibrationBinCount)
		w := make([]float64, calibrationBinCount)
		for i := range p {
			if b.Total[i] == 0 {
				// Not measured: the raw score stands, but no higher
				// than the kind measures.
				p[i], w[i] = min(rawConfidence(k, (float64(i)+0.5)/calibrationBinCount), kind), 1
				continue
			}
			w[i] = b.Total[i] + calibrationPriorWeight
			// Never more sure than the rule of succession allows: n
			// right of n is (n+1)/(n+2), not certainty.
			p[i] = min(smooth(b.Right[i], b.Total[i], kind), (b.Total[i]+1)/(b.Total[i]+2))
		}
		b.Precision = poolAdjacentViolators(p, w)
		for i := range b.Precision {
			b.Precision[i] = math.Round(b.Precision[i]*1000) / 1000
			b.Right[i] = math.Round(b.Right[i]*100) / 100
			b.Total[i] = math.Round(b.Total[i]*100) / 100
		}
		c[k] = b
	}
	return c
}

// poolAdjacentViolators returns the non-decreasing sequence closest to p
// in weighted squared error.
func poolAdjacentViolators(p, w []float64) []float64 {
	type block struct {
		v, w float64
		n    int
	}
	var bs []block
	for i := range p {
		bs = append(bs, block{p[i], w[i], 1})
		for len(bs) > 1 && bs[len(bs)-2].v > bs[len(bs)-1].v {
			a, b := bs[len(bs)-2], bs[len(bs)-1]
			bs = bs[:len(bs)-2]
			bs = append(bs, block{(a.v*a.w + b.v*b.w) / (a.w + b.w), a.w + b.w, a.n + b.n})
		}
	}
	out := make([]float64, 0, len(p))
	for _, b := range bs {
		for range b.n {
			out = append(out, b.v)
		}
	}
	return out
}

// expectedCalibrationError is the mean gap between confidence and the
// share of right answers, over ten equal-width confidence bins weighted
// by their answers.
func expectedCalibrationError(conf []float64, right []bool) float64 {
	const bins = 10
	var sumConf, sumRight [bins]float64
	var n [bins]int
	for i, c := range conf {
		b := max(0, min(bins-1, int(c*bins)))
		sumConf[b] += c
		if right[i] {
			sumRight[b]++
		}
		n[b]++
	}
	var ece float64
	for b := range bins {
		if n[b] == 0 {
			continue
		}
		ece += math.Abs(sumConf[b]-sumRight[b]) / float64(len(conf))
	}
	return ece
}
