package budget_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
	"github.com/caseagent/caseagent/predict/budget/budgettest"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/predicttest"
)

func TestMemoryCounter(t *testing.T) {
	budgettest.RunCounter(t, func(t *testing.T) budget.Counter { return &budget.MemoryCounter{} })
}

// paid is a model whose every call costs 0.5 and 300 tokens.
func paid() predict.Predictor {
	return predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "model",
			Usage: predict.Usage{Calls: 1, PromptTokens: 250, CompletionTokens: 50, TotalTokens: 300, Cost: 0.5}}, nil
	})
}

func TestConformance(t *testing.T) {
	h, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		limits budget.Limits
	}{
		{"within budget", budget.Limits{Period: budget.Daily(nil), Hard: budget.Limit{Cost: 1e9}}},
		{"exhausted, falling back", budget.Limits{Period: budget.Daily(nil), Hard: budget.Limit{Calls: 1}, OnHard: budget.Fallback(h)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			predicttest.Run(t, func(t *testing.T) predict.Predictor {
				b, err := budget.New(h, &budget.MemoryCounter{}, tc.limits)
				if err != nil {
					t.Fatal(err)
				}
				return b
			})
		})
	}
}

func req() *predict.Request {
	return &predict.Request{
		Fields:   []predict.Field{{Name: "title", Type: predict.TypeText}},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "My X200 camera died."}},
	}
}

// A budget of 2 (cost) in calls of 0.5: soft at 1 warns, the fourth call
// is the last, the fifth falls back or is refused.
func TestLimits(t *testing.T) {
	fallback := predicttest.New().Named("offline")
	for _, tc := range []struct {
		name      string
		onHard    budget.OnHard
		wantNames []string
		wantErrs  []bool
		wantState []budget.State
	}{
		{"fallback", budget.Fallback(fallback),
			[]string{"model", "model", "model", "model", "offline", "offline"},
			[]bool{false, false, false, false, false, false},
			[]budget.State{budget.StateOK, budget.StateWarning, budget.StateWarning, budget.StateExhausted, budget.StateExhausted, budget.StateExhausted}},
		{"stop", budget.Stop(),
			[]string{"model", "model", "model", "model", "", ""},
			[]bool{false, false, false, false, true, true},
			[]budget.State{budget.StateOK, budget.StateWarning, budget.StateWarning, budget.StateExhausted, budget.StateExhausted, budget.StateExhausted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			b, err := budget.New(paid(), &budget.MemoryCounter{}, budget.Limits{
				Period: budget.Monthly(nil),
				Soft:   budget.Limit{Cost: 1},
				Hard:   budget.Limit{Cost: 2},
				OnHard: tc.onHard,
			}, budget.WithScope("acme"), budget.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				budget.WithClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var errs []bool
			var states []budget.State
			for range 6 {
				res, err := b.Predict(context.Background(), req())
				name := ""
				if res != nil {
					name = res.Predictor
				}
				names = append(names, name)
				errs = append(errs, err != nil)
				if err != nil {
					var ex *budget.ExhaustedError
					if !errors.Is(err, budget.ErrExhausted) || !errors.As(err, &ex) {
						t.Errorf("error %v is not an *ExhaustedError", err)
					}
					want := "budget: exhausted: hard limit reached for acme/2026-12: cost 2 of 2; calls are refused"
					if err.Error() != want {
						t.Errorf("error:\n%s\nwant:\n%s", err, want)
					}
				}
				st, err := b.Status(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				states = append(states, st.State)
			}
			if diff := cmp.Diff(tc.wantNames, names); diff != "" {
				t.Errorf("who answered (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantErrs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantState, states); diff != "" {
				t.Errorf("states (-want +got):\n%s", diff)
			}
			st, _ := b.Status(context.Background())
			want := budget.Status{Key: "acme/2026-12", Period: "2026-12",
				Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
				Spent: predict.Usage{Calls: 4, PromptTokens: 1000, CompletionTokens: 200, TotalTokens: 1200, Cost: 2},
				Soft:  budget.Limit{Cost: 1}, Hard: budget.Limit{Cost: 2}, State: budget.StateExhausted, OnHard: tc.name,
				Message: "hard limit reached for acme/2026-12: cost 2 of 2; calls " + map[string]string{"stop": "are refused", "fallback": "use the fallback"}[tc.name],
				Hint: map[string]string{
					"stop":     "predictions stop until 2027-01-01T00:00:00Z; raise the hard limit, or configure a fallback predictor",
					"fallback": "predictions use the fallback until 2027-01-01T00:00:00Z; raise the hard limit to use the model again",
				}[tc.name]}
			if diff := cmp.Diff(want, st); diff != "" {
				t.Errorf("final status (-want +got):\n%s", diff)
			}
			// Each state is logged once, when first reached.
			if n := strings.Count(logs.String(), "soft limit reached"); n != 1 {
				t.Errorf("soft limit logged %d times:\n%s", n, logs.String())
			}
			if n := strings.Count(logs.String(), "hard limit reached"); n != 1 {
				t.Errorf("hard limit logged %d times:\n%s", n, logs.String())
			}
		})
	}
}

// A new period starts from zero.
func TestPeriodRollsOver(t *testing.T) {
	now := time.Date(2026, 12, 2, 23, 30, 0, 0, time.UTC)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	b, err := budget.New(paid(), &budget.MemoryCounter{}, budget.Limits{Period: budget.Daily(berlin), Hard: budget.Limit{Calls: 1}},
		budget.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	// 23:30 UTC is 00:30 on the 3rd in Berlin.
	if _, err := b.Predict(context.Background(), req()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Predict(context.Background(), req()); !errors.Is(err, budget.ErrExhausted) {
		t.Fatalf("second call of the day: %v, want ErrExhausted", err)
	}
	st, _ := b.Status(context.Background())
	if st.Key != "default/2026-12-03" {
		t.Errorf("key %q, want default/2026-12-03", st.Key)
	}
	now = now.Add(24 * time.Hour)
	if _, err := b.Predict(context.Background(), req()); err != nil {
		t.Errorf("first call of the next day: %v", err)
	}
}

func TestPeriodBounds(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	at := time.Date(2026, 3, 8, 12, 0, 0, 0, ny) // the day clocks go forward
	for _, tc := range []struct {
		p     budget.Period
		hours float64
		label string
	}{
		{budget.Daily(ny), 23, "2026-03-08"},
		{budget.Monthly(ny), 31*24 - 1, "2026-03"},
		{budget.Daily(nil), 24, "2026-03-08"},
	} {
		start, end, label := tc.p.Bounds(at)
		if got := end.Sub(start).Hours(); got != tc.hours || label != tc.label || at.Before(start) || !at.Before(end) {
			t.Errorf("%v: [%v, %v) %q (%v hours), want %q of %v hours", tc.p.Unit, start, end, label, got, tc.label, tc.hours)
		}
	}
}

// failing is a counter whose store is down.
type failing struct{ budget.MemoryCounter }

var errDown = errors.New("store down")

func (*failing) ReserveUsage(context.Context, string, predict.Usage, budget.Limit) (budget.Count, bool, error) {
	return budget.Count{}, false, errDown
}

func TestCounterDown(t *testing.T) {
	b, err := budget.New(paid(), &failing{}, budget.Limits{Period: budget.Daily(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Predict(context.Background(), req()); !errors.Is(err, budget.ErrCounter) || !errors.Is(err, errDown) {
		t.Errorf("stopping budget, counter down: %v, want ErrCounter wrapping the store's error", err)
	}
	b, err = budget.New(paid(), &failing{}, budget.Limits{Period: budget.Daily(nil), OnHard: budget.Fallback(predicttest.New().Named("offline"))})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Predict(context.Background(), req())
	if err != nil || res.Predictor != "offline" {
		t.Errorf("falling-back budget, counter down: %v, %v; want the fallback's answer", res, err)
	}
}

// The reservation is the predictor's estimate; what is recorded is what
// the call used, and a failed call records nothing.
func TestEstimateAndSpent(t *testing.T) {
	c := &budget.MemoryCounter{}
	var during budget.Count
	fail := false
	p := predict.Func(func(ctx context.Context, _ *predict.Request) (*predict.Result, error) {
		during, _ = c.GetUsage(ctx, "default/2026-12-02")
		if fail {
			return nil, errors.New("model down")
		}
		return &predict.Result{Usage: predict.Usage{Calls: 1, PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110, Cost: 0.1}}, nil
	})
	b, err := budget.New(p, c, budget.Limits{Period: budget.Daily(nil)},
		budget.WithClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }),
		budget.WithEstimator(func(*predict.Request) predict.Usage {
			return predict.Usage{PromptTokens: 120, CompletionTokens: 1024, Cost: 0.9}
		}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Predict(context.Background(), req()); err != nil {
		t.Fatal(err)
	}
	wantDuring := budget.Count{InFlight: predict.Usage{Calls: 1, PromptTokens: 120, CompletionTokens: 1024, TotalTokens: 1144, Cost: 0.9}}
	if diff := cmp.Diff(wantDuring, during); diff != "" {
		t.Errorf("count during the call (-want +got):\n%s", diff)
	}
	fail = true
	if _, err := b.Predict(context.Background(), req()); err == nil {
		t.Fatal("a failing model: no error")
	}
	got, _ := c.GetUsage(context.Background(), "default/2026-12-02")
	want := budget.Count{Spent: predict.Usage{Calls: 1, PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110, Cost: 0.1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("count after (-want +got):\n%s", diff)
	}
}

func TestNewErrors(t *testing.T) {
	c := &budget.MemoryCounter{}
	for _, tc := range []struct {
		name   string
		pred   predict.Predictor
		c      budget.Counter
		limits budget.Limits
		opts   []budget.Option
		want   error
	}{
		{"nil predictor", nil, c, budget.Limits{Period: budget.Daily(nil)}, nil, predict.ErrNoPredictor},
		{"nil counter", paid(), nil, budget.Limits{Period: budget.Daily(nil)}, nil, budget.ErrBadLimits},
		{"no period", paid(), c, budget.Limits{}, nil, budget.ErrBadLimits},
		{"negative", paid(), c, budget.Limits{Period: budget.Daily(nil), Hard: budget.Limit{Cost: -1}}, nil, budget.ErrBadLimits},
		{"scope with slash", paid(), c, budget.Limits{Period: budget.Daily(nil)}, []budget.Option{budget.WithScope("a/b")}, budget.ErrBadLimits},
	} {
		if _, err := budget.New(tc.pred, tc.c, tc.limits, tc.opts...); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// A call that only the reservation of a call in flight keeps from the
// limit waits for it; with no wait allowed it is refused at once.
func TestWaitsForCallsInFlight(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait time.Duration
		want error
	}{
		{"waits", time.Second, nil},
		{"no wait", 0, budget.ErrExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			started := make(chan struct{}, 2)
			p := predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
				started <- struct{}{}
				if req.Messages[0].ID == "slow" {
					<-release
				}
				return &predict.Result{Usage: predict.Usage{Calls: 1, Cost: 0.1}}, nil
			})
			b, err := budget.New(p, &budget.MemoryCounter{}, budget.Limits{Period: budget.Daily(nil), Hard: budget.Limit{Cost: 1}},
				budget.WithMaxWait(tc.wait),
				budget.WithEstimator(func(*predict.Request) predict.Usage { return predict.Usage{Cost: 1} }))
			if err != nil {
				t.Fatal(err)
			}
			slow := req()
			slow.Messages[0].ID = "slow"
			done := make(chan error)
			go func() { _, err := b.Predict(context.Background(), slow); done <- err }()
			<-started
			// 1 reserved of 1: the next reservation must wait.
			go func() { time.Sleep(30 * time.Millisecond); close(release) }()
			_, err = b.Predict(context.Background(), req())
			if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
				t.Errorf("second call: %v, want %v", err, tc.want)
			}
			if err := <-done; err != nil {
				t.Errorf("first call: %v", err)
			}
		})
	}
}
