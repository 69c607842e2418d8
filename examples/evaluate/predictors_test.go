package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/internal/llmfake"
	"github.com/caseagent/caseagent/predict"
)

func runWithEnv(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, process{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

// keywordModel is a model endpoint that reads the customer's words.
func keywordModel(req *llmfake.Request) llmfake.Reply {
	text := req.User()
	value, quote := "", ""
	for _, c := range []struct{ value, word string }{
		{"account", "sign in"}, {"account", "password"}, {"account", "locked"}, {"account", "two-factor"},
		{"billing", "charged"}, {"billing", "invoice"}, {"billing", "refund"}, {"billing", "billed"},
		{"shipping", "order"}, {"shipping", "parcel"}, {"shipping", "tracking"}, {"shipping", "delivery"},
	} {
		if strings.Contains(text, c.word) {
			value, quote = c.value, c.word
			break
		}
	}
	ev := []string{}
	if quote != "" {
		ev = append(ev, quote)
	}
	b, _ := json.Marshal(map[string]any{
		"values":     map[string]any{"category": value},
		"confidence": map[string]any{"category": 0.99},
		"evidence":   map[string]any{"category": ev},
	})
	return llmfake.Reply{Choices: []llmfake.Choice{{ToolArgs: string(b)}}}
}

// Every shipped predictor is evaluated by flag, and -fit-calibration
// learns a calibration that -calibration applies later.
func TestEvaluateShippedPredictors(t *testing.T) {
	csvPath, _ := writeFixture(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "category.bin")
	if code, _, stderr := runEvaluate(t, "-data", csvPath, "-text", "subject,body", "-label", "category", "-save", model); code != 0 {
		t.Fatalf("training: exit %d: %s", code, stderr)
	}
	srv := llmfake.NewOpenAI(t, keywordModel)
	vars := map[string]string{"EVAL_KEY": "k"}
	llmFlags := []string{"-llm-url", srv.URL, "-llm-model", "test-model", "-llm-key-env", "EVAL_KEY"}
	cal := filepath.Join(dir, "cal.json")
	tests := []struct {
		name      string
		args      []string
		predictor string
		records   int
		minAcc    float64
	}{
		{"offline", []string{"-predictor", "offline"}, "offline", 48, 0},
		{"model", []string{"-predictor", "model", "-model", model}, "model", 48, 0.8},
		{"llm", append([]string{"-predictor", "llm", "-workers", "4"}, llmFlags...), "llm", 48, 0.99},
		{"chain", []string{"-predictor", "chain", "-model", model}, "model,offline", 48, 0.8},
		{"llm chain", append([]string{"-predictor", "llm,offline"}, llmFlags...), "llm,offline", 48, 0.99},
		{"fit calibration", append([]string{"-predictor", "llm", "-fit-calibration", cal}, llmFlags...), "llm calibrated", 18, 0.99},
		{"apply calibration", append([]string{"-predictor", "llm", "-calibration", cal}, llmFlags...), "llm calibrated", 48, 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-data", csvPath, "-text", "subject,body", "-label", "category", "-json"}, tt.args...)
			code, stdout, stderr := runWithEnv(t, vars, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var rep struct {
				jsonReport
				Predictor string `json:"predictor"`
			}
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatal(err)
			}
			f := rep.Fields["category"]
			t.Logf("%s: %d records, accuracy %.3f, calibration error %.3f", rep.Predictor, rep.Records, f.Accuracy, f.CalibrationError)
			if rep.Predictor != tt.predictor || rep.Records != tt.records {
				t.Errorf("predictor %q on %d records, want %q on %d", rep.Predictor, rep.Records, tt.predictor, tt.records)
			}
			if f.Accuracy < tt.minAcc {
				t.Errorf("accuracy %.3f, want at least %.2f", f.Accuracy, tt.minAcc)
			}
		})
	}
	// The calibration learned from the always-right model maps its 0.99
	// to what it measured, and the file says what it calibrated.
	c, err := predict.LoadCalibration(cal)
	if err != nil {
		t.Fatal(err)
	}
	if c.Predictor != "llm" || c.Global.Examples != 30 || len(c.Global.Knots) != 1 || c.Global.Knots[0].Probability < 0.9 {
		t.Errorf("calibration %+v", c)
	}
}

func TestEvaluateBadPredictorFlags(t *testing.T) {
	csvPath, _ := writeFixture(t)
	dir := t.TempDir()
	notCal := filepath.Join(dir, "cal.json")
	if err := os.WriteFile(notCal, []byte(`{"global":{"knots":[{"confidence":0.9,"probability":0.9},{"confidence":0.95,"probability":0.1}]}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"-data", csvPath, "-text", "subject,body", "-label", "category"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"list with an unknown name", []string{"-predictor", "model,oracle"}, 2, `unknown -predictor "model,oracle"`},
		{"model without file", []string{"-predictor", "model"}, 2, "needs -model FIELD=FILE"},
		{"model file missing", []string{"-predictor", "model", "-model", filepath.Join(dir, "none.bin")}, 1, "none.bin"},
		{"llm without model name", []string{"-predictor", "llm"}, 2, "needs -llm-model"},
		{"llm without key", []string{"-predictor", "llm", "-llm-model", "m"}, 2, "OPENAI_API_KEY holding the API key is empty"},
		{"bad provider", []string{"-predictor", "llm", "-llm-model", "m", "-llm-provider", "palm"}, 2, `unknown -llm-provider "palm"`},
		{"model flag on classifier", []string{"-model", "x.bin"}, 2, "-model and -llm-* are for"},
		{"save untrained", []string{"-predictor", "offline", "-save", filepath.Join(dir, "m.bin")}, 2, "-save needs a trained predictor"},
		{"fit a trained one", []string{"-fit-calibration", filepath.Join(dir, "c.json")}, 2, "-fit-calibration is for untrained predictors"},
		{"fit and apply", []string{"-predictor", "offline", "-fit-calibration", filepath.Join(dir, "c.json"), "-calibration", notCal}, 2, "not both"},
		{"bad calibration file", []string{"-predictor", "offline", "-calibration", notCal}, 1, "bad calibration"},
		{"chain threshold", []string{"-predictor", "chain", "-chain-threshold", "1.5"}, 2, "-chain-threshold 1.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runWithEnv(t, nil, append(base, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d with %q", code, stderr, tt.code, tt.want)
			}
			if stdout != "" {
				t.Errorf("a report was written: %q", stdout)
			}
		})
	}
}
