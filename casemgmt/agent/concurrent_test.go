package agent_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/internal/agenttest"
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
	f := agenttest.NewFixture(t, nil)
	_, c := f.Created(t, "conv-1", hello)
	// The description is the customer's latest message.
	f.Pred.Rule = func(req *predict.Request) map[string]agenttest.Answer {
		for i := len(req.Messages) - 1; i >= 0; i-- {
			if m := req.Messages[i]; m.Role == channel.RoleCustomer {
				return map[string]agenttest.Answer{"issue_description": {Value: m.Text, Conf: 0.9, Quote: m.Text}, "category": {Value: "Product defect", Conf: 0.8, Quote: ""}}
			}
		}
		return nil
	}
	const n = 12
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		results []*agent.Result
		errs    []error
	)
	record := func(r *agent.Result, err error) {
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
			conv := agenttest.Convo("conv-1", hello)
			for j := range i + 1 {
				agenttest.Say(conv, fmt.Sprintf("Detail %d of run %d.", j, i))
			}
			record(f.Agent.ConversationEnded(ctx, conv, "rep-1"))
		}()
		go func() {
			defer wg.Done()
			conv := agenttest.Convo("conv-1", hello, fmt.Sprintf("Asked by rep %d.", i))
			record(f.Agent.UpdateFromConversation(ctx, conv, "rep-1"))
		}()
		go func() {
			defer wg.Done()
			record(f.Agent.EditCase(ctx, c.ID, fmt.Sprintf("rep-%d", i), map[string]any{"internal_note": fmt.Sprintf("note %d", i)}))
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
	audit := f.Audit(t, c.ID)
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
	final := f.CaseOf(t, "conv-1")
	if diff := cmp.Diff(casemgmt.Values(last), final.Fields); diff != "" {
		t.Errorf("case vs its audit trail (-audit +case):\n%s", diff)
	}
}

// TestConcurrentCreation runs the events of a new conversation at once:
// one case is created, the other runs update it or find nothing new, and
// the creation is audited once.
func TestConcurrentCreation(t *testing.T) {
	ctx := context.Background()
	f := agenttest.NewFixture(t, nil)
	f.Pred.Set(map[string]agenttest.Answer{"issue_description": {Value: hello, Conf: 0.9, Quote: "rebooting"}, "contact": {Value: "C-1", Conf: 0.9, Quote: ""}, "category": {Value: "Product defect", Conf: 0.8, Quote: ""}})
	const n = 8
	var wg sync.WaitGroup
	outcomes := make([]casemgmt.Outcome, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conv := agenttest.Convo("conv-1", hello)
			call := f.Agent.ConversationAccepted
			if i%2 == 1 {
				call = f.Agent.CustomerMessage
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
	c := f.CaseOf(t, "conv-1")
	if got := auditFields(f.Audit(t, c.ID)); !cmp.Equal(got, []string{"case", "origin", "issue_description", "category", "contact"}) {
		t.Errorf("audit %v, want one creation", got)
	}
	if got := len(f.Interactions(t, "conv-1")); got != n {
		t.Errorf("%d interactions, want %d", got, n)
	}
}
