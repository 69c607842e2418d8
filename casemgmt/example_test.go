package casemgmt_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
)

func ExampleParseConfig() {
	cfg, err := casemgmt.ParseConfig([]byte(`
fields:
  - name: issue_description
    type: text
    multiline: true
  - name: category
    type: choice
    options:
      - value: Billing
        description: "Use when: invoices, charges, refunds."
      - value: Shipping
  - name: contact
    type: lookup
    lookup: contacts
contacts:
  - {id: C-1, name: Ana Lima, email: ana@example.org, phone: "+1 415 555 0101"}
create: {fields: [issue_description, contact], require: all}
update_rules:
  - name: billing details
    when: {field: category, op: equals, value: Billing}
    predict: [contact]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range cfg.Schema().Fields() {
		fmt.Println(f.Name, f.Type, len(f.Options))
	}
	fmt.Println(string(cfg.UpdateRules[0].When))

	// A typo is reported with its path.
	_, err = casemgmt.ParseConfig([]byte(`{"fields": [{"name": "a", "type": "choice", "optons": []}]}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, casemgmt.ErrInvalidConfig))
	// Output:
	// issue_description text 0
	// category choice 2
	// contact lookup 0
	// {"field":"category","op":"equals","value":"Billing"}
	// casemgmt: invalid configuration: fields[0].optons: unknown key
	// true
}

func ExampleWritePolicy_CanWrite() {
	var policy casemgmt.WritePolicy // the default: the agent never overrides people
	agent := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	byPerson := casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-7"}}
	byAgent := casemgmt.Provenance{Actor: agent}

	show := func(ok bool, why string) {
		if ok {
			fmt.Println("allowed")
		} else {
			fmt.Println("refused:", why)
		}
	}
	show(policy.CanWrite(byAgent, true, agent, false))  // revise its own prediction
	show(policy.CanWrite(byPerson, true, agent, false)) // overwrite a person
	show(policy.CanWrite(byAgent, true, agent, true))   // clear a value

	policy.AllowAgentOverrideHuman = true
	show(policy.CanWrite(byPerson, true, agent, false))
	// Output:
	// allowed
	// refused: a person set this value
	// refused: the agent never clears a value
	// allowed
}

func ExampleSchema_Apply() {
	ctx := context.Background()
	cfg, err := casemgmt.ParseConfig([]byte(`{"fields": [
		{"name": "priority", "type": "choice", "options": [{"value": "Normal"}, {"value": "Urgent"}]},
		{"name": "serial_number", "type": "text", "pattern": "SN-[A-Z0-9]{8}"}]}`))
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
	res, _ := cfg.Schema().Apply(ctx, c, []casemgmt.Change{{Field: "priority", Value: "urgent", Provenance: person}}, cfg.Policy, store, now)
	if err := store.UpdateCase(ctx, c, casemgmt.Write{Time: now, Audit: res.Audit}); err != nil {
		fmt.Println(err)
		return
	}

	// Later the agent predicts from the conversation.
	agent := casemgmt.Provenance{Actor: casemgmt.Actor{Kind: casemgmt.ActorAgent}, Confidence: 0.7, MessageIDs: []string{"m4"}}
	res, err = cfg.Schema().Apply(ctx, c, []casemgmt.Change{
		{Field: "priority", Value: "Normal", Provenance: agent},
		{Field: "serial_number", Value: "SN-HB5Z0C3N", Provenance: agent},
	}, cfg.Policy, store, now.Add(time.Hour))
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
	_, err = cfg.Schema().Apply(ctx, c, []casemgmt.Change{{Field: "serial_number", Value: "12345", Provenance: person}}, cfg.Policy, store, now)
	fmt.Println(err)
	// Output:
	// refused priority=Normal: a person set this value
	// person priority: <nil> -> Urgent
	// agent serial_number: <nil> -> SN-HB5Z0C3N
	// CAS-000001 3 Urgent
	// casemgmt: field serial_number: invalid value: "12345" does not match the pattern SN-[A-Z0-9]{8}
}
