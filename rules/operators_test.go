package rules_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/caseagent/caseagent/rules"
)

var testVars = rules.Vars{
	"category": rules.Text,
	"subject":  rules.Text,
	"to":       rules.TextList,
	"amount":   rules.Number,
	"vip":      rules.Bool,
	"created":  rules.Time,
}

var (
	jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jan2 = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
)

// holds compiles one rule with cond and evaluates it against vals.
func holds(t *testing.T, cond rules.Condition, vals map[string]any) (bool, error) {
	t.Helper()
	set, err := rules.Compile(testVars, []rules.Rule[struct{}]{{Name: "r", When: cond}})
	if err != nil {
		t.Fatalf("Compile(%+v): %v", cond, err)
	}
	v, err := testVars.ValuesOf(vals)
	if err != nil {
		t.Fatalf("ValuesOf(%v): %v", vals, err)
	}
	return set.Holds(0, v)
}

func cmpCond(field string, op rules.Op, value any) rules.Condition {
	return rules.Condition{Field: field, Op: op, Value: value}
}

func TestStructuredOperators(t *testing.T) {
	unset := map[string]any{}
	tests := []struct {
		name string
		cond rules.Condition
		vals map[string]any
		want bool
	}{
		// equals
		{"equals text ignores case", cmpCond("category", rules.Equals, "Product defect"), map[string]any{"category": "PRODUCT DEFECT"}, true},
		{"equals text differs", cmpCond("category", rules.Equals, "Product defect"), map[string]any{"category": "Billing"}, false},
		{"equals text unset", cmpCond("category", rules.Equals, "Product defect"), unset, false},
		{"equals text empty is unset", cmpCond("category", rules.Equals, "Product defect"), map[string]any{"category": ""}, false},
		{"equals text non-ASCII ignores case", cmpCond("subject", rules.Equals, "ÉTÉ"), map[string]any{"subject": "été"}, true},
		{"equals list any element", cmpCond("to", rules.Equals, "support@acme.example"), map[string]any{"to": []string{"a@b.example", "Support@ACME.example"}}, true},
		{"equals list no element", cmpCond("to", rules.Equals, "support@acme.example"), map[string]any{"to": []string{"a@b.example"}}, false},
		{"equals list unset", cmpCond("to", rules.Equals, "support@acme.example"), unset, false},
		{"equals number", cmpCond("amount", rules.Equals, 3), map[string]any{"amount": 3}, true},
		{"equals number float and int", cmpCond("amount", rules.Equals, 3.0), map[string]any{"amount": int64(3)}, true},
		{"equals number differs", cmpCond("amount", rules.Equals, 3), map[string]any{"amount": 4}, false},
		{"equals number unset", cmpCond("amount", rules.Equals, 0), unset, false},
		{"equals bool", cmpCond("vip", rules.Equals, true), map[string]any{"vip": true}, true},
		{"equals bool differs", cmpCond("vip", rules.Equals, true), map[string]any{"vip": false}, false},
		{"equals bool unset", cmpCond("vip", rules.Equals, false), unset, false},
		{"equals time same instant", cmpCond("created", rules.Equals, "2026-01-01T01:00:00+01:00"), map[string]any{"created": jan1}, true},
		{"equals time unset", cmpCond("created", rules.Equals, "2026-01-01T00:00:00Z"), unset, false},
		// not_equals
		{"not_equals text differs", cmpCond("category", rules.NotEquals, "Billing"), map[string]any{"category": "Shipping"}, true},
		{"not_equals text same ignoring case", cmpCond("category", rules.NotEquals, "Billing"), map[string]any{"category": "billing"}, false},
		{"not_equals text unset", cmpCond("category", rules.NotEquals, "Billing"), unset, true},
		{"not_equals list no element", cmpCond("to", rules.NotEquals, "x@y.example"), map[string]any{"to": []string{"a@b.example"}}, true},
		{"not_equals list an element", cmpCond("to", rules.NotEquals, "x@y.example"), map[string]any{"to": []string{"a@b.example", "X@Y.example"}}, false},
		{"not_equals number unset", cmpCond("amount", rules.NotEquals, 3), unset, true},
		{"not_equals bool", cmpCond("vip", rules.NotEquals, true), map[string]any{"vip": false}, true},
		{"not_equals time unset", cmpCond("created", rules.NotEquals, "2026-01-01T00:00:00Z"), unset, true},
		// contains
		{"contains text ignores case", cmpCond("subject", rules.Contains, "Reboot"), map[string]any{"subject": "Router REBOOTS often"}, true},
		{"contains text absent", cmpCond("subject", rules.Contains, "reboot"), map[string]any{"subject": "Invoice"}, false},
		{"contains text unset", cmpCond("subject", rules.Contains, "reboot"), unset, false},
		{"contains text non-ASCII", cmpCond("subject", rules.Contains, "straße"), map[string]any{"subject": "Lieferung STRAßE 5"}, true},
		{"contains list any element", cmpCond("to", rules.Contains, "support@acme-home.example"), map[string]any{"to": []any{"Ana <ana@example.org>", "SUPPORT@acme-home.example"}}, true},
		{"contains list single text", cmpCond("to", rules.Contains, "support@"), map[string]any{"to": "support@acme-home.example"}, true},
		{"contains list no element", cmpCond("to", rules.Contains, "support@"), map[string]any{"to": []string{"sales@acme.example"}}, false},
		{"contains list unset", cmpCond("to", rules.Contains, "support@"), unset, false},
		// not_contains
		{"not_contains absent", cmpCond("subject", rules.NotContains, "refund"), map[string]any{"subject": "Router reboots"}, true},
		{"not_contains present", cmpCond("subject", rules.NotContains, "refund"), map[string]any{"subject": "REFUND please"}, false},
		{"not_contains unset", cmpCond("subject", rules.NotContains, "refund"), unset, true},
		{"not_contains list an element", cmpCond("to", rules.NotContains, "support@"), map[string]any{"to": []string{"x@y", "support@z"}}, false},
		// starts_with
		{"starts_with ignores case", cmpCond("subject", rules.StartsWith, "re:"), map[string]any{"subject": "RE: your order"}, true},
		{"starts_with not at start", cmpCond("subject", rules.StartsWith, "order"), map[string]any{"subject": "RE: your order"}, false},
		{"starts_with longer than text", cmpCond("subject", rules.StartsWith, "RE: your order 42"), map[string]any{"subject": "RE:"}, false},
		{"starts_with unset", cmpCond("subject", rules.StartsWith, "re:"), unset, false},
		{"starts_with non-ASCII", cmpCond("subject", rules.StartsWith, "Ärger"), map[string]any{"subject": "ärger mit dem Router"}, true},
		{"starts_with list", cmpCond("to", rules.StartsWith, "support@"), map[string]any{"to": []string{"a@b", "Support@c"}}, true},
		// matches
		{"matches ignores case", cmpCond("subject", rules.Matches, `\bsn-[a-z0-9]{8}\b`), map[string]any{"subject": "serial SN-4K2P9Q7Z"}, true},
		{"matches no match", cmpCond("subject", rules.Matches, `^order \d+$`), map[string]any{"subject": "order x"}, false},
		{"matches unset", cmpCond("subject", rules.Matches, `.*`), unset, false},
		{"matches empty text is unset", cmpCond("subject", rules.Matches, `.*`), map[string]any{"subject": ""}, false},
		{"matches list", cmpCond("to", rules.Matches, `@acme\.example$`), map[string]any{"to": []string{"a@b.example", "x@ACME.example"}}, true},
		// in
		{"in text ignores case", cmpCond("category", rules.In, []any{"Shipping", "Returns"}), map[string]any{"category": "RETURNS"}, true},
		{"in text absent", cmpCond("category", rules.In, []any{"Shipping", "Returns"}), map[string]any{"category": "Billing"}, false},
		{"in text unset", cmpCond("category", rules.In, []any{"Shipping", "Returns"}), unset, false},
		{"in text long value", cmpCond("subject", rules.In, []string{"a very long subject line that is longer than sixty four bytes in total, surely"}), map[string]any{"subject": "A VERY long subject line that is longer than sixty four bytes in total, surely"}, true},
		{"in text non-ASCII", cmpCond("category", rules.In, []any{"Größe"}), map[string]any{"category": "GRÖSSE"}, false},
		{"in text non-ASCII same letters", cmpCond("category", rules.In, []any{"Größe"}), map[string]any{"category": "GRÖßE"}, true},
		{"in list any element", cmpCond("to", rules.In, []any{"support@acme.example"}), map[string]any{"to": []string{"x@y", "SUPPORT@acme.example"}}, true},
		{"in number", cmpCond("amount", rules.In, []any{1.0, 2.0}), map[string]any{"amount": 2}, true},
		{"in number absent", cmpCond("amount", rules.In, []any{1.0, 2.0}), map[string]any{"amount": 3}, false},
		{"in number unset", cmpCond("amount", rules.In, []any{1.0, 2.0}), unset, false},
		// not_in
		{"not_in absent", cmpCond("category", rules.NotIn, []any{"Shipping", "Returns"}), map[string]any{"category": "Billing"}, true},
		{"not_in present", cmpCond("category", rules.NotIn, []any{"Shipping", "Returns"}), map[string]any{"category": "shipping"}, false},
		{"not_in unset", cmpCond("category", rules.NotIn, []any{"Shipping"}), unset, true},
		{"not_in number unset", cmpCond("amount", rules.NotIn, []any{1}), unset, true},
		// greater_than, less_than
		{"greater_than number", cmpCond("amount", rules.GreaterThan, 100), map[string]any{"amount": 100.5}, true},
		{"greater_than number equal", cmpCond("amount", rules.GreaterThan, 100), map[string]any{"amount": 100}, false},
		{"greater_than number unset", cmpCond("amount", rules.GreaterThan, -1), unset, false},
		{"greater_than time", cmpCond("created", rules.GreaterThan, "2026-01-01T00:00:00Z"), map[string]any{"created": jan2}, true},
		{"greater_than time before", cmpCond("created", rules.GreaterThan, "2026-01-02T00:00:00Z"), map[string]any{"created": jan1}, false},
		{"greater_than time unset", cmpCond("created", rules.GreaterThan, "2000-01-01T00:00:00Z"), unset, false},
		{"less_than number", cmpCond("amount", rules.LessThan, 0), map[string]any{"amount": -2}, true},
		{"less_than number greater", cmpCond("amount", rules.LessThan, 0), map[string]any{"amount": 2}, false},
		{"less_than number unset", cmpCond("amount", rules.LessThan, 1e9), unset, false},
		{"less_than time", cmpCond("created", rules.LessThan, "2026-01-02T00:00:00Z"), map[string]any{"created": jan1}, true},
		{"less_than time unset", cmpCond("created", rules.LessThan, "2100-01-01T00:00:00Z"), unset, false},
		// is_empty, is_not_empty
		{"is_empty text unset", cmpCond("subject", rules.IsEmpty, nil), unset, true},
		{"is_empty text empty", cmpCond("subject", rules.IsEmpty, nil), map[string]any{"subject": ""}, true},
		{"is_empty text blank", cmpCond("subject", rules.IsEmpty, nil), map[string]any{"subject": " \t\n"}, true},
		{"is_empty text set", cmpCond("subject", rules.IsEmpty, nil), map[string]any{"subject": "x"}, false},
		{"is_empty list empty", cmpCond("to", rules.IsEmpty, nil), map[string]any{"to": []string{}}, true},
		{"is_empty list of blanks", cmpCond("to", rules.IsEmpty, nil), map[string]any{"to": []string{"", " "}}, true},
		{"is_empty list set", cmpCond("to", rules.IsEmpty, nil), map[string]any{"to": []string{"", "a@b"}}, false},
		{"is_empty number zero is a value", cmpCond("amount", rules.IsEmpty, nil), map[string]any{"amount": 0}, false},
		{"is_empty number unset", cmpCond("amount", rules.IsEmpty, nil), unset, true},
		{"is_empty bool false is a value", cmpCond("vip", rules.IsEmpty, nil), map[string]any{"vip": false}, false},
		{"is_empty time zero", cmpCond("created", rules.IsEmpty, nil), map[string]any{"created": time.Time{}}, true},
		{"is_empty time set", cmpCond("created", rules.IsEmpty, nil), map[string]any{"created": jan1}, false},
		{"is_not_empty text set", cmpCond("subject", rules.IsNotEmpty, nil), map[string]any{"subject": "x"}, true},
		{"is_not_empty text unset", cmpCond("subject", rules.IsNotEmpty, nil), unset, false},
		{"is_not_empty bool set", cmpCond("vip", rules.IsNotEmpty, nil), map[string]any{"vip": false}, true},
		// all, any
		{"all both", rules.Condition{All: []rules.Condition{cmpCond("category", rules.Equals, "a"), cmpCond("vip", rules.Equals, true)}}, map[string]any{"category": "A", "vip": true}, true},
		{"all one", rules.Condition{All: []rules.Condition{cmpCond("category", rules.Equals, "a"), cmpCond("vip", rules.Equals, true)}}, map[string]any{"category": "A"}, false},
		{"any one", rules.Condition{Any: []rules.Condition{cmpCond("category", rules.Equals, "a"), cmpCond("vip", rules.Equals, true)}}, map[string]any{"vip": true}, true},
		{"any none", rules.Condition{Any: []rules.Condition{cmpCond("category", rules.Equals, "a"), cmpCond("vip", rules.Equals, true)}}, unset, false},
		{"all with expr", rules.Condition{All: []rules.Condition{cmpCond("category", rules.Equals, "a"), {Expr: "amount >= 10 // comment"}}}, map[string]any{"category": "a", "amount": 10}, true},
		{"any with let expr", rules.Condition{Any: []rules.Condition{{Expr: "let x = amount * 2; x > 10"}, cmpCond("vip", rules.Equals, true)}}, map[string]any{"amount": 6}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := holds(t, tt.cond, tt.vals)
			if err != nil {
				t.Fatalf("Holds: %v", err)
			}
			if got != tt.want {
				t.Errorf("Holds(%+v, %v) = %v, want %v", tt.cond, tt.vals, got, tt.want)
			}
		})
	}
}

func TestRawExpressions(t *testing.T) {
	unset := map[string]any{}
	tests := []struct {
		expr string
		vals map[string]any
		want bool
	}{
		{`category == "Billing"`, map[string]any{"category": "Billing"}, true},
		{`category == "billing"`, map[string]any{"category": "Billing"}, false}, // expr is case-sensitive
		{`category == "Billing"`, unset, false},
		{`category != "Billing"`, unset, true},
		{`category == ""`, map[string]any{"category": ""}, true},
		{`category == ""`, unset, false},
		{`category in ["Shipping", "Returns"]`, map[string]any{"category": "Returns"}, true},
		{`category in ["Shipping", "Returns"]`, unset, false},
		{`category not in ["Shipping", "Returns"]`, unset, true},
		{`"a@b" in to`, map[string]any{"to": []string{"x", "a@b"}}, true},
		{`"a@b" in to`, unset, false},
		{`amount > 3`, map[string]any{"amount": 4}, true},
		{`amount > 3`, unset, false},
		{`amount < 3`, unset, false},
		{`amount >= 3`, unset, false},
		{`amount <= 3`, unset, false},
		{`not (amount > 3)`, unset, true},
		{`3 < amount`, unset, false},
		{`created > created`, unset, false},
		{`subject contains "Router"`, map[string]any{"subject": "My Router"}, true},
		{`subject contains "x"`, unset, false},
		{`not (subject contains "x")`, unset, true},
		{`subject startsWith "Re"`, map[string]any{"subject": "Re: x"}, true},
		{`subject startsWith "Re"`, unset, false},
		{`subject endsWith "x"`, unset, false},
		{`subject matches "^Re:"`, map[string]any{"subject": "Re: x"}, true},
		{`subject matches "^Re:"`, unset, false},
		{`vip`, map[string]any{"vip": true}, true},
		{`vip == true`, unset, false},
		{`any(to, # endsWith "@acme.example")`, map[string]any{"to": []string{"a@b", "s@acme.example"}}, true},
		{`len(to) == 2 && upper(category) == "X"`, map[string]any{"to": []string{"a", "b"}, "category": "x"}, true},
		{`created < created + duration("1h")`, map[string]any{"created": jan1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := holds(t, rules.Condition{Expr: tt.expr}, tt.vals)
			if err != nil {
				t.Fatalf("Holds: %v", err)
			}
			if got != tt.want {
				t.Errorf("Holds(%q, %v) = %v, want %v", tt.expr, tt.vals, got, tt.want)
			}
		})
	}
}

func TestRawRuntimeFailure(t *testing.T) {
	for _, expr := range []string{`amount + 1 > 2`, `len(subject) > 0`, `all(to, # == "a")`} {
		_, err := holds(t, rules.Condition{Expr: expr}, map[string]any{})
		var re *rules.RuntimeError
		if !errors.As(err, &re) || !errors.Is(err, rules.ErrRuntime) || re.Rule != "r" || re.Index != 0 {
			t.Errorf("%s on unset values: got %v, want a *RuntimeError for rule r wrapping ErrRuntime", expr, err)
		}
	}
}

// TestMistypedConditionValues checks that a condition value of the wrong
// type for its variable or operator is refused at compile time.
func TestMistypedConditionValues(t *testing.T) {
	tests := []struct {
		name string
		cond rules.Condition
		path string
		want error
	}{
		{"number for text", cmpCond("category", rules.Equals, 3), "when.value", rules.ErrTypeMismatch},
		{"text for number", cmpCond("amount", rules.Equals, "3"), "when.value", rules.ErrTypeMismatch},
		{"text for bool", cmpCond("vip", rules.Equals, "true"), "when.value", rules.ErrTypeMismatch},
		{"number for time", cmpCond("created", rules.Equals, 3), "when.value", rules.ErrTypeMismatch},
		{"bad time", cmpCond("created", rules.GreaterThan, "yesterday"), "when.value", rules.ErrBadValue},
		{"list for equals", cmpCond("category", rules.Equals, []any{"a"}), "when.value", rules.ErrTypeMismatch},
		{"text for in", cmpCond("category", rules.In, "a"), "when.value", rules.ErrTypeMismatch},
		{"number in text list", cmpCond("category", rules.In, []any{"a", 2.0}), "when.value[1]", rules.ErrTypeMismatch},
		{"text in number list", cmpCond("amount", rules.NotIn, []any{1.0, "2"}), "when.value[1]", rules.ErrTypeMismatch},
		{"empty list", cmpCond("category", rules.In, []any{}), "when.value", rules.ErrBadValue},
		{"empty text", cmpCond("category", rules.Equals, " "), "when.value", rules.ErrBadValue},
		{"empty contains", cmpCond("subject", rules.Contains, ""), "when.value", rules.ErrBadValue},
		{"missing value", cmpCond("subject", rules.StartsWith, nil), "when.value", rules.ErrBadValue},
		{"value for is_empty", cmpCond("subject", rules.IsEmpty, "x"), "when.value", rules.ErrBadValue},
		{"infinite number", cmpCond("amount", rules.LessThan, math.Inf(1)), "when.value", rules.ErrBadValue},
		{"greater_than on text", cmpCond("category", rules.GreaterThan, 3), "when.op", rules.ErrTypeMismatch},
		{"contains on number", cmpCond("amount", rules.Contains, "3"), "when.op", rules.ErrTypeMismatch},
		{"in on bool", cmpCond("vip", rules.In, []any{true}), "when.op", rules.ErrTypeMismatch},
		{"less_than on list", cmpCond("to", rules.LessThan, "a"), "when.op", rules.ErrTypeMismatch},
		{"regexp not text", cmpCond("subject", rules.Matches, 3), "when.value", rules.ErrTypeMismatch},
		{"bad regexp", cmpCond("subject", rules.Matches, "(("), "when.value", rules.ErrBadRegexp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Compile(testVars, []rules.Rule[struct{}]{{Name: "r", When: tt.cond}})
			var ce *rules.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile: got %v, want a *CompileError", err)
			}
			if ce.Path != tt.path || ce.Rule != "r" || ce.Index != 0 || !errors.Is(err, tt.want) {
				t.Errorf("Compile: got Rule %q Index %d Path %q Err %v; want r 0 %q %v", ce.Rule, ce.Index, ce.Path, ce.Err, tt.path, tt.want)
			}
		})
	}
}

// TestMistypedValues checks that Values refuses values of the wrong type
// and leaves the values unchanged.
func TestMistypedValues(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  error
	}{
		{"category", 3, rules.ErrTypeMismatch},
		{"category", []string{"a"}, rules.ErrTypeMismatch},
		{"amount", "12", rules.ErrTypeMismatch},
		{"amount", math.NaN(), rules.ErrBadValue},
		{"vip", "true", rules.ErrTypeMismatch},
		{"to", []any{"a", 1}, rules.ErrTypeMismatch},
		{"to", 3, rules.ErrTypeMismatch},
		{"created", "2026-01-01T00:00:00Z", rules.ErrTypeMismatch},
		{"categry", "x", rules.ErrUnknownVariable},
	}
	for _, tt := range tests {
		v := testVars.NewValues()
		err := v.Set(tt.name, tt.value)
		if !errors.Is(err, tt.want) {
			t.Errorf("Set(%q, %#v) = %v, want %v", tt.name, tt.value, err, tt.want)
		}
		if _, ok := v.Get(tt.name); ok {
			t.Errorf("Set(%q, %#v) failed but left a value", tt.name, tt.value)
		}
	}
}

type status string

type count uint16

func TestValuesNormalise(t *testing.T) {
	v := testVars.NewValues()
	if err := v.Set("category", status("Open")); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Get("category"); got != "Open" {
		t.Errorf("named string stored as %#v", got)
	}
	if err := v.Set("amount", count(3)); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Get("amount"); got != 3.0 {
		t.Errorf("named number stored as %#v", got)
	}
	in := []string{"a"}
	for name, value := range map[string]any{"amount": uint8(7), "to": in, "subject": "s"} {
		if err := v.Set(name, value); err != nil {
			t.Fatal(err)
		}
	}
	in[0] = "changed"
	if got, _ := v.Get("amount"); got != 7.0 {
		t.Errorf("amount = %#v, want float64 7", got)
	}
	if got, _ := v.Get("to"); got.([]string)[0] != "a" {
		t.Errorf("to = %v: Set did not copy the list", got)
	}
	if err := v.Set("subject", nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Get("subject"); ok {
		t.Error("Set(nil) did not unset")
	}
	v.Unset("amount")
	if _, ok := v.Get("amount"); ok {
		t.Error("Unset did not unset")
	}
}
