package knowledge

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
)

// BM25 parameters of Index.
const (
	bm25K1      = 1.2
	bm25B       = 0.75
	titleWeight = 2 // a title word counts as this many body words
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
	lang  string         // base language
	tf    map[string]int // weighted term frequency: title terms count titleWeight times
	words int            // weighted length
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
	d := &indexDoc{a: a.Clone(), lang: BaseLanguage(a.Language), tf: map[string]int{}}
	for _, t := range Terms(a.Title, a.Language) {
		d.tf[t] += titleWeight
		d.words += titleWeight
	}
	for _, t := range Terms(a.Text(), a.Language) {
		d.tf[t]++
		d.words++
	}
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
// counts twice), the query stemmed in each candidate article's language.
func (ix *Index) Retrieve(ctx context.Context, q Query) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.Check(); err != nil {
		return nil, err
	}
	text := q.text()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	n := float64(len(ix.docs))
	if n == 0 {
		return nil, nil
	}
	avg := ix.totalLen / n
	terms := map[string][]string{} // base language -> distinct query terms
	scores := map[string]float64{}
	for _, lang := range queryLanguages(q.Language, ix.docLanguages()) {
		ts := distinct(Terms(text, lang))
		terms[lang] = ts
		for _, t := range ts {
			df := float64(len(ix.postings[t]))
			if df == 0 {
				continue
			}
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			for id := range ix.postings[t] {
				d := ix.docs[id]
				if d.lang != lang {
					continue
				}
				tf := float64(d.tf[t])
				scores[id] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(d.words)/avg))
			}
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
		hits[i].Article = *hits[i].Article.Clone()
		hits[i].Passages = SelectPassages(&hits[i].Article, text, 0)
	}
	return hits, nil
}

// docLanguages returns the base languages of the articles, sorted.
func (ix *Index) docLanguages() []string {
	seen := map[string]bool{}
	for _, d := range ix.docs {
		seen[d.lang] = true
	}
	out := make([]string, 0, len(seen))
	for l := range seen {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// queryLanguages returns the languages a query in lang is analysed in:
// its own and that of articles of no language, or every language present
// when lang is unknown.
func queryLanguages(lang string, present []string) []string {
	if lang == "" {
		return present
	}
	base := BaseLanguage(lang)
	out := []string{}
	for _, l := range present {
		if l == base || l == "" {
			out = append(out, l)
		}
	}
	return out
}

func distinct(ts []string) []string {
	seen := make(map[string]bool, len(ts))
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return slices.SortedFunc(slices.Values(out), cmp.Compare[string])
}
