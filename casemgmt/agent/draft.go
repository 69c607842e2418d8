package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/resolve"
)

// MetaDraft holds, as JSON, the message a case's agent drafted for a
// person to approve.
const MetaDraft = "agent.draft"

// FeatureApproveDrafts lets a representative approve, edit or discard the
// agent's drafts.
const FeatureApproveDrafts Feature = "approve_drafts"

// FeatureResolve lets a representative invoke resolution on a case.
const FeatureResolve Feature = "resolve"

// Draft is a message the agent wrote but did not send, because the case's
// line of business asks a person to confirm, or the resolver asked for a
// review. A case holds at most one: a newer draft replaces it. It is plain
// data.
type Draft struct {
	CaseID string `json:"case_id"`
	// Kind is the decision the message belongs to ("question",
	// "resolved", "unable_to_resolve", "resolve_case").
	Kind    string           `json:"kind"`
	Message channel.Outgoing `json:"message"`
	// Citations are the articles an answer cites.
	Citations []resolveCitation `json:"citations,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	Created   time.Time         `json:"created"`
}

type resolveCitation struct {
	ArticleID string `json:"article_id"`
	Quote     string `json:"quote"`
}

// ErrNoDraft is returned when a case has no draft waiting.
var ErrNoDraft = errors.New("casemgmt: the case has no draft waiting")

// draft keeps the decision's message on the case instead of sending it.
func (r *run) draft(c *casemgmt.Case, d *resolve.Decision, w *resolutionWork, now time.Time) error {
	dr := Draft{CaseID: c.ID, Message: *w.msg, Reason: w.in.Reason, Created: now}
	if d != nil {
		dr.Kind = string(d.Kind)
		for _, ct := range d.Citations {
			dr.Citations = append(dr.Citations, resolveCitation{ArticleID: ct.ArticleID, Quote: ct.Quote})
		}
	}
	entry, ev, err := r.a.putDraft(c, &dr)
	if err != nil {
		return err
	}
	w.audit = append(w.audit, entry)
	w.events = append(w.events, ev)
	w.out.Draft, w.out.Message = &dr, &dr.Message
	w.in.Reason = "drafted: " + w.in.Reason
	w.msg = nil
	return nil
}

// putDraft keeps d on c (replacing the draft waiting there) and returns
// the audit entry and the feed event that say so.
func (a *Agent) putDraft(c *casemgmt.Case, d *Draft) (casemgmt.AuditEntry, casemgmt.Event, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return casemgmt.AuditEntry{}, casemgmt.Event{}, err
	}
	if c.Meta == nil {
		c.Meta = map[string]string{}
	}
	c.Meta[MetaDraft] = string(b)
	entry := casemgmt.AuditEntry{CaseID: c.ID, Field: MetaDraft, New: "waiting: " + clip(d.Message.Subject, 80),
		Actor: a.actor(), Reason: "drafted for a person to confirm: " + d.Reason, Time: d.Created}
	ev := casemgmt.Event{Kind: casemgmt.ChangeDraftWaiting, Actor: a.actor(), Reason: d.Reason,
		Data: map[string]string{"kind": d.Kind, "subject": d.Message.Subject}}
	return entry, ev, nil
}

// PendingDraft returns the draft waiting on the case, or ErrNoDraft.
func (a *Agent) PendingDraft(ctx context.Context, caseID string) (*Draft, error) {
	c, err := a.store.GetCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	return pendingDraft(c)
}

func pendingDraft(c *casemgmt.Case) (*Draft, error) {
	raw := c.Meta[MetaDraft]
	if raw == "" {
		return nil, ErrNoDraft
	}
	var d Draft
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, fmt.Errorf("%w: the case's draft cannot be read: %v", casemgmt.ErrInvalid, err)
	}
	return &d, nil
}

// ApproveDraft sends the case's draft as a representative approved it:
// as written, or with text instead of its body when text is not nil. The
// send goes through the same checks as the agent's own mail, and the
// approval is audited with the representative's name.
func (a *Agent) ApproveDraft(ctx context.Context, caseID, rep string, text *string) (*Result, error) {
	if !a.prof.Allows(rep, FeatureApproveDrafts) {
		return nil, fmt.Errorf("%w: %s may not approve drafts", ErrNotPermitted, rep)
	}
	if text != nil && strings.TrimSpace(*text) == "" {
		return nil, fmt.Errorf("%w: an empty message", casemgmt.ErrInvalid)
	}
	return a.settleDraft(ctx, caseID, rep, func(c *casemgmt.Case, d *Draft, w *resolutionWork) string {
		w.msg = &d.Message
		why := "draft approved by " + rep
		if text != nil {
			d.Message.Text = *text
			why = "draft edited and approved by " + rep
		}
		return why
	})
}

// DiscardDraft drops the case's draft, as a representative decided, with
// their reason.
func (a *Agent) DiscardDraft(ctx context.Context, caseID, rep, why string) (*Result, error) {
	if !a.prof.Allows(rep, FeatureApproveDrafts) {
		return nil, fmt.Errorf("%w: %s may not discard drafts", ErrNotPermitted, rep)
	}
	return a.settleDraft(ctx, caseID, rep, func(*casemgmt.Case, *Draft, *resolutionWork) string {
		if why == "" {
			return "draft discarded by " + rep
		}
		return "draft discarded by " + rep + ": " + why
	})
}

// settleDraft removes the case's draft, audits why, and sends what decide
// leaves in w.msg.
func (a *Agent) settleDraft(ctx context.Context, caseID, rep string, decide func(*casemgmt.Case, *Draft, *resolutionWork) string) (*Result, error) {
	by := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: rep}
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return nil, err
		}
		d, err := pendingDraft(c)
		if err != nil {
			return nil, err
		}
		now := a.now()
		r := &run{a: a, trigger: TriggerResolution, start: now, rep: rep}
		w := &resolutionWork{c: c, out: &ResolutionOutcome{Draft: d}}
		why := decide(c, d, w)
		delete(c.Meta, MetaDraft)
		audit := []casemgmt.AuditEntry{{CaseID: c.ID, Field: MetaDraft, Old: "waiting: " + clip(d.Message.Subject, 80), Actor: by, Reason: why, Time: now}}
		in := &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerResolution, Actor: by, Outcome: casemgmt.OutcomeUpdated, Reason: why, Time: now}
		if a.shadow {
			return &Result{Outcome: casemgmt.OutcomeShadow, Reason: "would have: " + why, Case: c, Changes: audit}, nil
		}
		err = a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit, Interaction: in})
		if again, err := a.retryable(ctx, attempt, err); again {
			continue
		} else if err != nil {
			return nil, err
		}
		res := &Result{Outcome: casemgmt.OutcomeUpdated, Reason: why, Case: c, Changes: audit, Interaction: in, Resolution: w.out}
		if w.msg != nil {
			if err := r.deliver(ctx, w); err != nil {
				return res, err
			}
		}
		return res, nil
	}
}
