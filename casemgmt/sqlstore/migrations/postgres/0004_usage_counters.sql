-- Usage of a predictor per period key (budget.Counter): what finished
-- calls spent, and what calls still running reserved.

CREATE TABLE {usage_counters} (
	key TEXT COLLATE "C" PRIMARY KEY,
	calls BIGINT NOT NULL DEFAULT 0,
	prompt_tokens BIGINT NOT NULL DEFAULT 0,
	completion_tokens BIGINT NOT NULL DEFAULT 0,
	total_tokens BIGINT NOT NULL DEFAULT 0,
	cost DOUBLE PRECISION NOT NULL DEFAULT 0,
	reserved_calls BIGINT NOT NULL DEFAULT 0,
	reserved_prompt_tokens BIGINT NOT NULL DEFAULT 0,
	reserved_completion_tokens BIGINT NOT NULL DEFAULT 0,
	reserved_total_tokens BIGINT NOT NULL DEFAULT 0,
	reserved_cost DOUBLE PRECISION NOT NULL DEFAULT 0,
	updated_at BIGINT NOT NULL
);
