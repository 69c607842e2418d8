package channel_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
)

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	var o channel.Outbox
	m := &channel.Outgoing{To: []channel.Address{{Email: "ana@example.org"}}, Subject: "Your case", Headers: map[string]string{"X-A": "1"}}
	id, err := o.Send(ctx, m)
	if err != nil || id != "<1@outbox.invalid>" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	// What was kept does not change with the caller's message.
	m.To[0].Email, m.Headers["X-A"] = "mallory@example.org", "2"
	want := []channel.Sent{{ID: id, Message: channel.Outgoing{To: []channel.Address{{Email: "ana@example.org"}}, Subject: "Your case", Headers: map[string]string{"X-A": "1"}}}}
	if diff := cmp.Diff(want, o.Sent()); diff != "" {
		t.Errorf("Sent (-want +got)\n%s", diff)
	}
	down := errors.New("smtp: connection refused")
	o.Fail(down)
	if _, err := o.Send(ctx, m); !errors.Is(err, down) || o.Len() != 1 {
		t.Errorf("a failing outbox: err %v, %d kept", err, o.Len())
	}
	o.Fail(nil)
	o.NewID = func(m *channel.Outgoing) string { return "<signed-" + m.CaseID + "@example.org>" }
	if id, _ := o.Send(ctx, &channel.Outgoing{CaseID: "c1"}); id != "<signed-c1@example.org>" {
		t.Errorf("NewID not used: %q", id)
	}
	if last, ok := o.Last(); !ok || last.Message.CaseID != "c1" {
		t.Errorf("Last = %v, %v", last, ok)
	}
	if _, err := o.Send(ctx, nil); err == nil {
		t.Error("a nil message was sent")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := o.Send(cctx, m); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled send: %v", err)
	}
	o.Reset()
	if o.Len() != 0 {
		t.Error("Reset kept messages")
	}
}

func TestOutboxConcurrent(t *testing.T) {
	var o channel.Outbox
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.Send(context.Background(), &channel.Outgoing{Subject: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, s := range o.Sent() {
		seen[s.ID] = true
	}
	if len(seen) != 50 {
		t.Errorf("%d distinct ids for 50 messages", len(seen))
	}
}

func ExampleOutbox() {
	var o channel.Outbox
	_, _ = o.Send(context.Background(), &channel.Outgoing{
		To: []channel.Address{{Name: "Ana Lima", Email: "ana@example.org"}}, Subject: "We got your message", Automated: true})
	for _, s := range o.Sent() {
		fmt.Println(s.ID, s.Message.To[0].Email, s.Message.Subject)
	}
	// Output:
	// <1@outbox.invalid> ana@example.org We got your message
}
