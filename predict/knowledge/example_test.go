package knowledge_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing/fstest"

	"github.com/caseagent/caseagent/predict/knowledge"
)

func Example() {
	files := fstest.MapFS{
		"battery.md": {Data: []byte(`---
language: en
products: [thermostat]
url: https://help.example.com/battery
---
# Replace the batteries

The thermostat runs on two **AA** batteries.

Pull the cover off and put in two new alkaline batteries.
`)},
		"password.md": {Data: []byte("# Reset your password\n\nTap *Forgot password* on the sign-in page.\n")},
	}
	articles, err := knowledge.LoadDir(files)
	if err != nil {
		fmt.Println(err)
		return
	}
	ix, err := knowledge.NewIndex(articles)
	if err != nil {
		fmt.Println(err)
		return
	}
	hits, err := ix.Retrieve(context.Background(), knowledge.Query{Text: "Which batteries does my thermostat take?", Language: "en", Product: "thermostat"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range hits {
		fmt.Println(h.Article.ID, h.Article.Title, h.Article.URL)
		for _, p := range h.Passages {
			fmt.Println("  >", p.Text)
		}
	}
	// Output:
	// battery Replace the batteries https://help.example.com/battery
	//   > The thermostat runs on two AA batteries.
	//   > Pull the cover off and put in two new alkaline batteries.
}

func ExampleValidateCitations() {
	articles := []knowledge.Article{{ID: "kb-7", Title: "Refunds", Body: "We refund a yearly plan\ncancelled within 14 days."}}
	kept, drops := knowledge.ValidateCitations([]knowledge.Citation{
		{ArticleID: "kb-7", Quote: "We refund a yearly plan cancelled within 14 days"},
		{ArticleID: "kb-7", Quote: "We refund every plan at any time"},
	}, articles)
	fmt.Println(len(kept), "kept")
	for _, d := range drops {
		fmt.Println("dropped:", d.Reason)
	}
	// Output:
	// 1 kept
	// dropped: quote "We refund every plan at any time" does not occur in article "kb-7"
}

// embedder stands for any embedding model (a langchaingo embeddings
// client, say): here, a bag of letter trigrams.
type embedder struct{}

func (embedder) Embed(_ context.Context, text string) []float64 {
	v := make([]float64, 64)
	s := strings.ToLower(text)
	for i := 0; i+3 <= len(s); i++ {
		h := int(s[i])*31*31 + int(s[i+1])*31 + int(s[i+2])
		v[h%64]++
	}
	return v
}

// vectorRetriever ranks articles by cosine similarity of embeddings: a
// Retriever of its own, behind the same interface as the BM25 Index.
type vectorRetriever struct {
	e        embedder
	articles []knowledge.Article
	vectors  [][]float64
}

func (r *vectorRetriever) Retrieve(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	qv := r.e.Embed(ctx, q.Text)
	var hits []knowledge.Hit
	for i := range r.articles {
		a := &r.articles[i]
		if !q.Matches(a) {
			continue
		}
		if s := cosine(qv, r.vectors[i]); s > 0.3 {
			hits = append(hits, knowledge.Hit{Article: *a, Score: s, Passages: knowledge.SelectPassages(a, q.Text, 1)})
		}
	}
	knowledge.SortHits(hits)
	limit := q.Limit
	if limit == 0 {
		limit = knowledge.DefaultLimit
	}
	return hits[:min(len(hits), limit)], nil
}

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot, na, nb = dot+a[i]*b[i], na+a[i]*a[i], nb+b[i]*b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func ExampleRetriever_embeddings() {
	articles := []knowledge.Article{
		{ID: "battery", Title: "Replace the batteries", Body: "The thermostat runs on two AA batteries."},
		{ID: "password", Title: "Reset your password", Body: "Tap Forgot password on the sign-in page."},
	}
	r := &vectorRetriever{articles: articles}
	for _, a := range articles {
		r.vectors = append(r.vectors, r.e.Embed(context.Background(), a.Title+" "+a.Body))
	}
	var retriever knowledge.Retriever = r // any Retriever serves the resolver
	hits, _ := retriever.Retrieve(context.Background(), knowledge.Query{Text: "I forgot my password"})
	for _, h := range hits {
		fmt.Printf("%s %.2f\n", h.Article.ID, h.Score)
	}
	// Output: password 0.61
}
