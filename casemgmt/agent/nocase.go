package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/resolve"
)

// answeredPrefix is the state key prefix under which the agent remembers
// the answers it sent without a case: the key is the answer's Message-ID,
// or the customer's email it answered, the value that email's id.
const answeredPrefix = "agent:answered:"

// answersWithoutCase reports whether a new email may be answered without
// creating a case: its line of business says so, resolution sends on its
// own there, and the email is not the customer coming back to an answer.
func (r *run) answersWithoutCase(ctx context.Context, in *intake) bool {
	a := r.a
	if len(a.cfg.Resolution.Lines) == 0 {
		return false
	}
	if r.comeback(ctx, in.m) {
		// The customer comes back to an answer sent without a case: the
		// answer did not settle it, so the case made now goes to a person
		// rather than getting the same answer again.
		if in.c.Meta == nil {
			in.c.Meta = map[string]string{}
		}
		in.c.Meta[MetaResolution] = ResolutionHandedOver
		in.c.Meta[MetaSummary] = "An answer from the knowledge base was sent without a case; the customer wrote back about it."
		return false
	}
	// The line of business is read on the case as it would be, with the
	// intake rule's values applied (a line chosen by segment, say).
	tmp := &casemgmt.Case{Status: casemgmt.StatusActive, ContactID: in.contact.ID}
	if _, err := a.schema.Apply(ctx, tmp, in.changes, casemgmt.ApplyOptions{Policy: a.cfg.Policy, Contacts: a.store, Now: in.now}); err != nil {
		return false
	}
	lob := r.lineOf(ctx, tmp)
	return lob != nil && lob.EmailWithoutCase && lob.Automation == AutomationFull
}

// comeback reports whether m replies to an answer the agent sent without
// a case: the customer coming back, for whom a case is made.
func (r *run) comeback(ctx context.Context, m *channel.Message) bool {
	ids := append([]string{m.InReplyTo}, m.References...)
	for _, id := range ids {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" {
			continue
		}
		if _, err := r.a.store.GetState(ctx, answeredPrefix+id); err == nil {
			return true
		}
	}
	return false
}

// answerWithoutCase resolves a new email from the knowledge base without
// creating a case. It returns nil when the email cannot be answered so
// (the intent is not clear, something is missing, no article cites it):
// then the case is made as usual.
func (r *run) answerWithoutCase(ctx context.Context, in *intake) (*Result, error) {
	a := r.a
	c := in.c
	c.Meta = map[string]string{}
	w, err := r.decideResolution(ctx, c, AutomationFull)
	if err != nil || w == nil || w.out.Decision == nil || w.out.Decision.Kind != resolve.Resolved || w.draft || w.msg == nil {
		return nil, err
	}
	m := in.m
	switch {
	case a.mail.sender == nil, m.Automated(), m.Bulk, noReply(m.From.Email), a.ownAddress(r.mailbox, m.From.Email):
		return nil, nil // answered by a case and a person instead
	}
	if !a.shadowIn(ctx) {
		if why := a.allowMail(ctx, "answer", channel.NormalizeEmail(m.From.Email)); why != "" {
			return nil, nil // a case, and a person, instead
		}
	}
	out := w.msg
	out.CaseID = ""
	out.To = []channel.Address{m.From}
	out.InReplyTo = m.ID
	out.References = append(append([]string(nil), m.References...), m.ID)
	out.Subject = strings.TrimSpace(strings.ReplaceAll(out.Subject, "[]", ""))
	w.out.Message = out
	r.in.Outcome = casemgmt.OutcomeSkipped
	r.in.Reason = "answered from the knowledge base without a case, citing " + citedArticles(w.out.Decision)
	r.in.Usage.Add(w.in.Usage)
	res := &Result{Outcome: casemgmt.OutcomeSkipped, Reason: r.in.Reason, Interaction: r.in, Resolution: w.out}
	if a.shadowIn(ctx) {
		r.in.Outcome, r.in.Reason = casemgmt.OutcomeShadow, "would have "+r.in.Reason
		res.Outcome = casemgmt.OutcomeShadow
		return res, a.record(ctx, r.in)
	}
	// One answer per email, whatever the deliveries.
	first, err := a.store.UseKey(ctx, "answered:"+r.emailKey())
	if err != nil || !first {
		return res, err
	}
	id, err := a.mail.sender.Send(withMailKind(ctx, MailAnswer), out)
	if err != nil {
		return nil, fmt.Errorf("answer without a case: %w", err)
	}
	w.out.Sent = true
	// A reply may name the answer or only the customer's own email (a
	// client that threads on the first message): both mark a comeback.
	for _, k := range []string{id, m.ID} {
		if k = strings.Trim(k, "<> "); k == "" {
			continue
		}
		if err := a.store.PutState(ctx, answeredPrefix+k, []byte(m.ID)); err != nil {
			return nil, err
		}
	}
	r.in.Latency = a.now().Sub(r.start)
	return res, a.record(ctx, r.in)
}
