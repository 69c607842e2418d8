package agent

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/caseagent/caseagent/channel"
)

type verdictCase struct {
	Text string `json:"text"`
	Want string `json:"want"`
}

func loadVerdicts(t *testing.T, name string) map[string][]verdictCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]verdictCase{}
	for lang, r := range raw {
		if lang == "about" {
			continue
		}
		var cs []verdictCase
		if err := json.Unmarshal(r, &cs); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		out[lang] = cs
	}
	return out
}

func verdictName(v Verdict) string {
	switch v {
	case VerdictResolved:
		return "resolved"
	case VerdictUnresolved:
		return "unresolved"
	}
	return "neutral"
}

// TestDefaultJudgePhrases reads the replies of testdata/reply-verdicts.json
// and reply-verdicts-2.json (seven languages: solved, not solved with
// negation, and questions that settle nothing) with the default judge, and
// requires each verdict.
func TestDefaultJudgePhrases(t *testing.T) {
	for _, name := range []string{"reply-verdicts.json", "reply-verdicts-2.json"} {
		t.Run(name, func(t *testing.T) { judgeSet(t, loadVerdicts(t, name)) })
	}
}

func judgeSet(t *testing.T, sets map[string][]verdictCase) {
	langs := make([]string, 0, len(sets))
	for l := range sets {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	if len(langs) < 7 {
		t.Fatalf("%d languages, want 7", len(langs))
	}
	j := DefaultReplyJudge()
	total, right := 0, 0
	for _, l := range langs {
		ok := 0
		for _, c := range sets[l] {
			v, err := j.Judge(context.Background(), &channel.Message{Text: c.Text})
			if err != nil {
				t.Fatal(err)
			}
			if got := verdictName(v); got != c.Want {
				t.Errorf("%s %q: got %s, want %s", l, c.Text, got, c.Want)
				continue
			}
			ok++
		}
		t.Logf("%s: %d of %d", l, ok, len(sets[l]))
		total += len(sets[l])
		right += ok
	}
	t.Logf("all: %d of %d", right, total)
}

// TestDefaultJudgeRules pins the rules beside the phrases: a negation
// turns a "solved" phrase around only within its clause, a reply's
// subject (which repeats the problem) is not read, a new subject is.
func TestDefaultJudgeRules(t *testing.T) {
	tests := []struct {
		name          string
		subject, text string
		want          Verdict
	}{
		{"negation before", "", "It is not solved.", VerdictUnresolved},
		{"negation three words back", "", "No se ha solucionado.", VerdictUnresolved},
		{"negation after the verb", "", "Das Problem ist gelöst nicht, sorry.", VerdictUnresolved},
		{"negation in another clause", "", "No problem. It works now.", VerdictResolved},
		{"problem wins over solution", "", "The reset fixed it for a day, but it keeps dropping.", VerdictUnresolved},
		{"unaccented", "", "nach dem Neustart lauft alles wieder", VerdictResolved},
		{"reply subject not read", "Re: Internet keeps dropping", "Thank you, that fixed it!", VerdictResolved},
		{"new subject read", "Still not working", "See above.", VerdictUnresolved},
		{"question", "", "Do I need the yellow cable?", VerdictNeutral},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultReplyJudge().Judge(context.Background(), &channel.Message{Subject: tt.subject, Text: tt.text})
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %s, want %s", verdictName(got), verdictName(tt.want))
			}
		})
	}
}
