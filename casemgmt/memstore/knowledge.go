package memstore

import (
	"context"
	"fmt"

	"github.com/caseagent/caseagent/predict/knowledge"
)

var (
	_ knowledge.Store    = (*Store)(nil)
	_ knowledge.Searcher = (*Store)(nil)
)

// PutArticle implements knowledge.Store.
func (s *Store) PutArticle(ctx context.Context, a *knowledge.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.kb.Put(a)
}

// GetArticle implements knowledge.Store.
func (s *Store) GetArticle(ctx context.Context, id string) (*knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, ok := s.kb.Get(id)
	if !ok {
		return nil, fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	return a, nil
}

// DeleteArticle implements knowledge.Store.
func (s *Store) DeleteArticle(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !s.kb.Delete(id) {
		return fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	return nil
}

// ListArticles implements knowledge.Store.
func (s *Store) ListArticles(ctx context.Context, after string, limit int) ([]knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.kb.List(after, limit), nil
}

// SearchArticles implements knowledge.Searcher with the offline BM25
// index (knowledge.Index), kept up to date by every put and delete.
func (s *Store) SearchArticles(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error) {
	return s.kb.Retrieve(ctx, q)
}
