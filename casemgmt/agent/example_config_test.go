package agent_test

import (
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
)

func ExampleParseConfig() {
	cfg, err := agent.ParseConfig([]byte(`
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
	_, err = agent.ParseConfig([]byte(`{"fields": [{"name": "a", "type": "choice", "optons": []}]}`))
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
