package knowledge_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/predict/knowledge"
)

func valid() knowledge.Article {
	return knowledge.Article{ID: "kb-1", Title: "Title", Body: "Body\n\twith a tab", Language: "pt-BR",
		Products: []string{"router"}, Categories: []string{"device"}, URL: "https://example.com/kb-1",
		ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ValidUntil: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Version: 2}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		mod         func(a *knowledge.Article)
	}{
		{"valid", "", func(a *knowledge.Article) {}},
		{"markdown", "", func(a *knowledge.Article) { a.Format = knowledge.FormatMarkdown }},
		{"no language", "", func(a *knowledge.Article) { a.Language = "" }},
		{"open dates", "", func(a *knowledge.Article) { a.ValidFrom, a.ValidUntil = time.Time{}, time.Time{} }},
		{"empty id", "id", func(a *knowledge.Article) { a.ID = "" }},
		{"spaced id", "id", func(a *knowledge.Article) { a.ID = " kb-1" }},
		{"long id", "id", func(a *knowledge.Article) { a.ID = strings.Repeat("x", knowledge.MaxIDBytes+1) }},
		{"line break in id", "id", func(a *knowledge.Article) { a.ID = "a\nb" }},
		{"blank title", "title", func(a *knowledge.Article) { a.Title = "  \t" }},
		{"line break in title", "title", func(a *knowledge.Article) { a.Title = "a\nb" }},
		{"long title", "title", func(a *knowledge.Article) { a.Title = strings.Repeat("x", knowledge.MaxTitleBytes+1) }},
		{"empty body", "body", func(a *knowledge.Article) { a.Body = "\n\n" }},
		{"long body", "body", func(a *knowledge.Article) { a.Body = strings.Repeat("x", knowledge.MaxBodyBytes+1) }},
		{"control in body", "body", func(a *knowledge.Article) { a.Body = "a\x07b" }},
		{"invalid utf8", "body", func(a *knowledge.Article) { a.Body = "a\xc3" }},
		{"html format", "format", func(a *knowledge.Article) { a.Format = "html" }},
		{"bad language", "language", func(a *knowledge.Article) { a.Language = "Portuguese" }},
		{"empty product", "products[1]", func(a *knowledge.Article) { a.Products = []string{"a", " "} }},
		{"long category", "categories[0]", func(a *knowledge.Article) { a.Categories = []string{strings.Repeat("c", knowledge.MaxTagBytes+1)} }},
		{"too many tags", "products", func(a *knowledge.Article) { a.Products = make([]string, knowledge.MaxTags+1) }},
		{"relative url", "url", func(a *knowledge.Article) { a.URL = "/kb-1" }},
		{"script url", "url", func(a *knowledge.Article) { a.URL = "javascript:alert(1)" }},
		{"until before from", "valid_until", func(a *knowledge.Article) { a.ValidUntil = a.ValidFrom.Add(-time.Hour) }},
		{"negative version", "version", func(a *knowledge.Article) { a.Version = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.mod(&a)
			err := a.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ve *knowledge.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, knowledge.ErrInvalid) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if ve.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", ve.Field, tc.field, err)
			}
		})
	}
}

func TestValidAtAndTags(t *testing.T) {
	a := valid()
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Time{}, true},
		{a.ValidFrom, true},
		{a.ValidFrom.Add(-time.Nanosecond), false},
		{a.ValidUntil.Add(-time.Nanosecond), true},
		{a.ValidUntil, false},
	} {
		if got := a.ValidAt(tc.at); got != tc.want {
			t.Errorf("ValidAt(%v) = %v", tc.at, got)
		}
	}
	if !a.HasProduct("ROUTER ") || a.HasProduct("thermostat") || !a.HasProduct("") {
		t.Error("HasProduct does not fold case and space, or matches another product")
	}
	a.Categories = nil
	if !a.HasCategory("anything") {
		t.Error("an article without categories belongs to every category")
	}
	if !knowledge.SameLanguage("pt-BR", "pt") || knowledge.SameLanguage("pt", "es") || !knowledge.SameLanguage("", "es") {
		t.Error("SameLanguage")
	}
}

func TestClone(t *testing.T) {
	a := valid()
	c := a.Clone()
	c.Products[0] = "changed"
	if a.Products[0] != "router" {
		t.Error("Clone shares the products")
	}
}

func TestMarkdownText(t *testing.T) {
	a := knowledge.Article{Format: knowledge.FormatMarkdown, Body: "# Title #\r\n\r\nSome **bold**, _em_ and `code` with a [link](https://x.example) " +
		"and ![an image](i.png) and <https://auto.example>.\n\n> quoted\n> lines\n\n- one\n* two\n3. three\n\n---\n\n```\nraw *code*\n```\n\n[ref]: https://ref.example\nsnake_case_word stays"}
	want := "Title\n\nSome bold, em and code with a link and an image and https://auto.example.\n\nquoted\nlines\n\none\ntwo\nthree\n\nraw *code*\n\nsnake_case_word stays"
	if d := cmp.Diff(want, a.Text()); d != "" {
		t.Errorf("Text (-want +got):\n%s", d)
	}
	plain := knowledge.Article{Body: "**not markdown**\r\nline"}
	if got := plain.Text(); got != "**not markdown**\nline" {
		t.Errorf("plain Text = %q", got)
	}
}

func TestFromHTML(t *testing.T) {
	got, err := knowledge.FromHTML(`<html><head><style>p{}</style><script>alert(1)</script></head><body>
		<h1>Reset</h1><p>Tap <b>Forgot</b> <a href="https://x.example">here</a>.</p><ul><li>one</li><li>two</li></ul></body></html>`)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Reset", "Tap Forgot here.", "one", "two"} {
		if !strings.Contains(got, s) {
			t.Errorf("FromHTML = %q, missing %q", got, s)
		}
	}
	for _, s := range []string{"alert", "p{}", "https://x.example", "<"} {
		if strings.Contains(got, s) {
			t.Errorf("FromHTML = %q, kept %q", got, s)
		}
	}
	if _, err := knowledge.FromHTML(strings.Repeat("<p>x</p>", knowledge.MaxBodyBytes)); !errors.Is(err, knowledge.ErrTooLarge) {
		t.Errorf("huge HTML: %v, want ErrTooLarge", err)
	}
}
