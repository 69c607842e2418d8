package agent

import (
	"context"
	"strconv"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
)

// MetaProposedAt is, for an answer proposed in a live chat, how many
// messages the conversation had when the answer was returned for the host
// to post: the customer's messages after them are the verdict on it.
const MetaProposedAt = "resolution.proposed_at"

// markChatProposal remembers where in a live chat an answer was proposed.
func (r *run) markChatProposal(c *casemgmt.Case) {
	if r.conv == nil || r.conv.Kind != channel.KindChat {
		return
	}
	c.Meta[MetaProposedAt] = strconv.Itoa(len(r.conv.Messages))
}

// chatVerdict judges, in a live chat, the customer's messages written
// after the agent proposed an answer there, as customerReplied judges an
// email reply: a favourable one resolves the case, any other hands it
// back to a person. It returns the case after the verdict, or nil when
// there is nothing to judge.
func (r *run) chatVerdict(ctx context.Context, c *casemgmt.Case) (*casemgmt.Case, error) {
	if r.conv == nil || r.conv.Kind != channel.KindChat || c == nil ||
		c.Status != casemgmt.StatusWaitingOnCustomer || c.Meta[MetaResolution] != ResolutionProposed {
		return nil, nil
	}
	at, err := strconv.Atoi(c.Meta[MetaProposedAt])
	if err != nil || at < 0 || at >= len(r.conv.Messages) {
		return nil, nil
	}
	var texts, ids []string
	for _, m := range r.conv.Messages[at:] {
		if m.Role == channel.RoleCustomer && strings.TrimSpace(m.Text) != "" {
			texts = append(texts, m.Text)
			ids = append(ids, m.ID)
		}
	}
	if len(texts) == 0 {
		return nil, nil
	}
	m := &channel.Message{ID: strings.Join(ids, ","), Role: channel.RoleCustomer, Text: strings.Join(texts, "\n")}
	if len(ids) == 1 {
		m.ID = ids[0]
	}
	return r.a.customerReplied(ctx, c.ID, m)
}
