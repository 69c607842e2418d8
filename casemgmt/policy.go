package casemgmt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// WritePolicy says who may overwrite what. The zero value is the default
// policy. It is plain data, safe for concurrent use.
type WritePolicy struct {
	// AllowAgentOverrideHuman lets the agent overwrite values a person
	// set (the tenant's "allow the agent to override human edits").
	AllowAgentOverrideHuman bool `json:"allow_agent_override_human,omitempty"`
}

// Reasons CanWrite gives for refusing a write.
const (
	ReasonAgentNeverClears   = "the agent never clears a value"
	ReasonPersonSet          = "a person set this value"
	ReasonIntakeRuleSet      = "an intake rule set this value when it created the case"
	ReasonSystemSet          = "the system set this value"
	ReasonUnknownProvenance  = "this value has no known origin and is treated as a person's"
	ReasonIntakeOverPerson   = "an intake rule does not overwrite a person's value"
	ReasonUnknownActor       = "unknown actor kind"
	ReasonWriterNotPermitted = "writer may not write"
)

// CanWrite reports whether writer may set a field whose current value has
// provenance prev (exists is false when the field has no value), and when
// not, why. clearing is set when the write would remove the value.
//
// The rules:
//   - a person or the system may write anything;
//   - the agent never clears a value;
//   - anyone may fill a field that has no value;
//   - the agent may revise its own earlier values;
//   - the agent does not overwrite a person's value unless
//     AllowAgentOverrideHuman is set; a value without a known actor counts
//     as a person's;
//   - the agent does not overwrite what an intake rule or the system set;
//   - an intake rule does not overwrite a person's value.
func (p WritePolicy) CanWrite(prev Provenance, exists bool, writer Actor, clearing bool) (bool, string) {
	switch writer.Kind {
	case ActorPerson, ActorSystem:
		return true, ""
	case ActorAgent, ActorIntakeRule:
	default:
		return false, ReasonUnknownActor
	}
	if writer.Kind == ActorAgent && clearing {
		return false, ReasonAgentNeverClears
	}
	if !exists {
		return true, ""
	}
	owner := prev.Actor.Kind
	if writer.Kind == ActorIntakeRule {
		if owner == ActorPerson || !owner.Valid() {
			return false, ReasonIntakeOverPerson
		}
		return true, ""
	}
	switch owner {
	case ActorAgent:
		return true, ""
	case ActorPerson:
		if p.AllowAgentOverrideHuman {
			return true, ""
		}
		return false, ReasonPersonSet
	case ActorIntakeRule:
		return false, ReasonIntakeRuleSet
	case ActorSystem:
		return false, ReasonSystemSet
	}
	if p.AllowAgentOverrideHuman {
		return true, ""
	}
	return false, ReasonUnknownProvenance
}

// Change is a value someone wants to give a field.
type Change struct {
	Field string
	// Value is the new value; nil clears the field.
	Value any
	// Provenance says who writes it (Provenance.Actor) and how; it becomes
	// the field's provenance and fills the audit entry. A zero Time
	// becomes Apply's now.
	Provenance Provenance
	// Reason says why, for the audit entry.
	Reason string

	// Validated says that the caller has just validated and normalised
	// Value with Schema.Validate (contact lookup included) and made the
	// Provenance slices for this change alone: Apply then neither
	// validates the value again nor copies the provenance for the case.
	// It is a saving for a caller that validates anyway (the agent's
	// plan); leave it false otherwise. The write policy and the actor's
	// kind are checked either way.
	Validated bool
}

// Refusal is a change the write policy refused.
type Refusal struct {
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Reason string `json:"reason"`
}

// ApplyOptions is what Apply needs besides the case and the changes.
type ApplyOptions struct {
	// Policy decides who may overwrite whom.
	Policy WritePolicy
	// Contacts resolves contact lookups; nil refuses a value of a contact
	// field that has not been validated already.
	Contacts ContactGetter
	// Now stamps provenance and audit entries whose Time is zero.
	Now time.Time
	// Audit, if not empty, begins the result's Audit: entries the caller
	// writes before the changes' own (such as a case's creation), so that
	// they are written together without copying.
	Audit []AuditEntry
}

// ApplyResult is what Apply did.
type ApplyResult struct {
	// Audit has one entry per applied change, to be written with the case
	// (Write.Audit).
	Audit []AuditEntry
	// Refused lists the changes the write policy refused.
	Refused []Refusal
	// Unchanged lists the fields whose value was already the one asked.
	Unchanged []string
}

// Changed reports whether anything was applied.
func (r *ApplyResult) Changed() bool { return len(r.Audit) > 0 }

// Apply validates the changes against the schema and applies those the
// write policy allows to c, in order: the field's value, its provenance,
// the mirrored attribute for FieldTitle, FieldContact and FieldOrigin, and
// an audit entry each. It does not store c.
//
// If any value is refused by the schema (unknown field, invalid value, a
// contact that does not exist) Apply returns the *FieldError(s), joined,
// and leaves c unchanged. A change to the value the field already has is
// listed as unchanged, not applied, except when a person confirms a value
// that the agent, a rule or the system set: the value becomes the
// person's (its provenance, and an audit entry whose old and new values
// are equal), so that the agent leaves it alone from then on. now stamps
// provenance and audit entries whose Time is zero.
func (s *Schema) Apply(ctx context.Context, c *Case, changes []Change, opts ApplyOptions) (ApplyResult, error) {
	p, contacts, now := opts.Policy, opts.Contacts, opts.Now
	res := ApplyResult{Audit: opts.Audit}
	vals := make([]any, len(changes))
	var errs []error
	for i, ch := range changes {
		if ch.Validated {
			if !ch.Provenance.Actor.Kind.Valid() {
				errs = append(errs, &FieldError{Field: ch.Field, Value: ch.Value, Err: fmt.Errorf("%w: unknown actor kind %q", ErrInvalid, ch.Provenance.Actor.Kind)})
				continue
			}
			vals[i] = ch.Value
			continue
		}
		v, err := s.Validate(ctx, ch.Field, ch.Value, contacts)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				return ApplyResult{}, err
			}
			errs = append(errs, err)
			continue
		}
		if ch.Value != nil && !ch.Provenance.Actor.Kind.Valid() {
			errs = append(errs, &FieldError{Field: ch.Field, Value: ch.Value, Err: fmt.Errorf("%w: unknown actor kind %q", ErrInvalid, ch.Provenance.Actor.Kind)})
			continue
		}
		vals[i] = v
	}
	if len(errs) > 0 {
		return ApplyResult{}, errors.Join(errs...)
	}
	for i, ch := range changes {
		v := vals[i]
		old, exists := c.Value(ch.Field)
		clearing := v == nil
		if clearing && !exists {
			res.Unchanged = append(res.Unchanged, ch.Field)
			continue
		}
		if !clearing && exists && old == v && !takesOver(ch.Provenance.Actor, c.Provenance[ch.Field].Actor) {
			res.Unchanged = append(res.Unchanged, ch.Field)
			continue
		}
		if ok, why := p.CanWrite(c.Provenance[ch.Field], exists, ch.Provenance.Actor, clearing); !ok {
			res.Refused = append(res.Refused, Refusal{Field: ch.Field, Value: v, Reason: why})
			continue
		}
		prov := ch.Provenance
		if !ch.Validated {
			prov = prov.Clone()
		}
		if prov.Time.IsZero() {
			prov.Time = now
		}
		if clearing {
			delete(c.Fields, ch.Field)
			delete(c.Provenance, ch.Field)
		} else {
			if c.Fields == nil {
				c.Fields = Values{}
			}
			if c.Provenance == nil {
				c.Provenance = map[string]Provenance{}
			}
			c.Fields[ch.Field] = v
			c.Provenance[ch.Field] = prov
		}
		mirror(c, ch.Field, v)
		if res.Audit == nil {
			// At most one entry per change that is left.
			res.Audit = make([]AuditEntry, 0, len(changes)-i)
		}
		res.Audit = append(res.Audit, AuditEntry{
			CaseID:     c.ID,
			Field:      ch.Field,
			Old:        old,
			New:        v,
			Actor:      prov.Actor,
			Reason:     ch.Reason,
			MessageIDs: slices.Clone(prov.MessageIDs),
			Confidence: prov.Confidence,
			Evidence:   slices.Clone(prov.Evidence),
			Model:      prov.Model,
			Rule:       prov.Rule,
			Time:       prov.Time,
		})
	}
	return res, nil
}

// takesOver reports whether a writer who gives a field the value it
// already has still changes it: a person confirming a value that the
// agent, a rule or the system set makes it theirs, so that the write
// policy protects it from then on.
func takesOver(writer, owner Actor) bool {
	return writer.Kind == ActorPerson && owner.Kind != ActorPerson
}

// mirror keeps the case attribute that a field of the same name mirrors.
func mirror(c *Case, field string, v any) {
	s, _ := v.(string)
	switch field {
	case FieldTitle:
		c.Title = s
	case FieldContact:
		c.ContactID = s
	case FieldOrigin:
		c.Origin = s
	}
}

// SetStatus moves c to status with reason and returns the audit entries
// for what changed (status and status reason, each only when it differs),
// or none, stamped by by. A status that is not valid is an error wrapping
// ErrInvalid and changes nothing. StatusChangedAt becomes by.Time when the
// status changes.
func SetStatus(c *Case, status Status, reason string, by Stamp) ([]AuditEntry, error) {
	at := by.Time
	if !status.Valid() {
		return nil, fmt.Errorf("%w: unknown status %q", ErrInvalid, status)
	}
	if !by.Actor.Kind.Valid() {
		return nil, fmt.Errorf("%w: unknown actor kind %q", ErrInvalid, by.Actor.Kind)
	}
	var out []AuditEntry
	if c.Status != status {
		out = append(out, AuditEntry{CaseID: c.ID, Field: AttrStatus, Old: nilIfEmpty(string(c.Status)), New: string(status), Actor: by.Actor, Reason: by.Reason, Time: at})
		c.Status = status
		c.StatusChangedAt = at
	}
	if c.StatusReason != reason {
		out = append(out, AuditEntry{CaseID: c.ID, Field: AttrStatusReason, Old: nilIfEmpty(c.StatusReason), New: nilIfEmpty(reason), Actor: by.Actor, Reason: by.Reason, Time: at})
		c.StatusReason = reason
	}
	return out, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Stamp says who makes a change, why and when: what the change's audit
// entries record besides the change itself. It is plain data.
type Stamp struct {
	Actor  Actor
	Reason string
	Time   time.Time
}

// LinkAudit returns the audit entry for adding (or, with removed, taking
// away) a link, stamped by by.
func LinkAudit(caseID string, l Link, removed bool, by Stamp) AuditEntry {
	e := AuditEntry{CaseID: caseID, Field: AttrLink, Actor: by.Actor, Reason: by.Reason, Time: by.Time}
	if removed {
		e.Old = l.String()
	} else {
		e.New = l.String()
	}
	return e
}
