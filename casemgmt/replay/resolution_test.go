package replay_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/replay"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
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

// TestResolutionStoriesPassOnSQLite replays the resolution stories on
// SQLite stores, whose articles are searched by the database's full-text
// index rather than the in-memory one.
func TestResolutionStoriesPassOnSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a database per story")
	}
	cfg, arts, ss, err := replay.LoadSuite(filepath.Join("testdata", "resolution"))
	if err != nil {
		t.Fatal(err)
	}
	pred, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n := 0
	newStore := func(ctx context.Context) (casemgmt.Store, error) {
		n++
		s, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, fmt.Sprintf("s%d.db", n)))
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return s, err
	}
	rep, err := (&replay.Runner{Config: cfg, Predictor: pred, Articles: arts, NewStore: newStore}).Run(context.Background(), ss)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed > 0 {
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		t.Errorf("resolution stories on SQLite: %d passed, %d failed:\n%s", rep.Passed, rep.Failed, b.String())
	}
}
