package casemgmt

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/caseagent/caseagent/predict"
)

// AuditEntry records one change to a case. Every change, by anyone, has
// one, written in the same transaction as the change (see Write). It is
// plain data.
type AuditEntry struct {
	// Seq orders a store's entries: the store assigns increasing numbers
	// in the order entries are written.
	Seq int64 `json:"seq"`
	// CaseID is the case changed; the store sets it.
	CaseID string `json:"case_id"`
	// Field is the schema field changed, or one of the Attr names
	// (AttrStatus, AttrLink, AttrCase, ...).
	Field string `json:"field"`
	// Old and New are the values before and after, of the canonical Go
	// types; nil for none. For links New (added) or Old (removed) is the
	// Link's String form.
	Old any `json:"old"`
	New any `json:"new"`
	// Actor made the change.
	Actor Actor `json:"actor"`
	// Reason says why, in words ("predicted from the conversation",
	// "intake rule support mailbox", "representative edit").
	Reason     string             `json:"reason,omitempty"`
	MessageIDs []string           `json:"message_ids,omitempty"`
	Confidence float64            `json:"confidence,omitempty"`
	Evidence   []predict.Evidence `json:"evidence,omitempty"`
	Model      string             `json:"model,omitempty"`
	Rule       string             `json:"rule,omitempty"`
	Time       time.Time          `json:"time"`
}

// Clone returns a deep copy of e.
func (e AuditEntry) Clone() AuditEntry {
	e.MessageIDs = slices.Clone(e.MessageIDs)
	e.Evidence = slices.Clone(e.Evidence)
	return e
}

// Check reports whether the entry can be stored: a field name, a known
// actor kind, Old and New of the canonical types, and text that passes
// CheckText everywhere in the entry. The error wraps ErrInvalid.
func (e *AuditEntry) Check() error {
	if e.Field == "" {
		return fmt.Errorf("%w: audit entry without a field", ErrInvalid)
	}
	if !e.Actor.Kind.Valid() {
		return fmt.Errorf("%w: audit entry for %s: unknown actor kind %q", ErrInvalid, e.Field, e.Actor.Kind)
	}
	if !storable(e.Old) || !storable(e.New) {
		return fmt.Errorf("%w: audit entry for %s: value cannot be stored", ErrInvalid, e.Field)
	}
	return CheckText("audit entry", e)
}

type auditJSON AuditEntry

// MarshalJSON encodes the entry, keeping the types of Old and New as
// Values does.
func (e AuditEntry) MarshalJSON() ([]byte, error) {
	old, err := EncodeValue(e.Old)
	if err != nil {
		return nil, err
	}
	nw, err := EncodeValue(e.New)
	if err != nil {
		return nil, err
	}
	a := auditJSON(e)
	a.Old, a.New = old, nw
	return json.Marshal(a)
}

// UnmarshalJSON decodes an entry written by MarshalJSON.
func (e *AuditEntry) UnmarshalJSON(data []byte) error {
	var a struct {
		auditJSON
		Old json.RawMessage `json:"old"`
		New json.RawMessage `json:"new"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	*e = AuditEntry(a.auditJSON)
	var err error
	if e.Old, err = decodeOptional(a.Old); err != nil {
		return err
	}
	e.New, err = decodeOptional(a.New)
	return err
}

func decodeOptional(raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	return DecodeValue(raw)
}

// Outcome is what an agent run came to.
type Outcome string

// The outcomes of an agent run.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeSkipped   Outcome = "skipped"
	OutcomeFailed    Outcome = "failed"
	// OutcomeShadow is a run in shadow mode: what it would have done is in
	// the record, and nothing was written or sent.
	OutcomeShadow Outcome = "shadow"
)

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeCreated, OutcomeUpdated, OutcomeUnchanged, OutcomeSkipped, OutcomeFailed, OutcomeShadow:
		return true
	}
	return false
}

// FieldOutcome is what a run predicted for one field and what became of it.
type FieldOutcome struct {
	Field      string             `json:"field"`
	Value      any                `json:"value"`
	Confidence float64            `json:"confidence,omitempty"`
	Evidence   []predict.Evidence `json:"evidence,omitempty"`
	// Applied is set when the value was written to the case.
	Applied bool `json:"applied"`
	// Reason says why it was not applied (write policy, unchanged, below
	// the confidence threshold, dropped by predict.Check).
	Reason string `json:"reason,omitempty"`
}

type fieldOutcomeJSON FieldOutcome

// MarshalJSON encodes the outcome, keeping the type of Value.
func (f FieldOutcome) MarshalJSON() ([]byte, error) {
	v, err := EncodeValue(f.Value)
	if err != nil {
		return nil, err
	}
	a := fieldOutcomeJSON(f)
	a.Value = v
	return json.Marshal(a)
}

// UnmarshalJSON decodes an outcome written by MarshalJSON.
func (f *FieldOutcome) UnmarshalJSON(data []byte) error {
	var a struct {
		fieldOutcomeJSON
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return err
	}
	*f = FieldOutcome(a.fieldOutcomeJSON)
	var err error
	f.Value, err = decodeOptional(a.Value)
	return err
}

// Interaction records one agent run: what it was asked, what it did and
// what it cost. Reports read them. It is plain data.
type Interaction struct {
	// ID identifies the record; the store assigns one when empty.
	ID string `json:"id"`
	// CaseID is the case the run concerned, empty when there was none.
	CaseID         string   `json:"case_id,omitempty"`
	ConversationID string   `json:"conversation_id,omitempty"`
	MessageIDs     []string `json:"message_ids,omitempty"`
	// Trigger names what started the run ("conversation_accepted",
	// "conversation_ended", "email", "update_requested", "follow_up",
	// ...).
	Trigger string `json:"trigger"`
	// Actor is who asked: the agent itself, or the representative who
	// pressed "Update from conversation".
	Actor   Actor   `json:"actor"`
	Outcome Outcome `json:"outcome"`
	// Reason explains a skipped, unchanged or failed outcome.
	Reason string         `json:"reason,omitempty"`
	Fields []FieldOutcome `json:"fields,omitempty"`
	// Predictor names the predictor (or model) that answered.
	Predictor string        `json:"predictor,omitempty"`
	Latency   time.Duration `json:"latency"`
	Usage     predict.Usage `json:"usage"`
	Time      time.Time     `json:"time"`
	// Shadow marks the record of an agent in shadow mode: what it would
	// have done (Outcome OutcomeShadow for a change it would have made),
	// which changed nothing and sent nothing.
	Shadow bool `json:"shadow,omitempty"`
}

// Clone returns a deep copy of in.
func (in *Interaction) Clone() *Interaction {
	if in == nil {
		return nil
	}
	d := *in
	d.MessageIDs = slices.Clone(in.MessageIDs)
	d.Fields = slices.Clone(in.Fields)
	for i := range d.Fields {
		d.Fields[i].Evidence = slices.Clone(d.Fields[i].Evidence)
	}
	return &d
}

// Check reports whether the record can be stored: a known outcome, a
// known actor kind when one is set, field values of the canonical types,
// and text that passes CheckText everywhere in the record. The error
// wraps ErrInvalid.
func (in *Interaction) Check() error {
	if in == nil {
		return fmt.Errorf("%w: nil interaction", ErrInvalid)
	}
	if !in.Outcome.Valid() {
		return fmt.Errorf("%w: unknown interaction outcome %q", ErrInvalid, in.Outcome)
	}
	if in.Actor.Kind != "" && !in.Actor.Kind.Valid() {
		return fmt.Errorf("%w: unknown actor kind %q", ErrInvalid, in.Actor.Kind)
	}
	for _, f := range in.Fields {
		if !storable(f.Value) {
			return fmt.Errorf("%w: interaction field %s: value of type %T cannot be stored", ErrInvalid, f.Field, f.Value)
		}
	}
	return CheckText("interaction", in)
}

// InteractionQuery selects interaction records. Every criterion that is
// set must hold.
type InteractionQuery struct {
	CaseID         string
	ConversationID string
	Outcome        Outcome
	// Since and Until bound Time: Since <= Time < Until, each when not zero.
	Since, Until time.Time
	// Limit is the most records returned; 0 means no limit. It applies
	// after ordering.
	Limit int
}

// Match reports whether in passes the query's criteria (not its Limit).
func (q *InteractionQuery) Match(in *Interaction) bool {
	if q.CaseID != "" && in.CaseID != q.CaseID {
		return false
	}
	if q.ConversationID != "" && in.ConversationID != q.ConversationID {
		return false
	}
	if q.Outcome != "" && in.Outcome != q.Outcome {
		return false
	}
	if !q.Since.IsZero() && in.Time.Before(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !in.Time.Before(q.Until) {
		return false
	}
	return true
}
