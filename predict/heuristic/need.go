package heuristic

import (
	"bytes"
	_ "embed"
	"sync"

	"github.com/caseagent/caseagent/predict/textclass"
)

// needModelFile is a classifier of single sentences, trained on the
// customer sentences of the project's own stories in seven languages
// (TestNeedModel rebuilds it): "need" for a sentence that holds the
// words the story's description must mention, "context" for the others
// (who the customer is, what they own, what happened first, what they
// already tried).
//
//go:embed need.model
var needModelFile []byte

// Labels of the need model.
const (
	needLabel    = "need"
	contextLabel = "context"
)

// needModel is the embedded classifier, read once.
var needModel = sync.OnceValue(func() Classifier { return embeddedModel("need.model", needModelFile) })

// embeddedModel reads an embedded model file, built and checked by its
// test (TestNeedModel, TestIntentModel).
func embeddedModel(name string, b []byte) *textclass.Model {
	m, err := textclass.Read(bytes.NewReader(b))
	if err != nil {
		panic("heuristic: embedded " + name + ": " + err.Error())
	}
	return m
}

// needWeight is how much more a sentence counts for the description when
// the need classifier reads it, with full confidence, as the need: 1
// was chosen among 0.5, 1 and 2 on rounds 24 to 28 with a model trained
// without them, where 1 and 2 gained the most.
const needWeight = 1

// WithNeedClassifier sets the classifier that tells, sentence by
// sentence, what the customer needs from what surrounds it, for
// descriptions: c labels one customer sentence "need" or "context". By
// default the predictor uses a model trained on the project's own
// stories in seven languages; a tenant can train one on its own cases
// (textclass.Train on sentences labelled so). nil turns it off, and the
// description is ranked by word cues alone.
func WithNeedClassifier(c Classifier) Option {
	return func(p *Predictor) error {
		p.need, p.needSet = c, true
		return nil
	}
}

// needBoost is what a candidate sentence's description score is
// multiplied by: 1 plus needWeight times the classifier's confidence when
// it reads the sentence as the need, else 1.
func needBoost(c Classifier, text string) float64 {
	if c == nil {
		return 1
	}
	if label, conf := c.Classify(text); label == needLabel && conf > 0 && conf <= 1 {
		return 1 + needWeight*conf
	}
	return 1
}
