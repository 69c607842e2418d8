package storetest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A store adapter imports casemgmt and storetest and nothing that reads
// mail, HTML or conditions: its build must not pull the mail parser, the
// HTML-to-text converter or the condition language.
func TestAdapterBuildStaysSmall(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/caseagent/caseagent/casemgmt/storetest").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/jhillyerd/enmime", "github.com/jaytaylor/html2text", "github.com/expr-lang/expr",
			"github.com/caseagent/caseagent/channel/email", "github.com/caseagent/caseagent/rules", "github.com/caseagent/caseagent/casemgmt/agent"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("a store adapter's build pulls %s", dep)
			}
		}
	}
}
