package knowledge

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Passage is a piece of an article's text (Article.Text), quoted as it
// stands, with how well it matches a query (higher is better).
type Passage struct {
	Text  string  `json:"text"`
	Score float64 `json:"score"`
}

// Passage sizes.
const (
	// DefaultPassages is how many passages SelectPassages returns when
	// asked for 0.
	DefaultPassages = 2
	// maxPassageBytes is the length above which a paragraph is cut into
	// groups of sentences.
	maxPassageBytes = 600
)

// SelectPassages returns up to max passages of a's text (DefaultPassages
// when max is 0) that match query best, in the article's order. A passage
// is a paragraph, a heading with the paragraph after it, or, in long
// paragraphs, a run of whole sentences; its score is the number of
// distinct query terms it holds, plus a little for each repetition. Only
// passages that hold a query term are returned. Every passage occurs in
// a.Text() as it is, so a citation quoting it passes ValidateCitations.
func SelectPassages(a *Article, query string, max int) []Passage {
	return selectPassages(articlePassages(a), Terms(query, a.Language), max)
}

// passageTerms is a passage and the terms it holds.
type passageTerms struct {
	text  string
	terms map[string]int
}

// articlePassages cuts a's text into passages and analyses each.
func articlePassages(a *Article) []passageTerms {
	texts := splitPassages(a.Text())
	out := make([]passageTerms, len(texts))
	for i, p := range texts {
		ts := map[string]int{}
		for _, t := range Terms(p, a.Language) {
			ts[t]++
		}
		out[i] = passageTerms{text: p, terms: ts}
	}
	return out
}

// selectPassages is SelectPassages over passages analysed already.
func selectPassages(ps []passageTerms, queryTerms []string, max int) []Passage {
	if max <= 0 {
		max = DefaultPassages
	}
	qterms := distinct(queryTerms)
	if len(qterms) == 0 {
		return nil
	}
	type scored struct {
		Passage
		pos int
	}
	var cands []scored
	for i, p := range ps {
		s := 0.0
		for _, t := range qterms {
			if n := p.terms[t]; n > 0 {
				s += 1 + 0.1*math.Log(float64(n))
			}
		}
		if s > 0 {
			cands = append(cands, scored{Passage{Text: p.text, Score: s}, i})
		}
	}
	slices.SortStableFunc(cands, func(x, y scored) int { return cmp.Compare(y.Score, x.Score) })
	if len(cands) > max {
		cands = cands[:max]
	}
	slices.SortFunc(cands, func(x, y scored) int { return cmp.Compare(x.pos, y.pos) })
	out := make([]Passage, len(cands))
	for i, c := range cands {
		out[i] = c.Passage
	}
	return out
}

// splitPassages cuts text into passages: paragraphs separated by blank
// lines, a short heading-like paragraph joined to the next, and long
// paragraphs cut between sentences.
func splitPassages(text string) []string {
	var paras []string
	for p := range strings.SplitSeq(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			paras = append(paras, p)
		}
	}
	var out []string
	for i := 0; i < len(paras); i++ {
		p := paras[i]
		if isHeading(p) && i+1 < len(paras) {
			// Keep the text between them, so the passage occurs in the text.
			start := strings.Index(text, p)
			next := paras[i+1]
			end := strings.Index(text[start+len(p):], next)
			if start >= 0 && end >= 0 {
				p = text[start : start+len(p)+end+len(next)]
				i++
			}
		}
		if len(p) <= maxPassageBytes {
			out = append(out, p)
			continue
		}
		out = append(out, splitSentences(p)...)
	}
	return out
}

// isHeading reports whether a paragraph looks like a heading: one short
// line that does not end a sentence.
func isHeading(p string) bool {
	if strings.Contains(p, "\n") || utf8.RuneCountInString(p) > 80 {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(p)
	return !strings.ContainsRune(".!?:;", last)
}

// splitSentences cuts a long paragraph into runs of whole sentences of at
// most maxPassageBytes (a sentence longer than that is a run of its own).
func splitSentences(p string) []string {
	var out []string
	start, lastCut := 0, 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if (c == '.' || c == '!' || c == '?' || c == '\n') && (i+1 == len(p) || p[i+1] == ' ' || p[i+1] == '\n') {
			end := i + 1
			if end-start > maxPassageBytes && lastCut > start {
				out = append(out, strings.TrimSpace(p[start:lastCut]))
				start = lastCut
			}
			lastCut = end
		}
	}
	if end := len(p); end-start > maxPassageBytes && lastCut > start && lastCut < end {
		out = append(out, strings.TrimSpace(p[start:lastCut]))
		start = lastCut
	}
	if rest := strings.TrimSpace(p[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}
