package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
)

// A representative's own email that the customer leaves unanswered counts
// as the first follow-up, whether the host says so, a copy of the email
// reaches the agent's mailbox, or the email came before the case was set
// waiting: the first wait runs from the email, and the sequence of three
// sends two follow-ups before it closes the case.
func TestRepresentativeEmailCountsAsFirstFollowUp(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// tell tells the agent, 2 hours after the rig's start, of the
		// representative's email on case c, and returns the case.
		tell func(t *testing.T, r *followUpRig) *casemgmt.Case
	}{
		{"API", func(t *testing.T, r *followUpRig) *casemgmt.Case {
			c := r.newWaitingCase("C-1")
			r.advance(2 * time.Hour)
			if _, err := r.ag.RepresentativeEmailed(ctx, c.ID, "rep-1", "<rep-1@acme.example>", r.clock()); err != nil {
				t.Fatal(err)
			}
			return c
		}},
		{"copy from the own address", func(t *testing.T, r *followUpRig) *casemgmt.Case {
			c := r.newWaitingCase("C-1")
			// The case's thread: the customer's email the copy answers.
			if err := r.store.Relate(ctx, c.ID, casemgmt.Link{Kind: casemgmt.LinkEmail, ID: "cust-1@example.org"}, casemgmt.Write{Time: r.clock()}); err != nil {
				t.Fatal(err)
			}
			r.advance(2 * time.Hour)
			m := &channel.Message{InReplyTo: "<cust-1@example.org>", ID: "rep-2@example.org", From: channel.Address{Name: "Support", Email: "support@example.org"},
				To: []channel.Address{{Email: "ana@example.org"}}, Subject: "Re: [" + c.Number + "] hub",
				Text: "Could you send us a photo of the hub's lights?", Time: r.clock()}
			if _, err := r.ag.InboundEmail(ctx, "support@example.org", m); err != nil {
				t.Fatal(err)
			}
			return c
		}},
		{"before the case waits", func(t *testing.T, r *followUpRig) *casemgmt.Case {
			c := r.newWaitingCase("C-1")
			if _, err := r.ag.EditCase(ctx, c.ID, "rep-1", map[string]any{"status": "active"}); err != nil {
				t.Fatal(err)
			}
			r.advance(2 * time.Hour)
			if _, err := r.ag.RepresentativeEmailed(ctx, c.ID, "rep-1", "rep-3@acme.example", r.clock()); err != nil {
				t.Fatal(err)
			}
			r.advance(time.Hour)
			if _, err := r.ag.EditCase(ctx, c.ID, "rep-1", map[string]any{"status": "waiting_on_customer"}); err != nil {
				t.Fatal(err)
			}
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFollowUpRig(t, "full")
			start := r.clock()
			c := tt.tell(t, r)
			got := r.get(c.ID)
			if got.Meta[agent.MetaFollowUpStep] != "1" || !got.NextDueAt.Equal(start.Add(50*time.Hour)) {
				t.Fatalf("after the representative's email: step %q, due %s, want 1, %s", got.Meta[agent.MetaFollowUpStep], got.NextDueAt, start.Add(50*time.Hour))
			}
			// 48h after the case waited, the live agent would have sent the
			// first follow-up; the representative's email took its place.
			r.advance(start.Add(49 * time.Hour).Sub(r.clock()))
			if r.box.Len() != 0 {
				t.Fatalf("%d follow-ups sent within the wait from the representative's email", r.box.Len())
			}
			r.advance(200 * time.Hour)
			if r.box.Len() != 2 {
				t.Errorf("%d follow-ups sent, want 2", r.box.Len())
			}
			if last, ok := r.box.Last(); ok && !strings.Contains(last.Message.Text, "follow-up 3") {
				t.Errorf("last follow-up %q, want follow-up 3", last.Message.Text)
			}
			if got := r.get(c.ID); got.Status != casemgmt.StatusClosed {
				t.Errorf("status %s after the sequence, want closed", got.Status)
			}
		})
	}
}

// An email long before the case waits does not count: the sequence
// starts from its first step.
func TestRepresentativeEmailTooOld(t *testing.T) {
	ctx := context.Background()
	r := newFollowUpRig(t, "full")
	c := r.newWaitingCase("C-1")
	if _, err := r.ag.EditCase(ctx, c.ID, "rep-1", map[string]any{"status": "active"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ag.RepresentativeEmailed(ctx, c.ID, "rep-1", "old@acme.example", r.clock()); err != nil {
		t.Fatal(err)
	}
	r.advance(72 * time.Hour)
	if _, err := r.ag.EditCase(ctx, c.ID, "rep-1", map[string]any{"status": "waiting_on_customer"}); err != nil {
		t.Fatal(err)
	}
	if got := r.get(c.ID); got.Meta[agent.MetaFollowUpStep] != "0" || !got.NextDueAt.Equal(r.clock().Add(48*time.Hour)) {
		t.Errorf("step %q due %s, want 0 and a full first wait", got.Meta[agent.MetaFollowUpStep], got.NextDueAt)
	}
}
