package heuristic

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateMeanings = flag.Bool("update-meanings", false, "rewrite testdata/option-meanings.golden from the tenants it reads")

// TestOptionMeanings guards what an administrator's option descriptions
// mean to the predictor. The lexicon reads customers' text and option
// descriptions alike, so a phrase added for customers ("where is my
// order") also changes what an option that uses it is about; the stories
// of that option then quietly stop matching it. The concepts each option
// of the stories' tenant and of the quickstart's is read as are kept in
// a golden file: a change to them fails here and is accepted only by
// rewriting the file (-update-meanings), where the difference is
// reviewed with the change that made it.
func TestOptionMeanings(t *testing.T) {
	lx := defaultLexicon()
	var got strings.Builder
	for _, file := range []string{
		filepath.Join(storiesDir, "helpdesk.json"),
		filepath.Join("..", "..", "examples", "quickstart", "tenant.json"),
	} {
		fmt.Fprintf(&got, "# %s\n", filepath.ToSlash(file))
		writeMeanings(t, lx, file, &got)
	}
	golden := filepath.Join("testdata", "option-meanings.golden")
	if *updateMeanings {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got.String(), "\n")); diff != "" {
		t.Errorf("options of a tenant mean something else now; review, then run\n\tgo test ./predict/heuristic -run TestOptionMeanings -update-meanings\n(-golden +now):\n%s", diff)
	}
}

// writeMeanings writes what each option of the option fields of the
// tenant configuration in file is read as: the concept its value names,
// the cues of its description and those of its "Not for" part.
func writeMeanings(t *testing.T, lx *lexicon, file string, out *strings.Builder) {
	t.Helper()
	tenant := readTenant(t, file)
	for i := range tenant.Fields {
		f := &tenant.Fields[i]
		if len(f.Options) == 0 {
			continue
		}
		for _, m := range compileChoice(lx, f).opts {
			fmt.Fprintf(out, "%s = %s\n", f.Name, m.value)
			if m.nameKey != "" {
				fmt.Fprintf(out, "\tname %s\n", m.nameKey)
			}
			for _, c := range m.cues {
				fmt.Fprintf(out, "\tfor %s\n", cueString(c))
			}
			for _, c := range m.negCues {
				fmt.Fprintf(out, "\tnot %s\n", cueString(c))
			}
		}
	}
}

// cueString writes a cue's terms with their weights, sorted.
func cueString(c []weighted) string {
	parts := make([]string, 0, len(c))
	for _, t := range c {
		parts = append(parts, fmt.Sprintf("%s:%.2g", t.key, t.w))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}
