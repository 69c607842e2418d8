-- Usage of a predictor per period key (budget.Counter): what finished
-- calls spent, and what calls still running reserved.

CREATE TABLE {usage_counters} (
	key TEXT PRIMARY KEY,
	calls INTEGER NOT NULL DEFAULT 0,
	prompt_tokens INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	total_tokens INTEGER NOT NULL DEFAULT 0,
	cost REAL NOT NULL DEFAULT 0,
	reserved_calls INTEGER NOT NULL DEFAULT 0,
	reserved_prompt_tokens INTEGER NOT NULL DEFAULT 0,
	reserved_completion_tokens INTEGER NOT NULL DEFAULT 0,
	reserved_total_tokens INTEGER NOT NULL DEFAULT 0,
	reserved_cost REAL NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL
);
