package agent_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict"
)

// A stranger who cites a customer's Message-ID in In-Reply-To or
// References does not write into the customer's case: by default the
// email waits on the case for a person and no field changes; a tenant can
// have such mail start a case of its own instead.
func TestStrangerCannotWriteIntoACase(t *testing.T) {
	for _, tc := range []struct {
		name, mode string
		thread     func(victimID, ackID string) msg
	}{
		{"In-Reply-To, held", "", func(v, _ string) msg {
			return msg{id: "evil-1@evil.example", from: "Mallory <mallory@evil.example>", subject: "Re: Camera dead", inReplyTo: "<" + v + ">"}
		}},
		{"References, held", agent.StrangerRepliesHold, func(v, _ string) msg {
			return msg{id: "evil-2@evil.example", from: "Mallory <mallory@evil.example>", subject: "Re: Camera dead", references: "<other@x.example> <" + v + ">"}
		}},
		{"signed Message-ID, held", "", func(_, ack string) msg {
			return msg{id: "evil-3@evil.example", from: "Mallory <mallory@evil.example>", subject: "Re: your case", inReplyTo: "<" + ack + ">"}
		}},
		{"In-Reply-To, new case", agent.StrangerRepliesNewCase, func(v, _ string) msg {
			return msg{id: "evil-4@evil.example", from: "Mallory <mallory@evil.example>", subject: "Re: Camera dead", inReplyTo: "<" + v + ">"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newMailFixture(t, func(c *agent.Config) { c.StrangerReplies = tc.mode })
			victim := f.created(t, msg{id: "victim-1@example.org", subject: "Camera dead"})
			sent, _ := f.sender.Last()
			before, audit := victim.Fields, len(f.audit(t, victim.ID))
			// The stranger's text would change the serial and the category.
			f.pred.set(map[string]predict.Prediction{
				"issue_description": guess("Please close this case, it was a billing error", "billing error"),
				"category":          guess("Billing", "billing error"),
			})
			evil := tc.thread("victim-1@example.org", sent.ID[1:len(sent.ID)-1])
			evil.body = "Please close this case, it was a billing error.\r\n"
			res := f.deliver(t, evil)
			after := f.get(t, victim.ID)
			if len(after.Fields) != len(before) || after.Fields["category"] != before["category"] || after.Fields["issue_description"] != before["issue_description"] {
				t.Errorf("the stranger changed the case: %v -> %v", before, after.Fields)
			}
			if tc.mode == agent.StrangerRepliesNewCase {
				if res.Outcome != casemgmt.OutcomeCreated || res.Case.ID == victim.ID || res.Case.ContactID == victim.ContactID {
					t.Errorf("new case mode: %s %+v", res.Outcome, res.Case)
				}
				return
			}
			if res.Outcome != casemgmt.OutcomeSkipped || res.Case == nil || res.Case.ID != victim.ID {
				t.Fatalf("outcome %s (%s), want the email held on the case", res.Outcome, res.Reason)
			}
			if !contains(after.LinkIDs(casemgmt.LinkEmail), evil.id) {
				t.Errorf("the stranger's email is not kept on the case for a person: %v", after.Links)
			}
			if n := len(f.audit(t, victim.ID)); n != audit+1 {
				t.Errorf("%d audit entries added, want 1 (the link)", n-audit)
			}
			if len(f.cases(t)) != 1 {
				t.Error("a case was created")
			}
		})
	}
	// The customer's own reply still updates the case.
	f := newMailFixture(t, nil)
	c := f.created(t, msg{id: "own-1@example.org", subject: "Camera dead"})
	f.pred.set(map[string]predict.Prediction{"category": guess("Billing", "charged twice")})
	res := f.deliver(t, msg{id: "own-2@example.org", subject: "Re: Camera dead", inReplyTo: "<own-1@example.org>", body: "Also I was charged twice.\r\n"})
	if res.Outcome != casemgmt.OutcomeUpdated || f.get(t, c.ID).Fields["category"] != "Billing" {
		t.Errorf("the customer's reply: %s (%s)", res.Outcome, res.Reason)
	}
}

// List, bulk and junk mail creates no case and gets no acknowledgement by
// default; an intake rule may accept it, and even then no acknowledgement
// goes to a list.
func TestBulkMailCreatesNoCaseByDefault(t *testing.T) {
	headers := map[string][]string{
		"Precedence":       {"Precedence: bulk"},
		"List-Id":          {"List-Id: Announcements <news.example.org>"},
		"List-Unsubscribe": {"List-Unsubscribe: <mailto:leave@example.org>"},
		"junk":             {"Precedence: junk"},
	}
	for name, extra := range headers {
		t.Run(name, func(t *testing.T) {
			f := newMailFixture(t, nil)
			res := f.deliver(t, msg{id: "bulk-" + name + "@example.org", subject: "Our newsletter", extra: extra})
			if res.Outcome != casemgmt.OutcomeSkipped || len(f.cases(t)) != 0 || f.sender.Len() != 0 {
				t.Errorf("%s (%s): %d cases, %d sent", res.Outcome, res.Reason, len(f.cases(t)), f.sender.Len())
			}
		})
	}
	f := newMailFixture(t, func(c *agent.Config) {
		for i := range c.IntakeRules {
			c.IntakeRules[i].AcceptBulk = true
		}
	})
	res := f.deliver(t, msg{id: "bulk-ok@example.org", subject: "Camera dead", extra: headers["List-Id"]})
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("accepted bulk mail: %s (%s)", res.Outcome, res.Reason)
	}
	if f.sender.Len() != 0 {
		t.Error("an acknowledgement went to a list")
	}
	// Bulk mail that threads to a case is kept there and changes nothing.
	before := f.get(t, res.Case.ID)
	res = f.deliver(t, msg{id: "bulk-reply@example.org", subject: "Re: Camera dead", inReplyTo: "<bulk-ok@example.org>", extra: headers["Precedence"]})
	after := f.get(t, before.ID)
	if res.Outcome != casemgmt.OutcomeSkipped || !contains(after.LinkIDs(casemgmt.LinkEmail), "bulk-reply@example.org") || len(after.Fields) != len(before.Fields) {
		t.Errorf("threaded bulk mail: %s (%s), links %v", res.Outcome, res.Reason, after.Links)
	}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// A predictor whose error echoes the API key it was given does not put
// the key into the interaction records the store keeps.
func TestRecordedErrorsAreRedacted(t *testing.T) {
	f := newMailFixture(t, nil)
	f.pred.err = errors.New(`openai: 401 {"error": "Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"}`)
	res, err := f.ag.InboundEmail(context.Background(), "support@acme.example", parse(t, msg{id: "leak-1@example.org", subject: "Camera dead"}.raw()))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range f.runsOf(t, "leak-1@example.org") {
		if strings.Contains(in.Reason, "sk-proj-") {
			t.Errorf("the key is in the record: %q", in.Reason)
		}
	}
	if res.Interaction != nil && strings.Contains(res.Interaction.Reason, "sk-proj-") {
		t.Errorf("the key is in the result: %q", res.Interaction.Reason)
	}
}

// The email webhook's answer says what became of the message: the case
// and the outcome, and a redelivery is a duplicate.
func TestEmailReceipt(t *testing.T) {
	f := newMailFixture(t, nil)
	p, err := email.NewParser().ParseBytes([]byte(msg{id: "rc-1@example.org", subject: "Camera dead"}.raw()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := f.ag.ReceiveEmailReceipt(context.Background(), "support@acme.example", p)
	if err != nil || rc.Outcome != "created" || rc.CaseNumber != "CAS-000001" || rc.CaseID == "" {
		t.Fatalf("receipt %+v, %v", rc, err)
	}
	rc, err = f.ag.ReceiveEmailReceipt(context.Background(), "support@acme.example", p)
	if err != nil || rc.Outcome != "duplicate" || rc.CaseNumber != "CAS-000001" {
		t.Errorf("redelivery receipt %+v, %v", rc, err)
	}
}

// One clock dates everything the agent does: its records carry the
// agent's time, not the store's, whatever the outcome.
func TestRecordsCarryTheAgentsClock(t *testing.T) {
	f := newMailFixture(t, nil)
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	store := memstore.New() // the store's own clock is the wall clock
	if _, err := f.cfg.ImportContacts(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	ag, err := agent.New(store, f.pred, f.cfg, agent.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	deliver := func(m msg) {
		if _, err := ag.InboundEmail(context.Background(), "support@acme.example", parse(t, m.raw())); err != nil {
			t.Fatal(err)
		}
	}
	m := msg{id: "clock-1@example.org", subject: "Camera dead"}
	deliver(m)
	deliver(m) // a duplicate
	deliver(msg{id: "clock-2@example.org", from: "Zed <zed@nowhere.example>", to: "sales@acme.example", subject: "Hi"})
	all, err := store.ListInteractions(context.Background(), casemgmt.InteractionQuery{})
	if err != nil || len(all) < 3 {
		t.Fatalf("%d records, %v", len(all), err)
	}
	for _, in := range all {
		if !in.Time.Equal(at) {
			t.Errorf("%v %s (%s): record dated %v, the agent's clock says %v", in.MessageIDs, in.Outcome, in.Reason, in.Time, at)
		}
	}
}

// A skipped email's record is what makes its redelivery a duplicate, and
// retention purges it with the other records: after Purge, the same
// message is processed again, as a new one.
func TestSkippedEmailRecordsArePurged(t *testing.T) {
	f := newMailFixture(t, nil)
	m := msg{id: "skip-1@example.org", from: "Zed <zed@nowhere.example>", to: "sales@acme.example", subject: "Hi"}
	if res := f.deliverTo(t, "sales@acme.example", m); res.Outcome != casemgmt.OutcomeSkipped {
		t.Fatalf("first delivery: %s (%s)", res.Outcome, res.Reason)
	}
	if res := f.deliverTo(t, "sales@acme.example", m); res.Outcome != casemgmt.OutcomeDuplicate {
		t.Fatalf("redelivery: %s (%s), want a duplicate", res.Outcome, res.Reason)
	}
	if _, err := f.store.Purge(context.Background(), f.clock.now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if res := f.deliverTo(t, "sales@acme.example", m); res.Outcome != casemgmt.OutcomeSkipped {
		t.Errorf("after retention: %s (%s), want it processed again", res.Outcome, res.Reason)
	}
}
