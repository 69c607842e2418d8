package rules

import (
	"encoding/json"
	"sort"
	"strconv"
)

// Op is a structured operator.
type Op string

// The structured operators. Text comparisons ignore case.
const (
	Equals      Op = "equals"
	NotEquals   Op = "not_equals"
	Contains    Op = "contains"
	NotContains Op = "not_contains"
	StartsWith  Op = "starts_with"
	In          Op = "in"
	NotIn       Op = "not_in"
	GreaterThan Op = "greater_than"
	LessThan    Op = "less_than"
	IsEmpty     Op = "is_empty"
	IsNotEmpty  Op = "is_not_empty"
	Matches     Op = "matches"
)

// Condition is a condition as data, in one of four shapes; exactly one
// must be used:
//
//   - a comparison: Field, Op and (for every operator except is_empty and
//     is_not_empty) Value;
//   - All: every sub-condition holds;
//   - Any: at least one sub-condition holds;
//   - Expr: a raw expr-lang expression that yields a bool.
//
// Value holds what JSON decoding yields: string, float64 (or any Go
// number), bool, or []any of those; a time is an RFC 3339 string (or a
// time.Time).
//
// In JSON and YAML a condition is an object with the keys field, op,
// value, all, any and expr; a bare string is a raw expression. Any other
// key is an error.
//
// A Condition is a value; it is safe for concurrent reads.
type Condition struct {
	Field string      `json:"field,omitempty" yaml:"field,omitempty"`
	Op    Op          `json:"op,omitempty" yaml:"op,omitempty"`
	Value any         `json:"value,omitempty" yaml:"value,omitempty"`
	All   []Condition `json:"all,omitempty" yaml:"all,omitempty"`
	Any   []Condition `json:"any,omitempty" yaml:"any,omitempty"`
	Expr  string      `json:"expr,omitempty" yaml:"expr,omitempty"`
}

// UnmarshalJSON decodes a condition, refusing unknown keys. Errors are
// *CompileError with Index -1 and the path inside the condition.
func (c *Condition) UnmarshalJSON(data []byte) error {
	tree, err := decodeJSONTree(data)
	if err != nil {
		return &CompileError{Index: -1, Err: err}
	}
	cond, err := conditionFromTree(tree, "")
	if err != nil {
		return err
	}
	*c = cond
	return nil
}

// pathError builds a load error at a path.
func pathError(path string, err error) *CompileError {
	return &CompileError{Index: -1, Path: path, Err: err}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindName names the kind of a decoded value for error messages.
func kindName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "value"
}

// conditionFromTree turns a decoded JSON or YAML value into a Condition.
func conditionFromTree(v any, path string) (Condition, error) {
	switch x := v.(type) {
	case string:
		return Condition{Expr: x}, nil
	case map[string]any:
		var c Condition
		for _, k := range sortedKeys(x) {
			val := x[k]
			p := join(path, k)
			switch k {
			case "field", "op", "expr":
				s, ok := val.(string)
				if !ok {
					return Condition{}, pathError(p, errorf(ErrSyntax, "want text, got %s", kindName(val)))
				}
				switch k {
				case "field":
					c.Field = s
				case "op":
					c.Op = Op(s)
				default:
					c.Expr = s
				}
			case "value":
				c.Value = plainValue(val)
			case "all", "any":
				list, ok := val.([]any)
				if !ok {
					return Condition{}, pathError(p, errorf(ErrSyntax, "want a list of conditions, got %s", kindName(val)))
				}
				subs := make([]Condition, len(list))
				for i, e := range list {
					sub, err := conditionFromTree(e, index(p, i))
					if err != nil {
						return Condition{}, err
					}
					subs[i] = sub
				}
				if k == "all" {
					c.All = subs
				} else {
					c.Any = subs
				}
			default:
				return Condition{}, pathError(p, ErrUnknownKey)
			}
		}
		return c, nil
	}
	return Condition{}, pathError(path, errorf(ErrSyntax, "want a condition object, got %s", kindName(v)))
}

// plainValue converts json.Number to float64 (a number that does not fit
// stays a json.Number and is refused at compile time).
func plainValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plainValue(e)
		}
		return out
	}
	return v
}
