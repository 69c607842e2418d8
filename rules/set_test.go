package rules_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/caseagent/caseagent/rules"
)

func names[A any](rs []*rules.Rule[A]) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func errNames(errs []*rules.RuntimeError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Rule)
	}
	return out
}

func TestMatchModes(t *testing.T) {
	rs := []rules.Rule[struct{}]{
		{Name: "billing", When: rules.Condition{Field: "category", Op: rules.Equals, Value: "Billing"}},
		{Name: "off", Inactive: true, When: rules.Condition{Expr: "true"}},
		{Name: "broken", When: rules.Condition{Expr: "amount * 2 > 10"}},
		{Name: "vip", When: rules.Condition{Field: "vip", Op: rules.Equals, Value: true}},
		{Name: "catch-all", When: rules.Condition{Expr: "true"}},
	}
	set, err := rules.Compile(testVars, rs)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		vals      map[string]any
		all       []string
		allErrs   []string
		first     string
		firstErrs []string
	}{
		{map[string]any{"category": "billing", "vip": true}, []string{"billing", "vip", "catch-all"}, []string{"broken"}, "billing", nil},
		{map[string]any{"vip": true}, []string{"vip", "catch-all"}, []string{"broken"}, "vip", []string{"broken"}},
		{map[string]any{"amount": 6}, []string{"broken", "catch-all"}, nil, "broken", nil},
		{nil, []string{"catch-all"}, []string{"broken"}, "catch-all", []string{"broken"}},
	}
	for _, tt := range tests {
		var v *rules.Values
		if tt.vals != nil {
			v, err = testVars.ValuesOf(tt.vals)
			if err != nil {
				t.Fatal(err)
			}
		}
		all, errs := set.All(v)
		if diff := cmp.Diff(tt.all, names(all)); diff != "" {
			t.Errorf("%v: All (-want +got):\n%s", tt.vals, diff)
		}
		if diff := cmp.Diff(tt.allErrs, errNames(errs)); diff != "" {
			t.Errorf("%v: All errors (-want +got):\n%s", tt.vals, diff)
		}
		first, errs := set.First(v)
		if first == nil || first.Name != tt.first {
			t.Errorf("%v: First = %v, want %q", tt.vals, first, tt.first)
		}
		if diff := cmp.Diff(tt.firstErrs, errNames(errs)); diff != "" {
			t.Errorf("%v: First errors (-want +got):\n%s", tt.vals, diff)
		}
		for _, e := range errs {
			if e.Index != 2 || !errors.Is(e, rules.ErrRuntime) {
				t.Errorf("run-time error %v: want index 2 wrapping ErrRuntime", e)
			}
		}
	}
	// Holds ignores the active flag; First finds nothing when nothing holds.
	if ok, err := set.Holds(1, nil); !ok || err != nil {
		t.Errorf("Holds(inactive rule) = %v, %v; want true", ok, err)
	}
	none, err := rules.Compile(testVars, rs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if r, errs := none.First(nil); r != nil || errs != nil {
		t.Errorf("First on no match = %v, %v; want nil, nil", r, errs)
	}
}

func TestMemoryBudget(t *testing.T) {
	rs := []rules.Rule[struct{}]{
		{Name: "greedy", When: rules.Condition{Expr: "len(map(1..100000, # * 2)) > 0"}},
		{Name: "modest", When: rules.Condition{Expr: "len(map(1..10, # * 2)) > 0"}},
	}
	set, err := rules.Compile(testVars, rs, rules.WithMemoryBudget(1000))
	if err != nil {
		t.Fatal(err)
	}
	all, errs := set.All(nil)
	if diff := cmp.Diff([]string{"modest"}, names(all)); diff != "" {
		t.Errorf("All (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"greedy"}, errNames(errs)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

const rulesJSON = `[
  {"name": "defect", "when": {"field": "category", "op": "equals", "value": "Product defect"}, "predict": ["product", "serial_number"]},
  {"name": "orders", "active": false, "when": {"any": [
     {"field": "category", "op": "in", "value": ["Shipping", "Returns"]},
     {"expr": "amount > 100"}]}, "predict": ["order_number"]},
  {"name": "plain", "when": "subject contains \"x\""}
]`

const rulesYAML = `
- name: defect
  when: {field: category, op: equals, value: Product defect}
  predict: [product, serial_number]
- name: orders
  active: false
  when:
    any:
      - field: category
        op: in
        value: [Shipping, Returns]
      - expr: amount > 100
  predict: [order_number]
- name: plain
  when: subject contains "x"
`

func TestJSONAndYAMLAgree(t *testing.T) {
	fromJSON, err := rules.ParseJSON[updateAction]([]byte(rulesJSON))
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := rules.ParseYAML[updateAction]([]byte(rulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromJSON, fromYAML); diff != "" {
		t.Errorf("JSON and YAML differ (-json +yaml):\n%s", diff)
	}
	want := rules.Rule[updateAction]{
		Name:     "orders",
		Inactive: true,
		When: rules.Condition{Any: []rules.Condition{
			{Field: "category", Op: rules.In, Value: []any{"Shipping", "Returns"}},
			{Expr: "amount > 100"},
		}},
		Action: updateAction{Predict: []string{"order_number"}},
	}
	if diff := cmp.Diff(want, fromJSON[1]); diff != "" {
		t.Errorf("rule 1 (-want +got):\n%s", diff)
	}
	// Embedded in a larger document, through the Unmarshal interfaces.
	var doc struct {
		Rules []rules.Rule[updateAction] `json:"rules" yaml:"rules"`
	}
	if err := json.Unmarshal([]byte(`{"rules": `+rulesJSON+`}`), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromJSON, doc.Rules); diff != "" {
		t.Errorf("embedded JSON (-want +got):\n%s", diff)
	}
	doc.Rules = nil
	if err := yaml.Unmarshal([]byte("rules:\n"+indent(rulesYAML)), &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromJSON, doc.Rules); diff != "" {
		t.Errorf("embedded YAML (-want +got):\n%s", diff)
	}
	// MarshalJSON writes what ParseJSON reads.
	out, err := json.Marshal(fromJSON)
	if err != nil {
		t.Fatal(err)
	}
	again, err := rules.ParseJSON[updateAction](out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromJSON, again); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, out)
	}
}

func indent(s string) string {
	out := ""
	for _, line := range splitLines(s) {
		out += "  " + line + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	return append(lines, s[start:])
}

func TestYAMLUnknownKey(t *testing.T) {
	_, err := rules.ParseYAML[updateAction]([]byte("- name: a\n  when:\n    all:\n      - {field: category, op: equals, value: x}\n      - {field: category, opp: equals}\n"))
	var ce *rules.CompileError
	if !errors.As(err, &ce) || ce.Path != "when.all[1].opp" || ce.Index != 0 || ce.Rule != "a" || !errors.Is(err, rules.ErrUnknownKey) {
		t.Errorf("got %v, want unknown key at rule 0 when.all[1].opp", err)
	}
	var c rules.Condition
	err = yaml.Unmarshal([]byte("{field: category, op: equals, valeu: x}"), &c)
	if !errors.As(err, &ce) || ce.Path != "valeu" || !errors.Is(err, rules.ErrUnknownKey) {
		t.Errorf("Condition: got %v, want unknown key valeu", err)
	}
	err = json.Unmarshal([]byte(`{"any": [{"expr": "true", "exp": 1}]}`), &c)
	if !errors.As(err, &ce) || ce.Path != "any[0].exp" || !errors.Is(err, rules.ErrUnknownKey) {
		t.Errorf("Condition JSON: got %v, want unknown key any[0].exp", err)
	}
}

// TestConcurrentMatching matches one compiled set from many goroutines,
// each with its own values and all with shared ones; run it with -race.
func TestConcurrentMatching(t *testing.T) {
	rs := make([]rules.Rule[struct{}], 40)
	for i := range rs {
		switch i % 4 {
		case 0:
			rs[i] = rules.Rule[struct{}]{Name: fmt.Sprint(i), When: rules.Condition{Field: "amount", Op: rules.GreaterThan, Value: i}}
		case 1:
			rs[i] = rules.Rule[struct{}]{Name: fmt.Sprint(i), When: rules.Condition{Field: "category", Op: rules.In, Value: []any{fmt.Sprint("c", i%7), "x"}}}
		case 2:
			rs[i] = rules.Rule[struct{}]{Name: fmt.Sprint(i), When: rules.Condition{Expr: fmt.Sprintf("amount < %d && category != \"c%d\"", i, i%7)}}
		case 3:
			rs[i] = rules.Rule[struct{}]{Name: fmt.Sprint(i), When: rules.Condition{Expr: "let n = amount * 2; map(1..3, # * n)[0] > 4"}}
		}
	}
	set, err := rules.Compile(testVars, rs)
	if err != nil {
		t.Fatal(err)
	}
	valuesFor := func(g int) *rules.Values {
		v, err := testVars.ValuesOf(map[string]any{"amount": g, "category": fmt.Sprint("c", g%7)})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const goroutines = 16
	want := make([][]string, goroutines)
	for g := range goroutines {
		matched, errs := set.All(valuesFor(g))
		if errs != nil {
			t.Fatal(errs)
		}
		want[g] = names(matched)
	}
	shared := valuesFor(3)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			own := valuesFor(g)
			for range 200 {
				matched, errs := set.All(own)
				if errs != nil || !cmp.Equal(want[g], names(matched)) {
					t.Errorf("goroutine %d: got %v %v, want %v", g, names(matched), errs, want[g])
					return
				}
				matched, _ = set.All(shared)
				if !cmp.Equal(want[3], names(matched)) {
					t.Errorf("goroutine %d on shared values: got %v, want %v", g, names(matched), want[3])
					return
				}
				if r, _ := set.First(own); (r == nil) != (len(want[g]) == 0) {
					t.Errorf("goroutine %d: First = %v", g, r)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestBuiltinNamesAsVariables: a schema may have fields named like expr
// builtins (type, count, len); declared variables take precedence.
func TestBuiltinNamesAsVariables(t *testing.T) {
	vars := rules.Vars{"type": rules.Text, "count": rules.Number, "len": rules.TextList}
	rs := []rules.Rule[struct{}]{
		{Name: "structured", When: rules.Condition{All: []rules.Condition{
			{Field: "type", Op: rules.Equals, Value: "Question"},
			{Field: "count", Op: rules.GreaterThan, Value: 1},
			{Field: "len", Op: rules.Contains, Value: "a"},
		}}},
		{Name: "raw", When: rules.Condition{Expr: `type == "Question" && count > 1 && "a" in len`}},
	}
	set, err := rules.Compile(vars, rs)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vars.ValuesOf(map[string]any{"type": "question", "count": 2, "len": []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := set.All(v)
	if diff := cmp.Diff([]string{"structured"}, names(got)); diff != "" || errs != nil {
		t.Errorf("All (-want +got):\n%s\nerrors: %v", diff, errs)
	}
	if err := v.Set("type", "Question"); err != nil {
		t.Fatal(err)
	}
	got, errs = set.All(v)
	if diff := cmp.Diff([]string{"structured", "raw"}, names(got)); diff != "" || errs != nil {
		t.Errorf("All (-want +got):\n%s\nerrors: %v", diff, errs)
	}
}

func TestEmbeddedRuleErrorNamesRule(t *testing.T) {
	var doc struct {
		Rules []rules.Rule[updateAction] `json:"rules"`
	}
	err := json.Unmarshal([]byte(`{"rules": [{"name": "x", "when": {"expr": "true"}, "predikt": []}]}`), &doc)
	var ce *rules.CompileError
	if !errors.As(err, &ce) || ce.Rule != "x" || ce.Path != "predikt" || !errors.Is(err, rules.ErrUnknownKey) {
		t.Errorf("got %v, want unknown key predikt in rule x", err)
	}
}

// TestHostileExpressions: expressions that try to exhaust memory or time
// fail at run time instead.
func TestHostileExpressions(t *testing.T) {
	rs := []rules.Rule[struct{}]{
		{Name: "doubling text", When: rules.Condition{Expr: `let a = subject + subject; let b = a + a; let c = b + b; let d = c + c; let e = d + d; let f = e + e;
			let g = f + f; let h = g + g; let i = h + h; let j = i + i; let k = j + j; let l = k + k; let m = l + l; let n = m + m; len(n) > 0`}},
		{Name: "doubling list", When: rules.Condition{Expr: `let a = concat(to, to); let b = concat(a, a); let c = concat(b, b); let d = concat(c, c); let e = concat(d, d);
			let f = concat(e, e); let g = concat(f, f); let h = concat(g, g); let i = concat(h, h); let j = concat(i, i); let k = concat(j, j); let l = concat(k, k); let m = concat(l, l); let n = concat(m, m); len(n) > 0`}},
		{Name: "nested ranges", When: rules.Condition{Expr: `any(1..1000, any(1..1000, any(1..1000, false)))`}},
		{Name: "fine", When: rules.Condition{Expr: `len(subject + subject) == 2 * len(subject)`}},
	}
	set, err := rules.Compile(testVars, rs)
	if err != nil {
		t.Fatal(err)
	}
	v, err := testVars.ValuesOf(map[string]any{"subject": strings.Repeat("x", 1000), "to": []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}})
	if err != nil {
		t.Fatal(err)
	}
	matched, errs := set.All(v)
	if diff := cmp.Diff([]string{"fine"}, names(matched)); diff != "" {
		t.Errorf("All (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"doubling text", "doubling list", "nested ranges"}, errNames(errs)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	for _, builtin := range []string{`now() != nil`, `join(to) == ""`, `string(amount) == ""`, `repeat(subject, 9) == ""`, `split(subject, "") == []`} {
		_, err := rules.Compile(testVars, []rules.Rule[struct{}]{{Name: "b", When: rules.Condition{Expr: builtin}}})
		if !errors.Is(err, rules.ErrUnknownVariable) {
			t.Errorf("%s: got %v, want the builtin to be unknown", builtin, err)
		}
	}
}

// A set says which variables each rule's condition reads, whatever form
// the condition takes, so that a host knows which values its rules depend
// on.
func TestReads(t *testing.T) {
	vars := rules.Vars{"category": rules.Text, "priority": rules.Text, "amount": rules.Number, "tags": rules.TextList}
	rs := []rules.Rule[int]{
		{Name: "structured", When: rules.Condition{All: []rules.Condition{
			{Field: "category", Op: rules.Equals, Value: "Billing"},
			{Any: []rules.Condition{{Field: "amount", Op: rules.GreaterThan, Value: 10.0}, {Field: "category", Op: rules.IsNotEmpty}}},
		}}},
		{Name: "expression", When: rules.Condition{Expr: `priority == "High" && "vip" in tags && amount > 0`}},
		{Name: "constant", When: rules.Condition{Expr: "true"}},
	}
	s, err := rules.Compile(vars, rs)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"category", "amount"}, {"priority", "tags", "amount"}, nil}
	for i, w := range want {
		if diff := cmp.Diff(w, s.Reads(i)); diff != "" {
			t.Errorf("rule %s reads (-want +got)\n%s", rs[i].Name, diff)
		}
	}
}
