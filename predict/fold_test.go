package predict

import (
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/textfold"
)

// foldReference is Fold as specified: lower case, white space runs
// made one space, trimmed.
func foldReference(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"", " ", "Hello  World", "\tA\r\nb\v\fc ", "already folded", "Größe  Ärger", "x\u00a0y", "\xff\xfeAB", "  lead", "trail  "} {
		f.Add(s, "Subject")
	}
	f.Fuzz(func(t *testing.T, s, subject string) {
		if got, want := textfold.Fold(s), foldReference(s); got != want {
			t.Fatalf("Fold(%q) = %q, want %q", s, got, want)
		}
		msgs := []channel.Message{{Subject: subject, Text: s}, {Text: subject, Signature: s}}
		var want strings.Builder
		fd := newFolded(msgs)
		for i := range msgs {
			m := &msgs[i]
			var one strings.Builder
			for _, p := range []string{m.Subject, m.From.Name, m.From.Email, m.Text, m.Signature} {
				if p != "" {
					one.WriteString(foldReference(p) + "\n")
				}
			}
			if got := fd.Message(i); got != one.String() {
				t.Fatalf("Message(%d) = %q, want %q", i, got, one.String())
			}
			want.WriteString(one.String())
		}
		if got := evidenceText(msgs); got != want.String() {
			t.Fatalf("Text = %q, want %q", got, want.String())
		}
		if got := fd.Quote(s); got != foldReference(s) {
			t.Fatalf("Quote(%q) = %q", s, got)
		}
	})
}
