package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/predict/knowledge"
)

var (
	_ knowledge.Store    = (*Store)(nil)
	_ knowledge.Searcher = (*Store)(nil)
)

// Tag kinds in {knowledge_tags}.
const (
	tagProduct  = "product"
	tagCategory = "category"
)

// maxCandidates bounds the articles a PostgreSQL search ranks in Go.
const maxCandidates = 500

// foldTag is how tags are kept and compared: trimmed, lower case.
func foldTag(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// PutArticle implements knowledge.Store. The article, its tags and its
// full-text terms are written in one transaction.
func (s *Store) PutArticle(ctx context.Context, a *knowledge.Article) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("sqlstore: encoding article %q: %w", a.ID, err)
	}
	for _, t := range []time.Time{a.ValidFrom, a.ValidUntil} {
		if !t.IsZero() && (t.Year() < 1678 || t.Year() > 2261) {
			return &knowledge.ValidationError{ID: a.ID, Field: "valid_from", Reason: fmt.Sprintf("%s is outside the years 1678 to 2261", t)}
		}
	}
	title, body := knowledge.ArticleTerms(a)
	lang := knowledge.BaseLanguage(a.Language)
	err = s.inTx(ctx, func(tx querier) error {
		if s.dialect == Postgres {
			// An upsert, so that two puts of one id wait for each other
			// on the row rather than both insert it.
			_, err := tx.ExecContext(ctx, "INSERT INTO {knowledge_articles} (id, language, valid_from, valid_until, article, words, terms) "+
				"VALUES ($1, $2, $3, $4, $5, $6, setweight(to_tsvector('simple', $7), 'A') || setweight(to_tsvector('simple', $8), 'B')) "+
				"ON CONFLICT (id) DO UPDATE SET language = excluded.language, valid_from = excluded.valid_from, "+
				"valid_until = excluded.valid_until, article = excluded.article, words = excluded.words, terms = excluded.terms",
				a.ID, lang, nullNanos(a.ValidFrom), nullNanos(a.ValidUntil), string(doc), knowledge.WeightedLength(a),
				strings.Join(title, " "), strings.Join(body, " "))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM {knowledge_tags} WHERE article_id = $1", a.ID); err != nil {
				return err
			}
		} else {
			if err := deleteArticle(ctx, tx, s.dialect, a.ID); err != nil && !errors.Is(err, knowledge.ErrNotFound) {
				return err
			}
			var seq int64
			err := tx.QueryRowContext(ctx, "INSERT INTO {knowledge_articles} (id, language, valid_from, valid_until, article) "+
				"VALUES ($1, $2, $3, $4, $5) RETURNING seq",
				a.ID, lang, nullNanos(a.ValidFrom), nullNanos(a.ValidUntil), string(doc)).Scan(&seq)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO {knowledge_fts} (rowid, title, body) VALUES ($1, $2, $3)",
				seq, strings.Join(title, " "), strings.Join(body, " ")); err != nil {
				return err
			}
		}
		for _, tags := range []struct {
			kind string
			v    []string
		}{{tagProduct, a.Products}, {tagCategory, a.Categories}} {
			for _, t := range tags.v {
				if _, err := tx.ExecContext(ctx, "INSERT INTO {knowledge_tags} (article_id, kind, tag) VALUES ($1, $2, $3) "+
					"ON CONFLICT DO NOTHING", a.ID, tags.kind, foldTag(t)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return wrap("putting article", err)
}

// deleteArticle removes the article of id with its tags and terms, or
// returns knowledge.ErrNotFound.
func deleteArticle(ctx context.Context, tx querier, d Dialect, id string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM {knowledge_tags} WHERE article_id = $1", id); err != nil {
		return err
	}
	if d == SQLite {
		var seq int64
		err := tx.QueryRowContext(ctx, "DELETE FROM {knowledge_articles} WHERE id = $1 RETURNING seq", id).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM {knowledge_fts} WHERE rowid = $1", seq)
		return err
	}
	res, err := tx.ExecContext(ctx, "DELETE FROM {knowledge_articles} WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	return nil
}

// GetArticle implements knowledge.Store.
func (s *Store) GetArticle(ctx context.Context, id string) (*knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storableText(id) {
		return nil, fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	var doc string
	err := s.rq.QueryRowContext(ctx, "SELECT article FROM {knowledge_articles} WHERE id = $1", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	if err != nil {
		return nil, wrap("getting article", err)
	}
	return decodeArticle(doc)
}

func decodeArticle(doc string) (*knowledge.Article, error) {
	var a knowledge.Article
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, fmt.Errorf("sqlstore: decoding article: %w", err)
	}
	return &a, nil
}

// DeleteArticle implements knowledge.Store.
func (s *Store) DeleteArticle(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storableText(id) {
		return fmt.Errorf("%w: %q", knowledge.ErrNotFound, id)
	}
	err := s.inTx(ctx, func(tx querier) error { return deleteArticle(ctx, tx, s.dialect, id) })
	if errors.Is(err, knowledge.ErrNotFound) {
		return err
	}
	return wrap("deleting article", err)
}

// ListArticles implements knowledge.Store. Ids are ordered byte by byte
// (COLLATE "C" on PostgreSQL), as Go orders strings.
func (s *Store) ListArticles(ctx context.Context, after string, limit int) ([]knowledge.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storableText(after) {
		return nil, fmt.Errorf("%w: list cursor %q", knowledge.ErrInvalid, after)
	}
	coll := ""
	if s.dialect == Postgres {
		coll = ` COLLATE "C"`
	}
	query := "SELECT article FROM {knowledge_articles} WHERE id" + coll + " > $1 ORDER BY id" + coll
	args := []any{after}
	if limit > 0 {
		query += " LIMIT $2"
		args = append(args, limit)
	}
	rows, err := s.rq.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("listing articles", err)
	}
	defer rows.Close()
	var out []knowledge.Article
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, wrap("listing articles", err)
		}
		a, err := decodeArticle(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, wrap("listing articles", rows.Err())
}

// SearchArticles implements knowledge.Searcher with the database's
// full-text search over the terms of knowledge.Terms. On SQLite, FTS5
// matches and ranks (its bm25, a title term weighing knowledge.TitleWeight
// body terms). On PostgreSQL, the GIN index of a tsvector finds the
// articles holding a query term, and they are ranked with knowledge.BM25
// from document frequencies the database counts, as knowledge.Index ranks.
// Filters (language, product, category, validity, ids) are part of the
// query; passages are chosen with knowledge.SelectPassages.
func (s *Store) SearchArticles(ctx context.Context, q knowledge.Query) ([]knowledge.Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = knowledge.DefaultLimit
	}
	terms := q.AllTerms()
	if len(terms) == 0 {
		return nil, nil
	}
	var (
		hits []knowledge.Hit
		err  error
	)
	if s.dialect == Postgres {
		hits, err = s.searchPostgres(ctx, &q, terms, limit)
	} else {
		hits, err = s.searchSQLite(ctx, &q, terms, limit)
	}
	if err != nil {
		return nil, wrap("searching articles", err)
	}
	for i := range hits {
		hits[i].Passages = knowledge.SelectPassages(&hits[i].Article, q.Text, 0)
	}
	return hits, nil
}

// filters returns the WHERE conditions of q's filters on {knowledge_articles}
// a, with their arguments numbered from next.
func filters(q *knowledge.Query, next int) (string, []any) {
	var b strings.Builder
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(next+len(args)-1)
	}
	if q.Language != "" {
		fmt.Fprintf(&b, " AND a.language IN (%s, '')", arg(knowledge.BaseLanguage(q.Language)))
	}
	if !q.At.IsZero() {
		at := arg(q.At.UnixNano())
		fmt.Fprintf(&b, " AND (a.valid_from IS NULL OR a.valid_from <= %s) AND (a.valid_until IS NULL OR a.valid_until > %s)", at, at)
	}
	for _, f := range []struct{ kind, v string }{{tagProduct, q.Product}, {tagCategory, q.Category}} {
		if f.v == "" {
			continue
		}
		kind := arg(f.kind)
		fmt.Fprintf(&b, " AND (NOT EXISTS (SELECT 1 FROM {knowledge_tags} g WHERE g.article_id = a.id AND g.kind = %s)"+
			" OR EXISTS (SELECT 1 FROM {knowledge_tags} g WHERE g.article_id = a.id AND g.kind = %s AND g.tag = %s))",
			kind, kind, arg(foldTag(f.v)))
	}
	if len(q.Articles) > 0 {
		ids := make([]string, 0, len(q.Articles))
		for _, id := range q.Articles {
			if storableText(id) {
				ids = append(ids, arg(id))
			}
		}
		if len(ids) == 0 {
			ids = append(ids, "NULL")
		}
		fmt.Fprintf(&b, " AND a.id IN (%s)", strings.Join(ids, ", "))
	}
	return b.String(), args
}

func (s *Store) searchSQLite(ctx context.Context, q *knowledge.Query, terms []string, limit int) ([]knowledge.Hit, error) {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	where, args := filters(q, 3)
	query := fmt.Sprintf("SELECT a.article, bm25({knowledge_fts}, %d.0, 1.0) AS rank FROM {knowledge_fts} "+
		"JOIN {knowledge_articles} a ON a.seq = {knowledge_fts}.rowid "+
		"WHERE {knowledge_fts} MATCH $1%s ORDER BY rank, a.id LIMIT $2", knowledge.TitleWeight, where)
	args = append([]any{strings.Join(quoted, " OR "), limit}, args...)
	rows, err := s.rq.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hits []knowledge.Hit
	for rows.Next() {
		var doc string
		var rank float64
		if err := rows.Scan(&doc, &rank); err != nil {
			return nil, err
		}
		a, err := decodeArticle(doc)
		if err != nil {
			return nil, err
		}
		hits = append(hits, knowledge.Hit{Article: *a, Score: -rank})
	}
	return hits, rows.Err()
}

func (s *Store) searchPostgres(ctx context.Context, q *knowledge.Query, terms []string, limit int) ([]knowledge.Hit, error) {
	// Statistics of the whole collection, as BM25 wants them, then the
	// document frequency of each term (through the GIN index).
	stats := knowledge.BM25{DocFreq: make(map[string]int, len(terms))}
	var avg sql.NullFloat64
	if err := s.rq.QueryRowContext(ctx, "SELECT count(*), avg(words) FROM {knowledge_articles}").Scan(&stats.Docs, &avg); err != nil {
		return nil, err
	}
	if stats.Docs == 0 {
		return nil, nil
	}
	stats.AvgLen = avg.Float64
	var dfq strings.Builder
	dfArgs := make([]any, len(terms))
	for i, t := range terms {
		if i > 0 {
			dfq.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&dfq, "SELECT %d, count(*) FROM {knowledge_articles} WHERE terms @@ to_tsquery('simple', $%d)", i, i+1)
		dfArgs[i] = quoteLexeme(t)
	}
	rows, err := s.rq.QueryContext(ctx, dfq.String(), dfArgs...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			rows.Close()
			return nil, err
		}
		stats.DocFreq[terms[i]] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	quotedQ := make([]string, len(terms))
	for i, t := range terms {
		quotedQ[i] = quoteLexeme(t)
	}
	tsq := strings.Join(quotedQ, " | ")
	where, args := filters(q, 3)
	query := "SELECT a.article FROM {knowledge_articles} a WHERE a.terms @@ to_tsquery('simple', $1)" + where +
		" ORDER BY ts_rank(a.terms, to_tsquery('simple', $1)) DESC, a.id LIMIT $2"
	rows, err = s.rq.QueryContext(ctx, query, append([]any{tsq, maxCandidates}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byLang := q.TermsByLanguage()
	var hits []knowledge.Hit
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		a, err := decodeArticle(doc)
		if err != nil {
			return nil, err
		}
		if score := stats.Score(a, knowledge.TermsFor(byLang, a.Language)); score > 0 {
			hits = append(hits, knowledge.Hit{Article: *a, Score: score})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	knowledge.SortHits(hits)
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// quoteLexeme quotes a term as a tsquery lexeme: the terms of
// knowledge.Terms are letters and digits, but a quote keeps any text a
// lexeme.
func quoteLexeme(t string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", "''") + "'"
}
