package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
)

// Report summarises agent runs: what they came to, what they predicted
// and what it cost. Build one with Summarize.
type Report struct {
	Runs int `json:"runs"`
	// Outcomes and Triggers count runs by outcome and by trigger.
	Outcomes map[casemgmt.Outcome]int `json:"outcomes"`
	Triggers map[string]int           `json:"triggers"`
	// SkipReasons counts the reasons of skipped runs.
	SkipReasons map[string]int `json:"skip_reasons,omitempty"`
	// Fields has, per field, how often it was predicted and applied.
	Fields map[string]*FieldReport `json:"fields"`
	Usage  predict.Usage           `json:"usage"`
	// Latency percentiles of the runs.
	LatencyP50 time.Duration `json:"latency_p50"`
	LatencyP95 time.Duration `json:"latency_p95"`
	// Predictors counts runs by the predictor that answered.
	Predictors map[string]int `json:"predictors,omitempty"`
}

// FieldReport is what runs did with one field.
type FieldReport struct {
	Predicted int `json:"predicted"`
	Applied   int `json:"applied"`
	// MeanConfidence is over the predicted values.
	MeanConfidence float64 `json:"mean_confidence"`
	// NotApplied counts the reasons values were not applied.
	NotApplied map[string]int `json:"not_applied,omitempty"`
	// Uncertain counts the values left empty because they were below the
	// field's threshold while update rules depend on the field: the
	// agent abstained rather than guess what decides other fields.
	Uncertain int `json:"uncertain,omitempty"`
}

// Summarize reads the interaction records q selects and summarises them.
func Summarize(ctx context.Context, j casemgmt.Journal, q casemgmt.InteractionQuery) (*Report, error) {
	ins, err := j.ListInteractions(ctx, q)
	if err != nil {
		return nil, err
	}
	r := &Report{Outcomes: map[casemgmt.Outcome]int{}, Triggers: map[string]int{}, SkipReasons: map[string]int{},
		Fields: map[string]*FieldReport{}, Predictors: map[string]int{}}
	var lat []time.Duration
	conf := map[string]float64{}
	for i := range ins {
		in := &ins[i]
		r.Runs++
		r.Outcomes[in.Outcome]++
		r.Triggers[in.Trigger]++
		if in.Outcome == casemgmt.OutcomeSkipped && in.Reason != "" {
			r.SkipReasons[reasonKind(in.Reason)]++
		}
		if in.Predictor != "" {
			r.Predictors[in.Predictor]++
		}
		r.Usage.Add(in.Usage)
		lat = append(lat, in.Latency)
		for _, f := range in.Fields {
			fr := r.Fields[f.Field]
			if fr == nil {
				fr = &FieldReport{NotApplied: map[string]int{}}
				r.Fields[f.Field] = fr
			}
			fr.Predicted++
			conf[f.Field] += f.Confidence
			if f.Applied {
				fr.Applied++
			} else if f.Reason != "" {
				kind := reasonKind(f.Reason)
				fr.NotApplied[kind]++
				if kind == "uncertain" {
					fr.Uncertain++
				}
			}
		}
	}
	for name, fr := range r.Fields {
		if fr.Predicted > 0 {
			fr.MeanConfidence = conf[name] / float64(fr.Predicted)
		}
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.LatencyP50 = lat[(len(lat)-1)*50/100]
		r.LatencyP95 = lat[(len(lat)-1)*95/100]
	}
	return r, nil
}

// reasonKind shortens a reason to its kind, so that reasons that differ
// only in names and numbers count together: the text before the first
// colon or parenthesis.
func reasonKind(s string) string {
	if i := strings.IndexAny(s, ":("); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "runs: %d   latency p50 %s, p95 %s\n", r.Runs, r.LatencyP50.Round(time.Microsecond), r.LatencyP95.Round(time.Microsecond))
	fmt.Fprintf(&b, "outcomes: %s\n", counts(r.Outcomes))
	fmt.Fprintf(&b, "triggers: %s\n", counts(r.Triggers))
	if len(r.SkipReasons) > 0 {
		fmt.Fprintf(&b, "skipped because: %s\n", counts(r.SkipReasons))
	}
	fmt.Fprintf(&b, "model calls %d, tokens %d (prompt %d, completion %d), cost %.4f\n",
		r.Usage.Calls, r.Usage.TotalTokens, r.Usage.PromptTokens, r.Usage.CompletionTokens, r.Usage.Cost)
	names := make([]string, 0, len(r.Fields))
	for n := range r.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > 0 {
		b.WriteString("field                predicted applied  mean confidence\n")
	}
	for _, n := range names {
		f := r.Fields[n]
		fmt.Fprintf(&b, "%-20s %9d %7d  %.2f\n", n, f.Predicted, f.Applied, f.MeanConfidence)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func counts[K ~string](m map[K]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, string(k))
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[K(keys[i])] != m[K(keys[j])] {
			return m[K(keys[i])] > m[K(keys[j])]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[K(k)])
	}
	return strings.Join(parts, ", ")
}

// ShadowReport compares what an agent in shadow mode would have written
// with what the cases hold now, after people worked on them: how often
// the shadow agent agreed with them, per field. Build one with
// CompareShadow.
type ShadowReport struct {
	// Runs counts the shadow records read; WouldCreate and WouldUpdate
	// those that would have created or changed a case.
	Runs        int `json:"runs"`
	WouldCreate int `json:"would_create"`
	WouldUpdate int `json:"would_update"`
	// Fields compares, per field, the values the shadow agent would have
	// written with the cases' values now.
	Fields map[string]*ShadowField `json:"fields"`
}

// ShadowField compares one field's would-be values with people's.
type ShadowField struct {
	// Compared counts would-be values on cases that exist now; Agreed
	// those the case holds now, Differed those where it holds another
	// value, and Unset those where it holds none.
	Compared int `json:"compared"`
	Agreed   int `json:"agreed"`
	Differed int `json:"differed"`
	Unset    int `json:"unset"`
}

// Agreement is Agreed / (Agreed + Differed), or 0 when nothing compares.
func (f *ShadowField) Agreement() float64 {
	if n := f.Agreed + f.Differed; n > 0 {
		return float64(f.Agreed) / float64(n)
	}
	return 0
}

// CompareShadow reads the shadow records q selects and compares each value
// the shadow agent would have applied with the value of the case now: the
// case of the record, or the case that holds its conversation or its
// email. Records whose case does not exist (nobody made one) count in Runs
// only.
func CompareShadow(ctx context.Context, s casemgmt.Store, q casemgmt.InteractionQuery) (*ShadowReport, error) {
	ins, err := s.ListInteractions(ctx, q)
	if err != nil {
		return nil, err
	}
	r := &ShadowReport{Fields: map[string]*ShadowField{}}
	for i := range ins {
		in := &ins[i]
		if !in.Shadow {
			continue
		}
		r.Runs++
		if in.Outcome == casemgmt.OutcomeShadow {
			if in.Reason == "would create a case" {
				r.WouldCreate++
			} else {
				r.WouldUpdate++
			}
		}
		c, err := shadowCase(ctx, s, in)
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue
		}
		for _, f := range in.Fields {
			if !f.Applied {
				continue
			}
			sf := r.Fields[f.Field]
			if sf == nil {
				sf = &ShadowField{}
				r.Fields[f.Field] = sf
			}
			sf.Compared++
			now, ok := c.Value(f.Field)
			switch {
			case !ok:
				sf.Unset++
			case fmt.Sprint(now) == fmt.Sprint(f.Value):
				sf.Agreed++
			default:
				sf.Differed++
			}
		}
	}
	return r, nil
}

// shadowCase finds the case a shadow record concerns now, or nil.
func shadowCase(ctx context.Context, s casemgmt.Store, in *casemgmt.Interaction) (*casemgmt.Case, error) {
	var c *casemgmt.Case
	var err error
	switch {
	case in.CaseID != "":
		c, err = s.GetCase(ctx, in.CaseID)
	case in.ConversationID != "" && !strings.HasPrefix(in.ConversationID, "email:"):
		c, err = s.FindCaseByConversation(ctx, in.ConversationID)
	case len(in.MessageIDs) > 0:
		var cs []*casemgmt.Case
		if cs, err = s.FindCasesByMessageID(ctx, in.MessageIDs); err == nil && len(cs) > 0 {
			c = cs[0]
		}
	}
	if errors.Is(err, casemgmt.ErrNotFound) {
		return nil, nil
	}
	return c, err
}
