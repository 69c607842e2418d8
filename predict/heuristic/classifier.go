package heuristic

// Classifier labels a text with one of a field's option values. A trained
// model (see the textclass package) satisfies it; the predictor uses it for
// the field it was given for, in place of description similarity.
//
// Classify returns the best label and a calibrated confidence in [0,1] that
// the label is right. It returns an empty label to abstain. Labels that are
// not one of the field's option values (compared case-insensitively) are
// ignored. Text is the customer's own words of the conversation, oldest
// first, joined by blank lines: email subjects, message texts (no quoted
// history, no signatures), with sentences that read as instructions to the
// system left out.
//
// Implementations must be safe for concurrent use.
type Classifier interface {
	Classify(text string) (label string, confidence float64)
}

// ClassifierFunc adapts a function to the Classifier interface.
type ClassifierFunc func(text string) (label string, confidence float64)

// Classify calls f.
func (f ClassifierFunc) Classify(text string) (string, float64) { return f(text) }
