package rules_test

import (
	"fmt"
	"testing"

	"github.com/caseagent/caseagent/rules"
)

// benchVars declares what a helpdesk tenant typically has: schema fields
// plus channel facts.
var benchVars = rules.Vars{
	"category": rules.Text, "priority": rules.Text, "product": rules.Text,
	"channel": rules.Text, "conversation_status": rules.Text,
	"from": rules.Text, "to": rules.TextList, "subject": rules.Text,
	"body": rules.Text, "amount": rules.Number, "vip": rules.Bool,
}

// typicalRule returns the i-th of a mix of equality and membership
// conditions, most of which do not hold for benchCase, as in a real set.
func typicalRule(i int) rules.Rule[struct{}] {
	categories := []string{"Product defect", "Billing", "Account access", "Shipping", "Returns", "How-to", "Feature request"}
	var when rules.Condition
	switch i % 4 {
	case 0:
		when = rules.Condition{Field: "category", Op: rules.Equals, Value: categories[i%len(categories)]}
	case 1:
		when = rules.Condition{Field: "category", Op: rules.In, Value: []any{categories[i%len(categories)], categories[(i+3)%len(categories)]}}
	case 2:
		when = rules.Condition{Field: "channel", Op: rules.NotEquals, Value: "Chat"}
	case 3:
		when = rules.Condition{Field: "priority", Op: rules.NotIn, Value: []any{"High", "Urgent"}}
	}
	return rules.Rule[struct{}]{Name: fmt.Sprintf("rule %d", i), When: when}
}

func benchCase(b *testing.B) *rules.Values {
	v, err := benchVars.ValuesOf(map[string]any{
		"category": "Product Defect", "priority": "Normal", "product": "P-X200",
		"channel": "Email", "conversation_status": "Active", "from": "ana@example.org",
		"to": []string{"Support@acme-home.example"}, "subject": "Router reboots",
		"body": "My router keeps rebooting every few minutes.", "amount": 129.5, "vip": false,
	})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkAll evaluates 1, 10 and 100 typical rules against one case and
// reports the time per rule evaluated.
func BenchmarkAll(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			rs := make([]rules.Rule[struct{}], n)
			for i := range rs {
				rs[i] = typicalRule(i)
			}
			set, err := rules.Compile(benchVars, rs)
			if err != nil {
				b.Fatal(err)
			}
			v := benchCase(b)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_, errs := set.All(v)
				if errs != nil {
					b.Fatal(errs)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
		})
	}
}
