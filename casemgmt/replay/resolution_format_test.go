package replay_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/caseagent/caseagent/predict/resolve"
	"github.com/caseagent/caseagent/predict/resolve/resolvetest"
)

func TestParseResolution(t *testing.T) {
	src := `{"id": "r1", "channel": "email", "tenant": "other.json", "shadow": true,
	 "resolvers": {"warranty": "warranty-desk", "billing": {"decisions": [{"kind": "question", "message": "Which invoice?", "ask": ["invoice"]}]}},
	 "steps": [
	  {"event": "resolve_requested", "by": "rep-3", "automation": "confirm"},
	  {"draft": "edit", "text": "New text", "by": "rep-2"},
	  {"draft": "discard", "reason": "wrong"},
	  {"expect": {"intent": "", "resolution": "asked", "summary": {"mentions": ["order"]}, "outbox": 1,
	    "messages": [{"kind": "question", "asks": [], "mentions": ["order"]}, {"cites": ["kb-1"]}],
	    "draft": "none"}},
	  {"expect": {"draft": {"kind": "resolved", "cites": ["kb-2"]}}}
	 ]}`
	s, err := replay.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Tenant != "other.json" || !s.Shadow {
		t.Errorf("tenant %q shadow %v", s.Tenant, s.Shadow)
	}
	wantRes := map[string]replay.ResolverSpec{
		"warranty": {Name: "warranty-desk"},
		"billing":  {Decisions: []resolve.Decision{{Kind: resolve.Question, Message: "Which invoice?", Ask: []string{"invoice"}}}},
	}
	if d := cmp.Diff(wantRes, s.Resolvers); d != "" {
		t.Errorf("resolvers (-want +got):\n%s", d)
	}
	empty, one := "", 1
	want := []replay.Step{
		{Kind: replay.StepEvent, Event: "resolve_requested", By: "rep-3", Automation: "confirm"},
		{Kind: replay.StepDraft, Draft: "edit", Text: "New text", By: "rep-2"},
		{Kind: replay.StepDraft, Draft: "discard", Reason: "wrong"},
		{Kind: replay.StepExpect, Expect: &replay.Expect{ResolutionExpect: replay.ResolutionExpect{
			Intent: &empty, Resolution: "asked", Summary: &replay.FieldExpect{Mentions: []string{"order"}}, Outbox: &one,
			Messages: &[]replay.MessageExpect{{Kind: resolve.Question, Asks: []string{}, Mentions: []string{"order"}}, {Cites: []string{"kb-1"}}},
			Draft:    &replay.DraftExpect{None: true}}}},
		{Kind: replay.StepExpect, Expect: &replay.Expect{ResolutionExpect: replay.ResolutionExpect{
			Draft: &replay.DraftExpect{MessageExpect: replay.MessageExpect{Kind: resolve.Resolved, Cites: []string{"kb-2"}}}}}},
	}
	if d := cmp.Diff(want, s.Steps); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
}

func TestParseResolutionErrors(t *testing.T) {
	for _, tc := range []struct{ name, steps, resolvers, want string }{
		{"automation on another event", `{"event": "update_requested", "by": "r", "automation": "full"}`, "", "only a resolve_requested"},
		{"resolve without by", `{"event": "resolve_requested"}`, "", "needs by"},
		{"unknown draft action", `{"draft": "send"}`, "", "not approve, edit or discard"},
		{"edit without text", `{"draft": "edit"}`, "", "needs a text"},
		{"approve with text", `{"draft": "approve", "text": "x"}`, "", "only an edit"},
		{"approve with reason", `{"draft": "approve", "reason": "x"}`, "", "only a discard"},
		{"unknown resolution state", `{"expect": {"resolution": "done"}}`, "", "not none, asked"},
		{"unknown message key", `{"expect": {"messages": [{"cite": ["kb"]}]}}`, "", "unknown field"},
		{"draft asks", `{"expect": {"draft": {"asks": []}}}`, "", "unknown field"},
		{"draft word", `{"expect": {"draft": "some"}}`, "", "not \"none\""},
		{"summary value", `{"expect": {"summary": "x"}}`, "", "summary"},
		{"resolver kind", `{"expect": {}}`, `{"w": {"decisions": [{"kind": "answer"}]}}`, "not question, resolved"},
		{"resolver empty", `{"expect": {}}`, `{"w": {"decisions": []}}`, "registered name or a list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `{"id": "x", "channel": "email", "steps": [` + tc.steps + `]`
			if tc.resolvers != "" {
				src += `, "resolvers": ` + tc.resolvers
			}
			_, err := replay.Parse([]byte(src + "}"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestNamedResolver replays a story whose intent is resolved by a resolver
// the host registered under a name, and one naming a resolver that is not
// registered.
func TestNamedResolver(t *testing.T) {
	dir := filepath.Join("testdata", "resolution")
	cfg, arts, _, err := replay.LoadSuite(dir)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	desk := resolvetest.NewScript().ForIntent("warranty_claim",
		&resolve.Decision{Kind: resolve.ResolveCase, Message: "A courier collects the broken box tomorrow and brings a new one."})
	r := &replay.Runner{Config: cfg, Predictor: pred, Articles: arts, Resolvers: map[string]resolve.Resolver{"warranty-desk": desk}}
	story := func(name string) *replay.Scenario {
		s, err := replay.Parse([]byte(`{"id": "named", "channel": "email", "resolvers": {"warranty_claim": "` + name + `"},
		 "steps": [
		  {"email": "Message-ID: <n1@example.net>\nFrom: Grace Turner <grace.turner@example.net>\nTo: help@fibrenet.example\nSubject: Broken TV box\n\nMy TV box is broken and will not turn on. It is under warranty.\n"},
		  {"expect": {"case": "created", "intent": "warranty_claim", "status": "resolved",
		    "messages": [{"kind": "resolve_case", "mentions": ["courier"]}]}}]}`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if res := r.RunScenario(context.Background(), story("warranty-desk")); !res.Passed {
		t.Errorf("named resolver: %+v", res)
	}
	if n := len(desk.Requests()); n != 1 {
		t.Errorf("the registered resolver was asked %d times, want 1", n)
	}
	res := r.RunScenario(context.Background(), story("nobody"))
	if res.Passed || !strings.Contains(res.Error, `no resolver is registered as "nobody"`) {
		t.Errorf("unregistered resolver: passed %v, error %q", res.Passed, res.Error)
	}
}
