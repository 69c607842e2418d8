// Package backoff is the one way the module waits before trying again: a
// delay that doubles with each attempt up to a ceiling, drawn at random
// so that processes that failed together do not try again together, and
// a wait that ends early when the context does.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is how long to wait before attempt n+1 (n from 0): Base doubled
// n times, at most Max, of which a random share is waited. Jitter is that
// share: 1 waits anywhere from 0 to the delay ("full jitter", for writers
// contending for one row), 0.5 waits between half and all of it (for
// reconnecting to a server). It is a value, safe for concurrent use.
type Policy struct {
	Base, Max time.Duration
	Jitter    float64
}

// Delay returns the wait before attempt n+1.
func (p Policy) Delay(n int) time.Duration {
	d := p.Base
	for i := 0; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d <= 0 {
		return 0
	}
	j := min(max(p.Jitter, 0), 1)
	fixed := time.Duration(float64(d) * (1 - j))
	return fixed + time.Duration(rand.Int64N(int64(d-fixed)+1))
}

// Wait waits Delay(n), or until ctx ends, and then returns ctx's error.
func (p Policy) Wait(ctx context.Context, n int) error {
	return Sleep(ctx, p.Delay(n))
}

// Sleep waits d, or until ctx ends, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
