package insights_test

import (
	"context"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/insights"
	"github.com/caseagent/caseagent/casemgmt/memstore"
)

// The agent creates a case with two values; a person corrects one of
// them. The report says what people saw: one value in two kept.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	agentActor := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

	c := &casemgmt.Case{Title: "Router restarts", Fields: casemgmt.Values{"product": "X300", "priority": "Low"}}
	_ = store.CreateCase(ctx, c, casemgmt.Write{Time: at,
		Audit: []casemgmt.AuditEntry{
			{Field: "priority", New: "Low", Actor: agentActor},
			{Field: "product", New: "X300", Actor: agentActor},
		},
		Interaction: &casemgmt.Interaction{Trigger: "conversation_ended", Actor: agentActor, Outcome: casemgmt.OutcomeCreated},
	})
	c.Fields["priority"] = "Urgent"
	_ = store.UpdateCase(ctx, c, casemgmt.Write{Time: at.Add(time.Hour), Audit: []casemgmt.AuditEntry{
		{Field: "priority", Old: "Low", New: "Urgent", Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rosa"}},
	}})

	r, err := insights.Build(ctx, store, insights.WithRange(at.Add(-time.Hour), at.Add(24*time.Hour)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("runs %d, values written %d, kept %d, corrected %d, precision %.0f%%\n",
		r.Runs.Total(), r.Values.Applied, r.Values.Kept, r.Values.Corrected, 100*r.Values.Precision())
	for _, f := range r.Fields {
		fmt.Printf("%s: %d written, %d kept\n", f.Field, f.Applied, f.Kept)
	}
	// Output:
	// runs 1, values written 2, kept 1, corrected 1, precision 50%
	// priority: 1 written, 0 kept
	// product: 1 written, 1 kept
}
