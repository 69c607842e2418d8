-- Knowledge articles (knowledge.Store) and their full-text index.
-- The article is kept whole as JSON; the columns beside it are what
-- searches filter on. The FTS5 table indexes the terms knowledge.Terms
-- makes of the title and the text (stemmed in the article's language), so
-- that SQLite ranks (BM25) what every retriever of the module matches.

CREATE TABLE {knowledge_articles} (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	language TEXT NOT NULL,
	valid_from INTEGER,
	valid_until INTEGER,
	article TEXT NOT NULL
);

CREATE TABLE {knowledge_tags} (
	article_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	tag TEXT NOT NULL,
	PRIMARY KEY (article_id, kind, tag)
);
CREATE INDEX {knowledge_tags_by_tag} ON {knowledge_tags} (kind, tag);

CREATE VIRTUAL TABLE {knowledge_fts} USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
