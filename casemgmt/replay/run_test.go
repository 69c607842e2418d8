package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/eval"
	"github.com/google/go-cmp/cmp"
)

const tenant = `{
  "fields": [
    {"name": "issue_description", "type": "text"},
    {"name": "contact", "type": "lookup", "lookup": "contacts"},
    {"name": "category", "type": "choice", "options": [{"value": "Billing"}, {"value": "Product defect"}]},
    {"name": "serial_number", "type": "text", "pattern": "SN-[0-9]{4}"}
  ],
  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"}],
  "create": {"fields": ["issue_description", "contact"], "require": "all"},
  "default_update_fields": ["issue_description", "contact", "category"],
  "update_rules": [{"name": "defects", "when": {"field": "category", "op": "equals", "value": "Product defect"},
                    "predict": ["serial_number"]}]
}`

// scripted predicts from keywords of the latest customer message, so the
// runner can be tested without depending on a real predictor's quality.
var scripted = predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "scripted"}
	for _, m := range req.Messages {
		if m.Role != "customer" {
			continue
		}
		if strings.Contains(m.Text, "broken") {
			res.Predictions["issue_description"] = predict.Prediction{Value: m.Text, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: m.Text}}}
			res.Predictions["category"] = predict.Prediction{Value: "Product defect", Confidence: 0.9, Evidence: []predict.Evidence{{Quote: "broken"}}}
		}
		if i := strings.Index(m.Text, "SN-"); i >= 0 && len(m.Text) >= i+7 {
			sn := m.Text[i : i+7]
			res.Predictions["serial_number"] = predict.Prediction{Value: sn, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: sn}}}
		}
	}
	if req.Customer.ContactID != "" {
		res.Predictions["contact"] = predict.Prediction{Value: req.Customer.ContactID, Confidence: 1}
	}
	return res, nil
})

func parse(t *testing.T, src string) *replay.Scenario {
	t.Helper()
	s, err := replay.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runner(t *testing.T) *replay.Runner {
	t.Helper()
	cfg, err := agent.ParseConfig([]byte(tenant))
	if err != nil {
		t.Fatal(err)
	}
	return &replay.Runner{Config: cfg, Predictor: scripted}
}

func TestRunnerReportsPassAndFail(t *testing.T) {
	pass := parse(t, `{"id": "pass", "channel": "chat", "customer": {"authenticated_contact": "C-1"}, "steps": [
	  {"event": "accepted"},
	  {"expect": {"case": "none"}},
	  {"customer": "my router is broken"},
	  {"event": "ended"},
	  {"expect": {"case": "created", "status": "active", "fields": {"contact": "C-1", "category": "Product defect",
	              "issue_description": {"mentions": ["ROUTER"]}, "serial_number": {"empty": true}}}},
	  {"human_edit": {"category": "Billing"}},
	  {"customer": "serial SN-1234"},
	  {"event": "update_requested", "by": "rep-2"},
	  {"expect": {"case": "updated", "fields": {"category": "Billing", "serial_number": {"empty": true}}}}
	]}`)
	fail := parse(t, `{"id": "fail", "channel": "chat", "customer": {}, "steps": [
	  {"customer": "my router is broken"},
	  {"event": "ended"},
	  {"expect": {"case": "created", "fields": {"category": "Billing"}}}
	]}`)
	rep, err := runner(t).Run(context.Background(), []*replay.Scenario{pass, fail})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 1 || rep.Failed != 1 || !rep.Scenarios[0].Passed || rep.Scenarios[1].Passed {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Fatalf("passed %d failed %d\n%s", rep.Passed, rep.Failed, b.String())
	}
	// The anonymous chat has no contact, so no case: both checks fail.
	if got := rep.Scenarios[1].Expects[0].Checks[0]; got.OK || got.Got != "none" {
		t.Errorf("case check = %+v", got)
	}
	if rep.Fields["category"].Met != 2 || rep.Fields["category"].Missed != 1 {
		t.Errorf("category tally = %+v", rep.Fields["category"])
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if last := lines[len(lines)-1]; last != "1 passed, 1 failed" {
		t.Errorf("last line = %q", last)
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Scenarios []struct {
			ID     string `json:"id"`
			Passed bool   `json:"passed"`
		} `json:"scenarios"`
		Fields map[string]struct{ Met, Missed int } `json:"fields"`
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Scenarios[0].ID != "pass" || !decoded.Scenarios[0].Passed || decoded.Fields["category"].Missed != 1 {
		t.Errorf("json = %s", js.String())
	}
}

// A scenario with no expectation proves nothing and does not pass.
func TestScenarioWithoutExpectFails(t *testing.T) {
	s := parse(t, `{"id": "x", "channel": "chat", "steps": [{"customer": "hello"}, {"event": "ended"}]}`)
	rep, err := runner(t).Run(context.Background(), []*replay.Scenario{s})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 0 {
		t.Fatal("a scenario without expect passed")
	}
}

// The public scenarios, when they are beside the module, pass with the
// offline predictor.
func TestPublicScenariosPassOffline(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "scenarios")
	if _, err := os.Stat(filepath.Join(dir, "helpdesk.json")); err != nil {
		t.Skipf("no shared scenarios beside the module (%v)", err)
	}
	rep := replayOffline(t, filepath.Join(dir, "helpdesk.json"), dir)
	if rep.Failed > 0 {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Errorf("public scenarios:\n%s", b.String())
	}
}

// The report tells a value left unwritten (missed) from a value written
// that the story does not expect (wrong), per field and per scenario, and
// the precision counts only written values.
func TestReportTellsMissedFromWrong(t *testing.T) {
	s := parse(t, `{"id": "mixed", "channel": "chat", "customer": {"authenticated_contact": "C-1"}, "steps": [
	  {"customer": "my router is broken"},
	  {"event": "ended"},
	  {"expect": {"case": "created", "fields": {"contact": "C-1", "category": "Billing", "serial_number": "SN-9999"}}},
	  {"customer": "serial SN-1234"},
	  {"event": "update_requested", "by": "rep-2"},
	  {"expect": {"fields": {"serial_number": {"empty": true}, "issue_description": {"mentions": ["router"]}}}}
	]}`)
	rep, err := runner(t).Run(context.Background(), []*replay.Scenario{s})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]replay.Tally{
		"contact":           {Met: 1},
		"category":          {Wrong: 1},
		"serial_number":     {Missed: 1, Wrong: 1},
		"issue_description": {Met: 1},
	}
	counts := func(t *replay.Tally) [3]int { return [3]int{t.Met, t.Missed, t.Wrong} }
	for f, w := range want {
		if got := rep.Scenarios[0].Fields[f]; got == nil || counts(got) != counts(&w) {
			t.Errorf("scenario tally of %s = %+v, want %+v", f, got, w)
		}
		if got := rep.Fields[f]; got == nil || counts(got) != counts(&w) {
			t.Errorf("report tally of %s = %+v, want %+v", f, got, w)
		}
	}
	if counts(&rep.Total) != [3]int{2, 1, 2} {
		t.Errorf("total = %+v", rep.Total)
	}
	// The wrong category was predicted and written: every threshold up
	// to its confidence writes it, and no threshold keeps the field
	// right.
	th := rep.Fields["category"].Thresholds
	if len(th) != 21 || th[0].Written != 1 || th[0].Precision != 0 || th[20].Written != 0 {
		t.Errorf("category thresholds %+v, want one wrong value written at 0 and none at 1", th)
	}
	if _, ok := eval.LowestThreshold(th, 0.99); ok {
		t.Error("a threshold keeps a field whose only written value is wrong")
	}
	if rep.Precision != 0.5 || rep.PassRate != 0 {
		t.Errorf("precision %v, pass rate %v; want 0.5 and 0", rep.Precision, rep.PassRate)
	}
	var outcomes []string
	for _, e := range rep.Scenarios[0].Expects {
		for _, c := range e.Checks {
			if c.Outcome != "" {
				outcomes = append(outcomes, c.What+"="+c.Outcome)
			}
		}
	}
	wantOutcomes := []string{"field:category=wrong", "field:contact=met", "field:serial_number=missed",
		"field:issue_description=met", "field:serial_number=wrong"}
	if diff := cmp.Diff(wantOutcomes, outcomes); diff != "" {
		t.Errorf("check outcomes (-want +got):\n%s", diff)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{
		"FAIL mixed  (met 2, missed 1, wrong 2)",
		"field:category [wrong]: want Billing, got Product defect",
		"field:serial_number [missed]: want SN-9999, got (empty)",
		"pass rate 0.0%, precision of written values 50.0% (2 right of 4 written)",
		"\n0 passed, 1 failed\n",
	} {
		if !strings.Contains(text.String(), frag) {
			t.Errorf("text report lacks %q:\n%s", frag, text.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Fields    map[string]replay.Tally `json:"fields"`
		Precision float64                 `json:"precision"`
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Fields["category"].Wrong != 1 || decoded.Precision != 0.5 {
		t.Errorf("json = %s", js.String())
	}
}
