package eval

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
)

// ErrNoRecords means there was nothing to evaluate.
var ErrNoRecords = errors.New("eval: no records")

// Option changes how Run works.
type Option func(*runConfig)

type runConfig struct {
	threshold float64
	bins      int
	workers   int
	progress  io.Writer
	confused  int
	now       func() time.Time
}

// WithThreshold sets the confidence at or above which a prediction counts
// as made for the coverage and accuracy at a threshold (0.5 by default).
func WithThreshold(t float64) Option { return func(c *runConfig) { c.threshold = t } }

// WithBins sets the number of equal-width confidence bins of the
// reliability chart and the calibration error (10 by default).
func WithBins(n int) Option { return func(c *runConfig) { c.bins = n } }

// WithWorkers sets how many records are predicted at once (1 by default);
// more helps with predictors that wait on a network.
func WithWorkers(n int) Option { return func(c *runConfig) { c.workers = n } }

// WithProgress draws a progress bar on w (a terminal, typically standard
// error) as records are predicted. Nothing is drawn by default.
func WithProgress(w io.Writer) Option { return func(c *runConfig) { c.progress = w } }

// WithMostConfused sets how many of the most frequent confusions each
// field reports (10 by default).
func WithMostConfused(n int) Option { return func(c *runConfig) { c.confused = n } }

// Outcome is what the predictor answered for one field of one record.
type Outcome struct {
	Line     int
	Field    string
	Expected string
	// Predicted is empty when the predictor abstained (or its answer was
	// dropped by predict.Validate).
	Predicted  string
	Confidence float64
}

// Run replays records through p, asking for fields with each record's
// text as one new customer message, and reports per field how the
// answers compare with the records' labels. Predictions are passed
// through predict.Validate first, as the agent does. A predictor error on a
// record counts as abstaining on every field and is reported; a cancelled
// ctx ends the run with its error.
func Run(ctx context.Context, p predict.Predictor, fields []predict.Field, records []Record, opts ...Option) (*Report, error) {
	c, err := newRunConfig(fields, records, opts, "predict")
	if err != nil {
		return nil, err
	}
	start := c.now()
	outcomes, errs, err := predictAll(ctx, p, fields, records, &c)
	if err != nil {
		return nil, err
	}
	rep := &Report{Records: len(records), Threshold: c.threshold, Seconds: c.now().Sub(start).Seconds()}
	for i, err := range errs {
		if err != nil {
			rep.Errors++
			if rep.FirstError == "" {
				rep.FirstError = fmt.Sprintf("line %d: %v", records[i].Line, err)
			}
		}
	}
	for fi, f := range fields {
		var outs []Outcome
		for i := range records {
			outs = append(outs, outcomes[i][fi])
		}
		rep.Fields = append(rep.Fields, score(f.Name, outs, &c))
	}
	return rep, nil
}

// newRunConfig applies opts and checks them and the data a run or a
// calibration (what it names the fields for) is asked for.
func newRunConfig(fields []predict.Field, records []Record, opts []Option, what string) (runConfig, error) {
	c := runConfig{threshold: 0.5, bins: 10, workers: 1, confused: 10, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	switch {
	case len(records) == 0:
		return c, ErrNoRecords
	case len(fields) == 0:
		return c, fmt.Errorf("eval: no fields to %s", what)
	case !(c.threshold >= 0 && c.threshold <= 1):
		return c, fmt.Errorf("eval: threshold %v not in [0,1]", c.threshold)
	case c.bins < 1 || c.bins > 100:
		return c, fmt.Errorf("eval: %d bins not in [1,100]", c.bins)
	case c.workers < 1:
		return c, fmt.Errorf("eval: %d workers", c.workers)
	}
	for _, f := range fields {
		for _, r := range records {
			if _, ok := r.Labels[f.Name]; !ok {
				return c, fmt.Errorf("eval: record of line %d has no label for field %q", r.Line, f.Name)
			}
		}
	}
	return c, nil
}

// predictAll asks p about every record, c.workers at a time, and returns
// the outcomes and the predictor's error of each record. A cancelled ctx
// ends it with ctx's error.
func predictAll(ctx context.Context, p predict.Predictor, fields []predict.Field, records []Record, c *runConfig) ([][]Outcome, []error, error) {
	outcomes := make([][]Outcome, len(records))
	errs := make([]error, len(records))
	bar := newProgress(c.progress, len(records), c.now)
	var wg sync.WaitGroup
	next := make(chan int)
	for range c.workers {
		wg.Go(func() {
			for i := range next {
				outcomes[i], errs[i] = predictRecord(ctx, p, fields, &records[i])
				bar.add()
			}
		})
	}
feed:
	for i := range records {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	bar.done()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return outcomes, errs, nil
}

// predictRecord asks p about one record and returns an outcome per field.
func predictRecord(ctx context.Context, p predict.Predictor, fields []predict.Field, r *Record) ([]Outcome, error) {
	req := &predict.Request{
		Fields: fields,
		Messages: []channel.Message{{
			ID:        "line-" + strconv.Itoa(r.Line),
			Direction: channel.Inbound,
			Role:      channel.RoleCustomer,
			Text:      r.Text,
		}},
	}
	out := make([]Outcome, len(fields))
	for i, f := range fields {
		exp := r.Labels[f.Name]
		if v, err := f.Normalize(exp); err == nil {
			exp = fmt.Sprint(v)
		}
		out[i] = Outcome{Line: r.Line, Field: f.Name, Expected: exp}
	}
	res, err := p.Predict(ctx, req)
	if err != nil {
		return out, err
	}
	kept, _ := predict.Validate(req, res)
	for i, f := range fields {
		if pr, ok := kept[f.Name]; ok {
			out[i].Predicted = fmt.Sprint(pr.Value)
			out[i].Confidence = pr.Confidence
		}
	}
	return out, nil
}

// score computes a field's report from its outcomes.
func score(field string, outs []Outcome, c *runConfig) FieldReport {
	fr := FieldReport{Field: field, Records: len(outs), Threshold: c.threshold}
	type counts struct{ tp, fp, fn, support int }
	classes := map[string]*counts{}
	get := func(l string) *counts {
		if classes[l] == nil {
			classes[l] = &counts{}
		}
		return classes[l]
	}
	pairs := map[[2]string]int{}
	var conf []float64
	var correct []bool
	confident, confidentRight := 0, 0
	for _, o := range outs {
		get(o.Expected).support++
		ok := o.Predicted == o.Expected
		if ok {
			fr.Correct++
			get(o.Expected).tp++
		} else {
			get(o.Expected).fn++
			if o.Predicted != "" {
				get(o.Predicted).fp++
			}
			pairs[[2]string{o.Expected, o.Predicted}]++
		}
		if o.Predicted == "" {
			continue
		}
		fr.Answered++
		conf = append(conf, o.Confidence)
		correct = append(correct, ok)
		if o.Confidence >= c.threshold {
			confident++
			if ok {
				confidentRight++
			}
		}
	}
	n := float64(len(outs))
	fr.Accuracy = float64(fr.Correct) / n
	fr.Answer = float64(fr.Answered) / n
	if fr.Answered > 0 {
		fr.AnsweredAccuracy = float64(fr.Correct) / float64(fr.Answered)
	}
	fr.Coverage = float64(confident) / n
	if confident > 0 {
		fr.AccuracyAtThreshold = float64(confidentRight) / float64(confident)
	}
	fr.CalibrationError = textclass.ExpectedCalibrationError(conf, correct, c.bins)
	fr.Reliability = reliability(conf, correct, c.bins)
	fr.Thresholds = Thresholds(conf, correct, len(outs))
	for _, l := range slices.Sorted(maps.Keys(classes)) {
		k := classes[l]
		cr := ClassReport{Label: l, Support: k.support, Predicted: k.tp + k.fp}
		if k.tp+k.fp > 0 {
			cr.Precision = float64(k.tp) / float64(k.tp+k.fp)
		}
		if k.tp+k.fn > 0 {
			cr.Recall = float64(k.tp) / float64(k.tp+k.fn)
		}
		if cr.Precision+cr.Recall > 0 {
			cr.F1 = 2 * cr.Precision * cr.Recall / (cr.Precision + cr.Recall)
		}
		fr.MacroF1 += cr.F1
		fr.Classes = append(fr.Classes, cr)
	}
	fr.MacroF1 /= float64(len(fr.Classes))
	for p, n := range pairs {
		fr.MostConfused = append(fr.MostConfused, Confusion{Expected: p[0], Predicted: p[1], Count: n})
	}
	slices.SortFunc(fr.MostConfused, func(a, b Confusion) int {
		return cmp.Or(b.Count-a.Count, cmp.Compare(a.Expected, b.Expected), cmp.Compare(a.Predicted, b.Predicted))
	})
	if len(fr.MostConfused) > c.confused {
		fr.MostConfused = fr.MostConfused[:c.confused]
	}
	return fr
}

// reliability bins the predictions by confidence.
func reliability(conf []float64, correct []bool, bins int) []Bin {
	out := make([]Bin, bins)
	for b := range out {
		out[b].Low = float64(b) / float64(bins)
		out[b].High = float64(b+1) / float64(bins)
	}
	for i, c := range conf {
		b := min(max(int(c*float64(bins)), 0), bins-1)
		out[b].Count++
		out[b].Confidence += c
		if correct[i] {
			out[b].Accuracy++
		}
	}
	for b := range out {
		if out[b].Count > 0 {
			out[b].Confidence /= float64(out[b].Count)
			out[b].Accuracy /= float64(out[b].Count)
		}
	}
	return out
}
