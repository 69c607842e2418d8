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
	rep := replayOffline(t, filepath.Join(dir, "helpdesk.json"), dir)
	if len(rep.Scenarios) < 30 {
		t.Fatalf("loaded %d stories, want at least 30", len(rep.Scenarios))
	}
	if rep.Failed > 0 {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Errorf("own stories: %d passed, %d failed of %d:\n%s", rep.Passed, rep.Failed, len(rep.Scenarios), b.String())
	}
}

// replayOffline replays the stories of dir under the configuration with
// the offline predictor.
func replayOffline(t *testing.T, config, dir string) *replay.Report {
	t.Helper()
	cfg, err := agent.LoadConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := replay.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&replay.Runner{Config: cfg, Predictor: pred}).Run(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
