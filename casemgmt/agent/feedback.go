package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// Representatives' feedback on the agent's values (thumbs up, thumbs
// down) is recorded in the audit trail, in the same write as what it
// changes, not as an interaction: it is a person's act on a case, it says
// who (the entry's Actor, a person with the representative's id) and when
// (its Time), and the audit trail is what training (casemgmt/learn) and
// FeedbackReport read.
//
//   - Accepting a value writes an entry with the value as both Old and
//     New and the reason casemgmt.ReasonFeedbackAccepted, and makes the value the
//     representative's (its provenance's actor becomes the person, with
//     the agent's evidence kept): the agent no longer revises it, and
//     training counts it as a label a person confirmed.
//   - Rejecting a value clears the field, writes an entry from the value
//     to none with the reason casemgmt.ReasonFeedbackRejected and the agent's
//     evidence, and remembers on the case (Meta key MetaRejected plus the
//     field) the value and the evidence it was taken from. The agent does
//     not propose that value again from the same evidence: a later
//     prediction of it that quotes the same words (or, without quotes,
//     comes from the same messages) is left out, with the reason in the
//     run's record; new evidence, such as a new message that says it,
//     lets it be proposed again.

// MetaRejected, followed by a field's name, is the Meta key that keeps the
// values representatives rejected for the field, with their evidence.
const MetaRejected = "feedback.rejected."

// maxRejected bounds the rejections kept per field and case.
const maxRejected = 20

// ErrNoAgentValue is returned for feedback on a field whose value was not
// set by the agent (or that has none).
var ErrNoAgentValue = errors.New("casemgmt: the field has no value the agent set")

// rejection is one rejected value and the evidence it came from.
type rejection struct {
	Value    any    `json:"value"`
	Evidence string `json:"evidence"`
}

// AcceptValue records that the representative rep confirms the agent's
// value of the field (thumbs up). The case must exist (casemgmt.ErrNotFound)
// and the field must hold a value the agent set (ErrNoAgentValue). It
// returns the updated case and the audit entry written. A concurrent
// modification is retried.
func (a *Agent) AcceptValue(ctx context.Context, caseID, field, rep string) (*Result, error) {
	return a.feedback(ctx, caseID, field, rep, true)
}

// RejectValue records that the representative rep rejects the agent's
// value of the field (thumbs down): the field is cleared and the agent
// will not propose the value again from the same evidence. Errors are as
// AcceptValue's.
func (a *Agent) RejectValue(ctx context.Context, caseID, field, rep string) (*Result, error) {
	return a.feedback(ctx, caseID, field, rep, false)
}

func (a *Agent) feedback(ctx context.Context, caseID, field, rep string, accept bool) (*Result, error) {
	if rep == "" {
		return nil, fmt.Errorf("%w: feedback needs the representative's id", casemgmt.ErrInvalid)
	}
	if !a.schema.Has(field) {
		return nil, fmt.Errorf("%w: unknown field %q", casemgmt.ErrInvalid, field)
	}
	by := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: rep}
	for attempt := 0; ; attempt++ {
		c, err := a.store.GetCase(ctx, caseID)
		if err != nil {
			return nil, err
		}
		v, ok := c.Value(field)
		prov := c.Provenance[field]
		if !ok || prov.Actor.Kind != casemgmt.ActorAgent {
			return nil, fmt.Errorf("%w: %s of case %s", ErrNoAgentValue, field, c.Number)
		}
		now := a.now()
		e := casemgmt.AuditEntry{
			Field: field, Old: v, Actor: by, MessageIDs: slices.Clone(prov.MessageIDs),
			Confidence: prov.Confidence, Evidence: slices.Clone(prov.Evidence), Model: prov.Model, Rule: prov.Rule, Time: now,
		}
		if accept {
			e.New, e.Reason = v, casemgmt.ReasonFeedbackAccepted
			p := prov.Clone()
			p.Actor, p.Time, p.Confidence = by, now, 0
			c.Provenance[field] = p
		} else {
			e.Reason = casemgmt.ReasonFeedbackRejected
			delete(c.Fields, field)
			delete(c.Provenance, field)
			rs := rejections(c, field)
			rs = append(rs, rejection{Value: v, Evidence: evidenceKey(prov.Evidence, prov.MessageIDs)})
			if len(rs) > maxRejected {
				rs = rs[len(rs)-maxRejected:]
			}
			raw, err := json.Marshal(rs)
			if err != nil {
				return nil, err
			}
			if c.Meta == nil {
				c.Meta = map[string]string{}
			}
			c.Meta[MetaRejected+field] = string(raw)
		}
		audit := []casemgmt.AuditEntry{e}
		if a.shadow {
			return &Result{Outcome: casemgmt.OutcomeShadow, Case: c, Changes: audit}, nil
		}
		err = a.store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: audit})
		if err == nil {
			return &Result{Outcome: casemgmt.OutcomeUpdated, Case: c, Changes: audit}, nil
		}
		if again, err := a.retryable(ctx, attempt, err); !again {
			return nil, err
		}
	}
}

func rejections(c *casemgmt.Case, field string) []rejection {
	raw := c.Meta[MetaRejected+field]
	if raw == "" {
		return nil
	}
	var rs []rejection
	if json.Unmarshal([]byte(raw), &rs) != nil {
		return nil
	}
	return rs
}

// evidenceKey identifies the evidence of a value: its quotes, folded and
// sorted, or, without quotes, the messages it was taken from.
func evidenceKey(ev []predict.Evidence, ids []string) string {
	var parts []string
	for _, e := range ev {
		if q := strings.Join(strings.Fields(strings.ToLower(e.Quote)), " "); q != "" {
			parts = append(parts, "q:"+q)
		}
	}
	if len(parts) == 0 {
		for _, id := range ids {
			parts = append(parts, "m:"+id)
		}
	}
	slices.Sort(parts)
	return strings.Join(slices.Compact(parts), "\x1f")
}

// rejectedBefore reports whether a representative rejected the value v of
// the field on c from the same evidence as the prediction p makes from
// msgs; the plan then leaves it out.
func rejectedBefore(c *casemgmt.Case, field string, v any, p *predict.Prediction, msgs []channel.Message) bool {
	if c.Meta[MetaRejected+field] == "" {
		return false
	}
	key := evidenceKey(p.Evidence, sourceIDs(msgs, p.Evidence))
	for _, r := range rejections(c, field) {
		if r.Evidence == key && fmt.Sprint(r.Value) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

// FieldFeedback is what representatives said of one field's agent
// values. It is plain data.
type FieldFeedback struct {
	Field string `json:"field"`
	// Written counts the values the agent wrote.
	Written int `json:"written"`
	// Accepted and Rejected count thumbs up and down.
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// Corrected counts agent values a person replaced by another value.
	Corrected int `json:"corrected"`
	// Precision is Accepted/(Accepted+Rejected): the precision people saw
	// among the values they judged; 0 when none were.
	Precision float64 `json:"precision"`
	// PrecisionWithCorrections counts corrections as rejections:
	// Accepted/(Accepted+Rejected+Corrected).
	PrecisionWithCorrections float64 `json:"precision_with_corrections"`
}

// FeedbackReport reads the audit trail of the cases updated since since
// (all cases for a zero time) and reports, per field in schema order, the
// feedback and corrections of entries made since then. The store must
// list cases (casemgmt.Lister); casemgmt.ErrInvalid otherwise.
func (a *Agent) FeedbackReport(ctx context.Context, since time.Time) ([]FieldFeedback, error) {
	l, ok := a.store.(casemgmt.Lister)
	if !ok {
		return nil, fmt.Errorf("%w: the store does not list cases", casemgmt.ErrInvalid)
	}
	by := map[string]*FieldFeedback{}
	get := func(f string) *FieldFeedback {
		if by[f] == nil {
			by[f] = &FieldFeedback{Field: f}
		}
		return by[f]
	}
	q := casemgmt.ListQuery{UpdatedSince: since, Limit: casemgmt.MaxPageSize}
	for {
		page, err := l.ListCases(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, c := range page.Cases {
			audit, err := a.store.ListAudit(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			agentValue := map[string]any{} // field -> the agent's current value
			for _, e := range audit {
				if !a.schema.Has(e.Field) {
					continue
				}
				counted := !e.Time.Before(since)
				switch {
				case e.Actor.Kind == casemgmt.ActorAgent:
					if e.New != nil {
						agentValue[e.Field] = e.New
						if counted {
							get(e.Field).Written++
						}
					}
					continue
				case e.Actor.Kind != casemgmt.ActorPerson:
				case e.Reason == casemgmt.ReasonFeedbackAccepted:
					if counted {
						get(e.Field).Accepted++
					}
				case e.Reason == casemgmt.ReasonFeedbackRejected:
					if counted {
						get(e.Field).Rejected++
					}
				default:
					if old, ok := agentValue[e.Field]; ok && e.Old == old && e.New != nil && e.New != old && counted {
						get(e.Field).Corrected++
					}
				}
				delete(agentValue, e.Field)
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	var out []FieldFeedback
	for _, f := range a.schema.Fields() {
		ff, ok := by[f.Name]
		if !ok {
			continue
		}
		if n := ff.Accepted + ff.Rejected; n > 0 {
			ff.Precision = float64(ff.Accepted) / float64(n)
		}
		if n := ff.Accepted + ff.Rejected + ff.Corrected; n > 0 {
			ff.PrecisionWithCorrections = float64(ff.Accepted) / float64(n)
		}
		out = append(out, *ff)
	}
	return out, nil
}
