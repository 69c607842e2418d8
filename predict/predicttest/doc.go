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
package predicttest
