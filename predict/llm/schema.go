package llm

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/caseagent/caseagent/internal/fieldpattern"
	"github.com/caseagent/caseagent/predict"
	"github.com/invopop/jsonschema"
)

// ToolName is the name of the tool the model is asked to call with its
// answer.
const ToolName = "record_case_fields"

// Limits of an answer, stated in the schema and enforced by validation.
const (
	maxQuotes      = 3
	maxQuoteChars  = 300
	maxTextChars   = 1000
	maxMultiChars  = 4000
	maxAnswerDepth = 16
)

// spec is a requested field as the predictor asks for it.
type spec struct {
	predict.Field
	// contacts is set for a lookup resolved against the directory: the
	// model gives the contact's email, phone or name as written.
	contacts bool
}

// specsOf checks the requested fields and returns them as specs.
func specsOf(fields []predict.Field) ([]spec, error) {
	seen := map[string]bool{}
	out := make([]spec, 0, len(fields))
	for _, f := range fields {
		if f.Name == "" || strings.ContainsAny(f.Name, " \t\r\n\"") {
			return nil, fmt.Errorf("%w: field name %q", ErrBadRequest, f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: field %s requested twice", ErrBadRequest, f.Name)
		}
		seen[f.Name] = true
		if !f.Type.Valid() {
			return nil, fmt.Errorf("%w: field %s has unknown type %q", ErrBadRequest, f.Name, f.Type)
		}
		if f.Pattern != "" {
			if _, err := fieldpattern.Compile(f.Pattern); err != nil {
				return nil, fmt.Errorf("%w: field %s: bad pattern: %v", ErrBadRequest, f.Name, err)
			}
		}
		if f.HasOptions() && len(f.Options) == 0 {
			return nil, fmt.Errorf("%w: field %s has no options", ErrBadRequest, f.Name)
		}
		if f.Type == predict.TypeLookup && f.Lookup != "" && f.Lookup != predict.LookupContacts {
			return nil, fmt.Errorf("%w: field %s looks up unknown directory %q", ErrBadRequest, f.Name, f.Lookup)
		}
		out = append(out, spec{Field: f, contacts: f.Type == predict.TypeLookup && f.Lookup == predict.LookupContacts})
	}
	return out, nil
}

func nullable(t string) map[string]any { return map[string]any{"type": []string{t, "null"}} }

func u64(n uint64) *uint64 { return &n }

// valueSchema is the schema of one field's value; null abstains.
func valueSchema(s *spec) *jsonschema.Schema {
	switch {
	case s.HasOptions():
		enum := make([]any, 0, len(s.Options)+1)
		for _, o := range s.Options {
			enum = append(enum, o.Value)
		}
		return &jsonschema.Schema{Enum: append(enum, nil)}
	case s.Type == predict.TypeBool:
		return &jsonschema.Schema{Extras: nullable("boolean")}
	case s.Type == predict.TypeInteger:
		return &jsonschema.Schema{Extras: nullable("integer")}
	case s.Type == predict.TypeCurrency:
		return &jsonschema.Schema{Extras: nullable("number")}
	}
	// Length limits are enforced by validation but not spelled out: no
	// sensible answer comes near them, and every word of the schema is
	// paid for in each request.
	sch := &jsonschema.Schema{Extras: nullable("string")}
	switch {
	case s.Type == predict.TypeEmail:
		sch.Format = "email"
	case s.Pattern != "":
		sch.Pattern = anchored(s.Pattern)
	}
	return sch
}

// anchored makes a field pattern match whole values, as predict.Field
// patterns do, in the spelling JSON Schema validators expect.
func anchored(p string) string {
	if strings.ContainsAny(p, "|") {
		return "^(?:" + p + ")$"
	}
	return "^" + p + "$"
}

func maxLen(s *spec) int {
	if s.Multiline {
		return maxMultiChars
	}
	return maxTextChars
}

// buildSchema returns the JSON Schema of an answer for exactly the given
// fields: {"values": {field: value or null}, "confidence": {field:
// 0..1}, "evidence": {field: [quotes]}}. Confidence and evidence are maps
// keyed by field rather than objects nested in each value: the same
// information, stated once instead of once per field, which keeps the
// prompt small.
func buildSchema(specs []spec) json.RawMessage {
	values := jsonschema.NewProperties()
	for i := range specs {
		values.Set(specs[i].Name, valueSchema(&specs[i]))
	}
	root := jsonschema.NewProperties()
	root.Set("values", &jsonschema.Schema{Type: "object", Properties: values, AdditionalProperties: jsonschema.FalseSchema})
	root.Set("confidence", &jsonschema.Schema{Type: "object", AdditionalProperties: &jsonschema.Schema{Type: "number", Minimum: "0", Maximum: "1"}})
	root.Set("evidence", &jsonschema.Schema{Type: "object", AdditionalProperties: &jsonschema.Schema{
		Type: "array", MinItems: u64(1), MaxItems: u64(maxQuotes),
		Items: &jsonschema.Schema{Type: "string", MaxLength: u64(maxQuoteChars)},
	}})
	sch := &jsonschema.Schema{
		Type:                 "object",
		Properties:           root,
		Required:             []string{"values", "confidence", "evidence"},
		AdditionalProperties: jsonschema.FalseSchema,
	}
	b, err := json.Marshal(sch)
	if err != nil {
		// The schema is built from strings and numbers only.
		panic("llm: schema does not marshal: " + err.Error())
	}
	return b
}

// answer is a model's answer after validation: only what fits the schema.
type answer struct {
	Values     map[string]any      `json:"values"`
	Confidence map[string]float64  `json:"confidence"`
	Evidence   map[string][]string `json:"evidence"`
	// Abstained are the fields the answer set to null.
	Abstained map[string]bool `json:"abstained,omitempty"`
}

// problems are an answer's schema violations.
type problems struct {
	// fatal is set when nothing of the answer could be used.
	fatal string
	// fields holds, per requested field, what is wrong with its answer.
	fields map[string][]string
	// extra are violations that cost nothing but the offending part
	// (fields that were not requested, unknown keys).
	extra []string
}

func (p *problems) field(name, format string, args ...any) {
	if p.fields == nil {
		p.fields = map[string][]string{}
	}
	p.fields[name] = append(p.fields[name], fmt.Sprintf(format, args...))
}

// needRepair reports whether a repair round could win something back.
func (p *problems) needRepair() bool { return p.fatal != "" || len(p.fields) > 0 }

// String lists the violations, one per line, for the repair prompt and
// the logs.
func (p *problems) String() string {
	var lines []string
	if p.fatal != "" {
		lines = append(lines, p.fatal)
	}
	names := make([]string, 0, len(p.fields))
	for n := range p.fields {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, m := range p.fields[n] {
			lines = append(lines, n+": "+m)
		}
	}
	lines = append(lines, p.extra...)
	return strings.Join(lines, "\n")
}

// validate reads raw as an answer for specs. What fits is returned; what
// does not is listed in problems, never returned. The answer is nil when
// nothing of raw could be used.
func validate(raw string, specs []spec) (*answer, *problems) {
	pr := &problems{}
	a := &answer{Values: map[string]any{}, Confidence: map[string]float64{}, Evidence: map[string][]string{}, Abstained: map[string]bool{}}
	if err := checkShape(raw); err != nil {
		pr.fatal = err.Error()
		return nil, pr
	}
	var top map[string]any
	if err := json.Unmarshal([]byte(raw), &top); err != nil {
		pr.fatal = "the answer is not a JSON object: " + clip(err.Error(), 120)
		return nil, pr
	}
	top = reshape(top, specs)
	for k := range top {
		switch k {
		case "values", "confidence", "evidence":
		default:
			pr.extra = append(pr.extra, fmt.Sprintf("unknown key %q", clip(k, 40)))
		}
	}
	values, ok := top["values"].(map[string]any)
	if !ok {
		pr.fatal = `"values" must be an object mapping field names to values`
		return nil, pr
	}
	conf, _ := top["confidence"].(map[string]any)
	evid, _ := top["evidence"].(map[string]any)
	requested := map[string]bool{}
	for i := range specs {
		s := &specs[i]
		requested[s.Name] = true
		v, present := values[s.Name]
		if !present {
			continue // not answered: abstains
		}
		if v == nil {
			a.Abstained[s.Name] = true
			continue
		}
		nv, err := s.Normalize(v)
		if err != nil {
			pr.field(s.Name, "%s", err)
			continue
		}
		if str, ok := nv.(string); ok && utf8.RuneCountInString(str) > maxLen(s) {
			pr.field(s.Name, "value longer than %d characters", maxLen(s))
			continue
		}
		c, ok := conf[s.Name].(float64)
		if !ok || math.IsNaN(c) || c < 0 || c > 1 {
			pr.field(s.Name, "confidence must be a number from 0 to 1")
			continue
		}
		quotes, msg := quotesOf(evid[s.Name])
		if msg != "" {
			pr.field(s.Name, "evidence %s", msg)
			continue
		}
		a.Values[s.Name] = nv
		a.Confidence[s.Name] = c
		a.Evidence[s.Name] = quotes
	}
	for k := range values {
		if !requested[k] {
			pr.extra = append(pr.extra, fmt.Sprintf("field %q was not requested", clip(k, 40)))
		}
	}
	return a, pr
}

func quotesOf(v any) ([]string, string) {
	list, ok := v.([]any)
	if !ok {
		return nil, "must be a list of 1 to 3 quotes"
	}
	if len(list) == 0 || len(list) > maxQuotes {
		return nil, fmt.Sprintf("must have 1 to %d quotes, not %d", maxQuotes, len(list))
	}
	out := make([]string, 0, len(list))
	for _, q := range list {
		s, ok := q.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, "quotes must be non-empty strings"
		}
		if utf8.RuneCountInString(s) > maxQuoteChars {
			return nil, fmt.Sprintf("quotes must be at most %d characters", maxQuoteChars)
		}
		out = append(out, s)
	}
	return out, ""
}

// reshape accepts the other shape models often choose, one object per
// field ({"category": {"value": ..., "confidence": ..., "evidence":
// [...]}}), and turns it into the requested one. Anything else is left
// as it is for validation to judge.
func reshape(top map[string]any, specs []spec) map[string]any {
	if _, ok := top["values"]; ok {
		return top
	}
	values, conf, evid := map[string]any{}, map[string]any{}, map[string]any{}
	found := false
	for i := range specs {
		obj, ok := top[specs[i].Name].(map[string]any)
		if !ok {
			continue
		}
		v, ok := obj["value"]
		if !ok {
			continue
		}
		found = true
		values[specs[i].Name] = v
		if c, ok := obj["confidence"]; ok {
			conf[specs[i].Name] = c
		}
		if e, ok := obj["evidence"]; ok {
			evid[specs[i].Name] = e
		}
	}
	if !found {
		return top
	}
	return map[string]any{"values": values, "confidence": conf, "evidence": evid}
}

// checkShape rejects answers too deeply nested to be an answer, before
// they are decoded.
func checkShape(raw string) error {
	depth, inStr, esc := 0, false, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
			if depth > maxAnswerDepth {
				return fmt.Errorf("%w: nested deeper than %d levels", ErrTooLarge, maxAnswerDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
