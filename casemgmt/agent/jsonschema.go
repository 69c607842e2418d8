package agent

import (
	"encoding/json"
	"reflect"

	"github.com/caseagent/caseagent/predict"
	"github.com/invopop/jsonschema"
)

// ConfigSchemaID is the $id of the configuration's JSON Schema.
const ConfigSchemaID = "https://caseagent.invalid/schema/tenant-config.json"

// ConfigSchema returns the JSON Schema (draft 2020-12) of a tenant
// configuration, generated from the Go types, for editors that complete
// and check configuration files as they are written (YAML editors use it
// too). It checks the shape (keys, types, enumerations); Validate checks
// the rest (field names in rules, conditions, templates).
func ConfigSchema() ([]byte, error) {
	r := &jsonschema.Reflector{
		DoNotReference:             false,
		RequiredFromJSONSchemaTags: true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if t == reflect.TypeFor[json.RawMessage]() {
				// A condition: the structured form or an expression.
				return &jsonschema.Schema{
					Description: `A condition: {"field", "op", "value"}, {"all": [...]}, {"any": [...]}, or an expr-lang expression as a string.`,
					OneOf:       []*jsonschema.Schema{{Type: "object"}, {Type: "string"}},
				}
			}
			if t == reflect.TypeFor[predict.FieldType]() {
				return &jsonschema.Schema{Type: "string", Enum: []any{
					string(predict.TypeText), string(predict.TypeChoice), string(predict.TypeLookup), string(predict.TypeBool),
					string(predict.TypeInteger), string(predict.TypeCurrency), string(predict.TypeEmail)}}
			}
			return nil
		},
	}
	s := r.Reflect(&Config{})
	s.ID = ConfigSchemaID
	s.Title = "caseagent tenant configuration"
	return json.MarshalIndent(s, "", "  ")
}

// JSONSchema describes a Duration: Go's form ("48h", "90m") or whole days
// ("2d").
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     `^\s*(\+?[0-9]+d|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)\s*$`,
		Description: `A duration: "48h", "90m", "1h30m" or whole days such as "2d".`,
	}
}
