package casemgmt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// TestConcurrentUpdates runs agent updates, "Update from conversation"
// and representatives' edits on one case at once. Every change must be
// in the audit trail exactly once, each entry's old value must be the
// value the entry before it left (no write was based on a stale case),
// and the case must hold what the last entry of each field says.
func TestConcurrentUpdates(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	_, c := f.created(t, "conv-1", hello)
	// The description is the customer's latest message.
	f.pred.rule = func(req *predict.Request) map[string]answer {
		for i := len(req.Messages) - 1; i >= 0; i-- {
			if m := req.Messages[i]; m.Role == channel.RoleCustomer {
				return map[string]answer{"issue_description": {m.Text, 0.9, m.Text}, "category": {"Product defect", 0.8, ""}}
			}
		}
		return nil
	}
	const n = 12
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []*casemgmt.Result
		errs    []error
	)
	record := func(r *casemgmt.Result, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		results = append(results, r)
	}
	for i := range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			conv := convo("conv-1", hello)
			for j := range i + 1 {
				say(conv, fmt.Sprintf("Detail %d of run %d.", j, i))
			}
			record(f.agent.ConversationEnded(ctx, conv, "rep-1"))
		}()
		go func() {
			defer wg.Done()
			conv := convo("conv-1", hello, fmt.Sprintf("Asked by rep %d.", i))
			record(f.agent.UpdateFromConversation(ctx, conv, "rep-1"))
		}()
		go func() {
			defer wg.Done()
			record(f.agent.EditCase(ctx, c.ID, fmt.Sprintf("rep-%d", i), map[string]any{"internal_note": fmt.Sprintf("note %d", i)}))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}

	type change struct {
		Field    string
		New      any
		Actor    casemgmt.Actor
		Evidence string
	}
	key := func(e casemgmt.AuditEntry) change {
		ch := change{Field: e.Field, New: e.New, Actor: e.Actor}
		if len(e.Evidence) > 0 {
			ch.Evidence = e.Evidence[0].Quote
		}
		return ch
	}
	var reported []change
	for _, r := range results {
		for _, e := range r.Changes {
			reported = append(reported, key(e))
		}
	}
	audit := f.audit(t, c.ID)
	var stored []change
	for _, e := range audit[4:] { // after the creation's four entries
		stored = append(stored, key(e))
	}
	less := func(a, b change) bool { return fmt.Sprint(a) < fmt.Sprint(b) }
	if diff := cmp.Diff(reported, stored, cmpopts.SortSlices(less)); diff != "" {
		t.Errorf("changes reported vs audited (-reported +audited):\n%s", diff)
	}

	last := map[string]any{}
	notes := map[any]int{}
	for _, e := range audit {
		if e.Field == casemgmt.AttrCase {
			continue
		}
		if !cmp.Equal(e.Old, last[e.Field]) {
			t.Errorf("entry %d: %s changed from %v, but the value was %v: a write from a stale case", e.Seq, e.Field, e.Old, last[e.Field])
		}
		last[e.Field] = e.New
		if e.Field == "internal_note" {
			notes[e.New]++
		}
	}
	for i := range n {
		if got := notes[fmt.Sprintf("note %d", i)]; got != 1 {
			t.Errorf("note %d audited %d times, want once", i, got)
		}
	}
	final := f.caseOf(t, "conv-1")
	if diff := cmp.Diff(casemgmt.Values(last), final.Fields); diff != "" {
		t.Errorf("case vs its audit trail (-audit +case):\n%s", diff)
	}
}

// TestConcurrentCreation runs the events of a new conversation at once:
// one case is created, the other runs update it or find nothing new, and
// the creation is audited once.
func TestConcurrentCreation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	f.pred.set(map[string]answer{"issue_description": {hello, 0.9, "rebooting"}, "contact": {"C-1", 0.9, ""}, "category": {"Product defect", 0.8, ""}})
	const n = 8
	var wg sync.WaitGroup
	outcomes := make([]casemgmt.Outcome, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv := convo("conv-1", hello)
			call := f.agent.ConversationAccepted
			if i%2 == 1 {
				call = f.agent.CustomerMessage
			}
			res, err := call(ctx, conv, "rep-1")
			if err != nil {
				t.Error(err)
				return
			}
			outcomes[i] = res.Outcome
		}()
	}
	wg.Wait()
	created := 0
	for _, o := range outcomes {
		switch o {
		case casemgmt.OutcomeCreated:
			created++
		case casemgmt.OutcomeUnchanged:
		default:
			t.Errorf("outcome %s, want created or unchanged", o)
		}
	}
	if created != 1 {
		t.Errorf("%d runs created a case, want 1", created)
	}
	c := f.caseOf(t, "conv-1")
	if got := auditFields(f.audit(t, c.ID)); !cmp.Equal(got, []string{"case", "origin", "issue_description", "category", "contact"}) {
		t.Errorf("audit %v, want one creation", got)
	}
	if got := len(f.interactions(t, "conv-1")); got != n {
		t.Errorf("%d interactions, want %d", got, n)
	}
}
