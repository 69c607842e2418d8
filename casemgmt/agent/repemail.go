package agent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
)

// MetaRepEmailed is when a representative last emailed the customer of a
// case (RFC 3339), kept until a follow-up sequence starts or stops.
const MetaRepEmailed = "followup.rep_emailed"

// TriggerRepEmail is the trigger of the runs RepresentativeEmailed makes.
const TriggerRepEmail = "representative_email"

// RepresentativeEmailed tells the agent that a person emailed the case's
// customer at at (messageID is that email's Message-ID, linked to the
// case so that the customer's answer threads to it). An email from a
// person that the customer leaves unanswered counts as the first
// follow-up:
//
//   - when the case's follow-up sequence runs and has sent nothing yet,
//     the email takes the place of the first follow-up: the next one is
//     due a wait after at, and the sequence sends one fewer;
//   - when no sequence runs yet (the person sets the case waiting on the
//     customer after writing), the time is kept, and a sequence that
//     starts within its first wait of at starts after that first step.
//
// The agent sees such emails through this call, or, with no call, as the
// copies of representatives' mail that reach InboundEmail from the
// agent's own address (a mailbox in Bcc) and thread to the case by
// In-Reply-To or References; automated mail from that address (the
// agent's own, coming back) does not count. A reply from the customer
// stops the sequence as always. Without follow-up policies it changes
// nothing; in shadow mode it writes nothing.
func (a *Agent) RepresentativeEmailed(ctx context.Context, caseID, rep, messageID string, at time.Time) (*Result, error) {
	if at.IsZero() {
		at = a.now()
	}
	by := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: rep}
	if rep == "" {
		by = a.actor()
	}
	messageID = strings.Trim(strings.TrimSpace(messageID), "<>")
	if a.rules.followUp == nil || a.rules.followUp.Len() == 0 {
		return &Result{Outcome: casemgmt.OutcomeUnchanged, Reason: "no follow-up policy is configured"}, nil
	}
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return nil, err
		}
		if !c.Status.Open() {
			return &Result{Outcome: casemgmt.OutcomeUnchanged, Reason: "the case is closed", Case: c}, nil
		}
		now := a.now()
		if c.Meta == nil {
			c.Meta = map[string]string{}
		}
		c.Meta[MetaRepEmailed] = at.UTC().Format(time.RFC3339)
		why := "a representative emailed the customer; kept for the follow-up sequence"
		var audit []casemgmt.AuditEntry
		if p := a.followUpPolicy(c); p != nil && c.Meta[MetaFollowUpPolicy] == p.Name && c.Meta[MetaFollowUpStep] == "0" {
			c.Meta[MetaFollowUpStep] = "1"
			delete(c.Meta, MetaRepEmailed)
			why = fmt.Sprintf("a representative's email counts as follow-up 1 of %d", len(p.Waits))
			audit = a.setDue(c, p.waitAfter(at, p.Waits[min(1, len(p.Waits)-1)]), by, why, now)
		}
		if messageID != "" && !containsString(c.LinkIDs(casemgmt.LinkEmail), messageID) {
			c.Links = append(c.Links, casemgmt.Link{Kind: casemgmt.LinkEmail, ID: messageID})
		}
		in := &casemgmt.Interaction{CaseID: c.ID, Trigger: TriggerRepEmail, Actor: by, Outcome: casemgmt.OutcomeUpdated,
			Reason: why, Time: now}
		if messageID != "" {
			in.MessageIDs = []string{messageID}
		}
		if a.shadowIn(ctx) {
			in.Outcome, in.Reason = casemgmt.OutcomeShadow, "would have: "+why
			return &Result{Outcome: casemgmt.OutcomeShadow, Reason: in.Reason, Case: c, Interaction: in}, a.record(ctx, in)
		}
		err = a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit, Interaction: in})
		if again, err := a.retryable(ctx, attempt, err); again {
			continue
		} else if err != nil {
			return nil, err
		}
		return &Result{Outcome: casemgmt.OutcomeUpdated, Reason: why, Case: c, Changes: audit, Interaction: in}, nil
	}
}

// representativeCopy counts a copy of a representative's email (mail
// from the agent's own address that is not automated) as
// RepresentativeEmailed would; a failure is logged, the copy is kept on
// its case either way.
func (a *Agent) representativeCopy(ctx context.Context, caseID string, m *channel.Message) {
	if m.Automated() {
		return
	}
	if _, err := a.RepresentativeEmailed(ctx, caseID, "", m.ID, m.Time); err != nil {
		a.log.WarnContext(ctx, "representative's email not counted as a follow-up", "case", caseID, "err", err)
	}
}

// repEmailedStart is the step and due time a sequence of p starts with
// on c at now: after the first step when a representative emailed within
// the first wait.
func (a *Agent) repEmailedStart(c *casemgmt.Case, p *FollowUpPolicy, now time.Time) (step int, due time.Time) {
	at, err := time.Parse(time.RFC3339, c.Meta[MetaRepEmailed])
	delete(c.Meta, MetaRepEmailed)
	if err != nil || at.After(now) || !p.waitAfter(at, p.Waits[0]).After(now) {
		return 0, p.waitAfter(now, p.Waits[0])
	}
	return 1, p.waitAfter(at, p.Waits[min(1, len(p.Waits)-1)])
}
