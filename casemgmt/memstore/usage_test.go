package memstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

func TestUsage(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) casemgmt.Store { return memstore.New() })
}

// Usage counters live beside the state a caller keeps, and never show
// through it.
func TestUsageApartFromState(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	if err := s.CommitUsage(ctx, "acme/2026-12", predict.Usage{}, predict.Usage{Calls: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, "acme/2026-12", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetState(ctx, "usage"); !errors.Is(err, casemgmt.ErrNotFound) {
		t.Errorf("GetState(usage): %v, want ErrNotFound", err)
	}
	c, err := s.GetUsage(ctx, "acme/2026-12")
	if err != nil || c.Spent.Calls != 1 {
		t.Errorf("GetUsage = %+v, %v; want one call", c, err)
	}
	var _ budget.Counter = s
}
