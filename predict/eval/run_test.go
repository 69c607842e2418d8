package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/predict"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func records(labels ...string) []Record {
	out := make([]Record, len(labels))
	for i, l := range labels {
		out[i] = Record{Line: i + 2, Text: fmt.Sprintf("text %d", i), Labels: map[string]string{"category": l}}
	}
	return out
}

func TestSplit(t *testing.T) {
	var labels []string
	for range 20 {
		labels = append(labels, "a")
	}
	for range 10 {
		labels = append(labels, "b")
	}
	labels = append(labels, "c", "d", "d")
	recs := records(labels...)
	train, test, err := Split(recs, "category", 0.35, 1)
	if err != nil {
		t.Fatal(err)
	}
	count := func(rs []Record) map[string]int {
		m := map[string]int{}
		for _, r := range rs {
			m[r.Labels["category"]]++
		}
		return m
	}
	// a: 7 of 20, b: 4 (3.5 rounded) of 10, c: never its only one, d: 1 of 2.
	if diff := cmp.Diff(map[string]int{"a": 7, "b": 4, "d": 1}, count(test)); diff != "" {
		t.Errorf("test part (-want +got):\n%s", diff)
	}
	if len(train)+len(test) != len(recs) {
		t.Errorf("%d + %d records, want %d", len(train), len(test), len(recs))
	}
	for _, part := range [][]Record{train, test} {
		for i := 1; i < len(part); i++ {
			if part[i].Line <= part[i-1].Line {
				t.Fatal("a part is not in the original order")
			}
		}
	}
	train2, test2, _ := Split(recs, "category", 0.35, 1)
	if diff := cmp.Diff(test, test2); diff != "" || len(train2) != len(train) {
		t.Errorf("same seed, different split:\n%s", diff)
	}
	_, test3, _ := Split(recs, "category", 0.35, 2)
	if cmp.Equal(test, test3) {
		t.Error("different seeds, same split")
	}
	for _, frac := range []float64{0, 1, math.NaN()} {
		if _, _, err := Split(recs, "category", frac, 1); err == nil {
			t.Errorf("Split with fraction %v: no error", frac)
		}
	}
	if _, _, err := Split(recs, "priority", 0.35, 1); err == nil {
		t.Error("Split on a missing label: no error")
	}
}

func TestFields(t *testing.T) {
	got := Fields([]string{"category"}, records("card_arrival", "lost-card"), records("Billing"))
	want := []predict.Field{{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{
		{Value: "Billing"}, {Value: "card_arrival", Label: "card arrival"}, {Value: "lost-card", Label: "lost card"},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Fields (-want +got):\n%s", diff)
	}
}

// scripted answers each record's text from a table; a missing entry
// abstains and "fail" fails.
type scripted map[string]predict.Prediction

func (s scripted) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	text := req.Messages[0].Text
	if text == "fail" {
		return nil, errors.New("backend down")
	}
	res := &predict.Result{Predictions: map[string]predict.Prediction{}}
	if p, ok := s[text]; ok {
		res.Predictions["category"] = p
	}
	return res, nil
}

func TestRun(t *testing.T) {
	recs := []Record{
		{Line: 2, Text: "r1", Labels: map[string]string{"category": "a"}},
		{Line: 3, Text: "r2", Labels: map[string]string{"category": "a"}},
		{Line: 4, Text: "r3", Labels: map[string]string{"category": "b"}},
		{Line: 5, Text: "r4", Labels: map[string]string{"category": "b"}},
		{Line: 6, Text: "r5", Labels: map[string]string{"category": "b"}},
		{Line: 7, Text: "fail", Labels: map[string]string{"category": "a"}},
		{Line: 8, Text: "r7", Labels: map[string]string{"category": "c"}},
	}
	p := scripted{
		"r1": {Value: "A", Confidence: 0.95}, // right, in the option's spelling after Check
		"r2": {Value: "b", Confidence: 0.45}, // wrong
		"r3": {Value: "b", Confidence: 0.85}, // right
		"r4": {Value: "b", Confidence: 0.6},  // right
		// r5 abstains
		"r7": {Value: "zzz", Confidence: 0.99}, // not an option: dropped by Check
	}
	fields := Fields([]string{"category"}, recs)
	rep, err := Run(context.Background(), p, fields, recs, WithThreshold(0.5), WithBins(10))
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fields[0]
	// Classes a, b, c. a: tp 1, fn 2 (r2, fail), fp 0 -> P 1, R 1/3.
	// b: tp 2, fp 1 (r2), fn 1 (r5) -> P 2/3, R 2/3. c: 0.
	fa := 2 * 1 * (1.0 / 3) / (1 + 1.0/3)
	fb := 2.0 / 3
	want := FieldReport{
		Field: "category", Records: 7, Answered: 4, Correct: 3,
		Accuracy: 3.0 / 7, MacroF1: (fa + fb) / 3,
		Answer: 4.0 / 7, AnsweredAccuracy: 0.75,
		Threshold: 0.5, Coverage: 3.0 / 7, AccuracyAtThreshold: 1,
		// Bins 0.4 (0.45, wrong), 0.6 (0.6, right), 0.8 (0.85, right), 0.9 (0.95, right).
		CalibrationError: (0.45 + 0.4 + 0.15 + 0.05) / 4,
		Classes: []ClassReport{
			{Label: "a", Support: 3, Predicted: 1, Precision: 1, Recall: 1.0 / 3, F1: fa},
			{Label: "b", Support: 3, Predicted: 3, Precision: 2.0 / 3, Recall: 2.0 / 3, F1: fb},
			{Label: "c", Support: 1},
		},
		MostConfused: []Confusion{
			{Expected: "a", Predicted: "", Count: 1},
			{Expected: "a", Predicted: "b", Count: 1},
			{Expected: "b", Predicted: "", Count: 1},
			{Expected: "c", Predicted: "", Count: 1},
		},
	}
	opt := cmpopts.EquateApprox(0, 1e-12)
	if diff := cmp.Diff(want, f, opt, cmpopts.IgnoreFields(FieldReport{}, "Reliability", "Thresholds")); diff != "" {
		t.Errorf("field report (-want +got):\n%s", diff)
	}
	// Answers at 0.45 (wrong), 0.6, 0.85 and 0.95 (right), of 7 records.
	for _, tc := range []struct {
		threshold float64
		want      ThresholdPoint
	}{
		{0, ThresholdPoint{Threshold: 0, Written: 4, Coverage: 4.0 / 7, Precision: 0.75}},
		{0.45, ThresholdPoint{Threshold: 0.45, Written: 4, Coverage: 4.0 / 7, Precision: 0.75}},
		{0.5, ThresholdPoint{Threshold: 0.5, Written: 3, Coverage: 3.0 / 7, Precision: 1}},
		{0.9, ThresholdPoint{Threshold: 0.9, Written: 1, Coverage: 1.0 / 7, Precision: 1}},
		{1, ThresholdPoint{Threshold: 1, Precision: 1}},
	} {
		i := int(tc.threshold*20 + 0.5)
		if len(f.Thresholds) != 21 {
			t.Fatalf("%d thresholds, want 21", len(f.Thresholds))
		}
		if diff := cmp.Diff(tc.want, f.Thresholds[i], opt); diff != "" {
			t.Errorf("at %v (-want +got):\n%s", tc.threshold, diff)
		}
	}
	if p, ok := f.ThresholdFor(0.99); !ok || p.Threshold != 0.5 {
		t.Errorf("ThresholdFor(0.99) = %+v, %v; want 0.5", p, ok)
	}
	if p, ok := f.ThresholdFor(0.7); !ok || p.Threshold != 0 {
		t.Errorf("ThresholdFor(0.7) = %+v, %v; want 0", p, ok)
	}
	if _, ok := LowestThreshold(Thresholds([]float64{0.9}, []bool{false}, 1), 0.5); ok {
		t.Error("a threshold was found where every written value is wrong")
	}
	wantBins := []Bin{4: {Count: 1, Confidence: 0.45}, 6: {Count: 1, Confidence: 0.6, Accuracy: 1}, 8: {Count: 1, Confidence: 0.85, Accuracy: 1}, 9: {Count: 1, Confidence: 0.95, Accuracy: 1}}
	for i := range wantBins {
		wantBins[i].Low, wantBins[i].High = float64(i)/10, float64(i+1)/10
	}
	if diff := cmp.Diff(wantBins, f.Reliability, opt); diff != "" {
		t.Errorf("reliability (-want +got):\n%s", diff)
	}
	if rep.Errors != 1 || !strings.Contains(rep.FirstError, "line 7: backend down") {
		t.Errorf("errors %d %q, want 1 naming line 7", rep.Errors, rep.FirstError)
	}

	// Several workers give the same report.
	rep4, err := Run(context.Background(), p, fields, recs, WithWorkers(4))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rep.Fields, rep4.Fields); diff != "" {
		t.Errorf("with 4 workers (-1 +4):\n%s", diff)
	}
}

func TestRunErrors(t *testing.T) {
	recs := records("a", "b")
	fields := Fields([]string{"category"}, recs)
	p := scripted{}
	tests := []struct {
		name   string
		fields []predict.Field
		recs   []Record
		opts   []Option
	}{
		{"no records", fields, nil, nil},
		{"no fields", nil, recs, nil},
		{"threshold", fields, recs, []Option{WithThreshold(2)}},
		{"bins", fields, recs, []Option{WithBins(0)}},
		{"workers", fields, recs, []Option{WithWorkers(0)}},
		{"label missing", []predict.Field{{Name: "priority", Type: predict.TypeText}}, recs, nil},
	}
	for _, tt := range tests {
		if _, err := Run(context.Background(), p, tt.fields, tt.recs, tt.opts...); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, p, fields, recs); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func sampleReport(t *testing.T) *Report {
	t.Helper()
	recs := records("a", "b", "b")
	p := scripted{"text 0": {Value: "a", Confidence: 0.9}, "text 1": {Value: "a", Confidence: 0.7}, "text 2": {Value: "b", Confidence: 0.8}}
	rep, err := Run(context.Background(), p, Fields([]string{"category"}, recs), recs)
	if err != nil {
		t.Fatal(err)
	}
	rep.Predictor = "scripted <fake>"
	rep.Seconds = 0.25
	return rep
}

func TestReportJSON(t *testing.T) {
	rep := sampleReport(t)
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var generic struct {
		Fields map[string]map[string]any `json:"fields"`
	}
	if err := json.Unmarshal(b.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"accuracy", "macro_f1", "coverage", "calibration_error"} {
		if _, ok := generic.Fields["category"][k]; !ok {
			t.Errorf("JSON has no fields.category.%s:\n%s", k, b.String())
		}
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(*rep, back); diff != "" {
		t.Errorf("JSON round trip (-before +after):\n%s", diff)
	}
}

func TestReportText(t *testing.T) {
	var b strings.Builder
	if err := sampleReport(t).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"scripted <fake>: 3 records, 0.25s",
		"accuracy            0.667  (2 of 3)",
		"macro-F1            0.667",
		"coverage at 0.50    1.000  (accuracy 0.667)",
		"1  b -> a",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReportHTML(t *testing.T) {
	var b strings.Builder
	if err := sampleReport(t).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"<svg", "scripted &lt;fake&gt;", "<h2>category</h2>", "0.667"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("HTML report is not self-contained")
	}
	svg := page[strings.Index(page, "<svg"):]
	svg = svg[:strings.Index(svg, "</svg>")+len("</svg>")]
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Errorf("chart is not well-formed SVG: %v\n%s", err, svg)
	}
}

func TestProgress(t *testing.T) {
	var b strings.Builder
	clock := time.Unix(0, 0)
	now := func() time.Time { clock = clock.Add(60 * time.Millisecond); return clock }
	recs := records("a", "b", "a", "b")
	_, err := Run(context.Background(), scripted{}, Fields([]string{"category"}, recs), recs, WithProgress(&b), func(c *runConfig) { c.now = now })
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "\r[") || !strings.Contains(out, "4/4 100%") || !strings.HasSuffix(out, "\n") {
		t.Errorf("progress output %q", out)
	}
}
