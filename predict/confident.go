package predict

import (
	"context"
	"fmt"
	"maps"
)

// Confident returns a Predictor that keeps p's predictions whose
// confidence is at least min and leaves the other fields open, as if p
// had abstained on them. In a Chain it lets a predictor answer where it
// is sure and the next one elsewhere: Chain(Confident(classifier, 0.6),
// heuristic) takes the tenant's trained classifier for the fields it is
// confident about and the offline default for the rest. A min outside
// [0,1] is an error. The result is safe for concurrent use when p is.
func Confident(p Predictor, min float64) (Predictor, error) {
	if p == nil {
		return nil, ErrNoPredictor
	}
	if !(min >= 0 && min <= 1) {
		return nil, fmt.Errorf("predict: confidence %v is outside [0,1]", min)
	}
	return Func(func(ctx context.Context, req *Request) (*Result, error) {
		res, err := p.Predict(ctx, req)
		if err != nil || res == nil {
			return res, err
		}
		out := *res
		out.Predictions = maps.Clone(res.Predictions)
		maps.DeleteFunc(out.Predictions, func(_ string, pr Prediction) bool { return pr.Confidence < min })
		return &out, nil
	}), nil
}
