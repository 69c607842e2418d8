// Package corpus locates the third-party corpora that tests may read when
// the project is checked out beside its shared material. Nothing of the
// corpora is part of the module: tests that use them skip when they are
// absent, as they are in a user's checkout.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the folder holding the corpora, or "" when there is none.
// The CASEAGENT_CORPORA environment variable overrides the default, which
// is ../shared/corpora beside the module root.
func Root() string {
	if d := os.Getenv("CASEAGENT_CORPORA"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "corpora")
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the path of the named corpus, or skips tb with a message
// saying what is missing.
func Dir(tb testing.TB, name string) string {
	tb.Helper()
	root := Root()
	if root == "" {
		tb.Skipf("corpus %s: no ../shared/corpora beside the module (set CASEAGENT_CORPORA to run this)", name)
	}
	d := filepath.Join(root, name)
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		tb.Skipf("corpus %s: %s is absent", name, d)
	}
	return d
}
