package replay_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/predict/heuristic"
)

// replaySuite replays a folder of stories with the offline predictor.
func replaySuite(t *testing.T, dir string) *replay.Report {
	t.Helper()
	cfg, arts, ss, err := replay.LoadSuite(dir)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&replay.Runner{Config: cfg, Predictor: pred, Articles: arts}).Run(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestResolutionStoriesPassOffline replays the resolution stories
// (testdata/resolution: every path of resolution in English, Spanish and
// German) with the offline predictor and resolver, and requires every one
// to pass.
func TestResolutionStoriesPassOffline(t *testing.T) {
	rep := replaySuite(t, filepath.Join("testdata", "resolution"))
	if n := len(rep.Scenarios); n < 18 {
		t.Fatalf("replayed %d stories, want at least 18", n)
	}
	if rep.Failed > 0 {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Errorf("resolution stories: %d passed, %d failed:\n%s", rep.Passed, rep.Failed, b.String())
	}
}

// TestResolutionBlockedStoriesStillFail replays the stories the agent
// cannot serve yet (testdata/resolution-blocked, see its README): each
// must still fail, so that one that starts passing is moved to the
// stories it belongs with.
func TestResolutionBlockedStoriesStillFail(t *testing.T) {
	rep := replaySuite(t, filepath.Join("testdata", "resolution-blocked"))
	if len(rep.Scenarios) == 0 {
		t.Fatal("no blocked stories")
	}
	for _, s := range rep.Scenarios {
		if s.Passed {
			t.Errorf("%s passes now: move it to testdata/resolution and update the README", s.ID)
		}
	}
}
