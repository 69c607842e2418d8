package casemgmt_test

import (
	"context"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

func ExampleWritePolicy_CanWrite() {
	var policy casemgmt.WritePolicy // the default: the agent never overrides people
	ag := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	byPerson := casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-7"}}
	byAgent := casemgmt.Provenance{Actor: ag}

	show := func(ok bool, why string) {
		if ok {
			fmt.Println("allowed")
		} else {
			fmt.Println("refused:", why)
		}
	}
	show(policy.CanWrite(byAgent, true, ag, false))  // revise its own prediction
	show(policy.CanWrite(byPerson, true, ag, false)) // overwrite a person
	show(policy.CanWrite(byAgent, true, ag, true))   // clear a value

	policy.AllowAgentOverrideHuman = true
	show(policy.CanWrite(byPerson, true, ag, false))
	// Output:
	// allowed
	// refused: a person set this value
	// refused: the agent never clears a value
	// allowed
}

func ExampleSchema_Apply() {
	ctx := context.Background()
	schema, err := casemgmt.NewSchema([]casemgmt.Field{
		{Field: predict.Field{Name: "priority", Type: predict.TypeChoice, Options: []predict.Option{{Value: "Normal"}, {Value: "Urgent"}}}},
		{Field: predict.Field{Name: "serial_number", Type: predict.TypeText, Pattern: "SN-[A-Z0-9]{8}"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	store := memstore.New()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &casemgmt.Case{Title: "Hub lost its devices"}
	if err := store.CreateCase(ctx, c, casemgmt.Write{Time: now}); err != nil {
		fmt.Println(err)
		return
	}

	// A representative marks the case urgent.
	person := casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-7"}}
	res, _ := schema.Apply(ctx, c, []casemgmt.Change{{Field: "priority", Value: "urgent", Provenance: person}}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: store, Now: now})
	if err := store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: res.Audit}); err != nil {
		fmt.Println(err)
		return
	}

	// Later the agent predicts from the conversation.
	ag := casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent}, Confidence: 0.7, MessageIDs: []string{"m4"}}
	res, err = schema.Apply(ctx, c, []casemgmt.Change{
		{Field: "priority", Value: "Normal", Provenance: ag},
		{Field: "serial_number", Value: "SN-HB5Z0C3N", Provenance: ag},
	}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: store, Now: now.Add(time.Hour)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Refused {
		fmt.Printf("refused %s=%v: %s\n", r.Field, r.Value, r.Reason)
	}
	if err := store.UpdateCase(ctx, c, casemgmt.Write{Time: now.Add(time.Hour), Audit: res.Audit}); err != nil {
		fmt.Println(err)
		return
	}
	audit, _ := store.ListAudit(ctx, c.ID)
	for _, e := range audit {
		fmt.Printf("%s %s: %v -> %v\n", e.Actor.Kind, e.Field, e.Old, e.New)
	}
	fmt.Println(c.Number, c.Version, c.Fields["priority"])

	// A value outside the schema is refused and names its field.
	_, err = schema.Apply(ctx, c, []casemgmt.Change{{Field: "serial_number", Value: "12345", Provenance: person}}, casemgmt.ApplyOptions{Policy: casemgmt.WritePolicy{}, Contacts: store, Now: now})
	fmt.Println(err)
	// Output:
	// refused priority=Normal: a person set this value
	// person priority: <nil> -> Urgent
	// agent serial_number: <nil> -> SN-HB5Z0C3N
	// CAS-000001 3 Urgent
	// casemgmt: field serial_number: invalid value: "12345" does not match the pattern SN-[A-Z0-9]{8}
}
