// Package predict defines the contract between the agent and the things
// that predict case fields from a conversation: the [Predictor] interface,
// the [Request] it answers (the fields to fill, with their types, options
// and descriptions; the messages; the values already known) and the
// [Result] it returns (per field a value, a confidence in [0,1] and the
// evidence quoted from the messages, or nothing at all to abstain).
//
// One call predicts every requested field. Whatever a predictor answers,
// [Validate] keeps only what fits: a value of the field's type, inside its
// options, matching its pattern, with evidence that really occurs in the
// messages. Callers run it on every result, so a careless or manipulated
// predictor cannot write what the request did not allow.
//
// Predictors compose: [Chain] asks a second predictor for what the first
// left open (extractors first, a model for the rest), and [Fallback] turns
// to another predictor when one fails. [Calibrate] maps a predictor's
// self-reported confidence through a [Calibration] learned from labelled
// cases (eval.FitCalibration), so that of the values given confidence
// about c, a fraction about c is right; it never changes a value.
//
// Implementations live in subpackages: heuristic (the offline default),
// llm (any langchaingo model) and predicttest (a scripted fake for tests).
// Package instruct finds, for all of them, what of a customer's text is
// an instruction to the system or third-party content rather than the
// customer's own account.
package predict
