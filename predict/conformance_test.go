package predict_test

import (
	"context"
	"errors"
	"testing"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/predicttest"
)

// Chains and fallbacks of conforming predictors conform.
func TestConformanceComposed(t *testing.T) {
	first := func() predict.Predictor {
		return predicttest.New().Named("first").Field("category", predict.Prediction{Value: "Billing", Confidence: 0.6})
	}
	second := func() predict.Predictor {
		return predicttest.New().Named("second").
			Field("category", predict.Prediction{Value: "How-to", Confidence: 0.9}).
			Field("priority", predict.Prediction{Value: "Low", Confidence: 0.5})
	}
	down := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		return nil, errors.New("model unavailable")
	})
	t.Run("Chain", func(t *testing.T) {
		predicttest.Run(t, func(t *testing.T) predict.Predictor { return predict.Chain(first(), second()) })
	})
	t.Run("Fallback", func(t *testing.T) {
		predicttest.Run(t, func(t *testing.T) predict.Predictor { return predict.Fallback(down, second()) })
	})
}
