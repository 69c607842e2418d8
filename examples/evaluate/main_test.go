package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/predict/textclass"
	"github.com/google/go-cmp/cmp"
)

// writeFixture writes a small export of past cases: subject, body, a
// category and a priority, in CSV and in JSON Lines.
func writeFixture(t *testing.T) (csvPath, jsonlPath string) {
	t.Helper()
	kinds := []struct {
		category string
		subjects []string
		bodies   []string
	}{
		{"billing", []string{"Refund", "Invoice", "Charge", "Payment"},
			[]string{"I was charged twice for my plan", "the invoice amount is wrong", "please refund the extra fee", "my card was billed two times"}},
		{"shipping", []string{"Order", "Delivery", "Parcel", "Tracking"},
			[]string{"my order has not arrived", "the parcel went to the wrong address", "tracking has not moved for a week", "the delivery is late"}},
		{"account", []string{"Login", "Password", "Locked", "Sign in"},
			[]string{"I cannot sign in to my account", "the password reset email never comes", "my account is locked", "two-factor code rejected at login"}},
	}
	var csvB, jsonB strings.Builder
	csvB.WriteString("subject,body,category,priority\n")
	for i := range 16 {
		for j, k := range kinds {
			subj := k.subjects[i%4]
			body := fmt.Sprintf("Hello, %s (ticket %d).", k.bodies[(i/4+i)%4], i)
			prio := []string{"low", "high"}[(i+j)%2]
			fmt.Fprintf(&csvB, "%s,\"%s\",%s,%s\n", subj, body, k.category, prio)
			line, _ := json.Marshal(map[string]string{"subject": subj, "body": body, "category": k.category, "priority": prio})
			jsonB.Write(line)
			jsonB.WriteByte('\n')
		}
	}
	dir := t.TempDir()
	csvPath = filepath.Join(dir, "tickets.csv")
	jsonlPath = filepath.Join(dir, "tickets.jsonl")
	if err := os.WriteFile(csvPath, []byte(csvB.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jsonlPath, []byte(jsonB.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return csvPath, jsonlPath
}

func runEvaluate(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, process{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

type jsonReport struct {
	Records  int `json:"records"`
	Training int `json:"training_records"`
	Fields   map[string]struct {
		Accuracy         float64 `json:"accuracy"`
		MacroF1          float64 `json:"macro_f1"`
		Coverage         float64 `json:"coverage"`
		CalibrationError float64 `json:"calibration_error"`
	} `json:"fields"`
}

func TestEvaluateClassifier(t *testing.T) {
	csvPath, jsonlPath := writeFixture(t)
	dir := t.TempDir()
	for _, data := range []string{csvPath, jsonlPath} {
		model := filepath.Join(dir, "model.bin")
		html := filepath.Join(dir, "report.html")
		code, stdout, stderr := runEvaluate(t, "-data", data, "-text", "subject", "-text", "body", "-label", "category",
			"-split", "0.25", "-seed", "3", "-json", "-html", html, "-save", model)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", data, code, stderr)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%s: %v\n%s", data, err, stdout)
		}
		f, ok := rep.Fields["category"]
		if rep.Records != 12 || rep.Training != 36 || !ok {
			t.Fatalf("%s: report %+v, want 12 test and 36 training records of category", data, rep)
		}
		if f.Accuracy < 0.9 || f.MacroF1 < 0.9 || f.Coverage <= 0 {
			t.Errorf("%s: category %+v, want accuracy and macro-F1 at least 0.9", data, f)
		}
		if !strings.Contains(stderr, "trained category: 36 examples, 3 labels") {
			t.Errorf("%s: stderr lacks the training summary:\n%s", data, stderr)
		}
		m, err := textclass.Load(model)
		if err != nil {
			t.Fatalf("%s: saved model: %v", data, err)
		}
		if got, _ := m.Classify("I was charged twice"); got != "billing" {
			t.Errorf("%s: saved model says %q, want billing", data, got)
		}
		page, err := os.ReadFile(html)
		if err != nil || !bytes.Contains(page, []byte("<svg")) {
			t.Errorf("%s: HTML report missing or without chart (%v)", data, err)
		}
	}
}

func TestEvaluateTrainTestFiles(t *testing.T) {
	csvPath, jsonlPath := writeFixture(t)
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "report.json")
	code, stdout, stderr := runEvaluate(t, "-train", csvPath, "-test", jsonlPath, "-text", "subject,body",
		"-label", "category", "-label", "priority", "-json="+jsonPath, "-save", filepath.Join(dir, "m.bin"), "-threshold", "0.6")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"classifier: 48 records (trained on 48 in ", "category (3 labels)", "priority (2 labels)", "coverage at 0.60"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep jsonReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Fields) != 2 {
		t.Errorf("JSON report has %d fields, want 2", len(rep.Fields))
	}
	for _, name := range []string{"m.category.bin", "m.priority.bin"} {
		if _, err := textclass.Load(filepath.Join(dir, name)); err != nil {
			t.Errorf("saved %s: %v", name, err)
		}
	}

	// The saved classifiers evaluate the same without training.
	code, stdout2, stderr := runEvaluate(t, "-load", filepath.Join(dir, "m.bin"), "-test", jsonlPath, "-text", "subject,body",
		"-label", "category,priority", "-threshold", "0.6")
	if code != 0 {
		t.Fatalf("-load: exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "trained") {
		t.Errorf("-load trained a classifier:\n%s", stderr)
	}
	cut := func(s string) string { return s[strings.Index(s, "\n\n"):] }
	if diff := cmp.Diff(cut(stdout), cut(stdout2)); diff != "" {
		t.Errorf("report with -load differs (-trained +loaded):\n%s", diff)
	}
	code, _, stderr = runEvaluate(t, "-load", filepath.Join(dir, "missing.bin"), "-test", jsonlPath, "-text", "body", "-label", "category")
	if code != 1 || !strings.Contains(stderr, "missing.bin") {
		t.Errorf("-load of a missing file: exit %d, %s", code, stderr)
	}
}

func TestEvaluateOtherPredictors(t *testing.T) {
	csvPath, _ := writeFixture(t)
	for _, p := range []string{"heuristic", "description"} {
		code, stdout, stderr := runEvaluate(t, "-data", csvPath, "-text", "subject,body", "-label", "category", "-predictor", p, "-json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", p, code, stderr)
		}
		var rep jsonReport
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, ok := rep.Fields["category"]; !ok {
			t.Errorf("%s: no category in the report", p)
		}
		wantRecords := map[string]int{"heuristic": 18, "description": 48}[p]
		if rep.Records != wantRecords {
			t.Errorf("%s: %d records evaluated, want %d", p, rep.Records, wantRecords)
		}
	}
}

func TestEvaluateBadInput(t *testing.T) {
	csvPath, _ := writeFixture(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("body,category\nhello,billing\n\"broken,shipping\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no label", []string{"-data", csvPath}, "name at least one -label"},
		{"no data", []string{"-label", "category"}, "give -data FILE"},
		{"both", []string{"-data", csvPath, "-test", csvPath, "-label", "category"}, "not both"},
		{"missing column", []string{"-data", csvPath, "-text", "body", "-label", "team"}, `no column "team"`},
		{"missing text column", []string{"-data", csvPath, "-text", "message", "-label", "category"}, `no column "message"`},
		{"malformed CSV", []string{"-data", bad, "-text", "body", "-label", "category"}, "line 3: malformed CSV"},
		{"split", []string{"-data", csvPath, "-label", "category", "-split", "1.5"}, "-split 1.5"},
		{"predictor", []string{"-data", csvPath, "-label", "category", "-predictor", "oracle"}, `unknown -predictor "oracle"`},
		{"untrained test only", []string{"-test", csvPath, "-label", "category", "-text", "body"}, "is trained"},
		{"unknown flag", []string{"-frobnicate"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runEvaluate(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("a report was written: %q", stdout)
			}
		})
	}
}

func TestEvaluateSchema(t *testing.T) {
	csvPath, _ := writeFixture(t)
	dir := t.TempDir()
	schema := filepath.Join(dir, "schema.json")
	const fields = `{"fields":[
	{"name":"title","type":"text"},
	{"name":"category","type":"choice","options":[
		{"value":"Billing","description":"Use when: charges, invoices, refunds, fees."},
		{"value":"Shipping","description":"Use when: an order, parcel or delivery is late or lost."},
		{"value":"Account","description":"Use when: cannot sign in, password reset, locked account."}]}]}`
	if err := os.WriteFile(schema, []byte(fields), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runEvaluate(t, "-data", csvPath, "-text", "subject,body", "-label", "category", "-predictor", "description", "-schema", schema, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Fields map[string]struct {
			Accuracy float64 `json:"accuracy"`
			Classes  []struct {
				Label string `json:"label"`
			} `json:"classes"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	f := rep.Fields["category"]
	var labels []string
	for _, c := range f.Classes {
		labels = append(labels, c.Label)
	}
	// Expected values are read in the schema's spelling of the options.
	if diff := cmp.Diff([]string{"Account", "Billing", "Shipping"}, labels[:3]); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if f.Accuracy < 0.5 {
		t.Errorf("the description matcher with the schema's descriptions got accuracy %.3f, want at least 0.5", f.Accuracy)
	}

	if err := os.WriteFile(schema, []byte(`{"fields":[{"name":"category","type":"text"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runEvaluate(t, "-data", csvPath, "-text", "body", "-label", "category", "-schema", schema)
	if code != 2 || !strings.Contains(stderr, "field category has no options") {
		t.Errorf("schema field without options: exit %d, %s", code, stderr)
	}
}

func TestEvaluateBaselineSeedsCurve(t *testing.T) {
	csvPath, _ := writeFixture(t)
	html := filepath.Join(t.TempDir(), "report.html")
	code, stdout, stderr := runEvaluate(t, "-data", csvPath, "-text", "subject,body", "-label", "category",
		"-baseline", "-seeds", "3", "-curve", "-curve-sizes", "10,20", "-html", html, "-json",
		"-epochs", "8", "-prior", "0", "-words", "1-1", "-chars", "3-4", "-hash-bits", "16")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Comparison []struct {
			Predictor string   `json:"predictor"`
			Seeds     []uint64 `json:"seeds"`
			Accuracy  struct {
				Mean float64 `json:"mean"`
			} `json:"accuracy"`
		} `json:"comparison"`
		LearningCurve []struct {
			Examples int `json:"examples"`
		} `json:"learning_curve"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Comparison) != 2 || rep.Comparison[0].Predictor != "classifier" || rep.Comparison[1].Predictor != "baseline" {
		t.Fatalf("comparison %+v, want the classifier and the baseline", rep.Comparison)
	}
	for _, c := range rep.Comparison {
		if diff := cmp.Diff([]uint64{1, 2, 3}, c.Seeds); diff != "" || c.Accuracy.Mean < 0.8 {
			t.Errorf("%s: seeds (-want +got) %s, accuracy %.3f", c.Predictor, diff, c.Accuracy.Mean)
		}
	}
	var sizes []int
	for _, p := range rep.LearningCurve {
		sizes = append(sizes, p.Examples)
	}
	if diff := cmp.Diff([]int{10, 20, 30}, sizes); diff != "" {
		t.Errorf("learning curve sizes (-want +got):\n%s", diff)
	}
	if !strings.Contains(stderr, "prior correction 0.00") || !strings.Contains(stderr, "8 epochs") {
		t.Errorf("the classifier flags were not applied:\n%s", stderr)
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte("learning curve of category")) {
		t.Errorf("HTML report without the learning curve (%v)", err)
	}
}

// TestEvaluateUntrainedWithBaseline compares the untrained predictor
// with the baseline on the same test part.
func TestEvaluateUntrainedWithBaseline(t *testing.T) {
	csvPath, _ := writeFixture(t)
	code, stdout, stderr := runEvaluate(t, "-data", csvPath, "-text", "subject,body", "-label", "category", "-predictor", "description", "-baseline")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"description: 18 records", "baseline     category             1"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
}

func TestEvaluateShots(t *testing.T) {
	csvPath, _ := writeFixture(t)
	code, stdout, stderr := runEvaluate(t, "-data", csvPath, "-text", "subject,body", "-label", "category", "-shots", "2", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	// Two phrases for each of three options, and the three option names.
	if !strings.Contains(stderr, "trained category: 9 examples") || rep.Training != 6 {
		t.Errorf("-shots 2: trained on %d phrases:\n%s", rep.Training, stderr)
	}
	if f := rep.Fields["category"]; f.Accuracy < 0.5 {
		t.Errorf("two phrases per option: accuracy %.3f, want at least 0.5", f.Accuracy)
	}
}

func TestEvaluateBadComparisonFlags(t *testing.T) {
	csvPath, _ := writeFixture(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-seeds", "0"}, "-seeds 0"},
		{[]string{"-shots", "-1"}, "-shots must not be negative"},
		{[]string{"-predictor", "description", "-curve"}, "-curve, -shots and -seeds train"},
		{[]string{"-words", "2-1"}, `-words "2-1"`},
		{[]string{"-prior", "2"}, "-prior 2 is above 1"},
		{[]string{"-curve-sizes", "ten"}, "not a positive number"},
	}
	for _, tt := range tests {
		args := append([]string{"-data", csvPath, "-text", "body", "-label", "category"}, tt.args...)
		code, _, stderr := runEvaluate(t, args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
