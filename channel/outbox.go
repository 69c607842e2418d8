package channel

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Sent is a message an Outbox kept, with the id it was given.
type Sent struct {
	ID      string
	Message Outgoing
}

// Outbox is an in-memory Sender: it keeps what is sent instead of
// delivering it, for tests, replays, shadow runs and examples. The zero
// value is ready to use. It is safe for concurrent use.
type Outbox struct {
	// NewID names each message sent; nil names them
	// "<N@outbox.invalid>". Email hosts set it to sign the case into the
	// Message-ID, as the SMTP sender does (email.MessageIDs.New). Set it
	// before the first Send.
	NewID func(m *Outgoing) string

	mu   sync.Mutex
	sent []Sent
	err  error
}

// Send keeps a copy of m and returns its id, or the error set by Fail.
func (o *Outbox) Send(ctx context.Context, m *Outgoing) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if m == nil {
		return "", fmt.Errorf("channel: outbox: nil message")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return "", o.err
	}
	id := fmt.Sprintf("<%d@outbox.invalid>", len(o.sent)+1)
	if o.NewID != nil {
		id = o.NewID(m)
	}
	o.sent = append(o.sent, Sent{ID: id, Message: m.clone()})
	return id, nil
}

// Sent returns what was sent, oldest first.
func (o *Outbox) Sent() []Sent {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Sent, len(o.sent))
	for i, s := range o.sent {
		out[i] = Sent{ID: s.ID, Message: s.Message.clone()}
	}
	return out
}

// Len returns how many messages were sent.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent)
}

// Last returns the message sent last, and false when none was.
func (o *Outbox) Last() (Sent, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		return Sent{}, false
	}
	s := o.sent[len(o.sent)-1]
	return Sent{ID: s.ID, Message: s.Message.clone()}, true
}

// Fail makes every later Send return err and keep nothing, as a sender
// whose server is down; Fail(nil) makes it succeed again.
func (o *Outbox) Fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.err = err
}

// Reset forgets what was sent.
func (o *Outbox) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = nil
}

// clone copies m with slices and headers of its own.
func (m *Outgoing) clone() Outgoing {
	c := *m
	c.To = slices.Clone(m.To)
	c.Cc = slices.Clone(m.Cc)
	c.References = slices.Clone(m.References)
	if m.Headers != nil {
		c.Headers = make(map[string]string, len(m.Headers))
		for k, v := range m.Headers {
			c.Headers[k] = v
		}
	}
	return c
}
