package casemgmt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

var (
	person = casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-7"}
	agent  = casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "caseagent"}
	intake = casemgmt.Actor{Kind: casemgmt.ActorIntakeRule, ID: "support mailbox"}
	system = casemgmt.Actor{Kind: casemgmt.ActorSystem}
)

func TestCanWrite(t *testing.T) {
	by := func(a casemgmt.Actor) casemgmt.Provenance { return casemgmt.Provenance{Actor: a} }
	tests := []struct {
		name     string
		prev     casemgmt.Provenance
		exists   bool
		writer   casemgmt.Actor
		clearing bool
		override bool
		want     bool
		reason   string
	}{
		{"agent fills an empty field", casemgmt.Provenance{}, false, agent, false, false, true, ""},
		{"agent revises its own value", by(agent), true, agent, false, false, true, ""},
		{"agent revises another agent run's value", by(casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "other"}), true, agent, false, false, true, ""},
		{"agent never overwrites a person", by(person), true, agent, false, false, false, casemgmt.ReasonPersonSet},
		{"agent overwrites a person with the switch on", by(person), true, agent, false, true, true, ""},
		{"agent never overwrites an intake rule", by(intake), true, agent, false, false, false, casemgmt.ReasonIntakeRuleSet},
		{"switch does not open intake values", by(intake), true, agent, false, true, false, casemgmt.ReasonIntakeRuleSet},
		{"agent does not overwrite the system", by(system), true, agent, false, false, false, casemgmt.ReasonSystemSet},
		{"unknown provenance counts as a person's", casemgmt.Provenance{}, true, agent, false, false, false, casemgmt.ReasonUnknownProvenance},
		{"unknown provenance with the switch on", casemgmt.Provenance{}, true, agent, false, true, true, ""},
		{"agent never clears its own value", by(agent), true, agent, true, false, false, casemgmt.ReasonAgentNeverClears},
		{"agent never clears, even with the switch", by(person), true, agent, true, true, false, casemgmt.ReasonAgentNeverClears},
		{"agent never clears an empty field either", casemgmt.Provenance{}, false, agent, true, false, false, casemgmt.ReasonAgentNeverClears},
		{"person overwrites the agent", by(agent), true, person, false, false, true, ""},
		{"person overwrites an intake rule", by(intake), true, person, false, false, true, ""},
		{"person overwrites another person", by(casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-8"}), true, person, false, false, true, ""},
		{"person clears", by(agent), true, person, true, false, true, ""},
		{"system writes anything", by(person), true, system, false, false, true, ""},
		{"intake rule fills", casemgmt.Provenance{}, false, intake, false, false, true, ""},
		{"intake rule overwrites the agent", by(agent), true, intake, false, false, true, ""},
		{"intake rule does not overwrite a person", by(person), true, intake, false, false, false, casemgmt.ReasonIntakeOverPerson},
		{"unknown writer", casemgmt.Provenance{}, false, casemgmt.Actor{Kind: "robot"}, false, false, false, casemgmt.ReasonUnknownActor},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := casemgmt.WritePolicy{AllowAgentOverrideHuman: tc.override}
			ok, reason := p.CanWrite(tc.prev, tc.exists, tc.writer, tc.clearing)
			if ok != tc.want || reason != tc.reason {
				t.Errorf("CanWrite = %v, %q; want %v, %q", ok, reason, tc.want, tc.reason)
			}
		})
	}
}

func testSchema(t *testing.T) *casemgmt.Schema {
	t.Helper()
	s, err := casemgmt.NewSchema([]casemgmt.Field{
		{Field: predict.Field{Name: "title", Type: predict.TypeText}},
		{Field: predict.Field{Name: "contact", Type: predict.TypeLookup, Lookup: predict.LookupContacts}},
		{Field: predict.Field{Name: "product", Type: predict.TypeLookup, Options: []predict.Option{{Value: "P-X200", Label: "X200"}, {Value: "P-X300"}}}},
		{Field: predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Product defect"}, {Value: "Billing"}}}},
		{Field: predict.Field{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Normal"}, {Value: "Urgent"}}}},
		{Field: predict.Field{Name: "serial_number", Type: predict.TypeText, Pattern: "SN-[A-Z0-9]{8}"}},
		{Field: predict.Field{Name: "devices", Type: predict.TypeInteger}},
		{Field: predict.Field{Name: "refund", Type: predict.TypeCurrency}},
		{Field: predict.Field{Name: "vip", Type: predict.TypeBool}},
		{Field: predict.Field{Name: "reply_to", Type: predict.TypeEmail}},
		{Field: predict.Field{Name: "origin", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Email"}, {Value: "Chat"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func contacts(t *testing.T) *memstore.Store {
	t.Helper()
	st := memstore.New()
	if err := st.CreateContact(context.Background(), &casemgmt.Contact{ID: "C-1001", Name: "Ana Lima"}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestValidate(t *testing.T) {
	s := testSchema(t)
	st := contacts(t)
	tests := []struct {
		field  string
		in     any
		want   any
		target error // nil when valid
	}{
		{"title", "  Router reboots ", "Router reboots", nil},
		{"category", "product DEFECT", "Product defect", nil},
		{"category", "Shipping", nil, casemgmt.ErrInvalidValue},
		{"product", "p-x300", "P-X300", nil},
		{"product", "X200", nil, casemgmt.ErrInvalidValue},
		{"contact", "C-1001", "C-1001", nil},
		{"contact", "C-9999", nil, casemgmt.ErrNotFound},
		{"serial_number", "SN-4K2P9Q7Z", "SN-4K2P9Q7Z", nil},
		{"serial_number", "SN-123", nil, casemgmt.ErrInvalidValue},
		{"devices", 3, int64(3), nil},
		{"devices", 2.0, int64(2), nil},
		{"devices", 2.5, nil, casemgmt.ErrInvalidValue},
		{"devices", "3", nil, casemgmt.ErrInvalidValue},
		{"refund", 12.345, 12.35, nil},
		{"refund", int64(12), 12.0, nil},
		{"vip", true, true, nil},
		{"vip", "yes", nil, casemgmt.ErrInvalidValue},
		{"reply_to", "ana@example.org", "ana@example.org", nil},
		{"reply_to", "ana at example", nil, casemgmt.ErrInvalidValue},
		{"title", nil, nil, nil},
		{"colour", "red", nil, casemgmt.ErrUnknownField},
	}
	for _, tc := range tests {
		got, err := s.Validate(context.Background(), tc.field, tc.in, st)
		if tc.target == nil {
			if err != nil || got != tc.want {
				t.Errorf("Validate(%s, %#v) = %#v, %v; want %#v", tc.field, tc.in, got, err, tc.want)
			}
			continue
		}
		var fe *casemgmt.FieldError
		if !errors.Is(err, tc.target) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("Validate(%s, %#v): %v; want a *FieldError for %s matching %v", tc.field, tc.in, err, tc.field, tc.target)
		}
		if errors.Is(tc.target, casemgmt.ErrNotFound) && !errors.Is(err, casemgmt.ErrInvalidValue) {
			t.Errorf("Validate(%s, %#v): %v does not match ErrInvalidValue", tc.field, tc.in, err)
		}
	}
}

func TestApply(t *testing.T) {
	s := testSchema(t)
	st := contacts(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &casemgmt.Case{ID: "case-1"}
	// An intake rule creates the case.
	res, err := s.Apply(ctx, c, []casemgmt.Change{
		{Field: "title", Value: "X200 dead port", Provenance: casemgmt.Provenance{Actor: intake, Rule: "support mailbox"}, Reason: "intake"},
		{Field: "origin", Value: "email", Provenance: casemgmt.Provenance{Actor: intake, Rule: "support mailbox"}, Reason: "intake"},
	}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: st, Now: t0})
	if err != nil || len(res.Audit) != 2 {
		t.Fatalf("intake Apply: %+v, %v", res, err)
	}
	if c.Title != "X200 dead port" || c.Origin != "Email" {
		t.Errorf("mirrored attributes: title %q origin %q", c.Title, c.Origin)
	}
	// The agent predicts; a person edits; the agent predicts again.
	pred := func(conf float64, msg string) casemgmt.Provenance {
		return casemgmt.Provenance{Actor: agent, MessageIDs: []string{msg}, Confidence: conf, Model: "heuristic",
			Evidence: []predict.Evidence{{MessageID: msg, Quote: "x"}}}
	}
	res, err = s.Apply(ctx, c, []casemgmt.Change{
		{Field: "title", Value: "Port broken", Provenance: pred(0.9, "m1")},
		{Field: "contact", Value: "C-1001", Provenance: pred(1, "m1")},
		{Field: "product", Value: "P-X200", Provenance: pred(0.8, "m1")},
		{Field: "priority", Value: "Normal", Provenance: pred(0.6, "m1")},
	}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: st, Now: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	wantRes := casemgmt.ApplyResult{
		Audit: []casemgmt.AuditEntry{
			{CaseID: "case-1", Field: "contact", New: "C-1001", Actor: agent, MessageIDs: []string{"m1"}, Confidence: 1, Evidence: []predict.Evidence{{MessageID: "m1", Quote: "x"}}, Model: "heuristic", Time: t0.Add(time.Minute)},
			{CaseID: "case-1", Field: "product", New: "P-X200", Actor: agent, MessageIDs: []string{"m1"}, Confidence: 0.8, Evidence: []predict.Evidence{{MessageID: "m1", Quote: "x"}}, Model: "heuristic", Time: t0.Add(time.Minute)},
			{CaseID: "case-1", Field: "priority", New: "Normal", Actor: agent, MessageIDs: []string{"m1"}, Confidence: 0.6, Evidence: []predict.Evidence{{MessageID: "m1", Quote: "x"}}, Model: "heuristic", Time: t0.Add(time.Minute)},
		},
		Refused: []casemgmt.Refusal{{Field: "title", Value: "Port broken", Reason: casemgmt.ReasonIntakeRuleSet}},
	}
	if diff := cmp.Diff(wantRes, res, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("agent Apply (-want +got):\n%s", diff)
	}
	if c.ContactID != "C-1001" {
		t.Errorf("ContactID %q, want the contact field's value", c.ContactID)
	}
	if _, err := s.Apply(ctx, c, []casemgmt.Change{{Field: "priority", Value: "Urgent", Provenance: casemgmt.Provenance{Actor: person}}}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: st, Now: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	res, err = s.Apply(ctx, c, []casemgmt.Change{
		{Field: "priority", Value: "Normal", Provenance: pred(0.7, "m2")},
		{Field: "product", Value: "P-X300", Provenance: pred(0.9, "m2")}, // "sorry, it's the X300"
		{Field: "contact", Value: "C-1001", Provenance: pred(1, "m2")},
		{Field: "category", Value: nil, Provenance: pred(0, "m2")},
		{Field: "title", Value: nil, Provenance: pred(0, "m2")},
	}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: st, Now: t0.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Audit) != 1 || res.Audit[0].Field != "product" || res.Audit[0].Old != "P-X200" || res.Audit[0].New != "P-X300" {
		t.Errorf("applied %+v; want only the product revision", res.Audit)
	}
	wantRefused := []casemgmt.Refusal{
		{Field: "priority", Value: "Normal", Reason: casemgmt.ReasonPersonSet},
		{Field: "title", Value: nil, Reason: casemgmt.ReasonAgentNeverClears},
	}
	if diff := cmp.Diff(wantRefused, res.Refused); diff != "" {
		t.Errorf("refused (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"contact", "category"}, res.Unchanged); diff != "" {
		t.Errorf("unchanged (-want +got):\n%s", diff)
	}
	if c.Fields["priority"] != "Urgent" || c.Provenance["priority"].Actor != person || c.Provenance["product"].MessageIDs[0] != "m2" {
		t.Errorf("case after the second prediction: %v %v", c.Fields, c.Provenance)
	}
	// With the switch on, the agent may overwrite the person.
	res, _ = s.Apply(ctx, c, []casemgmt.Change{{Field: "priority", Value: "Normal", Provenance: pred(0.7, "m3")}}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{AllowAgentOverrideHuman: true}, Contacts: st, Now: t0})
	if len(res.Audit) != 1 || c.Fields["priority"] != "Normal" {
		t.Errorf("override switch: %+v", res)
	}
	// A person clears a value.
	res, _ = s.Apply(ctx, c, []casemgmt.Change{{Field: "contact", Value: nil, Provenance: casemgmt.Provenance{Actor: person}}}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: st, Now: t0})
	if _, has := c.Value("contact"); has || c.ContactID != "" || len(res.Audit) != 1 || res.Audit[0].Old != "C-1001" || res.Audit[0].New != nil {
		t.Errorf("person clearing: %+v, fields %v", res, c.Fields)
	}
}

func TestApplyRefusesInvalidBatch(t *testing.T) {
	s := testSchema(t)
	c := &casemgmt.Case{ID: "case-1"}
	before := c.Clone()
	_, err := s.Apply(context.Background(), c, []casemgmt.Change{
		{Field: "title", Value: "ok", Provenance: casemgmt.Provenance{Actor: person}},
		{Field: "colour", Value: "red", Provenance: casemgmt.Provenance{Actor: person}},
		{Field: "contact", Value: "C-404", Provenance: casemgmt.Provenance{Actor: person}},
		{Field: "devices", Value: "many", Provenance: casemgmt.Provenance{Actor: person}},
	}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: contacts(t), Now: time.Now()})
	if !errors.Is(err, casemgmt.ErrUnknownField) || !errors.Is(err, casemgmt.ErrInvalidValue) || !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("Apply of a bad batch: %v", err)
	}
	for _, f := range []string{"colour", "contact", "devices"} {
		if !containsField(err, f) {
			t.Errorf("error %v does not name %s", err, f)
		}
	}
	if diff := cmp.Diff(before, c); diff != "" {
		t.Errorf("a refused batch changed the case (-before +after):\n%s", diff)
	}
}

func containsField(err error, field string) bool {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return false
	}
	for _, e := range joined.Unwrap() {
		var fe *casemgmt.FieldError
		if errors.As(e, &fe) && fe.Field == field {
			return true
		}
	}
	return false
}

func TestSetStatus(t *testing.T) {
	c := &casemgmt.Case{ID: "case-1", Status: casemgmt.StatusActive}
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	es, err := casemgmt.SetStatus(c, casemgmt.StatusWaitingOnCustomer, "asked for serial", casemgmt.Stamp{Actor: person, Reason: "representative edit", Time: t0})
	if err != nil {
		t.Fatal(err)
	}
	want := []casemgmt.AuditEntry{
		{CaseID: "case-1", Field: casemgmt.AttrStatus, Old: "active", New: "waiting_on_customer", Actor: person, Reason: "representative edit", Time: t0},
		{CaseID: "case-1", Field: casemgmt.AttrStatusReason, Old: nil, New: "asked for serial", Actor: person, Reason: "representative edit", Time: t0},
	}
	if diff := cmp.Diff(want, es); diff != "" {
		t.Errorf("SetStatus (-want +got):\n%s", diff)
	}
	if !c.StatusChangedAt.Equal(t0) {
		t.Errorf("StatusChangedAt %v", c.StatusChangedAt)
	}
	if es, _ := casemgmt.SetStatus(c, casemgmt.StatusWaitingOnCustomer, "asked for serial", casemgmt.Stamp{Actor: person, Time: t0}); len(es) != 0 {
		t.Errorf("SetStatus to the same status: %v", es)
	}
	if _, err := casemgmt.SetStatus(c, "done", "", casemgmt.Stamp{Actor: person, Time: t0}); !errors.Is(err, casemgmt.ErrInvalid) || c.Status != casemgmt.StatusWaitingOnCustomer {
		t.Errorf("SetStatus to a bad status: %v, status %s", err, c.Status)
	}
}

func TestNewSchemaErrors(t *testing.T) {
	_, err := casemgmt.NewSchema([]casemgmt.Field{
		{Field: predict.Field{Name: "a", Type: predict.TypeChoice}},
		{Field: predict.Field{Name: "a", Type: predict.TypeBool, Multiline: true}},
	})
	var ce *casemgmt.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("NewSchema: %v", err)
	}
	want := []casemgmt.Problem{
		{Path: "fields[0].options", Msg: "a choice field needs options"},
		{Path: "fields[1].name", Msg: `duplicate field "a" (also fields[0])`},
		{Path: "fields[1].multiline", Msg: "only text fields can be multiline"},
	}
	if diff := cmp.Diff(want, ce.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// A person who sets the value the agent had already predicted makes it
// theirs: a later prediction does not overwrite it.
func TestPersonConfirmingAgentValueTakesItOver(t *testing.T) {
	ctx := context.Background()
	schema, err := casemgmt.NewSchema([]casemgmt.Field{{Field: predict.Field{Name: "priority", Type: predict.TypeChoice,
		Options: []predict.Option{{Value: "Normal"}, {Value: "High"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	agent := casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "caseagent"}
	rep := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-1"}
	c := &casemgmt.Case{ID: "c1"}
	set := func(by casemgmt.Actor, v string) casemgmt.ApplyResult {
		t.Helper()
		res, err := schema.Apply(ctx, c, []casemgmt.Change{{Field: "priority", Value: v, Provenance: casemgmt.Provenance{Actor: by}}}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	set(agent, "Normal")
	confirm := set(rep, "Normal")
	if len(confirm.Audit) != 1 || confirm.Audit[0].Old != "Normal" || confirm.Audit[0].New != "Normal" || confirm.Audit[0].Actor != rep {
		t.Fatalf("confirmation audit = %+v, want one entry by the person", confirm.Audit)
	}
	if got := c.Provenance["priority"].Actor; got != rep {
		t.Fatalf("owner = %v, want the person", got)
	}
	if res := set(agent, "High"); len(res.Refused) != 1 || c.Fields["priority"] != "Normal" {
		t.Errorf("the agent overwrote a value the person confirmed: %+v, value %v", res, c.Fields["priority"])
	}
	// Confirming one's own value again changes nothing.
	if res := set(rep, "Normal"); len(res.Audit) != 0 {
		t.Errorf("a person repeating their own value wrote %+v", res.Audit)
	}
}
