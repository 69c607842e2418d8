package agent_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/predict"
)

// cmpConfig compares configurations by their exported data.
var cmpConfig = cmp.Options{cmpopts.IgnoreUnexported(agent.Config{}), cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b []byte) bool { return string(compactJSON(a)) == string(compactJSON(b)) })}

func compactJSON(b []byte) []byte {
	return []byte(strings.Join(strings.Fields(string(b)), ""))
}

func TestLoadHelpdesk(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "scenarios", "helpdesk.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("the shared scenarios are not beside the module (%v)", err)
	}
	cfg, err := agent.LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	s := cfg.Schema()
	for _, name := range []string{"title", "issue_description", "contact", "category", "product", "priority", "serial_number", "order_number", "origin"} {
		if !s.Has(name) {
			t.Errorf("schema has no field %s", name)
		}
	}
	if len(cfg.Contacts) == 0 || len(cfg.UpdateRules) == 0 || len(cfg.IntakeRules) == 0 || len(cfg.FollowUp) == 0 {
		t.Errorf("sections missing: %d contacts, %d update rules, %d intake rules, %d follow-up policies",
			len(cfg.Contacts), len(cfg.UpdateRules), len(cfg.IntakeRules), len(cfg.FollowUp))
	}
	for _, p := range cfg.FollowUp {
		for _, w := range p.Waits {
			if w <= 0 {
				t.Errorf("follow-up %s: wait %v", p.Name, w)
			}
		}
	}
	st := memstore.New()
	n, err := cfg.ImportContacts(context.Background(), st)
	if err != nil || n != len(cfg.Contacts) {
		t.Fatalf("ImportContacts: %d, %v", n, err)
	}
	// Every contact is found by its phone in the notation people use.
	for _, c := range cfg.Contacts {
		cs, err := st.FindContacts(context.Background(), predict.ContactQuery{Phone: c.Phone})
		if err != nil || len(cs) != 1 || cs[0].ID != c.ID {
			t.Errorf("FindContacts(phone %q): %v, %v", c.Phone, cs, err)
		}
	}
}

func TestLoadFixtureJSONAndYAML(t *testing.T) {
	y, err := agent.LoadConfig(filepath.Join("testdata", "tenant.yaml"))
	if err != nil {
		t.Fatalf("YAML: %v", err)
	}
	j, err := agent.LoadConfig(filepath.Join("testdata", "tenant.json"))
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if diff := cmp.Diff(y, j, cmpConfig); diff != "" {
		t.Errorf("YAML and JSON differ (-yaml +json):\n%s", diff)
	}
	want := agent.IntakeRule{
		Name:              "workshop mailbox",
		When:              []byte(`{"all":[{"field":"to","op":"contains","value":"workshop@"},{"field":"subject","op":"not_contains","value":"newsletter"}]}`),
		Set:               map[string]any{"title": "{{subject}}", "category": "Repair", "wheels": 2.0, "under_warranty": false},
		UnknownSenders:    agent.UnknownSendersCreateContact,
		RequireNoOpenCase: true,
		WaitAfterResolved: agent.Duration(48 * time.Hour),
		Acknowledge:       &agent.Template{Subject: "Re: {{subject}}", Body: "We have your request {{case_number}}."},
	}
	if diff := cmp.Diff(want, y.IntakeRules[0], cmpConfig); diff != "" {
		t.Errorf("intake rule (-want +got):\n%s", diff)
	}
	if got := string(y.UpdateRules[1].When); got != `"wheels > 1 && category == 'Upgrade'"` {
		t.Errorf("expression condition kept as %s", got)
	}
	if !y.Policy.AllowAgentOverrideHuman || y.Create.Require != agent.RequireAny || y.Create.MinConfidence != 0.6 {
		t.Errorf("policy %+v, create %+v", y.Policy, y.Create)
	}
	f, ok := y.Schema().Field("bike")
	if !ok || f.Label != "" || len(f.Options) != 2 || f.Options[1].Label != "Mountain bike" {
		t.Errorf("field bike: %+v", f)
	}
	if f, _ := y.Schema().Field("issue_description"); f.Label != "Issue" || !f.Multiline {
		t.Errorf("field issue_description: %+v", f)
	}
	pf, err := y.PredictFields("frame_number", "contact")
	if err != nil || len(pf) != 2 || pf[0].Pattern != "FR[0-9]{6}" || pf[1].Lookup != predict.LookupContacts {
		t.Errorf("PredictFields: %+v, %v", pf, err)
	}
	if y.FollowUp[0].Waits[1] != agent.Duration(72*time.Hour) {
		t.Errorf("waits %v", y.FollowUp[0].Waits)
	}
}

// base is a valid configuration the error cases below spoil.
const base = `{
  "fields": [
    {"name": "title", "type": "text"},
    {"name": "category", "type": "choice", "options": [{"value": "Billing"}, {"value": "Returns"}]},
    {"name": "contact", "type": "lookup", "lookup": "contacts"},
    {"name": "serial", "type": "text", "pattern": "SN-[0-9]{4}"},
    {"name": "count", "type": "integer"}
  ],
  "contacts": [{"id": "C-1", "name": "Ana", "email": "ana@example.org", "phone": "+1 415 555 0101"}],
  "create": {"fields": ["title", "contact"]},
  "update_rules": [{"name": "r", "when": {"field": "category", "op": "equals", "value": "Billing"}, "predict": ["serial"]}],
  "intake_rules": [{"name": "i", "set": {"title": "{{subject}}", "category": "Billing"}}],
  "follow_up": [{"name": "f", "waits": ["48h"]}]
}`

func TestParseConfigErrors(t *testing.T) {
	if _, err := agent.ParseConfig([]byte(base)); err != nil {
		t.Fatalf("base configuration: %v", err)
	}
	tests := []struct {
		name string
		old  string // replaced in base by new
		new  string
		want []string // problems, each "path: message" or a part of it
	}{
		{"unknown key", `{"value": "Returns"}`, `{"value": "Returns", "descripton": "x"}`, []string{"fields[1].options[1].descripton: unknown key"}},
		{"unknown key in field", `"lookup": "contacts"}`, `"lookup": "contacts", "optons": []}`, []string{"fields[2].optons: unknown key"}},
		{"unknown top-level key", `"create":`, `"creat": {}, "create":`, []string{"creat: unknown key"}},
		{"duplicate field", `{"name": "count", "type": "integer"}`, `{"name": "title", "type": "integer"}`, []string{`fields[4].name: duplicate field "title" (also fields[0])`}},
		{"bad type", `"type": "integer"`, `"type": "number"`, []string{`fields[4].type: unknown type "number"`}},
		{"type of wrong kind", `"type": "integer"`, `"type": 3`, []string{"fields[4].type: must be text"}},
		{"bad name", `{"name": "count"`, `{"name": "Count Me"`, []string{`fields[4].name: "Count Me" must be a lower-case identifier`}},
		{"reserved name", `{"name": "count"`, `{"name": "status"`, []string{`fields[4].name: "status" is a case attribute`}},
		{"choice without options", `"options": [{"value": "Billing"}, {"value": "Returns"}]`, `"options": []`, []string{"fields[1].options: a choice field needs options"}},
		{"duplicate option", `{"value": "Returns"}`, `{"value": "billing"}`, []string{`fields[1].options[1].value: duplicate option "billing"`}},
		{"bad pattern", `"SN-[0-9]{4}"`, `"SN-[0-9"`, []string{"fields[3].pattern: does not compile"}},
		{"pattern on integer", `{"name": "count", "type": "integer"}`, `{"name": "count", "type": "integer", "pattern": "1"}`, []string{"fields[4].pattern: only text fields have a pattern"}},
		{"bad lookup", `"lookup": "contacts"`, `"lookup": "products"`, []string{`fields[2].lookup: unknown directory "products"`}},
		{"create unknown field", `"fields": ["title", "contact"]`, `"fields": ["title", "contactt"]`, []string{`create.fields[1]: unknown field "contactt"`}},
		{"create require", `"fields": ["title", "contact"]}`, `"fields": ["title", "contact"], "require": "most"}`, []string{`create.require: "most" is neither`}},
		{"update predicts unknown", `"predict": ["serial"]`, `"predict": ["serial", "sku"]`, []string{`update_rules[0].predict[1]: unknown field "sku"`}},
		{"condition of wrong kind", `"when": {"field": "category", "op": "equals", "value": "Billing"}`, `"when": 3`, []string{"update_rules[0].when: a condition is an object"}},
		{"rule without name", `{"name": "r",`, `{"name": "",`, []string{"update_rules[0].name: missing"}},
		{"intake unknown field", `"category": "Billing"}`, `"categry": "Billing"}`, []string{"intake_rules[0].set.categry: unknown field"}},
		{"intake bad option", `"category": "Billing"}`, `"category": "Refunds"}`, []string{`intake_rules[0].set.category: invalid value: "Refunds" is not one of the options`}},
		{"intake unknown senders", `"category": "Billing"}}`, `"category": "Billing"}, "unknown_senders": "ignore"}`, []string{`intake_rules[0].unknown_senders: "ignore" is neither`}},
		{"bad wait", `"waits": ["48h"]`, `"waits": ["two days"]`, []string{`follow_up[0].waits[0]: bad duration "two days"`}},
		{"zero wait", `"waits": ["48h"]`, `"waits": ["0s"]`, []string{"follow_up[0].waits[0]: must be positive"}},
		{"bad automation", `"waits": ["48h"]}`, `"waits": ["48h"], "automation": "auto"}`, []string{`follow_up[0].automation: "auto" is neither`}},
		{"contact duplicate email", `"phone": "+1 415 555 0101"}`, `"phone": "+1 415 555 0101"}, {"id": "C-2", "email": "ANA@example.org"}`, []string{`contacts[1].email: duplicate email "ana@example.org"`}},
		{"contact bad phone", `"phone": "+1 415 555 0101"`, `"phone": "call me"`, []string{`contacts[0].phone: "call me" is not a phone number`}},
		{"contact without id", `{"id": "C-1",`, `{`, []string{"contacts[0].id: missing"}},
		{"several problems", `"type": "integer"`, `"type": "integer", "multiline": "yes"`, []string{"fields[4].multiline: must be true or false"}},
		{"duplicate key", `"create":`, `"about": "a", "about": "b", "create":`, []string{`duplicate key "about"`}},
		{"syntax", `"create":`, `"create"`, []string{"line 10:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(base, tc.old, tc.new, 1)
			if doc == base {
				t.Fatalf("test case does not change the base: %q not found", tc.old)
			}
			cfg, err := agent.ParseConfig([]byte(doc))
			if err == nil {
				t.Fatalf("ParseConfig accepted it: %+v", cfg)
			}
			if !errors.Is(err, casemgmt.ErrInvalidConfig) {
				t.Errorf("error %v does not match ErrInvalidConfig", err)
			}
			var ce *casemgmt.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *ConfigError", err)
			}
			for _, w := range tc.want {
				found := false
				for _, p := range ce.Problems {
					if strings.Contains(p.String(), w) {
						found = true
					}
				}
				if !found {
					t.Errorf("problems %q lack %q", ce.Problems, w)
				}
			}
		})
	}
}

func TestParseConfigYAMLErrors(t *testing.T) {
	tests := []struct {
		doc  string
		want string
	}{
		{"fields:\n  - name: a\n    type: text\n    optons: []\n", "fields[0].optons: unknown key"},
		{"fields:\n  - &f {name: a, type: text}\n  - *f\n", "anchors and aliases are not supported"},
		{"fields: {name: a}\n", "fields: must be a list"},
		{"fields:\n  - name: a\n    type: text\n    multiline: maybe\n", "fields[0].multiline: must be true or false"},
		{"fields: [\n", "did not find expected node content"},
		{"fields:\n  - name: a\n    type: text\nfields: []\n", `duplicate key "fields"`},
		{"", "empty document"},
		{"about: nothing\n", "fields: a configuration needs at least one field"},
		{"create: {min_confidence: .nan}\nfields: []\n", "not a finite number"},
	}
	for _, tc := range tests {
		_, err := agent.ParseConfig([]byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, casemgmt.ErrInvalidConfig) {
			t.Errorf("ParseConfig(%q): %v; want an invalid configuration mentioning %q", tc.doc, err, tc.want)
		}
	}
}

func TestLoadConfigNamesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tenant.yaml")
	if err := os.WriteFile(path, []byte("fields:\n  - {name: a, type: txt}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := agent.LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `fields[0].type: unknown type "txt"`) {
		t.Errorf("LoadConfig: %v", err)
	}
	if _, err := agent.LoadConfig(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadConfig of a missing file: %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"48h", 48 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"2d", 48 * time.Hour, true},
		{" 3d ", 72 * time.Hour, true},
		{"d", 0, false},
		{"1.5d", 0, false},
		{"-2d", 0, false},
		{"2 days", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, err := agent.ParseDuration(tc.in)
		if (err == nil) != tc.ok || time.Duration(got) != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, time.Duration(got), err, tc.want, tc.ok)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(base))
	if b, err := os.ReadFile(filepath.Join("testdata", "tenant.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("fields:\n  - {name: a, type: choice, options: [{value: x}]}\n"))
	f.Add([]byte(`{"fields": [{"name": "a", "type": "text", "pattern": "(a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := agent.ParseConfig(data)
		if err != nil {
			if !errors.Is(err, casemgmt.ErrInvalidConfig) {
				t.Fatalf("error %v is not an invalid configuration", err)
			}
			return
		}
		if cfg.Schema() == nil {
			t.Fatal("accepted configuration without a schema")
		}
	})
}

func TestCreateRuleHolds(t *testing.T) {
	all := agent.CreateRule{Fields: []string{"issue_description", "contact"}, MinConfidence: 0.5}
	anyOf := all
	anyOf.Require = agent.RequireAny
	tests := []struct {
		rule        agent.CreateRule
		conf        map[string]float64
		want        bool
		wantMissing []string
	}{
		{all, map[string]float64{"issue_description": 0.9, "contact": 1}, true, nil},
		{all, map[string]float64{"issue_description": 0.9}, false, []string{"contact"}},
		{all, map[string]float64{"issue_description": 0.9, "contact": 0.4}, false, []string{"contact"}},
		{anyOf, map[string]float64{"contact": 0.5}, true, []string{"issue_description"}},
		{anyOf, map[string]float64{"category": 1}, false, []string{"issue_description", "contact"}},
		{agent.CreateRule{}, nil, true, nil},
	}
	for _, tc := range tests {
		got, missing := tc.rule.Holds(tc.conf)
		if got != tc.want || !cmp.Equal(missing, tc.wantMissing, cmpopts.EquateEmpty()) {
			t.Errorf("%+v.Holds(%v) = %v, %v; want %v, %v", tc.rule, tc.conf, got, missing, tc.want, tc.wantMissing)
		}
	}
}
