package insights_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt/insights"
)

// perDay projects one figure of every day, for compact expectations.
func perDay(r *insights.Report, f func(d insights.Day) int) []int {
	out := make([]int, len(r.Days))
	for i, d := range r.Days {
		out[i] = f(d)
	}
	return out
}

func week() insights.Option { return insights.WithRange(day(1, 0, 0), day(8, 0, 0)) }

func TestBuildFigures(t *testing.T) {
	store := newStory(t)
	h := time.Hour
	tests := []struct {
		name string
		opts []insights.Option
		// get picks the figures the row checks.
		get  func(r *insights.Report) any
		want any
	}{
		{
			name: "days of the week in Paris",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				var ds []string
				for _, d := range r.Days {
					ds = append(ds, d.Date)
				}
				return ds
			},
			want: []string{"2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13"},
		},
		{
			name: "runs by outcome; a person's edits are not runs",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get:  func(r *insights.Report) any { return r.Runs },
			want: insights.RunCounts{Created: 4, Updated: 6, Skipped: 1, Failed: 1},
		},
		{
			name: "runs per day in Paris: C created Tuesday 23:30 UTC counts on Wednesday",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				return [][]int{
					perDay(r, func(d insights.Day) int { return d.Runs.Total() }),
					perDay(r, func(d insights.Day) int { return d.Runs.Created }),
				}
			},
			want: [][]int{{2, 2, 1, 3, 2, 1, 1}, {2, 0, 1, 0, 0, 0, 1}},
		},
		{
			name: "runs per day in UTC: C counts on Tuesday",
			opts: []insights.Option{insights.WithRange(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC))},
			get: func(r *insights.Report) any {
				return perDay(r, func(d insights.Day) int { return d.Runs.Created })
			},
			want: []int{2, 1, 0, 0, 0, 0, 1},
		},
		{
			name: "model calls and cost",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				return []any{r.Usage.Calls, r.Usage.TotalTokens, r.Usage.Cost, perDay(r, func(d insights.Day) int { return d.Usage.Calls })}
			},
			want: []any{5, 4500, 0.0125, []int{2, 1, 1, 0, 0, 0, 1}},
		},
		{
			name: "values: corrected, removed, revised by the agent, kept; E's value from before the period does not count",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get:  func(r *insights.Report) any { return []any{r.Values, r.Values.Precision()} },
			want: []any{insights.ValueCounts{Applied: 8, Kept: 5, Corrected: 1, Rejected: 1, Revised: 1}, 5.0 / 7},
		},
		{
			name: "values per day, on the day the agent wrote them",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				var vs []insights.ValueCounts
				for _, d := range r.Days {
					vs = append(vs, d.Values)
				}
				return vs
			},
			want: []insights.ValueCounts{
				{Applied: 5, Kept: 2, Corrected: 1, Rejected: 1, Revised: 1},
				{Applied: 1, Kept: 1}, {Applied: 1, Kept: 1}, {}, {}, {}, {Applied: 1, Kept: 1},
			},
		},
		{
			name: "values per field, the most written first",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get:  func(r *insights.Report) any { return r.Fields },
			want: []insights.FieldCounts{
				{Field: "category", ValueCounts: insights.ValueCounts{Applied: 2, Kept: 2}, Precision: 1},
				{Field: "product", ValueCounts: insights.ValueCounts{Applied: 2, Kept: 2}, Precision: 1},
				{Field: "serial_number", ValueCounts: insights.ValueCounts{Applied: 2, Kept: 1, Revised: 1}, Precision: 1},
				{Field: "contact", ValueCounts: insights.ValueCounts{Applied: 1, Rejected: 1}},
				{Field: "priority", ValueCounts: insights.ValueCounts{Applied: 1, Corrected: 1}},
			},
		},
		{
			name: "follow-ups: the closing run is not a follow-up",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				return []any{r.FollowUp, perDay(r, func(d insights.Day) int { return d.FollowUps })}
			},
			want: []any{insights.FollowUpFigures{Cases: 2, Sent: 3, ResolvedByAgent: 1, BackWithPerson: 1}, []int{0, 0, 0, 2, 1, 0, 0}},
		},
		{
			name: "closures and time to close",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				c := r.Closing
				var buckets []string
				for _, b := range c.Buckets {
					if b.ByAgent+b.ByPeople > 0 {
						buckets = append(buckets, b.Label)
					}
				}
				return []any{c.Closed, c.ClosedByAgent, c.ClosedByPeople, c.Median, c.P90, buckets,
					perDay(r, func(d insights.Day) int { return d.ClosedByAgent }),
					perDay(r, func(d insights.Day) int { return d.ClosedByPeople })}
			},
			want: []any{2, 1, 1, 54 * h, 116 * h, []string{"1–3 d", "3–7 d"}, []int{0, 0, 0, 0, 0, 1, 0}, []int{0, 0, 1, 0, 0, 0, 0}},
		},
		{
			name: "cases read: those of the period's interaction records",
			opts: []insights.Option{week(), insights.WithLocation(paris)},
			get:  func(r *insights.Report) any { return r.CasesRead },
			want: 5,
		},
		{
			name: "a shorter period: later changes are not known yet",
			opts: []insights.Option{insights.WithRange(day(1, 0, 0), day(1, 10, 0)), insights.WithLocation(paris)},
			get:  func(r *insights.Report) any { return []any{len(r.Days), r.Runs, r.Values, r.CasesRead} },
			want: []any{1, insights.RunCounts{Created: 1}, insights.ValueCounts{Applied: 3, Kept: 3}, 1},
		},
		{
			name: "Monday to Wednesday: no follow-up yet, one closure",
			opts: []insights.Option{insights.WithRange(day(1, 0, 0), day(4, 0, 0)), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				return []any{r.Values, r.FollowUp, r.Closing.Closed, r.CasesRead}
			},
			want: []any{insights.ValueCounts{Applied: 7, Kept: 4, Corrected: 1, Rejected: 1, Revised: 1}, insights.FollowUpFigures{}, 1, 4},
		},
		{
			name: "default range: the 30 days up to the clock, E and F's corrections included",
			opts: []insights.Option{insights.WithClock(func() time.Time { return day(8, 9, 30) }), insights.WithLocation(paris)},
			get: func(r *insights.Report) any {
				return []any{len(r.Days), r.Days[0].Date, r.Until, r.Values}
			},
			want: []any{30, "2026-11-15", day(8, 9, 30), insights.ValueCounts{Applied: 9, Kept: 4, Corrected: 3, Rejected: 1, Revised: 1}},
		},
		{
			name: "days across the change to winter time in Paris: the 25th has 25 hours",
			opts: []insights.Option{insights.WithLocation(paris),
				insights.WithRange(time.Date(2026, 10, 24, 0, 0, 0, 0, paris), time.Date(2026, 10, 27, 0, 0, 0, 0, paris))},
			get: func(r *insights.Report) any {
				var out []string
				for i, d := range r.Days {
					hours := time.Duration(0)
					if i+1 < len(r.Days) {
						hours = r.Days[i+1].Start.Sub(d.Start)
					}
					out = append(out, d.Date+" "+d.Start.Format("15:04")+" "+hours.String())
				}
				return out
			},
			want: []string{"2026-10-24 00:00 24h0m0s", "2026-10-25 00:00 25h0m0s", "2026-10-26 00:00 0s"},
		},
		{
			name: "no drafts panel without a counter",
			opts: []insights.Option{week()},
			get:  func(r *insights.Report) any { return r.DraftsWaiting },
			want: (*int)(nil),
		},
		{
			name: "drafts waiting from the counter",
			opts: []insights.Option{week(), insights.WithDrafts(insights.DraftCountFunc(func(context.Context) (int, error) { return 3, nil }))},
			get: func(r *insights.Report) any {
				if r.DraftsWaiting == nil {
					return "nil"
				}
				return *r.DraftsWaiting
			},
			want: 3,
		},
		{
			name: "a case lister adds cases the interactions do not name",
			opts: []insights.Option{insights.WithRange(day(3, 12, 0), day(4, 0, 0)), insights.WithLocation(paris),
				insights.WithCases(insights.CaseListerFunc(func(_ context.Context, since, until time.Time) ([]string, error) {
					if !since.Equal(day(3, 12, 0)) || !until.Equal(day(4, 0, 0)) {
						return nil, errors.New("the lister was not asked for the report's range")
					}
					return []string{"A"}, nil
				}))},
			get:  func(r *insights.Report) any { return []any{r.CasesRead, r.Closing.ClosedByPeople} },
			want: []any{1, 1},
		},
		{
			name: "without the lister a closure with no agent run in the period is not seen",
			opts: []insights.Option{insights.WithRange(day(3, 12, 0), day(4, 0, 0)), insights.WithLocation(paris)},
			get:  func(r *insights.Report) any { return []any{r.CasesRead, r.Closing.ClosedByPeople} },
			want: []any{0, 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := insights.Build(context.Background(), store, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, tc.get(r)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestBuildRefusesBadOptions(t *testing.T) {
	store := newStory(t)
	boom := errors.New("drafts unavailable")
	tests := []struct {
		name string
		opts []insights.Option
		want error
	}{
		{"range ends before it starts", []insights.Option{insights.WithRange(day(2, 0, 0), day(1, 0, 0))}, insights.ErrInvalid},
		{"empty range", []insights.Option{insights.WithRange(day(2, 0, 0), day(2, 0, 0))}, insights.ErrInvalid},
		{"nil location", []insights.Option{insights.WithLocation(nil)}, insights.ErrInvalid},
		{"nil clock", []insights.Option{insights.WithClock(nil)}, insights.ErrInvalid},
		{"more than a year", []insights.Option{insights.WithRange(day(1, 0, 0), day(400, 0, 0))}, insights.ErrInvalid},
		{"draft counter fails", []insights.Option{week(), insights.WithDrafts(insights.DraftCountFunc(func(context.Context) (int, error) { return 0, boom }))}, boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := insights.Build(context.Background(), store, tc.opts...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Build: %v, %v; want %v", r, err, tc.want)
			}
		})
	}
	if _, err := insights.Build(context.Background(), nil); !errors.Is(err, insights.ErrInvalid) {
		t.Errorf("Build(nil source): %v; want ErrInvalid", err)
	}
}
