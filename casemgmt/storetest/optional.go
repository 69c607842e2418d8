package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
)

// The tests of the optional interfaces (casemgmt.Lister, casemgmt.Feed,
// casemgmt.Purger): each runs when the store implements its interface and
// is skipped, saying so, when it does not.

// optional returns s as the optional interface T, or skips t, saying so,
// when s does not implement it.
func optional[T any](t *testing.T, s casemgmt.Store) T {
	t.Helper()
	v, ok := s.(T)
	if !ok {
		t.Skipf("%T does not implement %v", s, reflect.TypeFor[T]())
	}
	return v
}

// listAll pages through q until Next is empty and returns the ids in the
// order they came.
func listAll(ctx context.Context, l casemgmt.Lister, q casemgmt.ListQuery) ([]string, int, error) {
	var out []string
	pages := 0
	for {
		p, err := l.ListCases(ctx, q)
		if err != nil {
			return out, pages, err
		}
		pages++
		if len(p.Cases) > q.PageSize() {
			return out, pages, fmt.Errorf("page of %d cases for a limit of %d", len(p.Cases), q.PageSize())
		}
		out = append(out, ids(p.Cases)...)
		if p.Next == "" {
			return out, pages, nil
		}
		if len(p.Cases) == 0 {
			return out, pages, errors.New("an empty page with a next cursor")
		}
		q.Cursor = p.Next
	}
}

func testList(t *testing.T, s casemgmt.Store) {
	l := optional[casemgmt.Lister](t, s)
	ctx := context.Background()
	// Created in an order other than their creation times, two at the same
	// time (ties go by id).
	type spec struct {
		id      string
		created time.Duration
		status  casemgmt.Status
		contact string
		link    string
	}
	specs := []spec{
		{"case-e", 4 * time.Hour, casemgmt.StatusActive, "C-1", ""},
		{"case-a", 0, casemgmt.StatusResolved, "C-2", "C-1"},
		{"case-c", 2 * time.Hour, casemgmt.StatusActive, "", ""},
		{"case-b", 2 * time.Hour, casemgmt.StatusWaitingOnCustomer, "C-1", ""},
		{"case-d", 3 * time.Hour, casemgmt.StatusClosed, "C-2", ""},
	}
	for _, sp := range specs {
		c := &casemgmt.Case{ID: sp.id, Status: sp.status, ContactID: sp.contact}
		if sp.link != "" {
			c.Links = []casemgmt.Link{contact(sp.link)}
		}
		create(t, s, c, casemgmt.Write{Time: at(sp.created)})
	}
	// case-a is updated last, at 10h.
	a := get(t, s, "case-a")
	a.Title = "updated"
	if err := s.UpdateCase(ctx, a, casemgmt.Write{Time: at(10 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	oldest := []string{"case-a", "case-b", "case-c", "case-d", "case-e"}
	newest := slices.Clone(oldest)
	slices.Reverse(newest)
	tests := []struct {
		name string
		q    casemgmt.ListQuery
		want []string
	}{
		{"all, oldest first", casemgmt.ListQuery{}, oldest},
		{"all, explicitly oldest first", casemgmt.ListQuery{Order: casemgmt.OldestFirst}, oldest},
		{"all, newest first", casemgmt.ListQuery{Order: casemgmt.NewestFirst}, newest},
		{"pages of 2", casemgmt.ListQuery{Limit: 2}, oldest},
		{"pages of 1, newest first", casemgmt.ListQuery{Limit: 1, Order: casemgmt.NewestFirst}, newest},
		{"pages of exactly all", casemgmt.ListQuery{Limit: 5}, oldest},
		{"open statuses", casemgmt.ListQuery{Statuses: []casemgmt.Status{casemgmt.StatusActive, casemgmt.StatusWaitingOnCustomer}, Limit: 2},
			[]string{"case-b", "case-c", "case-e"}},
		{"contact or contact link", casemgmt.ListQuery{ContactID: "C-1", Limit: 1}, []string{"case-a", "case-b", "case-e"}},
		{"contact, newest first", casemgmt.ListQuery{ContactID: "C-2", Order: casemgmt.NewestFirst}, []string{"case-d", "case-a"}},
		{"updated since", casemgmt.ListQuery{UpdatedSince: at(3 * time.Hour)}, []string{"case-a", "case-d", "case-e"}},
		{"updated since, inclusive", casemgmt.ListQuery{UpdatedSince: at(4 * time.Hour), Order: casemgmt.NewestFirst}, []string{"case-e", "case-a"}},
		{"all criteria", casemgmt.ListQuery{ContactID: "C-1", Statuses: []casemgmt.Status{casemgmt.StatusActive}, UpdatedSince: at(time.Hour)}, []string{"case-e"}},
		{"no match", casemgmt.ListQuery{ContactID: "C-9"}, nil},
	}
	for _, tt := range tests {
		got, pages, err := listAll(ctx, l, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got, opts); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", tt.name, diff)
		}
		// A page is full until the last; the last has no Next.
		if n := tt.q.PageSize(); pages != max(1, (len(tt.want)+n-1)/n) {
			t.Errorf("%s: %d pages for %d cases of %d per page", tt.name, pages, len(tt.want), n)
		}
	}

	// Pages hold the cases as stored.
	p, err := l.ListCases(ctx, casemgmt.ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*casemgmt.Case{get(t, s, "case-a")}, p.Cases, opts); diff != "" {
		t.Errorf("listed case differs from GetCase (-want +got):\n%s", diff)
	}
	// Pages are copies.
	p.Cases[0].Title = "changed by the caller"
	if get(t, s, "case-a").Title != "updated" {
		t.Error("changing a listed case changed the store")
	}
	// A cursor goes on from where it was made even when its case is gone.
	if err := s.DeleteCase(ctx, "case-a", casemgmt.Write{}); err != nil {
		t.Fatal(err)
	}
	p2, err := l.ListCases(ctx, casemgmt.ListQuery{Limit: 2, Cursor: p.Next})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"case-b", "case-c"}, ids(p2.Cases)); diff != "" {
		t.Errorf("page after a deleted case's cursor (-want +got):\n%s", diff)
	}

	newestCursor := func() string {
		p, err := l.ListCases(ctx, casemgmt.ListQuery{Limit: 1, Order: casemgmt.NewestFirst})
		if err != nil {
			t.Fatal(err)
		}
		return p.Next
	}()
	for _, q := range []casemgmt.ListQuery{
		{Statuses: []casemgmt.Status{"open"}},
		{Order: "by_number"},
		{Limit: -1},
		{Cursor: "not a cursor"},
		{Cursor: "bm90IGEgY3Vyc29y"}, // base64 of "not a cursor"
		{Cursor: newestCursor},       // made for the other order
	} {
		_, err := l.ListCases(ctx, q)
		wantErr(t, fmt.Sprintf("ListCases(%+v)", q), err, casemgmt.ErrInvalid)
	}
	// A large limit is lowered, not refused.
	if p, err := l.ListCases(ctx, casemgmt.ListQuery{Limit: casemgmt.MaxPageSize + 1}); err != nil || len(p.Cases) != 4 || p.Next != "" {
		t.Errorf("ListCases with a limit over the maximum: %d cases, next %q, %v", len(p.Cases), p.Next, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.ListCases(cctx, casemgmt.ListQuery{}); !errors.Is(err, context.Canceled) {
		t.Errorf("ListCases with a cancelled context: %v", err)
	}
}

// testListConcurrentWrites pages through the cases, a few at a time, while
// other goroutines create cases, update the listed ones (so their UpdatedAt
// and version move) and delete cases created for the purpose: no case may
// come twice, every case that exists throughout must come exactly once,
// and the order must hold.
func testListConcurrentWrites(t *testing.T, s casemgmt.Store) {
	l := optional[casemgmt.Lister](t, s)
	ctx := context.Background()
	const stable, doomed = 60, 20
	var stableIDs []string
	var doomedIDs []string
	for i := range stable + doomed {
		c := create(t, s, &casemgmt.Case{Title: fmt.Sprint(i)}, casemgmt.Write{Time: at(time.Duration(i%17) * time.Minute)})
		if i%4 == 3 {
			doomedIDs = append(doomedIDs, c.ID)
		} else {
			stableIDs = append(stableIDs, c.ID)
		}
	}
	for _, order := range []casemgmt.Order{casemgmt.OldestFirst, casemgmt.NewestFirst} {
		t.Run(string(order), func(t *testing.T) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			var writes atomic.Int64
			// Each writer stops after a bounded number of writes, so that
			// the listing, which new cases may extend, ends.
			writer := func(fn func(i int) error) {
				wg.Go(func() {
					for i := range 150 {
						select {
						case <-stop:
							return
						default:
						}
						if err := fn(i); err != nil {
							errs <- err
							return
						}
						writes.Add(1)
					}
				})
			}
			// Creates, some older and some newer than every listed case.
			writer(func(i int) error {
				return s.CreateCase(ctx, &casemgmt.Case{Title: "new"}, casemgmt.Write{Time: at(time.Duration(i%40-20) * time.Minute)})
			})
			// Updates of stable cases, which move their UpdatedAt.
			writer(func(i int) error {
				c, err := s.GetCase(ctx, stableIDs[i%len(stableIDs)])
				if err != nil {
					return err
				}
				c.Title = fmt.Sprint("update ", i)
				err = s.UpdateCase(ctx, c, casemgmt.Write{Time: at(time.Duration(100+i) * time.Minute)})
				if errors.Is(err, casemgmt.ErrConflict) {
					return nil
				}
				return err
			})
			// Deletes of the doomed cases, one by one.
			var deleted atomic.Int64
			writer(func(i int) error {
				if i >= len(doomedIDs) {
					time.Sleep(time.Millisecond)
					return nil
				}
				err := s.DeleteCase(ctx, doomedIDs[i], casemgmt.Write{})
				if errors.Is(err, casemgmt.ErrNotFound) {
					return nil
				}
				deleted.Add(1)
				return err
			})

			var got []*casemgmt.Case
			q := casemgmt.ListQuery{Order: order, Limit: 3}
			for {
				p, err := l.ListCases(ctx, q)
				if err != nil {
					close(stop)
					wg.Wait()
					t.Fatal(err)
				}
				got = append(got, p.Cases...)
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
				time.Sleep(200 * time.Microsecond) // let the writers in
			}
			close(stop)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			seen := map[string]int{}
			for i, c := range got {
				seen[c.ID]++
				if i > 0 && q.Compare(got[i-1], c) >= 0 {
					t.Errorf("case %s listed after %s, out of %s order", c.ID, got[i-1].ID, order)
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("case %s listed %d times", id, n)
				}
			}
			for _, id := range stableIDs {
				if seen[id] != 1 {
					t.Errorf("case %s, which existed throughout, listed %d times", id, seen[id])
				}
			}
			t.Logf("%s: %d cases listed while %d writes committed", order, len(got), writes.Load())
		})
	}
}

func testFeed(t *testing.T, s casemgmt.Store) {
	f := optional[casemgmt.Feed](t, s)
	ctx := context.Background()
	if n, err := f.LastChange(ctx); err != nil || n != 0 {
		t.Fatalf("LastChange of an empty store: %d, %v", n, err)
	}
	if es, err := f.ReadChanges(ctx, 0, 0); err != nil || len(es) != 0 {
		t.Fatalf("ReadChanges of an empty store: %v, %v", es, err)
	}
	sent := casemgmt.Event{Kind: casemgmt.ChangeEmailSent, Actor: agent, Reason: "acknowledgement",
		MessageIDs: []string{"out-1@x"}, Data: map[string]string{"to": "ana@example.com", "message_id": "out-1@x"}}
	c := create(t, s, &casemgmt.Case{Title: "feed", Fields: casemgmt.Values{"n": int64(1)}},
		casemgmt.Write{Time: t0, Audit: []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, "created", agent)}, Events: []casemgmt.Event{sent}})
	created := get(t, s, c.ID)

	u := get(t, s, c.ID)
	u.Status = casemgmt.StatusWaitingOnCustomer
	u.Fields["n"] = int64(2)
	draft := casemgmt.Event{Kind: casemgmt.ChangeDraftWaiting, Actor: agent, Data: map[string]string{"purpose": "follow_up"}}
	statusEntry := entry(casemgmt.AttrStatus, "active", "waiting_on_customer", agent)
	if err := s.UpdateCase(ctx, u, casemgmt.Write{Time: at(time.Minute), Key: "k-1",
		Audit: []casemgmt.AuditEntry{entry("n", int64(1), int64(2), agent), statusEntry}, Events: []casemgmt.Event{draft}}); err != nil {
		t.Fatal(err)
	}
	updated := get(t, s, c.ID)
	// Writes that fail or write nothing append nothing.
	stale := updated.Clone()
	stale.Version = 1
	wantErr(t, "stale update", s.UpdateCase(ctx, stale, casemgmt.Write{Events: []casemgmt.Event{sent}}), casemgmt.ErrConflict)
	again := updated.Clone()
	wantErr(t, "update with a used key", s.UpdateCase(ctx, again, casemgmt.Write{Key: "k-1"}), casemgmt.ErrKeyUsed)
	wantErr(t, "event of a store's kind", s.UpdateCase(ctx, again, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeCaseUpdated}}}), casemgmt.ErrInvalid)
	wantErr(t, "event without a kind", s.UpdateCase(ctx, again, casemgmt.Write{Events: []casemgmt.Event{{}}}), casemgmt.ErrInvalid)

	if err := s.Relate(ctx, c.ID, email("in-1@x"), casemgmt.Write{Time: at(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	linked := get(t, s, c.ID)
	if err := s.Relate(ctx, c.ID, email("in-1@x"), casemgmt.Write{Time: at(3 * time.Minute), Events: []casemgmt.Event{sent}}); err != nil {
		t.Fatal(err) // already linked: writes nothing
	}
	if err := s.Unrelate(ctx, c.ID, email("in-1@x"), casemgmt.Write{Time: at(4 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	unlinked := get(t, s, c.ID)
	up := &casemgmt.Case{ExternalID: "EXT-9", Title: "upserted"}
	if _, err := s.UpsertCase(ctx, up, casemgmt.Write{Time: at(5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	upCreated := get(t, s, up.ID)
	up2 := &casemgmt.Case{ExternalID: "EXT-9", Title: "upserted again"}
	if _, err := s.UpsertCase(ctx, up2, casemgmt.Write{Time: at(6 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	upUpdated := get(t, s, up.ID)
	if err := s.DeleteCase(ctx, c.ID, casemgmt.Write{Time: at(7 * time.Minute)}); err != nil {
		t.Fatal(err)
	}

	inAt := func(e casemgmt.AuditEntry, id string, tm time.Time) casemgmt.AuditEntry {
		e.CaseID, e.Time = id, tm
		return e
	}
	ev := func(e casemgmt.Event) *casemgmt.Event { return &e }
	link := email("in-1@x")
	want := []casemgmt.FeedEntry{
		{Seq: 1, Kind: casemgmt.ChangeCaseCreated, CaseID: c.ID, CaseNumber: c.Number, Time: t0, Case: created,
			Audit: []casemgmt.AuditEntry{inAt(entry(casemgmt.AttrCase, nil, "created", agent), c.ID, t0)}},
		{Seq: 2, Kind: casemgmt.ChangeEmailSent, CaseID: c.ID, CaseNumber: c.Number, Time: t0, Event: ev(sent)},
		{Seq: 3, Kind: casemgmt.ChangeCaseUpdated, CaseID: c.ID, CaseNumber: c.Number, Time: at(time.Minute), Case: updated,
			Audit: []casemgmt.AuditEntry{inAt(entry("n", int64(1), int64(2), agent), c.ID, at(time.Minute)), inAt(statusEntry, c.ID, at(time.Minute))}},
		{Seq: 4, Kind: casemgmt.ChangeDraftWaiting, CaseID: c.ID, CaseNumber: c.Number, Time: at(time.Minute), Event: ev(draft)},
		{Seq: 5, Kind: casemgmt.ChangeLinked, CaseID: c.ID, CaseNumber: c.Number, Time: at(2 * time.Minute), Case: linked, Link: &link},
		{Seq: 6, Kind: casemgmt.ChangeUnlinked, CaseID: c.ID, CaseNumber: c.Number, Time: at(4 * time.Minute), Case: unlinked, Link: &link},
		{Seq: 7, Kind: casemgmt.ChangeCaseCreated, CaseID: up.ID, CaseNumber: up.Number, Time: at(5 * time.Minute), Case: upCreated},
		{Seq: 8, Kind: casemgmt.ChangeCaseUpdated, CaseID: up.ID, CaseNumber: up.Number, Time: at(6 * time.Minute), Case: upUpdated},
		{Seq: 9, Kind: casemgmt.ChangeCaseDeleted, CaseID: c.ID, CaseNumber: c.Number, Time: at(7 * time.Minute)},
	}
	got, err := f.ReadChanges(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Fatalf("feed (-want +got):\n%s", diff)
	}
	if e, ok := got[2].Changed(casemgmt.AttrStatus); !ok || e.New != "waiting_on_customer" {
		t.Errorf("Changed(status) of the update: %+v, %v", e, ok)
	}
	if n, err := f.LastChange(ctx); err != nil || n != 9 {
		t.Errorf("LastChange = %d, %v; want 9", n, err)
	}
	// From a cursor, with a limit.
	page, err := f.ReadChanges(ctx, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[3:5], page, opts); diff != "" {
		t.Errorf("ReadChanges(3, 2) (-want +got):\n%s", diff)
	}
	if rest, err := f.ReadChanges(ctx, 9, 0); err != nil || len(rest) != 0 {
		t.Errorf("ReadChanges past the end: %d entries, %v", len(rest), err)
	}
	// Entries read are copies.
	got[0].Case.Title = "changed by the caller"
	got[1].Event.Data["to"] = "changed"
	again2, _ := f.ReadChanges(ctx, 0, 2)
	if diff := cmp.Diff(want[:2], again2, opts); diff != "" {
		t.Errorf("changing read entries changed the feed (-want +got):\n%s", diff)
	}
	for _, bad := range [][2]int{{-1, 0}, {0, -1}} {
		_, err := f.ReadChanges(ctx, int64(bad[0]), bad[1])
		wantErr(t, fmt.Sprintf("ReadChanges(%d, %d)", bad[0], bad[1]), err, casemgmt.ErrInvalid)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.ReadChanges(cctx, 0, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadChanges with a cancelled context: %v", err)
	}
}

// testFeedConcurrentWriters has writers create and update cases (retrying
// conflicts, appending events) while three consumers follow the feed,
// each from its own cursor, polling: each must read every entry once, in
// Seq order without gaps, and rebuild the store's cases from the entries
// alone.
func testFeedConcurrentWriters(t *testing.T, s casemgmt.Store) {
	f := optional[casemgmt.Feed](t, s)
	ctx := context.Background()
	const writers, each, consumers = 8, 12, 3
	shared := create(t, s, &casemgmt.Case{Title: "shared", Fields: casemgmt.Values{"n": int64(0)}}, casemgmt.Write{})

	done := make(chan struct{})
	type result struct {
		entries []casemgmt.FeedEntry
		err     error
	}
	results := make([]result, consumers)
	var cwg sync.WaitGroup
	for i := range consumers {
		cwg.Go(func() {
			var cursor int64
			finished := false
			for {
				es, err := f.ReadChanges(ctx, cursor, 7+i)
				if err != nil {
					results[i].err = err
					return
				}
				for _, e := range es {
					if e.Seq != cursor+1 {
						results[i].err = fmt.Errorf("consumer %d: entry %d after %d", i, e.Seq, cursor)
						return
					}
					cursor = e.Seq
					results[i].entries = append(results[i].entries, e)
				}
				if len(es) == 0 {
					if finished {
						return
					}
					select {
					case <-done:
						finished = true // one more read after the last write
					case <-time.After(100 * time.Microsecond):
					}
				}
			}
		})
	}

	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			own := &casemgmt.Case{Title: fmt.Sprint("writer ", w)}
			if err := s.CreateCase(ctx, own, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent, Data: map[string]string{"writer": fmt.Sprint(w)}}}}); err != nil {
				errs <- err
				return
			}
			for i := range each {
				// The shared case, retried on conflict.
				for {
					c, err := s.GetCase(ctx, shared.ID)
					if err != nil {
						errs <- err
						return
					}
					n := c.Fields["n"].(int64)
					c.Fields["n"] = n + 1
					err = s.UpdateCase(ctx, c, casemgmt.Write{Audit: []casemgmt.AuditEntry{entry("n", n, n+1, agent)}})
					if errors.Is(err, casemgmt.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
				// Its own case.
				own.Title = fmt.Sprint("writer ", w, " step ", i)
				if err := s.UpdateCase(ctx, own, casemgmt.Write{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	cwg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	last, err := f.LastChange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One for the shared case's creation, per writer a creation with an
	// event, and two updates a step.
	if wantLast := int64(1 + writers*2 + writers*each*2); last != wantLast {
		t.Errorf("LastChange = %d, want %d", last, wantLast)
	}
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("consumer %d: %v", i, r.err)
		}
		if int64(len(r.entries)) != last {
			t.Fatalf("consumer %d read %d entries, want %d", i, len(r.entries), last)
		}
		// The shared counter's updates come in the order they committed.
		var n int64
		mirror := map[string]*casemgmt.Case{}
		for _, e := range r.entries {
			if e.Kind == casemgmt.ChangeCaseUpdated && e.CaseID == shared.ID {
				if a, ok := e.Changed("n"); !ok || a.Old != n || a.New != n+1 {
					t.Fatalf("consumer %d: entry %d changes n %v -> %v after %d", i, e.Seq, a.Old, a.New, n)
				}
				n++
			}
			if e.Case != nil {
				if prev := mirror[e.CaseID]; prev != nil && e.Case.Version < prev.Version {
					t.Fatalf("consumer %d: entry %d has version %d of case %s after version %d", i, e.Seq, e.Case.Version, e.CaseID, prev.Version)
				}
				mirror[e.CaseID] = e.Case
			}
		}
		for id, c := range mirror {
			if diff := cmp.Diff(get(t, s, id), c, opts); diff != "" {
				t.Fatalf("consumer %d: case rebuilt from the feed differs from the store (-store +feed):\n%s", i, diff)
			}
		}
		if len(mirror) != writers+1 {
			t.Errorf("consumer %d rebuilt %d cases, want %d", i, len(mirror), writers+1)
		}
	}
}

func testPurge(t *testing.T, s casemgmt.Store) {
	p := optional[casemgmt.Purger](t, s)
	ctx := context.Background()
	// Three cases written at 0, 1h and 2h, each with an interaction and an
	// audit entry; a key used with the middle one.
	var cs []*casemgmt.Case
	for i := range 3 {
		w := casemgmt.Write{Time: at(time.Duration(i) * time.Hour),
			Audit:       []casemgmt.AuditEntry{entry(casemgmt.AttrCase, nil, "created", agent)},
			Interaction: &casemgmt.Interaction{Trigger: "test", Outcome: casemgmt.OutcomeCreated}}
		if i == 1 {
			w.Key = "create:1"
		}
		cs = append(cs, create(t, s, &casemgmt.Case{Title: fmt.Sprint(i), Links: []casemgmt.Link{conv(fmt.Sprint("chat-", i))}}, w))
	}
	if err := s.AddInteraction(ctx, &casemgmt.Interaction{Trigger: "test", Outcome: casemgmt.OutcomeSkipped, Time: at(30 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseKey(ctx, "msg:inbox:<a@x>"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutState(ctx, "imap:inbox", []byte("42")); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.AcquireClaim(ctx, "run-due", "a", time.Hour); err != nil || !ok {
		t.Fatalf("AcquireClaim: %v, %v", ok, err)
	}
	before := map[string][]casemgmt.AuditEntry{}
	for _, c := range cs {
		before[c.ID] = audit(t, s, c.ID)
	}

	// Keys are used at the store's own time, which is now: a cut-off at
	// 90 minutes into the suite's day leaves them.
	r, err := p.Purge(ctx, at(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(casemgmt.PurgeResult{Interactions: 3, Changes: 2}, r, purgeFeedless(s)); diff != "" {
		t.Errorf("Purge at 90m (-want +got):\n%s", diff)
	}
	ins, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 1 || !ins[0].Time.Equal(at(2*time.Hour)) {
		t.Errorf("interactions left: %+v, want the one at 2h", ins)
	}
	// Cases, their links, audit, claims and state are untouched.
	for _, c := range cs {
		if diff := cmp.Diff(c, get(t, s, c.ID), opts); diff != "" {
			t.Errorf("case %s after Purge (-want +got):\n%s", c.ID, diff)
		}
		if diff := cmp.Diff(before[c.ID], audit(t, s, c.ID), opts); diff != "" {
			t.Errorf("audit of %s after Purge (-want +got):\n%s", c.ID, diff)
		}
	}
	if c, err := s.FindCaseByConversation(ctx, "chat-0"); err != nil || c.ID != cs[0].ID {
		t.Errorf("FindCaseByConversation after Purge: %v", err)
	}
	if v, err := s.GetState(ctx, "imap:inbox"); err != nil || string(v) != "42" {
		t.Errorf("state after Purge: %q, %v", v, err)
	}
	if ok, err := s.AcquireClaim(ctx, "run-due", "b", time.Hour); err != nil || ok {
		t.Errorf("claim taken by another after Purge: %v, %v", ok, err)
	}
	if first, err := s.UseKey(ctx, "msg:inbox:<a@x>"); err != nil || first {
		t.Errorf("UseKey of a key not yet old enough: first %v, %v", first, err)
	}
	if f, ok := s.(casemgmt.Feed); ok {
		_, err := f.ReadChanges(ctx, 0, 0)
		wantErr(t, "ReadChanges from before the purged entries", err, casemgmt.ErrChangesPurged)
		_, err = f.ReadChanges(ctx, 1, 0)
		wantErr(t, "ReadChanges from a purged entry", err, casemgmt.ErrChangesPurged)
		es, err := f.ReadChanges(ctx, 2, 0)
		if err != nil || len(es) != 1 || es[0].Seq != 3 || es[0].CaseID != cs[2].ID {
			t.Errorf("ReadChanges after the purged entries: %+v, %v", es, err)
		}
	}
	// Again: nothing left to remove.
	if r, err := p.Purge(ctx, at(90*time.Minute)); err != nil || r != (casemgmt.PurgeResult{}) {
		t.Errorf("second Purge: %+v, %v", r, err)
	}

	// A cut-off after now removes the keys, which can then be used again.
	r, err = p.Purge(ctx, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(casemgmt.PurgeResult{Keys: 2, Interactions: 1, Changes: 1}, r, purgeFeedless(s)); diff != "" {
		t.Errorf("Purge after now (-want +got):\n%s", diff)
	}
	if first, err := s.UseKey(ctx, "create:1"); err != nil || !first {
		t.Errorf("UseKey of a purged key: first %v, %v", first, err)
	}
	if f, ok := s.(casemgmt.Feed); ok {
		// The feed goes on from where it was, gap-free.
		create(t, s, &casemgmt.Case{}, casemgmt.Write{})
		es, err := f.ReadChanges(ctx, 3, 0)
		if err != nil || len(es) != 1 || es[0].Seq != 4 {
			t.Errorf("ReadChanges after purging all: %+v, %v", es, err)
		}
		if n, err := f.LastChange(ctx); err != nil || n != 4 {
			t.Errorf("LastChange = %d, %v; want 4", n, err)
		}
	}
	for _, c := range cs {
		if diff := cmp.Diff(before[c.ID], audit(t, s, c.ID), opts); diff != "" {
			t.Errorf("audit of %s after the second Purge (-want +got):\n%s", c.ID, diff)
		}
	}
	_, err = p.Purge(ctx, time.Time{})
	wantErr(t, "Purge with a zero time", err, casemgmt.ErrInvalid)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.Purge(cctx, time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("Purge with a cancelled context: %v", err)
	}
}

// purgeFeedless ignores the count of feed entries for stores without a
// feed.
func purgeFeedless(s casemgmt.Store) cmp.Option {
	if _, ok := s.(casemgmt.Feed); ok {
		return cmp.Options{}
	}
	return cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Changes" }, cmp.Ignore())
}

// testPurgeConcurrently runs Purge from several goroutines at once, while
// writers go on: every old record is removed once, the counts add up, and
// nothing new is removed.
func testPurgeConcurrently(t *testing.T, s casemgmt.Store) {
	p := optional[casemgmt.Purger](t, s)
	ctx := context.Background()
	const old = 40
	for i := range old {
		if err := s.AddInteraction(ctx, &casemgmt.Interaction{Trigger: "old", Outcome: casemgmt.OutcomeSkipped, Time: at(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
		create(t, s, &casemgmt.Case{}, casemgmt.Write{Time: at(time.Duration(i) * time.Second)})
	}
	cut := at(time.Hour)
	var wg sync.WaitGroup
	var total casemgmt.PurgeResult
	var mu sync.Mutex
	errs := make(chan error, workers)
	for i := range workers {
		wg.Go(func() {
			if i%4 == 0 { // a writer of new records
				err := s.AddInteraction(ctx, &casemgmt.Interaction{Trigger: "new", Outcome: casemgmt.OutcomeSkipped, Time: at(2 * time.Hour)})
				if err == nil {
					err = s.CreateCase(ctx, &casemgmt.Case{}, casemgmt.Write{Time: at(2 * time.Hour)})
				}
				if err != nil {
					errs <- err
				}
				return
			}
			r, err := p.Purge(ctx, cut)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			total.Keys += r.Keys
			total.Interactions += r.Interactions
			total.Changes += r.Changes
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := casemgmt.PurgeResult{Interactions: old, Changes: old}
	if diff := cmp.Diff(want, total, purgeFeedless(s)); diff != "" {
		t.Errorf("counts of concurrent purges (-want +got):\n%s", diff)
	}
	ins, err := s.ListInteractions(ctx, casemgmt.InteractionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != workers/4 {
		t.Errorf("%d interactions left, want the %d new ones", len(ins), workers/4)
	}
	for _, in := range ins {
		if in.Trigger != "new" {
			t.Errorf("interaction %s (%s) left", in.ID, in.Trigger)
		}
	}
}
