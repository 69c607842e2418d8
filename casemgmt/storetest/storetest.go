package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
)

// Run runs the conformance suite against stores made by newStore, which
// must return a new, empty store for each call (subtests do not share
// stores) and arrange its cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) casemgmt.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s casemgmt.Store)
	}{
		{"CreateAndGet", testCreateAndGet},
		{"CreateDefaults", testCreateDefaults},
		{"CreateDuplicates", testCreateDuplicates},
		{"CreateInvalid", testCreateInvalid},
		{"Copies", testCopies},
		{"GetNotFound", testGetNotFound},
		{"Update", testUpdate},
		{"UpdateConflict", testUpdateConflict},
		{"UpdateNotFound", testUpdateNotFound},
		{"UpdateExternalIDTaken", testUpdateExternalIDTaken},
		{"WriteIsAtomic", testWriteIsAtomic},
		{"WriteKey", testWriteKey},
		{"Upsert", testUpsert},
		{"Delete", testDelete},
		{"RelateUnrelate", testRelateUnrelate},
		{"FindByMessageID", testFindByMessageID},
		{"FindByContact", testFindByContact},
		{"FindDue", testFindDue},
		{"Audit", testAudit},
		{"Contacts", testContacts},
		{"ContactsByPhone", testContactsByPhone},
		{"Interactions", testInteractions},
		{"UseKey", testUseKey},
		{"Claims", testClaims},
		{"ClaimExpiry", testClaimExpiry},
		{"State", testState},
		{"CancelledContext", testCancelledContext},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentKeys", testConcurrentKeys},
		{"ConcurrentCreateSameConversation", testConcurrentCreateSameConversation},
		{"ConcurrentClaims", testConcurrentClaims},
		{"AuditVisibleWithChange", testAuditVisibleWithChange},
		{"UnstorableText", testUnstorableText},
		// Optional interfaces: skipped for stores without them.
		{"List", testList},
		{"ListConcurrentWrites", testListConcurrentWrites},
		{"Feed", testFeed},
		{"FeedConcurrentWriters", testFeedConcurrentWriters},
		{"Purge", testPurge},
		{"PurgeConcurrently", testPurgeConcurrently},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// t0 is the suite's base time, to the microsecond as stores keep times.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123456000, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// opts compare stored values: nil and empty collections are the same,
// times compare with Equal (cmp's default for types with an Equal method).
var opts = cmp.Options{cmpopts.EquateEmpty()}

var (
	person = casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-7"}
	agent  = casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "caseagent"}
)

func conv(id string) casemgmt.Link  { return casemgmt.Link{Kind: casemgmt.LinkConversation, ID: id} }
func email(id string) casemgmt.Link { return casemgmt.Link{Kind: casemgmt.LinkEmail, ID: id} }
func contact(id string) casemgmt.Link {
	return casemgmt.Link{Kind: casemgmt.LinkContact, ID: id}
}

// fullCase returns a case with every attribute set and values of every
// type.
func fullCase() *casemgmt.Case {
	return &casemgmt.Case{
		ExternalID:      "EXT-1",
		Title:           "Router reboots",
		Status:          casemgmt.StatusWaitingOnCustomer,
		StatusReason:    "asked for serial",
		StatusChangedAt: at(time.Minute),
		ContactID:       "C-1",
		Origin:          "Chat",
		Fields: casemgmt.Values{
			"issue_description": "My router reboots every few minutes.\nSince Monday.",
			"serial_number":     "SN-4K2P9Q7Z",
			"under_warranty":    true,
			"devices":           int64(3),
			"refund":            12.0,
			"fee":               19.99,
			"unicode":           "Grüße, 東京 ✓",
		},
		Provenance: map[string]casemgmt.Provenance{
			"issue_description": {Actor: agent, Time: at(time.Second), MessageIDs: []string{"m1", "m2"}, Confidence: 0.83,
				Evidence: []predict.Evidence{{MessageID: "m1", Quote: "reboots every few minutes"}}, Rule: "defaults", Model: "heuristic"},
			"serial_number": {Actor: person, Time: at(2 * time.Second)},
		},
		Links:     []casemgmt.Link{email("b@x"), conv("chat-1"), email("a@x"), contact("C-2"), conv("chat-1")},
		NextDueAt: at(48 * time.Hour),
		Meta:      map[string]string{"follow_up_step": "1"},
	}
}

func create(t *testing.T, s casemgmt.Store, c *casemgmt.Case, w casemgmt.Write) *casemgmt.Case {
	t.Helper()
	if err := s.CreateCase(context.Background(), c, w); err != nil {
		t.Fatalf("CreateCase: %v", err)
	}
	return c
}

func get(t *testing.T, s casemgmt.Store, id string) *casemgmt.Case {
	t.Helper()
	c, err := s.GetCase(context.Background(), id)
	if err != nil {
		t.Fatalf("GetCase(%q): %v", id, err)
	}
	return c
}

func audit(t *testing.T, s casemgmt.Store, id string) []casemgmt.AuditEntry {
	t.Helper()
	es, err := s.ListAudit(context.Background(), id)
	if err != nil {
		t.Fatalf("ListAudit(%q): %v", id, err)
	}
	return es
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func ids(cs []*casemgmt.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func entry(field string, old, new any, by casemgmt.Actor) casemgmt.AuditEntry {
	return casemgmt.AuditEntry{Field: field, Old: old, New: new, Actor: by, Reason: "test"}
}

func testCreateAndGet(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := fullCase()
	in := fullCase()
	create(t, s, c, casemgmt.Write{Time: t0})

	want := in
	want.ID = c.ID
	want.Number = casemgmt.FormatNumber(1)
	want.Version = 1
	want.CreatedAt, want.UpdatedAt = t0, t0
	want.Links = []casemgmt.Link{contact("C-2"), conv("chat-1"), email("a@x"), email("b@x")}
	if c.ID == "" {
		t.Fatal("CreateCase did not assign an id")
	}
	if diff := cmp.Diff(want, c, opts); diff != "" {
		t.Errorf("case after CreateCase (-want +got):\n%s", diff)
	}
	got := get(t, s, c.ID)
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("GetCase (-want +got):\n%s", diff)
	}
	byNum, err := s.GetCaseByNumber(ctx, c.Number)
	if err != nil {
		t.Fatalf("GetCaseByNumber: %v", err)
	}
	if diff := cmp.Diff(want, byNum, opts); diff != "" {
		t.Errorf("GetCaseByNumber (-want +got):\n%s", diff)
	}
	for k, v := range got.Fields {
		if fmt.Sprintf("%T", v) != fmt.Sprintf("%T", want.Fields[k]) {
			t.Errorf("field %s came back as %T, want %T", k, v, want.Fields[k])
		}
	}

	c2 := create(t, s, &casemgmt.Case{ID: "my-id", Title: "second"}, casemgmt.Write{Time: at(time.Hour)})
	if c2.ID != "my-id" || c2.Number != casemgmt.FormatNumber(2) {
		t.Errorf("second case: id %q number %q, want my-id %s", c2.ID, c2.Number, casemgmt.FormatNumber(2))
	}
}

func testCreateDefaults(t *testing.T, s casemgmt.Store) {
	before := time.Now().Add(-time.Second)
	c := create(t, s, &casemgmt.Case{Title: "defaults"}, casemgmt.Write{})
	after := time.Now().Add(time.Second)
	if c.Status != casemgmt.StatusActive {
		t.Errorf("status %q, want %q", c.Status, casemgmt.StatusActive)
	}
	if c.CreatedAt.Before(before) || c.CreatedAt.After(after) || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Errorf("times of a write without time: created %v updated %v, want now", c.CreatedAt, c.UpdatedAt)
	}
	got := get(t, s, c.ID)
	if diff := cmp.Diff(c, got, opts); diff != "" {
		t.Errorf("GetCase (-want +got):\n%s", diff)
	}
}

func testCreateDuplicates(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	first := create(t, s, &casemgmt.Case{ID: "case-1", ExternalID: "EXT-1", Links: []casemgmt.Link{conv("chat-1"), email("m1"), contact("C-1")}}, casemgmt.Write{Time: t0})
	tests := []struct {
		name string
		c    *casemgmt.Case
	}{
		{"id", &casemgmt.Case{ID: "case-1"}},
		{"external id", &casemgmt.Case{ExternalID: "EXT-1"}},
		{"conversation", &casemgmt.Case{Links: []casemgmt.Link{conv("chat-2"), conv("chat-1")}}},
		{"email", &casemgmt.Case{Links: []casemgmt.Link{email("m1")}}},
	}
	for _, tc := range tests {
		err := s.CreateCase(ctx, tc.c, casemgmt.Write{Time: at(time.Hour), Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, "created", person)}})
		wantErr(t, "CreateCase with a taken "+tc.name, err, casemgmt.ErrDuplicate)
	}
	// A contact may be linked to any number of cases.
	other := create(t, s, &casemgmt.Case{Links: []casemgmt.Link{contact("C-1")}}, casemgmt.Write{Time: at(time.Hour)})
	// Nothing of the failed creates was kept.
	c, err := s.FindCaseByConversation(ctx, "chat-2")
	wantErr(t, "FindCaseByConversation of a failed create", err, casemgmt.ErrNotFound)
	if c != nil {
		t.Errorf("FindCaseByConversation returned %v with its error", c)
	}
	if es := audit(t, s, first.ID); len(es) != 0 {
		t.Errorf("audit of the first case has %d entries, want none", len(es))
	}
	if es := audit(t, s, other.ID); len(es) != 0 {
		t.Errorf("audit of the second case has %d entries, want none", len(es))
	}
	got := get(t, s, first.ID)
	if diff := cmp.Diff(first, got, opts); diff != "" {
		t.Errorf("first case changed (-want +got):\n%s", diff)
	}
}

func testCreateInvalid(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	tests := []struct {
		name string
		c    *casemgmt.Case
		w    casemgmt.Write
	}{
		{"status", &casemgmt.Case{Status: "open", Links: []casemgmt.Link{conv("x")}}, casemgmt.Write{}},
		{"value type", &casemgmt.Case{Fields: casemgmt.Values{"a": []string{"x"}}, Links: []casemgmt.Link{conv("x")}}, casemgmt.Write{}},
		{"int value", &casemgmt.Case{Fields: casemgmt.Values{"a": 3}, Links: []casemgmt.Link{conv("x")}}, casemgmt.Write{}},
		{"link kind", &casemgmt.Case{Links: []casemgmt.Link{conv("x"), {Kind: "fax", ID: "1"}}}, casemgmt.Write{}},
		{"empty link", &casemgmt.Case{Links: []casemgmt.Link{conv("x"), email("")}}, casemgmt.Write{}},
		{"audit actor", &casemgmt.Case{Links: []casemgmt.Link{conv("x")}}, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("a", nil, "v", casemgmt.Actor{Kind: "robot"})}}},
		{"audit field", &casemgmt.Case{Links: []casemgmt.Link{conv("x")}}, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("", nil, "v", person)}}},
		{"interaction outcome", &casemgmt.Case{Links: []casemgmt.Link{conv("x")}}, casemgmt.Write{Interaction: &casemgmt.Interaction{Outcome: "maybe"}}},
	}
	for _, tc := range tests {
		err := s.CreateCase(ctx, tc.c, tc.w)
		wantErr(t, "CreateCase with a bad "+tc.name, err, casemgmt.ErrInvalid)
	}
	if _, err := s.FindCaseByConversation(ctx, "x"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("an invalid case was stored (FindCaseByConversation: %v)", err)
	}
	ins, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{})
	if err != nil || len(ins) != 0 {
		t.Errorf("ListInteractions after invalid creates: %d records, %v; want none", len(ins), err)
	}
	c := create(t, s, &casemgmt.Case{Title: "after"}, casemgmt.Write{Time: t0})
	if c.Number != casemgmt.FormatNumber(1) {
		// Invalid input is refused before a number is taken.
		t.Errorf("first valid case got number %s, want %s", c.Number, casemgmt.FormatNumber(1))
	}
}

func testCopies(t *testing.T, s casemgmt.Store) {
	c := create(t, s, fullCase(), casemgmt.Write{Time: t0})
	want := get(t, s, c.ID)
	// Changing what was passed in or what came out changes nothing stored.
	mutate := func(x *casemgmt.Case) {
		x.Title = "changed"
		x.Fields["serial_number"] = "SN-00000000"
		p := x.Provenance["issue_description"]
		p.MessageIDs[0] = "changed"
		p.Evidence[0].Quote = "changed"
		x.Links[0].ID = "changed"
		x.Meta["follow_up_step"] = "9"
	}
	mutate(c)
	mutate(get(t, s, c.ID))
	got := get(t, s, c.ID)
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("stored case changed through a caller's pointer (-want +got):\n%s", diff)
	}
	cs, err := s.FindCasesByMessageID(context.Background(), []string{"a@x"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("FindCasesByMessageID: %d cases, %v", len(cs), err)
	}
	mutate(cs[0])
	if diff := cmp.Diff(want, get(t, s, c.ID), opts); diff != "" {
		t.Errorf("stored case changed through a found case (-want +got):\n%s", diff)
	}
}

func testGetNotFound(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	_, err := s.GetCase(ctx, "nope")
	wantErr(t, "GetCase", err, casemgmt.ErrNotFound)
	_, err = s.GetCaseByNumber(ctx, casemgmt.FormatNumber(1))
	wantErr(t, "GetCaseByNumber", err, casemgmt.ErrNotFound)
	_, err = s.FindCaseByConversation(ctx, "nope")
	wantErr(t, "FindCaseByConversation", err, casemgmt.ErrNotFound)
	_, err = s.GetContact(ctx, "nope")
	wantErr(t, "GetContact", err, casemgmt.ErrNotFound)
	_, err = s.GetState(ctx, "nope")
	wantErr(t, "GetState", err, casemgmt.ErrNotFound)
	cs, err := s.FindCasesByMessageID(ctx, []string{"nope"})
	if err != nil || len(cs) != 0 {
		t.Errorf("FindCasesByMessageID of nothing: %v, %v; want no cases", cs, err)
	}
}

func testUpdate(t *testing.T, s casemgmt.Store) {
	c := create(t, s, fullCase(), casemgmt.Write{Time: t0})
	u := get(t, s, c.ID)
	u.Title = "Router reboots (X200)"
	u.Status = casemgmt.StatusActive
	u.StatusReason = ""
	u.ContactID = "C-9"
	u.ExternalID = "EXT-2"
	u.Fields["devices"] = int64(4)
	u.Fields["refund"] = 0.5
	delete(u.Fields, "under_warranty")
	u.Provenance["serial_number"] = casemgmt.Provenance{Actor: agent, Time: at(time.Hour), Confidence: 1}
	u.NextDueAt = time.Time{}
	u.Meta = nil
	u.Number = "ignored"
	u.CreatedAt = at(99 * time.Hour)
	u.Links = []casemgmt.Link{conv("ignored")}
	if err := s.UpdateCase(context.Background(), u, casemgmt.Write{Time: at(time.Hour)}); err != nil {
		t.Fatalf("UpdateCase: %v", err)
	}
	want := fullCase()
	want.ID, want.Number, want.CreatedAt = c.ID, c.Number, c.CreatedAt
	want.Links = c.Links
	want.Title, want.Status, want.StatusReason, want.ContactID, want.ExternalID = u.Title, u.Status, "", "C-9", "EXT-2"
	want.Fields["devices"], want.Fields["refund"] = int64(4), 0.5
	delete(want.Fields, "under_warranty")
	want.Provenance["serial_number"] = u.Provenance["serial_number"]
	want.NextDueAt = time.Time{}
	want.Meta = nil
	want.Version = 2
	want.UpdatedAt = at(time.Hour)
	if diff := cmp.Diff(want, u, opts); diff != "" {
		t.Errorf("case after UpdateCase (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, get(t, s, c.ID), opts); diff != "" {
		t.Errorf("GetCase after UpdateCase (-want +got):\n%s", diff)
	}
	// An empty status keeps the stored one.
	u.Status = ""
	if err := s.UpdateCase(context.Background(), u, casemgmt.Write{Time: at(2 * time.Hour)}); err != nil {
		t.Fatalf("UpdateCase: %v", err)
	}
	if got := get(t, s, c.ID); got.Status != casemgmt.StatusActive || got.Version != 3 || u.Version != 3 || u.Status != casemgmt.StatusActive {
		t.Errorf("after an update with empty status: stored %q v%d, written back %q v%d; want active v3", got.Status, got.Version, u.Status, u.Version)
	}
	// The external id moved with the update.
	if _, err := s.UpsertCase(context.Background(), &casemgmt.Case{ExternalID: "EXT-1", Title: "new"}, casemgmt.Write{}); err != nil {
		t.Fatalf("UpsertCase on the freed external id: %v", err)
	}
}

func testUpdateConflict(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{Title: "a"}, casemgmt.Write{Time: t0})
	a, b := get(t, s, c.ID), get(t, s, c.ID)
	a.Title = "from a"
	if err := s.UpdateCase(ctx, a, casemgmt.Write{Time: at(time.Minute), Audit: []casemgmt.AuditEntry{entry("title", "a", "from a", person)}}); err != nil {
		t.Fatalf("UpdateCase: %v", err)
	}
	b.Title = "from b"
	err := s.UpdateCase(ctx, b, casemgmt.Write{
		Time:        at(2 * time.Minute),
		Audit:       []casemgmt.AuditEntry{entry("title", "a", "from b", agent)},
		Interaction: &casemgmt.Interaction{Outcome: casemgmt.OutcomeUpdated, Trigger: "test"},
		Key:         "k-conflict",
	})
	wantErr(t, "UpdateCase with a stale version", err, casemgmt.ErrConflict)
	if b.Version != 1 {
		t.Errorf("a failed update changed the caller's version to %d", b.Version)
	}
	got := get(t, s, c.ID)
	if got.Title != "from a" || got.Version != 2 {
		t.Errorf("after a conflict: %q v%d, want %q v2", got.Title, got.Version, "from a")
	}
	es := audit(t, s, c.ID)
	if len(es) != 1 || es[0].New != "from a" {
		t.Errorf("after a conflict the audit has %v, want only the first update's entry", es)
	}
	ins, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{CaseID: c.ID})
	if err != nil || len(ins) != 0 {
		t.Errorf("a failed update left interactions %v (%v)", ins, err)
	}
	first, err := s.UseKey(ctx, "k-conflict")
	if err != nil || !first {
		t.Errorf("a failed update used its key (UseKey: %v, %v)", first, err)
	}
	// Version 0 and a version from the future conflict too.
	for _, v := range []int64{0, 3} {
		x := get(t, s, c.ID)
		x.Version = v
		wantErr(t, fmt.Sprintf("UpdateCase at version %d", v), s.UpdateCase(ctx, x, casemgmt.Write{}), casemgmt.ErrConflict)
	}
}

func testUpdateNotFound(t *testing.T, s casemgmt.Store) {
	err := s.UpdateCase(context.Background(), &casemgmt.Case{ID: "nope", Version: 1}, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("title", nil, "x", person)}})
	wantErr(t, "UpdateCase of a missing case", err, casemgmt.ErrNotFound)
	if es := audit(t, s, "nope"); len(es) != 0 {
		t.Errorf("an update of a missing case left audit entries %v", es)
	}
}

func testUpdateExternalIDTaken(t *testing.T, s casemgmt.Store) {
	create(t, s, &casemgmt.Case{ExternalID: "EXT-1"}, casemgmt.Write{Time: t0})
	c := create(t, s, &casemgmt.Case{ExternalID: "EXT-2"}, casemgmt.Write{Time: t0})
	c.ExternalID = "EXT-1"
	wantErr(t, "UpdateCase to a taken external id", s.UpdateCase(context.Background(), c, casemgmt.Write{}), casemgmt.ErrDuplicate)
	if got := get(t, s, c.ID); got.ExternalID != "EXT-2" || got.Version != 1 {
		t.Errorf("after a failed update: external id %q v%d, want EXT-2 v1", got.ExternalID, got.Version)
	}
}

func testWriteIsAtomic(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{Title: "a"}, casemgmt.Write{Time: t0})
	u := get(t, s, c.ID)
	u.Title = "b"
	// The second entry is malformed: nothing of the write may be kept.
	err := s.UpdateCase(ctx, u, casemgmt.Write{
		Audit:       []casemgmt.AuditEntry{entry("title", "a", "b", person), entry("x", nil, []int{1}, person)},
		Interaction: &casemgmt.Interaction{Outcome: casemgmt.OutcomeUpdated},
		Key:         "k-atomic",
	})
	wantErr(t, "UpdateCase with a bad audit entry", err, casemgmt.ErrInvalid)
	if got := get(t, s, c.ID); got.Title != "a" || got.Version != 1 {
		t.Errorf("after a failed write: %q v%d, want a v1", got.Title, got.Version)
	}
	if es := audit(t, s, c.ID); len(es) != 0 {
		t.Errorf("a failed write left audit entries %v", es)
	}
	if ins, _ := s.ListInteractions(ctx, casemgmt.InteractionQuery{}); len(ins) != 0 {
		t.Errorf("a failed write left interactions %v", ins)
	}
	if first, _ := s.UseKey(ctx, "k-atomic"); !first {
		t.Error("a failed write used its key")
	}
	// A duplicate interaction id fails the whole write too.
	if err := s.AddInteraction(ctx, &casemgmt.Interaction{ID: "ia-1", Outcome: casemgmt.OutcomeSkipped}); err != nil {
		t.Fatalf("AddInteraction: %v", err)
	}
	err = s.UpdateCase(ctx, u, casemgmt.Write{
		Audit:       []casemgmt.AuditEntry{entry("title", "a", "b", person)},
		Interaction: &casemgmt.Interaction{ID: "ia-1", Outcome: casemgmt.OutcomeUpdated},
	})
	wantErr(t, "UpdateCase with a taken interaction id", err, casemgmt.ErrDuplicate)
	if got := get(t, s, c.ID); got.Version != 1 || len(audit(t, s, c.ID)) != 0 {
		t.Errorf("a write with a taken interaction id changed the case (v%d) or its audit", got.Version)
	}
}

func testWriteKey(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{Title: "a", Links: []casemgmt.Link{conv("chat-1")}}, casemgmt.Write{Time: t0, Key: "msg:1"})
	// The same message again: a second case is refused.
	err := s.CreateCase(ctx, &casemgmt.Case{Title: "again", Links: []casemgmt.Link{conv("chat-2")}}, casemgmt.Write{Time: t0, Key: "msg:1"})
	wantErr(t, "CreateCase with a used key", err, casemgmt.ErrKeyUsed)
	if _, err := s.FindCaseByConversation(ctx, "chat-2"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("a write with a used key created a case (%v)", err)
	}
	first, err := s.UseKey(ctx, "msg:1")
	if err != nil || first {
		t.Errorf("UseKey of a key a write used: %v, %v; want false", first, err)
	}
	u := get(t, s, c.ID)
	u.Title = "b"
	if err := s.UpdateCase(ctx, u, casemgmt.Write{Key: "msg:2", Audit: []casemgmt.AuditEntry{entry("title", "a", "b", agent)}}); err != nil {
		t.Fatalf("UpdateCase with a new key: %v", err)
	}
	u.Title = "c"
	err = s.UpdateCase(ctx, u, casemgmt.Write{Key: "msg:2", Audit: []casemgmt.AuditEntry{entry("title", "b", "c", agent)}})
	wantErr(t, "UpdateCase with a used key", err, casemgmt.ErrKeyUsed)
	if got := get(t, s, c.ID); got.Title != "b" || got.Version != 2 {
		t.Errorf("after a write with a used key: %q v%d, want b v2", got.Title, got.Version)
	}
	if es := audit(t, s, c.ID); len(es) != 1 {
		t.Errorf("audit has %d entries, want 1", len(es))
	}
	if _, err := s.UseKey(ctx, "msg:3"); err != nil {
		t.Fatal(err)
	}
	err = s.Relate(ctx, c.ID, email("m-3"), casemgmt.Write{Key: "msg:3"})
	wantErr(t, "Relate with a used key", err, casemgmt.ErrKeyUsed)
	if got := get(t, s, c.ID); got.HasLink(email("m-3")) {
		t.Error("Relate with a used key added the link")
	}
}

func testUpsert(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	_, err := s.UpsertCase(ctx, &casemgmt.Case{Title: "no external id"}, casemgmt.Write{})
	wantErr(t, "UpsertCase without an external id", err, casemgmt.ErrInvalid)

	c := &casemgmt.Case{ExternalID: "CRM-1", Title: "first", Links: []casemgmt.Link{conv("chat-1")}}
	created, err := s.UpsertCase(ctx, c, casemgmt.Write{Time: t0, Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, "created", person)}})
	if err != nil || !created {
		t.Fatalf("UpsertCase of a new external id: created %v, %v", created, err)
	}
	if c.ID == "" || c.Version != 1 || c.Number != casemgmt.FormatNumber(1) || !c.CreatedAt.Equal(t0) {
		t.Errorf("upsert-created case: %+v", c)
	}
	r := &casemgmt.Case{ID: "ignored", Version: 42, ExternalID: "CRM-1", Title: "second", Links: []casemgmt.Link{conv("ignored")}}
	created, err = s.UpsertCase(ctx, r, casemgmt.Write{Time: at(time.Hour), Audit: []casemgmt.AuditEntry{entry("title", "first", "second", person)}})
	if err != nil || created {
		t.Fatalf("UpsertCase of a known external id: created %v, %v", created, err)
	}
	want := &casemgmt.Case{ID: c.ID, Number: c.Number, ExternalID: "CRM-1", Title: "second", Status: casemgmt.StatusActive,
		Links: []casemgmt.Link{conv("chat-1")}, CreatedAt: t0, UpdatedAt: at(time.Hour), Version: 2}
	if diff := cmp.Diff(want, r, opts); diff != "" {
		t.Errorf("case after UpsertCase (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, get(t, s, c.ID), opts); diff != "" {
		t.Errorf("GetCase after UpsertCase (-want +got):\n%s", diff)
	}
	if es := audit(t, s, c.ID); len(es) != 2 || es[1].New != "second" {
		t.Errorf("audit after two upserts: %v", es)
	}
}

func testDelete(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{ContactID: "C-1", ExternalID: "E", NextDueAt: t0, Links: []casemgmt.Link{conv("chat-1"), email("m1")}},
		casemgmt.Write{Time: t0, Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, "created", person)}})
	if err := s.DeleteCase(ctx, c.ID, casemgmt.Write{Time: at(time.Hour), Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, "created", nil, person)}}); err != nil {
		t.Fatalf("DeleteCase: %v", err)
	}
	_, err := s.GetCase(ctx, c.ID)
	wantErr(t, "GetCase of a deleted case", err, casemgmt.ErrNotFound)
	_, err = s.GetCaseByNumber(ctx, c.Number)
	wantErr(t, "GetCaseByNumber of a deleted case", err, casemgmt.ErrNotFound)
	_, err = s.FindCaseByConversation(ctx, "chat-1")
	wantErr(t, "FindCaseByConversation of a deleted case", err, casemgmt.ErrNotFound)
	for name, find := range map[string]func() ([]*casemgmt.Case, error){
		"FindCasesByMessageID": func() ([]*casemgmt.Case, error) { return s.FindCasesByMessageID(ctx, []string{"m1"}) },
		"FindCasesByContact":   func() ([]*casemgmt.Case, error) { return s.FindCasesByContact(ctx, "C-1", casemgmt.Filter{}) },
		"FindDueCases":         func() ([]*casemgmt.Case, error) { return s.FindDueCases(ctx, at(time.Hour), casemgmt.Filter{}) },
	} {
		if cs, err := find(); err != nil || len(cs) != 0 {
			t.Errorf("%s after delete: %v, %v; want none", name, ids(cs), err)
		}
	}
	es := audit(t, s, c.ID)
	if len(es) != 2 || es[1].Old != "created" || es[1].CaseID != c.ID {
		t.Errorf("audit after delete: %+v", es)
	}
	wantErr(t, "DeleteCase again", s.DeleteCase(ctx, c.ID, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, nil, person)}}), casemgmt.ErrNotFound)
	if n := len(audit(t, s, c.ID)); n != 2 {
		t.Errorf("a failed delete wrote audit entries: %d, want 2", n)
	}
	// The links and external id are free again; the number is not reused.
	c2 := create(t, s, &casemgmt.Case{ExternalID: "E", Links: []casemgmt.Link{conv("chat-1"), email("m1")}}, casemgmt.Write{Time: at(2 * time.Hour)})
	if c2.Number == c.Number {
		t.Errorf("number %s was reused", c.Number)
	}
	if got, err := s.FindCaseByConversation(ctx, "chat-1"); err != nil || got.ID != c2.ID {
		t.Errorf("FindCaseByConversation after relinking: %v, %v", got, err)
	}
}

func testRelateUnrelate(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	a := create(t, s, &casemgmt.Case{Title: "a"}, casemgmt.Write{Time: t0})
	b := create(t, s, &casemgmt.Case{Title: "b", Links: []casemgmt.Link{conv("chat-b"), email("mb")}}, casemgmt.Write{Time: t0})
	w := func(l casemgmt.Link, removed bool) casemgmt.Write {
		return casemgmt.Write{Time: at(time.Minute), Audit: []casemgmt.AuditEntry{casemgmt.LinkAudit("", l, removed, casemgmt.Stamp{Actor: agent, Reason: "test"})}}
	}
	for _, l := range []casemgmt.Link{conv("chat-a"), email("ma1"), email("ma2"), contact("C-1")} {
		if err := s.Relate(ctx, a.ID, l, w(l, false)); err != nil {
			t.Fatalf("Relate(%s): %v", l, err)
		}
	}
	// Again: a no-op that writes nothing.
	if err := s.Relate(ctx, a.ID, conv("chat-a"), w(conv("chat-a"), false)); err != nil {
		t.Fatalf("Relate again: %v", err)
	}
	got := get(t, s, a.ID)
	wantLinks := []casemgmt.Link{contact("C-1"), conv("chat-a"), email("ma1"), email("ma2")}
	if diff := cmp.Diff(wantLinks, got.Links); diff != "" {
		t.Errorf("links after Relate (-want +got):\n%s", diff)
	}
	if got.Version != 1 || !got.UpdatedAt.Equal(t0) {
		t.Errorf("Relate changed version or update time: v%d %v", got.Version, got.UpdatedAt)
	}
	es := audit(t, s, a.ID)
	if len(es) != 4 || es[0].New != "conversation:chat-a" || es[0].CaseID != a.ID || !es[0].Time.Equal(at(time.Minute)) {
		t.Errorf("audit after Relate: %+v", es)
	}
	wantErr(t, "Relate a conversation of another case", s.Relate(ctx, a.ID, conv("chat-b"), w(conv("chat-b"), false)), casemgmt.ErrDuplicate)
	wantErr(t, "Relate an email of another case", s.Relate(ctx, a.ID, email("mb"), w(email("mb"), false)), casemgmt.ErrDuplicate)
	if err := s.Relate(ctx, b.ID, contact("C-1"), casemgmt.Write{}); err != nil {
		t.Errorf("Relate a contact of another case: %v", err)
	}
	wantErr(t, "Relate to a missing case", s.Relate(ctx, "nope", conv("x"), casemgmt.Write{}), casemgmt.ErrNotFound)
	wantErr(t, "Relate a bad link", s.Relate(ctx, a.ID, casemgmt.Link{Kind: "fax", ID: "1"}, casemgmt.Write{}), casemgmt.ErrInvalid)
	if n := len(audit(t, s, a.ID)); n != 4 {
		t.Errorf("failed Relates wrote audit entries: %d, want 4", n)
	}

	if f, err := s.FindCaseByConversation(ctx, "chat-a"); err != nil || f.ID != a.ID {
		t.Errorf("FindCaseByConversation: %v, %v", f, err)
	}
	if err := s.Unrelate(ctx, a.ID, conv("chat-a"), w(conv("chat-a"), true)); err != nil {
		t.Fatalf("Unrelate: %v", err)
	}
	_, err := s.FindCaseByConversation(ctx, "chat-a")
	wantErr(t, "FindCaseByConversation after Unrelate", err, casemgmt.ErrNotFound)
	wantErr(t, "Unrelate again", s.Unrelate(ctx, a.ID, conv("chat-a"), w(conv("chat-a"), true)), casemgmt.ErrNotFound)
	wantErr(t, "Unrelate from a missing case", s.Unrelate(ctx, "nope", conv("chat-a"), casemgmt.Write{}), casemgmt.ErrNotFound)
	if err := s.Unrelate(ctx, a.ID, contact("C-1"), casemgmt.Write{}); err != nil {
		t.Fatalf("Unrelate contact: %v", err)
	}
	cs, err := s.FindCasesByContact(ctx, "C-1", casemgmt.Filter{})
	if err != nil || !slices.Equal(ids(cs), []string{b.ID}) {
		t.Errorf("FindCasesByContact after Unrelate: %v, %v; want [%s]", ids(cs), err, b.ID)
	}
	es = audit(t, s, a.ID)
	if len(es) != 5 || es[4].Old != "conversation:chat-a" {
		t.Errorf("audit after Unrelate: %+v", es)
	}
	// The conversation is free for another case now.
	if err := s.Relate(ctx, b.ID, conv("chat-a"), casemgmt.Write{}); err != nil {
		t.Errorf("Relate a freed conversation: %v", err)
	}
}

func testFindByMessageID(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	late := create(t, s, &casemgmt.Case{Links: []casemgmt.Link{email("m3"), email("m4")}}, casemgmt.Write{Time: at(time.Hour)})
	early := create(t, s, &casemgmt.Case{Links: []casemgmt.Link{email("m1"), email("m2")}}, casemgmt.Write{Time: t0})
	create(t, s, &casemgmt.Case{Links: []casemgmt.Link{conv("m5")}}, casemgmt.Write{Time: t0})
	tests := []struct {
		ids  []string
		want []string
	}{
		{nil, nil},
		{[]string{"zz"}, nil},
		{[]string{"m2"}, []string{early.ID}},
		{[]string{"m4", "m3", "zz"}, []string{late.ID}},
		{[]string{"m4", "m1", "m2"}, []string{early.ID, late.ID}},
		{[]string{"m5"}, nil}, // a conversation id is not a Message-ID
	}
	for _, tc := range tests {
		cs, err := s.FindCasesByMessageID(ctx, tc.ids)
		if err != nil {
			t.Fatalf("FindCasesByMessageID(%q): %v", tc.ids, err)
		}
		if diff := cmp.Diff(tc.want, ids(cs), opts); diff != "" {
			t.Errorf("FindCasesByMessageID(%q) (-want +got):\n%s", tc.ids, diff)
		}
	}
}

func testFindByContact(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	a := create(t, s, &casemgmt.Case{ContactID: "C-1"}, casemgmt.Write{Time: at(3 * time.Hour)})
	b := create(t, s, &casemgmt.Case{ContactID: "C-2", Status: casemgmt.StatusResolved, Links: []casemgmt.Link{contact("C-1")}}, casemgmt.Write{Time: at(time.Hour)})
	c := create(t, s, &casemgmt.Case{ContactID: "C-1", Status: casemgmt.StatusClosed, Links: []casemgmt.Link{contact("C-1")}}, casemgmt.Write{Time: at(2 * time.Hour)})
	tests := []struct {
		contact string
		f       casemgmt.Filter
		want    []string
	}{
		{"C-1", casemgmt.Filter{}, []string{b.ID, c.ID, a.ID}},
		{"C-1", casemgmt.Filter{Limit: 2}, []string{b.ID, c.ID}},
		{"C-1", casemgmt.Filter{Statuses: []casemgmt.Status{casemgmt.StatusActive, casemgmt.StatusWaitingOnCustomer}}, []string{a.ID}},
		{"C-1", casemgmt.Filter{Statuses: []casemgmt.Status{casemgmt.StatusClosed, casemgmt.StatusResolved}, Limit: 1}, []string{b.ID}},
		{"C-2", casemgmt.Filter{}, []string{b.ID}},
		{"C-3", casemgmt.Filter{}, nil},
	}
	for _, tc := range tests {
		cs, err := s.FindCasesByContact(ctx, tc.contact, tc.f)
		if err != nil {
			t.Fatalf("FindCasesByContact(%s, %+v): %v", tc.contact, tc.f, err)
		}
		if diff := cmp.Diff(tc.want, ids(cs), opts); diff != "" {
			t.Errorf("FindCasesByContact(%s, %+v) (-want +got):\n%s", tc.contact, tc.f, diff)
		}
	}
	// A new contact moves the case.
	u := get(t, s, a.ID)
	u.ContactID = "C-3"
	if err := s.UpdateCase(ctx, u, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	for contact, want := range map[string][]string{"C-1": {b.ID, c.ID}, "C-3": {a.ID}} {
		cs, err := s.FindCasesByContact(ctx, contact, casemgmt.Filter{})
		if err != nil || !slices.Equal(ids(cs), want) {
			t.Errorf("FindCasesByContact(%s) after update: %v, %v; want %v", contact, ids(cs), err, want)
		}
	}
	for _, f := range []casemgmt.Filter{{Statuses: []casemgmt.Status{"open"}}, {Limit: -1}} {
		_, err := s.FindCasesByContact(ctx, "C-1", f)
		wantErr(t, fmt.Sprintf("FindCasesByContact with filter %+v", f), err, casemgmt.ErrInvalid)
	}
}

func testFindDue(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	mk := func(due time.Time, st casemgmt.Status) string {
		return create(t, s, &casemgmt.Case{NextDueAt: due, Status: st}, casemgmt.Write{Time: t0}).ID
	}
	none := mk(time.Time{}, casemgmt.StatusWaitingOnCustomer)
	d2 := mk(at(2*time.Hour), casemgmt.StatusWaitingOnCustomer)
	d1 := mk(at(time.Hour), casemgmt.StatusWaitingOnCustomer)
	d1b := mk(at(time.Hour), casemgmt.StatusActive)
	d3 := mk(at(3*time.Hour), casemgmt.StatusWaitingOnCustomer)
	_ = none
	// d1 and d1b are due at the same time: ordered by id.
	first, second := d1, d1b
	if second < first {
		first, second = second, first
	}
	waiting := []casemgmt.Status{casemgmt.StatusWaitingOnCustomer}
	tests := []struct {
		before time.Time
		f      casemgmt.Filter
		want   []string
	}{
		{t0, casemgmt.Filter{}, nil},
		{at(time.Hour - time.Microsecond), casemgmt.Filter{}, nil},
		{at(time.Hour), casemgmt.Filter{}, []string{first, second}},
		{at(2 * time.Hour), casemgmt.Filter{}, []string{first, second, d2}},
		{at(10 * time.Hour), casemgmt.Filter{}, []string{first, second, d2, d3}},
		{at(10 * time.Hour), casemgmt.Filter{Limit: 3}, []string{first, second, d2}},
		{at(10 * time.Hour), casemgmt.Filter{Statuses: waiting}, []string{d1, d2, d3}},
		{at(10 * time.Hour), casemgmt.Filter{Statuses: waiting, Limit: 2}, []string{d1, d2}},
	}
	for _, tc := range tests {
		cs, err := s.FindDueCases(ctx, tc.before, tc.f)
		if err != nil {
			t.Fatalf("FindDueCases(%v, %+v): %v", tc.before, tc.f, err)
		}
		if diff := cmp.Diff(tc.want, ids(cs), opts); diff != "" {
			t.Errorf("FindDueCases(+%v, %+v) (-want +got):\n%s", tc.before.Sub(t0), tc.f, diff)
		}
	}
	// Moving and clearing due times.
	u := get(t, s, d3)
	u.NextDueAt = t0
	if err := s.UpdateCase(ctx, u, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	u = get(t, s, d2)
	u.NextDueAt = time.Time{}
	if err := s.UpdateCase(ctx, u, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.FindDueCases(ctx, at(10*time.Hour), casemgmt.Filter{Statuses: waiting})
	if err != nil || !slices.Equal(ids(cs), []string{d3, d1}) {
		t.Errorf("FindDueCases after moving due times: %v, %v; want %v", ids(cs), err, []string{d3, d1})
	}
	_, err = s.FindDueCases(ctx, t0, casemgmt.Filter{Limit: -1})
	wantErr(t, "FindDueCases with a negative limit", err, casemgmt.ErrInvalid)
}

func testAudit(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	in := []casemgmt.AuditEntry{
		{Field: casemgmt.AttrCase, New: "created", Actor: casemgmt.Actor{Kind: casemgmt.ActorIntakeRule, ID: "support mailbox"}, Rule: "support mailbox", MessageIDs: []string{"m1"}},
		{Field: "devices", Old: nil, New: int64(2), Actor: agent, Reason: "predicted", Confidence: 0.9, Model: "m",
			Evidence: []predict.Evidence{{MessageID: "m1", Quote: "two of them"}}, MessageIDs: []string{"m1"}, Time: at(time.Second)},
		{Field: "refund", Old: 2.0, New: 2.5, Actor: person},
		{Field: "warranty", Old: true, New: false, Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem}},
	}
	c := create(t, s, &casemgmt.Case{}, casemgmt.Write{Time: t0, Audit: in})
	other := create(t, s, &casemgmt.Case{}, casemgmt.Write{Time: t0, Audit: []casemgmt.AuditEntry{entry("x", nil, "y", person)}})
	u := get(t, s, c.ID)
	if err := s.UpdateCase(ctx, u, casemgmt.Write{Time: at(time.Hour), Audit: []casemgmt.AuditEntry{entry("title", nil, "t", person)}}); err != nil {
		t.Fatal(err)
	}
	got := audit(t, s, c.ID)
	want := append(slices.Clone(in), entry("title", nil, "t", person))
	for i := range want {
		want[i].CaseID = c.ID
		if want[i].Time.IsZero() {
			want[i].Time = t0
		}
	}
	want[4].Time = at(time.Hour)
	if diff := cmp.Diff(want, got, opts, cmpopts.IgnoreFields(casemgmt.AuditEntry{}, "Seq")); diff != "" {
		t.Errorf("ListAudit (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("audit Seq not increasing: %d then %d", got[i-1].Seq, got[i].Seq)
		}
	}
	for i := range got {
		if fmt.Sprintf("%T %T", got[i].Old, got[i].New) != fmt.Sprintf("%T %T", want[i].Old, want[i].New) {
			t.Errorf("entry %d: old/new came back as %T/%T, want %T/%T", i, got[i].Old, got[i].New, want[i].Old, want[i].New)
		}
	}
	if es := audit(t, s, other.ID); len(es) != 1 {
		t.Errorf("other case has %d entries, want 1", len(es))
	}
	if es := audit(t, s, "nope"); len(es) != 0 {
		t.Errorf("unknown case has entries %v", es)
	}
}

func testContacts(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	ana := &casemgmt.Contact{ID: "C-1001", Name: "Ana Lima", Email: "Ana.Lima@Example.org", Phone: "+1 415 555 0101", CreatedAt: t0}
	ben := &casemgmt.Contact{Name: "Ben  Okafor", Email: "ben@example.net", Phone: "+44 20 7946 0102"}
	ana2 := &casemgmt.Contact{ID: "C-1003", Name: "ana lima", Phone: "(206) 555-0103"}
	joao := &casemgmt.Contact{ID: "C-1004", Name: "João Gonçalves", Email: "joao@example.pt"}
	jurgen := &casemgmt.Contact{ID: "C-1005", Name: "Jurgen Strauss", Email: "j.strauss@example.de"}
	for _, c := range []*casemgmt.Contact{ana, ben, ana2, joao, jurgen} {
		if err := s.CreateContact(ctx, c); err != nil {
			t.Fatalf("CreateContact(%s): %v", c.Name, err)
		}
	}
	if ben.ID == "" || ben.CreatedAt.IsZero() {
		t.Errorf("CreateContact did not assign id and time: %+v", ben)
	}
	got, err := s.GetContact(ctx, "C-1001")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ana, got); diff != "" {
		t.Errorf("GetContact (-want +got):\n%s", diff)
	}
	got.Name = "changed"
	if again, _ := s.GetContact(ctx, "C-1001"); again.Name != "Ana Lima" {
		t.Error("GetContact returned stored state")
	}
	dups := []*casemgmt.Contact{
		{ID: "C-1001", Name: "Other"},
		{Name: "Ana copy", Email: " ana.lima@EXAMPLE.org"},
	}
	for _, c := range dups {
		wantErr(t, "CreateContact "+c.Name, s.CreateContact(ctx, c), casemgmt.ErrDuplicate)
	}
	wantErr(t, "CreateContact with nothing", s.CreateContact(ctx, &casemgmt.Contact{ID: "C-9"}), casemgmt.ErrInvalid)
	if _, err := s.GetContact(ctx, "C-9"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("an invalid contact was stored (%v)", err)
	}
	tests := []struct {
		q    predict.ContactQuery
		want []string
	}{
		{predict.ContactQuery{Email: "ana.lima@example.org"}, []string{"C-1001"}},
		{predict.ContactQuery{Email: " ANA.LIMA@example.org "}, []string{"C-1001"}},
		{predict.ContactQuery{Email: "nobody@example.org"}, nil},
		{predict.ContactQuery{Name: "ANA   LIMA"}, []string{"C-1001", "C-1003"}},
		{predict.ContactQuery{Name: "Ben Okafor"}, []string{ben.ID}},
		{predict.ContactQuery{Name: "Ana"}, nil},
		{predict.ContactQuery{Name: "Ana Lima", Email: "ana.lima@example.org"}, []string{"C-1001"}},
		{predict.ContactQuery{Name: "Ana Lima", Phone: "206.555.0103"}, []string{"C-1003"}},
		{predict.ContactQuery{Name: "Ben Okafor", Email: "ana.lima@example.org"}, nil},
		// Accents on file and not typed, typed and not on file.
		{predict.ContactQuery{Name: "Joao Goncalves"}, []string{"C-1004"}},
		{predict.ContactQuery{Name: "JOÃO GONÇALVES"}, []string{"C-1004"}},
		{predict.ContactQuery{Name: "Jürgen Strauß"}, []string{"C-1005"}},
		{predict.ContactQuery{Name: "Joana Goncalves"}, nil},
		{predict.ContactQuery{Phone: "020 7946 0102"}, []string{ben.ID}},
		{predict.ContactQuery{Phone: "not a phone"}, nil},
	}
	for _, tc := range tests {
		cs, err := s.FindContacts(ctx, tc.q)
		if err != nil {
			t.Fatalf("FindContacts(%+v): %v", tc.q, err)
		}
		var gotIDs []string
		for _, c := range cs {
			gotIDs = append(gotIDs, c.ID)
		}
		if diff := cmp.Diff(tc.want, gotIDs, opts); diff != "" {
			t.Errorf("FindContacts(%+v) (-want +got):\n%s", tc.q, diff)
		}
	}
	_, err = s.FindContacts(ctx, predict.ContactQuery{})
	wantErr(t, "FindContacts with no criterion", err, casemgmt.ErrInvalid)
}

func testContactsByPhone(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	for _, c := range []*casemgmt.Contact{
		{ID: "US", Name: "US", Phone: "+1 415 555 0101"},
		{ID: "UK", Name: "UK", Phone: "+44 20 7946 0102"},
		{ID: "DE", Name: "DE", Phone: "030 5550114"},
		{ID: "JP", Name: "JP", Phone: "+81 3 5555 0108"},
	} {
		if err := s.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		phone string
		want  []string
	}{
		{"+1 415 555 0101", []string{"US"}},
		{"(415) 555-0101", []string{"US"}},
		{"415.555.0101", []string{"US"}},
		{"415-555-0101", []string{"US"}},
		{"001 415 555 0101", []string{"US"}},
		{"1 415 555 0101", []string{"US"}},
		{"+14155550101", []string{"US"}},
		{"+1 (415) 555-0101 ext. 12", []string{"US"}},
		{"+44 415 555 0101", nil},
		{"020 7946 0102", []string{"UK"}},
		{"+44 (0)20 7946 0102", []string{"UK"}},
		{"0044 20 7946 0102", []string{"UK"}},
		{"+49 30 5550114", []string{"DE"}},
		{"03-5555-0108", []string{"JP"}},
		{"555 0101", nil},
		{"", nil},
	}
	for _, tc := range tests {
		if tc.phone == "" {
			continue
		}
		cs, err := s.FindContacts(ctx, predict.ContactQuery{Phone: tc.phone})
		if err != nil {
			t.Fatalf("FindContacts(phone %q): %v", tc.phone, err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.ID)
		}
		if diff := cmp.Diff(tc.want, got, opts); diff != "" {
			t.Errorf("FindContacts(phone %q) (-want +got):\n%s", tc.phone, diff)
		}
	}
}

func testInteractions(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{}, casemgmt.Write{Time: at(time.Minute), Interaction: &casemgmt.Interaction{
		ConversationID: "chat-1", Trigger: "conversation_accepted", Outcome: casemgmt.OutcomeCreated, Actor: agent,
		Fields: []casemgmt.FieldOutcome{
			{Field: "contact", Value: "C-1", Confidence: 1, Applied: true},
			{Field: "devices", Value: int64(2), Confidence: 0.7, Applied: true, Evidence: []predict.Evidence{{Quote: "two"}}},
			{Field: "refund", Value: 3.0, Confidence: 0.4, Reason: "below threshold"},
		},
		Predictor: "heuristic", Latency: 1500 * time.Microsecond,
		Usage: predict.Usage{Calls: 1, PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15, Cost: 0.002},
	}})
	skipped := &casemgmt.Interaction{ConversationID: "chat-2", Trigger: "conversation_ended", Outcome: casemgmt.OutcomeSkipped, Reason: "no contact", Time: t0}
	if err := s.AddInteraction(ctx, skipped); err != nil {
		t.Fatalf("AddInteraction: %v", err)
	}
	before := time.Now().Add(-time.Second)
	now := &casemgmt.Interaction{ID: "ia-own", CaseID: c.ID, Trigger: "update_requested", Actor: person, Outcome: casemgmt.OutcomeUnchanged}
	if err := s.AddInteraction(ctx, now); err != nil {
		t.Fatalf("AddInteraction: %v", err)
	}
	if skipped.ID == "" || now.ID != "ia-own" || now.Time.Before(before) || now.Time.After(time.Now().Add(time.Second)) {
		t.Errorf("AddInteraction did not set id and time: %q %q %v", skipped.ID, now.ID, now.Time)
	}
	wantErr(t, "AddInteraction with a taken id", s.AddInteraction(ctx, &casemgmt.Interaction{ID: "ia-own", Outcome: casemgmt.OutcomeSkipped}), casemgmt.ErrDuplicate)
	wantErr(t, "AddInteraction with a bad outcome", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: "meh"}), casemgmt.ErrInvalid)
	wantErr(t, "AddInteraction with a bad value", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped, Fields: []casemgmt.FieldOutcome{{Field: "x", Value: 3}}}), casemgmt.ErrInvalid)

	all, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].ID != skipped.ID || all[2].ID != "ia-own" {
		t.Fatalf("ListInteractions: %+v; want skipped, created, own", all)
	}
	created := all[1]
	if created.CaseID != c.ID || created.ID == "" || !created.Time.Equal(at(time.Minute)) {
		t.Errorf("interaction written with the case: case %q id %q time %v", created.CaseID, created.ID, created.Time)
	}
	wantFields := []casemgmt.FieldOutcome{
		{Field: "contact", Value: "C-1", Confidence: 1, Applied: true},
		{Field: "devices", Value: int64(2), Confidence: 0.7, Applied: true, Evidence: []predict.Evidence{{Quote: "two"}}},
		{Field: "refund", Value: 3.0, Confidence: 0.4, Reason: "below threshold"},
	}
	if diff := cmp.Diff(wantFields, created.Fields, opts); diff != "" {
		t.Errorf("interaction fields (-want +got):\n%s", diff)
	}
	if created.Usage.TotalTokens != 15 || created.Usage.Cost != 0.002 || created.Latency != 1500*time.Microsecond || created.Predictor != "heuristic" || created.Actor != agent {
		t.Errorf("interaction: %+v", created)
	}
	if fmt.Sprintf("%T", created.Fields[1].Value) != "int64" || fmt.Sprintf("%T", created.Fields[2].Value) != "float64" {
		t.Errorf("interaction values came back as %T and %T", created.Fields[1].Value, created.Fields[2].Value)
	}
	tests := []struct {
		q    casemgmt.InteractionQuery
		want []string
	}{
		{casemgmt.InteractionQuery{CaseID: c.ID}, []string{created.ID, "ia-own"}},
		{casemgmt.InteractionQuery{CaseID: c.ID, Limit: 1}, []string{created.ID}},
		{casemgmt.InteractionQuery{ConversationID: "chat-2"}, []string{skipped.ID}},
		{casemgmt.InteractionQuery{Outcome: casemgmt.OutcomeCreated}, []string{created.ID}},
		{casemgmt.InteractionQuery{Since: at(time.Minute)}, []string{created.ID, "ia-own"}},
		{casemgmt.InteractionQuery{Until: at(time.Minute)}, []string{skipped.ID}},
		{casemgmt.InteractionQuery{Since: t0, Until: at(time.Minute + time.Microsecond)}, []string{skipped.ID, created.ID}},
		{casemgmt.InteractionQuery{CaseID: "nope"}, nil},
	}
	for _, tc := range tests {
		ins, err := s.ListInteractions(ctx, tc.q)
		if err != nil {
			t.Fatalf("ListInteractions(%+v): %v", tc.q, err)
		}
		var got []string
		for _, in := range ins {
			got = append(got, in.ID)
		}
		if diff := cmp.Diff(tc.want, got, opts); diff != "" {
			t.Errorf("ListInteractions(%+v) (-want +got):\n%s", tc.q, diff)
		}
	}
	_, err = s.ListInteractions(ctx, casemgmt.InteractionQuery{Limit: -1})
	wantErr(t, "ListInteractions with a negative limit", err, casemgmt.ErrInvalid)
}

func testUseKey(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	for i, want := range []bool{true, false, false} {
		first, err := s.UseKey(ctx, "inbox:<m1@x>")
		if err != nil || first != want {
			t.Errorf("use %d: %v, %v; want %v", i+1, first, err, want)
		}
	}
	if first, err := s.UseKey(ctx, "inbox:<m2@x>"); err != nil || !first {
		t.Errorf("another key: %v, %v; want true", first, err)
	}
	_, err := s.UseKey(ctx, "")
	wantErr(t, "UseKey with an empty key", err, casemgmt.ErrInvalid)
}

func testClaims(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	acquire := func(name, owner string, want bool) {
		t.Helper()
		got, err := s.AcquireClaim(ctx, name, owner, time.Minute)
		if err != nil || got != want {
			t.Fatalf("AcquireClaim(%s, %s): %v, %v; want %v", name, owner, got, err, want)
		}
	}
	acquire("follow-up:CAS-1", "a", true)
	acquire("follow-up:CAS-1", "b", false)
	acquire("follow-up:CAS-1", "a", true) // renewal
	acquire("follow-up:CAS-2", "b", true)
	if err := s.ReleaseClaim(ctx, "follow-up:CAS-1", "b"); err != nil {
		t.Fatalf("ReleaseClaim by a non-owner: %v", err)
	}
	acquire("follow-up:CAS-1", "b", false)
	if err := s.ReleaseClaim(ctx, "follow-up:CAS-1", "a"); err != nil {
		t.Fatalf("ReleaseClaim: %v", err)
	}
	acquire("follow-up:CAS-1", "b", true)
	if err := s.ReleaseClaim(ctx, "never-claimed", "a"); err != nil {
		t.Fatalf("ReleaseClaim of a free claim: %v", err)
	}
	for _, bad := range []struct {
		name, owner string
		ttl         time.Duration
	}{{"", "a", time.Minute}, {"x", "", time.Minute}, {"x", "a", 0}, {"x", "a", -time.Second}} {
		_, err := s.AcquireClaim(ctx, bad.name, bad.owner, bad.ttl)
		wantErr(t, fmt.Sprintf("AcquireClaim(%q, %q, %v)", bad.name, bad.owner, bad.ttl), err, casemgmt.ErrInvalid)
	}
}

func testClaimExpiry(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	ttl := 300 * time.Millisecond
	if ok, err := s.AcquireClaim(ctx, "run-due", "a", ttl); err != nil || !ok {
		t.Fatalf("AcquireClaim: %v, %v", ok, err)
	}
	start := time.Now()
	ok, err := s.AcquireClaim(ctx, "run-due", "b", ttl)
	if err != nil {
		t.Fatal(err)
	}
	if ok && time.Since(start) < ttl {
		t.Fatal("b took a claim a held and that had not expired")
	}
	time.Sleep(ttl + 100*time.Millisecond)
	if ok, err := s.AcquireClaim(ctx, "run-due", "b", time.Minute); err != nil || !ok {
		t.Fatalf("AcquireClaim after expiry: %v, %v; want true", ok, err)
	}
	if ok, err := s.AcquireClaim(ctx, "run-due", "a", time.Minute); err != nil || ok {
		t.Fatalf("the expired owner took the claim back: %v, %v", ok, err)
	}
}

func testState(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	if err := s.PutState(ctx, "imap:support:INBOX", []byte(`{"uidvalidity":1,"last":10}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, "imap:support:INBOX", []byte(`{"uidvalidity":1,"last":12}`)); err != nil {
		t.Fatal(err)
	}
	v, err := s.GetState(ctx, "imap:support:INBOX")
	if err != nil || string(v) != `{"uidvalidity":1,"last":12}` {
		t.Errorf("GetState: %q, %v", v, err)
	}
	v[0] = 'X'
	if again, _ := s.GetState(ctx, "imap:support:INBOX"); again[0] != '{' {
		t.Error("GetState returned stored state")
	}
	bin := []byte{0, 1, 2, 255}
	if err := s.PutState(ctx, "bin", bin); err != nil {
		t.Fatal(err)
	}
	bin[0] = 9
	if v, err := s.GetState(ctx, "bin"); err != nil || !slices.Equal(v, []byte{0, 1, 2, 255}) {
		t.Errorf("binary state: %v, %v", v, err)
	}
	if err := s.PutState(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GetState(ctx, "empty"); err != nil || len(v) != 0 {
		t.Errorf("empty state: %q, %v", v, err)
	}
	wantErr(t, "PutState with an empty key", s.PutState(ctx, "", []byte("x")), casemgmt.ErrInvalid)
}

func testCancelledContext(t *testing.T, s casemgmt.Store) {
	bg := context.Background()
	c := create(t, s, &casemgmt.Case{Title: "a", Links: []casemgmt.Link{conv("chat-1")}}, casemgmt.Write{Time: t0})
	if err := s.CreateContact(bg, &casemgmt.Contact{ID: "C-1", Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	w := casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("title", "a", "b", person)}, Key: "k", Interaction: &casemgmt.Interaction{Outcome: casemgmt.OutcomeUpdated}}
	u := get(t, s, c.ID)
	u.Title = "b"
	calls := map[string]func() error{
		"CreateCase": func() error {
			return s.CreateCase(ctx, &casemgmt.Case{Links: []casemgmt.Link{conv("chat-2")}}, w)
		},
		"GetCase":         func() error { _, err := s.GetCase(ctx, c.ID); return err },
		"GetCaseByNumber": func() error { _, err := s.GetCaseByNumber(ctx, c.Number); return err },
		"UpdateCase":      func() error { return s.UpdateCase(ctx, u, w) },
		"UpsertCase": func() error {
			_, err := s.UpsertCase(ctx, &casemgmt.Case{ExternalID: "E", Links: []casemgmt.Link{conv("chat-3")}}, w)
			return err
		},
		"DeleteCase":             func() error { return s.DeleteCase(ctx, c.ID, w) },
		"Relate":                 func() error { return s.Relate(ctx, c.ID, conv("chat-4"), w) },
		"Unrelate":               func() error { return s.Unrelate(ctx, c.ID, conv("chat-1"), w) },
		"FindCaseByConversation": func() error { _, err := s.FindCaseByConversation(ctx, "chat-1"); return err },
		"FindCasesByMessageID":   func() error { _, err := s.FindCasesByMessageID(ctx, []string{"m"}); return err },
		"FindCasesByContact":     func() error { _, err := s.FindCasesByContact(ctx, "C-1", casemgmt.Filter{}); return err },
		"FindDueCases":           func() error { _, err := s.FindDueCases(ctx, t0, casemgmt.Filter{}); return err },
		"CreateContact":          func() error { return s.CreateContact(ctx, &casemgmt.Contact{ID: "C-2", Name: "Ben"}) },
		"GetContact":             func() error { _, err := s.GetContact(ctx, "C-1"); return err },
		"FindContacts":           func() error { _, err := s.FindContacts(ctx, predict.ContactQuery{Name: "Ana"}); return err },
		"ListAudit":              func() error { _, err := s.ListAudit(ctx, c.ID); return err },
		"AddInteraction": func() error {
			return s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped})
		},
		"ListInteractions": func() error { _, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{}); return err },
		"UseKey":           func() error { _, err := s.UseKey(ctx, "k"); return err },
		"AcquireClaim":     func() error { _, err := s.AcquireClaim(ctx, "claim", "a", time.Minute); return err },
		"ReleaseClaim":     func() error { return s.ReleaseClaim(ctx, "claim", "a") },
		"GetState":         func() error { _, err := s.GetState(ctx, "st"); return err },
		"PutState":         func() error { return s.PutState(ctx, "st", []byte("x")) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
	// Nothing changed.
	got := get(t, s, c.ID)
	if diff := cmp.Diff(c, got, opts); diff != "" {
		t.Errorf("case changed under a cancelled context (-want +got):\n%s", diff)
	}
	for _, id := range []string{"chat-2", "chat-3", "chat-4"} {
		if _, err := s.FindCaseByConversation(bg, id); !errors.Is(err, casemgmt.ErrNotFound) {
			t.Errorf("a case for %s was written under a cancelled context (%v)", id, err)
		}
	}
	if es := audit(t, s, c.ID); len(es) != 0 {
		t.Errorf("audit entries written under a cancelled context: %v", es)
	}
	if ins, _ := s.ListInteractions(bg, casemgmt.InteractionQuery{}); len(ins) != 0 {
		t.Errorf("interactions written under a cancelled context: %v", ins)
	}
	if _, err := s.GetContact(bg, "C-2"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("a contact was written under a cancelled context (%v)", err)
	}
	if first, _ := s.UseKey(bg, "k"); !first {
		t.Error("a key was used under a cancelled context")
	}
	if ok, _ := s.AcquireClaim(bg, "claim", "b", time.Minute); !ok {
		t.Error("a claim was taken under a cancelled context")
	}
	if _, err := s.GetState(bg, "st"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("state was written under a cancelled context (%v)", err)
	}
}

// workers is how many goroutines the concurrency tests run at once.
const workers = 16

func testConcurrentUpdates(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{Fields: casemgmt.Values{"count": int64(0)}}, casemgmt.Write{Time: t0})
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				if attempt > 10000 {
					errs <- fmt.Errorf("worker %d: no progress", i)
					return
				}
				u, err := s.GetCase(ctx, c.ID)
				if err != nil {
					errs <- err
					return
				}
				n := u.Fields["count"].(int64)
				u.Fields["count"] = n + 1
				err = s.UpdateCase(ctx, u, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("count", n, n+1, agent)}})
				if errors.Is(err, casemgmt.ErrConflict) {
					continue
				}
				if err != nil {
					errs <- err
				}
				return
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := get(t, s, c.ID)
	if got.Fields["count"] != int64(workers) || got.Version != workers+1 {
		t.Errorf("after %d concurrent increments: count %v version %d; want %d and %d", workers, got.Fields["count"], got.Version, workers, workers+1)
	}
	es := audit(t, s, c.ID)
	if len(es) != workers {
		t.Fatalf("%d audit entries, want %d", len(es), workers)
	}
	for i, e := range es {
		if e.Old != int64(i) || e.New != int64(i+1) {
			t.Errorf("audit entry %d: %v -> %v, want %d -> %d", i, e.Old, e.New, i, i+1)
		}
	}
}

func testConcurrentKeys(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	var firsts atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := s.UseKey(ctx, "inbox:<same@x>")
			if err != nil {
				errs <- err
				return
			}
			if first {
				firsts.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d goroutines were first to use one key, want 1", n)
	}
}

func testConcurrentCreateSameConversation(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	var created atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half race on the conversation link, half on the key too.
			w := casemgmt.Write{Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, "created", agent)}}
			if i%2 == 0 {
				w.Key = "chat-1:accepted"
			}
			err := s.CreateCase(ctx, &casemgmt.Case{Title: fmt.Sprint(i), Links: []casemgmt.Link{conv("chat-1")}}, w)
			switch {
			case err == nil:
				created.Add(1)
			case errors.Is(err, casemgmt.ErrDuplicate), errors.Is(err, casemgmt.ErrKeyUsed):
			default:
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := created.Load(); n != 1 {
		t.Fatalf("%d cases created for one conversation, want 1", n)
	}
	c, err := s.FindCaseByConversation(ctx, "chat-1")
	if err != nil {
		t.Fatal(err)
	}
	if es := audit(t, s, c.ID); len(es) != 1 {
		t.Errorf("the created case has %d audit entries, want 1", len(es))
	}
}

func testConcurrentClaims(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	const rounds = 25
	var holders, maxHolders, taken atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, owner := range []string{"replica-a", "replica-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				ok, err := s.AcquireClaim(ctx, "run-due", owner, time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if !ok {
					continue
				}
				taken.Add(1)
				n := holders.Add(1)
				for {
					m := maxHolders.Load()
					if n <= m || maxHolders.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(200 * time.Microsecond)
				holders.Add(-1)
				if err := s.ReleaseClaim(ctx, "run-due", owner); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if m := maxHolders.Load(); m != 1 {
		t.Errorf("%d owners held one claim at once, want 1", m)
	}
	if taken.Load() == 0 {
		t.Error("no one ever took the claim")
	}
}

func testAuditVisibleWithChange(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	c := create(t, s, &casemgmt.Case{Fields: casemgmt.Values{"count": int64(0)}}, casemgmt.Write{Time: t0})
	const updates = 30
	done := make(chan struct{})
	var wg sync.WaitGroup
	var bad atomic.Value
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			// The case first, then its audit: every version seen must
			// already have its entries.
			got, err := s.GetCase(ctx, c.ID)
			if err != nil {
				bad.Store(err.Error())
				return
			}
			es, err := s.ListAudit(ctx, c.ID)
			if err != nil {
				bad.Store(err.Error())
				return
			}
			if int64(len(es)) < got.Version-1 {
				bad.Store(fmt.Sprintf("case at version %d with %d audit entries", got.Version, len(es)))
				return
			}
		}
	}()
	u := get(t, s, c.ID)
	for i := range updates {
		u.Fields["count"] = int64(i + 1)
		if err := s.UpdateCase(ctx, u, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("count", int64(i), int64(i+1), agent)}}); err != nil {
			close(done)
			wg.Wait()
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	if msg := bad.Load(); msg != nil {
		t.Errorf("a reader saw a change without its audit: %v", msg)
	}
}

// testUnstorableText: text that is not valid UTF-8 or holds a NUL byte
// (casemgmt.ValidateText) is refused with ErrInvalid wherever a store would
// keep it, and the refused write changes nothing; looking such text up
// finds nothing, with the documented not-found answer and no other error.
func testUnstorableText(t *testing.T, s casemgmt.Store) {
	ctx := context.Background()
	kept := create(t, s, &casemgmt.Case{Title: "kept", ExternalID: "EXT-1", Links: []casemgmt.Link{conv("chat-1"), email("m-1")}},
		casemgmt.Write{Time: t0})
	before := get(t, s, kept.ID)
	for i, bad := range []string{"caf\xe9", "a\x00b"} {
		// The contact that bad would name if its invalid bytes were
		// replaced or its NUL dropped: still not a match for bad.
		near := strings.ReplaceAll(strings.ToValidUTF8(bad, "\uFFFD"), "\x00", "")
		nearContact := &casemgmt.Contact{Name: near, Email: near + "@x"}
		if err := s.CreateContact(ctx, nearContact); err != nil {
			t.Fatalf("CreateContact(%q): %v", near, err)
		}

		// A valid key on every refused write shows that none used it.
		key := fmt.Sprintf("k-refused-%d", i)
		w := func() casemgmt.Write { return casemgmt.Write{Time: at(time.Hour), Key: key} }
		badAudit := func(e casemgmt.AuditEntry) casemgmt.Write {
			wr := w()
			wr.Audit = []casemgmt.AuditEntry{entry("title", "kept", "x", person), e}
			return wr
		}
		badInter := func(in casemgmt.Interaction) casemgmt.Write {
			wr := w()
			in.Outcome = casemgmt.OutcomeUpdated
			wr.Interaction = &in
			return wr
		}
		badKey := casemgmt.Write{Time: at(time.Hour), Key: bad}
		withLinks := func(c *casemgmt.Case) *casemgmt.Case {
			c.Links = append(c.Links, conv("chat-new"))
			return c
		}
		update := func(change func(c *casemgmt.Case)) *casemgmt.Case {
			c := before.Clone()
			change(c)
			return c
		}
		writes := []struct {
			name string
			err  error
		}{
			{"CreateCase id", s.CreateCase(ctx, withLinks(&casemgmt.Case{ID: bad}), w())},
			{"CreateCase external id", s.CreateCase(ctx, withLinks(&casemgmt.Case{ExternalID: bad}), w())},
			{"CreateCase title", s.CreateCase(ctx, withLinks(&casemgmt.Case{Title: bad}), w())},
			{"CreateCase status reason", s.CreateCase(ctx, withLinks(&casemgmt.Case{StatusReason: bad}), w())},
			{"CreateCase contact id", s.CreateCase(ctx, withLinks(&casemgmt.Case{ContactID: bad}), w())},
			{"CreateCase origin", s.CreateCase(ctx, withLinks(&casemgmt.Case{Origin: bad}), w())},
			{"CreateCase field value", s.CreateCase(ctx, withLinks(&casemgmt.Case{Fields: casemgmt.Values{"f": bad}}), w())},
			{"CreateCase field name", s.CreateCase(ctx, withLinks(&casemgmt.Case{Fields: casemgmt.Values{bad: "x"}}), w())},
			{"CreateCase evidence", s.CreateCase(ctx, withLinks(&casemgmt.Case{Fields: casemgmt.Values{"f": "x"},
				Provenance: map[string]casemgmt.Provenance{"f": {Actor: agent, Evidence: []predict.Evidence{{MessageID: "m", Quote: bad}}}}}), w())},
			{"CreateCase provenance message id", s.CreateCase(ctx, withLinks(&casemgmt.Case{Fields: casemgmt.Values{"f": "x"},
				Provenance: map[string]casemgmt.Provenance{"f": {Actor: agent, MessageIDs: []string{bad}}}}), w())},
			{"CreateCase meta key", s.CreateCase(ctx, withLinks(&casemgmt.Case{Meta: map[string]string{bad: "1"}}), w())},
			{"CreateCase meta value", s.CreateCase(ctx, withLinks(&casemgmt.Case{Meta: map[string]string{"step": bad}}), w())},
			{"CreateCase conversation link", s.CreateCase(ctx, withLinks(&casemgmt.Case{Links: []casemgmt.Link{conv(bad)}}), w())},
			{"CreateCase email link", s.CreateCase(ctx, withLinks(&casemgmt.Case{Links: []casemgmt.Link{email(bad)}}), w())},
			{"CreateCase contact link", s.CreateCase(ctx, withLinks(&casemgmt.Case{Links: []casemgmt.Link{contact(bad)}}), w())},
			{"CreateCase audit field", s.CreateCase(ctx, withLinks(&casemgmt.Case{}), badAudit(entry(bad, nil, "x", person)))},
			{"CreateCase audit value", s.CreateCase(ctx, withLinks(&casemgmt.Case{}), badAudit(entry("f", bad, "x", person)))},
			{"CreateCase audit reason", s.CreateCase(ctx, withLinks(&casemgmt.Case{}),
				badAudit(casemgmt.AuditEntry{Field: "f", Actor: person, Reason: bad}))},
			{"CreateCase audit actor", s.CreateCase(ctx, withLinks(&casemgmt.Case{}),
				badAudit(entry("f", nil, "x", casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: bad})))},
			{"CreateCase interaction reason", s.CreateCase(ctx, withLinks(&casemgmt.Case{}), badInter(casemgmt.Interaction{Reason: bad}))},
			{"CreateCase interaction field value", s.CreateCase(ctx, withLinks(&casemgmt.Case{}),
				badInter(casemgmt.Interaction{Fields: []casemgmt.FieldOutcome{{Field: "f", Value: bad}}}))},
			{"CreateCase interaction message id", s.CreateCase(ctx, withLinks(&casemgmt.Case{}),
				badInter(casemgmt.Interaction{MessageIDs: []string{bad}}))},
			{"CreateCase key", s.CreateCase(ctx, withLinks(&casemgmt.Case{}), badKey)},
			{"UpdateCase id", s.UpdateCase(ctx, update(func(c *casemgmt.Case) { c.ID = bad }), w())},
			{"UpdateCase title", s.UpdateCase(ctx, update(func(c *casemgmt.Case) { c.Title = bad }), w())},
			{"UpdateCase field", s.UpdateCase(ctx, update(func(c *casemgmt.Case) { c.Fields = casemgmt.Values{"f": bad} }), w())},
			{"UpdateCase audit", s.UpdateCase(ctx, update(func(*casemgmt.Case) {}), badAudit(entry("f", nil, bad, person)))},
			{"UpdateCase interaction", s.UpdateCase(ctx, update(func(*casemgmt.Case) {}), badInter(casemgmt.Interaction{ConversationID: bad}))},
			{"UpdateCase key", s.UpdateCase(ctx, update(func(*casemgmt.Case) {}), badKey)},
			{"UpsertCase new external id", upsertErr(ctx, s, withLinks(&casemgmt.Case{ExternalID: bad}), w())},
			{"UpsertCase title", upsertErr(ctx, s, &casemgmt.Case{ExternalID: "EXT-1", Title: bad}, w())},
			{"UpsertCase key", upsertErr(ctx, s, &casemgmt.Case{ExternalID: "EXT-1", Title: "x"}, badKey)},
			{"DeleteCase audit", s.DeleteCase(ctx, kept.ID, badAudit(entry(casemgmt.AttrCase, bad, nil, person)))},
			{"DeleteCase key", s.DeleteCase(ctx, kept.ID, badKey)},
			{"Relate link", s.Relate(ctx, kept.ID, email(bad), w())},
			{"Relate contact link", s.Relate(ctx, kept.ID, contact(bad), w())},
			{"Relate audit", s.Relate(ctx, kept.ID, email("m-2"), badAudit(entry(casemgmt.AttrLink, nil, bad, person)))},
			{"Relate key", s.Relate(ctx, kept.ID, email("m-2"), badKey)},
			{"Unrelate link", s.Unrelate(ctx, kept.ID, conv(bad), w())},
			{"Unrelate key", s.Unrelate(ctx, kept.ID, conv("chat-1"), badKey)},
			{"CreateContact id", s.CreateContact(ctx, &casemgmt.Contact{ID: bad, Name: "Ann"})},
			{"CreateContact name", s.CreateContact(ctx, &casemgmt.Contact{Name: bad})},
			{"CreateContact email", s.CreateContact(ctx, &casemgmt.Contact{Email: bad + "@x"})},
			{"CreateContact phone", s.CreateContact(ctx, &casemgmt.Contact{Name: "Ann", Phone: "+1 415 555 0101" + bad})},
			{"AddInteraction id", s.AddInteraction(ctx, &casemgmt.Interaction{ID: bad, Outcome: casemgmt.OutcomeSkipped})},
			{"AddInteraction reason", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped, Reason: bad})},
			{"AddInteraction trigger", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped, Trigger: bad})},
			{"AddInteraction predictor", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped, Predictor: bad})},
			{"AddInteraction evidence", s.AddInteraction(ctx, &casemgmt.Interaction{Outcome: casemgmt.OutcomeSkipped,
				Fields: []casemgmt.FieldOutcome{{Field: "f", Evidence: []predict.Evidence{{Quote: bad}}}}})},
			{"UseKey", useKeyErr(ctx, s, bad)},
			{"AcquireClaim name", claimErr(ctx, s, bad, "owner")},
			{"AcquireClaim owner", claimErr(ctx, s, "work", bad)},
			{"PutState key", s.PutState(ctx, bad, []byte("x"))},
		}
		for _, wr := range writes {
			if !errors.Is(wr.err, casemgmt.ErrInvalid) {
				t.Errorf("%s %q: got error %v, want ErrInvalid", wr.name, bad, wr.err)
			}
		}

		// Nothing changed.
		if diff := cmp.Diff(before, get(t, s, kept.ID), opts); diff != "" {
			t.Errorf("refused writes with %q changed the case (-want +got):\n%s", bad, diff)
		}
		if _, err := s.GetCaseByNumber(ctx, casemgmt.FormatNumber(2)); !errors.Is(err, casemgmt.ErrNotFound) {
			t.Errorf("refused creates with %q stored a case or took a number: %v", bad, err)
		}
		if _, err := s.FindCaseByConversation(ctx, "chat-new"); !errors.Is(err, casemgmt.ErrNotFound) {
			t.Errorf("refused creates with %q stored a case: %v", bad, err)
		}
		if es := audit(t, s, kept.ID); len(es) != 0 {
			t.Errorf("refused writes with %q left audit entries %v", bad, es)
		}
		if ins, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{}); err != nil || len(ins) != 0 {
			t.Errorf("refused writes with %q left interactions %v, %v", bad, ins, err)
		}
		if cs, err := s.FindContacts(ctx, predict.ContactQuery{Name: "Ann"}); err != nil || len(cs) != 0 {
			t.Errorf("refused CreateContact with %q stored %v, %v", bad, cs, err)
		}
		if got, err := s.AcquireClaim(ctx, "work", "other", time.Minute); err != nil || !got {
			t.Errorf("a refused AcquireClaim with %q took the claim: %v, %v", bad, got, err)
		}
		if err := s.ReleaseClaim(ctx, "work", "other"); err != nil {
			t.Fatalf("ReleaseClaim: %v", err)
		}
		if first, err := s.UseKey(ctx, key); err != nil || !first {
			t.Errorf("a refused write used its key: %v, %v", first, err)
		}

		// Looking bad text up finds nothing.
		notFound := []struct {
			name string
			err  error
		}{
			{"GetCase", getErr(s.GetCase(ctx, bad))},
			{"GetCaseByNumber", getErr(s.GetCaseByNumber(ctx, bad))},
			{"FindCaseByConversation", getErr(s.FindCaseByConversation(ctx, bad))},
			{"GetContact", getErr(s.GetContact(ctx, bad))},
			{"GetState", getErr(s.GetState(ctx, bad))},
			{"DeleteCase", s.DeleteCase(ctx, bad, casemgmt.Write{Time: at(time.Hour)})},
			{"Relate", s.Relate(ctx, bad, email("m-2"), casemgmt.Write{Time: at(time.Hour)})},
			{"Unrelate", s.Unrelate(ctx, bad, conv("chat-1"), casemgmt.Write{Time: at(time.Hour)})},
		}
		for _, nf := range notFound {
			if !errors.Is(nf.err, casemgmt.ErrNotFound) {
				t.Errorf("%s(%q): got error %v, want ErrNotFound", nf.name, bad, nf.err)
			}
		}
		empty := []struct {
			name string
			r    found
		}{
			{"FindCasesByMessageID", lenErr(s.FindCasesByMessageID(ctx, []string{bad}))},
			{"FindCasesByContact", lenErr(s.FindCasesByContact(ctx, bad, casemgmt.Filter{}))},
			{"FindContacts by name", lenErr(s.FindContacts(ctx, predict.ContactQuery{Name: bad}))},
			{"FindContacts by email", lenErr(s.FindContacts(ctx, predict.ContactQuery{Email: bad + "@x"}))},
			{"FindContacts by phone", lenErr(s.FindContacts(ctx, predict.ContactQuery{Phone: "+1 415 555 0101" + bad}))},
			{"FindContacts by name and email", lenErr(s.FindContacts(ctx, predict.ContactQuery{Name: near, Email: bad + "@x"}))},
			{"ListAudit", lenErr(s.ListAudit(ctx, bad))},
			{"ListInteractions by case", lenErr(s.ListInteractions(ctx, casemgmt.InteractionQuery{CaseID: bad}))},
			{"ListInteractions by conversation", lenErr(s.ListInteractions(ctx, casemgmt.InteractionQuery{ConversationID: bad}))},
			{"ListInteractions by outcome", lenErr(s.ListInteractions(ctx, casemgmt.InteractionQuery{Outcome: casemgmt.Outcome(bad)}))},
		}
		for _, e := range empty {
			if e.r.err != nil || e.r.n != 0 {
				t.Errorf("%s(%q): %d results, %v; want none", e.name, bad, e.r.n, e.r.err)
			}
		}
		if err := s.ReleaseClaim(ctx, bad, "owner"); err != nil {
			t.Errorf("ReleaseClaim(%q, owner): %v, want nil", bad, err)
		}
		if err := s.ReleaseClaim(ctx, "work", bad); err != nil {
			t.Errorf("ReleaseClaim(work, %q): %v, want nil", bad, err)
		}
		// Bad ids among good ones do not hide the good ones' cases.
		cs, err := s.FindCasesByMessageID(ctx, []string{bad, "m-1"})
		if err != nil || !slices.Equal(ids(cs), []string{kept.ID}) {
			t.Errorf("FindCasesByMessageID(%q, m-1): %v, %v; want %s", bad, ids(cs), err, kept.ID)
		}
		// The contact that is near bad is found by its own text only.
		cts, err := s.FindContacts(ctx, predict.ContactQuery{Name: near})
		if err != nil || len(cts) != 1 || cts[0].ID != nearContact.ID {
			t.Errorf("FindContacts(%q): %v, %v; want %s", near, cts, err, nearContact.ID)
		}
	}
}

func upsertErr(ctx context.Context, s casemgmt.Store, c *casemgmt.Case, w casemgmt.Write) error {
	_, err := s.UpsertCase(ctx, c, w)
	return err
}

func useKeyErr(ctx context.Context, s casemgmt.Store, key string) error {
	_, err := s.UseKey(ctx, key)
	return err
}

func claimErr(ctx context.Context, s casemgmt.Store, name, owner string) error {
	_, err := s.AcquireClaim(ctx, name, owner, time.Minute)
	return err
}

func getErr[T any](_ T, err error) error { return err }

// found is how many results a look-up gave, and its error.
type found struct {
	n   int
	err error
}

func lenErr[T any](xs []T, err error) found { return found{len(xs), err} }
