package agent

import (
	"context"
	"errors"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// run is the state of one agent call, shared by its steps: what started
// it, when, for whom, the conversation it predicts from, and the
// interaction record it fills. Each call makes its own; it is not safe for
// concurrent use.
type run struct {
	a         *Agent
	trigger   string
	conv      *channel.Conversation // what the run predicts from
	rep       string                // the representative the run acts for
	create    bool                  // the run may create a case
	requested bool                  // asked by a person: always predicts, needs a case
	mailbox   string                // the mailbox of an email run
	start     time.Time
	in        *casemgmt.Interaction         // the run's record
	preds     map[string]predict.Prediction // what predict kept
	contact   string                        // the case's contact's name, for resolution messages
}

// finish records a run that wrote no case and returns its result.
func (r *run) finish(ctx context.Context, out casemgmt.Outcome, reason string, c *casemgmt.Case, changes []casemgmt.AuditEntry) (*Result, error) {
	in := r.in
	in.Outcome, in.Reason = out, reason
	in.Latency = r.a.now().Sub(r.start)
	if c != nil {
		in.CaseID = c.ID
	}
	res := &Result{Outcome: out, Reason: reason, Case: c, Changes: changes, Interaction: in}
	if err := r.a.record(ctx, in); err != nil {
		return nil, err
	}
	return res, nil
}

// shadowed records what a shadow run would have done, and returns res.
func (r *run) shadowed(ctx context.Context, reason string, res *Result) (*Result, error) {
	r.in.Outcome, r.in.Reason = casemgmt.OutcomeShadow, reason
	r.in.Latency = r.a.now().Sub(r.start)
	res.Outcome, res.Reason, res.Interaction = casemgmt.OutcomeShadow, reason, r.in
	if err := r.a.record(ctx, r.in); err != nil {
		return nil, err
	}
	return res, nil
}

// record stores an interaction record; a shadow agent's is marked so.
func (a *Agent) record(ctx context.Context, in *casemgmt.Interaction) error {
	if simulating(ctx) {
		return nil // a simulation leaves no trace (see Simulate)
	}
	if a.shadow {
		in.Shadow = true
	}
	if in.Time.IsZero() {
		// The agent's clock, not the store's, dates what the agent did.
		in.Time = a.now()
	}
	return a.store.AddInteraction(ctx, in)
}

// failed records a run that could not complete, and returns its error.
func (r *run) failed(ctx context.Context, cause error) (*Result, error) {
	in := r.in
	in.Outcome = casemgmt.OutcomeFailed
	in.Reason = errText(cause)
	in.Latency = r.a.now().Sub(r.start)
	if ctx.Err() == nil {
		if err := r.a.record(ctx, in); err != nil {
			return nil, errors.Join(cause, err)
		}
	}
	return nil, cause
}
