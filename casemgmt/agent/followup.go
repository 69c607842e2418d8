package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/rules"
)

// Follow-up bookkeeping kept in Case.Meta.
const (
	// MetaFollowUpPolicy names the follow-up policy whose sequence runs.
	MetaFollowUpPolicy = "followup.policy"
	// MetaFollowUpStep counts the follow-ups of the sequence done so far.
	MetaFollowUpStep = "followup.step"
)

// Triggers of follow-up runs.
const (
	TriggerFollowUp = "follow_up"
	TriggerReply    = "customer_reply"
)

// Verdict is what a customer's reply says about their problem.
type Verdict int

// The verdicts on a reply.
const (
	// VerdictNeutral: the reply neither settles nor reopens the matter;
	// a person takes it from there.
	VerdictNeutral Verdict = iota
	// VerdictResolved: the customer says the problem is solved, or asks to
	// close the case.
	VerdictResolved
	// VerdictUnresolved: the customer says the problem remains.
	VerdictUnresolved
)

// ReplyJudge decides what a customer's reply to a case waiting on them
// says. The default judge reads common phrases in English, Spanish,
// German, Portuguese, French, Italian and Dutch; a model-backed judge can
// replace it.
type ReplyJudge interface {
	Judge(ctx context.Context, m *channel.Message) (Verdict, error)
}

// ReplyJudgeFunc adapts a function to ReplyJudge.
type ReplyJudgeFunc func(ctx context.Context, m *channel.Message) (Verdict, error)

// Judge calls f.
func (f ReplyJudgeFunc) Judge(ctx context.Context, m *channel.Message) (Verdict, error) {
	return f(ctx, m)
}

// WithReplyJudge sets how customer replies to waiting cases are judged.
func WithReplyJudge(j ReplyJudge) Option { return func(a *Agent) { a.judge = j } }

// followUpPolicy returns the first active follow-up policy whose
// condition and trigger hold for the case, or nil.
func (a *Agent) followUpPolicy(c *casemgmt.Case) *FollowUpPolicy {
	if a.rules.followUp == nil || a.rules.followUp.Len() == 0 {
		return nil
	}
	rv := a.ruleValues(c, c.Fields, nil)
	for i := 0; i < a.rules.followUp.Len(); i++ {
		r := a.rules.followUp.Rule(i)
		if r.Inactive {
			continue
		}
		p := &a.cfg.FollowUp[r.Action]
		if p.Trigger != "" && !strings.EqualFold(p.Trigger, c.StatusReason) {
			continue
		}
		ok, err := a.rules.followUp.Holds(i, rv)
		if err != nil {
			a.log.Warn("follow-up condition failed", "policy", p.Name, "err", err)
			continue
		}
		if ok {
			return p
		}
	}
	return nil
}

// schedule starts, keeps or stops the follow-up sequence of a case after
// a change, and returns the audit entry for a change of due time.
func (a *Agent) schedule(c *casemgmt.Case, by casemgmt.Actor, now time.Time) []casemgmt.AuditEntry {
	p := a.followUpPolicy(c)
	running := c.Meta[MetaFollowUpPolicy]
	switch {
	case p != nil && running == p.Name:
		return nil // the sequence goes on
	case p != nil:
		if c.Meta == nil {
			c.Meta = map[string]string{}
		}
		c.Meta[MetaFollowUpPolicy] = p.Name
		step, due := a.repEmailedStart(c, p, now)
		c.Meta[MetaFollowUpStep] = strconv.Itoa(step)
		why := "follow-up policy " + p.Name + " started"
		if step > 0 {
			why += "; a representative's email counts as follow-up 1"
		}
		return a.setDue(c, due, by, why, now)
	case running != "":
		delete(c.Meta, MetaFollowUpPolicy)
		delete(c.Meta, MetaFollowUpStep)
		delete(c.Meta, MetaRepEmailed)
		return a.setDue(c, time.Time{}, by, "follow-up policy "+running+" stopped", now)
	}
	return nil
}

func (a *Agent) setDue(c *casemgmt.Case, due time.Time, by casemgmt.Actor, why string, now time.Time) []casemgmt.AuditEntry {
	if c.NextDueAt.Equal(due) {
		return nil
	}
	e := casemgmt.AuditEntry{CaseID: c.ID, Field: casemgmt.AttrNextDue, Actor: by, Reason: why, Time: now}
	if !c.NextDueAt.IsZero() {
		e.Old = c.NextDueAt.UTC().Format(time.RFC3339)
	}
	if !due.IsZero() {
		e.New = due.UTC().Format(time.RFC3339)
	}
	c.NextDueAt = due
	return []casemgmt.AuditEntry{e}
}

// DueOutcome is what RunDue did for one case.
type DueOutcome struct {
	CaseID string
	// Action is "follow_up_sent", "follow_up_drafted", "closed",
	// "stopped" or "skipped".
	Action string
	Reason string
	// Message is the follow-up sent (or, in shadow mode, that would
	// have been sent).
	Message *channel.Outgoing
	// Shadow says that the agent is in shadow mode: Action is what it
	// would have done, and nothing was written or sent.
	Shadow bool
}

// RunDue does the scheduled work that is due at now: for every case whose
// follow-up is due, it sends the next follow-up (or, with automation
// "draft", prepares it for a person), and after the last unanswered one
// closes the case when the policy says so. Hosts call it periodically
// (every few minutes); several processes may call it at once: a claim
// per case and an idempotency key per follow-up make sure no follow-up is
// sent twice.
func (a *Agent) RunDue(ctx context.Context, now time.Time) (done []DueOutcome, err error) {
	ctx, span := a.tel.startDue(ctx)
	defer func() { span.end(len(done), err) }()
	due, err := a.store.FindDueCases(ctx, now, casemgmt.Filter{Limit: 500})
	if err != nil {
		return nil, err
	}
	var out []DueOutcome
	var errs []error
	for _, c := range due {
		if err := ctx.Err(); err != nil {
			// A host that stops stops between cases; the rest stay due.
			errs = append(errs, err)
			break
		}
		o, err := a.runDueCase(ctx, c.ID, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("case %s: %w", c.ID, err))
			continue
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

func (a *Agent) runDueCase(ctx context.Context, caseID string, now time.Time) (done DueOutcome, err error) {
	ctx, span := a.tel.startRun(ctx, TriggerFollowUp, caseID, "")
	defer func() { span.endDue(ctx, done, err) }()
	shadow := a.shadowIn(ctx)
	o := DueOutcome{CaseID: caseID, Action: "skipped", Shadow: shadow}
	owner := a.name + "/" + casemgmt.NewID("")
	claim := "followup:" + caseID
	if !shadow {
		ok, err := a.store.AcquireClaim(ctx, claim, owner, a.claimTTL(time.Minute))
		if err != nil {
			return o, err
		}
		if !ok {
			o.Reason = "another process holds the case"
			return o, nil
		}
		defer a.store.ReleaseClaim(context.WithoutCancel(ctx), claim, owner)
	}
	c, err := a.store.GetCase(ctx, caseID)
	if err != nil {
		return o, err
	}
	if c.NextDueAt.IsZero() || c.NextDueAt.After(now) {
		o.Reason = "no longer due"
		return o, nil
	}
	in := &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerFollowUp, Actor: a.actor(), Time: now}
	p := a.followUpPolicy(c)
	if p == nil || p.Name != c.Meta[MetaFollowUpPolicy] || !a.prof.Allows("", FeatureFollowUp) {
		audit := a.schedule(c, a.actor(), now)
		if p == nil || !a.prof.Allows("", FeatureFollowUp) {
			audit = append(audit, a.setDue(c, time.Time{}, a.actor(), "no follow-up policy applies", now)...)
		}
		in.Outcome, in.Reason = casemgmt.OutcomeUnchanged, "the follow-up policy no longer applies"
		o.Action, o.Reason = "stopped", in.Reason
		return o, a.writeDue(ctx, c, audit, in, now)
	}
	step, _ := strconv.Atoi(c.Meta[MetaFollowUpStep])
	if step >= len(p.Waits) {
		// The last follow-up stayed unanswered for its wait.
		audit := a.setDue(c, time.Time{}, a.actor(), "follow-up sequence finished", now)
		if !p.CloseAfterLast {
			in.Outcome, in.Reason = casemgmt.OutcomeUnchanged, "the last follow-up stayed unanswered; the policy does not close cases"
			o.Action, o.Reason = "stopped", in.Reason
			return o, a.writeDue(ctx, c, audit, in, now)
		}
		if f, ok := a.schema.Field("resolution"); ok && f.Type == "text" {
			if _, has := c.Value("resolution"); !has {
				res, err := a.schema.Apply(ctx, c, []casemgmt.Change{{Field: "resolution",
					Value:      fmt.Sprintf("Closed after %d follow-ups without an answer from the customer.", len(p.Waits)),
					Reason:     "follow-up policy " + p.Name,
					Provenance: casemgmt.Provenance{Actor: a.actor(), Rule: p.Name}}}, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Now: now})
				if err == nil {
					audit = append(audit, res.Audit...)
				}
			}
		}
		st, err := casemgmt.SetStatus(c, casemgmt.StatusClosed, "No answer from the customer", a.stamp("follow-up policy "+p.Name+": no answer after the last follow-up", now))
		if err != nil {
			return o, err
		}
		audit = append(audit, st...)
		delete(c.Meta, MetaFollowUpPolicy)
		delete(c.Meta, MetaFollowUpStep)
		in.Outcome, in.Reason = casemgmt.OutcomeUpdated, "closed: no answer after the last follow-up"
		o.Action, o.Reason = "closed", in.Reason
		return o, a.writeDue(ctx, c, audit, in, now)
	}
	// The next follow-up.
	tpl := followUpTemplate(p, step)
	to, err := a.contactAddress(ctx, c)
	if err != nil {
		return o, err
	}
	vars := addCaseVars(map[string]string{"step": strconv.Itoa(step + 1), "steps": strconv.Itoa(len(p.Waits))}, c, to.Name)
	next := p.waitAfter(now, p.Waits[min(step+1, len(p.Waits)-1)])
	c.Meta[MetaFollowUpStep] = strconv.Itoa(step + 1)
	audit := a.setDue(c, next, a.actor(), fmt.Sprintf("follow-up %d of %d", step+1, len(p.Waits)), now)
	if p.Automation == AutomationDraft {
		in.Outcome, in.Reason = casemgmt.OutcomeUpdated, fmt.Sprintf("follow-up %d prepared for a person to confirm", step+1)
		o.Action, o.Reason = "follow_up_drafted", in.Reason
		d := &Draft{CaseID: c.ID, Kind: "follow_up", Message: *followUpMessage(a, c, tpl, vars, to), Reason: in.Reason, Created: now}
		entry, ev, err := a.putDraft(c, d)
		if err != nil {
			return o, err
		}
		o.Message = &d.Message
		if shadow {
			return o, a.writeDue(ctx, c, append(audit, entry), in, now)
		}
		return o, a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: append(audit, entry), Interaction: in, Events: []casemgmt.Event{ev}})
	}
	if to.Email == "" || a.mail.sender == nil {
		why := "the case's contact has no email address"
		if a.mail.sender == nil {
			why = "no sender is configured"
		}
		audit = append(audit, a.setDue(c, time.Time{}, a.actor(), "follow-up impossible: "+why, now)...)
		in.Outcome, in.Reason = casemgmt.OutcomeSkipped, "follow-up not sent: "+why
		o.Reason = in.Reason
		return o, a.writeDue(ctx, c, audit, in, now)
	}
	out := followUpMessage(a, c, tpl, vars, to)
	o.Message = out
	if shadow {
		in.Outcome, in.Reason = casemgmt.OutcomeUpdated, fmt.Sprintf("follow-up %d of %d sent", step+1, len(p.Waits))
		o.Action, o.Reason = "follow_up_sent", in.Reason
		return o, a.writeDue(ctx, c, audit, in, now)
	}
	// Record the step before sending: a crash after this point loses at
	// most one follow-up, and never sends one twice.
	if err := a.writeDue(ctx, c, audit, nil, now); err != nil {
		return o, err
	}
	first, err := a.store.UseKey(ctx, fmt.Sprintf("followup:%s:%s:%d", c.ID, p.Name, step+1))
	if err != nil || !first {
		o.Reason = "follow-up already sent"
		return o, err
	}
	id, err := a.mail.sender.Send(ctx, out)
	if err != nil {
		in.Outcome, in.Reason = casemgmt.OutcomeFailed, "follow-up not sent: "+errText(err)
		_ = a.record(ctx, in)
		return o, err
	}
	if err := a.recordSent(ctx, c.ID, id, fmt.Sprintf("follow-up %d sent", step+1), out); err != nil {
		return o, err
	}
	in.Outcome, in.Reason = casemgmt.OutcomeUpdated, fmt.Sprintf("follow-up %d of %d sent", step+1, len(p.Waits))
	o.Action, o.Reason = "follow_up_sent", in.Reason
	return o, a.record(ctx, in)
}

// followUpMessage is the follow-up email of template tpl to the case's
// contact, threaded under the case's mail.
func followUpMessage(a *Agent, c *casemgmt.Case, tpl Template, vars map[string]string, to channel.Address) *channel.Outgoing {
	subject := renderTemplate(tpl.Subject, vars)
	if subject == "" {
		subject = "Re: " + c.Title
	}
	refs := c.LinkIDs(casemgmt.LinkEmail)
	out := &channel.Outgoing{From: a.mail.from, To: []channel.Address{to}, Subject: subject,
		Text: renderTemplate(tpl.Body, vars), References: refs, Automated: true, CaseID: c.ID}
	if len(refs) > 0 {
		out.InReplyTo = refs[len(refs)-1]
	}
	return out
}

// followUpTemplate is the message of the step: the policy's own, the
// last one when it has fewer, or a plain default.
func followUpTemplate(p *FollowUpPolicy, step int) Template {
	if n := len(p.Messages); n > 0 {
		return p.Messages[min(step, n-1)]
	}
	return Template{
		Subject: "Re: {{title}} [{{case_number}}]",
		Body: "Hello,\n\nWe are waiting for your answer about case {{case_number}} ({{title}}). " +
			"Could you let us know whether the problem is solved, or reply with what you found?\n\nThank you.",
	}
}

func (a *Agent) contactAddress(ctx context.Context, c *casemgmt.Case) (channel.Address, error) {
	if c.ContactID == "" {
		return channel.Address{}, nil
	}
	ct, err := a.store.GetContact(ctx, c.ContactID)
	if errors.Is(err, casemgmt.ErrNotFound) {
		return channel.Address{}, nil
	}
	if err != nil {
		return channel.Address{}, err
	}
	return channel.Address{Name: ct.Name, Email: ct.Email}, nil
}

// writeDue stores a scheduled change. In shadow mode it changes nothing
// and records what would have happened.
func (a *Agent) writeDue(ctx context.Context, c *casemgmt.Case, audit []casemgmt.AuditEntry, in *casemgmt.Interaction, now time.Time) error {
	if a.shadowIn(ctx) {
		if in == nil {
			return nil
		}
		if in.Outcome == casemgmt.OutcomeUpdated {
			in.Outcome, in.Reason = casemgmt.OutcomeShadow, "would have: "+in.Reason
		}
		return a.record(ctx, in)
	}
	return a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit, Interaction: in})
}

// customerReplied judges a customer's reply to a case waiting on them:
// a favourable one resolves the case, any other hands it back to a person
// (active). Either stops the follow-up sequence.
func (a *Agent) customerReplied(ctx context.Context, caseID string, m *channel.Message) (*casemgmt.Case, error) {
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return nil, err
		}
		if c.Status != casemgmt.StatusWaitingOnCustomer {
			return c, nil
		}
		v, err := a.judge.Judge(ctx, m)
		if err != nil {
			return nil, err
		}
		now := a.now()
		status, reason, why := casemgmt.StatusActive, "Customer replied", "the customer replied"
		if v == VerdictResolved {
			status, reason, why = casemgmt.StatusResolved, "Solved by the customer", "the customer says the problem is solved"
		}
		if c.Meta[MetaResolution] == ResolutionProposed {
			// The customer's verdict on the agent's answer.
			if v == VerdictResolved {
				reason, why = "Solved by the proposed resolution", "the customer says the proposed resolution solved the problem"
			} else {
				reason = "Handed over by the agent"
				why = resolutionSummary(c, nil, "the customer says the proposed resolution did not solve the problem")
				c.Meta[MetaSummary] = why
			}
		}
		audit, err := casemgmt.SetStatus(c, status, reason, a.stamp(why, now))
		if err != nil {
			return nil, err
		}
		if c.Meta[MetaResolution] == ResolutionProposed {
			state := ResolutionHandedOver
			if v == VerdictResolved {
				state = ResolutionResolved
			}
			audit = append(audit, a.setState(c, state, why, now)...)
		}
		audit = append(audit, a.schedule(c, a.actor(), now)...)
		in := &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerReply, Actor: a.actor(), Outcome: casemgmt.OutcomeUpdated,
			Reason: why, MessageIDs: []string{m.ID}, Time: now}
		if a.shadow {
			return c, nil
		}
		err = a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit, Interaction: in})
		if err == nil {
			return c, nil
		}
		if again, err := a.retryable(ctx, attempt, err); !again {
			return nil, err
		}
	}
}

// compileFollowUp compiles the follow-up policies' conditions against
// the same variables as update rules.
func compileFollowUp(cfg *Config, vars rules.Vars, opts []rules.Option) (*rules.Set[int], error) {
	rs := make([]rules.Rule[int], len(cfg.FollowUp))
	for i, p := range cfg.FollowUp {
		cond, err := parseWhen(p.When)
		if err != nil {
			return nil, fmt.Errorf("casemgmt: follow_up[%d] (%s): %w", i, p.Name, err)
		}
		rs[i] = rules.Rule[int]{Name: p.Name, When: cond, Inactive: p.Disabled || len(p.Waits) == 0, Action: i}
	}
	set, err := rules.Compile(vars, rs, opts...)
	if err != nil {
		return nil, fmt.Errorf("casemgmt: follow_up: %w", err)
	}
	return set, nil
}
