package heuristic

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// The shared acceptance scenarios are a sanity check of the predictor on
// stories it was not written for. The test reports how many expected field
// values it gets; it fails only when the scenarios cannot be read.

type scenarioTenant struct {
	Fields      []predict.Field           `json:"fields"`
	Contacts    []predict.Contact         `json:"contacts"`
	Create      struct{ Fields []string } `json:"create"`
	UpdateRules []struct {
		Predict []string `json:"predict"`
	} `json:"update_rules"`
	DefaultUpdate []string `json:"default_update_fields"`
}

type scenarioStep struct {
	Event     string         `json:"event"`
	Customer  *string        `json:"customer"`
	Rep       *string        `json:"rep"`
	Email     *string        `json:"email"`
	HumanEdit map[string]any `json:"human_edit"`
	Expect    *struct {
		Fields map[string]json.RawMessage `json:"fields"`
	} `json:"expect"`
}

type scenario struct {
	ID       string `json:"id"`
	Channel  string `json:"channel"`
	Customer struct {
		Auth string `json:"authenticated_contact"`
	} `json:"customer"`
	Steps []scenarioStep `json:"steps"`
}

func sharedScenarios(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "scenarios")
	if _, err := os.Stat(filepath.Join(dir, "helpdesk.json")); err != nil {
		t.Skip("shared scenarios are not beside the module")
	}
	return dir
}

// parseEmail reads a raw message the simple way a test can: the text part
// (or the HTML as text), quoted lines and a forwarded part split off.
func parseEmail(t *testing.T, raw string, n int) channel.Message {
	t.Helper()
	env, err := enmime.ReadEnvelope(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("email: %v", err)
	}
	m := channel.Message{ID: fmt.Sprintf("e%d", n), Kind: channel.KindEmail, Direction: channel.Inbound, Role: channel.RoleCustomer, Subject: env.GetHeader("Subject")}
	if a, err := env.AddressList("From"); err == nil && len(a) > 0 {
		m.From = channel.Address{Name: a[0].Name, Email: a[0].Address}
	}
	if env.GetHeader("Auto-Submitted") != "" && env.GetHeader("Auto-Submitted") != "no" {
		m.AutoReply = true
	}
	var text, quoted []string
	inQuote := false
	sc := bufio.NewScanner(strings.NewReader(env.Text))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, ">"), strings.HasPrefix(l, "On ") && strings.HasSuffix(l, "wrote:"),
			strings.HasPrefix(l, "Am ") && strings.Contains(l, "schrieb"):
			inQuote = true
		}
		if inQuote {
			quoted = append(quoted, l)
		} else {
			text = append(text, l)
		}
	}
	m.Text = strings.TrimSpace(strings.Join(text, "\n"))
	m.Quoted = strings.Join(quoted, "\n")
	return m
}

type fieldScore struct{ got, want int }

// readTenant reads the tenant configuration in file.
func readTenant(t testing.TB, file string) scenarioTenant {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tenant scenarioTenant
	if err := json.Unmarshal(b, &tenant); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tenant
}

func TestScenarios(t *testing.T) {
	dir := sharedScenarios(t)
	tenant := readTenant(t, filepath.Join(dir, "helpdesk.json"))
	dirc := &memDirectory{contacts: tenant.Contacts}
	names := map[string]bool{}
	for _, l := range [][]string{tenant.Create.Fields, tenant.DefaultUpdate} {
		for _, n := range l {
			names[n] = true
		}
	}
	for _, r := range tenant.UpdateRules {
		for _, n := range r.Predict {
			names[n] = true
		}
	}
	var fields []predict.Field
	for _, f := range tenant.Fields {
		if names[f.Name] || f.Name == "title" {
			fields = append(fields, f)
		}
	}
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.scenario.json"))
	score := map[string]*fieldScore{}
	total, got := 0, 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var sc scenario
		if err := json.Unmarshal(b, &sc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var msgs []channel.Message
		human := map[string]bool{}
		state := map[string]predict.Prediction{}
		for i, st := range sc.Steps {
			switch {
			case st.Customer != nil:
				msgs = append(msgs, channel.Message{ID: fmt.Sprintf("m%d", i), Kind: channel.KindChat, Direction: channel.Inbound, Role: channel.RoleCustomer, Text: *st.Customer})
			case st.Rep != nil:
				msgs = append(msgs, channel.Message{ID: fmt.Sprintf("m%d", i), Kind: channel.KindChat, Direction: channel.Outbound, Role: channel.RoleRepresentative, Text: *st.Rep})
			case st.Email != nil:
				// As the agent does, an email is predicted alone, with the
				// sender as what the channel knows of the customer, and
				// its values join what the case has.
				m := parseEmail(t, *st.Email, i)
				msgs = append(msgs, m)
				if m.AutoReply {
					continue
				}
				req := &predict.Request{Fields: fields, Messages: []channel.Message{m}, Directory: dirc,
					Customer: channel.Customer{Name: m.From.Name, Email: m.From.Email}, Known: knownOf(state)}
				applyToCase(t, p, req, state, human)
			case st.HumanEdit != nil:
				for k := range st.HumanEdit {
					human[k] = true
				}
			case st.Expect != nil && len(st.Expect.Fields) > 0:
				if sc.Channel == "chat" {
					// A chat is predicted whole.
					req := &predict.Request{Fields: fields, Messages: msgs, Directory: dirc, Customer: channel.Customer{ContactID: sc.Customer.Auth}, Known: knownOf(state)}
					applyToCase(t, p, req, state, human)
				}
				kept := state
				logConfidences(t, kept, st.Expect.Fields)
				keys := make([]string, 0, len(st.Expect.Fields))
				for k := range st.Expect.Fields {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					if human[k] || sc.Channel == "email" && (k == "title" || k == "origin") || k == "origin" {
						continue
					}
					ok, want := expectHolds(st.Expect.Fields[k], kept[k])
					fs := score[k]
					if fs == nil {
						fs = &fieldScore{}
						score[k] = fs
					}
					fs.want++
					total++
					if ok {
						fs.got++
						got++
					} else {
						t.Logf("%s step %d: %s = %v (conf %.2f), want %s", sc.ID, i, k, kept[k].Value, kept[k].Confidence, want)
					}
				}
			}
		}
	}
	var keys []string
	for k := range score {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-18s %d/%d", k, score[k].got, score[k].want)
	}
	t.Logf("all expected field values: %d/%d", got, total)
}

func expectHolds(raw json.RawMessage, p predict.Prediction) (bool, string) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		v, _ := p.Value.(string)
		return v == s, s
	}
	var obj struct {
		Mentions []string `json:"mentions"`
		Empty    bool     `json:"empty"`
	}
	_ = json.Unmarshal(raw, &obj)
	if obj.Empty {
		return p.Value == nil, "empty"
	}
	v, _ := p.Value.(string)
	for _, m := range obj.Mentions {
		if !strings.Contains(strings.ToLower(v), strings.ToLower(m)) {
			return false, "mentions " + strings.Join(obj.Mentions, ",")
		}
	}
	return v != "", "mentions " + strings.Join(obj.Mentions, ",")
}

// agentMinConfidence is the confidence under which the agent, by default,
// does not apply a predicted value; the scenario reports count only the
// values it would apply.
const agentMinConfidence = 0.5

func applyThreshold(kept map[string]predict.Prediction) {
	for k, p := range kept {
		if p.Confidence < agentMinConfidence {
			delete(kept, k)
		}
	}
}

// logConfidences prints, when HEUR_CONF is set, each choice value's
// confidence and whether it is right, to calibrate confidences.
func logConfidences(t *testing.T, kept map[string]predict.Prediction, want map[string]json.RawMessage) {
	if os.Getenv("HEUR_CONF") == "" {
		return
	}
	for k, raw := range want {
		if k == "issue_description" || k == "title" {
			fmt.Printf("TEXT %s %.2f %q\n", k, kept[k].Confidence, kept[k].Value)
			continue
		}
		p, ok := kept[k]
		if !ok {
			continue
		}
		var w string
		_ = json.Unmarshal(raw, &w)
		fmt.Printf("CONF %s %.3f %v\n", k, p.Confidence, p.Value == w)
	}
}

// applyToCase predicts and applies what the agent would: values that pass
// Check with enough confidence, on fields no person set.
func applyToCase(t *testing.T, p *Predictor, req *predict.Request, state map[string]predict.Prediction, human map[string]bool) {
	t.Helper()
	res, err := p.Predict(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	kept, drops := predict.Validate(req, res)
	if len(drops) > 0 {
		t.Errorf("Check dropped %v", drops)
	}
	applyThreshold(kept)
	for k, v := range kept {
		if !human[k] {
			state[k] = v
		}
	}
}

func knownOf(state map[string]predict.Prediction) map[string]any {
	out := map[string]any{}
	for k, v := range state {
		out[k] = v.Value
	}
	return out
}
