package heuristic_test

import (
	"testing"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/predicttest"
)

func TestConformance(t *testing.T) {
	predicttest.Run(t, func(t *testing.T) predict.Predictor {
		p, err := heuristic.New()
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
}
