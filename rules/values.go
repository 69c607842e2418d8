package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"time"
)

// Type is the type of a declared variable.
type Type uint8

// The variable types. A choice or lookup field of a case schema is
// declared as Text: its values are option values, compared as text, and
// `priority > 3` on it is a type mismatch.
const (
	Text     Type = iota + 1 // a string
	Number                   // a float64; integers and currency amounts too
	Bool                     // a bool
	TextList                 // a []string, such as the recipients of an email
	Time                     // a time.Time
)

func (t Type) String() string {
	switch t {
	case Text:
		return "text"
	case Number:
		return "number"
	case Bool:
		return "bool"
	case TextList:
		return "list of text"
	case Time:
		return "time"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// sample returns a value of the Go type that represents t, used to declare
// the variable to expr's type checker.
func (t Type) sample() any {
	switch t {
	case Text:
		return ""
	case Number:
		return float64(0)
	case Bool:
		return false
	case TextList:
		return []string{}
	case Time:
		return time.Time{}
	}
	return nil
}

// Vars declares the variables conditions may use: name to type. Names are
// identifiers: a letter or underscore, then letters, digits or
// underscores, and not an expr keyword (true, false, nil, in, not, and,
// or, matches, contains, startsWith, endsWith, let, if, else).
//
// A Vars must not be modified while a [Set] compiled from it or a
// [Values] made from it is in use; reading it concurrently is safe.
type Vars map[string]Type

var keywords = map[string]bool{
	"true": true, "false": true, "nil": true, "in": true, "not": true,
	"and": true, "or": true, "matches": true, "contains": true,
	"startsWith": true, "endsWith": true, "let": true, "if": true, "else": true,
}

func validName(name string) bool {
	if name == "" || keywords[name] {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Validate reports the first bad declaration, in name order, as an error
// wrapping ErrInvalidVariable.
func (vs Vars) Validate() error {
	names := make([]string, 0, len(vs))
	for n := range vs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !validName(n) {
			return errorf(ErrInvalidVariable, "%q is not a valid variable name", n)
		}
		if t := vs[n]; t < Text || t > Time {
			return errorf(ErrInvalidVariable, "%q has unknown type %v", n, t)
		}
	}
	return nil
}

// NewValues returns an empty set of values for these variables: every
// variable is unset.
func (vs Vars) NewValues() *Values {
	return &Values{vars: vs, env: make(map[string]any, len(vs))}
}

// ValuesOf is NewValues followed by Set for every entry of m. It stops at
// the first error.
func (vs Vars) ValuesOf(m map[string]any) (*Values, error) {
	v := vs.NewValues()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := v.Set(n, m[n]); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Values holds the values of declared variables for one evaluation: the
// facts of one case or one email. A variable that was never set, or was
// set to nil, is unset. Values are checked and normalised when set, so a
// match never meets a value of the wrong type.
//
// A Values is not safe for concurrent modification; once filled, any
// number of goroutines may match against it at the same time.
type Values struct {
	vars Vars
	env  map[string]any // the set variables, as expr sees them
}

// Set sets the value of a declared variable. nil unsets it. Accepted Go
// values per type:
//
//   - Text: string, or any type whose underlying type is string.
//   - Number: any Go integer or float type (named ones too), or
//     json.Number; stored as float64. NaN and infinities are refused.
//   - Bool: bool, or a named bool type.
//   - TextList: []string or []any holding strings (copied), or a single
//     string, which becomes a list of one.
//   - Time: time.Time.
//
// An undeclared name wraps ErrUnknownVariable; a value of another type
// wraps ErrTypeMismatch; a non-finite number wraps ErrBadValue. On error
// the values are unchanged.
func (v *Values) Set(name string, value any) error {
	t, ok := v.vars[name]
	if !ok {
		return errorf(ErrUnknownVariable, "%q is not declared", name)
	}
	if value == nil {
		delete(v.env, name)
		return nil
	}
	nv, err := normalise(t, value)
	if err != nil {
		return fmt.Errorf("rules: variable %q: %w", name, err)
	}
	v.env[name] = nv
	return nil
}

// Unset removes the value of a variable.
func (v *Values) Unset(name string) {
	if _, ok := v.vars[name]; ok {
		delete(v.env, name)
	}
}

// Get returns the normalised value of a variable and whether it is set.
func (v *Values) Get(name string) (any, bool) {
	if _, ok := v.vars[name]; !ok {
		return nil, false
	}
	x, ok := v.env[name]
	return x, ok
}

func normalise(t Type, value any) (any, error) {
	switch t {
	case Text:
		if s, ok := value.(string); ok {
			return s, nil
		}
	case Number:
		if f, ok := toFloat(value); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, errorf(ErrBadValue, "%v is not a finite number", f)
			}
			return f, nil
		}
	case Bool:
		if b, ok := value.(bool); ok {
			return b, nil
		}
	case TextList:
		switch x := value.(type) {
		case string:
			return []string{x}, nil
		case []string:
			return slices.Clone(x), nil
		case []any:
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, errorf(ErrTypeMismatch, "element %d is %T, want text", i, e)
				}
				out[i] = s
			}
			return out, nil
		}
	case Time:
		if tm, ok := value.(time.Time); ok {
			return tm, nil
		}
	}
	// named types, such as a caller's `type Status string`
	rv := reflect.ValueOf(value)
	switch {
	case t == Text && rv.Kind() == reflect.String:
		return rv.String(), nil
	case t == Bool && rv.Kind() == reflect.Bool:
		return rv.Bool(), nil
	case t == Number && rv.CanInt():
		return float64(rv.Int()), nil
	case t == Number && rv.CanUint():
		return float64(rv.Uint()), nil
	case t == Number && rv.CanFloat():
		if f := rv.Float(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, nil
		}
		return nil, errorf(ErrBadValue, "%v is not a finite number", rv.Float())
	}
	return nil, errorf(ErrTypeMismatch, "%T is not a %v value", value, t)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}
