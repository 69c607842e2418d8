package agent_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/caseagent/caseagent/internal/cputime"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// benchSizes are the numbers of cases the agent benchmarks run against:
// 1,000 to 100,000, and 1,000,000 when CASEAGENT_BENCH_LARGE=1 is set
// (and -short is not).
func benchSizes() []int {
	sizes := []int{1_000, 10_000, 100_000}
	if !testing.Short() && os.Getenv("CASEAGENT_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000)
	}
	return sizes
}

// instant is a predictor that answers at once, from two prepared
// answers: the product the latest customer message names, and the
// description, quoting the messages. Results are shared: the agent does
// not modify them.
var instant = predict.Func(func(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	if req.Messages[len(req.Messages)-1].Text == benchX300 {
		return instantX300, nil
	}
	return instantX200, nil
})

var instantX200, instantX300 = instantAnswer("P-X200", "the X200"), instantAnswer("P-X300", "the X300")

func instantAnswer(product, quote string) *predict.Result {
	return &predict.Result{Predictor: "instant", Predictions: map[string]predict.Prediction{
		"issue_description": {Value: hello, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "keeps rebooting"}}},
		"contact":           {Value: "C-1", Confidence: 0.95},
		"category":          {Value: "Product defect", Confidence: 0.8, Evidence: []predict.Evidence{{Quote: "keeps rebooting"}}},
		"product":           {Value: product, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: quote}}},
		"serial_number":     {Value: "SN-4K2P9Q7Z", Confidence: 0.95, Evidence: []predict.Evidence{{Quote: "SN-4K2P9Q7Z"}}},
	}}
}

const (
	benchX200 = "Sorry, it's the X200 after all. Serial SN-4K2P9Q7Z."
	benchX300 = "Sorry, it's the X300, not the X200. Serial SN-4K2P9Q7Z."
)

// benchConv is conversation i with a greeting, a question and an answer
// naming the X200 or the X300 under a message id of the event's own.
func benchConv(i, event int) *channel.Conversation {
	id := fmt.Sprintf("conv-%d", i)
	t0 := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	last := benchX200
	if event%2 == 1 {
		last = benchX300
	}
	return &channel.Conversation{ID: id, Kind: channel.KindChat, Status: channel.StatusActive, StartedAt: t0,
		Customer: channel.Customer{ContactID: "C-1"},
		Messages: []channel.Message{
			{ID: "m1", ConversationID: id, Kind: channel.KindChat, Direction: channel.Inbound, Role: channel.RoleCustomer, Text: hello, Time: t0},
			{ID: "m2", ConversationID: id, Kind: channel.KindChat, Direction: channel.Outbound, Role: channel.RoleRepresentative, Text: "Which model is it?", Time: t0.Add(time.Minute)},
			{ID: fmt.Sprintf("m3-%d", event), ConversationID: id, Kind: channel.KindChat, Direction: channel.Inbound, Role: channel.RoleCustomer, Text: last, Time: t0.Add(2 * time.Minute)},
		}}
}

// seeded returns an agent over a memstore holding n cases, case i linked
// to conversation conv-i, as the agent would have created them.
func seeded(b *testing.B, n int) (*agent.Agent, *timedStore) {
	b.Helper()
	cfg := agenttest.Tenant(b, nil)
	store := memstore.New()
	ctx := context.Background()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	ag := casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "caseagent"}
	for i := range n {
		c := &casemgmt.Case{
			Title:     hello,
			ContactID: "C-1",
			Fields:    casemgmt.Values{"issue_description": hello, "contact": "C-1", "category": "Product defect", "product": "P-X200"},
			Provenance: map[string]casemgmt.Provenance{
				"issue_description": {Actor: ag, Time: t0, Confidence: 0.9},
				"contact":           {Actor: ag, Time: t0, Confidence: 0.95},
				"category":          {Actor: ag, Time: t0, Confidence: 0.8},
				"product":           {Actor: ag, Time: t0, Confidence: 0.9},
			},
			Links: []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: fmt.Sprintf("conv-%d", i)}},
		}
		if err := store.CreateCase(ctx, c, casemgmt.Write{Time: t0}); err != nil {
			b.Fatal(err)
		}
	}
	timed := &timedStore{Store: store}
	a, err := agent.New(timed, instant, cfg)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC() // the seeding's garbage is not the events' cost
	return a, timed
}

// timedStore adds up the time spent inside the store's methods, so that a
// benchmark can tell the agent's own work from the store's. Benchmarks
// call it from one goroutine.
type timedStore struct {
	casemgmt.Store
	spent time.Duration
}

func (t *timedStore) since(start time.Time) { t.spent += time.Since(start) }

func (t *timedStore) FindCaseByConversation(ctx context.Context, id string) (*casemgmt.Case, error) {
	defer t.since(time.Now())
	return t.Store.FindCaseByConversation(ctx, id)
}

func (t *timedStore) GetCase(ctx context.Context, id string) (*casemgmt.Case, error) {
	defer t.since(time.Now())
	return t.Store.GetCase(ctx, id)
}

func (t *timedStore) CreateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	defer t.since(time.Now())
	return t.Store.CreateCase(ctx, c, w)
}

func (t *timedStore) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	defer t.since(time.Now())
	return t.Store.UpdateCase(ctx, c, w)
}

func (t *timedStore) AddInteraction(ctx context.Context, in *casemgmt.Interaction) error {
	defer t.since(time.Now())
	return t.Store.AddInteraction(ctx, in)
}

func (t *timedStore) GetContact(ctx context.Context, id string) (*casemgmt.Contact, error) {
	defer t.since(time.Now())
	return t.Store.GetContact(ctx, id)
}

func (t *timedStore) FindContacts(ctx context.Context, q predict.ContactQuery) ([]casemgmt.Contact, error) {
	defer t.since(time.Now())
	return t.Store.FindContacts(ctx, q)
}

func (t *timedStore) GetState(ctx context.Context, key string) ([]byte, error) {
	defer t.since(time.Now())
	return t.Store.GetState(ctx, key)
}

func (t *timedStore) PutState(ctx context.Context, key string, value []byte) error {
	defer t.since(time.Now())
	return t.Store.PutState(ctx, key, value)
}

// measure runs b.N events and reports, besides ns/op, the process's
// CPU time per event (cpu-ns/op, garbage collection included), which
// other work on a shared machine does not inflate.
//
// Each event is built by prepare (the host's work: the conversation as
// the channel delivers it) and then handled by event (the agent's).
// Events are numbered from *next, which it advances, so that repeated
// runs (-count, or the benchmark framework's own rounds) on the same
// store go on where the last one stopped instead of replaying events the
// store has already seen.
//
// It also splits the time per event between the store (store-ns/op, the
// time spent inside the Store's methods) and the agent (agent-ns/op, the
// rest of event's time: the agent's own work), and reports prepare's
// time as host-ns/op. ns/op is the sum of the three.
// Garbage collection is counted wherever it happens to run.
func measure(b *testing.B, store *timedStore, next *int, prepare func(i int) *channel.Conversation, event func(i int, c *channel.Conversation)) {
	b.ReportAllocs()
	cpu0 := cputime.Used()
	store.spent = 0
	var host time.Duration
	start := time.Now()
	i := 0
	for b.Loop() {
		t0 := time.Now()
		c := prepare(*next + i)
		host += time.Since(t0)
		event(*next+i, c)
		i++
	}
	wall := time.Since(start)
	*next += i
	if i == 0 {
		return
	}
	if cpu1 := cputime.Used(); cpu0 > 0 && cpu1 > cpu0 {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(i), "cpu-ns/op")
	}
	b.ReportMetric(float64(host.Nanoseconds())/float64(i), "host-ns/op")
	b.ReportMetric(float64(store.spent.Nanoseconds())/float64(i), "store-ns/op")
	b.ReportMetric(float64((wall-host-store.spent).Nanoseconds())/float64(i), "agent-ns/op")
}

// BenchmarkAgentEvent measures the work per conversation event with
// memstore and a predictor that answers at once, against stores of
// growing size, and how it splits between the agent and the store:
//
//   - update: a new customer message on a conversation with a case; the
//     customer corrects the product, so every event changes a field,
//     writes the case, an audit entry and an interaction;
//   - unchanged: a new message that changes nothing (the case, its
//     fingerprint and an interaction are still written);
//   - create: a new conversation becomes a case.
//
// ns/op is the time per event, building its conversation included;
// agent-ns/op and store-ns/op leave that out.
func BenchmarkAgentEvent(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes() {
		a, store := seeded(b, n)
		var updates, unchanged, creates int
		benchUpdates(b, a, store, n, &updates)
		b.Run(fmt.Sprintf("unchanged/cases=%d", n), func(b *testing.B) {
			measure(b, store, &unchanged, func(i int) *channel.Conversation {
				c := benchConv((i*7919)%n, 0)
				c.Messages[2].ID = fmt.Sprintf("u-%d", i)
				c.Messages[2].Text = benchX200
				return c
			}, func(i int, c *channel.Conversation) {
				res, err := a.CustomerMessage(ctx, c, "rep-1")
				if err != nil {
					b.Fatal(err)
				}
				if res.Outcome != casemgmt.OutcomeUnchanged && res.Outcome != casemgmt.OutcomeUpdated {
					b.Fatalf("event %d: %s %s", i, res.Outcome, res.Reason)
				}
			})
		})
		benchCreates(b, a, store, n, &creates)
	}
}

// benchUpdates runs the update event on cases 0..n-1 of store: a new
// customer message that corrects the product, so every event writes.
// Consecutive events hit different cases (a stride walk); the product
// flips every pass.
func benchUpdates(b *testing.B, a *agent.Agent, store *timedStore, n int, events *int) {
	b.Run(fmt.Sprintf("update/cases=%d", n), func(b *testing.B) {
		measure(b, store, events, func(i int) *channel.Conversation {
			return benchConv((i*7919)%n, i/n+1)
		}, func(i int, c *channel.Conversation) {
			res, err := a.CustomerMessage(context.Background(), c, "rep-1")
			if err != nil {
				b.Fatal(err)
			}
			if res.Outcome != casemgmt.OutcomeUpdated {
				b.Fatalf("event %d: %s %s", i, res.Outcome, res.Reason)
			}
		})
	})
}

// benchCreates runs the create event: a new conversation becomes a case.
func benchCreates(b *testing.B, a *agent.Agent, store *timedStore, n int, events *int) {
	b.Run(fmt.Sprintf("create/cases=%d", n), func(b *testing.B) {
		measure(b, store, events, func(i int) *channel.Conversation {
			c := benchConv(n+i, 0)
			c.ID = fmt.Sprintf("new-%d-%d", n, i)
			return c
		}, func(i int, c *channel.Conversation) {
			res, err := a.ConversationAccepted(context.Background(), c, "rep-1")
			if err != nil {
				b.Fatal(err)
			}
			if res.Outcome != casemgmt.OutcomeCreated {
				b.Fatalf("event %d: %s %s", i, res.Outcome, res.Reason)
			}
		})
	})
}
