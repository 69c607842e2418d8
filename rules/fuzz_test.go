package rules_test

import (
	"errors"
	"math"
	"testing"

	"github.com/caseagent/caseagent/rules"
)

// fuzzValues are the value sets every compiled fuzz input is matched
// against: all unset, typical values, and edge values.
func fuzzValues(t testing.TB) []*rules.Values {
	t.Helper()
	var out []*rules.Values
	for _, m := range []map[string]any{
		{},
		{"category": "Product defect", "subject": "RE: Router SN-4K2P9Q7Z", "to": []string{"support@acme.example", "Ana <ana@example.org>"}, "amount": 129.5, "vip": true, "created": jan1},
		{"category": "", "subject": "ÄÖÜ ß straße \u0130", "to": []string{}, "amount": math.Copysign(0, -1), "vip": false},
	} {
		v, err := testVars.ValuesOf(m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return append(out, nil)
}

// checkSet matches a compiled set against the fuzz values; any panic
// fails the fuzz test, and run-time errors must be well formed.
func checkSet[A any](t *testing.T, set *rules.Set[A], values []*rules.Values) {
	for _, v := range values {
		matched, errs := set.All(v)
		for _, e := range errs {
			if !errors.Is(e, rules.ErrRuntime) || e.Rule == "" {
				t.Fatalf("malformed run-time error %#v", e)
			}
		}
		if len(matched)+len(errs) > set.Len() {
			t.Fatalf("%d matches and %d errors from %d rules", len(matched), len(errs), set.Len())
		}
		set.First(v)
	}
}

func checkCompileError(t *testing.T, err error) {
	var ce *rules.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *CompileError", err, err)
	}
	if ce.Err == nil || ce.Error() == "" {
		t.Fatalf("empty CompileError %#v", ce)
	}
}

// FuzzParseJSON feeds rule documents (structured, raw and mixed
// conditions) through parsing, compilation and matching.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(rulesJSON))
	f.Add([]byte(`[{"name":"a","when":{"all":[{"field":"to","op":"contains","value":"support@"},{"expr":"amount >= 10"}]}}]`))
	f.Add([]byte(`[{"name":"a","when":{"field":"created","op":"less_than","value":"2026-01-01T00:00:00Z"}},{"name":"b","when":{"field":"amount","op":"not_in","value":[1,2.5]}}]`))
	f.Add([]byte(`[{"name":"a","when":{"field":"subject","op":"matches","value":"(?i)^re:\\s*sn-[0-9]+"}}]`))
	f.Add([]byte(`[{"name":"a","when":{"any":[{"field":"vip","op":"is_empty"},{"field":"category","op":"starts_with","value":"Pro"}]}}]`))
	f.Add([]byte(`[{"name":"a","when":"vip || amount > 1e300"}]`))
	f.Add([]byte(`[{"name":"a","active":false,"when":{"field":"x"}}]`))
	values := fuzzValues(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := rules.ParseJSON[map[string]any](data)
		if err != nil {
			checkCompileError(t, err)
			return
		}
		set, err := rules.Compile(testVars, rs, rules.WithMemoryBudget(10_000))
		if err != nil {
			checkCompileError(t, err)
			return
		}
		checkSet(t, set, values)
	})
}

// FuzzParseYAML does the same for YAML documents.
func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(rulesYAML))
	f.Add([]byte("- name: a\n  when: {field: to, op: in, value: [a, b]}\n"))
	f.Add([]byte("- &x {name: a, when: 'true'}\n- *x\n"))
	values := fuzzValues(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := rules.ParseYAML[map[string]any](data)
		if err != nil {
			checkCompileError(t, err)
			return
		}
		set, err := rules.Compile(testVars, rs, rules.WithMemoryBudget(10_000))
		if err != nil {
			checkCompileError(t, err)
			return
		}
		checkSet(t, set, values)
	})
}

// FuzzExpr compiles and runs raw expressions, alone and inside a
// structured all.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{
		`category == "Billing"`, `amount > 3 && vip`, `not (subject contains "x")`,
		`any(to, # endsWith "@acme.example")`, `let n = amount * 2; n > 10`,
		`subject matches "^(a|b)+$"`, `created > created - duration("1h")`,
		`len(filter(to, # startsWith "s")) == 1`, `amount ?? 0 > 1`, `[1,2,3][amount]`,
		`category in ["a", "b"] || "x" in to`, `$env.amount > 1`, `upper(subject) == "X" ? true : false`,
		`map(1..1000, 1..1000)`, `1/0 > 1`, `string(amount) == "1"`, `let a = subject + subject; a + "x" == a`, `concat(to, to) == to`,
	} {
		f.Add(s)
	}
	values := fuzzValues(f)
	f.Fuzz(func(t *testing.T, src string) {
		for _, when := range []rules.Condition{
			{Expr: src},
			{All: []rules.Condition{{Field: "category", Op: rules.IsNotEmpty}, {Expr: src}}},
		} {
			set, err := rules.Compile(testVars, []rules.Rule[struct{}]{{Name: "f", When: when}}, rules.WithMemoryBudget(10_000))
			if err != nil {
				checkCompileError(t, err)
				continue
			}
			checkSet(t, set, values)
		}
	})
}
