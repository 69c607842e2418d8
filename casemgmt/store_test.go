package casemgmt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
)

// Every store adapter starts ListCases and ReadChanges with these checks,
// so a caller gets the same errors from each.
func TestListAndFeedStart(t *testing.T) {
	ctx := context.Background()
	c := &casemgmt.Case{ID: "case-7", CreatedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	first := casemgmt.ListQuery{Order: casemgmt.NewestFirst}
	next := casemgmt.ListQuery{Order: casemgmt.NewestFirst, Cursor: first.NextCursor(c)}
	if pos, err := next.Start(ctx); err != nil || pos == nil || pos.ID != c.ID || !pos.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("Start of the next page = %+v, %v; want the position of %s", pos, err, c.ID)
	}
	if pos, err := first.Start(ctx); err != nil || pos != nil {
		t.Fatalf("Start of the first page = %+v, %v; want no position", pos, err)
	}
	other := casemgmt.ListQuery{Order: casemgmt.OldestFirst, Cursor: next.Cursor}
	for name, q := range map[string]casemgmt.ListQuery{
		"cursor of the other order": other,
		"negative limit":            {Limit: -1},
		"unknown status":            {Statuses: []casemgmt.Status{"sleeping"}},
	} {
		if _, err := q.Start(ctx); !errors.Is(err, casemgmt.ErrInvalid) {
			t.Errorf("%s: Start error = %v, want casemgmt.ErrInvalid", name, err)
		}
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := first.Start(done); !errors.Is(err, context.Canceled) {
		t.Errorf("Start on a cancelled context = %v", err)
	}

	for _, tc := range []struct {
		after int64
		limit int
		want  int
	}{{0, 0, casemgmt.DefaultPageSize}, {5, 3, 3}, {0, casemgmt.MaxPageSize + 1, casemgmt.MaxPageSize}} {
		if n, err := casemgmt.StartReadChanges(ctx, tc.after, tc.limit); err != nil || n != tc.want {
			t.Errorf("casemgmt.StartReadChanges(%d, %d) = %d, %v; want %d", tc.after, tc.limit, n, err, tc.want)
		}
	}
	for _, bad := range [][2]int{{-1, 0}, {0, -1}} {
		if _, err := casemgmt.StartReadChanges(ctx, int64(bad[0]), bad[1]); !errors.Is(err, casemgmt.ErrInvalid) {
			t.Errorf("casemgmt.StartReadChanges(%d, %d) error = %v, want casemgmt.ErrInvalid", bad[0], bad[1], err)
		}
	}
	if _, err := casemgmt.StartReadChanges(done, 0, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("casemgmt.StartReadChanges on a cancelled context = %v", err)
	}
}
