package casemgmt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/caseagent/caseagent/predict"
)

// Reasons of the audit entries that record a representative's feedback on
// a value the agent wrote: casemgmt/agent's AcceptValue and RejectValue
// write them, and casemgmt/learn reads them as training labels.
const (
	ReasonFeedbackAccepted = "feedback: accepted by a representative"
	ReasonFeedbackRejected = "feedback: rejected by a representative"
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

// Validate reports whether the entry can be stored: a field name, a known
// actor kind, Old and New of the canonical types, and text that passes
// ValidateText everywhere in the entry. The error wraps ErrInvalid.
func (e *AuditEntry) Validate() error {
	if e.Field == "" {
		return fmt.Errorf("%w: audit entry without a field", ErrInvalid)
	}
	if !e.Actor.Kind.Valid() {
		return fmt.Errorf("%w: audit entry for %s: unknown actor kind %q", ErrInvalid, e.Field, e.Actor.Kind)
	}
	if !storable(e.Old) || !storable(e.New) {
		return fmt.Errorf("%w: audit entry for %s: value cannot be stored", ErrInvalid, e.Field)
	}
	return ValidateText("audit entry", e)
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
	// OutcomeDuplicate is a message or event delivered again: it changed
	// nothing, and the record names the case of the first delivery.
	OutcomeDuplicate Outcome = "duplicate"
)

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeCreated, OutcomeUpdated, OutcomeUnchanged, OutcomeSkipped, OutcomeFailed, OutcomeShadow, OutcomeDuplicate:
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
	// the confidence threshold, dropped by predict.Validate).
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

// Validate reports whether the record can be stored: a known outcome, a
// known actor kind when one is set, field values of the canonical types,
// and text that passes ValidateText everywhere in the record. The error
// wraps ErrInvalid.
func (in *Interaction) Validate() error {
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
	return ValidateText("interaction", in)
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

// ChangeKind says what a change-feed entry records.
type ChangeKind string

// The kinds of change the stores append for the writes they commit. Every
// case write appends exactly one of them, first; the write's Events
// follow it.
const (
	// ChangeCaseCreated: CreateCase, or UpsertCase that created. Case is
	// the case as created.
	ChangeCaseCreated ChangeKind = "case_created"
	// ChangeCaseUpdated: UpdateCase, or UpsertCase that updated. Case is
	// the case as updated; Audit says what changed (a schema field, or
	// AttrStatus for a status change).
	ChangeCaseUpdated ChangeKind = "case_updated"
	// ChangeCaseDeleted: DeleteCase. Case is nil.
	ChangeCaseDeleted ChangeKind = "case_deleted"
	// ChangeLinked: Relate added Link (a conversation, a message, a
	// contact). Case is the case with the link.
	ChangeLinked ChangeKind = "linked"
	// ChangeUnlinked: Unrelate removed Link. Case is the case without it.
	ChangeUnlinked ChangeKind = "unlinked"
)

// Kinds of Event the agent appends through Write.Events. Hosts may append
// kinds of their own.
const (
	// ChangeEmailSent: the agent sent an email for the case (an
	// acknowledgement, a follow-up, an answer). Data may hold
	// "message_id", "to", "subject" and "purpose".
	ChangeEmailSent ChangeKind = "email_sent"
	// ChangeDraftWaiting: the agent prepared a message that waits for a
	// person to confirm (automation "draft"). Data may hold "purpose".
	ChangeDraftWaiting ChangeKind = "draft_waiting"
)

// storeKind reports whether k is one that stores append by themselves.
func (k ChangeKind) storeKind() bool {
	switch k {
	case ChangeCaseCreated, ChangeCaseUpdated, ChangeCaseDeleted, ChangeLinked, ChangeUnlinked:
		return true
	}
	return false
}

// Event is what a writer appends to the change feed along with a case
// write (Write.Events): something that happened to the case that is not a
// change of the case itself. It is plain data.
type Event struct {
	// Kind names what happened: ChangeEmailSent, ChangeDraftWaiting, or a
	// kind of the host's own. It must not be empty nor one of the kinds
	// stores append (ChangeCaseCreated, ...).
	Kind ChangeKind `json:"kind"`
	// Actor did it.
	Actor Actor `json:"actor"`
	// Reason says why, in words.
	Reason     string   `json:"reason,omitempty"`
	MessageIDs []string `json:"message_ids,omitempty"`
	// Data holds the details, by name.
	Data map[string]string `json:"data,omitempty"`
}

// Validate reports whether the event can be stored: a kind that is not empty
// and not a store's own, a known actor kind when one is set, and text that
// passes ValidateText. The error wraps ErrInvalid.
func (e *Event) Validate() error {
	if e.Kind == "" {
		return fmt.Errorf("%w: event without a kind", ErrInvalid)
	}
	if e.Kind.storeKind() {
		return fmt.Errorf("%w: event kind %q is appended by stores only", ErrInvalid, e.Kind)
	}
	if e.Actor.Kind != "" && !e.Actor.Kind.Valid() {
		return fmt.Errorf("%w: event %s: unknown actor kind %q", ErrInvalid, e.Kind, e.Actor.Kind)
	}
	return ValidateText("event", e)
}

// FeedEntry is one entry of the change feed (see Feed). It is plain data.
type FeedEntry struct {
	// Seq is the entry's place in the store's feed: 1 for the first entry,
	// then one more for each, in the order the writes committed.
	Seq int64 `json:"seq"`
	// Kind says what happened.
	Kind ChangeKind `json:"kind"`
	// CaseID and CaseNumber name the case.
	CaseID     string `json:"case_id"`
	CaseNumber string `json:"case_number"`
	// Time is the time of the write.
	Time time.Time `json:"time"`
	// Case is the case as the write committed it, for the kinds stores
	// append, except ChangeCaseDeleted; nil for events. Applying the Case
	// of every entry in Seq order gives the store's cases.
	Case *Case `json:"case,omitempty"`
	// Audit are the write's audit entries (as Write.Audit, with CaseID and
	// Time set; Seq is not), for the kinds stores append.
	Audit []AuditEntry `json:"audit,omitempty"`
	// Link is the link added or removed, for ChangeLinked and
	// ChangeUnlinked.
	Link *Link `json:"link,omitempty"`
	// Event is the event, for entries that Write.Events appended.
	Event *Event `json:"event,omitempty"`
}

// Clone returns a deep copy of c.
func (c FeedEntry) Clone() FeedEntry {
	c.Case = c.Case.Clone()
	if c.Audit != nil {
		a := make([]AuditEntry, len(c.Audit))
		for i := range c.Audit {
			a[i] = c.Audit[i].Clone()
		}
		c.Audit = a
	}
	if c.Link != nil {
		l := *c.Link
		c.Link = &l
	}
	if c.Event != nil {
		e := *c.Event
		e.MessageIDs = slices.Clone(e.MessageIDs)
		e.Data = maps.Clone(e.Data)
		c.Event = &e
	}
	return c
}

// Changed returns the audit entry of the change for field (a schema field
// or AttrStatus, ...), and whether there is one.
func (c *FeedEntry) Changed(field string) (AuditEntry, bool) {
	for _, e := range c.Audit {
		if e.Field == field {
			return e, true
		}
	}
	return AuditEntry{}, false
}

// FeedWrite describes one committed case write to NewFeedEntries.
type FeedWrite struct {
	// Kind is the kind of the store's own entry.
	Kind ChangeKind
	// CaseID and CaseNumber name the case.
	CaseID, CaseNumber string
	// Case is the case as committed; nil for ChangeCaseDeleted.
	Case *Case
	// Link is the link the write changed, or nil.
	Link *Link
	// Write holds the write's audit entries and events; it must not be nil.
	Write *Write
	// Time is the write's time.
	Time time.Time
}

// NewFeedEntries returns the entries a committed case write appends: the
// store's own entry of kind fw.Kind (with the case as committed, the
// write's audit entries and the link when not nil) followed by the
// write's events. Seq is left for the store to number. Stores call it so
// that all feeds read alike.
func NewFeedEntries(fw FeedWrite) []FeedEntry {
	k, caseID, number, c, l, w, t := fw.Kind, fw.CaseID, fw.CaseNumber, fw.Case, fw.Link, fw.Write, fw.Time
	out := make([]FeedEntry, 0, 1+len(w.Events))
	first := FeedEntry{Kind: k, CaseID: caseID, CaseNumber: number, Time: t, Case: c.Clone()}
	if l != nil {
		lc := *l
		first.Link = &lc
	}
	if len(w.Audit) > 0 {
		first.Audit = make([]AuditEntry, len(w.Audit))
		for i, e := range w.Audit {
			e = e.Clone()
			e.Seq, e.CaseID = 0, caseID
			if e.Time.IsZero() {
				e.Time = t
			}
			first.Audit[i] = e
		}
	}
	out = append(out, first)
	for _, e := range w.Events {
		ev := e
		ev.MessageIDs = slices.Clone(e.MessageIDs)
		ev.Data = maps.Clone(e.Data)
		out = append(out, FeedEntry{Kind: e.Kind, CaseID: caseID, CaseNumber: number, Time: t, Event: &ev})
	}
	return out
}

// ChangeHook is called by a store, after a write committed, with the feed
// entries the write appended, in the goroutine of the write. Calls for
// concurrent writes may overlap and arrive in any order, and a store calls
// it only for its own writes (not those of other processes sharing a
// database): hosts that need every change in order read the Feed. The
// hook must not modify the changes, and should return quickly.
type ChangeHook func(ctx context.Context, changes []FeedEntry)

// ErrChangesPurged: the feed entries that follow a cursor were removed by
// a Purger, so a consumer at that cursor missed them. It must synchronise
// again (list the cases with a Lister after reading LastChange) and go on
// from there.
var ErrChangesPurged = errors.New("casemgmt: change feed entries purged")

// Feed is the change feed: every committed case write appends entries to
// it in the same transaction (see ChangeKind and Write.Events), numbered
// 1, 2, 3, ... in commit order. It is an optional interface that memstore
// and sqlstore implement; storetest proves it for any store that has it.
//
// What a consumer can rely on, also while several writers (goroutines or
// processes) commit at once:
//
//   - Order: entries come in Seq order, which is the order their writes
//     committed; the entries of one write are consecutive.
//   - No gaps: Seq numbers are consecutive. An entry is never readable
//     before every entry with a lower Seq is, so a consumer that goes on
//     from the highest Seq it read never skips one. Only Purge removes
//     entries, the oldest first; reading past them is ErrChangesPurged.
//   - At least once: consumers keep their own cursor (the last Seq they
//     handled), for example in Coordinator.PutState under a key of their
//     own; one that stores its cursor after handling what it read sees
//     entries again after a crash, never misses one. Any number of
//     consumers read independently.
type Feed interface {
	// ReadChanges returns the entries with Seq greater than after, in Seq
	// order, at most limit of them (0 is DefaultPageSize, more than
	// MaxPageSize is MaxPageSize). A negative after or limit is
	// ErrInvalid; ErrChangesPurged when entries after after were purged.
	ReadChanges(ctx context.Context, after int64, limit int) ([]FeedEntry, error)
	// LastChange returns the Seq of the newest entry, 0 when there is
	// none.
	LastChange(ctx context.Context) (int64, error)
}

// StartReadChanges does what every Feed.ReadChanges begins with: it checks
// ctx, after and limit and returns the most entries the read returns.
// Store adapters call it first.
func StartReadChanges(ctx context.Context, after int64, limit int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if after < 0 || limit < 0 {
		return 0, fmt.Errorf("%w: negative feed cursor or limit", ErrInvalid)
	}
	q := ListQuery{Limit: limit}
	return q.PageSize(), nil
}

// FeedCursorKey is the Coordinator state key under which FollowFeed keeps
// the cursor of the named consumer.
func FeedCursorKey(consumer string) string { return "feed-cursor:" + consumer }

// FollowOptions names a FollowFeed consumer and its page size.
type FollowOptions struct {
	// Consumer names the consumer whose cursor FollowFeed keeps; required.
	Consumer string
	// Limit is the most entries per page (see Feed.ReadChanges; 0 is
	// DefaultPageSize).
	Limit int
}

// FollowFeed hands the entries of f after the cursor of the consumer
// opts.Consumer to handle, a page (at most opts.Limit entries; see
// Feed.ReadChanges) at a time, until none are left, and saves the cursor
// in st (Coordinator.PutState under FeedCursorKey(opts.Consumer)) after each page handle accepted. It
// returns how many entries were handled. When handle fails, the page's
// entries come again on the next call: consumers see each entry at least
// once, and must tolerate seeing one twice (apply the Case of an entry,
// which is the whole case, rather than counting). Consumers with their
// own database do better to keep the cursor in it, in the transaction
// that applies the page (see examples/mirror). ErrChangesPurged means
// the consumer missed entries and must synchronise again.
//
// Several processes may follow the feed under one consumer name, but
// then each entry may be handled by more than one of them; give each
// consumer its own name, or let one process at a time follow (for
// example under a claim, Coordinator.AcquireClaim).
func FollowFeed(ctx context.Context, f Feed, st Coordinator, opts FollowOptions,
	handle func(ctx context.Context, entries []FeedEntry) error) (int, error) {
	consumer, limit := opts.Consumer, opts.Limit
	if consumer == "" {
		return 0, fmt.Errorf("%w: a feed consumer needs a name", ErrInvalid)
	}
	var cursor int64
	raw, err := st.GetState(ctx, FeedCursorKey(consumer))
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return 0, err
	default:
		if err := json.Unmarshal(raw, &cursor); err != nil {
			return 0, fmt.Errorf("casemgmt: feed cursor of %s: %w", consumer, err)
		}
	}
	n := 0
	for {
		entries, err := f.ReadChanges(ctx, cursor, limit)
		if err != nil || len(entries) == 0 {
			return n, err
		}
		if err := handle(ctx, entries); err != nil {
			return n, err
		}
		n += len(entries)
		cursor = entries[len(entries)-1].Seq
		b, _ := json.Marshal(cursor)
		if err := st.PutState(ctx, FeedCursorKey(consumer), b); err != nil {
			return n, err
		}
	}
}
