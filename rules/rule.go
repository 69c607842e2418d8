package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rule is a name, a condition and what the caller does when it holds.
// The package never looks inside Action: update rules may carry the
// fields to predict, intake rules the fields to set, and so on. A is
// usually a struct with json tags.
//
// In JSON and YAML a rule is one object: the keys name, when and active
// (optional, default true) belong to the rule, every other key belongs to
// Action, decoded as JSON into A with unknown fields refused:
//
//	{"name": "defect details",
//	 "when": {"field": "category", "op": "equals", "value": "Product defect"},
//	 "predict": ["product", "priority"]}
//
// With A = struct{} a rule carries no action and any extra key is an
// error; with A = map[string]any it takes any keys.
//
// A Rule is a value; it is safe for concurrent reads.
type Rule[A any] struct {
	Name     string
	When     Condition
	Inactive bool // set by "active": false; an inactive rule never matches
	Action   A
}

// ParseJSON decodes a JSON array of rules. Unknown keys, and keys holding
// the wrong kind of value, are *CompileError naming the rule index and
// the path inside the rule. It does not compile the conditions; see
// [Compile].
func ParseJSON[A any](data []byte) ([]Rule[A], error) {
	tree, err := decodeJSONTree(data)
	if err != nil {
		return nil, &CompileError{Index: -1, Err: err}
	}
	return rulesFromTree[A](tree)
}

// ParseYAML decodes a YAML sequence of rules, with the same keys and
// errors as ParseJSON.
func ParseYAML[A any](data []byte) ([]Rule[A], error) {
	tree, err := decodeYAMLTree(data)
	if err != nil {
		return nil, &CompileError{Index: -1, Err: err}
	}
	return rulesFromTree[A](tree)
}

// UnmarshalJSON decodes one rule, for rules embedded in a larger document.
// Errors are *CompileError with Index -1.
func (r *Rule[A]) UnmarshalJSON(data []byte) error {
	tree, err := decodeJSONTree(data)
	if err != nil {
		return &CompileError{Index: -1, Err: err}
	}
	rule, err := ruleFromTree[A](tree)
	if err != nil {
		return err
	}
	*r = rule
	return nil
}

// UnmarshalYAML decodes one rule from YAML.
func (r *Rule[A]) UnmarshalYAML(node *yaml.Node) error {
	var v any
	if err := node.Decode(&v); err != nil {
		return &CompileError{Index: -1, Err: wrapCause(ErrSyntax, err)}
	}
	tree, err := yamlToTree(v, "")
	if err != nil {
		return &CompileError{Index: -1, Err: err}
	}
	rule, err := ruleFromTree[A](tree)
	if err != nil {
		return err
	}
	*r = rule
	return nil
}

// UnmarshalYAML decodes one condition from YAML.
func (c *Condition) UnmarshalYAML(node *yaml.Node) error {
	var v any
	if err := node.Decode(&v); err != nil {
		return &CompileError{Index: -1, Err: wrapCause(ErrSyntax, err)}
	}
	tree, err := yamlToTree(v, "")
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

// MarshalJSON writes the rule in the form ParseJSON reads: the action's
// keys beside name, when and (for an inactive rule) active.
func (r Rule[A]) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	action, err := json.Marshal(r.Action)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(action, []byte("null")) && !bytes.Equal(action, []byte("{}")) {
		if err := json.Unmarshal(action, &out); err != nil {
			return nil, fmt.Errorf("rules: rule %q: action is not a JSON object: %w", r.Name, err)
		}
	}
	out["name"] = r.Name
	out["when"] = r.When
	if r.Inactive {
		out["active"] = false
	}
	return json.Marshal(out)
}

func decodeJSONTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, wrapCause(ErrSyntax, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf(ErrSyntax, "data after the JSON value")
	}
	return v, nil
}

func decodeYAMLTree(data []byte) (tree any, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree, err = nil, errorf(ErrSyntax, "YAML decoder failed: %v", r)
		}
	}()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, wrapCause(ErrSyntax, err)
	}
	return yamlToTree(v, "")
}

// yamlToTree converts what yaml.v3 decodes into the shapes JSON decoding
// yields: maps with text keys, []any, and scalars.
func yamlToTree(v any, path string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			t, err := yamlToTree(e, join(path, k))
			if err != nil {
				return nil, err
			}
			out[k] = t
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, errorf(ErrSyntax, "%s: key %v is not text", path, k)
			}
			t, err := yamlToTree(e, join(path, ks))
			if err != nil {
				return nil, err
			}
			out[ks] = t
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			t, err := yamlToTree(e, index(path, i))
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	}
	return v, nil
}

func rulesFromTree[A any](tree any) ([]Rule[A], error) {
	list, ok := tree.([]any)
	if !ok {
		return nil, &CompileError{Index: -1, Err: errorf(ErrSyntax, "want a list of rules, got %s", kindName(tree))}
	}
	out := make([]Rule[A], len(list))
	for i, e := range list {
		r, err := ruleFromTree[A](e)
		if err != nil {
			var ce *CompileError
			if errors.As(err, &ce) {
				ce.Index = i
			}
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// ruleFromTree decodes one rule; a *CompileError names the rule when the
// name itself could be read.
func ruleFromTree[A any](tree any) (Rule[A], error) {
	r, err := ruleFromTreeUnnamed[A](tree)
	var ce *CompileError
	if errors.As(err, &ce) {
		if m, ok := tree.(map[string]any); ok {
			if name, ok := m["name"].(string); ok {
				ce.Rule = name
			}
		}
	}
	return r, err
}

func ruleFromTreeUnnamed[A any](tree any) (Rule[A], error) {
	var r Rule[A]
	m, ok := tree.(map[string]any)
	if !ok {
		return r, pathError("", errorf(ErrSyntax, "want a rule object, got %s", kindName(tree)))
	}
	rest := map[string]any{}
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "name":
			s, ok := v.(string)
			if !ok {
				return r, pathError(k, errorf(ErrSyntax, "want text, got %s", kindName(v)))
			}
			r.Name = s
		case "active":
			b, ok := v.(bool)
			if !ok {
				return r, pathError(k, errorf(ErrSyntax, "want true or false, got %s", kindName(v)))
			}
			r.Inactive = !b
		case "when":
			c, err := conditionFromTree(v, "when")
			if err != nil {
				return r, err
			}
			r.When = c
		default:
			rest[k] = v
		}
	}
	if len(rest) == 0 {
		return r, nil
	}
	data, err := json.Marshal(rest)
	if err != nil {
		return r, pathError("", wrapCause(ErrSyntax, err))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.Action); err != nil {
		return r, actionError(err, rest)
	}
	return r, nil
}

// actionError turns an error from decoding the action into a
// *CompileError with as precise a path as encoding/json allows.
func actionError(err error, rest map[string]any) error {
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		name = strings.TrimSuffix(name, `"`)
		if _, top := rest[name]; top {
			return pathError(name, ErrUnknownKey)
		}
		return pathError("", errorf(ErrUnknownKey, "%q", name))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return pathError(te.Field, errorf(ErrSyntax, "want %v, got %s", te.Type, te.Value))
	}
	return pathError("", wrapCause(ErrSyntax, err))
}
