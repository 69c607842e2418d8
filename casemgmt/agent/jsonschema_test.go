package agent_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/caseagent/caseagent/casemgmt/agent"
)

// compileConfigSchema compiles the configuration's JSON Schema.
func compileConfigSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := agent.ConfigSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(agent.ConfigSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(agent.ConfigSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readConfigDoc reads a JSON or YAML configuration as a JSON document.
func readConfigDoc(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
		if err := yaml.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		// Through JSON, as the loader reads YAML.
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Every configuration the project ships validates against the schema
// editors use, and the schema file in the repository is the generated one.
func TestConfigSchema(t *testing.T) {
	s := compileConfigSchema(t)
	paths, _ := filepath.Glob("../../examples/*/tenant.json")
	more, _ := filepath.Glob("../replay/testdata/*/helpdesk.json")
	paths = append(paths, more...)
	paths = append(paths, "testdata/tenant.json", "testdata/tenant.yaml", "../replay/testdata/helpdesk.json")
	if _, err := os.Stat("../../../shared/scenarios/helpdesk.json"); err == nil {
		paths = append(paths, "../../../shared/scenarios/helpdesk.json")
	}
	if len(paths) < 5 {
		t.Fatalf("only %d configurations found: %v", len(paths), paths)
	}
	for _, p := range paths {
		if _, err := agent.LoadConfig(p); err != nil {
			t.Errorf("%s does not load: %v", p, err)
			continue
		}
		if err := s.Validate(readConfigDoc(t, p)); err != nil {
			t.Errorf("%s does not validate against the schema: %v", p, err)
		}
	}
	// A misspelt key is caught by the schema as by the loader.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("fields:\n  - {name: a, type: choice, optons: []}\ncreate: {fields: [a]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(readConfigDoc(t, bad)); err == nil {
		t.Error("a misspelt key passed the schema")
	}
	got, _ := agent.ConfigSchema()
	want, err := os.ReadFile("tenant-config.schema.json")
	if os.Getenv("CASEAGENT_UPDATE_SCHEMA") != "" {
		if err := os.WriteFile("tenant-config.schema.json", append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil || !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("tenant-config.schema.json is not the generated schema; regenerate it with CASEAGENT_UPDATE_SCHEMA=1 go test ./casemgmt/agent -run TestConfigSchema (%v)", err)
	}
}
