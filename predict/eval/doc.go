// Package eval replays labelled data through any predict.Predictor and
// reports, per field, how good and how honest its answers are: accuracy,
// macro-F1, the share of records answered at or above a confidence
// threshold and the accuracy of those, the expected calibration error
// with its reliability bins, per-label precision and recall, the most
// frequent confusions, and what each threshold from 0 to 1 would write
// and how often it would be right ([ThresholdPoint]).
//
// Choose a field's min_confidence with [FieldReport.ThresholdFor]: the
// lowest threshold at which the written values keep a target precision
// such as 0.98, writing as much as they can. [Thresholds] and
// [LowestThreshold] do the same for any list of confidences and
// outcomes, as the replay of stories does.
//
// Data come from a CSV file with a header row or from JSON Lines: one or
// more text columns (joined, such as a subject and a body) and one label
// column per field ([ReadFile], [ReadCSV], [ReadJSONL]). Bad data is a
// *[DataError] naming the line. [Split] divides records into training and
// test parts, stratified and seeded; [Train] trains a textclass model per
// field; [Fields] derives choice fields from the labels; [Run] replays
// the test part, each record as one new customer message, checks the
// answers with predict.Validate as the agent does, and returns a [Report]
// that writes itself as text, JSON or a self-contained HTML page with a
// reliability chart per field. Any predictor can be measured this way,
// chains included: the calibration error and the reliability bins come
// from the confidence of whichever predictor answered.
//
// [Baseline] is the classic TF-IDF and logistic regression classifier,
// fitted by L-BFGS, against which the trained classifier is compared.
// [Compare] trains predictors with several seeds on the same split and
// reports the mean and spread of each measure; [LearningCurve] trains on
// the first 50, 100, 200, 400, 1,000 and all training records and
// measures each, which the HTML report draws as a chart. Both take a
// [Trainer], so any trainable predictor can be measured.
//
// [FitCalibration] replays labelled records through a predictor and
// learns, per field and overall, a monotone map from the confidence it
// reports to the fraction of its answers that were right (isotonic
// regression, smoothed): a predict.Calibration that predict.Calibrate
// applies. Fit it on records kept apart from those it is measured on.
//
// The command examples/evaluate puts these together for a user's own
// export.
package eval
