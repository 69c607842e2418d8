package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/caseagent/caseagent/predict/eval"
)

// WriteText writes the report for people: a line per scenario with its
// field tally, the checks that failed (field checks marked missed or
// wrong), the per-field tally with the precision of written values, the
// pass rate next to the overall precision, and a last line
// "N passed, N failed".
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, s := range r.Scenarios {
		mark := "PASS"
		if !s.Passed {
			mark = "FAIL"
		}
		var t Tally
		for _, ft := range s.Fields {
			t.add(ft)
		}
		fmt.Fprintf(&b, "%s %s", mark, s.ID)
		if t.Met+t.Missed+t.Wrong > 0 {
			fmt.Fprintf(&b, "  (met %d, missed %d, wrong %d)", t.Met, t.Missed, t.Wrong)
		}
		b.WriteString("\n")
		if s.Error != "" {
			fmt.Fprintf(&b, "    error: %s\n", s.Error)
		}
		for _, u := range s.Unsupported {
			fmt.Fprintf(&b, "    unsupported: %s\n", u)
		}
		for _, e := range s.Expects {
			for _, c := range e.Checks {
				if c.OK {
					continue
				}
				kind := ""
				if c.Outcome != "" {
					kind = " [" + c.Outcome + "]"
				}
				fmt.Fprintf(&b, "    step %d %s%s: want %s, got %s\n", e.Step, c.What, kind, c.Want, c.Got)
			}
		}
	}
	r.writeSummary(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummary writes only the totals of WriteText: the per-field tally,
// the pass rate and precision, and "N passed, N failed", naming no
// scenario. It is how a kept-aside set is reported, so that nobody tunes
// on its single stories.
func (r *Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	r.writeSummary(&b)
	_, err := io.WriteString(w, strings.TrimPrefix(b.String(), "\n"))
	return err
}

func (r *Report) writeSummary(b *strings.Builder) {
	names := make([]string, 0, len(r.Fields))
	for f := range r.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	if len(names) > 0 {
		b.WriteString("\nfield                  met  missed  wrong  precision\n")
		for _, f := range names {
			t := r.Fields[f]
			fmt.Fprintf(b, "%-20s %5d %7d %6d %9.3f\n", f, t.Met, t.Missed, t.Wrong, t.Precision())
		}
		t := r.Total
		fmt.Fprintf(b, "%-20s %5d %7d %6d %9.3f\n", "all fields", t.Met, t.Missed, t.Wrong, t.Precision())
	}
	writeAdvice(b, names, r.Fields)
	fmt.Fprintf(b, "\npass rate %.1f%%, precision of written values %.1f%% (%d right of %d written)\n",
		100*r.PassRate, 100*r.Precision, r.Total.Met, r.Total.Met+r.Total.Wrong)
	fmt.Fprintf(b, "\n%d passed, %d failed\n", r.Passed, r.Failed)
}

// adviceTarget is the precision of written values the summary gives
// each field's lowest threshold for.
const adviceTarget = 0.99

// writeAdvice writes, per field the agent predicted, the lowest
// min_confidence that would have kept its written values right
// adviceTarget of the time, and what it would have written.
func writeAdvice(b *strings.Builder, names []string, fields map[string]*Tally) {
	head := false
	for _, f := range names {
		t := fields[f]
		if len(t.conf) == 0 {
			continue
		}
		if !head {
			fmt.Fprintf(b, "\nlowest min_confidence keeping predicted values %.0f%% right\n", 100*adviceTarget)
			head = true
		}
		if p, ok := eval.LowestThreshold(t.Thresholds, adviceTarget); ok {
			fmt.Fprintf(b, "%-20s %.2f  (precision %.3f, %d of %d predicted values written)\n", f, p.Threshold, p.Precision, p.Written, len(t.conf))
		} else {
			fmt.Fprintf(b, "%-20s none\n", f)
		}
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
