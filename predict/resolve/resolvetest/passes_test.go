package resolvetest

import (
	"testing"

	"github.com/caseagent/caseagent/predict/knowledge"
	"github.com/caseagent/caseagent/predict/resolve"
)

// The suite must catch what it exists to catch.
func TestPassesCatchesBadDecisions(t *testing.T) {
	req := Requests()["complete"]
	for name, d := range map[string]*resolve.Decision{
		"invented citation": {Kind: resolve.Resolved, Message: "Any battery works.",
			Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "Any battery works, even rechargeable ones."}}},
		"answer without citation":     {Kind: resolve.Resolved, Message: "Two AA batteries."},
		"asks what is known":          {Kind: resolve.Question, Message: "Serial?", Ask: []string{"serial"}},
		"citation of another article": {Kind: resolve.ResolveCase, Citations: []knowledge.Citation{{ArticleID: "elsewhere", Quote: "The thermostat runs on two AA batteries."}}},
		"nil":                         nil,
	} {
		if err := passes(req, d); err == nil {
			t.Errorf("%s: passes accepted it", name)
		}
	}
	ok := &resolve.Decision{Kind: resolve.Resolved, Message: "Two AA.",
		Citations: []knowledge.Citation{{ArticleID: "battery", Quote: "The thermostat runs on two AA batteries."}}}
	if err := passes(req, ok); err != nil {
		t.Errorf("valid decision: %v", err)
	}
}
