package memstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
)

// ListCases implements casemgmt.Lister. It walks the index of cases by
// creation from the cursor, so a page costs what it returns plus the
// cases the criteria skip.
func (s *Store) ListCases(ctx context.Context, q casemgmt.ListQuery) (casemgmt.CasePage, error) {
	pos, err := q.Start(ctx)
	if err != nil {
		return casemgmt.CasePage{}, err
	}
	var from *dueEntry
	if pos != nil {
		from = &dueEntry{pos.CreatedAt, pos.ID}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := q.PageSize()
	var out []*casemgmt.Case
	visit := func(d dueEntry) bool {
		if c := s.cases[d.id]; q.Match(c, nil) {
			out = append(out, c.Clone())
		}
		return len(out) <= n
	}
	if q.Newest() {
		s.byCreated.descendBefore(from, visit)
	} else {
		s.byCreated.ascendAfter(from, visit)
	}
	return q.Page(out), nil
}

// ReadChanges implements casemgmt.Feed.
func (s *Store) ReadChanges(ctx context.Context, after int64, limit int) ([]casemgmt.FeedEntry, error) {
	n, err := casemgmt.StartReadChanges(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if after < s.feedPurged {
		return nil, fmt.Errorf("%w: after %d, up to %d", casemgmt.ErrChangesPurged, after, s.feedPurged)
	}
	i := sort.Search(len(s.feed), func(i int) bool { return s.feed[i].Seq > after })
	end := min(len(s.feed), i+n)
	var out []casemgmt.FeedEntry
	for _, e := range s.feed[i:end] {
		out = append(out, e.Clone())
	}
	return out, nil
}

// LastChange implements casemgmt.Feed.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastFeed, nil
}

// Purge implements casemgmt.Purger.
func (s *Store) Purge(ctx context.Context, before time.Time) (casemgmt.PurgeResult, error) {
	var r casemgmt.PurgeResult
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if before.IsZero() {
		return r, fmt.Errorf("%w: purge without a time", casemgmt.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, used := range s.keys {
		if used.Before(before) {
			delete(s.keys, k)
			r.Keys++
		}
	}
	keep := s.inters[:0]
	for _, e := range s.inters {
		if e.in.Time.Before(before) {
			r.Interactions++
			delete(s.interByID, e.in.ID)
			continue
		}
		keep = append(keep, e)
	}
	clear(s.inters[len(keep):])
	s.inters = keep
	for id, es := range s.interCase {
		i := sort.Search(len(es), func(i int) bool { return !es[i].in.Time.Before(before) })
		if i == len(es) {
			delete(s.interCase, id)
		} else if i > 0 {
			s.interCase[id] = append([]*interaction(nil), es[i:]...)
		}
	}
	i := 0
	for i < len(s.feed) && s.feed[i].Time.Before(before) {
		i++
	}
	if i > 0 {
		s.feedPurged = s.feed[i-1].Seq
		r.Changes = int64(i)
		s.feed = append([]casemgmt.FeedEntry(nil), s.feed[i:]...)
	}
	return r, nil
}
