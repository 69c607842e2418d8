package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Report is the outcome of a Run. It is plain data.
type Report struct {
	// Predictor names what was evaluated; set by the caller.
	Predictor string `json:"predictor,omitempty"`
	// Training is the number of records a classifier was trained on, when
	// one was; set by the caller.
	Training int `json:"training_records,omitempty"`
	// TrainingSeconds is how long training took, when it was done; set
	// by the caller.
	TrainingSeconds float64 `json:"training_seconds,omitempty"`
	// Records is the number of records replayed.
	Records int `json:"records"`
	// Threshold is the confidence of the coverage figures.
	Threshold float64 `json:"threshold"`
	// Errors counts records on which the predictor failed; FirstError
	// says why the first did.
	Errors     int    `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Seconds is how long the replay took.
	Seconds float64 `json:"seconds"`
	// Comparison, when the caller measured it (see Compare), has the
	// spread over training seeds of each predictor compared, per field.
	Comparison []Comparison `json:"comparison,omitempty"`
	// LearningCurve, when the caller measured it (see LearningCurve), has
	// the quality per field against the number of training records.
	LearningCurve []CurvePoint `json:"learning_curve,omitempty"`
	// Fields has a report per field, in the order asked. In JSON it is an
	// object keyed by field name.
	Fields []FieldReport `json:"-"`
}

// FieldReport is how well one field was predicted.
type FieldReport struct {
	Field string `json:"field"`
	// Records, Answered and Correct count the records, those the
	// predictor answered (at any confidence) and those it got right.
	Records  int `json:"records"`
	Answered int `json:"answered"`
	Correct  int `json:"correct"`
	// Accuracy is Correct/Records: an abstention counts as a mistake.
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the mean F1 over the labels expected or predicted.
	MacroF1 float64 `json:"macro_f1"`
	// Answer is Answered/Records and AnsweredAccuracy Correct/Answered.
	Answer           float64 `json:"answer_rate"`
	AnsweredAccuracy float64 `json:"answered_accuracy"`
	// Coverage is the fraction of records answered with a confidence of
	// at least Threshold, and AccuracyAtThreshold the accuracy of those.
	Threshold           float64 `json:"threshold"`
	Coverage            float64 `json:"coverage"`
	AccuracyAtThreshold float64 `json:"accuracy_at_threshold"`
	// CalibrationError is the expected calibration error of the answers'
	// confidence (equal-width bins, as in Reliability).
	CalibrationError float64 `json:"calibration_error"`
	Reliability      []Bin   `json:"reliability"`
	// Thresholds has, for thresholds 0 to 1 in steps of 0.05, the values
	// written at or above each, their coverage and precision: choose the
	// field's min_confidence from it (see ThresholdFor).
	Thresholds []ThresholdPoint `json:"thresholds"`
	// Classes has precision, recall and F1 per label, sorted by label.
	Classes []ClassReport `json:"classes"`
	// MostConfused lists the most frequent mistakes; a Predicted of ""
	// is an abstention.
	MostConfused []Confusion `json:"most_confused"`
}

// Bin is one confidence bin of a reliability chart.
type Bin struct {
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Count int     `json:"count"`
	// Confidence is the mean confidence of the answers in the bin and
	// Accuracy the fraction of them that were right.
	Confidence float64 `json:"confidence"`
	Accuracy   float64 `json:"accuracy"`
}

// ClassReport is how well one label was predicted.
type ClassReport struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"`
	Predicted int     `json:"predicted"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Confusion is a kind of mistake and how often it was made.
type Confusion struct {
	Expected  string `json:"expected"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
}

// Field returns the report of the named field.
func (r *Report) Field(name string) (*FieldReport, bool) {
	for i := range r.Fields {
		if r.Fields[i].Field == name {
			return &r.Fields[i], true
		}
	}
	return nil, false
}

// MarshalJSON writes the report with its fields as an object keyed by
// field name, in the order asked.
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	head, err := json.Marshal(plain(r))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1])
	b.WriteString(`,"fields":{`)
	for i, f := range r.Fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Field)
		v, err := json.Marshal(f)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes; the fields come back in the
// order of the file.
func (r *Report) UnmarshalJSON(data []byte) error {
	type plain Report
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var f struct {
		Fields json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	*r = Report(p)
	if len(f.Fields) == 0 || string(f.Fields) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(f.Fields))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return err
		}
		var fr FieldReport
		if err := dec.Decode(&fr); err != nil {
			return err
		}
		r.Fields = append(r.Fields, fr)
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes the report for a person to read.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	name := r.Predictor
	if name == "" {
		name = "predictor"
	}
	fmt.Fprintf(&b, "%s: %d records", name, r.Records)
	if r.Training > 0 {
		fmt.Fprintf(&b, " (trained on %d", r.Training)
		if r.TrainingSeconds > 0 {
			fmt.Fprintf(&b, " in %.2fs", r.TrainingSeconds)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", %.2fs\n", r.Seconds)
	if r.Errors > 0 {
		fmt.Fprintf(&b, "predictor failed on %d records; first: %s\n", r.Errors, r.FirstError)
	}
	for _, f := range r.Fields {
		fmt.Fprintf(&b, "\n%s (%d labels)\n", f.Field, len(f.Classes))
		fmt.Fprintf(&b, "  accuracy            %.3f  (%d of %d)\n", f.Accuracy, f.Correct, f.Records)
		fmt.Fprintf(&b, "  macro-F1            %.3f\n", f.MacroF1)
		fmt.Fprintf(&b, "  answered            %.3f  (accuracy when answered %.3f)\n", f.Answer, f.AnsweredAccuracy)
		fmt.Fprintf(&b, "  coverage at %.2f    %.3f  (accuracy %.3f)\n", f.Threshold, f.Coverage, f.AccuracyAtThreshold)
		fmt.Fprintf(&b, "  calibration error   %.3f  (ECE, %d bins)\n", f.CalibrationError, len(f.Reliability))
		writeThresholdAdvice(&b, "  ", f.Thresholds)
		b.WriteString("  reliability         confidence  answers  mean conf  accuracy\n")
		for _, bin := range f.Reliability {
			if bin.Count == 0 {
				continue
			}
			fmt.Fprintf(&b, "                      %.2f-%.2f  %7d  %9.3f  %8.3f\n", bin.Low, bin.High, bin.Count, bin.Confidence, bin.Accuracy)
		}
		weak := slices.Clone(f.Classes)
		slices.SortStableFunc(weak, func(a, b ClassReport) int {
			switch {
			case a.F1 < b.F1:
				return -1
			case a.F1 > b.F1:
				return 1
			}
			return b.Support - a.Support
		})
		if len(weak) > 5 {
			weak = weak[:5]
		}
		b.WriteString("  weakest labels      F1     precision  recall  support\n")
		for _, c := range weak {
			fmt.Fprintf(&b, "    %-40s %.3f  %.3f      %.3f   %d\n", clipText(c.Label, 40), c.F1, c.Precision, c.Recall, c.Support)
		}
		if len(f.MostConfused) > 0 {
			b.WriteString("  most confused       count  expected -> predicted\n")
			for _, c := range f.MostConfused {
				p := c.Predicted
				if p == "" {
					p = "(no answer)"
				}
				fmt.Fprintf(&b, "    %5d  %s -> %s\n", c.Count, c.Expected, p)
			}
		}
	}
	if len(r.Comparison) > 0 {
		b.WriteString("\ncompared over training seeds (mean, smallest-largest)\n")
		fmt.Fprintf(&b, "  %-12s %-16s %-5s  %-22s %-22s %-6s %s\n", "predictor", "field", "seeds", "accuracy", "macro-F1", "ECE", "training")
		for _, c := range r.Comparison {
			fmt.Fprintf(&b, "  %-12s %-16s %5d  %.4f (%.4f-%.4f)  %.4f (%.4f-%.4f)  %.4f %.2fs\n", clipText(c.Predictor, 12), clipText(c.Field, 16), len(c.Seeds),
				c.Accuracy.Mean, c.Accuracy.Min, c.Accuracy.Max, c.MacroF1.Mean, c.MacroF1.Min, c.MacroF1.Max, c.CalibrationError.Mean, c.TrainingSeconds)
		}
	}
	if len(r.LearningCurve) > 0 {
		b.WriteString("\nlearning curve\n")
		fmt.Fprintf(&b, "  %-16s %8s  %-8s %-8s %-6s %s\n", "field", "examples", "accuracy", "macro-F1", "ECE", "seeds")
		for _, p := range r.LearningCurve {
			fmt.Fprintf(&b, "  %-16s %8d  %.4f   %.4f   %.4f %d\n", clipText(p.Field, 16), p.Examples, p.Accuracy, p.MacroF1, p.CalibrationError, p.Seeds)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// AdviceTargets are the precisions WriteText gives the lowest
// threshold for.
var AdviceTargets = []float64{0.95, 0.98, 0.99}

// writeThresholdAdvice writes, for each of AdviceTargets, the lowest
// threshold that keeps the precision of written values at the target.
func writeThresholdAdvice(b *strings.Builder, indent string, points []ThresholdPoint) {
	for _, target := range AdviceTargets {
		if p, ok := LowestThreshold(points, target); ok {
			fmt.Fprintf(b, "%smin_confidence %.2f keeps precision %.3f >= %.2f (coverage %.3f, %d written)\n", indent, p.Threshold, p.Precision, target, p.Coverage, p.Written)
		} else {
			fmt.Fprintf(b, "%sno threshold keeps precision >= %.2f\n", indent, target)
		}
	}
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
