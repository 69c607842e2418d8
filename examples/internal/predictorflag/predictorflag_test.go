package predictorflag_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/examples/internal/predictorflag"
	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/textclass"
	"github.com/google/go-cmp/cmp"
)

var category = predict.Field{Name: "category", Type: predict.TypeChoice, Options: []predict.Option{
	{Value: "billing", Label: "Billing", Description: "Use when: charges, invoices, refunds, payments."},
	{Value: "shipping", Label: "Shipping", Description: "Use when: deliveries, parcels, tracking."},
	{Value: "account", Label: "Account access", Description: "Use when: sign-in, passwords, locked accounts."},
}}

const billingText = "Hello, I was charged twice for my plan and the invoice amount is wrong."

func request() *predict.Request {
	return &predict.Request{
		Fields:   []predict.Field{category},
		Messages: []channel.Message{{ID: "m1", Direction: channel.Inbound, Role: channel.RoleCustomer, Text: billingText}},
	}
}

// parse registers the flags on a new set and parses args.
func parse(t *testing.T, args ...string) *predictorflag.Flags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := predictorflag.Register(fs, predictorflag.Offline, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func env(vars map[string]string) predictorflag.Env {
	return predictorflag.Env{Getenv: func(k string) string { return vars[k] }}
}

// saveModel trains a small category classifier and saves it.
func saveModel(t *testing.T, path string) {
	t.Helper()
	phrases := map[string][]string{
		"billing":  {"I was charged twice", "the invoice amount is wrong", "please refund the extra fee", "my card was billed two times"},
		"shipping": {"my order has not arrived", "the parcel went to the wrong address", "tracking has not moved", "the delivery is late"},
		"account":  {"I cannot sign in", "the password reset email never comes", "my account is locked", "two-factor code rejected"},
	}
	var ex []textclass.Example
	for i := range 6 {
		for label, ps := range phrases {
			ex = append(ex, textclass.Example{Text: fmt.Sprintf("Hello, %s (ticket %d).", ps[i%len(ps)], i), Label: label})
		}
	}
	m, err := textclass.Train(context.Background(), ex, textclass.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
}

func TestKinds(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		err  string
	}{
		{nil, []string{"offline"}, ""},
		{[]string{"-predictor", "chain"}, []string{"model", "offline"}, ""},
		{[]string{"-predictor", "chain", "-chain", "llm,model,offline"}, []string{"llm", "model", "offline"}, ""},
		{[]string{"-predictor", "llm, offline"}, []string{"llm", "offline"}, ""},
		{[]string{"-predictor", "oracle"}, nil, `unknown predictor "oracle"`},
		{[]string{"-predictor", "model,,offline"}, nil, "an empty name"},
		{[]string{"-predictor", "offline,offline"}, nil, "names offline twice"},
	}
	for _, tt := range tests {
		got, err := parse(t, tt.args...).Kinds()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !predictorflag.IsUsage(err) {
				t.Errorf("%v: error %v, want a usage error with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || !cmp.Equal(tt.want, got) {
			t.Errorf("%v: %v, %v; want %v", tt.args, got, err, tt.want)
		}
	}
}

func TestBuildBadFlags(t *testing.T) {
	dir := t.TempDir()
	badCal := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badCal, []byte(`{"global":{"knots":[{"confidence":0.9,"probability":0.9},{"confidence":0.95,"probability":0.1}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	notModel := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notModel, []byte("not a model"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		fields []string
		err    string
		usage  bool
	}{
		{[]string{"-predictor", "model"}, nil, "needs -model FIELD=FILE", true},
		{[]string{"-model", "category=x.bin"}, nil, "-model is for -predictor model", true},
		{[]string{"-predictor", "model", "-model", "=x.bin"}, nil, "want FIELD=FILE", true},
		{[]string{"-predictor", "model", "-model", "x.bin"}, nil, "say which field", true},
		{[]string{"-predictor", "model", "-model", "category=" + filepath.Join(dir, "missing.bin")}, nil, "missing.bin", false},
		{[]string{"-predictor", "model", "-model", "category=" + notModel}, nil, "notes.txt", false},
		{[]string{"-predictor", "model", "-model", "a=x.bin,a=y.bin"}, nil, "", false},
		{[]string{"-predictor", "llm"}, nil, "needs -llm-model", true},
		{[]string{"-predictor", "llm", "-llm-model", "m"}, nil, "OPENAI_API_KEY holding the API key is empty", true},
		{[]string{"-predictor", "llm", "-llm-model", "m", "-llm-provider", "anthropic"}, nil, "ANTHROPIC_API_KEY", true},
		{[]string{"-predictor", "llm", "-llm-model", "m", "-llm-key-env", "MY_KEY"}, nil, "MY_KEY", true},
		{[]string{"-predictor", "llm", "-llm-model", "m", "-llm-provider", "palm"}, nil, `unknown -llm-provider "palm"`, true},
		{[]string{"-llm-url", "http://localhost"}, nil, "-llm-url, -llm-model and -llm-key-env are for", true},
		{[]string{"-chain-threshold", "2"}, nil, "-chain-threshold 2", true},
		{[]string{"-offline-without", "lexicon"}, nil, `-offline-without "lexicon": unknown model`, true},
		{[]string{"-predictor", "llm", "-llm-model", "m", "-offline-without", "intent"}, nil, "-offline-without is for", true},
		{[]string{"-calibration", filepath.Join(dir, "none.json")}, nil, "none.json", false},
		{[]string{"-calibration", badCal}, nil, "bad calibration", false},
	}
	for _, tt := range tests {
		_, _, err := parse(t, tt.args...).Build(env(nil), tt.fields)
		if err == nil || !strings.Contains(err.Error(), tt.err) || predictorflag.IsUsage(err) != tt.usage {
			t.Errorf("%v: error %v, want one with %q (usage error: %v)", tt.args, err, tt.err, tt.usage)
		}
	}
}

func TestBuildModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "category.bin")
	saveModel(t, path)
	for _, args := range [][]string{
		{"-predictor", "model", "-model", "category=" + path},
		{"-predictor", "model", "-model", path}, // one field: the file is its model
	} {
		p, name, err := parse(t, args...).Build(env(nil), []string{"category"})
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		res, err := p.Predict(context.Background(), request())
		if err != nil {
			t.Fatal(err)
		}
		if name != "model" || res.Predictions["category"].Value != "billing" {
			t.Errorf("%v: %s answered %+v, want billing", args, name, res.Predictions)
		}
	}
	// Several fields: FILE gets each field's name before the extension.
	saveModel(t, filepath.Join(dir, "m.category.bin"))
	if _, _, err := parse(t, "-predictor", "model", "-model", filepath.Join(dir, "m.bin")).Build(env(nil), []string{"category", "priority"}); err == nil || !strings.Contains(err.Error(), "m.priority.bin") {
		t.Errorf("a missing m.priority.bin: %v", err)
	}
}

// answer is a model that reads the customer's words.
func answer(req *llmfake.Request) llmfake.Reply {
	args := `{"values":{"category":"shipping"},"confidence":{"category":0.6},"evidence":{"category":[]}}`
	if strings.Contains(req.User(), "charged twice") {
		args = `{"values":{"category":"billing"},"confidence":{"category":0.9},"evidence":{"category":["I was charged twice"]}}`
	}
	return llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: args}}}
}

func TestBuildLLM(t *testing.T) {
	for _, provider := range []string{llmfake.OpenAI, llmfake.Ollama, llmfake.Anthropic} {
		t.Run(provider, func(t *testing.T) {
			var srv *llmfake.Server
			switch provider {
			case llmfake.Anthropic:
				srv = llmfake.NewAnthropic(t, answer)
			case llmfake.Ollama:
				srv = llmfake.NewOllama(t, answer)
			default:
				srv = llmfake.NewOpenAI(t, answer)
			}
			f := parse(t, "-predictor", "llm", "-llm-provider", provider, "-llm-url", srv.URL, "-llm-model", "test-model", "-llm-key-env", "TEST_KEY")
			vars := map[string]string{"TEST_KEY": "secret-key"}
			if provider == llmfake.Ollama {
				vars = nil // Ollama needs no key
			}
			p, name, err := f.Build(env(vars), nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Predict(context.Background(), request())
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Predictions["category"]; got.Value != "billing" || got.Confidence != 0.9 || name != "llm" {
				t.Errorf("%s answered %+v", name, got)
			}
			if srv.Calls() != 1 {
				t.Fatalf("%d calls", srv.Calls())
			}
			h := srv.Last().Header
			key := h.Get("Authorization") + h.Get("X-Api-Key")
			if provider != llmfake.Ollama && !strings.Contains(key, "secret-key") {
				t.Errorf("the key from TEST_KEY was not sent: %q", key)
			}
			if srv.Last().Model != "test-model" {
				t.Errorf("model %q", srv.Last().Model)
			}
		})
	}
}

// A chain with a model endpoint that refuses falls back to the offline
// predictor.
func TestBuildChainWithLLMDown(t *testing.T) {
	srv := llmfake.NewOpenAI(t, func(*llmfake.Request) llmfake.Reply {
		return llmfake.Reply{Status: 401, Error: "bad key"}
	})
	f := parse(t, "-predictor", "llm,offline", "-llm-url", srv.URL, "-llm-model", "m")
	p, name, err := f.Build(env(map[string]string{"OPENAI_API_KEY": "k"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Predict(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	if name != "llm,offline" || srv.Calls() == 0 || res.Predictions["category"].Value != "billing" {
		t.Errorf("%s: %d calls, answered %+v", name, srv.Calls(), res.Predictions)
	}
}

func TestBuildCalibration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cal.json")
	cal := &predict.Calibration{Global: predict.CalibrationMap{Knots: []predict.CalibrationKnot{{Confidence: 0.5, Probability: 0.3}}}}
	if err := cal.Save(path); err != nil {
		t.Fatal(err)
	}
	plain, _, err := parse(t).Build(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, name, err := parse(t, "-calibration", path).Build(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := plain.Predict(context.Background(), request())
	got, _ := p.Predict(context.Background(), request())
	if want.Predictions["category"].Value != "billing" {
		t.Fatalf("the offline predictor answered %+v", want.Predictions)
	}
	if g := got.Predictions["category"]; g.Value != "billing" || g.Confidence != 0.3 || name != "offline calibrated" {
		t.Errorf("%s answered %+v, want billing at 0.3", name, g)
	}
}
