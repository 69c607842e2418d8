package imapsource_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
	"github.com/caseagent/caseagent/predict"
)

const agentTenant = `{
  "fields": [
    {"name": "title", "type": "text"},
    {"name": "issue_description", "type": "text"},
    {"name": "contact", "type": "lookup", "lookup": "contacts"}
  ],
  "create": {"fields": ["issue_description"]},
  "intake_rules": [{"name": "support", "when": {"field": "to", "op": "contains", "value": "support@"},
                    "set": {"title": "{{subject}}"}, "unknown_senders": "create_contact"}]
}`

// countingReceiver counts what reaches the agent, to show the agent, not
// the poller alone, keeps the outcome exactly once.
type countingReceiver struct {
	next  email.Receiver
	calls int
}

func (c *countingReceiver) ReceiveEmail(ctx context.Context, mailbox string, p *email.Parsed) error {
	c.calls++
	return c.next.ReceiveEmail(ctx, mailbox, p)
}

// A mailbox of customer emails becomes cases through the poller and the
// agent exactly once: across a restart of the poller, and when the same
// messages are delivered again (here by a poller that lost its position,
// as after a UIDVALIDITY reset).
func TestMailboxBecomesCasesOnce(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	adm := dialAdmin(t, s, u)
	const n = 8
	msgIDs := ids("case", n)
	for i, id := range msgIDs[:5] {
		adm.append("INBOX", customerMail(i, id))
	}

	ctx := context.Background()
	cfg, err := agent.ParseConfig([]byte(agentTenant))
	if err != nil {
		t.Fatal(err)
	}
	store := memstore.New()
	// The predictor takes the customer's words as the issue description.
	pred := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		text := req.Messages[len(req.Messages)-1].Text
		return &predict.Result{Predictions: map[string]predict.Prediction{
			"issue_description": {Value: text, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: text}}},
		}}, nil
	})
	ag, err := agent.New(store, pred, cfg)
	if err != nil {
		t.Fatal(err)
	}
	recv := &countingReceiver{next: ag}
	useStore := func(c *imapsource.Config) {
		c.IsNotFound = func(err error) bool { return errors.Is(err, casemgmt.ErrNotFound) }
		c.BatchSize = 3
	}

	p := newPoller(t, s, u, store, recv, useStore)
	if _, err := p.PollOnce(ctx); err != nil { // a first batch, then a restart
		t.Fatal(err)
	}
	p.Close()
	for i, id := range msgIDs[5:] {
		adm.append("INBOX", customerMail(5+i, id))
	}
	p2 := newPoller(t, s, u, store, recv, useStore)
	pollAll(t, p2)
	if recv.calls != n {
		t.Fatalf("the agent was handed %d messages, want %d", recv.calls, n)
	}

	// A poller that lost its position hands every message over again.
	lost := newPoller(t, s, u, newMemState(), recv, func(c *imapsource.Config) { c.Mark = imapsource.MarkFlag })
	pollAll(t, lost)

	seen := map[string]bool{}
	for _, id := range msgIDs {
		cs, err := store.FindCasesByMessageID(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Fatalf("message %s: %d cases, want 1", id, len(cs))
		}
		if seen[cs[0].ID] {
			t.Fatalf("message %s shares case %s with another message", id, cs[0].ID)
		}
		seen[cs[0].ID] = true
		audit, err := store.ListAudit(ctx, cs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		created := 0
		for _, e := range audit {
			if e.Field == casemgmt.AttrCase && e.New == "created" {
				created++
			}
		}
		if created != 1 {
			t.Errorf("case of %s was created %d times", id, created)
		}
	}
}

// customerMail is a distinct customer's first email.
func customerMail(i int, id string) []byte {
	return []byte(fmt.Sprintf("From: Customer %d <customer%d@client.test>\r\n"+
		"To: support@example.test\r\n"+
		"Subject: Router %d keeps rebooting\r\n"+
		"Date: Sat, 21 Nov 2026 10:%02d:00 +0000\r\n"+
		"Message-ID: <%s>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n"+
		"\r\nHello, my router restarts every few minutes since yesterday and the internet drops each time.\r\n", i, i, i, i, id))
}
