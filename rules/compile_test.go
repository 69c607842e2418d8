package rules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/rules"
)

type updateAction struct {
	Predict []string `json:"predict"`
}

// TestCompileErrors checks load and compile errors by their fields.
func TestCompileErrors(t *testing.T) {
	vars := rules.Vars{"category": rules.Text, "priority": rules.Text, "subject": rules.Text, "amount": rules.Number}
	ok := `{"name": "ok", "when": {"field": "category", "op": "equals", "value": "Billing"}}`
	tests := []struct {
		name string
		json string
		opts []rules.Option
		want rules.CompileError
		is   error
	}{
		{"unknown key nested", `[` + ok + `, {"name": "b", "when": {"all": [{"field": "category", "op": "equals", "value": "x"}, {"field": "category", "opp": "equals"}]}}]`,
			nil, rules.CompileError{Rule: "b", Index: 1, Path: "when.all[1].opp"}, rules.ErrUnknownKey},
		{"unknown key in rule", `[{"name": "a", "when": {"expr": "true"}, "predikt": ["x"]}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "predikt"}, rules.ErrUnknownKey},
		{"action of wrong type", `[{"name": "a", "when": {"expr": "true"}, "predict": "x"}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "predict"}, rules.ErrSyntax},
		{"key of wrong type", `[{"name": "a", "when": {"field": 3, "op": "equals", "value": "x"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.field"}, rules.ErrSyntax},
		{"active not bool", `[{"name": "a", "active": "no", "when": {"expr": "true"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "active"}, rules.ErrSyntax},
		{"not a list", `{"name": "a"}`, nil, rules.CompileError{Index: -1}, rules.ErrSyntax},
		{"bad JSON", `[{"name": "a",]`, nil, rules.CompileError{Index: -1}, rules.ErrSyntax},
		{"trailing data", `[] []`, nil, rules.CompileError{Index: -1}, rules.ErrSyntax},
		{"misspelt variable", `[` + ok + `, {"name": "b", "when": {"field": "categry", "op": "equals", "value": "x"}}]`,
			nil, rules.CompileError{Rule: "b", Index: 1, Path: "when.field"}, rules.ErrUnknownVariable},
		{"misspelt variable in expr", `[{"name": "a", "when": {"expr": "category == 'x' && categry == 'y'"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 20}, rules.ErrUnknownVariable},
		{"misspelt variable on line 2", `[{"name": "a", "when": {"any": [{"field": "amount", "op": "is_empty"}, {"expr": "category == 'x' &&\n  categry == 'y'"}]}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.any[1].expr", Line: 2, Column: 3}, rules.ErrUnknownVariable},
		{"type mismatch on a choice", `[{"name": "a", "when": {"expr": "priority > 3"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 10}, rules.ErrTypeMismatch},
		{"type mismatch structured", `[{"name": "a", "when": {"field": "priority", "op": "greater_than", "value": 3}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.op"}, rules.ErrTypeMismatch},
		{"not boolean", `[{"name": "a", "when": {"expr": "amount + 1"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr"}, rules.ErrTypeMismatch},
		{"unknown operator", `[{"name": "a", "when": {"field": "category", "op": "equal", "value": "x"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.op"}, rules.ErrUnknownOperator},
		{"bad regexp structured", `[{"name": "a", "when": {"field": "subject", "op": "matches", "value": "SN-[0-9"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.value"}, rules.ErrBadRegexp},
		{"bad regexp in expr", `[{"name": "a", "when": {"expr": "subject matches 'SN-[0-9'"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 9}, rules.ErrBadRegexp},
		{"expr syntax", `[{"name": "a", "when": {"expr": "amount >"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 8}, rules.ErrSyntax},
		{"reserved name", `[{"name": "a", "when": {"expr": "amount > 1 || $env.amount > 2"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 15}, rules.ErrUnknownVariable},
		{"helper name", `[{"name": "a", "when": {"expr": "$eq(category, 'x')"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 1}, rules.ErrUnknownVariable},
		{"clock builtin", `[{"name": "a", "when": {"expr": "now() > now()"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 1}, rules.ErrUnknownVariable},
		{"missing name", `[{"when": {"expr": "true"}}]`,
			nil, rules.CompileError{Index: 0, Path: "name"}, rules.ErrInvalidRule},
		{"duplicate name", `[` + ok + `,` + ok + `]`,
			nil, rules.CompileError{Rule: "ok", Index: 1, Path: "name"}, rules.ErrInvalidRule},
		{"missing when", `[{"name": "a"}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when"}, rules.ErrInvalidCondition},
		{"two shapes", `[{"name": "a", "when": {"field": "amount", "op": "is_empty", "expr": "true"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when"}, rules.ErrInvalidCondition},
		{"empty all", `[{"name": "a", "when": {"all": []}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.all"}, rules.ErrInvalidCondition},
		{"missing op", `[{"name": "a", "when": {"field": "amount"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.op"}, rules.ErrInvalidCondition},
		{"inactive rules are checked too", `[{"name": "a", "active": false, "when": {"field": "amont", "op": "is_empty"}}]`,
			nil, rules.CompileError{Rule: "a", Index: 0, Path: "when.field"}, rules.ErrUnknownVariable},
		{"expression too long", `[{"name": "a", "when": {"expr": "amount > 1 || amount > 2"}}]`,
			[]rules.Option{rules.WithMaxExprLen(10)}, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr"}, rules.ErrTooLarge},
		{"too many nodes", `[{"name": "a", "when": {"expr": "amount > 1 || amount > 2 || amount > 3"}}]`,
			[]rules.Option{rules.WithMaxNodes(5)}, rules.CompileError{Rule: "a", Index: 0, Path: "when.expr", Line: 1, Column: 26}, rules.ErrTooLarge},
		{"too deep", `[{"name": "a", "when": {"all": [{"any": [{"all": [{"field": "amount", "op": "is_empty"}]}]}]}}]`,
			[]rules.Option{rules.WithMaxDepth(2)}, rules.CompileError{Rule: "a", Index: 0, Path: "when.all[0].any[0].all[0]"}, rules.ErrTooLarge},
		{"too many conditions", `[{"name": "a", "when": {"any": [{"field": "amount", "op": "is_empty"}, {"field": "amount", "op": "is_empty"}]}}]`,
			[]rules.Option{rules.WithMaxConditions(2)}, rules.CompileError{Rule: "a", Index: 0, Path: "when.any[1]"}, rules.ErrTooLarge},
		{"list too long", `[{"name": "a", "when": {"field": "category", "op": "in", "value": ["a", "b", "c"]}}]`,
			[]rules.Option{rules.WithMaxListLen(2)}, rules.CompileError{Rule: "a", Index: 0, Path: "when.value"}, rules.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := rules.ParseJSON[updateAction]([]byte(tt.json))
			if err == nil {
				_, err = rules.Compile(vars, rs, tt.opts...)
			}
			var ce *rules.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *CompileError", err)
			}
			if diff := cmp.Diff(tt.want, *ce, cmpopts.IgnoreFields(rules.CompileError{}, "Err")); diff != "" {
				t.Errorf("CompileError mismatch (-want +got):\n%s\n(error: %v)", diff, err)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("got %v, want it to wrap %v", err, tt.is)
			}
			if !strings.HasPrefix(err.Error(), "rules: ") {
				t.Errorf("message %q lacks the package prefix", err)
			}
		})
	}
}

func TestCompileErrorSuggestsName(t *testing.T) {
	_, err := rules.Compile(rules.Vars{"category": rules.Text}, []rules.Rule[struct{}]{{Name: "a", When: rules.Condition{Field: "Categroy", Op: rules.IsEmpty}}})
	if err == nil || !strings.Contains(err.Error(), `did you mean "category"`) {
		t.Errorf("got %v, want a suggestion of category", err)
	}
}

func TestInvalidVars(t *testing.T) {
	for _, vars := range []rules.Vars{{"": rules.Text}, {"9lives": rules.Text}, {"a-b": rules.Text}, {"in": rules.Text}, {"$x": rules.Text}, {"ok": rules.Type(0)}, {"ok": rules.Type(99)}} {
		_, err := rules.Compile(vars, []rules.Rule[struct{}]{})
		if !errors.Is(err, rules.ErrInvalidVariable) {
			t.Errorf("Compile with %v: got %v, want ErrInvalidVariable", vars, err)
		}
	}
}

func TestChoices(t *testing.T) {
	vars := rules.Vars{"category": rules.Text, "tags": rules.TextList, "amount": rules.Number}
	opts := []rules.Option{
		rules.WithChoices("category", "Product defect", "Billing", "Shipping"),
		rules.WithChoices("tags", "vip", "press"),
	}
	good := []rules.Condition{
		{Field: "category", Op: rules.Equals, Value: "product DEFECT"},
		{Field: "category", Op: rules.NotIn, Value: []any{"Billing", "shipping"}},
		{Field: "tags", Op: rules.Equals, Value: "VIP"},
		{Field: "category", Op: rules.Contains, Value: "defe"}, // not a whole value: not checked
		{Expr: `category == "Billing" || category not in ["Shipping"]`},
		{Expr: `"Billing" != category && "vip" in tags`},
	}
	for _, c := range good {
		if _, err := rules.Compile(vars, []rules.Rule[struct{}]{{Name: "r", When: c}}, opts...); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := []struct {
		cond rules.Condition
		want rules.CompileError
	}{
		{rules.Condition{Field: "category", Op: rules.Equals, Value: "Product defct"}, rules.CompileError{Rule: "r", Path: "when.value"}},
		{rules.Condition{Field: "category", Op: rules.In, Value: []any{"Billing", "Shiping"}}, rules.CompileError{Rule: "r", Path: "when.value[1]"}},
		{rules.Condition{All: []rules.Condition{{Field: "amount", Op: rules.IsEmpty}, {Field: "tags", Op: rules.NotEquals, Value: "vipp"}}}, rules.CompileError{Rule: "r", Path: "when.all[1].value"}},
		{rules.Condition{Expr: `category == "billing"`}, rules.CompileError{Rule: "r", Path: "when.expr", Line: 1, Column: 13}},
		{rules.Condition{Expr: "amount > 1 ||\ncategory in [\"Billing\", \"Returns\"]"}, rules.CompileError{Rule: "r", Path: "when.expr", Line: 2, Column: 25}},
	}
	for _, tt := range bad {
		_, err := rules.Compile(vars, []rules.Rule[struct{}]{{Name: "r", When: tt.cond}}, opts...)
		var ce *rules.CompileError
		if !errors.As(err, &ce) || !errors.Is(err, rules.ErrBadValue) {
			t.Errorf("%+v: got %v, want a *CompileError wrapping ErrBadValue", tt.cond, err)
			continue
		}
		if diff := cmp.Diff(tt.want, *ce, cmpopts.IgnoreFields(rules.CompileError{}, "Err")); diff != "" {
			t.Errorf("%+v: (-want +got):\n%s", tt.cond, diff)
		}
	}
	_, err := rules.Compile(vars, []rules.Rule[struct{}]{}, rules.WithChoices("amount", "1"))
	if !errors.Is(err, rules.ErrInvalidVariable) {
		t.Errorf("choices on a number: got %v, want ErrInvalidVariable", err)
	}
	_, err = rules.Compile(vars, []rules.Rule[struct{}]{}, rules.WithChoices("nope", "1"))
	if !errors.Is(err, rules.ErrInvalidVariable) {
		t.Errorf("choices on an undeclared variable: got %v, want ErrInvalidVariable", err)
	}
}
