package knowledge

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Retrieval limits.
const (
	// DefaultLimit is how many hits a Query with no Limit returns.
	DefaultLimit = 5
	// MaxLimit is the largest Limit a Query may ask for.
	MaxLimit = 100
	// MaxQueryBytes is the longest Text a Query may carry; retrievers
	// read only its first MaxQueryBytes bytes.
	MaxQueryBytes = 16 << 10
)

// Query asks for the articles that answer a customer's text.
type Query struct {
	// Text is what the customer wrote (or a question built from it).
	Text string `json:"text"`
	// Language is the BCP 47 tag of Text's language. When set, only
	// articles in that language (same primary subtag) or of no language
	// are returned, and Text is stemmed as that language.
	Language string `json:"language,omitempty"`
	// Product and Category, when set, keep articles that have the tag or
	// have no tag of that kind (ignoring case).
	Product  string `json:"product,omitempty"`
	Category string `json:"category,omitempty"`
	// At, when set, keeps articles valid at that time (Article.ValidAt).
	At time.Time `json:"at,omitzero"`
	// Articles, when set, keeps only the articles of these ids: those of
	// an intent, say.
	Articles []string `json:"articles,omitempty"`
	// Limit is how many hits to return at most: 0 is DefaultLimit, more
	// than MaxLimit is an error.
	Limit int `json:"limit,omitempty"`
}

// Validate reports a query a retriever refuses: a negative Limit or one over
// MaxLimit.
func (q *Query) Validate() error {
	if q.Limit < 0 || q.Limit > MaxLimit {
		return fmt.Errorf("%w: query limit %d outside [0, %d]", ErrInvalid, q.Limit, MaxLimit)
	}
	return nil
}

// limit returns the number of hits q asks for.
func (q *Query) limit() int {
	if q.Limit == 0 {
		return DefaultLimit
	}
	return q.Limit
}

// text returns q.Text cut to MaxQueryBytes.
func (q *Query) text() string {
	if len(q.Text) > MaxQueryBytes {
		return q.Text[:MaxQueryBytes]
	}
	return q.Text
}

// Matches reports whether a passes the filters of q (language, product,
// category, validity, ids), whatever its text.
func (q *Query) Matches(a *Article) bool {
	if !SameLanguage(a.Language, q.Language) || !a.HasProduct(q.Product) || !a.HasCategory(q.Category) || !a.ValidAt(q.At) {
		return false
	}
	return len(q.Articles) == 0 || slices.Contains(q.Articles, a.ID)
}

// Hit is an article a retriever found, how well it matches (higher is
// better; scores compare only within one retriever's answer), and its
// passages that match the query best, in the article's order.
type Hit struct {
	Article  Article   `json:"article"`
	Score    float64   `json:"score"`
	Passages []Passage `json:"passages,omitempty"`
}

// Retriever finds the articles that answer a query, best first. It
// returns only articles that pass the query's filters and match at least
// one of its words, at most the query's limit, ordered by Score
// descending then by id; an empty text finds nothing. knowledgetest.RunRetriever
// is its conformance suite. Implementations must be safe for concurrent
// use.
type Retriever interface {
	Retrieve(ctx context.Context, q Query) ([]Hit, error)
}

// RetrieverFunc adapts a function to Retriever.
type RetrieverFunc func(ctx context.Context, q Query) ([]Hit, error)

// Retrieve calls f.
func (f RetrieverFunc) Retrieve(ctx context.Context, q Query) ([]Hit, error) { return f(ctx, q) }

// SortHits orders hits by Score descending, then by article id.
func SortHits(hits []Hit) {
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.Article.ID, b.Article.ID)
	})
}

// Store keeps knowledge articles. It is an optional capability of a case
// store (memstore and sqlstore implement it); knowledgetest.RunStore is
// its conformance suite. Implementations are safe for concurrent use and
// never keep or hand out memory the caller can modify.
type Store interface {
	// PutArticle validates a (ErrInvalid) and inserts it, or replaces the
	// article of the same id.
	PutArticle(ctx context.Context, a *Article) error
	// GetArticle returns the article of id, or ErrNotFound.
	GetArticle(ctx context.Context, id string) (*Article, error)
	// DeleteArticle removes the article of id, or returns ErrNotFound.
	DeleteArticle(ctx context.Context, id string) error
	// ListArticles returns up to limit articles (all when limit <= 0) in id
	// order, starting after the id after ("" from the first).
	ListArticles(ctx context.Context, after string, limit int) ([]Article, error)
}

// Searcher is a Store that ranks its own articles (a database's full-text
// search): SearchArticles has the contract of Retriever.Retrieve.
type Searcher interface {
	SearchArticles(ctx context.Context, q Query) ([]Hit, error)
}

// StoreRetriever returns a Retriever over the articles of s: its own
// search when s is a Searcher, otherwise an Index of all its articles
// built for every query (fine for a few hundred articles; keep an Index
// up to date instead for more).
func StoreRetriever(s Store) Retriever {
	if se, ok := s.(Searcher); ok {
		return RetrieverFunc(se.SearchArticles)
	}
	return RetrieverFunc(func(ctx context.Context, q Query) ([]Hit, error) {
		if err := q.Validate(); err != nil {
			return nil, err
		}
		var ix Index
		after := ""
		for {
			page, err := s.ListArticles(ctx, after, 500)
			if err != nil {
				return nil, err
			}
			for i := range page {
				if q.Matches(&page[i]) {
					if err := ix.Put(&page[i]); err != nil {
						return nil, err
					}
				}
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].ID
		}
		return ix.Retrieve(ctx, q)
	})
}
