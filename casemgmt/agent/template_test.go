package agent_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/rules"
)

const badTenant = `
fields:
  - {name: issue_description, type: text}
  - name: category
    type: choice
    options: [{value: Billing}, {value: Product defect}]
  - {name: serial_number, type: text}
create: {fields: [issue_description]}
update_rules:
  - name: defect details
    when: {field: categroy, op: equals, value: Product defect}
    predict: [serial_number]
  - name: expression
    when: 'category == "Billing" &&'
    predict: [serial_number]
intake_rules:
  - name: support
    set: {title: "{{subjcet}}"}
    acknowledge: {subject: "[{{case_number}}] {{subject}}", body: "Hi {{contact_name}}, step {{step}} {{serial_number}}"}
follow_up:
  - name: waiting
    waits: [48h]
    messages: [{subject: "About {{case_number}}", body: "Hi {{contact_name}}, we are waiting for your answer on {{tilte}}. {{unclosed"}]
`

// A configuration with mistakes in conditions and templates is refused
// when it is loaded, with every problem at its path in one error, and the
// compile errors of conditions reachable with errors.As.
func TestLoadConfigReportsEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenant.yaml")
	if err := os.WriteFile(path, []byte(badTenant), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := agent.LoadConfig(path)
	var ce *casemgmt.ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, casemgmt.ErrInvalidConfig) {
		t.Fatalf("err = %v, want a *ConfigError", err)
	}
	if ce.Source != path {
		t.Errorf("Source = %q, want the file", ce.Source)
	}
	got := map[string]string{}
	for _, p := range ce.Problems {
		got[p.Path] = p.Msg
	}
	for path, want := range map[string]string{
		"update_rules[0].when.field":          "categroy",
		"update_rules[1].when":                "line 1",
		"intake_rules[0].set.title":           "unknown placeholder {{subjcet}}",
		"intake_rules[0].acknowledge.body":    "{{step}} has no value in an acknowledgement",
		"follow_up[0].messages[0].body":       "not closed",
		"intake_rules[0].acknowledge.subject": "",
	} {
		msg, ok := got[path]
		switch {
		case want == "" && ok:
			t.Errorf("%s: %q reported, but the template is right", path, msg)
		case want != "" && !strings.Contains(msg, want):
			t.Errorf("%s: %q, want a problem mentioning %q (all: %v)", path, msg, want, ce.Problems)
		}
	}
	var compile *rules.CompileError
	if !errors.As(err, &compile) || compile.Rule != "defect details" {
		t.Errorf("errors.As(*rules.CompileError) = %v", compile)
	}
	// A template with a misspelt placeholder is an error, not empty text.
	_, err = agent.ParseConfig([]byte(strings.Replace(badTenant, "{{unclosed", "", 1)))
	if err == nil || !strings.Contains(err.Error(), "unknown placeholder {{tilte}}") {
		t.Errorf("misspelt placeholder: %v", err)
	}
}

// The package documentation lists every placeholder templates may use.
func TestPlaceholdersDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{\{([a-z_]+)\}\}`).FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	for _, name := range agent.Placeholders() {
		if !documented[name] {
			t.Errorf("{{%s}} is not documented in doc.go", name)
		}
	}
	if len(documented) < len(agent.Placeholders()) {
		t.Errorf("doc.go documents %d placeholders, the agent knows %d", len(documented), len(agent.Placeholders()))
	}
}
