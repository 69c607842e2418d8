package knowledge_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/predict/knowledge"
)

func TestLoadDir(t *testing.T) {
	fsys := fstest.MapFS{
		"account/reset.md": {Data: []byte("---\ntitle: Reset your password\nlanguage: en\ncategories: [account]\n" +
			"valid_from: 2026-01-01\nvalid_until: 2026-12-31T18:00:00+02:00\nversion: 3\n---\n\nTap **Forgot password**.\n")},
		"billing.md":     {Data: []byte("\ufeff# Refunds\r\n\r\nWe refund within 14 days.\r\n")},
		"list.json":      {Data: []byte(`[{"id":"j1","title":"One","body":"<p>First <b>HTML</b> body</p>","format":"html","products":["router"]},{"id":"j2","title":"Two","body":"Second","url":"https://example.com/j2"}]`)},
		"wrapped.json":   {Data: []byte(`{"articles":[{"id":"j3","title":"Three","body":"Third","language":"de"}]}`)},
		"single.json":    {Data: []byte(`{"id":"j4","title":"Four","body":"Fourth"}`)},
		"many.yaml":      {Data: []byte("articles:\n  - id: y1\n    title: Y one\n    body: |\n      Line one.\n\n      Line two.\n    format: markdown\n")},
		"one.yml":        {Data: []byte("id: y2\ntitle: Y two\nbody: Yaml body\nvalid_from: 2026-02-03\n")},
		".hidden.md":     {Data: []byte("not an article: no title")},
		"_drafts/x.md":   {Data: []byte("not loaded")},
		"notes.txt":      {Data: []byte("ignored")},
		"README":         {Data: []byte("ignored")},
		"empty/.gitkeep": {Data: nil},
	}
	got, err := knowledge.LoadDir(fsys)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	want := []knowledge.Article{
		{ID: "account/reset", Title: "Reset your password", Body: "Tap **Forgot password**.", Format: knowledge.FormatMarkdown, Language: "en",
			Categories: []string{"account"}, ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			ValidUntil: time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), Version: 3},
		{ID: "billing", Title: "Refunds", Body: "We refund within 14 days.", Format: knowledge.FormatMarkdown},
		{ID: "j1", Title: "One", Body: "First HTML body", Format: knowledge.FormatText, Products: []string{"router"}},
		{ID: "j2", Title: "Two", Body: "Second", Format: knowledge.FormatText, URL: "https://example.com/j2"},
		{ID: "y1", Title: "Y one", Body: "Line one.\n\nLine two.\n", Format: knowledge.FormatMarkdown},
		{ID: "y2", Title: "Y two", Body: "Yaml body", Format: knowledge.FormatText, ValidFrom: time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)},
		{ID: "j4", Title: "Four", Body: "Fourth", Format: knowledge.FormatText},
		{ID: "j3", Title: "Three", Body: "Third", Format: knowledge.FormatText, Language: "de"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("LoadDir (-want +got):\n%s", d)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		want             string // the error's text
		is               error
	}{
		{"md no title", "a.md", "just text", `knowledge: a.md: title: invalid article: no title: set one in the front matter, or begin the body with a "# " heading`, knowledge.ErrInvalid},
		{"md unclosed front matter", "a.md", "---\ntitle: x\n", `knowledge: a.md:1: front matter: has no closing "---" line`, nil},
		{"md unknown key", "a.md", "---\ntitle: x\ncolour: red\n---\nbody", "knowledge: a.md:3: front matter.colour: unknown key", nil},
		{"md body in front matter", "a.md", "---\nbody: x\n---\n# T\nb", "knowledge: a.md:2: front matter.body: unknown key", nil},
		{"md bad date", "a.md", "---\ntitle: x\nvalid_from: tomorrow\n---\nbody", `knowledge: a.md: front matter.valid_from: invalid article: "tomorrow" is not a date (2006-01-02) or an RFC 3339 time`, knowledge.ErrInvalid},
		{"md bad url", "a.md", "---\ntitle: x\nurl: ftp://x\n---\nbody", `knowledge: a.md: front matter.url: "ftp://x" is not an absolute http or https URL`, knowledge.ErrInvalid},
		{"md empty body", "a.md", "---\ntitle: x\n---\n\n", "knowledge: a.md:4: body: is empty", knowledge.ErrInvalid},
		{"md bad yaml", "a.md", "---\ntitle: [x\n---\nbody", "", nil},
		{"json syntax", "a.json", "[{\"id\":\"x\",\n\"title\": }]", "knowledge: a.json: line 2: invalid character '}' looking for beginning of value", nil},
		{"json unknown field", "a.json", `[{"id":"x","title":"t","body":"b"},{"id":"y","titel":"t","body":"b"}]`, `knowledge: a.json: [1]: json: unknown field "titel"`, nil},
		{"json invalid", "a.json", `[{"id":"x","title":"t","body":"b"},{"id":"y","title":"t","body":"b","language":"??"}]`, `knowledge: a.json: [1].language: "??" is not a language tag such as en or pt-BR`, knowledge.ErrInvalid},
		{"json wrong type", "a.json", `{"id":"x","title":"t","body":"b","version":"two"}`, "knowledge: a.json: version: is a JSON string, not int", nil},
		{"json wrong type in list", "a.json", `[{"id":"x","title":"t","body":"b","products":"router"}]`, "knowledge: a.json: [0].products: is a JSON string, not []string", nil},
		{"json not object", "a.json", `"text"`, "knowledge: a.json: not a JSON object or list", nil},
		{"json bad format", "a.json", `{"id":"x","title":"t","body":"b","format":"rtf"}`, `knowledge: a.json: format: invalid article: "rtf" is not text, markdown or html`, knowledge.ErrInvalid},
		{"yaml unknown key", "a.yaml", "- id: x\n  title: t\n  body: b\n- id: y\n  tilte: t\n", "knowledge: a.yaml:5: [1].tilte: unknown key", nil},
		{"yaml invalid", "a.yaml", "articles:\n  - id: x\n    title: t\n    body: b\n    valid_from: 2026-02-01\n    valid_until: 2026-01-01\n",
			"knowledge: a.yaml:2: [0].valid_until: 2026-01-01T00:00:00Z is not after valid_from 2026-02-01T00:00:00Z", knowledge.ErrInvalid},
		{"yaml scalar", "a.yaml", "hello", "knowledge: a.yaml:1: is not a mapping of article keys", nil},
		{"yaml empty", "a.yaml", "", "knowledge: a.yaml: empty YAML document", nil},
		{"yaml articles not list", "a.yaml", "articles: 3", "knowledge: a.yaml:1: articles: is not a list of articles", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := knowledge.LoadDir(fstest.MapFS{tc.file: {Data: []byte(tc.data)}})
			var le *knowledge.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("LoadDir = %v, want a *LoadError", err)
			}
			if le.File != tc.file {
				t.Errorf("File = %q, want %q", le.File, tc.file)
			}
			if tc.want != "" && err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestLoadDirDuplicatesAndLimits(t *testing.T) {
	fsys := fstest.MapFS{
		"a.md":   {Data: []byte("# A\nbody")},
		"b.json": {Data: []byte(`[{"id":"c","title":"C","body":"c"},{"id":"a","title":"A again","body":"a"}]`)},
	}
	_, err := knowledge.LoadDir(fsys)
	if err == nil || !strings.Contains(err.Error(), `knowledge: b.json: [1].id: invalid article: id "a" is also the id of an article in a.md`) {
		t.Errorf("duplicate ids: %v", err)
	}
	big := fstest.MapFS{"big.md": {Data: []byte("# Big\n" + strings.Repeat("x", 2000))}, "ok.md": {Data: []byte("# ok\nfine")}}
	if _, err := knowledge.LoadDir(big, knowledge.WithMaxFileBytes(1000)); !errors.Is(err, knowledge.ErrTooLarge) || !strings.Contains(err.Error(), "big.md") {
		t.Errorf("file over the limit: %v", err)
	}
	if _, err := knowledge.LoadDir(big, knowledge.WithMaxArticles(1)); !errors.Is(err, knowledge.ErrTooLarge) {
		t.Errorf("articles over the limit: %v", err)
	}
	// Every bad file is reported, not only the first.
	bad := fstest.MapFS{"x.md": {Data: []byte("no title")}, "y.md": {Data: []byte("no title either")}}
	_, err = knowledge.LoadDir(bad)
	if err == nil || !strings.Contains(err.Error(), "x.md") || !strings.Contains(err.Error(), "y.md") {
		t.Errorf("two bad files: %v", err)
	}
}

func mapFS(name string, data []byte) fstest.MapFS { return fstest.MapFS{name: {Data: data}} }
