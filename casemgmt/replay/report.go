package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteText writes the report for people: a line per scenario, the
// checks that failed, the per-field tally, and a last line
// "N passed, N failed".
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, s := range r.Scenarios {
		mark := "PASS"
		if !s.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s\n", mark, s.ID)
		if s.Error != "" {
			fmt.Fprintf(&b, "    error: %s\n", s.Error)
		}
		for _, u := range s.Unsupported {
			fmt.Fprintf(&b, "    unsupported: %s\n", u)
		}
		for _, e := range s.Expects {
			for _, c := range e.Checks {
				if !c.OK {
					fmt.Fprintf(&b, "    step %d %s: want %s, got %s\n", e.Step, c.What, c.Want, c.Got)
				}
			}
		}
	}
	names := make([]string, 0, len(r.Fields))
	for f := range r.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	if len(names) > 0 {
		b.WriteString("\nfield                  met  missed\n")
		for _, f := range names {
			t := r.Fields[f]
			fmt.Fprintf(&b, "%-20s %5d %7d\n", f, t.Met, t.Missed)
		}
	}
	fmt.Fprintf(&b, "\n%d passed, %d failed\n", r.Passed, r.Failed)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
