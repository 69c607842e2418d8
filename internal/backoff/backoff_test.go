package backoff

import (
	"context"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	p := Policy{Base: time.Second, Max: time.Minute, Jitter: 0.5}
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute} {
		for range 50 {
			if d := p.Delay(n); d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %v, want between %v and %v", n, d, want/2, want)
			}
		}
	}
	full := Policy{Base: time.Millisecond, Max: 10 * time.Millisecond, Jitter: 1}
	seen := map[bool]bool{}
	for range 200 {
		d := full.Delay(20)
		if d < 0 || d > 10*time.Millisecond {
			t.Fatalf("full jitter: %v", d)
		}
		seen[d < 5*time.Millisecond] = true
	}
	if !seen[true] || !seen[false] {
		t.Error("full jitter does not spread over the whole range")
	}
	if d := (Policy{}).Delay(3); d != 0 {
		t.Errorf("zero policy waits %v", d)
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := (Policy{Base: time.Hour, Max: time.Hour}).Wait(ctx, 0); err != context.Canceled || time.Since(start) > time.Second {
		t.Errorf("Wait = %v after %v", err, time.Since(start))
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Error(err)
	}
}
