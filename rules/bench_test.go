package rules_test

import (
	"fmt"
	"testing"

	"github.com/caseagent/caseagent/internal/cputime"

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
// conditions, in the structured or the raw form; most do not hold for
// benchCase, as in a real set.
func typicalRule(i int, raw bool) rules.Rule[struct{}] {
	categories := []string{"Product defect", "Billing", "Account access", "Shipping", "Returns", "How-to", "Feature request"}
	c1, c2 := categories[i%len(categories)], categories[(i+3)%len(categories)]
	var when rules.Condition
	switch i % 4 {
	case 0:
		when = rules.Condition{Field: "category", Op: rules.Equals, Value: c1}
		if raw {
			when = rules.Condition{Expr: fmt.Sprintf("category == %q", c1)}
		}
	case 1:
		when = rules.Condition{Field: "category", Op: rules.In, Value: []any{c1, c2}}
		if raw {
			when = rules.Condition{Expr: fmt.Sprintf("category in [%q, %q]", c1, c2)}
		}
	case 2:
		when = rules.Condition{Field: "channel", Op: rules.NotEquals, Value: "Chat"}
		if raw {
			when = rules.Condition{Expr: `channel != "Chat"`}
		}
	case 3:
		when = rules.Condition{Field: "priority", Op: rules.NotIn, Value: []any{"High", "Urgent"}}
		if raw {
			when = rules.Condition{Expr: `priority not in ["High", "Urgent"]`}
		}
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

// BenchmarkAll evaluates 1, 10 and 100 typical rules against one case,
// with conditions in the structured and in the raw form, and reports the
// time per rule evaluated: ns/rule is wall time, cpu-ns/rule the CPU time
// the process used (steadier when other work shares the machine; it
// includes the garbage collector). "append" reuses the result slice (AppendAll),
// which leaves no allocation at all.
func BenchmarkAll(b *testing.B) {
	for _, form := range []string{"structured", "expr", "structured-append"} {
		for _, n := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("form=%s/rules=%d", form, n), func(b *testing.B) {
				rs := make([]rules.Rule[struct{}], n)
				for i := range rs {
					rs[i] = typicalRule(i, form == "expr")
				}
				set, err := rules.Compile(benchVars, rs)
				if err != nil {
					b.Fatal(err)
				}
				v := benchCase(b)
				buf := make([]*rules.Rule[struct{}], 0, n)
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cputime.Used()
				for b.Loop() {
					var errs []*rules.RuntimeError
					if form == "structured-append" {
						buf, errs = set.AppendAll(buf[:0], v)
					} else {
						_, errs = set.All(v)
					}
					if errs != nil {
						b.Fatal(errs)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
				if cpu1 := cputime.Used(); cpu0 > 0 && cpu1 > cpu0 {
					b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/rule")
				}
			})
		}
	}
}

// BenchmarkContainsBody is a text search on a longer text: `body contains`
// with case folding, the costliest structured operator on typical input.
func BenchmarkContainsBody(b *testing.B) {
	set, err := rules.Compile(benchVars, []rules.Rule[struct{}]{{Name: "r", When: rules.Condition{Field: "body", Op: rules.Contains, Value: "Serial number"}}})
	if err != nil {
		b.Fatal(err)
	}
	v := benchCase(b)
	if err := v.Set("body", "Hello, my router keeps rebooting every few minutes since the last update. "+
		"I tried unplugging it and resetting it to factory settings but nothing helps. The serial NUMBER is SN-4K2P9Q7Z."); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if m, _ := set.All(v); len(m) != 1 {
			b.Fatal("no match")
		}
	}
}

// BenchmarkCompile compiles 100 typical rules, as a configuration load
// does.
func BenchmarkCompile(b *testing.B) {
	rs := make([]rules.Rule[struct{}], 100)
	for i := range rs {
		rs[i] = typicalRule(i, i%2 == 0)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rules.Compile(benchVars, rs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValues fills the values of one case.
func BenchmarkValues(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		benchCase(b)
	}
}
