// Package knowledge holds knowledge articles and finds the ones that
// answer a customer.
//
// An Article has an id, a title, a body in plain text or Markdown (HTML is
// converted to text by FromHTML and the loaders), a language, product and
// category tags, a URL, validity dates and a version; Validate says what
// is wrong with one. LoadDir reads a folder of Markdown files with YAML
// front matter, or JSON and YAML files, with errors that name the file,
// the line and the key.
//
// A Retriever finds the articles for a Query (text, language, product,
// category, time, ids, limit) and returns Hits: the article, a score and
// its passages that match best. Index is the offline default: BM25 over
// title and body, words folded and stemmed lightly in the article's
// language (en, es, de, pt, fr, it, nl; Terms), stop words dropped. Any
// other retriever (a vector store, embeddings) plugs in behind the same
// interface; knowledgetest.RunRetriever proves it.
//
// Stores keep articles through the optional Store interface (memstore and
// sqlstore implement it); a store that ranks its own articles is a
// Searcher, and StoreRetriever makes a Retriever of any Store. sqlstore
// searches with SQLite FTS5 or PostgreSQL full-text search over the same
// Terms, so every retriever matches words alike.
//
// Answers cite articles: a Citation is an article id and a quoted passage,
// and ValidateCitations drops any citation whose passage does not occur in
// the article (case and white space folded, as evidence is checked).
//
// Index is safe for concurrent use; Article, Query and Hit are plain data.
package knowledge
