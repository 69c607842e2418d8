package replay_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/predict/heuristic"
)

// TestOwnStoriesPassOffline replays the project's own acceptance stories
// (testdata/stories: the kinds of the public scenarios told in other
// words, products, contacts and languages) with the offline predictor,
// and requires every one to pass. It guards against fitting the public
// scenario texts.
func TestOwnStoriesPassOffline(t *testing.T) {
	dir := filepath.Join("testdata", "stories")
	cfg, err := agent.LoadConfig(filepath.Join(dir, "helpdesk.json"))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) < 30 {
		t.Fatalf("loaded %d stories, want at least 30", len(ss))
	}
	pred, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&replay.Runner{Config: cfg, Predictor: pred}).Run(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed > 0 || rep.Passed != len(ss) {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Errorf("own stories: %d passed, %d failed of %d:\n%s", rep.Passed, rep.Failed, len(ss), b.String())
	}
}
