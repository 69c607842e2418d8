package rules_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/rules"
)

// The tenant configuration format: update and intake rules with their own
// action keys beside name, when and active.
type intakeAction struct {
	Set            map[string]string `json:"set"`
	UnknownSenders string            `json:"unknown_senders"`
	Skip           bool              `json:"skip"`
}

type tenantField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type tenant struct {
	Fields      []tenantField              `json:"fields"`
	UpdateRules []rules.Rule[updateAction] `json:"update_rules"`
	IntakeRules []rules.Rule[intakeAction] `json:"intake_rules"`
}

// declare maps schema fields and channel facts to variables, the way a
// caller of the package would.
func declare(fields []tenantField) rules.Vars {
	vars := rules.Vars{
		"channel": rules.Text, "conversation_status": rules.Text, "from": rules.Text,
		"to": rules.TextList, "subject": rules.Text, "body": rules.Text, "status": rules.Text,
	}
	for _, f := range fields {
		switch f.Type {
		case "bool":
			vars[f.Name] = rules.Bool
		case "integer", "currency":
			vars[f.Name] = rules.Number
		default: // text, choice, lookup, email
			vars[f.Name] = rules.Text
		}
	}
	return vars
}

func loadTenant(t *testing.T) (tenant, *rules.Set[updateAction], *rules.Set[intakeAction]) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "tenant.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ten tenant
	if err := json.Unmarshal(data, &ten); err != nil {
		t.Fatal(err)
	}
	vars := declare(ten.Fields)
	update, err := rules.Compile(vars, ten.UpdateRules)
	if err != nil {
		t.Fatal(err)
	}
	intake, err := rules.Compile(vars, ten.IntakeRules)
	if err != nil {
		t.Fatal(err)
	}
	return ten, update, intake
}

func TestTenantUpdateRules(t *testing.T) {
	_, update, _ := loadTenant(t)
	tests := []struct {
		vals map[string]any
		want []string // predicted fields, unioned in rule order
	}{
		{map[string]any{}, nil},
		{map[string]any{"category": "hardware FAULT"}, []string{"device", "priority"}},
		{map[string]any{"category": "Exchange"}, []string{"order_ref", "device"}},
		{map[string]any{"category": "Invoice question", "refund_amount": 300}, []string{"order_ref"}},
		{map[string]any{"category": "Invoice question", "refund_amount": 100}, nil},
		{map[string]any{"category": "Hardware fault", "warranty": true, "units": 2}, []string{"device", "priority", "refund_amount"}},
		{map[string]any{"warranty": true}, nil}, // units unset: units > 0 is false
	}
	for _, tt := range tests {
		v, err := update.Vars().ValuesOf(tt.vals)
		if err != nil {
			t.Fatal(err)
		}
		matched, errs := update.All(v)
		if errs != nil {
			t.Errorf("%v: run-time errors %v", tt.vals, errs)
		}
		var got []string
		for _, r := range matched {
			for _, f := range r.Action.Predict {
				if !slices.Contains(got, f) {
					got = append(got, f)
				}
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v: predicted fields (-want +got):\n%s", tt.vals, diff)
		}
	}
}

func TestTenantIntakeRules(t *testing.T) {
	_, _, intake := loadTenant(t)
	tests := []struct {
		vals map[string]any
		want string
	}{
		{map[string]any{"subject": "Automatic reply: out of office", "to": "help@kettles.example"}, "auto replies"},
		{map[string]any{"subject": "Kettle leaks", "to": []any{"Ana <ana@example.org>", "HELP@kettles.example"}}, "help mailbox"},
		{map[string]any{"subject": "Kettle leaks", "to": []string{"sales@kettles.example"}}, "everything else"},
	}
	for _, tt := range tests {
		v, err := intake.Vars().ValuesOf(tt.vals)
		if err != nil {
			t.Fatal(err)
		}
		r, errs := intake.First(v)
		if errs != nil || r == nil || r.Name != tt.want {
			t.Errorf("%v: First = %v, %v; want %q", tt.vals, r, errs, tt.want)
		}
	}
	// the action came through typed
	v, _ := intake.Vars().ValuesOf(map[string]any{"to": "help@kettles.example"})
	r, _ := intake.First(v)
	want := intakeAction{Set: map[string]string{"title": "{{subject}}", "origin": "Email"}, UnknownSenders: "create_contact"}
	if diff := cmp.Diff(want, r.Action); diff != "" {
		t.Errorf("action (-want +got):\n%s", diff)
	}
}

// TestSharedScenarioConfig loads the rules of the shared acceptance
// configuration, when it is present, to show that the format fits.
func TestSharedScenarioConfig(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "scenarios", "helpdesk.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("shared scenario configuration not available: %v", err)
	}
	var cfg struct {
		Fields      []tenantField   `json:"fields"`
		UpdateRules json.RawMessage `json:"update_rules"`
		IntakeRules json.RawMessage `json:"intake_rules"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	vars := declare(cfg.Fields)
	for _, raw := range []json.RawMessage{cfg.UpdateRules, cfg.IntakeRules} {
		rs, err := rules.ParseJSON[map[string]any](raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rules.Compile(vars, rs); err != nil {
			t.Fatal(err)
		}
	}
}
