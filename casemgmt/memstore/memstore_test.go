package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

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

// TestChangeHook: the hook gets, after each committed write, the feed
// entries of that write, and nothing for writes that fail.
func TestChangeHook(t *testing.T) {
	ctx := context.Background()
	var got []casemgmt.FeedEntry
	var s *memstore.Store
	s = memstore.New(memstore.WithChangeHook(func(ctx context.Context, es []casemgmt.FeedEntry) {
		// The write's lock is released: the hook may read the store.
		if _, err := s.LastChange(ctx); err != nil {
			t.Error(err)
		}
		got = append(got, es...)
	}))
	c := &casemgmt.Case{Title: "hooked"}
	if err := s.CreateCase(ctx, c, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent}}}); err != nil {
		t.Fatal(err)
	}
	stale := c.Clone()
	stale.Version = 7
	if err := s.UpdateCase(ctx, stale, casemgmt.Write{}); err == nil {
		t.Fatal("stale update succeeded")
	}
	if err := s.Relate(ctx, c.ID, casemgmt.Link{Kind: casemgmt.LinkEmail, ID: "m1"}, casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	want, err := s.ReadChanges(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 3 {
		t.Fatalf("%d feed entries, want 3", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hook entries differ from the feed (-feed +hook):\n%s", diff)
	}
}

// TestFollowFeed: two consumers follow one feed with cursors of their
// own; a page the handler refuses comes again.
func TestFollowFeed(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	for i := range 5 {
		if err := s.CreateCase(ctx, &casemgmt.Case{Title: fmt.Sprint(i)}, casemgmt.Write{}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string][]int64{}
	handler := func(name string, failAt int64) func(context.Context, []casemgmt.FeedEntry) error {
		return func(_ context.Context, es []casemgmt.FeedEntry) error {
			for _, e := range es {
				if e.Seq == failAt {
					return errors.New("down")
				}
			}
			for _, e := range es {
				seen[name] = append(seen[name], e.Seq)
			}
			return nil
		}
	}
	// "crm" fails on the page holding entry 4 (pages of 2: 1-2, 3-4).
	n, err := casemgmt.FollowFeed(ctx, s, s, casemgmt.FollowOptions{Consumer: "crm", Limit: 2}, handler("crm", 4))
	if err == nil || n != 2 {
		t.Fatalf("FollowFeed with a failing handler: %d, %v", n, err)
	}
	n, err = casemgmt.FollowFeed(ctx, s, s, casemgmt.FollowOptions{Consumer: "search", Limit: 2}, handler("search", -1))
	if err != nil || n != 5 {
		t.Fatalf("FollowFeed: %d, %v", n, err)
	}
	n, err = casemgmt.FollowFeed(ctx, s, s, casemgmt.FollowOptions{Consumer: "crm", Limit: 2}, handler("crm", -1))
	if err != nil || n != 3 {
		t.Fatalf("FollowFeed after the failure: %d, %v", n, err)
	}
	if n, err := casemgmt.FollowFeed(ctx, s, s, casemgmt.FollowOptions{Consumer: "crm", Limit: 2}, handler("crm", -1)); err != nil || n != 0 {
		t.Fatalf("FollowFeed with nothing new: %d, %v", n, err)
	}
	want := map[string][]int64{"crm": {1, 2, 3, 4, 5}, "search": {1, 2, 3, 4, 5}}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("entries handled (-want +got):\n%s", diff)
	}
	if _, err := casemgmt.FollowFeed(ctx, s, s, casemgmt.FollowOptions{Consumer: "", Limit: 0}, handler("x", -1)); !errors.Is(err, casemgmt.ErrInvalid) {
		t.Errorf("FollowFeed without a name: %v", err)
	}
}
