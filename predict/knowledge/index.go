package knowledge

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Index is the offline default Retriever: BM25 over the title and body of
// the articles it holds, each analysed in its own language (Terms), with
// the query's filters. It needs no network and no database.
//
// The zero value is an empty index ready to use. An Index is safe for
// concurrent use: Retrieve runs beside other Retrieves, Put and Delete
// wait for them.
type Index struct {
	mu       sync.RWMutex
	docs     map[string]*indexDoc
	postings map[string]map[string]struct{} // term -> article ids
	totalLen float64
}

type indexDoc struct {
	a     *Article
	lang  string         // the key of Query.TermsByLanguage its terms match
	tf    map[string]int // weighted term frequency: title terms count titleWeight times
	words int            // weighted length
	parts []passageTerms // passages of its text, analysed
}

var _ Retriever = (*Index)(nil)

// NewIndex returns an Index of articles, which must be valid and have
// unique ids.
func NewIndex(articles []Article) (*Index, error) {
	ix := &Index{}
	seen := make(map[string]bool, len(articles))
	for i := range articles {
		if seen[articles[i].ID] {
			return nil, fmt.Errorf("%w: duplicate id %q", ErrInvalid, articles[i].ID)
		}
		seen[articles[i].ID] = true
		if err := ix.Put(&articles[i]); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// Put validates a and adds a copy of it, replacing the article of the same
// id.
func (ix *Index) Put(a *Article) error {
	if err := a.Validate(); err != nil {
		return err
	}
	tf, words := termCounts(a)
	d := &indexDoc{a: a.Clone(), lang: analysedAs(a.Language), tf: tf, words: words, parts: articlePassages(a)}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.remove(a.ID)
	if ix.docs == nil {
		ix.docs = map[string]*indexDoc{}
		ix.postings = map[string]map[string]struct{}{}
	}
	ix.docs[a.ID] = d
	ix.totalLen += float64(d.words)
	for t := range d.tf {
		p := ix.postings[t]
		if p == nil {
			p = map[string]struct{}{}
			ix.postings[t] = p
		}
		p[a.ID] = struct{}{}
	}
	return nil
}

// Delete removes the article of id and reports whether there was one.
func (ix *Index) Delete(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.remove(id)
}

func (ix *Index) remove(id string) bool {
	d, ok := ix.docs[id]
	if !ok {
		return false
	}
	delete(ix.docs, id)
	ix.totalLen -= float64(d.words)
	for t := range d.tf {
		p := ix.postings[t]
		delete(p, id)
		if len(p) == 0 {
			delete(ix.postings, t)
		}
	}
	return true
}

// Get returns a copy of the article of id.
func (ix *Index) Get(id string) (*Article, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	d, ok := ix.docs[id]
	if !ok {
		return nil, false
	}
	return d.a.Clone(), true
}

// Len returns the number of articles.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.docs)
}

// List returns copies of up to limit articles (all when limit <= 0) in id
// order, after the id after.
func (ix *Index) List(after string, limit int) []Article {
	ix.mu.RLock()
	ids := make([]string, 0, len(ix.docs))
	for id := range ix.docs {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	out := make([]Article, len(ids))
	for i, id := range ids {
		out[i] = *ix.docs[id].a.Clone()
	}
	ix.mu.RUnlock()
	return out
}

// Retrieve implements Retriever with BM25 (k1 1.2, b 0.75; a title word
// counts twice), the query analysed in each candidate article's language.
func (ix *Index) Retrieve(ctx context.Context, q Query) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if len(ix.docs) == 0 {
		return nil, nil
	}
	stats := BM25{Docs: len(ix.docs), AvgLen: ix.totalLen / float64(len(ix.docs)), DocFreq: map[string]int{}}
	byLang := q.TermsByLanguage()
	candidates := map[string]bool{}
	for _, ts := range byLang {
		for _, t := range ts {
			stats.DocFreq[t] = len(ix.postings[t])
			for id := range ix.postings[t] {
				candidates[id] = true
			}
		}
	}
	scores := make(map[string]float64, len(candidates))
	for id := range candidates {
		d := ix.docs[id]
		if s := stats.score(d.tf, d.words, byLang[d.lang]); s > 0 {
			scores[id] = s
		}
	}
	hits := make([]Hit, 0, len(scores))
	for id, s := range scores {
		d := ix.docs[id]
		if !q.Matches(d.a) {
			continue
		}
		hits = append(hits, Hit{Article: *d.a, Score: s})
	}
	SortHits(hits)
	if len(hits) > q.limit() {
		hits = hits[:q.limit()]
	}
	for i := range hits {
		d := ix.docs[hits[i].Article.ID]
		hits[i].Article = *d.a.Clone()
		hits[i].Passages = selectPassages(d.parts, TermsFor(byLang, d.a.Language), 0)
	}
	return hits, nil
}
