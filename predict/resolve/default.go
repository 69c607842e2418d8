package resolve

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/caseagent/caseagent/predict/knowledge"
)

// Default is the offline resolver: it asks for the intent's missing
// attributes in one message, or answers with the passages of the best
// articles retrieved, their links and a citation of each passage. It never
// answers without a passage to cite, and it writes no words of its own
// but the texts of its language (Texts). It is safe for concurrent use.
type Default struct {
	texts       map[string]Texts
	minScore    float64
	maxArticles int
	review      bool
}

var _ Resolver = (*Default)(nil)

// Option configures Default.
type Option func(*Default)

// WithTexts replaces or adds the texts of languages (keyed by base
// language: "en", "pt"). English must stay defined: it is the fallback.
func WithTexts(texts map[string]Texts) Option {
	return func(d *Default) { maps.Copy(d.texts, texts) }
}

// WithMinScore ignores hits scoring below min (default 0: any hit).
func WithMinScore(min float64) Option { return func(d *Default) { d.minScore = min } }

// WithMaxArticles sets how many articles an answer quotes at most
// (default 2).
func WithMaxArticles(n int) Option { return func(d *Default) { d.maxArticles = n } }

// WithReview marks every message the resolver writes as needing a
// person's review.
func WithReview() Option { return func(d *Default) { d.review = true } }

// NewDefault returns the offline resolver.
func NewDefault(opts ...Option) (*Default, error) {
	d := &Default{texts: DefaultTexts(), maxArticles: 2}
	for _, o := range opts {
		o(d)
	}
	if d.maxArticles < 1 {
		return nil, fmt.Errorf("resolve: max articles %d is less than 1", d.maxArticles)
	}
	if d.minScore < 0 {
		return nil, fmt.Errorf("resolve: min score %v is negative", d.minScore)
	}
	if _, ok := d.texts["en"]; !ok {
		return nil, fmt.Errorf("resolve: no English texts to fall back on")
	}
	for _, lang := range slices.Sorted(maps.Keys(d.texts)) {
		if err := d.texts[lang].check(lang); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Resolve implements Resolver:
//
//   - no intent: UnableToResolve ("intent not identified"), with no message,
//     so the caller asks from its template or hands over;
//   - attributes missing: a Question asking for all of them at once, each
//     with its own Question or AskFor and its Label (or name);
//   - otherwise: the hits that are among the intent's articles (when it
//     names some), score at least the minimum and have passages; none is
//     UnableToResolve ("no article answers"); else Resolved with the
//     passages of the best few articles quoted whole, each article's link,
//     and a citation per passage.
func (d *Default) Resolve(ctx context.Context, req *Request) (*Decision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, fmt.Errorf("%w: nil request", ErrInvalid)
	}
	if req.Intent == nil {
		return &Decision{Kind: UnableToResolve, Reason: "intent not identified"}, nil
	}
	t := textsFor(d.texts, req.Language)
	if missing := req.Missing(); len(missing) > 0 {
		return &Decision{Kind: Question, Message: d.question(req, t, missing), Ask: missing, NeedsReview: d.review,
			Reason: fmt.Sprintf("intent %q needs %s", req.Intent.Name, strings.Join(missing, ", "))}, nil
	}
	var use []knowledge.Hit
	for _, h := range req.Hits {
		if len(use) == d.maxArticles {
			break
		}
		if h.Score < d.minScore || len(h.Passages) == 0 {
			continue
		}
		if len(req.Intent.Articles) > 0 && !slices.Contains(req.Intent.Articles, h.Article.ID) {
			continue
		}
		use = append(use, h)
	}
	if len(use) == 0 {
		return &Decision{Kind: UnableToResolve, Reason: fmt.Sprintf("no article answers intent %q", req.Intent.Name)}, nil
	}
	var b strings.Builder
	b.WriteString(t.Answer)
	dec := &Decision{Kind: Resolved, NeedsReview: d.review}
	var ids []string
	for _, h := range use {
		b.WriteString("\n\n")
		b.WriteString(h.Article.Title)
		for _, p := range h.Passages {
			b.WriteString("\n\n")
			b.WriteString(p.Text)
			dec.Citations = append(dec.Citations, knowledge.Citation{ArticleID: h.Article.ID, Quote: p.Text})
		}
		if h.Article.URL != "" {
			fmt.Fprintf(&b, "\n\n%s %s", t.ReadMore, h.Article.URL)
		}
		dec.Links = append(dec.Links, Link{ArticleID: h.Article.ID, Title: h.Article.Title, URL: h.Article.URL})
		ids = append(ids, h.Article.ID)
	}
	b.WriteString("\n\n")
	b.WriteString(t.Close)
	dec.Message = b.String()
	dec.Reason = fmt.Sprintf("intent %q answered from %s", req.Intent.Name, strings.Join(ids, ", "))
	return dec, nil
}

// question writes one message asking for every missing attribute.
func (d *Default) question(req *Request, t Texts, missing []string) string {
	var b strings.Builder
	if len(missing) == 1 {
		b.WriteString(t.AskOne)
	} else {
		b.WriteString(t.AskMany)
	}
	for _, name := range missing {
		a, _ := req.attribute(name)
		q := a.Question
		if q == "" {
			label := a.Label
			if label == "" {
				label = strings.ReplaceAll(a.Name, "_", " ")
			}
			q = fmt.Sprintf(t.AskFor, label)
		}
		b.WriteString("\n- ")
		b.WriteString(q)
	}
	return b.String()
}
