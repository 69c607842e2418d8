package agent

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
)

// The store operations, as AttrStoreOp and in span names.
const (
	opCreateCase storeOp = iota
	opGetCase
	opGetCaseByNumber
	opUpdateCase
	opUpsertCase
	opDeleteCase
	opRelate
	opUnrelate
	opFindCaseByConversation
	opFindCasesByMessageID
	opFindCasesByContact
	opFindDueCases
	opCreateContact
	opGetContact
	opFindContacts
	opListAudit
	opAddInteraction
	opListInteractions
	opUseKey
	opAcquireClaim
	opReleaseClaim
	opGetState
	opPutState
	opPing
	numStoreOps
)

var storeOpNames = [numStoreOps]string{
	opCreateCase:             "CreateCase",
	opGetCase:                "GetCase",
	opGetCaseByNumber:        "GetCaseByNumber",
	opUpdateCase:             "UpdateCase",
	opUpsertCase:             "UpsertCase",
	opDeleteCase:             "DeleteCase",
	opRelate:                 "Relate",
	opUnrelate:               "Unrelate",
	opFindCaseByConversation: "FindCaseByConversation",
	opFindCasesByMessageID:   "FindCasesByMessageID",
	opFindCasesByContact:     "FindCasesByContact",
	opFindDueCases:           "FindDueCases",
	opCreateContact:          "CreateContact",
	opGetContact:             "GetContact",
	opFindContacts:           "FindContacts",
	opListAudit:              "ListAudit",
	opAddInteraction:         "AddInteraction",
	opListInteractions:       "ListInteractions",
	opUseKey:                 "UseKey",
	opAcquireClaim:           "AcquireClaim",
	opReleaseClaim:           "ReleaseClaim",
	opGetState:               "GetState",
	opPutState:               "PutState",
	opPing:                   "Ping",
}

// tracedStore traces and measures the calls of a store.
type tracedStore struct {
	next casemgmt.Store
	t    *telemetry
}

// tracedPingStore is a tracedStore over a store that is a
// casemgmt.Pinger, which it stays.
type tracedPingStore struct {
	tracedStore
	ping casemgmt.Pinger
}

// newTracedStore wraps s, keeping its Pinger.
func newTracedStore(s casemgmt.Store, t *telemetry) casemgmt.Store {
	if p, ok := s.(casemgmt.Pinger); ok {
		return &tracedPingStore{tracedStore: tracedStore{next: s, t: t}, ping: p}
	}
	return &tracedStore{next: s, t: t}
}

// Unwrap returns the store it traces.
func (s *tracedStore) Unwrap() casemgmt.Store { return s.next }

func (s *tracedPingStore) Ping(ctx context.Context) error {
	ctx, op := s.t.startStore(ctx, opPing, "", "")
	err := s.ping.Ping(ctx)
	op.end(err)
	return err
}

func (s *tracedStore) CreateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	ctx, op := s.t.startStore(ctx, opCreateCase, "", "")
	err := s.next.CreateCase(ctx, c, w)
	if err == nil {
		op.learnCase(c.ID)
	}
	op.end(err)
	return err
}

func (s *tracedStore) GetCase(ctx context.Context, id string) (*casemgmt.Case, error) {
	ctx, op := s.t.startStore(ctx, opGetCase, id, "")
	v, err := s.next.GetCase(ctx, id)
	op.end(err)
	return v, err
}

func (s *tracedStore) GetCaseByNumber(ctx context.Context, number string) (*casemgmt.Case, error) {
	ctx, op := s.t.startStore(ctx, opGetCaseByNumber, "", "")
	v, err := s.next.GetCaseByNumber(ctx, number)
	op.end(err)
	return v, err
}

func (s *tracedStore) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	ctx, op := s.t.startStore(ctx, opUpdateCase, c.ID, "")
	err := s.next.UpdateCase(ctx, c, w)
	op.end(err)
	return err
}

func (s *tracedStore) UpsertCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) (bool, error) {
	ctx, op := s.t.startStore(ctx, opUpsertCase, "", "")
	v, err := s.next.UpsertCase(ctx, c, w)
	op.end(err)
	return v, err
}

func (s *tracedStore) DeleteCase(ctx context.Context, id string, w casemgmt.Write) error {
	ctx, op := s.t.startStore(ctx, opDeleteCase, id, "")
	err := s.next.DeleteCase(ctx, id, w)
	op.end(err)
	return err
}

func (s *tracedStore) Relate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	ctx, op := s.t.startStore(ctx, opRelate, caseID, "")
	err := s.next.Relate(ctx, caseID, l, w)
	op.end(err)
	return err
}

func (s *tracedStore) Unrelate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	ctx, op := s.t.startStore(ctx, opUnrelate, caseID, "")
	err := s.next.Unrelate(ctx, caseID, l, w)
	op.end(err)
	return err
}

func (s *tracedStore) FindCaseByConversation(ctx context.Context, conversationID string) (*casemgmt.Case, error) {
	ctx, op := s.t.startStore(ctx, opFindCaseByConversation, "", conversationID)
	v, err := s.next.FindCaseByConversation(ctx, conversationID)
	if err == nil && v != nil {
		op.learnCase(v.ID)
	}
	op.end(err)
	return v, err
}

func (s *tracedStore) FindCasesByMessageID(ctx context.Context, messageIDs []string) ([]*casemgmt.Case, error) {
	ctx, op := s.t.startStore(ctx, opFindCasesByMessageID, "", "")
	v, err := s.next.FindCasesByMessageID(ctx, messageIDs)
	op.end(err)
	return v, err
}

func (s *tracedStore) FindCasesByContact(ctx context.Context, contactID string, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	ctx, op := s.t.startStore(ctx, opFindCasesByContact, "", "")
	v, err := s.next.FindCasesByContact(ctx, contactID, f)
	op.end(err)
	return v, err
}

func (s *tracedStore) FindDueCases(ctx context.Context, before time.Time, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	ctx, op := s.t.startStore(ctx, opFindDueCases, "", "")
	v, err := s.next.FindDueCases(ctx, before, f)
	op.end(err)
	return v, err
}

func (s *tracedStore) CreateContact(ctx context.Context, c *casemgmt.Contact) error {
	ctx, op := s.t.startStore(ctx, opCreateContact, "", "")
	err := s.next.CreateContact(ctx, c)
	op.end(err)
	return err
}

func (s *tracedStore) GetContact(ctx context.Context, id string) (*casemgmt.Contact, error) {
	ctx, op := s.t.startStore(ctx, opGetContact, "", "")
	v, err := s.next.GetContact(ctx, id)
	op.end(err)
	return v, err
}

func (s *tracedStore) FindContacts(ctx context.Context, q predict.ContactQuery) ([]casemgmt.Contact, error) {
	ctx, op := s.t.startStore(ctx, opFindContacts, "", "")
	v, err := s.next.FindContacts(ctx, q)
	op.end(err)
	return v, err
}

func (s *tracedStore) ListAudit(ctx context.Context, caseID string) ([]casemgmt.AuditEntry, error) {
	ctx, op := s.t.startStore(ctx, opListAudit, caseID, "")
	v, err := s.next.ListAudit(ctx, caseID)
	op.end(err)
	return v, err
}

func (s *tracedStore) AddInteraction(ctx context.Context, in *casemgmt.Interaction) error {
	ctx, op := s.t.startStore(ctx, opAddInteraction, in.CaseID, in.ConversationID)
	err := s.next.AddInteraction(ctx, in)
	op.end(err)
	return err
}

func (s *tracedStore) ListInteractions(ctx context.Context, q casemgmt.InteractionQuery) ([]casemgmt.Interaction, error) {
	ctx, op := s.t.startStore(ctx, opListInteractions, q.CaseID, q.ConversationID)
	v, err := s.next.ListInteractions(ctx, q)
	op.end(err)
	return v, err
}

func (s *tracedStore) UseKey(ctx context.Context, key string) (bool, error) {
	ctx, op := s.t.startStore(ctx, opUseKey, "", "")
	v, err := s.next.UseKey(ctx, key)
	op.end(err)
	return v, err
}

func (s *tracedStore) AcquireClaim(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	ctx, op := s.t.startStore(ctx, opAcquireClaim, "", "")
	v, err := s.next.AcquireClaim(ctx, name, owner, ttl)
	op.end(err)
	return v, err
}

func (s *tracedStore) ReleaseClaim(ctx context.Context, name, owner string) error {
	ctx, op := s.t.startStore(ctx, opReleaseClaim, "", "")
	err := s.next.ReleaseClaim(ctx, name, owner)
	op.end(err)
	return err
}

func (s *tracedStore) GetState(ctx context.Context, key string) ([]byte, error) {
	ctx, op := s.t.startStore(ctx, opGetState, "", "")
	v, err := s.next.GetState(ctx, key)
	op.end(err)
	return v, err
}

func (s *tracedStore) PutState(ctx context.Context, key string, value []byte) error {
	ctx, op := s.t.startStore(ctx, opPutState, "", "")
	err := s.next.PutState(ctx, key, value)
	op.end(err)
	return err
}

// Results of store calls, as AttrResult.
const (
	resOK storeResult = iota
	resNotFound
	resConflict
	resDuplicate
	resKeyUsed
	resInvalid
	resCanceled
	resError
	numResults
)

type storeResult int

var resultNames = [numResults]string{"ok", "not_found", "conflict", "duplicate", "key_used", "invalid", "canceled", "error"}

// storeResultOf classifies a store call's error.
func storeResultOf(err error) storeResult {
	switch {
	case err == nil:
		return resOK
	case errors.Is(err, casemgmt.ErrNotFound):
		return resNotFound
	case errors.Is(err, casemgmt.ErrConflict):
		return resConflict
	case errors.Is(err, casemgmt.ErrDuplicate):
		return resDuplicate
	case errors.Is(err, casemgmt.ErrKeyUsed):
		return resKeyUsed
	case errors.Is(err, casemgmt.ErrInvalid):
		return resInvalid
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return resCanceled
	}
	return resError
}

// storeCall is one store call being traced.
type storeCall struct {
	t     *telemetry
	op    storeOp
	span  trace.Span
	run   *runSpan
	start time.Time
}

type storeOp int

// startStore starts the span of a store call about a case and a
// conversation (either may be empty: the run's are used).
func (t *telemetry) startStore(ctx context.Context, op storeOp, caseID, convID string) (context.Context, storeCall) {
	var buf [3]attribute.KeyValue
	attrs := append(buf[:0], AttrStoreOp.String(storeOpNames[op]))
	attrs = idAttrs(ctx, attrs, caseID, convID)
	run := runOf(ctx)
	ctx, span := t.tracer.Start(ctx, spanStorePref+storeOpNames[op], trace.WithAttributes(attrs...))
	return ctx, storeCall{t: t, op: op, span: span, run: run, start: time.Now()}
}

// learnCase records the case the call found or made, on its span and its
// run.
func (c storeCall) learnCase(id string) {
	if id == "" {
		return
	}
	c.span.SetAttributes(AttrCaseID.String(id))
	if c.run != nil && c.run.t == c.t {
		c.run.learnCase(id)
	}
}

// end ends the call's span and records its duration. Not found is an
// answer, not a failure; every other error marks the span as failed.
func (c storeCall) end(err error) {
	d := time.Since(c.start).Seconds()
	res := storeResultOf(err)
	if res != resOK {
		c.span.SetAttributes(AttrResult.String(resultNames[res]))
		if res != resNotFound {
			failSpan(c.span, err)
		}
	}
	c.t.storeDur.Record(context.Background(), d, metric.WithAttributeSet(c.t.storeSets[c.op][res]))
	c.span.End()
}
