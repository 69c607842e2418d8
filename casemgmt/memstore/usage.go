package memstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

var _ budget.Counter = (*Store)(nil)

// usageKey is where a counter key's count is kept among the store's
// state. State keys a caller can write never hold a NUL byte, so the two
// never meet.
func usageKey(key string) string { return "\x00usage\x00" + key }

// count reads key's count; s.mu must be held.
func (s *Store) count(key string) (budget.Count, error) {
	var c budget.Count
	b, ok := s.state[usageKey(key)]
	if !ok {
		return c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("memstore: usage %q: %w", key, err)
	}
	return c, nil
}

// setCount stores key's count; s.mu must be held.
func (s *Store) setCount(key string, c budget.Count) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("memstore: usage %q: %w", key, err)
	}
	s.state[usageKey(key)] = b
	return nil
}

// ReserveUsage implements budget.Counter.
func (s *Store) ReserveUsage(ctx context.Context, key string, est predict.Usage, hard budget.Limit) (budget.Count, bool, error) {
	if err := ctx.Err(); err != nil {
		return budget.Count{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.count(key)
	if err != nil {
		return c, false, err
	}
	c, ok := c.Reserve(est, hard)
	if !ok {
		return c, false, nil
	}
	return c, true, s.setCount(key, c)
}

// CommitUsage implements budget.Counter.
func (s *Store) CommitUsage(ctx context.Context, key string, reserved, spent predict.Usage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.count(key)
	if err != nil {
		return err
	}
	return s.setCount(key, c.Commit(reserved, spent))
}

// GetUsage implements budget.Counter.
func (s *Store) GetUsage(ctx context.Context, key string) (budget.Count, error) {
	if err := ctx.Err(); err != nil {
		return budget.Count{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.count(key)
}
