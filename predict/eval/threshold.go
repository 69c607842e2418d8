package eval

import "math"

// ThresholdPoint is what a confidence threshold gives a field: the
// values written at or above it, the share of the records they cover,
// and the share of them that are right.
type ThresholdPoint struct {
	Threshold float64 `json:"threshold"`
	Written   int     `json:"written"`
	Coverage  float64 `json:"coverage"`
	// Precision is 1 when nothing is written.
	Precision float64 `json:"precision"`
}

// thresholdStep is the spacing of the thresholds Thresholds measures:
// as fine as a field's min_confidence is usually written.
const thresholdStep = 0.05

// Thresholds returns, for the thresholds 0, 0.05, ..., 1, what writing
// only the answers whose confidence is at least the threshold gives: how
// many are written, their share of the records (records is the number
// of records, answered or not) and the share of them that are right.
// conf and right describe the answers given, one entry each.
func Thresholds(conf []float64, right []bool, records int) []ThresholdPoint {
	steps := int(math.Round(1 / thresholdStep))
	out := make([]ThresholdPoint, 0, steps+1)
	for k := 0; k <= steps; k++ {
		t := math.Round(float64(k)*thresholdStep*100) / 100
		p := ThresholdPoint{Threshold: t, Precision: 1}
		ok := 0
		for i, c := range conf {
			// A confidence is compared as the agent compares it with a
			// threshold, at the precision a configuration is written.
			if c+1e-9 >= t {
				p.Written++
				if right[i] {
					ok++
				}
			}
		}
		if p.Written > 0 {
			p.Precision = float64(ok) / float64(p.Written)
		}
		if records > 0 {
			p.Coverage = float64(p.Written) / float64(records)
		}
		out = append(out, p)
	}
	return out
}

// LowestThreshold returns the lowest of the points at which at least one
// value is written and the written values are right at least target of
// the time: the min_confidence that keeps a field's precision at the
// target while writing as much as it can. ok is false when no point
// does.
func LowestThreshold(points []ThresholdPoint, target float64) (ThresholdPoint, bool) {
	for _, p := range points {
		if p.Written > 0 && p.Precision >= target {
			return p, true
		}
	}
	return ThresholdPoint{}, false
}

// ThresholdFor returns the lowest threshold at which the field's
// written values keep the target precision; see LowestThreshold.
func (f *FieldReport) ThresholdFor(target float64) (ThresholdPoint, bool) {
	return LowestThreshold(f.Thresholds, target)
}
