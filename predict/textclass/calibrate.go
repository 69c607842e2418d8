package textclass

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// temperaturePrior weighs the penalty (log T)² against the held-out
// negative log-likelihood.
const temperaturePrior = 5

// heldOut gathers the scores that models trained without them give the
// held-out examples, with their labels.
type heldOut struct {
	scores [][]float64
	y      []int32
	folds  int
}

// add scores the examples idx of d with the model (w, bias).
func (h *heldOut) add(d *dataset, idx []int, w, bias []float32, k int) {
	for _, i := range idx {
		s := make([]float64, k)
		logits(w, bias, k, d.vec(i), s)
		h.scores = append(h.scores, s)
		h.y = append(h.y, d.y[i])
	}
}

// tune chooses the prior correction (or takes prior when it is not
// negative) and then the temperature on the held-out scores, and
// measures the held-out accuracy, macro-F1 and calibration error.
func tune(h *heldOut, logPrior []float64, prior float64) Calibration {
	cal := Calibration{Held: len(h.y), Folds: h.folds, Temperature: 1}
	if len(h.y) == 0 {
		return cal
	}
	k := len(logPrior)
	adjusted := func(tau float64) [][]float64 {
		out := make([][]float64, len(h.scores))
		for n, s := range h.scores {
			a := make([]float64, k)
			for c := range a {
				a[c] = s[c] - tau*logPrior[c]
			}
			out[n] = a
		}
		return out
	}
	switch {
	case prior >= 0:
		cal.PriorCorrection = prior
	default:
		best := math.Inf(-1)
		for _, tau := range []float64{0, 0.25, 0.5, 0.75, 1} {
			acc, f1 := heldQuality(adjusted(tau), h.y, k)
			if acc+f1 > best+1e-12 {
				best, cal.PriorCorrection = acc+f1, tau
			}
		}
	}
	scores := adjusted(cal.PriorCorrection)
	cal.Accuracy, cal.MacroF1 = heldQuality(scores, h.y, k)
	cal.Temperature = fitTemperature(scores, h.y)
	conf := make([]float64, len(scores))
	correct := make([]bool, len(scores))
	p := make([]float64, k)
	ece := func(t float64) float64 {
		for n, s := range scores {
			copy(p, s)
			softmax(p, t)
			best := 0
			for c := range p {
				if p[c] > p[best] {
					best = c
				}
			}
			conf[n] = p[best]
			correct[n] = int32(best) == h.y[n]
		}
		return ExpectedCalibrationError(conf, correct, 10)
	}
	cal.ErrorBefore = ece(1)
	cal.Error = ece(cal.Temperature)
	if len(conf) >= minIsotonic {
		cal.Knots = isotonic(conf, correct)
		for n, c := range conf {
			conf[n] = mapConfidence(cal.Knots, c)
		}
		cal.Error = ExpectedCalibrationError(conf, correct, 10)
	}
	return cal
}

// minIsotonic is the fewest held-out examples on which the confidence is
// mapped by isotonic regression after the temperature.
const minIsotonic = 100

// isotonic fits the non-decreasing step function of confidence that best
// matches correctness (least squares, by pooling adjacent violators) and
// returns it as knots: the mean confidence and accuracy of each pool.
// Between knots the map is linear; outside them it is flat.
func isotonic(conf []float64, correct []bool) []Knot {
	idx := make([]int, len(conf))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(conf[a], conf[b]) })
	type pool struct{ sumX, sumY, n float64 }
	var pools []pool
	for _, i := range idx {
		y := 0.0
		if correct[i] {
			y = 1
		}
		pools = append(pools, pool{conf[i], y, 1})
		for len(pools) > 1 {
			a, b := pools[len(pools)-2], pools[len(pools)-1]
			if a.sumY/a.n < b.sumY/b.n {
				break
			}
			pools = append(pools[:len(pools)-2], pool{a.sumX + b.sumX, a.sumY + b.sumY, a.n + b.n})
		}
	}
	knots := make([]Knot, 0, len(pools))
	for _, p := range pools {
		k := Knot{Confidence: p.sumX / p.n, Accuracy: p.sumY / p.n}
		if n := len(knots); n > 0 && k.Confidence <= knots[n-1].Confidence {
			knots[n-1].Accuracy = k.Accuracy
			continue
		}
		knots = append(knots, k)
	}
	return knots
}

// mapConfidence maps a confidence through the knots: linearly between
// them, flat beyond the first and the last. No knots leave it as is.
func mapConfidence(knots []Knot, c float64) float64 {
	switch {
	case len(knots) == 0:
		return c
	case c <= knots[0].Confidence:
		return knots[0].Accuracy
	case c >= knots[len(knots)-1].Confidence:
		return knots[len(knots)-1].Accuracy
	}
	i := sort.Search(len(knots), func(i int) bool { return knots[i].Confidence >= c })
	a, b := knots[i-1], knots[i]
	return a.Accuracy + (b.Accuracy-a.Accuracy)*(c-a.Confidence)/(b.Confidence-a.Confidence)
}

// heldQuality returns the accuracy and the macro-F1 (over the labels
// expected or predicted) of the best-scoring labels.
func heldQuality(scores [][]float64, y []int32, k int) (accuracy, macroF1 float64) {
	tp := make([]int, k)
	fp := make([]int, k)
	fn := make([]int, k)
	for n, s := range scores {
		best := 0
		for c := range s {
			if s[c] > s[best] {
				best = c
			}
		}
		if int32(best) == y[n] {
			tp[best]++
		} else {
			fp[best]++
			fn[y[n]]++
		}
	}
	right, seen := 0, 0
	for c := range k {
		right += tp[c]
		if tp[c]+fp[c]+fn[c] == 0 {
			continue
		}
		seen++
		macroF1 += 2 * float64(tp[c]) / float64(2*tp[c]+fp[c]+fn[c])
	}
	return float64(right) / float64(len(y)), macroF1 / float64(max(seen, 1))
}

// fitTemperature returns the temperature in [0.05, 20] that minimises the
// negative log-likelihood of the labels y under softmax(scores/T), plus a
// penalty on log T worth a few examples' likelihood so that a small
// hold-out (all of it right, say) cannot drive the model to certainty. It
// searches log T by golden section (the objective is unimodal in it).
func fitTemperature(scores [][]float64, y []int32) float64 {
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		sum := 0.0
		for n, s := range scores {
			mx := math.Inf(-1)
			for _, x := range s {
				mx = max(mx, x/t)
			}
			z := 0.0
			for _, x := range s {
				z += math.Exp(x/t - mx)
			}
			sum += mx + math.Log(z) - s[y[n]]/t
		}
		return sum + temperaturePrior*logT*logT
	}
	lo, hi := math.Log(0.05), math.Log(20)
	phi := (math.Sqrt(5) - 1) / 2
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for range 60 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// ExpectedCalibrationError returns the expected calibration error of
// predictions with the given confidences, of which those marked correct
// were right: the confidences are put in bins equal-width bins over
// [0,1], and the error is the mean over predictions of the gap between a
// bin's mean confidence and its accuracy. It is 0 for no predictions.
func ExpectedCalibrationError(confidence []float64, correct []bool, bins int) float64 {
	if len(confidence) == 0 || bins < 1 {
		return 0
	}
	sumConf := make([]float64, bins)
	hits := make([]float64, bins)
	count := make([]float64, bins)
	for i, c := range confidence {
		b := int(c * float64(bins))
		b = min(max(b, 0), bins-1)
		sumConf[b] += c
		count[b]++
		if i < len(correct) && correct[i] {
			hits[b]++
		}
	}
	e := 0.0
	for b := range bins {
		if count[b] > 0 {
			e += math.Abs(sumConf[b]-hits[b]) / float64(len(confidence))
		}
	}
	return e
}
