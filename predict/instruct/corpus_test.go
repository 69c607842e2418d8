package instruct_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/caseagent/caseagent/internal/corpus"
	"github.com/caseagent/caseagent/predict/instruct"
)

// TestRealQueriesAreNoInstructions runs the detector over the
// third-party corpora of customer queries (thousands of real-style
// requests: "I want to change my shipping address", "can you set up my
// account"), none of which is an instruction to the system, and reports
// the false-positive rate. It skips when the corpora are absent.
func TestRealQueriesAreNoInstructions(t *testing.T) {
	d := instruct.ForFields(helpdesk())
	for _, c := range []struct{ name, file, column string }{
		{"intents-bitext", "bitext_customer_service_sample_stratified.csv", "utterance"},
		{"intents-banking77", "test.csv", "text"},
	} {
		f, err := os.Open(filepath.Join(corpus.Dir(t, c.name), c.file))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%s: %v", c.name, err)
		}
		col := -1
		for i, h := range rows[0] {
			if h == c.column {
				col = i
			}
		}
		flagged := 0
		for _, r := range rows[1:] {
			if instructed(d, r[col]) {
				flagged++
				if flagged <= 10 {
					t.Logf("%s: flagged %q", c.name, r[col])
				}
			}
		}
		rate := float64(flagged) / float64(len(rows)-1)
		t.Logf("%s: %d of %d queries taken for instructions (%.2f%%)", c.name, flagged, len(rows)-1, 100*rate)
		if rate > 0.002 {
			t.Errorf("%s: false-positive rate %.2f%%, want at most 0.2%%", c.name, 100*rate)
		}
	}
}
