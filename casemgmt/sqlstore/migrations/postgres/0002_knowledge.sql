-- Knowledge articles (knowledge.Store) and their full-text index.
-- The article is kept whole as JSON; the columns beside it are what
-- searches filter on. terms is a tsvector of the terms knowledge.Terms
-- makes of the title (weight A) and the text (weight B), stemmed in the
-- article's language, built with the 'simple' configuration so that
-- PostgreSQL matches what every retriever of the module matches.

CREATE TABLE {knowledge_articles} (
	id TEXT PRIMARY KEY,
	language TEXT NOT NULL,
	valid_from BIGINT,
	valid_until BIGINT,
	article TEXT NOT NULL,
	words INTEGER NOT NULL,
	terms TSVECTOR NOT NULL
);
CREATE INDEX {knowledge_articles_terms} ON {knowledge_articles} USING GIN (terms);

CREATE TABLE {knowledge_tags} (
	article_id TEXT NOT NULL REFERENCES {knowledge_articles} (id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	tag TEXT NOT NULL,
	PRIMARY KEY (article_id, kind, tag)
);
CREATE INDEX {knowledge_tags_by_tag} ON {knowledge_tags} (kind, tag);
