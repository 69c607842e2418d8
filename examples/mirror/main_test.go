package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/memstore"
)

func Example() {
	dir, err := os.MkdirTemp("", "mirror-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), os.Stdout, filepath.Join(dir, "helpdesk.db")); err != nil {
		fmt.Println(err)
	}
	// Output:
	// applied 11 feed entries; the host's table holds 2 cases:
	//   CAS-000001 "Router reboots every hour"  waiting_on_customer  priority high   v2, 1 email(s) sent, 1 draft(s) waiting
	//   CAS-000002 "Invoice charged twice"      active               priority high   v2, 1 email(s) sent, 0 draft(s) waiting
}

// rig is a store and the host's database to mirror it into.
type rig struct {
	name  string
	store interface {
		casemgmt.Store
		Source
		casemgmt.Purger
	}
	db *sql.DB
}

func rigs(t *testing.T) []rig {
	ctx := context.Background()
	// The SDK's SQLite store and the host's table in one file.
	db, s, err := openShared(ctx, filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); db.Close() })
	// The in-memory store, mirrored into a database of the host's.
	hostDB, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "host.db")+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hostDB.Close() })
	return []rig{{"sqlstore", s, db}, {"memstore", memstore.New(), hostDB}}
}

// want returns what the host's table must hold: the store's cases, with
// the event counts given.
func want(t *testing.T, s Source, emails, drafts map[string]int) []Row {
	t.Helper()
	var out []Row
	q := casemgmt.ListQuery{}
	for {
		p, err := s.ListCases(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Cases {
			priority, _ := c.Fields["priority"].(string)
			out = append(out, Row{ID: c.ID, Number: c.Number, Title: c.Title, Status: string(c.Status), ContactID: c.ContactID,
				Priority: priority, Version: c.Version, EmailsSent: emails[c.ID], DraftsWaiting: drafts[c.ID]})
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	// By number, as Rows returns them.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Number < out[j-1].Number; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// TestMirrorUnderConcurrentWrites has agent-like writers create, update
// (retrying conflicts), link, delete and append events while two
// goroutines sync the mirror: afterwards the host's table equals the
// store's cases, event counts included.
func TestMirrorUnderConcurrentWrites(t *testing.T) {
	for _, r := range rigs(t) {
		t.Run(r.name, func(t *testing.T) {
			ctx := context.Background()
			m, err := NewMirror(ctx, r.store, r.db, "helpdesk")
			if err != nil {
				t.Fatal(err)
			}
			const writers, steps = 6, 15
			var mu sync.Mutex
			emails, drafts := map[string]int{}, map[string]int{}
			count := func(m map[string]int, id string) {
				mu.Lock()
				m[id]++
				mu.Unlock()
			}
			stop := make(chan struct{})
			var syncers sync.WaitGroup
			syncErrs := make(chan error, 2)
			for range 2 {
				syncers.Go(func() {
					for {
						if _, err := m.Sync(ctx); err != nil {
							syncErrs <- err
							return
						}
						select {
						case <-stop:
							return
						case <-time.After(time.Millisecond):
						}
					}
				})
			}
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			shared := &casemgmt.Case{Title: "shared", Fields: casemgmt.Values{"priority": "low"}}
			if err := r.store.CreateCase(ctx, shared, casemgmt.Write{}); err != nil {
				t.Fatal(err)
			}
			for w := range writers {
				wg.Go(func() {
					if err := writer(ctx, r.store, w, steps, shared.ID, func(kind casemgmt.ChangeKind, id string) {
						if kind == casemgmt.ChangeEmailSent {
							count(emails, id)
						} else {
							count(drafts, id)
						}
					}); err != nil {
						errs <- fmt.Errorf("writer %d: %w", w, err)
					}
				})
			}
			wg.Wait()
			close(stop)
			syncers.Wait()
			close(errs)
			close(syncErrs)
			for err := range errs {
				t.Fatal(err)
			}
			for err := range syncErrs {
				t.Fatalf("sync: %v", err)
			}
			if _, err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := m.Rows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want(t, r.store, emails, drafts), got); diff != "" {
				t.Errorf("host's table differs from the store (-store +mirror):\n%s", diff)
			}
			if len(got) != 1+writers*2 {
				t.Errorf("%d rows, want %d", len(got), 1+writers*2)
			}
		})
	}
}

// writer does what the agent does for three conversations: creates their
// cases with an acknowledgement, updates them and a case shared with other
// writers, links replies, appends drafts, and deletes one case.
func writer(ctx context.Context, s casemgmt.Store, w, steps int, sharedID string, event func(casemgmt.ChangeKind, string)) error {
	var own []*casemgmt.Case
	for i := range 3 {
		c := &casemgmt.Case{Title: fmt.Sprintf("writer %d case %d", w, i), ContactID: fmt.Sprint("C-", w),
			Fields: casemgmt.Values{"priority": "normal"}}
		if err := s.CreateCase(ctx, c, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent, Actor: agent}}}); err != nil {
			return err
		}
		event(casemgmt.ChangeEmailSent, c.ID)
		own = append(own, c)
	}
	priorities := []string{"low", "normal", "high"}
	for i := range steps {
		c := own[i%2] // the third is deleted below
		c.Title = fmt.Sprintf("writer %d step %d", w, i)
		c.Fields["priority"] = priorities[i%3]
		wr := casemgmt.Write{Audit: []casemgmt.AuditEntry{{Field: "priority", New: priorities[i%3], Actor: agent}}}
		if i%4 == 0 {
			c.Status = casemgmt.StatusWaitingOnCustomer
			wr.Events = []casemgmt.Event{{Kind: casemgmt.ChangeDraftWaiting, Actor: agent}}
		}
		if err := s.UpdateCase(ctx, c, wr); err != nil {
			return err
		}
		if i%4 == 0 {
			event(casemgmt.ChangeDraftWaiting, c.ID)
		}
		if i%5 == 0 {
			l := casemgmt.Link{Kind: casemgmt.LinkEmail, ID: fmt.Sprintf("reply-%d-%d@example.com", w, i)}
			if err := s.Relate(ctx, c.ID, l, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent, Actor: agent}}}); err != nil {
				return err
			}
			event(casemgmt.ChangeEmailSent, c.ID)
		}
		// The shared case, retried on conflict.
		for {
			sc, err := s.GetCase(ctx, sharedID)
			if err != nil {
				return err
			}
			sc.Fields["priority"] = priorities[(w+i)%3]
			sc.Title = fmt.Sprintf("shared, last by writer %d", w)
			err = s.UpdateCase(ctx, sc, casemgmt.Write{})
			if errors.Is(err, casemgmt.ErrConflict) {
				continue
			}
			if err != nil {
				return err
			}
			break
		}
	}
	return s.DeleteCase(ctx, own[2].ID, casemgmt.Write{})
}

// TestMirrorResyncAfterPurge: a mirror behind a purge of the feed copies
// the cases afresh and goes on from there.
func TestMirrorResyncAfterPurge(t *testing.T) {
	for _, r := range rigs(t) {
		t.Run(r.name, func(t *testing.T) {
			ctx := context.Background()
			m, err := NewMirror(ctx, r.store, r.db, "helpdesk")
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			if err := agentLikeWrites(ctx, r.store, now); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			// More writes, then the feed is purged before the mirror read
			// them.
			late := &casemgmt.Case{Title: "written while the mirror was away", Fields: casemgmt.Values{"priority": "high"}}
			if err := r.store.CreateCase(ctx, late, casemgmt.Write{Time: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			res, err := r.store.Purge(ctx, now.Add(2*time.Hour))
			if err != nil || res.Changes != 12 {
				t.Fatalf("Purge: %+v, %v; want 12 feed entries removed", res, err)
			}
			if _, err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			// After the resync, changes flow again.
			late.Status = casemgmt.StatusResolved
			if err := r.store.UpdateCase(ctx, late, casemgmt.Write{Events: []casemgmt.Event{{Kind: casemgmt.ChangeEmailSent}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := m.Rows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Event counts start again at the resync.
			if diff := cmp.Diff(want(t, r.store, map[string]int{late.ID: 1}, nil), got); diff != "" {
				t.Errorf("host's table after the resync (-store +mirror):\n%s", diff)
			}
		})
	}
}
