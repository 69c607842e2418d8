package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/knowledge"
)

// simGuard is readOnly that also refuses records, shadow or not, and
// lists cases: a simulation must leave no trace at all.
type simGuard struct {
	*readOnly
	list casemgmt.Lister
}

func (s *simGuard) AddInteraction(_ context.Context, in *casemgmt.Interaction) error {
	return s.wrote("AddInteraction %s %s (shadow %v)", in.Trigger, in.Reason, in.Shadow)
}

func (s *simGuard) ListCases(ctx context.Context, q casemgmt.ListQuery) (casemgmt.CasePage, error) {
	return s.list.ListCases(ctx, q)
}

// Simulating resolution over stored cases says, per case, what the agent
// would do and the message it would send, and writes, sends and records
// nothing.
func TestSimulateResolution(t *testing.T) {
	ctx := context.Background()
	r := newResolutionRig(t, "full", "hand_over")
	mk := func(text string, status casemgmt.Status) string {
		c := &casemgmt.Case{Title: "My order", Status: status, ContactID: "C-1",
			Fields: map[string]any{"issue_description": text, "contact": "C-1"}}
		if err := r.store.CreateCase(ctx, c, casemgmt.Write{Time: r.clock()}); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	answer := mk("I want to send it back, order ORD-654321.", casemgmt.StatusActive)
	question := mk("The lamp is broken, I want to send it back.", casemgmt.StatusActive)
	unclear := mk("Hello there.", casemgmt.StatusActive)
	closed := mk("I want to send it back, order ORD-111111.", casemgmt.StatusClosed)

	guard := &simGuard{readOnly: &readOnly{Store: r.store}, list: r.store}
	outbox := &channel.Outbox{}
	sim, err := agent.New(guard, resolutionPredictor, r.ag.Config(), agent.WithClock(r.clock),
		agent.WithKnowledge(knowledge.StoreRetriever(r.store)), agent.WithSender(outbox, channel.Address{Email: "support@acme.example"}))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sim.Simulate(ctx, agent.SimulateOptions{Capability: agent.SimulateResolution,
		Query: casemgmt.ListQuery{Statuses: []casemgmt.Status{casemgmt.StatusActive}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]agent.SimulatedRun{}
	for _, s := range runs {
		got[s.CaseID] = s
	}
	if _, ok := got[closed]; ok || len(runs) != 3 {
		t.Errorf("simulated %d cases (closed one included: %v), want the 3 active", len(runs), ok)
	}
	if s := got[answer]; s.Action != "resolved" || s.Intent != "return_request" || len(s.Messages) != 1 ||
		!strings.Contains(s.Messages[0].Text, "within 30 days") || len(s.Messages[0].To) != 1 || s.Messages[0].To[0].Email != "ana@example.org" {
		t.Errorf("answer: %+v", s)
	}
	if s := got[question]; s.Action != "question" || len(s.Messages) != 1 || !strings.Contains(strings.ToLower(s.Messages[0].Text), "order number") {
		t.Errorf("question: %+v", s)
	}
	if s := got[unclear]; s.Action != "handed_over" || len(s.Messages) != 0 {
		t.Errorf("unclear: %+v", s)
	}
	for _, w := range guard.writes {
		t.Errorf("simulation wrote: %s", w)
	}
	if outbox.Len() != 0 || r.out.Len() != 0 {
		t.Errorf("simulation sent %d messages", outbox.Len()+r.out.Len())
	}
	// The cases are as they were: the live agent still resolves them.
	if c := r.get(answer); c.Status != casemgmt.StatusActive || c.Meta[agent.MetaResolution] != "" {
		t.Errorf("case after the simulation: %s %v", c.Status, c.Meta)
	}

	// Explicit ids and a limit.
	runs, err = sim.Simulate(ctx, agent.SimulateOptions{Capability: agent.SimulateResolution, CaseIDs: []string{closed, answer, closed}, Limit: 1})
	if err != nil || len(runs) != 1 || runs[0].CaseID != closed || runs[0].Action != "none" {
		t.Errorf("by id, limit 1: %+v, %v", runs, err)
	}
}

// Simulating follow-ups at a time says which would go out with what
// text, and uses up no step: the live agent still sends them.
func TestSimulateFollowUp(t *testing.T) {
	ctx := context.Background()
	r := newFollowUpRig(t, "full")
	waiting := r.newWaitingCase("C-1")
	guard := &simGuard{readOnly: &readOnly{Store: r.store}, list: r.store.(casemgmt.Lister)}
	outbox := &channel.Outbox{}
	sim, err := agent.New(guard, predictContact, r.ag.Config(), agent.WithClock(r.clock),
		agent.WithSender(outbox, channel.Address{Email: "support@example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at   time.Duration
		want string
	}{
		{time.Hour, "skipped"},
		{49 * time.Hour, "follow_up_sent"},
	}
	for _, tt := range tests {
		runs, err := sim.Simulate(ctx, agent.SimulateOptions{Capability: agent.SimulateFollowUp, CaseIDs: []string{waiting.ID}, At: r.clock().Add(tt.at)})
		if err != nil || len(runs) != 1 {
			t.Fatalf("at +%s: %+v %v", tt.at, runs, err)
		}
		if s := runs[0]; s.Action != tt.want {
			t.Errorf("at +%s: %+v, want %s", tt.at, s, tt.want)
		}
		if tt.want == "follow_up_sent" && (len(runs[0].Messages) != 1 || !strings.Contains(runs[0].Messages[0].Text, "Any news")) {
			t.Errorf("at +%s: messages %+v", tt.at, runs[0].Messages)
		}
	}
	for _, w := range guard.writes {
		t.Errorf("simulation wrote: %s", w)
	}
	if outbox.Len() != 0 || r.box.Len() != 0 {
		t.Errorf("simulation sent %d messages", outbox.Len()+r.box.Len())
	}
	r.advance(49 * time.Hour)
	if r.box.Len() != 1 {
		t.Errorf("the live agent sent %d follow-ups after the simulation, want 1", r.box.Len())
	}
}

func TestSimulateOptions(t *testing.T) {
	r := newFollowUpRig(t, "full")
	for _, o := range []agent.SimulateOptions{{Capability: "closure"}, {Capability: agent.SimulateFollowUp, Limit: -1}} {
		if _, err := r.ag.Simulate(context.Background(), o); !errors.Is(err, casemgmt.ErrInvalid) {
			t.Errorf("%+v: err %v, want ErrInvalid", o, err)
		}
	}
	// A store that cannot list needs explicit ids.
	sim, err := agent.New(&readOnly{Store: r.store}, predictContact, r.ag.Config())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Simulate(context.Background(), agent.SimulateOptions{Capability: agent.SimulateFollowUp}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("listing on a store that cannot: %v", err)
	}
}
