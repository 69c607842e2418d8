package livechat

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

	"github.com/caseagent/caseagent/internal/backoff"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
)

// State and claim keys of the chat receiver.
const (
	// StatePrefix prefixes the store state key under which a
	// conversation's State is kept, followed by the conversation id.
	StatePrefix = "chat:conv:"
	// ClaimPrefix prefixes the claim that serialises the events of
	// one conversation across processes.
	ClaimPrefix = "chat:claim:"
)

// State is what a Receiver keeps per conversation, as JSON in the
// store's state: the conversation so far, the representative who accepted
// it, the events applied, and the agent call still to make. It is plain
// data.
type State struct {
	Conversation channel.Conversation `json:"conversation"`
	// Representative accepted the conversation (the latest one, after a
	// transfer); later events act for them.
	Representative string `json:"representative,omitempty"`
	// Events are the ids of the events applied, in order.
	Events []string `json:"events"`
	// Pending is an agent call that was due and has not succeeded yet.
	Pending *Pending `json:"pending,omitempty"`
}

// Pending is an agent call a Receiver still owes a conversation.
// It is plain data.
type Pending struct {
	Event    string `json:"event"`
	Trigger  string `json:"trigger"`
	Attempts int    `json:"attempts"`
}

// Receiver takes live-chat events (it satisfies chat.Receiver) and
// drives an Agent with them:
//
//	recv, err := livechat.New(agent)
//	...
//	h, err := chat.NewHandler(secret, recv)
//
// For each event it loads the conversation from the store's state
// (GetState and PutState, key StatePrefix plus the conversation id),
// applies the event with chat.Apply, stores the conversation, and then
// calls the agent: ConversationAccepted when a representative accepts,
// ConversationEnded when the conversation ends and, with
// WithCustomerMessages, CustomerMessage after each customer message of an
// accepted conversation.
//
// Events of one conversation are handled one at a time: in-process by a
// lock per conversation, and across processes sharing the store by a
// claim (AcquireClaim, ClaimPrefix plus the conversation id) that is
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
// Receiver is safe for concurrent use.
type Receiver struct {
	agent       *agent.Agent
	store       casemgmt.Store
	owner       string
	messages    bool
	ttl         time.Duration
	maxMessages int
	maxAttempts int
	log         *slog.Logger
	observe     func(ctx context.Context, ev *chat.Event, res *agent.Result)

	mu    sync.Mutex
	locks map[string]*convLock
}

type convLock struct {
	ch   chan struct{}
	refs int
}

// Option configures a Receiver.
type Option func(*Receiver)

// WithCustomerMessages makes the receiver call Agent.CustomerMessage
// after each customer message of an accepted conversation (default off:
// the agent runs when the conversation is accepted and when it ends).
func WithCustomerMessages(on bool) Option { return func(r *Receiver) { r.messages = on } }

// WithClaimTTL sets how long a conversation's claim lasts (default one
// minute). It must exceed the longest agent call: a claim that expires
// while its holder still works lets another process in.
func WithClaimTTL(d time.Duration) Option { return func(r *Receiver) { r.ttl = d } }

// WithOwner sets the receiver's name in claims (default a random
// id). Receivers that share a store must have different names.
func WithOwner(name string) Option { return func(r *Receiver) { r.owner = name } }

// WithMaxMessages sets the most messages a conversation may hold (default
// 2000); a message event beyond is refused as chat.ErrInvalidEvent.
func WithMaxMessages(n int) Option { return func(r *Receiver) { r.maxMessages = n } }

// WithMaxAttempts sets how often an agent call that fails is tried
// before it is given up with a logged error (default 5).
func WithMaxAttempts(n int) Option { return func(r *Receiver) { r.maxAttempts = n } }

// WithLogger sets the receiver's logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(r *Receiver) { r.log = l } }

// WithResults calls fn with the result of every agent call the
// receiver makes for the event it is handling (not for an older event's
// call it makes first), for hosts that show or count them. fn must be safe for
// concurrent use and must not block for long.
func WithResults(fn func(ctx context.Context, ev *chat.Event, res *agent.Result)) Option {
	return func(r *Receiver) { r.observe = fn }
}

// New returns a receiver that keeps conversations in the agent's store
// and drives the agent; its logger is the agent's unless WithLogger sets
// another. It returns an error wrapping casemgmt.ErrInvalid for a nil
// agent or a claim ttl, limit or attempt count that is not positive.
func New(a *agent.Agent, opts ...Option) (*Receiver, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: livechat: the receiver needs an agent", casemgmt.ErrInvalid)
	}
	r := &Receiver{
		agent: a, store: a.Store(), owner: casemgmt.NewID("chat_"), ttl: time.Minute,
		maxMessages: 2000, maxAttempts: 5, log: a.Logger(),
		locks: map[string]*convLock{},
	}
	for _, o := range opts {
		o(r)
	}
	switch {
	case r.ttl <= 0 || r.maxMessages <= 0 || r.maxAttempts <= 0:
		return nil, fmt.Errorf("%w: livechat: the claim ttl, message limit and attempt count must be positive", casemgmt.ErrInvalid)
	case r.owner == "":
		return nil, fmt.Errorf("%w: livechat: the owner name must not be empty", casemgmt.ErrInvalid)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	return r, nil
}

// ReceiveChatEvent implements chat.Receiver.
func (r *Receiver) ReceiveChatEvent(ctx context.Context, ev *chat.Event) error {
	_, err := r.ReceiveChatEventReceipt(ctx, ev)
	return err
}

// ReceiveChatEventReceipt implements chat.ReceiptReceiver: it handles ev
// as ReceiveChatEvent does and says what the agent did for it (the case
// and the outcome), or, for an event that calls no agent, that it was
// recorded.
func (r *Receiver) ReceiveChatEventReceipt(ctx context.Context, ev *chat.Event) (channel.Receipt, error) {
	if ev == nil {
		return channel.Receipt{}, fmt.Errorf("%w: no event", chat.ErrInvalidEvent)
	}
	// The handler checked the event within its limits; callers that hand
	// events in directly get the same checks of its shape.
	if err := ev.Validate(chat.Limits{MaxText: math.MaxInt32, MaxID: math.MaxInt32}); err != nil {
		return channel.Receipt{}, err
	}
	unlock, err := r.lock(ctx, ev.ConversationID)
	if err != nil {
		return channel.Receipt{}, err
	}
	defer unlock()
	claim := ClaimPrefix + ev.ConversationID
	if err := r.claim(ctx, claim); err != nil {
		return channel.Receipt{}, err
	}
	defer func() {
		if err := r.store.ReleaseClaim(context.WithoutCancel(ctx), claim, r.owner); err != nil {
			r.log.WarnContext(ctx, "could not release a chat claim", "conversation", ev.ConversationID, "err", err)
		}
	}()
	res, err := r.receive(ctx, ev)
	if err != nil {
		return channel.Receipt{}, err
	}
	if res == nil {
		return channel.Receipt{Outcome: "recorded", Reason: "the event is kept with the conversation; it calls no agent"}, nil
	}
	return res.Receipt(), nil
}

// receive handles ev while holding the conversation, and returns the
// result of the agent call it made for ev, if any.
func (r *Receiver) receive(ctx context.Context, ev *chat.Event) (*agent.Result, error) {
	key := StatePrefix + ev.ConversationID
	st, err := r.load(ctx, key)
	if err != nil {
		return nil, err
	}
	if slices.Contains(st.Events, ev.ID) {
		if p := st.Pending; p != nil && p.Event == ev.ID {
			return r.runPending(ctx, key, st, ev)
		}
		return nil, fmt.Errorf("%w: event %s was received before", chat.ErrDuplicateMessage, ev.ID)
	}
	if st.Pending != nil {
		// An earlier event still owes an agent call: make it first, on
		// the conversation as it was then.
		if _, err := r.runPending(ctx, key, st, nil); err != nil {
			return nil, err
		}
	}
	if ev.Type == chat.EventMessage && len(st.Conversation.Messages) >= r.maxMessages {
		return nil, fmt.Errorf("%w: the conversation has %d messages, the most it may hold", chat.ErrInvalidEvent, r.maxMessages)
	}
	conv := st.Conversation
	conv.Messages = slices.Clone(conv.Messages)
	if err := chat.Apply(&conv, ev); err != nil {
		return nil, err
	}
	st.Conversation = conv
	st.Events = append(st.Events, ev.ID)
	if ev.Type == chat.EventAccepted && ev.Representative != "" {
		// The latest to accept (after a transfer, the new one) owns it.
		st.Representative = ev.Representative
	}
	if trigger := r.trigger(&conv, ev); trigger != "" {
		st.Pending = &Pending{Event: ev.ID, Trigger: trigger}
	}
	if err := r.save(ctx, key, st); err != nil {
		return nil, err
	}
	if st.Pending == nil {
		return nil, nil
	}
	return r.runPending(ctx, key, st, ev)
}

// trigger returns the agent call an applied event asks for, if any.
func (r *Receiver) trigger(conv *channel.Conversation, ev *chat.Event) string {
	switch ev.Type {
	case chat.EventAccepted:
		return agent.TriggerAccepted
	case chat.EventEnded:
		return agent.TriggerEnded
	case chat.EventMessage:
		if r.messages && ev.Message.Role == channel.RoleCustomer &&
			(conv.Status == channel.StatusAccepted || conv.Status == channel.StatusActive) {
			return agent.TriggerMessage
		}
	}
	return ""
}

// runPending makes the agent call st owes and clears it. ev is the event
// being handled, or nil for an older event's call.
func (r *Receiver) runPending(ctx context.Context, key string, st *State, ev *chat.Event) (*agent.Result, error) {
	p := st.Pending
	rep := st.Representative
	if rep == "" && ev != nil {
		rep = ev.Representative
	}
	var call func(context.Context, *channel.Conversation, string) (*agent.Result, error)
	switch p.Trigger {
	case agent.TriggerAccepted:
		call = r.agent.ConversationAccepted
	case agent.TriggerEnded:
		call = r.agent.ConversationEnded
	case agent.TriggerMessage:
		call = r.agent.CustomerMessage
	}
	var err error
	var res *agent.Result
	if call == nil {
		err = fmt.Errorf("%w: unknown pending trigger %q", casemgmt.ErrInvalid, p.Trigger)
	} else {
		conv := st.Conversation
		res, err = call(ctx, &conv, rep)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, err // the call is still owed
		}
		p.Attempts++
		if p.Attempts < r.maxAttempts {
			if serr := r.save(ctx, key, st); serr != nil {
				return nil, errors.Join(err, serr)
			}
			return nil, fmt.Errorf("casemgmt: chat %s: %s: %w", st.Conversation.ID, p.Trigger, err)
		}
		r.log.ErrorContext(ctx, "giving up an agent call for a chat", "conversation", st.Conversation.ID,
			"event", p.Event, "trigger", p.Trigger, "attempts", p.Attempts, "err", err)
	}
	st.Pending = nil
	if err := r.save(ctx, key, st); err != nil {
		return nil, err
	}
	if res != nil && r.observe != nil && ev != nil {
		r.observe(ctx, ev, res)
	}
	return res, nil
}

func (r *Receiver) load(ctx context.Context, key string) (*State, error) {
	raw, err := r.store.GetState(ctx, key)
	if errors.Is(err, casemgmt.ErrNotFound) {
		return &State{}, nil
	}
	if err != nil {
		return nil, err
	}
	st := new(State)
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("casemgmt: chat state %s: %w", key, err)
	}
	return st, nil
}

// save stores st, after making sure the claim is still the receiver's
// (which also extends it).
func (r *Receiver) save(ctx context.Context, key string, st *State) error {
	ok, err := r.store.AcquireClaim(ctx, ClaimPrefix+st.Conversation.ID, r.owner, r.ttl)
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
func (r *Receiver) lock(ctx context.Context, id string) (func(), error) {
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
func (r *Receiver) claim(ctx context.Context, name string) error {
	for attempt := 0; ; attempt++ {
		ok, err := r.store.AcquireClaim(ctx, name, r.owner, r.ttl)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if err := claimBackoff.Wait(ctx, attempt); err != nil {
			return err
		}
	}
}

// claimBackoff is how a receiver waits for a conversation another process
// holds: from 2ms, doubling up to 100ms.
var claimBackoff = backoff.Policy{Base: 2 * time.Millisecond, Max: 100 * time.Millisecond, Jitter: 0.5}
