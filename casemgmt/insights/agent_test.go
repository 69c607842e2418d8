package insights_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/insights"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

const tenant = `{
  "fields": [
    {"name": "issue_description", "type": "text"},
    {"name": "contact", "type": "lookup", "lookup": "contacts"}
  ],
  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"},
               {"id": "C-2", "name": "Bo Chen", "email": "bo@example.org"}],
  "create": {"fields": ["contact", "issue_description"], "require": "all"},
  "follow_up": [{
    "name": "waiting", "when": {"field": "status", "op": "equals", "value": "waiting_on_customer"},
    "automation": "full", "waits": ["48h", "48h"], "close_after_last": true
  }]
}`

// The figures read what the agent itself writes: a case created from a
// chat whose description a person corrects, followed up twice and closed
// by the agent when nobody answers; another followed up once and
// resolved by the agent on the customer's favourable reply.
func TestFiguresOfTheAgentsOwnRecords(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	store := memstore.New(memstore.WithClock(clock))
	cfg, err := agent.ParseConfig([]byte(tenant))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		t.Fatal(err)
	}
	pred := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		last := req.Messages[len(req.Messages)-1]
		return &predict.Result{Predictor: "scripted", Usage: predict.Usage{Calls: 1, TotalTokens: 300, Cost: 0.001},
			Predictions: map[string]predict.Prediction{
				"contact":           {Value: req.Customer.ContactID, Confidence: 1},
				"issue_description": {Value: last.Text, Confidence: 0.9, Evidence: []predict.Evidence{{MessageID: last.ID, Quote: last.Text}}},
			}}, nil
	})
	box := &channel.Outbox{}
	ag, err := agent.New(store, pred, cfg, agent.WithClock(clock), agent.WithSender(box, channel.Address{Email: "support@example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	advance := func(d time.Duration) {
		t.Helper()
		end := clock().Add(d)
		for clock().Before(end) {
			mu.Lock()
			now = now.Add(30 * time.Minute)
			if now.After(end) {
				now = end
			}
			at := now
			mu.Unlock()
			if _, err := ag.RunDue(ctx, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	open := func(contact, text string) string {
		t.Helper()
		conv := &channel.Conversation{ID: "conv-" + contact, Kind: channel.KindChat, Status: channel.StatusEnded,
			Customer: channel.Customer{ContactID: contact},
			Messages: []channel.Message{{ID: "m-" + contact, Role: channel.RoleCustomer, Text: text, Time: clock()}}}
		res, err := ag.ConversationEnded(ctx, conv, "rep-1")
		if err != nil || res.Outcome != casemgmt.OutcomeCreated {
			t.Fatalf("create: %v %+v", err, res)
		}
		return res.Case.ID
	}
	edit := func(id string, edits map[string]any) {
		t.Helper()
		if _, err := ag.EditCase(ctx, id, "rep-1", edits); err != nil {
			t.Fatal(err)
		}
	}

	ana := open("C-1", "my hub is offline")
	edit(ana, map[string]any{"issue_description": "Hub offline after the firmware update"})
	edit(ana, map[string]any{"status": "waiting_on_customer"})
	advance(2 * time.Hour)
	bo := open("C-2", "the plug clicks but stays off")
	edit(bo, map[string]any{"status": "waiting_on_customer"})
	advance(49 * time.Hour) // both followed up once
	c, err := store.GetCase(ctx, bo)
	if err != nil {
		t.Fatal(err)
	}
	reply := &channel.Message{ID: "reply-1@example.org", Kind: channel.KindEmail, Role: channel.RoleCustomer,
		From: channel.Address{Email: "bo@example.org"}, Subject: "Re: follow-up", Text: "Thanks, that fixed it! You can close this.",
		InReplyTo: strings.Trim(c.LinkIDs(casemgmt.LinkEmail)[0], "<>"), Time: clock()}
	if _, err := ag.InboundEmail(ctx, "support@example.org", reply); err != nil {
		t.Fatal(err)
	}
	advance(100 * time.Hour) // Ana's second follow-up, then her case closes

	r, err := insights.Build(ctx, store, insights.WithRange(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		FollowUp                      insights.FollowUpFigures
		ClosedByAgent, ClosedByPeople int
		Values                        insights.ValueCounts
		Calls                         int
		Sent                          int
	}
	want := got{
		FollowUp:      insights.FollowUpFigures{Cases: 2, Sent: 3, ResolvedByAgent: 2},
		ClosedByAgent: 2,
		// contact and description for each case; Ana's description corrected.
		Values: insights.ValueCounts{Applied: 4, Kept: 3, Corrected: 1},
		// Two creations and the reply, which the agent reads for updates.
		Calls: 3,
		Sent:  3,
	}
	if diff := cmp.Diff(want, got{r.FollowUp, r.Closing.ClosedByAgent, r.Closing.ClosedByPeople, r.Values, r.Usage.Calls, box.Len()}); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
