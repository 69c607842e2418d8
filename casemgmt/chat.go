package casemgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
)

// State and claim keys of the chat receiver.
const (
	// ChatStatePrefix prefixes the store state key under which a
	// conversation's ChatState is kept, followed by the conversation id.
	ChatStatePrefix = "chat:conv:"
	// ChatClaimPrefix prefixes the claim that serialises the events of
	// one conversation across processes.
	ChatClaimPrefix = "chat:claim:"
)

// ChatState is what a ChatReceiver keeps per conversation, as JSON in the
// store's state: the conversation so far, the representative who accepted
// it, the events applied, and the agent call still to make. It is plain
// data.
type ChatState struct {
	Conversation channel.Conversation `json:"conversation"`
	// Representative accepted the conversation (the latest one, after a
	// transfer); later events act for them.
	Representative string `json:"representative,omitempty"`
	// Events are the ids of the events applied, in order.
	Events []string `json:"events"`
	// Pending is an agent call that was due and has not succeeded yet.
	Pending *ChatPending `json:"pending,omitempty"`
}

// ChatPending is an agent call a ChatReceiver still owes a conversation.
// It is plain data.
type ChatPending struct {
	Event    string `json:"event"`
	Trigger  string `json:"trigger"`
	Attempts int    `json:"attempts"`
}

// ChatReceiver takes live-chat events (it satisfies chat.Receiver) and
// drives an Agent with them:
//
//	h, err := chat.NewHandler(secret, casemgmt.NewChatReceiver(agent, store))
//
// For each event it loads the conversation from the store's state
// (GetState and PutState, key ChatStatePrefix plus the conversation id),
// applies the event with chat.Apply, stores the conversation, and then
// calls the agent: ConversationAccepted when a representative accepts,
// ConversationEnded when the conversation ends and, with
// WithCustomerMessages, CustomerMessage after each customer message of an
// accepted conversation.
//
// Events of one conversation are handled one at a time: in-process by a
// lock per conversation, and across processes sharing the store by a
// claim (AcquireClaim, ChatClaimPrefix plus the conversation id) that is
// retried with a short backoff until the context ends.
//
// Redelivery is harmless. The ids of applied events are stored with the
// conversation in the same PutState as the event itself, so an event is
// either applied and remembered or neither; a redelivered event changes
// nothing and is reported as chat.ErrDuplicateMessage (the handler
// answers 204). The agent call owed by an event is stored with it and
// cleared once the call succeeded: when the call fails the error is
// returned (the platform retries) and the call is made again by the
// redelivery or by the conversation's next event, up to a limit of
// attempts (see WithMaxAttempts).
//
// Errors of chat.Apply pass through: chat.ErrEnded for an event after the
// end, chat.ErrDuplicateMessage for a message already received. A
// ChatReceiver is safe for concurrent use.
type ChatReceiver struct {
	agent       *Agent
	store       Store
	owner       string
	messages    bool
	ttl         time.Duration
	maxMessages int
	maxAttempts int
	log         *slog.Logger
	observe     func(ctx context.Context, ev *chat.Event, res *Result)

	mu    sync.Mutex
	locks map[string]*convLock
}

type convLock struct {
	ch   chan struct{}
	refs int
}

// ChatOption configures a ChatReceiver.
type ChatOption func(*ChatReceiver)

// WithCustomerMessages makes the receiver call Agent.CustomerMessage
// after each customer message of an accepted conversation (default off:
// the agent runs when the conversation is accepted and when it ends).
func WithCustomerMessages(on bool) ChatOption { return func(r *ChatReceiver) { r.messages = on } }

// WithClaimTTL sets how long a conversation's claim lasts (default one
// minute). It must exceed the longest agent call: a claim that expires
// while its holder still works lets another process in.
func WithClaimTTL(d time.Duration) ChatOption { return func(r *ChatReceiver) { r.ttl = d } }

// WithChatOwner sets the receiver's name in claims (default a random
// id). Receivers that share a store must have different names.
func WithChatOwner(name string) ChatOption { return func(r *ChatReceiver) { r.owner = name } }

// WithMaxMessages sets the most messages a conversation may hold (default
// 2000); a message event beyond is refused as chat.ErrInvalidEvent.
func WithMaxMessages(n int) ChatOption { return func(r *ChatReceiver) { r.maxMessages = n } }

// WithMaxAttempts sets how often an agent call that fails is tried
// before it is given up with a logged error (default 5).
func WithMaxAttempts(n int) ChatOption { return func(r *ChatReceiver) { r.maxAttempts = n } }

// WithChatLogger sets the receiver's logger (default: discard).
func WithChatLogger(l *slog.Logger) ChatOption { return func(r *ChatReceiver) { r.log = l } }

// WithChatResults calls fn with the result of every agent call the
// receiver makes for the event it is handling (not for an older event's
// call it makes first), for hosts that show or count them. fn must be safe for
// concurrent use and must not block for long.
func WithChatResults(fn func(ctx context.Context, ev *chat.Event, res *Result)) ChatOption {
	return func(r *ChatReceiver) { r.observe = fn }
}

// NewChatReceiver returns a receiver that keeps conversations in store
// and drives agent. A nil store means the agent's own. Bad options (a
// nil agent, a ttl, limit or attempt count that is not positive) make
// every event fail with an error wrapping ErrInvalid.
func NewChatReceiver(agent *Agent, store Store, opts ...ChatOption) *ChatReceiver {
	r := &ChatReceiver{
		agent: agent, store: store, owner: NewID("chat_"), ttl: time.Minute,
		maxMessages: 2000, maxAttempts: 5, log: slog.New(slog.DiscardHandler),
		locks: map[string]*convLock{},
	}
	if store == nil && agent != nil {
		r.store = agent.store
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func (r *ChatReceiver) check() error {
	switch {
	case r.agent == nil || r.store == nil:
		return fmt.Errorf("%w: the chat receiver needs an agent and a store", ErrInvalid)
	case r.ttl <= 0 || r.maxMessages <= 0 || r.maxAttempts <= 0 || r.owner == "" || r.log == nil:
		return fmt.Errorf("%w: the chat receiver's claim ttl, limits and owner must be set", ErrInvalid)
	}
	return nil
}

// ReceiveChatEvent implements chat.Receiver.
func (r *ChatReceiver) ReceiveChatEvent(ctx context.Context, ev *chat.Event) error {
	if err := r.check(); err != nil {
		return err
	}
	if ev == nil {
		return fmt.Errorf("%w: no event", chat.ErrInvalidEvent)
	}
	// The handler checked the event within its limits; callers that hand
	// events in directly get the same checks of its shape.
	if err := ev.Validate(chat.Limits{MaxText: math.MaxInt32, MaxID: math.MaxInt32}); err != nil {
		return err
	}
	unlock, err := r.lock(ctx, ev.ConversationID)
	if err != nil {
		return err
	}
	defer unlock()
	claim := ChatClaimPrefix + ev.ConversationID
	if err := r.claim(ctx, claim); err != nil {
		return err
	}
	defer func() {
		if err := r.store.ReleaseClaim(context.WithoutCancel(ctx), claim, r.owner); err != nil {
			r.log.WarnContext(ctx, "could not release a chat claim", "conversation", ev.ConversationID, "err", err)
		}
	}()
	return r.receive(ctx, ev)
}

// receive handles ev while holding the conversation.
func (r *ChatReceiver) receive(ctx context.Context, ev *chat.Event) error {
	key := ChatStatePrefix + ev.ConversationID
	st, err := r.load(ctx, key)
	if err != nil {
		return err
	}
	if slices.Contains(st.Events, ev.ID) {
		if p := st.Pending; p != nil && p.Event == ev.ID {
			return r.runPending(ctx, key, st, ev)
		}
		return fmt.Errorf("%w: event %s was received before", chat.ErrDuplicateMessage, ev.ID)
	}
	if st.Pending != nil {
		// An earlier event still owes an agent call: make it first, on
		// the conversation as it was then.
		if err := r.runPending(ctx, key, st, nil); err != nil {
			return err
		}
	}
	if ev.Type == chat.EventMessage && len(st.Conversation.Messages) >= r.maxMessages {
		return fmt.Errorf("%w: the conversation has %d messages, the most it may hold", chat.ErrInvalidEvent, r.maxMessages)
	}
	conv := st.Conversation
	conv.Messages = slices.Clone(conv.Messages)
	if err := chat.Apply(&conv, ev); err != nil {
		return err
	}
	st.Conversation = conv
	st.Events = append(st.Events, ev.ID)
	if ev.Type == chat.EventAccepted && ev.Representative != "" {
		// The latest to accept (after a transfer, the new one) owns it.
		st.Representative = ev.Representative
	}
	if trigger := r.trigger(&conv, ev); trigger != "" {
		st.Pending = &ChatPending{Event: ev.ID, Trigger: trigger}
	}
	if err := r.save(ctx, key, st); err != nil {
		return err
	}
	if st.Pending == nil {
		return nil
	}
	return r.runPending(ctx, key, st, ev)
}

// trigger returns the agent call an applied event asks for, if any.
func (r *ChatReceiver) trigger(conv *channel.Conversation, ev *chat.Event) string {
	switch ev.Type {
	case chat.EventAccepted:
		return TriggerAccepted
	case chat.EventEnded:
		return TriggerEnded
	case chat.EventMessage:
		if r.messages && ev.Message.Role == channel.RoleCustomer &&
			(conv.Status == channel.StatusAccepted || conv.Status == channel.StatusActive) {
			return TriggerMessage
		}
	}
	return ""
}

// runPending makes the agent call st owes and clears it. ev is the event
// being handled, or nil for an older event's call.
func (r *ChatReceiver) runPending(ctx context.Context, key string, st *ChatState, ev *chat.Event) error {
	p := st.Pending
	rep := st.Representative
	if rep == "" && ev != nil {
		rep = ev.Representative
	}
	var call func(context.Context, *channel.Conversation, string) (*Result, error)
	switch p.Trigger {
	case TriggerAccepted:
		call = r.agent.ConversationAccepted
	case TriggerEnded:
		call = r.agent.ConversationEnded
	case TriggerMessage:
		call = r.agent.CustomerMessage
	}
	var err error
	var res *Result
	if call == nil {
		err = fmt.Errorf("%w: unknown pending trigger %q", ErrInvalid, p.Trigger)
	} else {
		conv := st.Conversation
		res, err = call(ctx, &conv, rep)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err // the call is still owed
		}
		p.Attempts++
		if p.Attempts < r.maxAttempts {
			if serr := r.save(ctx, key, st); serr != nil {
				return errors.Join(err, serr)
			}
			return fmt.Errorf("casemgmt: chat %s: %s: %w", st.Conversation.ID, p.Trigger, err)
		}
		r.log.ErrorContext(ctx, "giving up an agent call for a chat", "conversation", st.Conversation.ID,
			"event", p.Event, "trigger", p.Trigger, "attempts", p.Attempts, "err", err)
	}
	st.Pending = nil
	if err := r.save(ctx, key, st); err != nil {
		return err
	}
	if res != nil && r.observe != nil && ev != nil {
		r.observe(ctx, ev, res)
	}
	return nil
}

func (r *ChatReceiver) load(ctx context.Context, key string) (*ChatState, error) {
	raw, err := r.store.GetState(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return &ChatState{}, nil
	}
	if err != nil {
		return nil, err
	}
	st := new(ChatState)
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("casemgmt: chat state %s: %w", key, err)
	}
	return st, nil
}

// save stores st, after making sure the claim is still the receiver's
// (which also extends it).
func (r *ChatReceiver) save(ctx context.Context, key string, st *ChatState) error {
	ok, err := r.store.AcquireClaim(ctx, ChatClaimPrefix+st.Conversation.ID, r.owner, r.ttl)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("casemgmt: chat %s: the claim expired and another process holds it", st.Conversation.ID)
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return r.store.PutState(ctx, key, raw)
}

// lock takes the in-process lock of a conversation, or gives up when ctx
// ends.
func (r *ChatReceiver) lock(ctx context.Context, id string) (func(), error) {
	r.mu.Lock()
	l := r.locks[id]
	if l == nil {
		l = &convLock{ch: make(chan struct{}, 1)}
		r.locks[id] = l
	}
	l.refs++
	r.mu.Unlock()
	release := func() {
		r.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(r.locks, id)
		}
		r.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// claim takes the store claim, retrying with a growing backoff (from 2ms
// to 100ms) until ctx ends.
func (r *ChatReceiver) claim(ctx context.Context, name string) error {
	wait := 2 * time.Millisecond
	for {
		ok, err := r.store.AcquireClaim(ctx, name, r.owner, r.ttl)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(wait*2, 100*time.Millisecond)
	}
}
