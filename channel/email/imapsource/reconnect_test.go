package imapsource_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
)

// waitFor polls cond until it holds or fails t after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunReconnects runs the poller while the server drops its
// connection, restarts, and refuses connections for a while: Run
// reconnects with growing, jittered backoff and every message arrives
// exactly once.
func TestRunReconnects(t *testing.T) {
	for _, idle := range []bool{false, true} {
		name := "poll"
		if idle {
			name = "idle"
		}
		t.Run(name, func(t *testing.T) { testRunReconnects(t, idle) })
	}
}

func testRunReconnects(t *testing.T, idle bool) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	all := ids("r", 7)
	a.append("INBOX", message(all[0], "one"))
	a.append("INBOX", message(all[1], "two"))

	var mu sync.Mutex
	var backoffs []time.Duration
	d := &countingDialer{}
	rec := &recorder{}
	p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
		c.Interval = 20 * time.Millisecond
		c.Idle = idle
		c.MinBackoff = 10 * time.Millisecond
		c.MaxBackoff = 80 * time.Millisecond
		c.Dial = d.Dial
		c.Sleep = func(ctx context.Context, dur time.Duration) error {
			if dur != 20*time.Millisecond {
				mu.Lock()
				backoffs = append(backoffs, dur)
				mu.Unlock()
			}
			select {
			case <-time.After(dur):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	received := func(n int) func() bool { return func() bool { return len(rec.IDs()) >= n } }
	waitFor(t, "the first two messages", received(2))

	// The server drops the connection.
	s.Kick(t, u)
	a = dialAdmin(t, s, u) // the kick dropped the admin session too
	a.append("INBOX", message(all[2], "three"))
	waitFor(t, "a message after the connection dropped", received(3))

	// The server restarts.
	s.RestartIMAP(t)
	a = dialAdmin(t, s, u)
	a.append("INBOX", message(all[3], "four"))
	waitFor(t, "a message after the server restarted", received(4))

	// The server is unreachable for five attempts.
	mu.Lock()
	backoffs = nil
	mu.Unlock()
	d.refuse.Store(5)
	s.Kick(t, u)
	a = dialAdmin(t, s, u)
	a.append("INBOX", message(all[4], "five"))
	waitFor(t, "a message after five failed connections", received(5))
	mu.Lock()
	refused := append([]time.Duration(nil), backoffs...)
	mu.Unlock()

	// The connection drops in the middle of a poll, after the receiver
	// accepted a message and before it was marked.
	var kickOnce sync.Once
	rec.mu.Lock()
	rec.fail = func(id string) error {
		if id == all[5] {
			kickOnce.Do(func() { s.Kick(t, u) })
		}
		return nil
	}
	rec.mu.Unlock()
	a.append("INBOX", message(all[5], "six"))
	waitFor(t, "a message whose poll lost its connection", received(6))
	a = dialAdmin(t, s, u)
	a.append("INBOX", message(all[6], "seven"))
	waitFor(t, "the last message", received(7))

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	onceEach(t, rec, all)

	if len(refused) < 5 {
		t.Fatalf("backoffs %v, want at least 5 (one per refused dial)", refused)
	}
	// Each wait is drawn from [d/2, d] with d doubling from 10ms to 80ms.
	// The poll that noticed the dropped connection may have failed first,
	// so the i-th wait is that of the i-th or the (i+1)-th failure.
	full := func(i int) time.Duration { return min(10*time.Millisecond<<i, 80*time.Millisecond) }
	for i, b := range refused[:5] {
		if b < full(i)/2 || b > full(i+1) {
			t.Errorf("backoff %d = %v, want within [%v, %v]", i, b, full(i)/2, full(i+1))
		}
	}
	if d.dials.Load() < 8 {
		t.Errorf("%d dials, want reconnections", d.dials.Load())
	}
}

// TestPollOnceContext: a poll ends when its context does, even in the
// middle of a receiver call, and leaves the message for later.
func TestPollOnceContext(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	a.append("INBOX", message("slow@client.test", "x"))
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	r := email.ReceiverFunc(func(rctx context.Context, _ string, _ *email.Parsed) error {
		calls++
		if calls == 1 {
			cancel()
			<-rctx.Done()
			return rctx.Err()
		}
		return nil
	})
	st := newMemState()
	p := newPoller(t, s, u, st, r, nil)
	if _, err := p.PollOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("PollOnce = %v, want context.Canceled", err)
	}
	if _, err := p.PollOnce(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("PollOnce with an ended context = %v, want context.Canceled", err)
	}
	rep, err := p.PollOnce(context.Background())
	if err != nil || rep.Received != 1 || calls != 2 {
		t.Fatalf("next poll: %+v, %v, %d calls; want the message received", rep, err, calls)
	}
}

// TestRunIdle: with Idle, mail is fetched as soon as it arrives, long
// before the poll interval.
func TestRunIdle(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	rec := &recorder{}
	p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
		c.Idle = true
		c.Interval = time.Hour
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			if d == time.Hour {
				t.Error("Run slept the whole interval instead of idling")
			}
			return ctx.Err()
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	all := ids("i", 3)
	for i, id := range all {
		time.Sleep(100 * time.Millisecond) // let Run reach IDLE
		a.append("INBOX", message(id, "x"))
		waitFor(t, "mail announced during IDLE", func() bool { return len(rec.IDs()) == i+1 })
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	onceEach(t, rec, all)
}
