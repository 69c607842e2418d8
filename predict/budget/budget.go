package budget

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/caseagent/caseagent/predict"
)

// Errors of the package.
var (
	// ErrExhausted is wrapped by the error a Budget that stops returns
	// when the period's hard limit is reached (see *ExhaustedError).
	ErrExhausted = errors.New("budget: exhausted")
	// ErrBadLimits reports limits New cannot use.
	ErrBadLimits = errors.New("budget: bad limits")
	// ErrCounter wraps a failure of the Counter.
	ErrCounter = errors.New("budget: usage counter failed")
)

// ExhaustedError is the error of a call refused because the period's hard
// limit was reached and the budget stops rather than falls back. It
// matches ErrExhausted with errors.Is.
type ExhaustedError struct {
	Status Status
}

func (e *ExhaustedError) Error() string {
	return "budget: exhausted: " + e.Status.Message
}

// Unwrap returns ErrExhausted.
func (e *ExhaustedError) Unwrap() error { return ErrExhausted }

// OnHard says what a Budget does once the hard limit is reached. The zero
// value is Stop. It is a value, safe for concurrent use.
type OnHard struct {
	fallback predict.Predictor
}

// Stop refuses calls over the hard limit with an *ExhaustedError.
func Stop() OnHard { return OnHard{} }

// Fallback answers calls over the hard limit with p, typically the
// offline heuristic predictor. p's usage is not counted: give a fallback
// that costs money a Budget of its own.
func Fallback(p predict.Predictor) OnHard { return OnHard{fallback: p} }

// String returns "stop" or "fallback".
func (o OnHard) String() string {
	if o.fallback != nil {
		return "fallback"
	}
	return "stop"
}

// Limits is a budget: the period usage is counted over, a soft limit that
// warns and a hard limit that stops spending. It is a value, safe for
// concurrent use.
type Limits struct {
	Period Period
	// Soft is the usage past which the budget warns: Status says
	// StateWarning and the logger says so once per period and process.
	Soft Limit
	// Hard is the usage past which no call is made: a call starts only
	// while the period's usage (spent and in flight) is below every cap,
	// so the call that crosses a cap is the last one.
	Hard Limit
	// OnHard is what happens to calls once Hard is reached.
	OnHard OnHard
}

// State is where a period's usage stands against the limits.
type State int

// The states.
const (
	// StateOK: below the soft limit.
	StateOK State = iota
	// StateWarning: the soft limit is reached, the hard one is not.
	StateWarning
	// StateExhausted: the hard limit is reached; calls fall back or
	// stop.
	StateExhausted
)

// String returns "ok", "warning" or "exhausted".
func (s State) String() string {
	switch s {
	case StateOK:
		return "ok"
	case StateWarning:
		return "warning"
	case StateExhausted:
		return "exhausted"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is a budget's standing in the current period, for a host's
// health panel and reports. It is a value.
type Status struct {
	// Key is the counter key: the scope and the period's label.
	Key string `json:"key"`
	// Period is the period's label, such as "2026-12" or "2026-12-02".
	Period string    `json:"period"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Spent is what finished calls used; InFlight what running calls
	// reserved.
	Spent    predict.Usage `json:"spent"`
	InFlight predict.Usage `json:"in_flight"`
	Soft     Limit         `json:"soft"`
	Hard     Limit         `json:"hard"`
	State    State         `json:"state"`
	// OnHard is "fallback" or "stop".
	OnHard string `json:"on_hard"`
	// Message says it in a sentence, such as "cost 8.1 of 8 (soft
	// limit) for acme/2026-12; hard limit cost 10; then fallback".
	Message string `json:"message"`
	// Hint says what to do about a warning or an exhausted budget; empty
	// when the state is ok.
	Hint string `json:"hint,omitempty"`
}

// Estimator is implemented by predictors that can tell, before a call,
// about what it will use at most (llm.Predictor does: its prompt counted
// by its tokenizer plus the answer's token cap, priced). A Budget reserves
// the estimate while the call runs, so that concurrent calls see each
// other's likely spending.
type Estimator interface {
	EstimateUsage(req *predict.Request) predict.Usage
}

type config struct {
	scope     string
	maxWait   time.Duration
	now       func() time.Time
	logger    *slog.Logger
	estimator func(*predict.Request) predict.Usage
}

// Option configures a Budget; options are applied once, by New.
type Option func(*config) error

// WithScope names what the budget is for, such as a tenant id; it is the
// first part of the counter keys ("acme/2026-12"), so that budgets with
// different scopes share a store without sharing usage. Default "default".
func WithScope(scope string) Option {
	return func(c *config) error {
		if scope == "" || strings.ContainsAny(scope, "/\x00") {
			return fmt.Errorf("%w: scope %q must be non-empty, without '/'", ErrBadLimits, scope)
		}
		c.scope = scope
		return nil
	}
}

// WithClock sets the clock that says which period a call falls in
// (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrBadLimits)
		}
		c.now = now
		return nil
	}
}

// DefaultMaxWait is how long a call waits, by default, for calls in
// flight to finish when only their reservations stand in its way.
const DefaultMaxWait = 10 * time.Second

// WithMaxWait sets how long a call waits for calls in flight when the
// period's spent usage is below the hard limit but spent plus reserved is
// not (default DefaultMaxWait): finished calls usually cost less than
// they reserved and make room. Zero refuses at once.
func WithMaxWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("%w: negative wait", ErrBadLimits)
		}
		c.maxWait = d
		return nil
	}
}

// WithLogger sets the logger (default: discard). The budget logs a
// warning when a period first reaches the soft and the hard limit, and
// errors of the counter.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrBadLimits)
		}
		c.logger = l
		return nil
	}
}

// WithEstimator sets how the usage of a call is estimated before it is
// made. The default is the predictor's EstimateUsage when it is an
// Estimator, and otherwise one call with the largest tokens and cost a
// single call has used so far in this process.
func WithEstimator(f func(req *predict.Request) predict.Usage) Option {
	return func(c *config) error {
		if f == nil {
			return fmt.Errorf("%w: nil estimator", ErrBadLimits)
		}
		c.estimator = f
		return nil
	}
}

// Budget is a predict.Predictor that counts the usage of the predictor it
// wraps in a Counter and keeps it within Limits. It is safe for
// concurrent use, and any number of Budgets in any number of processes
// that share a Counter and a scope share one budget.
type Budget struct {
	pred    predict.Predictor
	counter Counter
	limits  Limits
	cfg     config

	mu      sync.Mutex
	largest predict.Usage   // the largest single call seen, for estimates
	warned  map[string]bool // period key + state already logged
}

var _ predict.Predictor = (*Budget)(nil)

// New returns a Budget on pred that counts in counter within limits.
func New(pred predict.Predictor, counter Counter, limits Limits, opts ...Option) (*Budget, error) {
	if pred == nil {
		return nil, predict.ErrNoPredictor
	}
	if counter == nil {
		return nil, fmt.Errorf("%w: nil counter", ErrBadLimits)
	}
	if !limits.Period.valid() {
		return nil, fmt.Errorf("%w: period unit must be Day or Month, not %v", ErrBadLimits, limits.Period.Unit)
	}
	if !limits.Soft.valid() || !limits.Hard.valid() {
		return nil, fmt.Errorf("%w: negative limit", ErrBadLimits)
	}
	cfg := config{scope: "default", maxWait: DefaultMaxWait, now: time.Now, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	b := &Budget{pred: pred, counter: counter, limits: limits, cfg: cfg, warned: map[string]bool{}}
	if cfg.estimator == nil {
		if e, ok := pred.(Estimator); ok {
			b.cfg.estimator = e.EstimateUsage
		} else {
			b.cfg.estimator = b.largestCall
		}
	}
	return b, nil
}

// reserve reserves est under key, waiting (within maxWait and ctx) while
// only reservations of calls in flight stand in the way.
func (b *Budget) reserve(ctx context.Context, key string, est predict.Usage) (Count, bool, error) {
	var deadline time.Time
	pause := 5 * time.Millisecond
	for {
		count, ok, err := b.counter.ReserveUsage(ctx, key, est, b.limits.Hard)
		if err != nil {
			return count, false, fmt.Errorf("%w: reserving %s: %w", ErrCounter, key, err)
		}
		if ok || len(b.limits.Hard.Reached(count.Spent)) > 0 || count.InFlight.Calls == 0 || b.cfg.maxWait == 0 {
			return count, ok, nil
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(b.cfg.maxWait)
		}
		if time.Now().Add(pause).After(deadline) {
			return count, false, nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return count, false, fmt.Errorf("budget: waiting for calls in flight under %s: %w", key, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

func (b *Budget) largestCall(*predict.Request) predict.Usage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.largest
}

func (b *Budget) key(now time.Time) (key, label string, start, end time.Time) {
	start, end, label = b.limits.Period.Bounds(now)
	return b.cfg.scope + "/" + label, label, start, end
}

// Predict implements predict.Predictor. It reserves the call's estimated
// usage in the counter, and when the period's usage is below the hard
// limit calls the wrapped predictor and records what it used; otherwise
// it answers with the fallback, or returns an *ExhaustedError. While only
// the reservations of calls in flight keep it from the limit, it waits
// for them (WithMaxWait). When the counter fails, a budget with a
// fallback uses it and one that stops returns an error wrapping
// ErrCounter: spending is never left uncounted.
func (b *Budget) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	key, label, start, end := b.key(b.cfg.now())
	est := predict.Usage{Calls: 1}
	if req != nil {
		est = b.cfg.estimator(req)
		est.Calls = max(est.Calls, 1)
		est.TotalTokens = max(est.TotalTokens, est.PromptTokens+est.CompletionTokens)
	}
	count, ok, err := b.reserve(ctx, key, est)
	if err != nil {
		if errors.Is(err, ErrCounter) && b.limits.OnHard.fallback != nil && ctx.Err() == nil {
			b.cfg.logger.ErrorContext(ctx, "budget: counter failed, using the fallback", "key", key, "err", err)
			return b.limits.OnHard.fallback.Predict(ctx, req)
		}
		return nil, err
	}
	st := b.status(key, label, start, end, count)
	b.logState(ctx, st)
	if !ok {
		if b.limits.OnHard.fallback != nil {
			return b.limits.OnHard.fallback.Predict(ctx, req)
		}
		return nil, &ExhaustedError{Status: st}
	}
	res, perr := b.pred.Predict(ctx, req)
	var spent predict.Usage
	if res != nil {
		spent = res.Usage
		b.mu.Lock()
		b.largest = predict.Usage{
			Calls:            1,
			PromptTokens:     max(b.largest.PromptTokens, spent.PromptTokens),
			CompletionTokens: max(b.largest.CompletionTokens, spent.CompletionTokens),
			TotalTokens:      max(b.largest.TotalTokens, spent.TotalTokens),
			Cost:             max(b.largest.Cost, spent.Cost),
		}
		b.mu.Unlock()
	}
	// The reservation ends even when the caller gave up.
	if err := b.counter.CommitUsage(context.WithoutCancel(ctx), key, est, spent); err != nil {
		// The answer is paid for: return it, and say loudly that it
		// was not counted.
		b.cfg.logger.ErrorContext(ctx, "budget: recording usage failed", "key", key, "err", err)
	}
	return res, perr
}

// Status returns the budget's standing in the current period.
func (b *Budget) Status(ctx context.Context) (Status, error) {
	key, label, start, end := b.key(b.cfg.now())
	c, err := b.counter.GetUsage(ctx, key)
	if err != nil {
		return Status{}, fmt.Errorf("%w: reading %s: %w", ErrCounter, key, err)
	}
	return b.status(key, label, start, end, c), nil
}

func (b *Budget) status(key, label string, start, end time.Time, c Count) Status {
	st := Status{Key: key, Period: label, Start: start, End: end, Spent: c.Spent, InFlight: c.InFlight,
		Soft: b.limits.Soft, Hard: b.limits.Hard, OnHard: b.limits.OnHard.String()}
	total := c.Total()
	hard, soft := b.limits.Hard.Reached(total), b.limits.Soft.Reached(total)
	var msg strings.Builder
	switch {
	case len(hard) > 0:
		st.State = StateExhausted
		then := "are refused"
		if b.limits.OnHard.fallback != nil {
			then = "use the fallback"
		}
		fmt.Fprintf(&msg, "hard limit reached for %s: %s; calls %s", key, strings.Join(hard, ", "), then)
		if b.limits.OnHard.fallback != nil {
			st.Hint = "predictions use the fallback until " + end.Format(time.RFC3339) + "; raise the hard limit to use the model again"
		} else {
			st.Hint = "predictions stop until " + end.Format(time.RFC3339) + "; raise the hard limit, or configure a fallback predictor"
		}
	case len(soft) > 0:
		st.State = StateWarning
		fmt.Fprintf(&msg, "soft limit reached for %s: %s; hard limit %s", key, strings.Join(soft, ", "), b.limits.Hard)
		st.Hint = "spending is near the budget for the period ending " + end.Format(time.RFC3339) + "; raise the limits if this is expected"
	default:
		fmt.Fprintf(&msg, "within budget for %s: calls %d, tokens %d, cost %s; soft limit %s, hard limit %s",
			key, total.Calls, total.TotalTokens, money(total.Cost), b.limits.Soft, b.limits.Hard)
	}
	st.Message = msg.String()
	return st
}

// logState logs the first time this process sees a period reach the soft
// or the hard limit.
func (b *Budget) logState(ctx context.Context, st Status) {
	if st.State == StateOK {
		return
	}
	k := st.Key + "\x00" + st.State.String()
	b.mu.Lock()
	seen := b.warned[k]
	b.warned[k] = true
	b.mu.Unlock()
	if !seen {
		b.cfg.logger.WarnContext(ctx, "budget: "+st.Message, "key", st.Key, "state", st.State.String())
	}
}
