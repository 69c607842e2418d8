package heuristic_test

import (
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/textclass"
)

// The trained text classifier plugs into the predictor as it is.
var _ heuristic.Classifier = (*textclass.Model)(nil)
