// Package textclass trains a text classifier from a tenant's labelled
// history, the way a helpdesk learns to route cases from the ones its
// people already categorised, and gives calibrated confidence with every
// answer.
//
// A text becomes hashed word n-grams (1 and 2 words by default) and
// character n-grams taken inside each word (2 to 5 characters), after
// lower-casing and, by default, folding accents away; tokens are runs of
// Unicode letters and digits, so any language and script works. Features
// are weighted by sublinear TF-IDF and the word and character blocks are
// each L2-normalised. A multinomial logistic regression (softmax) is fitted
// on them with AdaGrad and L2 regularisation; training is deterministic
// given the examples and the seed.
//
// Confidence is calibrated by temperature scaling: [Train] holds out a
// stratified fifth of the examples, fits the model on the rest, finds the
// temperature that best explains the held-out labels, then fits the final
// model on every example and keeps that temperature.
// [Model.Calibration] reports the held-out accuracy and the expected
// calibration error before and after.
//
// A [Model] is immutable and safe for concurrent use. It is saved with
// [Model.Save] or [Model.WriteTo] and loaded with [Load] or [Read], in a
// versioned binary format with a checksum (documented beside WriteTo); a
// damaged file is an error wrapping [ErrBadModel], never a panic.
//
// [Predictor] adapts models, one per field, to predict.Predictor. The
// heuristic predictor accepts a *Model directly as its classifier.
package textclass
