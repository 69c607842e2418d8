package rules_test

import (
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/rules"
)

// A rule set loaded from JSON: update rules whose action is the list of
// fields to predict. Every rule that holds contributes its fields.
func ExampleParseJSON() {
	type update struct {
		Predict []string `json:"predict"`
	}
	data := []byte(`[
	  {"name": "defect details",
	   "when": {"field": "category", "op": "equals", "value": "Product defect"},
	   "predict": ["product", "serial_number"]},
	  {"name": "order details",
	   "when": {"field": "category", "op": "in", "value": ["Shipping", "Returns"]},
	   "predict": ["order_number"]},
	  {"name": "urgent",
	   "when": {"all": [{"field": "channel", "op": "equals", "value": "email"},
	                    {"field": "subject", "op": "contains", "value": "urgent"}]},
	   "predict": ["priority"]}
	]`)
	vars := rules.Vars{"category": rules.Text, "channel": rules.Text, "subject": rules.Text}

	rs, err := rules.ParseJSON[update](data)
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := rules.Compile(vars, rs)
	if err != nil {
		fmt.Println(err)
		return
	}

	values, err := vars.ValuesOf(map[string]any{
		"category": "product defect", // text comparisons ignore case
		"channel":  "Email",
		"subject":  "URGENT: router reboots",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	matched, errs := set.All(values)
	for _, r := range matched {
		fmt.Println(r.Name, r.Action.Predict)
	}
	fmt.Println("errors:", len(errs))
	// Output:
	// defect details [product serial_number]
	// urgent [priority]
	// errors: 0
}

// A rule whose condition is an expr-lang expression; the first rule that
// holds wins, as for email intake rules.
func ExampleCompile_expr() {
	vars := rules.Vars{"to": rules.TextList, "subject": rules.Text, "amount": rules.Number}
	rs := []rules.Rule[string]{
		{Name: "large refund", When: rules.Condition{Expr: `subject contains "refund" && amount > 500`}, Action: "escalate"},
		{Name: "support mailbox", When: rules.Condition{Expr: `any(to, # endsWith "@support.example")`}, Action: "create case"},
	}
	set, err := rules.Compile(vars, rs)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range []map[string]any{
		{"to": "help@support.example", "subject": "refund please", "amount": 900},
		{"to": "help@support.example", "subject": "refund please"}, // amount unset: amount > 500 is false
		{"to": "sales@example.org"},
	} {
		values, err := vars.ValuesOf(m)
		if err != nil {
			fmt.Println(err)
			return
		}
		r, _ := set.First(values)
		if r == nil {
			fmt.Println("no rule")
			continue
		}
		fmt.Println(r.Name, "->", r.Action)
	}
	// Output:
	// large refund -> escalate
	// support mailbox -> create case
	// no rule
}

// What a compile error looks like: it names the rule and the position,
// and wraps a sentinel error callers can test.
func ExampleCompileError() {
	vars := rules.Vars{"category": rules.Text, "priority": rules.Text}
	for _, data := range []string{
		`[{"name": "p1", "when": {"field": "categry", "op": "equals", "value": "Billing"}}]`,
		`[{"name": "p2", "when": {"expr": "category == \"Billing\" &&\n  priority > 3"}}]`,
		`[{"name": "p3", "when": {"any": [{"field": "priority", "op": "equals", "value": "High"},
		                                  {"field": "category", "opp": "equals"}]}}]`,
	} {
		rs, err := rules.ParseJSON[struct{}]([]byte(data))
		if err == nil {
			_, err = rules.Compile(vars, rs)
		}
		fmt.Println(err)
		var ce *rules.CompileError
		if errors.As(err, &ce) {
			fmt.Printf("  rule %q, path %s, line %d, column %d, type mismatch: %v\n",
				ce.Rule, ce.Path, ce.Line, ce.Column, errors.Is(err, rules.ErrTypeMismatch))
		}
	}
	// Output:
	// rules: rule 0 "p1": when.field: unknown variable: "categry" is not declared (did you mean "category"?)
	//   rule "p1", path when.field, line 0, column 0, type mismatch: false
	// rules: rule 0 "p2": when.expr:2:12: type mismatch: invalid operation: > (mismatched types string and int)
	//   rule "p2", path when.expr, line 2, column 12, type mismatch: true
	// rules: rule 0 "p3": when.any[1].opp: unknown key
	//   rule "p3", path when.any[1].opp, line 0, column 0, type mismatch: false
}
