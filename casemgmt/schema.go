package casemgmt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"

	"github.com/caseagent/caseagent/internal/fieldpattern"
	"github.com/caseagent/caseagent/predict"
)

// Field is one field of a tenant's case schema: what predictors are asked
// for (the embedded predict.Field: name, type, options, lookup, pattern,
// description) and how people see it.
type Field struct {
	predict.Field
	// Label is how the field is shown to people; the name when empty.
	Label string `json:"label,omitempty"`
	// MinConfidence is the confidence a predicted value of this field
	// needs before the agent writes it; 0 means the agent's default (the
	// create rule's). Choose it from an evaluation of the tenant's
	// predictor: the lowest threshold at which the field's written values
	// keep the precision the tenant wants (predict/eval reports precision
	// by threshold).
	MinConfidence float64 `json:"min_confidence,omitempty" jsonschema:"minimum=0,maximum=1"`
}

// PredictField returns the field as predictors are asked for it.
func (f *Field) PredictField() predict.Field {
	p := f.Field
	p.Options = append([]predict.Option(nil), f.Options...)
	return p
}

// fieldName is what a field name must look like: it is a variable in
// conditions and a key in stored values.
var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// reservedNames are case attributes that a schema field may not shadow.
var reservedNames = map[string]bool{AttrStatus: true, AttrStatusReason: true, AttrLink: true, AttrCase: true, AttrNextDue: true}

// Schema is a validated list of fields. Build it with NewSchema. It is
// immutable and safe for concurrent use.
type Schema struct {
	fields []Field
	index  map[string]int
}

// NewSchema validates the fields and returns the schema. Problems are
// reported in one *ConfigError with paths such as "fields[3].options":
// names that are not lower-case identifiers, duplicate or reserved names,
// unknown types, choices without options, duplicate option values,
// options on fields that take none, lookups that are neither "contacts"
// nor listed options, and patterns that do not compile or sit on fields
// other than text.
func NewSchema(fields []Field) (*Schema, error) {
	var ps problems
	checkFields(&ps, "fields", fields)
	if err := ps.err(""); err != nil {
		return nil, err
	}
	s := &Schema{fields: make([]Field, len(fields)), index: make(map[string]int, len(fields))}
	for i := range fields {
		s.fields[i] = fields[i]
		s.fields[i].Options = append([]predict.Option(nil), fields[i].Options...)
		s.index[fields[i].Name] = i
	}
	return s, nil
}

// ValidateFields reports every problem of a schema's field list, each with
// its path under path (such as "fields[3].options"). NewSchema refuses
// fields with problems; a configuration loader calls it to report them with
// the rest of the configuration's problems.
func ValidateFields(path string, fields []Field) []Problem {
	var ps problems
	checkFields(&ps, path, fields)
	return ps
}

func checkFields(ps *problems, path string, fields []Field) {
	seen := map[string]int{}
	for i := range fields {
		f := &fields[i]
		at := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case f.Name == "":
			ps.add(at+".name", "missing")
		case !fieldName.MatchString(f.Name):
			ps.add(at+".name", fmt.Sprintf("%q must be a lower-case identifier (a-z, 0-9, _; at most 64)", truncate(f.Name, 80)))
		case reservedNames[f.Name]:
			ps.add(at+".name", fmt.Sprintf("%q is a case attribute, not a field", f.Name))
		default:
			if j, dup := seen[f.Name]; dup {
				ps.add(at+".name", fmt.Sprintf("duplicate field %q (also %s[%d])", f.Name, path, j))
			} else {
				seen[f.Name] = i
			}
		}
		if !f.Type.Valid() {
			if f.Type == "" {
				ps.add(at+".type", "missing")
			} else {
				ps.add(at+".type", fmt.Sprintf("unknown type %q (text, choice, lookup, bool, integer, currency, email)", truncate(string(f.Type), 40)))
			}
			continue
		}
		if mc := f.MinConfidence; math.IsNaN(mc) || mc < 0 || mc > 1 {
			ps.add(at+".min_confidence", "must be between 0 and 1")
		}
		if f.Multiline && f.Type != predict.TypeText {
			ps.add(at+".multiline", "only text fields can be multiline")
		}
		switch f.Type {
		case predict.TypeChoice:
			if len(f.Options) == 0 {
				ps.add(at+".options", "a choice field needs options")
			}
			if f.Lookup != "" {
				ps.add(at+".lookup", "only lookup fields have a lookup")
			}
		case predict.TypeLookup:
			switch {
			case f.Lookup == predict.LookupContacts:
				if len(f.Options) > 0 {
					ps.add(at+".options", "a contacts lookup resolves against the directory and takes no options")
				}
			case f.Lookup != "":
				ps.add(at+".lookup", fmt.Sprintf("unknown directory %q (contacts, or leave it out and list options)", truncate(f.Lookup, 40)))
			case len(f.Options) == 0:
				ps.add(at+".options", `a lookup field needs options, or "lookup": "contacts"`)
			}
		default:
			if len(f.Options) > 0 {
				ps.add(at+".options", fmt.Sprintf("a %s field takes no options", f.Type))
			}
			if f.Lookup != "" {
				ps.add(at+".lookup", "only lookup fields have a lookup")
			}
		}
		opts := map[string]int{}
		for j, o := range f.Options {
			oat := fmt.Sprintf("%s.options[%d].value", at, j)
			if o.Value == "" {
				ps.add(oat, "missing")
				continue
			}
			key := foldKey(o.Value)
			if k, dup := opts[key]; dup {
				ps.add(oat, fmt.Sprintf("duplicate option %q (also options[%d])", truncate(o.Value, 80), k))
			} else {
				opts[key] = j
			}
		}
		if f.Pattern != "" {
			if f.Type != predict.TypeText {
				ps.add(at+".pattern", "only text fields have a pattern")
			} else if _, err := fieldpattern.Compile(f.Pattern); err != nil {
				ps.add(at+".pattern", "does not compile: "+err.Error())
			}
		}
	}
}

// Fields returns the fields in order. The slice is a copy.
func (s *Schema) Fields() []Field {
	out := make([]Field, len(s.fields))
	copy(out, s.fields)
	return out
}

// Field returns the field with the name.
func (s *Schema) Field(name string) (Field, bool) {
	i, ok := s.index[name]
	if !ok {
		return Field{}, false
	}
	return s.fields[i], true
}

// Index returns the position of the named field in the schema's field
// order, or false when the schema has no such field.
func (s *Schema) Index(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

// Len is the number of fields in the schema.
func (s *Schema) Len() int { return len(s.fields) }

// Has reports whether the schema has a field with the name.
func (s *Schema) Has(name string) bool {
	_, ok := s.index[name]
	return ok
}

// PredictFields returns the named fields as predictors are asked for
// them, in the order given, or every field when no name is given. An
// unknown name is an error wrapping ErrUnknownField.
func (s *Schema) PredictFields(names ...string) ([]predict.Field, error) {
	if len(names) == 0 {
		out := make([]predict.Field, len(s.fields))
		for i := range s.fields {
			out[i] = s.fields[i].PredictField()
		}
		return out, nil
	}
	out := make([]predict.Field, 0, len(names))
	for _, n := range names {
		i, ok := s.index[n]
		if !ok {
			return nil, &FieldError{Field: n, Err: ErrUnknownField}
		}
		out = append(out, s.fields[i].PredictField())
	}
	return out, nil
}

// Validate checks a value for the named field and returns it in canonical
// form (see predict.Field.Normalize). A nil value, which clears the field,
// is valid. The value of a contacts lookup must be the id of a contact
// that contacts finds; with a nil contacts that check is skipped.
//
// A refused value is a *FieldError that unwraps to ErrUnknownField or
// ErrInvalidValue (and also ErrNotFound for a contact that does not
// exist). Other errors come from contacts.
func (s *Schema) Validate(ctx context.Context, name string, v any, contacts ContactGetter) (any, error) {
	i, ok := s.index[name]
	if !ok {
		return nil, &FieldError{Field: name, Value: v, Err: ErrUnknownField}
	}
	if v == nil {
		return nil, nil
	}
	f := &s.fields[i].Field
	n, err := f.Normalize(v)
	if err != nil {
		return nil, &FieldError{Field: name, Value: v, Err: fmt.Errorf("%w: %s", ErrInvalidValue, err.Error())}
	}
	if f.Type == predict.TypeLookup && f.Lookup == predict.LookupContacts && contacts != nil {
		id := n.(string)
		if _, err := contacts.GetContact(ctx, id); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, &FieldError{Field: name, Value: v, Err: fmt.Errorf("%w: no contact %q (%w)", ErrInvalidValue, truncate(id, 80), ErrNotFound)}
			}
			return nil, err
		}
	}
	return n, nil
}

// ValidateValues validates every value (see Validate) and returns them in
// canonical form. All refused values are reported, joined; nothing is
// returned then.
func (s *Schema) ValidateValues(ctx context.Context, vals map[string]any, contacts ContactGetter) (Values, error) {
	out := make(Values, len(vals))
	var errs []error
	for _, name := range sortedKeys(vals) {
		n, err := s.Validate(ctx, name, vals[name], contacts)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				return nil, err
			}
			errs = append(errs, err)
			continue
		}
		out[name] = n
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
