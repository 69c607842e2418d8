package agent_test

import (
	"context"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/resolve"
)

// In a live chat the answer is returned for the host to post; the
// customer's next chat message is the verdict on it, as an email reply
// is: a favourable one resolves the case, another hands it to a person.
func TestResolutionChatVerdict(t *testing.T) {
	tests := []struct {
		reply      string
		wantStatus casemgmt.Status
		wantState  string
	}{
		{"Thanks, that solved it!", casemgmt.StatusResolved, agent.ResolutionResolved},
		{"Sorry, that did not help at all.", casemgmt.StatusActive, agent.ResolutionHandedOver},
	}
	for _, tt := range tests {
		t.Run(tt.reply, func(t *testing.T) {
			r := newResolutionRig(t, "full", "hand_over")
			ctx := context.Background()
			conv := &channel.Conversation{ID: "chat-1", Kind: channel.KindChat, Status: channel.StatusActive,
				Customer: channel.Customer{ContactID: "C-1", Name: "Ana Lima"}, StartedAt: r.clock(),
				Messages: []channel.Message{{ID: "c1", Role: channel.RoleCustomer, Time: r.clock(),
					Text: "I want to send it back, order ORD-654321."}}}
			res, err := r.ag.ConversationAccepted(ctx, conv, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Resolution == nil || res.Resolution.Decision == nil || res.Resolution.Decision.Kind != resolve.Resolved || res.Resolution.Sent {
				t.Fatalf("answer in the chat: %+v (%s %s)", res.Resolution, res.Outcome, res.Reason)
			}
			id := res.Case.ID
			if c := r.get(id); c.Meta[agent.MetaResolution] != agent.ResolutionProposed {
				t.Fatalf("after the answer: %q", c.Meta[agent.MetaResolution])
			}
			// The host posts the answer; the customer answers it.
			conv.Messages = append(conv.Messages,
				channel.Message{ID: "a1", Role: channel.RoleAgent, Text: res.Resolution.Message.Text, Time: r.clock()},
				channel.Message{ID: "c2", Role: channel.RoleCustomer, Text: tt.reply, Time: r.clock()})
			if _, err := r.ag.CustomerMessage(ctx, conv, ""); err != nil {
				t.Fatal(err)
			}
			c := r.get(id)
			if c.Status != tt.wantStatus || c.Meta[agent.MetaResolution] != tt.wantState {
				t.Errorf("after %q: %s %q, want %s %q", tt.reply, c.Status, c.Meta[agent.MetaResolution], tt.wantStatus, tt.wantState)
			}
			if r.out.Len() != 0 {
				t.Errorf("%d emails sent from a live chat", r.out.Len())
			}
		})
	}
}
