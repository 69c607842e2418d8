package budgettest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

var approx = cmpopts.EquateApprox(0, 1e-9)

func usage(calls, prompt, completion int, cost float64) predict.Usage {
	return predict.Usage{Calls: calls, PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion, Cost: cost}
}

// RunCounter runs the suite on counters newCounter returns, a new, empty
// one for each test.
func RunCounter(t *testing.T, newCounter func(t *testing.T) budget.Counter) {
	t.Run("UnknownKeyIsZero", func(t *testing.T) {
		c := newCounter(t)
		got, err := c.GetUsage(context.Background(), "acme/2026-12")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{}, got); diff != "" {
			t.Errorf("count of an unknown key (-want +got):\n%s", diff)
		}
	})
	t.Run("ReserveThenCommit", func(t *testing.T) {
		ctx := context.Background()
		c := newCounter(t)
		est := usage(1, 1200, 1024, 0.0042)
		got, ok, err := c.ReserveUsage(ctx, "acme/2026-12", est, budget.Limit{Calls: 10})
		if err != nil || !ok {
			t.Fatalf("ReserveUsage = %v, %v; want a reservation", ok, err)
		}
		if diff := cmp.Diff(budget.Count{InFlight: est}, got, approx); diff != "" {
			t.Errorf("count after reserving (-want +got):\n%s", diff)
		}
		spent := usage(1, 1100, 80, 0.0013)
		if err := c.CommitUsage(ctx, "acme/2026-12", est, spent); err != nil {
			t.Fatal(err)
		}
		got, err = c.GetUsage(ctx, "acme/2026-12")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{Spent: spent}, got, approx); diff != "" {
			t.Errorf("count after committing (-want +got):\n%s", diff)
		}
	})
	t.Run("RefusesAtEachCap", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			spent predict.Usage
			hard  budget.Limit
			want  bool
		}{
			{"below every cap", usage(9, 500, 400, 9.5), budget.Limit{Calls: 10, Tokens: 1000, Cost: 10}, true},
			{"calls reached", usage(10, 0, 0, 0), budget.Limit{Calls: 10, Tokens: 1000, Cost: 10}, false},
			{"tokens reached", usage(1, 600, 400, 0), budget.Limit{Calls: 10, Tokens: 1000, Cost: 10}, false},
			{"cost reached", usage(1, 0, 0, 10), budget.Limit{Calls: 10, Tokens: 1000, Cost: 10}, false},
			{"cost passed", usage(1, 0, 0, 10.25), budget.Limit{Cost: 10}, false},
			{"no caps", usage(1e6, 1e6, 1e6, 1e6), budget.Limit{}, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				c := newCounter(t)
				if err := c.CommitUsage(ctx, "k", predict.Usage{}, tc.spent); err != nil {
					t.Fatal(err)
				}
				est := usage(1, 10, 10, 0.01)
				got, ok, err := c.ReserveUsage(ctx, "k", est, tc.hard)
				if err != nil {
					t.Fatal(err)
				}
				if ok != tc.want {
					t.Errorf("reserved = %v, want %v", ok, tc.want)
				}
				want := budget.Count{Spent: tc.spent}
				if tc.want {
					want.InFlight = est
				}
				if diff := cmp.Diff(want, got, approx); diff != "" {
					t.Errorf("returned count (-want +got):\n%s", diff)
				}
				stored, err := c.GetUsage(ctx, "k")
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, stored, approx); diff != "" {
					t.Errorf("stored count (-want +got):\n%s", diff)
				}
			})
		}
	})
	t.Run("InFlightCounts", func(t *testing.T) {
		// Reservations not yet committed count against the cap.
		ctx := context.Background()
		c := newCounter(t)
		hard := budget.Limit{Cost: 1}
		for i, want := range []bool{true, true, false} {
			_, ok, err := c.ReserveUsage(ctx, "k", usage(1, 0, 0, 0.5), hard)
			if err != nil {
				t.Fatal(err)
			}
			if ok != want {
				t.Errorf("reservation %d: %v, want %v", i+1, ok, want)
			}
		}
		// A call that cost less than reserved frees room.
		if err := c.CommitUsage(ctx, "k", usage(1, 0, 0, 0.5), usage(1, 0, 0, 0.25)); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := c.ReserveUsage(ctx, "k", usage(1, 0, 0, 0.5), hard); err != nil || !ok {
			t.Errorf("after a cheaper call: reserved = %v, %v; want true", ok, err)
		}
	})
	t.Run("KeysAreApart", func(t *testing.T) {
		ctx := context.Background()
		c := newCounter(t)
		if err := c.CommitUsage(ctx, "acme/2026-11", predict.Usage{}, usage(3, 1, 1, 3)); err != nil {
			t.Fatal(err)
		}
		if err := c.CommitUsage(ctx, "globex/2026-12", predict.Usage{}, usage(5, 1, 1, 5)); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetUsage(ctx, "acme/2026-12")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{}, got); diff != "" {
			t.Errorf("a key saw another's usage (-want +got):\n%s", diff)
		}
		got, err = c.GetUsage(ctx, "acme/2026-11")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{Spent: usage(3, 1, 1, 3)}, got, approx); diff != "" {
			t.Errorf("acme/2026-11 (-want +got):\n%s", diff)
		}
	})
	t.Run("InFlightNeverNegative", func(t *testing.T) {
		ctx := context.Background()
		c := newCounter(t)
		if err := c.CommitUsage(ctx, "k", usage(2, 100, 100, 2), usage(1, 10, 10, 0.5)); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetUsage(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{Spent: usage(1, 10, 10, 0.5)}, got, approx); diff != "" {
			t.Errorf("count (-want +got):\n%s", diff)
		}
	})
	t.Run("DoneContext", func(t *testing.T) {
		c := newCounter(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, _, err := c.ReserveUsage(ctx, "k", usage(1, 0, 0, 0), budget.Limit{}); !errors.Is(err, context.Canceled) {
			t.Errorf("ReserveUsage with a done context: %v, want context.Canceled", err)
		}
		if err := c.CommitUsage(ctx, "k", predict.Usage{}, usage(1, 0, 0, 0)); !errors.Is(err, context.Canceled) {
			t.Errorf("CommitUsage with a done context: %v, want context.Canceled", err)
		}
		got, err := c.GetUsage(context.Background(), "k")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{}, got); diff != "" {
			t.Errorf("a done context changed the count (-want +got):\n%s", diff)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		RunShared(t, func(t *testing.T) []budget.Counter { return []budget.Counter{newCounter(t)} })
	})
}

// RunShared proves that counters on one store share their counts
// atomically. open returns, for each test, counters on one new, empty
// store, each with its own connections, as several processes would have;
// one counter is fine for a store that lives in one process.
func RunShared(t *testing.T, open func(t *testing.T) []budget.Counter) {
	t.Run("Reservations", func(t *testing.T) {
		// 50 concurrent reservations against a cap of 10 calls: exactly
		// 10 get through.
		cs := open(t)
		var admitted atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for i := range 50 {
			c := cs[i%len(cs)]
			wg.Go(func() {
				_, ok, err := c.ReserveUsage(context.Background(), "k", usage(1, 100, 0, 0.01), budget.Limit{Calls: 10})
				if err != nil {
					errs <- err
					return
				}
				if ok {
					admitted.Add(1)
					if err := c.CommitUsage(context.Background(), "k", usage(1, 100, 0, 0.01), usage(1, 90, 10, 0.01)); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := admitted.Load(); n != 10 {
			t.Errorf("%d reservations admitted against a cap of 10 calls", n)
		}
		got, err := cs[0].GetUsage(context.Background(), "k")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(budget.Count{Spent: usage(10, 900, 100, 0.1)}, got, approx); diff != "" {
			t.Errorf("count after the race (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct {
		name   string
		limits budget.Limits
	}{
		{"BudgetCalls", budget.Limits{Period: budget.Monthly(nil), Hard: budget.Limit{Calls: 10}}},
		{"BudgetCost", budget.Limits{Period: budget.Monthly(nil), Hard: budget.Limit{Cost: 10}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// 50 concurrent predictions, each a call that costs 1,
			// against a budget of 10: at most 11 calls are made.
			cs := open(t)
			p := &slowPredictor{}
			var budgets []*budget.Budget
			for _, c := range cs {
				b, err := budget.New(p, c, tc.limits, budget.WithScope("acme"),
					budget.WithClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }))
				if err != nil {
					t.Fatal(err)
				}
				budgets = append(budgets, b)
			}
			var refused atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 50)
			for i := range 50 {
				b := budgets[i%len(budgets)]
				wg.Go(func() {
					_, err := b.Predict(context.Background(), request())
					switch {
					case errors.Is(err, budget.ErrExhausted):
						refused.Add(1)
					case err != nil:
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			made := p.calls.Load()
			t.Logf("%d calls made, %d refused, over %d counters", made, refused.Load(), len(cs))
			if made < 10 || made > 11 {
				t.Errorf("%d calls made against a budget of 10 (want 10, or 11 at most)", made)
			}
			if made+refused.Load() != 50 {
				t.Errorf("%d calls made and %d refused, want 50 in all", made, refused.Load())
			}
			st, err := budgets[0].Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.State != budget.StateExhausted || st.Spent.Calls != int(made) || st.InFlight != (predict.Usage{}) {
				t.Errorf("status after the race: %+v; want exhausted with %d calls spent, none in flight", st, made)
			}
		})
	}
}

func request() *predict.Request {
	return &predict.Request{
		Fields:   []predict.Field{{Name: "title", Type: predict.TypeText}},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "My X200 camera died."}},
	}
}

// slowPredictor is a model whose every call takes a while and costs 1; it
// says so in advance.
type slowPredictor struct{ calls atomic.Int64 }

func (p *slowPredictor) Predict(ctx context.Context, _ *predict.Request) (*predict.Result, error) {
	n := p.calls.Add(1)
	time.Sleep(2 * time.Millisecond)
	return &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: fmt.Sprintf("slow#%d", n),
		Usage: usage(1, 100, 20, 1)}, ctx.Err()
}

func (p *slowPredictor) EstimateUsage(*predict.Request) predict.Usage { return usage(1, 100, 50, 1) }
