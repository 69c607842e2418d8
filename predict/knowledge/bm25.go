package knowledge

import (
	"math"
	"slices"
)

// BM25 parameters: k1 1.2 and b 0.75, the usual values, with a title word
// counting as TitleWeight body words.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// TitleWeight is how many body words a title word counts as.
	TitleWeight = 2
)

// ArticleTerms returns the index terms of a's title and of its text
// (Article.Text), analysed in a's language (Terms).
func ArticleTerms(a *Article) (title, body []string) {
	return Terms(a.Title, a.Language), Terms(a.Text(), a.Language)
}

// termCounts returns the weighted term frequencies of a and its weighted
// length.
func termCounts(a *Article) (map[string]int, int) {
	title, body := ArticleTerms(a)
	tf := make(map[string]int, len(title)+len(body))
	for _, t := range title {
		tf[t] += TitleWeight
	}
	for _, t := range body {
		tf[t]++
	}
	return tf, TitleWeight*len(title) + len(body)
}

// WeightedLength is the length BM25 normalises a by: its body terms plus
// TitleWeight times its title terms.
func WeightedLength(a *Article) int {
	_, n := termCounts(a)
	return n
}

// BM25 holds the statistics of a collection of articles that BM25 scores
// need, for retrievers that keep articles elsewhere (a database) and rank
// candidates with the same formula as Index.
type BM25 struct {
	Docs    int            // articles in the collection
	AvgLen  float64        // mean WeightedLength
	DocFreq map[string]int // term -> articles holding it
}

// Score returns the BM25 score of a for the query terms (distinct terms
// of Terms in a's language).
func (s BM25) Score(a *Article, queryTerms []string) float64 {
	tf, n := termCounts(a)
	return s.score(tf, n, queryTerms)
}

func (s BM25) score(tf map[string]int, words int, queryTerms []string) float64 {
	if s.Docs == 0 || s.AvgLen == 0 {
		return 0
	}
	total := 0.0
	for _, t := range queryTerms {
		f := float64(tf[t])
		df := float64(s.DocFreq[t])
		if f == 0 || df == 0 {
			continue
		}
		idf := math.Log(1 + (float64(s.Docs)-df+0.5)/(df+0.5))
		total += idf * f * (bm25K1 + 1) / (f + bm25K1*(1-bm25B+bm25B*float64(words)/s.AvgLen))
	}
	return total
}

// TermsByLanguage returns the distinct terms of q's text analysed in each
// language an article matching q may be in, keyed by base language: q's
// language and "" (articles of no language or of a language Terms does
// not stem) when q has one, otherwise every one of Languages and "".
func (q *Query) TermsByLanguage() map[string][]string {
	langs := []string{""}
	if q.Language != "" {
		if b := BaseLanguage(q.Language); b != "" {
			langs = append(langs, b)
		}
	} else {
		langs = append(langs, Languages...)
	}
	out := make(map[string][]string, len(langs))
	text := q.text()
	for _, l := range langs {
		ts := distinct(Terms(text, l))
		out[l] = ts[:min(len(ts), MaxQueryTerms)]
	}
	return out
}

// MaxQueryTerms is how many distinct terms of a query's text (the first
// ones) each analysis keeps: a long email matches on its opening, and a
// database is not sent a query of thousands of terms.
const MaxQueryTerms = 64

// AllTerms returns the distinct terms of every analysis of TermsByLanguage,
// sorted.
func (q *Query) AllTerms() []string {
	var all []string
	for _, ts := range q.TermsByLanguage() {
		all = append(all, ts...)
	}
	all = distinct(all)
	slices.Sort(all)
	return all
}

// analysedAs returns the key of TermsByLanguage whose terms match an
// article in language lang.
func analysedAs(lang string) string {
	b := BaseLanguage(lang)
	if stemmers[b] == nil {
		return ""
	}
	return b
}

// TermsFor returns, from the result of TermsByLanguage, the terms to
// score an article in language lang with.
func TermsFor(byLang map[string][]string, lang string) []string {
	return byLang[analysedAs(lang)]
}

// distinct returns ts without repetitions, in the order of first
// appearance.
func distinct(ts []string) []string {
	seen := make(map[string]bool, len(ts))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
