package agent_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// readOnly is a store that records every call that would change it. Only
// interaction records marked shadow are let through.
type readOnly struct {
	casemgmt.Store
	mu     sync.Mutex
	writes []string
}

func (s *readOnly) wrote(format string, args ...any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, fmt.Sprintf(format, args...))
	return nil
}

func (s *readOnly) CreateCase(_ context.Context, c *casemgmt.Case, _ casemgmt.Write) error {
	return s.wrote("CreateCase %s", c.Title)
}
func (s *readOnly) UpdateCase(_ context.Context, c *casemgmt.Case, _ casemgmt.Write) error {
	return s.wrote("UpdateCase %s", c.ID)
}
func (s *readOnly) UpsertCase(_ context.Context, c *casemgmt.Case, _ casemgmt.Write) (bool, error) {
	return false, s.wrote("UpsertCase %s", c.ID)
}
func (s *readOnly) DeleteCase(_ context.Context, id string, _ casemgmt.Write) error {
	return s.wrote("DeleteCase %s", id)
}
func (s *readOnly) Relate(_ context.Context, id string, l casemgmt.Link, _ casemgmt.Write) error {
	return s.wrote("Relate %s %s", id, l)
}
func (s *readOnly) Unrelate(_ context.Context, id string, l casemgmt.Link, _ casemgmt.Write) error {
	return s.wrote("Unrelate %s %s", id, l)
}
func (s *readOnly) CreateContact(_ context.Context, c *casemgmt.Contact) error {
	return s.wrote("CreateContact %s", c.Email)
}
func (s *readOnly) UseKey(_ context.Context, key string) (bool, error) {
	return true, s.wrote("UseKey %s", key)
}
func (s *readOnly) AcquireClaim(_ context.Context, name, _ string, _ time.Duration) (bool, error) {
	return true, s.wrote("AcquireClaim %s", name)
}
func (s *readOnly) ReleaseClaim(_ context.Context, name, _ string) error {
	return s.wrote("ReleaseClaim %s", name)
}
func (s *readOnly) PutState(_ context.Context, key string, _ []byte) error {
	return s.wrote("PutState %s", key)
}
func (s *readOnly) AddInteraction(ctx context.Context, in *casemgmt.Interaction) error {
	if !in.Shadow {
		return s.wrote("AddInteraction not marked shadow: %s %s", in.Trigger, in.Reason)
	}
	return s.Store.AddInteraction(ctx, in)
}

// A shadow agent writes nothing and sends nothing, whatever it does:
// creation and update from chats, a person's edit, email intake (with an
// acknowledgement and a new contact), a reply that settles a case waiting
// on the customer, auto-replies, follow-ups (sent, drafted, and the
// closing after the last). It records what it would have done, marked
// shadow, and says so in its results.
func TestShadowWritesAndSendsNothing(t *testing.T) {
	ctx := context.Background()
	for _, automation := range []string{"full", "draft"} {
		t.Run(automation, func(t *testing.T) {
			r := newFollowUpRig(t, automation)
			waiting := r.newWaitingCase("C-1")
			cfg := r.ag.Config()
			guard := &readOnly{Store: r.store}
			outbox := &channel.Outbox{}
			shadow, err := agent.New(guard, predictContact, cfg, agent.WithShadow(true), agent.WithClock(r.clock),
				agent.WithSender(outbox, channel.Address{Email: "support@example.org"}))
			if err != nil {
				t.Fatal(err)
			}
			conv := func(id, contact, text string) *channel.Conversation {
				return &channel.Conversation{ID: id, Kind: channel.KindChat, Status: channel.StatusEnded,
					Customer: channel.Customer{ContactID: contact},
					Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: text, Time: r.clock()}}}
			}
			results := map[string]*agent.Result{}
			run2 := func(name string) func(*agent.Result, error) {
				return func(res *agent.Result, err error) {
					t.Helper()
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					results[name] = res
				}
			}
			run2("chat creation")(shadow.ConversationEnded(ctx, conv("conv-new", "C-1", "my camera is dead"), "rep-1"))
			run2("chat update")(shadow.ConversationAccepted(ctx, conv("conv-C-1", "C-1", "my hub is offline, and the X200 too"), "rep-1"))
			run2("update from conversation")(shadow.UpdateFromConversation(ctx, conv("conv-C-1", "C-1", "my hub is offline"), "rep-1"))
			run2("edit")(shadow.EditCase(ctx, waiting.ID, "rep-1", map[string]any{"status": "resolved"}))
			inbound := func(id, from, subject, extra string) *channel.Message {
				return &channel.Message{ID: id, From: channel.Address{Email: from}, To: []channel.Address{{Email: "support@example.org"}},
					Subject: subject, Text: "Hello, it works again, thanks!", Time: r.clock(), InReplyTo: extra}
			}
			run2("email intake")(shadow.InboundEmail(ctx, "support@example.org", inbound("new@example.net", "stranger@example.net", "Help", "")))
			reply := inbound("reply@example.org", "ana@example.org", "Re: ["+waiting.Number+"] hub", "")
			run2("email reply")(shadow.InboundEmail(ctx, "support@example.org", reply))
			auto := inbound("ooo@example.org", "ana@example.org", "Out of office", "")
			auto.AutoReply = true
			run2("auto-reply")(shadow.InboundEmail(ctx, "support@example.org", auto))

			// Follow-ups: every step of the sequence, as a live agent
			// would meet them.
			var due []agent.DueOutcome
			for _, wait := range []time.Duration{49 * time.Hour, 49 * time.Hour, 73 * time.Hour} {
				r.mu.Lock()
				r.now = r.now.Add(wait)
				r.mu.Unlock()
				out, err := shadow.RunDue(ctx, r.clock())
				if err != nil {
					t.Fatal(err)
				}
				due = append(due, out...)
			}
			if len(due) == 0 {
				t.Fatal("the shadow agent found no follow-up due")
			}
			for _, o := range due {
				if !o.Shadow {
					t.Errorf("due outcome %+v not marked shadow", o)
				}
			}
			if automation == "full" && (due[0].Action != "follow_up_sent" || due[0].Message == nil || !strings.Contains(due[0].Message.Text, "Any news")) {
				t.Errorf("the shadow follow-up does not say what it would send: %+v", due[0])
			}
			for _, w := range guard.writes {
				t.Errorf("shadow agent wrote: %s", w)
			}
			if outbox.Len() != 0 || r.box.Len() != 0 {
				t.Errorf("shadow agent sent %d messages", outbox.Len()+r.box.Len())
			}
			for name, res := range results {
				if res.Outcome == casemgmt.OutcomeCreated || res.Outcome == casemgmt.OutcomeUpdated {
					t.Errorf("%s: outcome %s from a shadow agent", name, res.Outcome)
				}
			}
			// The live agent still follows up: the shadow used up no step.
			r.advance(time.Hour)
			if r.box.Len() == 0 && automation == "full" {
				t.Error("the live agent sent no follow-up after the shadow agent's run")
			}
			recs, err := r.store.ListInteractions(ctx, casemgmt.InteractionQuery{})
			if err != nil {
				t.Fatal(err)
			}
			shadows := 0
			for _, in := range recs {
				if in.Shadow {
					shadows++
				}
			}
			if shadows < len(results) {
				t.Errorf("%d shadow records for %d shadow runs and the follow-ups", shadows, len(results))
			}
		})
	}
}

// predictContact predicts the authenticated customer as the contact.
var predictContact = predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
	return &predict.Result{Predictor: "contact", Predictions: map[string]predict.Prediction{
		"contact": {Value: req.Customer.ContactID, Confidence: 1},
	}}, nil
})

// Over days, a tenant compares what the shadow agent would have written
// with what people did: values people kept agree, values they changed
// differ.
func TestCompareShadow(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	shadow := f.With(t, agent.WithShadow(true))
	f.Pred.Set(map[string]agenttest.Answer{
		"issue_description": {Value: hello, Conf: 0.9, Quote: "rebooting"},
		"contact":           {Value: "C-1", Conf: 0.9},
		"category":          {Value: "Product defect", Conf: 0.9},
	})
	conv := agenttest.Convo("conv-cmp", hello)
	if res, err := shadow.ConversationAccepted(ctx, conv, "rep-1"); err != nil || res.Outcome != casemgmt.OutcomeShadow {
		t.Fatalf("shadow: %v %+v", err, res)
	}
	// People create the case and set the category to another value.
	res, err := f.Agent.ConversationAccepted(ctx, conv, "rep-1")
	if err != nil || res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("live: %v %+v", err, res)
	}
	if _, err := f.Agent.EditCase(ctx, res.Case.ID, "rep-2", map[string]any{"category": "Billing"}); err != nil {
		t.Fatal(err)
	}
	rep, err := agent.CompareShadow(ctx, f.Store, casemgmt.InteractionQuery{ConversationID: "conv-cmp"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Runs != 1 || rep.WouldCreate != 1 {
		t.Errorf("runs %d, would create %d; want 1, 1", rep.Runs, rep.WouldCreate)
	}
	want := map[string]agent.ShadowField{
		"issue_description": {Compared: 1, Agreed: 1},
		"contact":           {Compared: 1, Agreed: 1},
		"category":          {Compared: 1, Differed: 1},
	}
	for name, w := range want {
		got := rep.Fields[name]
		if got == nil || *got != w {
			t.Errorf("%s: %+v, want %+v", name, got, w)
		}
	}
	if a := rep.Fields["category"].Agreement(); a != 0 {
		t.Errorf("category agreement %v, want 0", a)
	}
}
