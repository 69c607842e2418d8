package knowledgetest

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/caseagent/caseagent/predict/knowledge"
)

//go:embed evalset
var evalFS embed.FS

// EvalTime is when the queries of the labelled set are asked.
var EvalTime = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// LabelledQuery is a query of the labelled set and the article that
// answers it.
type LabelledQuery struct {
	Text     string `yaml:"text"`
	Language string `yaml:"language"`
	Product  string `yaml:"product"`
	Category string `yaml:"category"`
	Expect   string `yaml:"expect"`
}

// Query returns the knowledge.Query of q, asked at EvalTime for limit hits.
func (q LabelledQuery) Query(limit int) knowledge.Query {
	return knowledge.Query{Text: q.Text, Language: q.Language, Product: q.Product, Category: q.Category, At: EvalTime, Limit: limit}
}

// EvalSet returns the labelled set: knowledge articles of a fictional
// maker of routers and thermostats in English, Spanish, German,
// Portuguese, French, Italian and Dutch (one of them expired at
// EvalTime), and the queries customers might write, each with the
// article that answers it.
func EvalSet() ([]knowledge.Article, []LabelledQuery, error) {
	sub, err := fs.Sub(evalFS, "evalset/articles")
	if err != nil {
		return nil, nil, err
	}
	arts, err := knowledge.LoadDir(sub)
	if err != nil {
		return nil, nil, err
	}
	data, err := evalFS.ReadFile("evalset/queries.yaml")
	if err != nil {
		return nil, nil, err
	}
	var qs []LabelledQuery
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&qs); err != nil {
		return nil, nil, fmt.Errorf("knowledgetest: queries.yaml: %w", err)
	}
	ids := map[string]bool{}
	for _, a := range arts {
		ids[a.ID] = true
	}
	for i, q := range qs {
		if !ids[q.Expect] {
			return nil, nil, fmt.Errorf("knowledgetest: queries.yaml: query %d expects unknown article %q", i, q.Expect)
		}
	}
	return arts, qs, nil
}

// Metrics are the quality of a retriever on labelled queries.
type Metrics struct {
	Queries int
	// RecallAt3 is the share of queries whose expected article is among
	// the first three hits.
	RecallAt3 float64
	// MRR is the mean of 1/rank of the expected article (0 when it is not
	// among the first ten hits).
	MRR float64
	// Misses are the queries whose expected article is not first.
	Misses []Miss
}

// Miss is a query whose expected article was not ranked first.
type Miss struct {
	Query LabelledQuery
	Rank  int // 0 when not found in the first ten hits
	Top   string
}

// String formats m on one line.
func (m Metrics) String() string {
	return fmt.Sprintf("%d queries: recall@3 %.3f, MRR %.3f", m.Queries, m.RecallAt3, m.MRR)
}

// Evaluate asks r every query (ten hits each) and measures recall at 3
// and mean reciprocal rank.
func Evaluate(ctx context.Context, r knowledge.Retriever, qs []LabelledQuery) (Metrics, error) {
	m := Metrics{Queries: len(qs)}
	var in3, rr float64
	for _, q := range qs {
		hits, err := r.Retrieve(ctx, q.Query(10))
		if err != nil {
			return m, fmt.Errorf("knowledgetest: query %q: %w", q.Text, err)
		}
		rank := 0
		for i, h := range hits {
			if h.Article.ID == q.Expect {
				rank = i + 1
				break
			}
		}
		if rank > 0 {
			rr += 1 / float64(rank)
			if rank <= 3 {
				in3++
			}
		}
		if rank != 1 {
			top := ""
			if len(hits) > 0 {
				top = hits[0].Article.ID
			}
			m.Misses = append(m.Misses, Miss{Query: q, Rank: rank, Top: top})
		}
	}
	if len(qs) > 0 {
		m.RecallAt3 = in3 / float64(len(qs))
		m.MRR = rr / float64(len(qs))
	}
	return m, nil
}
