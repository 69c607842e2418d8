package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

var _ budget.Counter = (*Store)(nil)

const usageColumns = "calls, prompt_tokens, completion_tokens, total_tokens, cost, " +
	"reserved_calls, reserved_prompt_tokens, reserved_completion_tokens, reserved_total_tokens, reserved_cost"

// qReserveUsage adds to the reserved usage of a key only while its spent
// plus reserved usage is below every nonzero cap: one upsert, so the check
// and the addition are one atomic step on either database (SQLite holds
// the write lock, PostgreSQL the row's lock, for the statement).
const qReserveUsage = "INSERT INTO {usage_counters} (key, reserved_calls, reserved_prompt_tokens, reserved_completion_tokens, " +
	"reserved_total_tokens, reserved_cost, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) " +
	"ON CONFLICT (key) DO UPDATE SET " +
	"reserved_calls = {usage_counters}.reserved_calls + excluded.reserved_calls, " +
	"reserved_prompt_tokens = {usage_counters}.reserved_prompt_tokens + excluded.reserved_prompt_tokens, " +
	"reserved_completion_tokens = {usage_counters}.reserved_completion_tokens + excluded.reserved_completion_tokens, " +
	"reserved_total_tokens = {usage_counters}.reserved_total_tokens + excluded.reserved_total_tokens, " +
	"reserved_cost = {usage_counters}.reserved_cost + excluded.reserved_cost, " +
	"updated_at = excluded.updated_at " +
	"WHERE (CAST($8 AS BIGINT) <= 0 OR {usage_counters}.calls + {usage_counters}.reserved_calls < CAST($8 AS BIGINT)) " +
	"AND (CAST($9 AS BIGINT) <= 0 OR {usage_counters}.total_tokens + {usage_counters}.reserved_total_tokens < CAST($9 AS BIGINT)) " +
	"AND (CAST($10 AS DOUBLE PRECISION) <= 0 OR {usage_counters}.cost + {usage_counters}.reserved_cost < CAST($10 AS DOUBLE PRECISION))"

// qCommitUsage adds spent usage and takes a reservation off, never below
// zero.
const qCommitUsage = "INSERT INTO {usage_counters} (key, calls, prompt_tokens, completion_tokens, total_tokens, cost, updated_at) " +
	"VALUES ($1, $2, $3, $4, $5, $6, $7) " +
	"ON CONFLICT (key) DO UPDATE SET " +
	"calls = {usage_counters}.calls + excluded.calls, " +
	"prompt_tokens = {usage_counters}.prompt_tokens + excluded.prompt_tokens, " +
	"completion_tokens = {usage_counters}.completion_tokens + excluded.completion_tokens, " +
	"total_tokens = {usage_counters}.total_tokens + excluded.total_tokens, " +
	"cost = {usage_counters}.cost + excluded.cost, " +
	"reserved_calls = CASE WHEN {usage_counters}.reserved_calls > CAST($8 AS BIGINT) THEN {usage_counters}.reserved_calls - CAST($8 AS BIGINT) ELSE 0 END, " +
	"reserved_prompt_tokens = CASE WHEN {usage_counters}.reserved_prompt_tokens > CAST($9 AS BIGINT) THEN {usage_counters}.reserved_prompt_tokens - CAST($9 AS BIGINT) ELSE 0 END, " +
	"reserved_completion_tokens = CASE WHEN {usage_counters}.reserved_completion_tokens > CAST($10 AS BIGINT) THEN {usage_counters}.reserved_completion_tokens - CAST($10 AS BIGINT) ELSE 0 END, " +
	"reserved_total_tokens = CASE WHEN {usage_counters}.reserved_total_tokens > CAST($11 AS BIGINT) THEN {usage_counters}.reserved_total_tokens - CAST($11 AS BIGINT) ELSE 0 END, " +
	"reserved_cost = CASE WHEN {usage_counters}.reserved_cost > CAST($12 AS DOUBLE PRECISION) THEN {usage_counters}.reserved_cost - CAST($12 AS DOUBLE PRECISION) ELSE 0 END, " +
	"updated_at = excluded.updated_at"

const qGetUsage = "SELECT " + usageColumns + " FROM {usage_counters} WHERE key = $1"

func checkUsageKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty usage key", casemgmt.ErrInvalid)
	}
	return casemgmt.ValidateText("usage key", key)
}

func getUsage(ctx context.Context, q querier, key string) (budget.Count, error) {
	var c budget.Count
	err := q.QueryRowContext(ctx, qGetUsage, key).Scan(
		&c.Spent.Calls, &c.Spent.PromptTokens, &c.Spent.CompletionTokens, &c.Spent.TotalTokens, &c.Spent.Cost,
		&c.InFlight.Calls, &c.InFlight.PromptTokens, &c.InFlight.CompletionTokens, &c.InFlight.TotalTokens, &c.InFlight.Cost)
	if errors.Is(err, sql.ErrNoRows) {
		return budget.Count{}, nil
	}
	return c, err
}

// ReserveUsage implements budget.Counter.
func (s *Store) ReserveUsage(ctx context.Context, key string, est predict.Usage, hard budget.Limit) (budget.Count, bool, error) {
	if err := ctx.Err(); err != nil {
		return budget.Count{}, false, err
	}
	if err := checkUsageKey(key); err != nil {
		return budget.Count{}, false, err
	}
	var c budget.Count
	var ok bool
	err := s.inTx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, qReserveUsage, key,
			est.Calls, est.PromptTokens, est.CompletionTokens, est.TotalTokens, est.Cost, s.clock().UnixNano(),
			hard.Calls, hard.Tokens, hard.Cost)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		ok = n == 1
		c, err = getUsage(ctx, tx, key)
		return err
	})
	if err != nil {
		return budget.Count{}, false, wrap("reserving usage", err)
	}
	return c, ok, nil
}

// CommitUsage implements budget.Counter.
func (s *Store) CommitUsage(ctx context.Context, key string, reserved, spent predict.Usage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkUsageKey(key); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, qCommitUsage, key,
			spent.Calls, spent.PromptTokens, spent.CompletionTokens, spent.TotalTokens, spent.Cost, s.clock().UnixNano(),
			reserved.Calls, reserved.PromptTokens, reserved.CompletionTokens, reserved.TotalTokens, reserved.Cost)
		return err
	})
	return wrap("committing usage", err)
}

// GetUsage implements budget.Counter.
func (s *Store) GetUsage(ctx context.Context, key string) (budget.Count, error) {
	if err := ctx.Err(); err != nil {
		return budget.Count{}, err
	}
	if err := checkUsageKey(key); err != nil {
		return budget.Count{}, err
	}
	c, err := getUsage(ctx, s.rq, key)
	return c, wrap("getting usage", err)
}
