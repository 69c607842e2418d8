package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/corpus"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSplitBody(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
		ok   bool
	}{
		{"two parts", "preamble\r\n--b\r\nA\r\n--b\r\nB\r\n--b--\r\nepilogue", []string{"A", "B"}, true},
		{"lf only", "--b\nA\n--b\nB\n--b--\n", []string{"A", "B"}, true},
		{"white space after delimiter", "--b  \r\nA\r\n--b--  \r\n", []string{"A"}, true},
		{"longer boundary inside is content", "--b\r\nA\r\n--bx\r\nstill A\r\n--b--\r\n", []string{"A\r\n--bx\r\nstill A"}, true},
		{"delimiter mid-line is content", "--b\r\nsee --b here\r\n--b--\r\n", []string{"see --b here"}, true},
		{"empty part", "--b\r\n--b\r\nB\r\n--b--\r\n", []string{"", "B"}, true},
		{"no closing delimiter", "--b\r\nA\r\n", []string{"A\r\n"}, true},
		{"no parts", "--b--\r\n", nil, false},
		{"nothing", "text", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, _, ok := splitBody([]byte(tt.body), "b")
			var got []string
			for _, p := range parts {
				got = append(got, string(p))
			}
			if ok != tt.ok || !cmp.Equal(tt.want, got, cmpopts.EquateEmpty()) {
				t.Errorf("splitBody = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// comparable is what must not depend on how the boundaries were found.
type comparable struct {
	Text, Quoted, Signature   string
	Attachments               []channel.Attachment
	AutoReply, Bounce         bool
	BouncedMessageID, Subject string
	Class                     Class
	SevereProblems            int
}

func outcome(p *Parsed) comparable {
	severe := 0
	for _, pr := range p.Problems {
		if pr.Severe {
			severe++
		}
	}
	m := p.Message
	return comparable{m.Text, m.Quoted, m.Signature, m.Attachments, m.AutoReply, m.Bounce, m.BouncedMessageID, m.Subject, p.Classification.Class, severe}
}

// TestSplitMultipartMatchesEnmime reads every message at hand both ways:
// with the boundaries found here and with enmime's own reader.
func TestSplitMultipartMatchesEnmime(t *testing.T) {
	var files []string
	for _, name := range []string{"mime-enmime", "bounce-sisimai"} {
		dir := corpus.Dir(t, name)
		_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".raw") || strings.HasSuffix(path, ".eml")) {
				files = append(files, path)
			}
			return nil
		})
	}
	fast, slow := NewParser(), NewParser()
	slow.slowMIME = true
	same := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		a, errA := fast.ParseBytes(raw)
		b, errB := slow.ParseBytes(raw)
		if (errA == nil) != (errB == nil) {
			t.Errorf("%s: errors differ: %v / %v", filepath.Base(f), errA, errB)
			continue
		}
		if errA != nil {
			same++
			continue
		}
		oa, ob := outcome(a), outcome(b)
		if ob.Text == "" && oa.Text != "" {
			// enmime lost the text (a leaf part that declares a boundary);
			// splitting the boundaries here kept it.
			t.Logf("%s: text kept that enmime alone loses: %q", filepath.Base(f), oa.Text)
			oa.Text, oa.Quoted, oa.Signature = "", "", ""
		}
		if d := cmp.Diff(ob, oa, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: enmime alone (-) and split boundaries (+) differ:\n%s", filepath.Base(f), d)
			continue
		}
		same++
	}
	t.Logf("%d/%d messages read the same both ways", same, len(files))
}
