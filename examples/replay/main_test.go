package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict/textclass"
)

var (
	stories = filepath.Join("..", "..", "casemgmt", "replay", "testdata")
	story   = filepath.Join(stories, "906-email-injection-note-to-assistant-howto.scenario.json")
	config  = filepath.Join(stories, "helpdesk.json")
)

func replayStory(t *testing.T, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append(append([]string{"-config", config}, args...), story), &out, getenv)
	if errors.Is(err, errFailed) {
		err = nil // a story may fail with a weak predictor: it was replayed
	}
	return out.String(), err
}

func noEnv(string) string { return "" }

// saveCategoryModel trains a small classifier of the helpdesk categories.
func saveCategoryModel(t *testing.T) string {
	t.Helper()
	phrases := map[string][]string{
		"Billing":        {"I was charged twice", "the invoice is wrong", "refund the extra fee"},
		"How-to":         {"how do I set up the schedule", "where is the setting for", "how can I change the language"},
		"Product defect": {"the camera stopped working", "it keeps rebooting", "the screen is broken"},
		"Account access": {"I cannot log in", "the password reset never arrives", "my account is locked"},
	}
	var ex []textclass.Example
	for i := range 6 {
		for label, ps := range phrases {
			ex = append(ex, textclass.Example{Text: fmt.Sprintf("%s (case %d)", ps[i%len(ps)], i), Label: label})
		}
	}
	m, err := textclass.Train(context.Background(), ex, textclass.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "category.bin")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// The replay runs end to end with every kind of predictor.
func TestReplayPredictors(t *testing.T) {
	model := saveCategoryModel(t)
	srv := llmfake.NewOpenAI(t, llmfake.Answer(`{"values":{"category":"How-to"},"confidence":{"category":0.9},"evidence":{"category":[]}}`))
	keyEnv := func(k string) string {
		if k == "FAKE_KEY" {
			return "k"
		}
		return ""
	}
	llmFlags := []string{"-llm-url", srv.URL, "-llm-model", "test-model", "-llm-key-env", "FAKE_KEY"}
	def, err := replayStory(t, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"offline", []string{"-predictor", "offline"}},
		{"model", []string{"-predictor", "model", "-model", "category=" + model}},
		{"llm", append([]string{"-predictor", "llm"}, llmFlags...)},
		{"chain", []string{"-predictor", "chain", "-model", "category=" + model}},
		{"llm chain", append([]string{"-predictor", "llm,model,offline", "-model", "category=" + model}, llmFlags...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := srv.Calls()
			out, err := replayStory(t, keyEnv, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, "passed,") {
				t.Errorf("no summary in:\n%s", out)
			}
			if tt.name == "offline" && out != def {
				t.Errorf("-predictor offline differs from the default:\n%s\nwant:\n%s", out, def)
			}
			if strings.Contains(tt.name, "llm") && srv.Calls() == calls {
				t.Error("the model endpoint was never called")
			}
		})
	}
}

func TestReplayBadPredictorFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-predictor", "oracle"}, `unknown predictor "oracle"`},
		{[]string{"-predictor", "model"}, "needs -model FIELD=FILE"},
		{[]string{"-predictor", "model", "-model", "cat.bin"}, "say which field"},
		{[]string{"-predictor", "llm", "-llm-model", "m"}, "OPENAI_API_KEY"},
		{[]string{"-llm-model", "m"}, "are for -predictor llm"},
	}
	for _, tt := range tests {
		_, err := replayStory(t, noEnv, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one with %q", tt.args, err, tt.want)
		}
	}
}

// -summary reports the totals of the full report and names no scenario.
func TestReplaySummary(t *testing.T) {
	full, err := replayStory(t, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := replayStory(t, noEnv, "-summary")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sum, "906-") || strings.Contains(sum, "PASS") || strings.Contains(sum, "FAIL") {
		t.Errorf("the summary names a scenario:\n%s", sum)
	}
	if !strings.HasSuffix(full, sum) {
		t.Errorf("the summary is not the totals of the full report:\n%s\nfull:\n%s", sum, full)
	}
	if !strings.Contains(sum, "passed,") || !strings.Contains(sum, "precision of written values") {
		t.Errorf("no totals in:\n%s", sum)
	}
}

// -train learns the chain's classifiers from stories, and refuses to
// replay a story it trained on or a field the configuration lacks.
func TestReplayTrain(t *testing.T) {
	own := filepath.Join(stories, "stories")
	dir := t.TempDir()
	var out bytes.Buffer
	// The public-format stories beside this package's own are new text
	// to a classifier trained on the own stories.
	err := run(context.Background(), []string{"-config", config, "-train", own, "-train-fields", "category",
		"-predictor", "model,offline", "-json", story}, &out, noEnv)
	if err != nil && !errors.Is(err, errFailed) {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"category"`) {
		t.Errorf("no category in the report:\n%s", out.String())
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-train", own, "-predictor", "offline"}, "-train is for -predictor model"},
		{[]string{"-train", own, "-train-fields", "colour", "-predictor", "model,offline"}, `no field "colour"`},
		{[]string{"-train", dir, "-predictor", "model,offline"}, "fewer than 20 stories"},
	} {
		_, err := replayStory(t, noEnv, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one with %q", tt.args, err, tt.want)
		}
	}
	// A story both trained on and replayed.
	ownStory, err := filepath.Glob(filepath.Join(own, "g01-*.scenario.json"))
	if err != nil || len(ownStory) == 0 {
		t.Fatalf("no own story g01: %v", err)
	}
	err = run(context.Background(), []string{"-config", config, "-train", own, "-predictor", "model,offline", ownStory[0]}, &out, noEnv)
	if err == nil || !strings.Contains(err.Error(), "both trained on and replayed") {
		t.Errorf("replaying a story trained on: %v", err)
	}
}

// -train-fields auto learns the fields for which a classifier does better
// than the offline predictor on held-out stories of -train, and says how
// each field did.
func TestReplayTrainAuto(t *testing.T) {
	// sample copies every nth story of a folder into a new one.
	sample := func(folder string, every int) string {
		all, err := filepath.Glob(filepath.Join(stories, folder, "*.scenario.json"))
		if err != nil || len(all) < 200 {
			t.Fatalf("%s: %d stories, %v", folder, len(all), err)
		}
		dir := t.TempDir()
		for i := 0; i < len(all); i += every {
			b, err := os.ReadFile(all[i])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(all[i])), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	line := func(field string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^` + field + ` +\d+ +\d+/\d+ +wr +\d+/\d+ +wr +(true|false)$`)
	}
	// A tenant whose categories carry no descriptions: the offline
	// predictor reads a category only where the customer names it, and a
	// classifier trained on the tenant's stories does better.
	var tenant map[string]any
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tenant); err != nil {
		t.Fatal(err)
	}
	for _, f := range tenant["fields"].([]any) {
		if f := f.(map[string]any); f["name"] == "category" {
			for _, o := range f["options"].([]any) {
				delete(o.(map[string]any), "description")
			}
		}
	}
	bare := filepath.Join(t.TempDir(), "bare.json")
	if b, err = json.Marshal(tenant); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bare, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, log bytes.Buffer
	err = runLogged(context.Background(), []string{"-config", bare, "-train", sample("stories", 20), "-train-fields", "auto",
		"-predictor", "model,offline", story}, &out, &log, noEnv)
	if err != nil && !errors.Is(err, errFailed) {
		t.Fatal(err)
	}
	for _, field := range []string{"category", "product", "priority"} {
		if !line(field).MatchString(log.String()) {
			t.Errorf("no line for %s in:\n%s", field, log.String())
		}
	}
	if m := line("category").FindStringSubmatch(log.String()); m == nil || m[1] != "true" {
		t.Errorf("category not learned where the offline predictor has no descriptions to read:\n%s", log.String())
	}
	if !strings.Contains(out.String(), "passed,") {
		t.Errorf("no report:\n%s", out.String())
	}
	// On its own stories, which it passes, nothing beats the offline
	// predictor: there is no classifier to chain.
	log.Reset()
	err = runLogged(context.Background(), []string{"-config", config, "-train", sample("stories", 60), "-train-fields", "auto",
		"-predictor", "model,offline", story}, &out, &log, noEnv)
	if err == nil || !strings.Contains(err.Error(), "on no field") {
		t.Errorf("trained on stories the offline predictor passes: %v\n%s", err, log.String())
	}
	if !line("category").MatchString(log.String()) {
		t.Errorf("no line for category in:\n%s", log.String())
	}
}

// -offline-without turns the offline predictor's embedded models off: a
// story the intent model settles fails without it.
func TestReplayOfflineWithout(t *testing.T) {
	own := filepath.Join(stories, "stories", "pa06-chat-es-cafeteria-cuenta-bloqueada.scenario.json")
	replay := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		err := run(context.Background(), append(append([]string{"-config", config, "-summary"}, args...), own), &out, noEnv)
		if err != nil && !errors.Is(err, errFailed) {
			t.Fatal(err)
		}
		return out.String()
	}
	if got := replay(); !strings.Contains(got, "1 passed, 0 failed") {
		t.Fatalf("with the embedded models:\n%s", got)
	}
	if got := replay("-offline-without", "intent"); !strings.Contains(got, "0 passed, 1 failed") {
		t.Errorf("-offline-without intent:\n%s", got)
	}
	if _, err := replayStory(t, noEnv, "-offline-without", "lexicon"); err == nil || !strings.Contains(err.Error(), "unknown model") {
		t.Errorf("-offline-without lexicon: %v", err)
	}
}
