package knowledge

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jaytaylor/html2text"
)

// FromHTML converts an HTML body to the plain text a customer reads:
// scripts and styles dropped, block elements on lines of their own, link
// targets omitted. Articles keep text, not HTML, so that retrieval and
// citations see the words and not the markup.
func FromHTML(html string) (string, error) {
	if len(html) > 4*MaxBodyBytes {
		return "", fmt.Errorf("%w: HTML body of %d bytes, more than %d", ErrTooLarge, len(html), 4*MaxBodyBytes)
	}
	s, err := html2text.FromString(html, html2text.Options{OmitLinks: true, TextOnly: true})
	if err != nil {
		return "", fmt.Errorf("knowledge: converting HTML: %w", err)
	}
	return strings.TrimSpace(collapseBlankLines(s)), nil
}

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
		line = mdImage.ReplaceAllString(line, "$1")
		line = mdLink.ReplaceAllString(line, "$1")
		line = mdRefLink.ReplaceAllString(line, "$1")
		line = mdAutolink.ReplaceAllString(line, "$1")
		line = mdCode.ReplaceAllString(line, "$1")
		line = mdStrong.ReplaceAllString(line, "$2")
		line = mdEm.ReplaceAllString(line, "$1$2$3")
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
