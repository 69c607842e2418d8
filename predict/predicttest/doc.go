// Package predicttest provides a scripted fake [predict.Predictor] for the
// tests of host applications and of the agent: it answers from a script
// and records every request it was asked, so a test can say what the
// "model" returns and then check what it was given.
//
// A script has two layers. Calls queued with [Predictor.Then],
// [Predictor.ThenError] and [Predictor.ThenFunc] answer the next calls, one
// each, in order. When the queue is empty, the per-field answers set with
// [Predictor.Field] and [Predictor.FieldError] answer every call for the
// requested fields they name; fields with no answer are abstained on.
//
//	p := predicttest.New().
//		Field("category", predict.Prediction{Value: "Billing", Confidence: 0.9}).
//		ThenError(errors.New("model down")) // the first call fails
//
// Requests are recorded as deep copies ([Predictor.Requests]), so a test
// sees what was asked even if the caller reuses its request afterwards.
//
// [Run] is the conformance suite for predictor implementations, as
// storetest.Run is for stores: one call proves what the agent relies on
// of a predictor (answers only for requested fields, values and evidence
// that pass predict.Validate, the request left unchanged, any input
// accepted, a done context honoured, safe concurrent use):
//
//	func TestConformance(t *testing.T) {
//		predicttest.Run(t, func(t *testing.T) predict.Predictor { return mypredictor.New() })
//	}
//
// The offline predictor, the classifier, the LLM predictor on every
// provider's client, Chain and Fallback all pass it, and so does the fake.
package predicttest
