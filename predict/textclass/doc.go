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
// on them with AdaGrad and L2 regularisation, and the weights of the last
// epochs are averaged; training is deterministic given the examples and
// the seed, and another seed moves accuracy by under half a point on the
// public intent corpora.
//
// What the model says is measured before it is trusted. [Train] scores
// examples the model was not trained on: a history of fewer than 1,500
// examples is cross-fitted in five folds, a larger one holds out a
// stratified fifth. On those scores it chooses how much of the labels'
// frequencies to take out of the scores ([WithPriorCorrection]: a label
// that dominates the history would otherwise swallow the rare ones), then
// the temperature that best explains the held-out labels, then, with 100
// held-out examples or more, an isotonic map from confidence to measured
// accuracy. The final model is trained on every example and keeps the
// correction, the temperature and the map, so its confidence is a
// measured frequency: of the answers given confidence about c, a fraction
// about c is right. [Model.Calibration] reports the held-out accuracy,
// macro-F1 and calibration error.
//
// [TrainFewShot] trains from a handful of example phrases per option, for
// a tenant without history.
//
// A [Model] is immutable and safe for concurrent use. It is saved with
// [Model.Save] or [Model.WriteTo] and loaded with [Load] or [Read], in a
// versioned binary format with a checksum (documented beside WriteTo); a
// damaged file is an error wrapping [ErrBadModel], never a panic.
//
// [Predictor] adapts models, one per field, to predict.Predictor. The
// heuristic predictor accepts a *Model directly as its classifier.
package textclass
