package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/casemgmt/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store { return memstore.New() })
}

// TestClock checks that the store's times and claim expiry follow its
// clock.
func TestClock(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := memstore.New(memstore.WithClock(func() time.Time { return now }))
	c := &casemgmt.Case{}
	if err := s.CreateCase(ctx, c, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	if !c.CreatedAt.Equal(now) {
		t.Errorf("CreatedAt %v, want the clock's %v", c.CreatedAt, now)
	}
	if ok, _ := s.AcquireClaim(ctx, "job", "a", time.Minute); !ok {
		t.Fatal("a could not claim a free job")
	}
	now = now.Add(59 * time.Second)
	if ok, _ := s.AcquireClaim(ctx, "job", "b", time.Minute); ok {
		t.Fatal("b took a's claim before it expired")
	}
	now = now.Add(time.Second)
	if ok, _ := s.AcquireClaim(ctx, "job", "b", time.Minute); !ok {
		t.Fatal("b could not take an expired claim")
	}
}
