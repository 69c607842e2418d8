package textclass

import "math"

// temperaturePrior weighs the penalty (log T)² against the held-out
// negative log-likelihood.
const temperaturePrior = 5

// calibrate fits the temperature on the held-out examples of d for the
// model (w, bias) trained without them, and measures the calibration
// error before and after.
func calibrate(d *dataset, held []int, w, bias []float32, k int) Calibration {
	scores := make([][]float64, len(held))
	y := make([]int32, len(held))
	for n, i := range held {
		s := make([]float64, k)
		logits(w, bias, k, d.vec(i), s)
		scores[n] = s
		y[n] = d.y[i]
	}
	temp := fitTemperature(scores, y)
	conf := make([]float64, len(held))
	correct := make([]bool, len(held))
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
			correct[n] = int32(best) == y[n]
		}
		return ExpectedCalibrationError(conf, correct, 10)
	}
	cal := Calibration{Held: len(held), Temperature: temp}
	cal.ErrorBefore = ece(1)
	cal.Error = ece(temp)
	hits := 0
	for _, ok := range correct {
		if ok {
			hits++
		}
	}
	cal.Accuracy = float64(hits) / float64(len(held))
	return cal
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
