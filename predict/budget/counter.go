package budget

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/caseagent/caseagent/predict"
)

// Limit caps the usage of a period. A zero field sets no cap on that
// measure; a Limit with every field zero caps nothing. It is a value,
// safe for concurrent use.
type Limit struct {
	// Calls caps the model calls (predict.Usage.Calls).
	Calls int64 `json:"calls,omitempty"`
	// Tokens caps the tokens, prompt and completion together
	// (predict.Usage.TotalTokens).
	Tokens int64 `json:"tokens,omitempty"`
	// Cost caps the cost, in the currency of the host's price table
	// (predict.Usage.Cost).
	Cost float64 `json:"cost,omitempty"`
}

// IsZero reports whether l caps nothing.
func (l Limit) IsZero() bool { return l.Calls <= 0 && l.Tokens <= 0 && l.Cost <= 0 }

func (l Limit) valid() bool { return l.Calls >= 0 && l.Tokens >= 0 && l.Cost >= 0 }

// Reached returns the measures of u that reached l, described, such as
// "cost 10.2 of 10"; none when u is below every cap.
func (l Limit) Reached(u predict.Usage) []string {
	var out []string
	if l.Calls > 0 && int64(u.Calls) >= l.Calls {
		out = append(out, fmt.Sprintf("calls %d of %d", u.Calls, l.Calls))
	}
	if l.Tokens > 0 && int64(u.TotalTokens) >= l.Tokens {
		out = append(out, fmt.Sprintf("tokens %d of %d", u.TotalTokens, l.Tokens))
	}
	if l.Cost > 0 && u.Cost >= l.Cost {
		out = append(out, fmt.Sprintf("cost %s of %s", money(u.Cost), money(l.Cost)))
	}
	return out
}

// money shows an amount to the millionth, without float noise.
func money(v float64) string { return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64) }

// String describes l, such as "calls 100, cost 5"; "none" when it caps
// nothing.
func (l Limit) String() string {
	var parts []string
	if l.Calls > 0 {
		parts = append(parts, fmt.Sprintf("calls %d", l.Calls))
	}
	if l.Tokens > 0 {
		parts = append(parts, fmt.Sprintf("tokens %d", l.Tokens))
	}
	if l.Cost > 0 {
		parts = append(parts, "cost "+money(l.Cost))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Count is the usage of one period: what calls have spent, and what calls
// still running have reserved. It is a value, safe for concurrent use.
type Count struct {
	Spent    predict.Usage `json:"spent"`
	InFlight predict.Usage `json:"in_flight"`
}

// Total is what the period has spent plus what is reserved: the usage
// limits are checked against.
func (c Count) Total() predict.Usage {
	u := c.Spent
	u.Add(c.InFlight)
	return u
}

// Reserve is the reservation rule every Counter applies, atomically: when
// c's Total is below every cap of hard (or hard caps nothing), it adds est
// to InFlight and reports true; otherwise it returns c unchanged and
// false. Stores that keep a Count whole can call it under their lock.
func (c Count) Reserve(est predict.Usage, hard Limit) (Count, bool) {
	if len(hard.Reached(c.Total())) > 0 {
		return c, false
	}
	c.InFlight.Add(est)
	return c, true
}

// Commit is the commit rule every Counter applies: it takes reserved off
// InFlight (never below zero) and adds spent to Spent.
func (c Count) Commit(reserved, spent predict.Usage) Count {
	c.InFlight = predict.Usage{
		Calls:            max(c.InFlight.Calls-reserved.Calls, 0),
		PromptTokens:     max(c.InFlight.PromptTokens-reserved.PromptTokens, 0),
		CompletionTokens: max(c.InFlight.CompletionTokens-reserved.CompletionTokens, 0),
		TotalTokens:      max(c.InFlight.TotalTokens-reserved.TotalTokens, 0),
		Cost:             max(c.InFlight.Cost-reserved.Cost, 0),
	}
	c.Spent.Add(spent)
	return c
}

// Counter keeps usage per period key, shared by every process that uses
// the same store: memstore, and sqlstore on SQLite and PostgreSQL,
// implement it, and budgettest.RunCounter proves an implementation.
// Implementations must be safe for concurrent use, and ReserveUsage must
// be atomic across every process sharing the counter: that is what keeps
// a budget from being overrun by more than one call.
type Counter interface {
	// ReserveUsage applies Count.Reserve to key's count atomically and
	// returns the count after it (or as it stands, when refused) and
	// whether est was reserved. An unknown key counts from zero.
	ReserveUsage(ctx context.Context, key string, est predict.Usage, hard Limit) (Count, bool, error)
	// CommitUsage applies Count.Commit to key's count atomically. With a
	// zero reserved it records usage that was never reserved.
	CommitUsage(ctx context.Context, key string, reserved, spent predict.Usage) error
	// GetUsage returns key's count; zero for an unknown key.
	GetUsage(ctx context.Context, key string) (Count, error)
}

// MemoryCounter is a Counter in memory, for one process and for tests. It
// is safe for concurrent use. The zero value is ready to use.
type MemoryCounter struct {
	mu     sync.Mutex
	counts map[string]Count
}

var _ Counter = (*MemoryCounter)(nil)

// ReserveUsage implements Counter.
func (m *MemoryCounter) ReserveUsage(ctx context.Context, key string, est predict.Usage, hard Limit) (Count, bool, error) {
	if err := ctx.Err(); err != nil {
		return Count{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]Count{}
	}
	c, ok := m.counts[key].Reserve(est, hard)
	m.counts[key] = c
	return c, ok, nil
}

// CommitUsage implements Counter.
func (m *MemoryCounter) CommitUsage(ctx context.Context, key string, reserved, spent predict.Usage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.counts == nil {
		m.counts = map[string]Count{}
	}
	m.counts[key] = m.counts[key].Commit(reserved, spent)
	return nil
}

// GetUsage implements Counter.
func (m *MemoryCounter) GetUsage(ctx context.Context, key string) (Count, error) {
	if err := ctx.Err(); err != nil {
		return Count{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[key], nil
}
