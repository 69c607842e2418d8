package knowledge_test

import (
	"context"
	"testing"
	"unicode/utf8"

	"github.com/caseagent/caseagent/predict/knowledge"
)

// FuzzParse feeds any bytes to the loaders and the analysis: no panics,
// and every article they return is valid.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"---\ntitle: x\nlanguage: en\n---\n# Hello\n\nBody **bold** [l](u)",
		`[{"id":"a","title":"t","body":"<p>x</p>","format":"html"}]`,
		"articles:\n  - id: a\n    title: t\n    body: b\n",
		"---\n---\n", "# \n", "<<<>>>", "\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.md", "f.json", "f.yaml"} {
			arts, err := knowledge.LoadDir(mapFS(name, data))
			if err != nil {
				continue
			}
			for i := range arts {
				if err := arts[i].Validate(); err != nil {
					t.Fatalf("%s: loaded an invalid article: %v", name, err)
				}
				ix, err := knowledge.NewIndex(arts[i : i+1])
				if err != nil {
					t.Fatal(err)
				}
				hits, err := ix.Retrieve(context.Background(), knowledge.Query{Text: string(data)})
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range hits {
					for _, p := range h.Passages {
						if !h.Article.Quotes(p.Text) {
							t.Fatalf("passage %q does not occur in its article", p.Text)
						}
					}
				}
			}
		}
		s := string(data)
		for _, lang := range append([]string{"", "xx"}, knowledge.Languages...) {
			for _, term := range knowledge.Terms(s, lang) {
				if term == "" || !utf8.ValidString(term) {
					t.Fatalf("Terms(%q, %s) gave %q", s, lang, term)
				}
			}
		}
		if text, err := knowledge.FromHTML(s); err == nil && !utf8.ValidString(text) && utf8.ValidString(s) {
			t.Fatalf("FromHTML gave invalid UTF-8 for valid input")
		}
	})
}
