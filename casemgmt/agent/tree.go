package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A configuration is read in two steps: the document becomes a tree of
// plain values (map[string]any, []any, string, bool, json.Number, nil),
// whose shape is checked against the Go types with paths, and only then is
// it decoded. Both JSON and YAML become the same tree.

// maxDepth bounds the nesting of a configuration document.
const maxDepth = 64

func decodeTree(data []byte) (any, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	trimmed = bytes.TrimPrefix(trimmed, []byte("\ufeff"))
	if len(trimmed) == 0 {
		return nil, errors.New("empty document")
	}
	if trimmed[0] == '{' {
		return decodeJSONTree(trimmed)
	}
	return decodeYAMLTree(data)
}

func decodeJSONTree(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := jsonValue(dec, 0)
	if err != nil {
		return nil, jsonPos(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, jsonPos(data, dec, errors.New("text after the end of the document"))
	}
	return v, nil
}

func jsonPos(data []byte, dec *json.Decoder, err error) error {
	off := min(int(dec.InputOffset()), len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Errorf("line %d: %v", line, err)
}

func jsonValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("duplicate key %q", truncate(k, 80))
				}
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			s := []any{}
			for dec.More() {
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				s = append(s, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return s, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil // string, bool, json.Number or nil
	}
}

func decodeYAMLTree(data []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 {
		return nil, errors.New("empty document")
	}
	return yamlValue(&doc, 0)
}

func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nested too deeply")
	}
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		return nil, fmt.Errorf("line %d: anchors and aliases are not supported", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, errors.New("expected one document")
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn := n.Content[i]
			if kn.Kind != yaml.ScalarNode || kn.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: keys must be plain text", kn.Line)
			}
			if _, dup := m[kn.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", kn.Line, truncate(kn.Value, 80))
			}
			v, err := yamlValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[kn.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, fmt.Errorf("line %d: %v", n.Line, err)
			}
			return b, nil
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return nil, fmt.Errorf("line %d: %q is not a 64-bit integer", n.Line, truncate(n.Value, 40))
			}
			return json.Number(strconv.FormatInt(i, 10)), nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("line %d: %q is not a finite number", n.Line, truncate(n.Value, 40))
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML", n.Line)
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	durationType   = reflect.TypeFor[Duration]()
	timeType       = reflect.TypeFor[time.Time]()
	configType     = reflect.TypeFor[Config]()
)

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields returns the JSON keys of a struct type and their types,
// following embedded structs.
func jsonFields(t reflect.Type, out map[string]reflect.Type) map[string]reflect.Type {
	if out == nil {
		out = map[string]reflect.Type{}
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" {
			jsonFields(f.Type, out)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// checkShape reports where the tree v does not fit type t.
func checkShape(ps *problems, v any, t reflect.Type, path string) {
	if v == nil || t == rawMessageType {
		return
	}
	switch t {
	case durationType:
		s, ok := v.(string)
		if !ok {
			ps.add(path, `must be a duration such as "48h"`)
		} else if _, err := ParseDuration(s); err != nil {
			ps.add(path, err.Error())
		}
		return
	case timeType:
		s, ok := v.(string)
		if !ok {
			ps.add(path, "must be a time (RFC 3339)")
		} else if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			ps.add(path, fmt.Sprintf("%q is not a time (RFC 3339)", truncate(s, 40)))
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkShape(ps, v, t.Elem(), path)
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			ps.add(path, "must be an object")
			return
		}
		fields := jsonFields(t, nil)
		for _, k := range sortedKeys(m) {
			ft, ok := fields[k]
			if !ok {
				ps.add(joinPath(path, k), "unknown key")
				continue
			}
			checkShape(ps, m[k], ft, joinPath(path, k))
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			ps.add(path, "must be an object")
			return
		}
		for _, k := range sortedKeys(m) {
			checkShape(ps, m[k], t.Elem(), joinPath(path, k))
		}
	case reflect.Slice:
		s, ok := v.([]any)
		if !ok {
			ps.add(path, "must be a list")
			return
		}
		for i, x := range s {
			checkShape(ps, x, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			ps.add(path, "must be text")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			ps.add(path, "must be true or false")
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if ok {
			_, err := n.Int64()
			ok = err == nil
		}
		if !ok {
			ps.add(path, "must be a whole number")
		}
	case reflect.Float64:
		n, ok := v.(json.Number)
		if ok {
			f, err := n.Float64()
			ok = err == nil && !math.IsInf(f, 0)
		}
		if !ok {
			ps.add(path, "must be a number")
		}
	case reflect.Interface:
		switch v.(type) {
		case string, bool, json.Number:
		default:
			ps.add(path, "must be text, a number or true/false")
		}
	default:
		ps.add(path, "cannot be set")
	}
}
