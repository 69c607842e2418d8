package resolvetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// ErrExhausted is returned by a Script asked more times than it has
// decisions.
var ErrExhausted = errors.New("resolvetest: script has no decision left")

// Script is a scripted fake Resolver: it answers the decisions it was
// given, in order (or, for requests whose intent has a decision of its
// own, that one), and records every request. It is safe for concurrent
// use.
type Script struct {
	mu       sync.Mutex
	queue    []*resolve.Decision
	byIntent map[string]*resolve.Decision
	err      error
	requests []*resolve.Request
}

var _ resolve.Resolver = (*Script)(nil)

// NewScript returns a Script that answers ds in order.
func NewScript(ds ...*resolve.Decision) *Script {
	return &Script{queue: ds, byIntent: map[string]*resolve.Decision{}}
}

// ForIntent makes s answer d to every request whose intent is named
// intent, before the queue is consulted.
func (s *Script) ForIntent(intent string, d *resolve.Decision) *Script {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byIntent[intent] = d
	return s
}

// Fail makes every later call return err.
func (s *Script) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

// Resolve implements resolve.Resolver.
func (s *Script) Resolve(ctx context.Context, req *resolve.Request) (*resolve.Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", resolve.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *req
	s.requests = append(s.requests, &cp)
	if s.err != nil {
		return nil, s.err
	}
	if req.Intent != nil {
		if d, ok := s.byIntent[req.Intent.Name]; ok {
			return clone(d), nil
		}
	}
	if len(s.queue) == 0 {
		return nil, ErrExhausted
	}
	d := s.queue[0]
	s.queue = s.queue[1:]
	return clone(d), nil
}

// Requests returns the requests received so far (shallow copies).
func (s *Script) Requests() []*resolve.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func clone(d *resolve.Decision) *resolve.Decision {
	if d == nil {
		return nil
	}
	c := *d
	c.Ask = slices.Clone(d.Ask)
	c.Citations = slices.Clone(d.Citations)
	c.Links = slices.Clone(d.Links)
	return &c
}

// Fixture articles of the suite.
var (
	batteryArticle = knowledge.Article{ID: "battery", Title: "Replace the thermostat batteries", Language: "en",
		URL:  "https://help.example.com/battery",
		Body: "The thermostat runs on two AA batteries.\n\nPull the cover off and put in two new alkaline batteries, minding the + and - signs.\n\nYour schedule is kept."}
	refundArticle = knowledge.Article{ID: "refund", Title: "Refunds", Language: "en",
		Body: "We refund a yearly subscription cancelled within 14 days of payment.\n\nRefunds reach your card in 5 to 10 working days."}
)

func hits(query string, arts ...knowledge.Article) []knowledge.Hit {
	ix, err := knowledge.NewIndex(arts)
	if err != nil {
		panic(err)
	}
	hs, err := ix.Retrieve(context.Background(), knowledge.Query{Text: query})
	if err != nil {
		panic(err)
	}
	return hs
}

func msg(text string) channel.Message {
	return channel.Message{ID: "m1", Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer,
		From: channel.Address{Email: "ana@example.com"}, Text: text, Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

// Requests returns the requests of the suite, by name: an intent with
// attributes missing, one with everything known and articles that answer
// it, one whose intent names its articles, one without an intent, and
// one without any article retrieved.
func Requests() map[string]*resolve.Request {
	batteryIntent := &resolve.Intent{Name: "battery", Description: "The customer asks how to change the batteries.",
		Attributes: []resolve.Attribute{{Name: "product", Label: "product"}, {Name: "serial", Label: "serial number", Question: "What is the serial number on the label?"}}}
	q := "which batteries does my thermostat need and how do I change them"
	return map[string]*resolve.Request{
		"missing": {Intent: batteryIntent, Confidence: 0.9, Known: map[string]any{"product": "Thermo"},
			Messages: []channel.Message{msg(q)}, Hits: hits(q, batteryArticle, refundArticle), Language: "en"},
		"complete": {Intent: batteryIntent, Confidence: 0.9, Known: map[string]any{"product": "Thermo", "serial": "T-1234"},
			Messages: []channel.Message{msg(q)}, Hits: hits(q, batteryArticle, refundArticle), Language: "en"},
		"intent articles": {Intent: &resolve.Intent{Name: "refund", Articles: []string{"refund"}},
			Messages: []channel.Message{msg("refund of my yearly subscription, when does it reach my card")},
			Hits:     hits("refund of my yearly subscription, when does it reach my card batteries", batteryArticle, refundArticle)},
		"no intent": {Messages: []channel.Message{msg("hello?")}, Hits: hits("hello", batteryArticle)},
		"no hits": {Intent: &resolve.Intent{Name: "other"}, Messages: []channel.Message{msg("my order never arrived")},
			Hits: hits("order arrived", batteryArticle)},
		"spanish": {Intent: batteryIntent, Known: map[string]any{"product": ""}, Language: "es-MX",
			Messages: []channel.Message{msg("¿qué pilas lleva el termostato?")}},
	}
}

// Run runs the conformance suite of resolve.Resolver against resolvers made
// by newResolver: on the requests of Requests, every decision must come
// back unchanged from resolve.Validate (valid citations of retrieved
// articles, questions only for what is missing, a message where one is
// needed); the request must not be modified; a cancelled context is an
// error; and concurrent calls are safe.
func Run(t *testing.T, newResolver func(t *testing.T) resolve.Resolver) {
	t.Helper()
	t.Run("DecisionsPassCheck", func(t *testing.T) {
		r := newResolver(t)
		for name, req := range Requests() {
			d, err := r.Resolve(context.Background(), req)
			if err != nil {
				t.Errorf("%s: Resolve: %v", name, err)
				continue
			}
			if err := passes(req, d); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("NoAnswerWithoutArticles", func(t *testing.T) {
		r := newResolver(t)
		for name, req := range Requests() {
			req.Hits = nil
			d, err := r.Resolve(context.Background(), req)
			if err != nil {
				t.Errorf("%s: Resolve: %v", name, err)
				continue
			}
			if d != nil && d.Kind == resolve.Resolved {
				t.Errorf("%s: Resolved with no article retrieved", name)
			}
		}
	})
	t.Run("RequestUnchanged", func(t *testing.T) {
		r := newResolver(t)
		for name, req := range Requests() {
			before := Requests()[name]
			if _, err := r.Resolve(context.Background(), req); err != nil {
				t.Errorf("%s: Resolve: %v", name, err)
			}
			if d := cmp.Diff(before, req); d != "" {
				t.Errorf("%s: the resolver modified the request (-before +after):\n%s", name, d)
			}
		}
	})
	t.Run("CancelledContext", func(t *testing.T) {
		r := newResolver(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := r.Resolve(ctx, Requests()["complete"]); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled context: error %v, want context.Canceled", err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		r := newResolver(t)
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 8 {
			wg.Go(func() {
				for name, req := range Requests() {
					d, err := r.Resolve(context.Background(), req)
					if err == nil {
						err = passes(req, d)
					}
					if err != nil {
						errs <- fmt.Errorf("%s: %w", name, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// passes reports a decision that resolve.Validate would change.
func passes(req *resolve.Request, d *resolve.Decision) error {
	if d == nil {
		return errors.New("nil decision")
	}
	checked, drops := resolve.Validate(req, d)
	if len(drops) > 0 {
		return fmt.Errorf("citations dropped by Check: %+v", drops)
	}
	if diff := cmp.Diff(d, checked); diff != "" {
		return fmt.Errorf("resolve.Validate changed the decision (-returned +checked):\n%s", diff)
	}
	return nil
}
