package replay_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/casemgmt/replay"
)

// The kept-aside set's floors: what the latest release scores on it
// (its first replay, on the release before the set was written, scored
// 22 passed and 73 of 77 written values right). A release that does
// worse on it fails TestKeptAsideSet.
const (
	keptAsideMinPassed    = 25
	keptAsideMinPrecision = 0.962
)

// TestKeptAsideSet replays the kept-aside stories (testdata/holdout) with
// the offline predictor and reports only totals, per language and per
// field, never which story failed, so that nobody tunes on them (see
// testdata/holdout/README.md). It fails when fewer stories pass or fewer
// written values are right than at the latest release.
func TestKeptAsideSet(t *testing.T) {
	rep := replayOffline(t, filepath.Join("testdata", "stories", "helpdesk.json"), filepath.Join("testdata", "holdout"))
	if len(rep.Scenarios) < 28 {
		t.Fatalf("loaded %d kept-aside stories, want at least 28", len(rep.Scenarios))
	}
	var sum strings.Builder
	if err := rep.WriteSummary(&sum); err != nil {
		t.Fatal(err)
	}
	t.Logf("kept-aside set, by language (passed of stories): %s\n%s", byLanguage(rep), sum.String())
	if rep.Passed < keptAsideMinPassed {
		t.Errorf("%d kept-aside stories passed, fewer than the %d of the latest release", rep.Passed, keptAsideMinPassed)
	}
	if rep.Precision < keptAsideMinPrecision {
		t.Errorf("precision of written values %.3f on the kept-aside set, below the %.3f of the latest release", rep.Precision, keptAsideMinPrecision)
	}
}

// byLanguage counts passed stories per language, the third part of a
// story's id ("k07-email-es-...").
func byLanguage(rep *replay.Report) string {
	passed, all := map[string]int{}, map[string]int{}
	for _, s := range rep.Scenarios {
		parts := strings.SplitN(s.ID, "-", 4)
		lang := "?"
		if len(parts) > 2 {
			lang = parts[2]
		}
		all[lang]++
		if s.Passed {
			passed[lang]++
		}
	}
	langs := make([]string, 0, len(all))
	for l := range all {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	out := make([]string, 0, len(langs))
	for _, l := range langs {
		out = append(out, fmt.Sprintf("%s %d/%d", l, passed[l], all[l]))
	}
	return strings.Join(out, ", ")
}
