package knowledge

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FromHTML converts an HTML body to the plain text a customer reads:
// scripts, styles and comments dropped, headings, paragraphs, list items,
// table rows and line breaks on lines of their own (paragraphs separated
// by blank lines), white space collapsed, entities decoded, link targets
// omitted. Articles keep text, not HTML, so that retrieval and citations
// see the words and not the markup.
func FromHTML(s string) (string, error) {
	if len(s) > 4*MaxBodyBytes {
		return "", fmt.Errorf("%w: HTML body of %d bytes, more than %d", ErrTooLarge, len(s), 4*MaxBodyBytes)
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return "", fmt.Errorf("knowledge: parsing HTML: %w", err)
	}
	var b strings.Builder
	space := false // a space is pending before the next word
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.CommentNode, html.DoctypeNode:
			return
		case html.TextNode:
			for i, w := range strings.Fields(n.Data) {
				if (i > 0 || space || startsWithSpace(n.Data)) && b.Len() > 0 && !endsWithNewline(&b) {
					b.WriteByte(' ')
				}
				b.WriteString(w)
			}
			space = endsWithSpace(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Head, atom.Noscript, atom.Template, atom.Iframe, atom.Svg:
				return
			case atom.Br:
				b.WriteByte('\n')
				space = false
				return
			}
		}
		brk := blockBreak(n)
		if brk != "" {
			newlines(&b, brk)
			space = false
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Li {
			b.WriteString("- ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if brk != "" {
			newlines(&b, brk)
			space = false
		}
	}
	walk(doc)
	return strings.TrimSpace(collapseBlankLines(b.String())), nil
}

// blockBreak returns the line break an element stands on: a blank line
// for paragraphs and headings, a line for items and rows, none inline.
func blockBreak(n *html.Node) string {
	if n.Type != html.ElementNode {
		return ""
	}
	switch n.DataAtom {
	case atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre,
		atom.Ul, atom.Ol, atom.Table, atom.Hr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Dl:
		return "\n\n"
	case atom.Li, atom.Tr, atom.Div, atom.Dt, atom.Dd, atom.Caption:
		return "\n"
	}
	return ""
}

// newlines ends b with at least brk.
func newlines(b *strings.Builder, brk string) {
	if b.Len() == 0 {
		return
	}
	s := b.String()
	have := len(s) - len(strings.TrimRight(s, "\n"))
	for range len(brk) - have {
		b.WriteByte('\n')
	}
}

func endsWithNewline(b *strings.Builder) bool {
	s := b.String()
	return s != "" && s[len(s)-1] == '\n'
}

func startsWithSpace(s string) bool { return s != "" && strings.TrimLeft(s, " \t\r\n\f") != s }
func endsWithSpace(s string) bool   { return s != "" && strings.TrimRight(s, " \t\r\n\f") != s }

var (
	mdImage    = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]+)\]\([^)]*\)`)
	mdRefLink  = regexp.MustCompile(`\[([^\]]+)\]\[[^\]]*\]`)
	mdAutolink = regexp.MustCompile(`<((?:https?|mailto):[^>\s]+)>`)
	mdStrong   = regexp.MustCompile(`(\*\*|__)(\S(?:.*?\S)?)(\*\*|__)`)
	mdEm       = regexp.MustCompile(`(^|[\s(])[*_](\S(?:[^*_]*?\S)?)[*_]([\s).,;:!?]|$)`)
	mdCode     = regexp.MustCompile("`([^`]+)`")
	mdHeading  = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	mdList     = regexp.MustCompile(`^\s*(?:[-*+]|\d{1,9}[.)])\s+`)
	mdQuote    = regexp.MustCompile(`^\s{0,3}>\s?`)
	mdRule     = regexp.MustCompile(`^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$`)
	mdRefDef   = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s+\S+`)
)

// markdownText strips Markdown markup from s, keeping its words and its
// paragraphs.
func markdownText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	fence := false
	for line := range strings.SplitSeq(s, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = !fence
			continue
		}
		if fence {
			b.WriteString(line)
			b.WriteByte('\n')
			continue
		}
		if mdRule.MatchString(line) || mdRefDef.MatchString(line) {
			b.WriteByte('\n')
			continue
		}
		for mdQuote.MatchString(line) {
			line = mdQuote.ReplaceAllString(line, "")
		}
		heading := false
		if m := mdHeading.FindStringSubmatch(line); m != nil {
			line, heading = m[1], true
		}
		line = mdList.ReplaceAllString(line, "")
		if strings.Contains(line, "](") || strings.Contains(line, "][") {
			line = mdImage.ReplaceAllString(line, "$1")
			line = mdLink.ReplaceAllString(line, "$1")
			line = mdRefLink.ReplaceAllString(line, "$1")
		}
		if strings.Contains(line, "<") {
			line = mdAutolink.ReplaceAllString(line, "$1")
		}
		if strings.Contains(line, "`") {
			line = mdCode.ReplaceAllString(line, "$1")
		}
		if strings.ContainsAny(line, "*_") {
			line = mdStrong.ReplaceAllString(line, "$2")
			line = mdEm.ReplaceAllString(line, "$1$2$3")
		}
		line = strings.TrimRight(line, " \t")
		if heading {
			// A heading is a paragraph of its own.
			b.WriteString("\n" + line + "\n\n")
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return strings.TrimSpace(collapseBlankLines(b.String()))
}

// collapseBlankLines turns runs of blank lines into one blank line.
func collapseBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
			l = ""
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
