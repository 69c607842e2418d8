package learn_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/learn"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var history = simulation{person: 0.2, correct: 0.5, accept: 0.2}

// modelBytes returns the saved form of every model, by field.
func modelBytes(t *testing.T, res *learn.Result) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for name, m := range res.Models {
		var b bytes.Buffer
		if _, err := m.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		out[name] = b.Bytes()
	}
	return out
}

// Training reads the same history alike from every store, trains the
// same models from it, and evaluates them on the newest cases only.
func TestTrainFromStores(t *testing.T) {
	ctx := context.Background()
	stories := makeStories(300, 1)
	stores := []struct {
		name string
		open func(t *testing.T) casemgmt.Store
	}{
		{"memstore", func(*testing.T) casemgmt.Store { return memstore.New() }},
		{"sqlite", func(t *testing.T) casemgmt.Store {
			s, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "cases.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"postgres", func(t *testing.T) casemgmt.Store {
			s, err := sqlstore.OpenPostgres(ctx, pgtest.DSN(t)) // skips, saying how to enable it, without a server
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
	var want map[string][]byte
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			st := s.open(t)
			fill(t, st, stories, history, 2)
			src, ok := st.(learn.Source)
			if !ok {
				t.Fatalf("%T is not a learn.Source", st)
			}
			res, err := learn.Train(ctx, src, testSchema(t))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Train) + len(res.Test); got != len(stories) {
				t.Errorf("%d cases read, want %d", got, len(stories))
			}
			if len(res.Test) != 60 {
				t.Errorf("%d test cases, want the newest 20%% (60)", len(res.Test))
			}
			for _, c := range res.Train {
				if c.CreatedAt.After(res.Cutoff) {
					t.Errorf("training case %s created %v, after the cutoff %v", c.ID, c.CreatedAt, res.Cutoff)
				}
			}
			for _, c := range res.Test {
				if c.CreatedAt.Before(res.Cutoff) {
					t.Errorf("test case %s created %v, before the cutoff %v", c.ID, c.CreatedAt, res.Cutoff)
				}
				for f, l := range c.Labels {
					if l.Kind == learn.Agent {
						t.Errorf("test case %s evaluates %s on the agent's own value", c.ID, f)
					}
				}
			}
			for _, f := range []string{"category", "priority"} {
				fr, ok := res.Report.Field(f)
				if !ok {
					t.Fatalf("no report for %s (skipped: %v)", f, res.Skipped)
				}
				t.Logf("%s: accuracy %.3f, macro-F1 %.3f, ECE %.3f on %d newer cases", f, fr.Accuracy, fr.MacroF1, fr.CalibrationError, fr.Records)
				if fr.Accuracy < 0.8 {
					t.Errorf("%s: accuracy %.3f on newer cases, want at least 0.8", f, fr.Accuracy)
				}
			}
			if _, ok := res.Models["description"]; ok {
				t.Errorf("a model was trained for the text field")
			}
			got := modelBytes(t, res)
			if want == nil {
				want = got
			} else if !cmp.Equal(want, got) {
				t.Errorf("%s trains other models than memstore from the same history", s.name)
			}
		})
	}
}

func TestTrainDeterministic(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	fill(t, st, makeStories(200, 3), history, 4)
	a, err := learn.Train(ctx, st, testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := learn.Train(ctx, st, testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(modelBytes(t, a), modelBytes(t, b)) {
		t.Errorf("two trainings on the same store give different models")
	}
	if diff := cmp.Diff(learn.ScoreOf(a.Report), learn.ScoreOf(b.Report)); diff != "" {
		t.Errorf("two trainings evaluate differently (-first +second):\n%s", diff)
	}
}

// Labels are read from who set each value.
func TestLabelKinds(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	stories := makeStories(200, 5)
	fill(t, st, stories, simulation{person: 0.3, correct: 1, accept: 0.5}, 6)
	cases, err := learn.Collect(ctx, st, []predictField{testField(t, "category")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(stories) {
		t.Fatalf("%d cases collected, want %d", len(cases), len(stories))
	}
	kinds := map[learn.Kind]int{}
	for i, c := range cases {
		l := c.Labels["category"]
		kinds[l.Kind]++
		// Every wrong agent value was corrected: what is left is right.
		if l.Value != stories[i].category {
			t.Errorf("case %d: label %q (%s), want %q", i, l.Value, l.Kind, stories[i].category)
		}
	}
	for _, k := range []learn.Kind{learn.Person, learn.Accepted, learn.Agent} {
		if kinds[k] == 0 {
			t.Errorf("no %s labels among %v", k, kinds)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		opts []learn.Option
		want error
	}{
		{"negative weight", []learn.Option{learn.WithWeights(learn.Weights{Person: -1})}, learn.ErrBadOption},
		{"test fraction 1", []learn.Option{learn.WithTestFraction(1)}, learn.ErrBadOption},
		{"unknown field", []learn.Option{learn.WithFields("nope")}, learn.ErrBadOption},
		{"text field", []learn.Option{learn.WithFields("description")}, learn.ErrBadOption},
		{"no history", nil, learn.ErrTooFew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := learn.Train(ctx, memstore.New(), testSchema(t), tt.opts...); !errors.Is(err, tt.want) {
				t.Errorf("Train: %v, want %v", err, tt.want)
			}
		})
	}
}
