package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/resolve"
)

// Capabilities a simulation runs.
const (
	SimulateResolution = "resolution"
	SimulateFollowUp   = "follow_up"
)

// Limits of a simulation.
const (
	DefaultSimulateLimit = 50
	MaxSimulateLimit     = 500
)

// SimulateOptions choose the capability and the cases of a simulation.
// The cases are CaseIDs, then those Query lists (which needs a store that
// implements casemgmt.Lister), at most Limit in all.
type SimulateOptions struct {
	// Capability is SimulateResolution or SimulateFollowUp.
	Capability string
	// CaseIDs are cases to simulate on, in this order.
	CaseIDs []string
	// Query lists more cases (status, contact, updated since, order);
	// its zero value lists none unless CaseIDs is empty, when it lists
	// every case. Its Limit and Cursor are the simulation's to set.
	Query casemgmt.ListQuery
	// Limit is the most cases simulated: 0 is DefaultSimulateLimit, more
	// than MaxSimulateLimit is MaxSimulateLimit.
	Limit int
	// At is when the follow-ups are run, as RunDue(ctx, At) would: a case
	// whose follow-up is not due at At is "skipped". Zero is the agent's
	// clock. Resolution runs at the agent's clock.
	At time.Time
}

// SimulatedRun is what the agent would have done for one case. It is
// plain data.
type SimulatedRun struct {
	CaseID string `json:"case_id"`
	// Action is, for resolution, "question", "resolved", "unable_to_resolve",
	// "resolve_case", "no_action" (the resolver's decision), "ask_more",
	// "handed_over" or "none" (resolution does not apply); for follow-up,
	// DueOutcome's Action.
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
	// Intent and Decision are resolution's; Drafted says that the message
	// would have been drafted for a person rather than sent.
	Intent   string            `json:"intent,omitempty"`
	Decision *resolve.Decision `json:"decision,omitempty"`
	Drafted  bool              `json:"drafted,omitempty"`
	// Messages are the messages the agent would have sent (or drafted).
	Messages []channel.Outgoing `json:"messages,omitempty"`
	// Error is why the case could not be simulated.
	Error string `json:"error,omitempty"`
}

type simulateKey struct{}

// simulating reports whether ctx runs a simulation: shadow mode that
// leaves not even its records.
func simulating(ctx context.Context) bool { return ctx.Value(simulateKey{}) != nil }

// shadowIn reports whether a run in ctx must write and send nothing: the
// agent is in shadow mode, or runs a simulation.
func (a *Agent) shadowIn(ctx context.Context) bool { return a.shadow || simulating(ctx) }

// Simulate runs resolution or follow-up over existing cases and returns
// what the agent would have done for each, with the messages it would
// have sent, without writing or sending anything and without recording
// interactions, shadow or not. It reads the store (and asks the predictor
// and the retriever) as a live run does. A case that fails is reported in
// its SimulatedRun's Error; Simulate itself fails only on bad options or a
// failed listing.
func (a *Agent) Simulate(ctx context.Context, opts SimulateOptions) ([]SimulatedRun, error) {
	switch opts.Capability {
	case SimulateResolution, SimulateFollowUp:
	default:
		return nil, fmt.Errorf("%w: capability %q is neither %q nor %q", casemgmt.ErrInvalid, opts.Capability, SimulateResolution, SimulateFollowUp)
	}
	if opts.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultSimulateLimit
	}
	limit = min(limit, MaxSimulateLimit)
	ids, err := a.simulatedCases(ctx, opts, limit)
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, simulateKey{}, true)
	at := opts.At
	if at.IsZero() {
		at = a.now()
	}
	out := make([]SimulatedRun, 0, len(ids))
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		var s SimulatedRun
		if opts.Capability == SimulateFollowUp {
			s = a.simulateFollowUp(ctx, id, at)
		} else {
			s = a.simulateResolution(ctx, id)
		}
		out = append(out, s)
	}
	return out, nil
}

// simulatedCases are the ids of the cases to simulate on.
func (a *Agent) simulatedCases(ctx context.Context, opts SimulateOptions, limit int) ([]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, id := range opts.CaseIDs {
		if len(ids) == limit {
			return ids, nil
		}
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	q := opts.Query
	if len(opts.CaseIDs) > 0 && len(q.Statuses) == 0 && q.ContactID == "" && q.UpdatedSince.IsZero() {
		return ids, nil
	}
	l, ok := a.store.(casemgmt.Lister)
	if !ok {
		return nil, fmt.Errorf("%w: the store cannot list cases; name them in CaseIDs", errors.ErrUnsupported)
	}
	q.Cursor = ""
	for len(ids) < limit {
		q.Limit = min(limit-len(ids), casemgmt.MaxPageSize)
		page, err := l.ListCases(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, c := range page.Cases {
			if len(ids) < limit && !seen[c.ID] {
				seen[c.ID] = true
				ids = append(ids, c.ID)
			}
		}
		if page.Next == "" || len(page.Cases) == 0 {
			break
		}
		q.Cursor = page.Next
	}
	return ids, nil
}

func (a *Agent) simulateFollowUp(ctx context.Context, id string, at time.Time) SimulatedRun {
	s := SimulatedRun{CaseID: id}
	o, err := a.runDueCase(ctx, id, at)
	if err != nil {
		s.Action, s.Error = "failed", errText(err)
		return s
	}
	s.Action, s.Reason = o.Action, o.Reason
	s.Drafted = o.Action == "follow_up_drafted"
	if o.Message != nil {
		s.Messages = []channel.Outgoing{*o.Message}
	}
	return s
}

func (a *Agent) simulateResolution(ctx context.Context, id string) SimulatedRun {
	s := SimulatedRun{CaseID: id}
	now := a.now()
	r := &run{a: a, trigger: TriggerResolution, start: now}
	r.in = &casemgmt.Interaction{CaseID: id, Trigger: TriggerResolution, Actor: a.actor(), Time: now}
	out, c, err := r.resolveCase(ctx, id, "")
	switch {
	case err != nil:
		s.Action, s.Error = "failed", errText(err)
		return s
	case out == nil:
		s.Action, s.Reason = "none", "resolution does not apply to the case"
		return s
	}
	s.Intent, s.Decision, s.Reason = out.Intent, out.Decision, out.Reason
	switch {
	case out.Decision != nil:
		s.Action = string(out.Decision.Kind)
	case c != nil && c.Meta[MetaResolution] == ResolutionAsked:
		s.Action = "ask_more"
	case c != nil && c.Meta[MetaResolution] == ResolutionHandedOver:
		s.Action = "handed_over"
	default:
		s.Action = "none"
	}
	if out.HandedOver || (c != nil && c.Meta[MetaResolution] == ResolutionHandedOver) {
		s.Reason = c.Meta[MetaSummary]
	}
	if out.Draft != nil {
		s.Drafted = true
	}
	if m := out.Message; m != nil {
		msg := *m
		if c != nil && len(msg.To) == 0 {
			if to, err := a.contactAddress(ctx, c); err == nil && to.Email != "" {
				msg.To = []channel.Address{to}
			}
			refs := c.LinkIDs(casemgmt.LinkEmail)
			msg.References = refs
			if len(refs) > 0 {
				msg.InReplyTo = refs[len(refs)-1]
			}
		}
		s.Messages = []channel.Outgoing{msg}
	}
	return s
}
