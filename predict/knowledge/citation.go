package knowledge

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/caseagent/caseagent/internal/textfold"
)

// MinQuoteRunes is the shortest quote a citation may have, after folding
// white space: a word or two supports nothing.
const MinQuoteRunes = 10

// Citation says where an answer comes from: an article and the words of it
// the answer relies on.
type Citation struct {
	ArticleID string `json:"article_id"`
	Quote     string `json:"quote"`
}

// CitationDrop is a citation that ValidateCitations refused, and why.
type CitationDrop struct {
	Citation
	Reason string `json:"reason"`
}

// Quotes reports whether q occurs in a's title, text or body, compared
// after folding case and white space (as predict.Validate compares evidence)
// compared with messages.
func (a *Article) Quotes(q string) bool {
	fq := textfold.Fold(q)
	if fq == "" {
		return false
	}
	for _, s := range []string{a.Text(), a.Body, a.Title} {
		if strings.Contains(textfold.Fold(s), fq) {
			return true
		}
	}
	return false
}

// ValidateCitations keeps the citations whose article is among articles and
// whose quote, at least MinQuoteRunes long, occurs in it (Article.Quotes),
// once each; it returns the others as drops. Whatever wrote an answer (the
// default resolver, a model, a host's code), a citation that does not
// check is not evidence, and an answer without one is not sent.
func ValidateCitations(cs []Citation, articles []Article) (kept []Citation, drops []CitationDrop) {
	byID := make(map[string]*Article, len(articles))
	for i := range articles {
		byID[articles[i].ID] = &articles[i]
	}
	type key struct{ id, quote string }
	seen := map[key]bool{}
	for _, c := range cs {
		a, ok := byID[c.ArticleID]
		fq := textfold.Fold(c.Quote)
		switch {
		case !ok:
			drops = append(drops, CitationDrop{c, fmt.Sprintf("article %q is not among the articles retrieved", c.ArticleID)})
		case utf8.RuneCountInString(fq) < MinQuoteRunes:
			drops = append(drops, CitationDrop{c, fmt.Sprintf("quote %q is shorter than %d characters", c.Quote, MinQuoteRunes)})
		case !a.Quotes(c.Quote):
			drops = append(drops, CitationDrop{c, fmt.Sprintf("quote %q does not occur in article %q", truncate(c.Quote, 80), c.ArticleID)})
		case seen[key{c.ArticleID, fq}]:
			// the same quote twice: keep one
		default:
			seen[key{c.ArticleID, fq}] = true
			kept = append(kept, c)
		}
	}
	return kept, drops
}

// HitArticles returns the articles of hits.
func HitArticles(hits []Hit) []Article {
	out := make([]Article, len(hits))
	for i := range hits {
		out[i] = hits[i].Article
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
