package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/internal/pgtest"
)

// Environment of a worker process started by TestProcesses.
const (
	envWorkerDialect = "SQLSTORE_TEST_WORKER_DIALECT"
	envWorkerTarget  = "SQLSTORE_TEST_WORKER_TARGET" // SQLite path or PostgreSQL DSN
	envWorkerName    = "SQLSTORE_TEST_WORKER_NAME"
)

const (
	workerUpdates = 25
	workerClaims  = 20
)

// TestProcesses runs three operating-system processes (this test binary,
// started again as TestWorker) against one new database. Each opens its
// Store (so they migrate at once), creates or finds one shared case,
// increments a field of it workerUpdates times with retry on conflict, and
// tries to take workerClaims claims. No increment may be lost and no claim
// may have two holders.
func TestProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	targets := []struct {
		dialect string
		target  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "shared.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	}
	for _, tt := range targets {
		t.Run(tt.dialect, func(t *testing.T) {
			target := tt.target(t)
			const workers = 3
			cmds := make([]*exec.Cmd, workers)
			outs := make([]*bytes.Buffer, workers)
			for i := range cmds {
				cmd := exec.Command(os.Args[0], "-test.run=^TestWorker$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(), envWorkerDialect+"="+tt.dialect, envWorkerTarget+"="+target,
					envWorkerName+"="+strconv.Itoa(i))
				outs[i] = new(bytes.Buffer)
				cmd.Stdout, cmd.Stderr = outs[i], outs[i]
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				cmds[i] = cmd
			}
			holders := map[string][]int{}
			for i, cmd := range cmds {
				if err := cmd.Wait(); err != nil {
					t.Fatalf("worker %d: %v\n%s", i, err, outs[i])
				}
				sc := bufio.NewScanner(outs[i])
				for sc.Scan() {
					if claim, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "CLAIMED "); ok {
						holders[claim] = append(holders[claim], i)
					}
				}
			}
			for r := range workerClaims {
				name := fmt.Sprintf("job-%d", r)
				if h := holders[name]; len(h) != 1 {
					t.Errorf("claim %s held by workers %v, want exactly one", name, h)
				}
			}
			s := openTarget(t, tt.dialect, target)
			c, err := s.GetCase(context.Background(), "shared")
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.Fields["n"], int64(workers*workerUpdates); got != want {
				t.Errorf("n = %v after %d workers made %d increments each, want %d", got, workers, workerUpdates, want)
			}
			es, err := s.ListAudit(context.Background(), "shared")
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != workers*workerUpdates {
				t.Errorf("%d audit entries, want %d", len(es), workers*workerUpdates)
			}
			t.Logf("claims: %v", holders)
		})
	}
}

func openTarget(t *testing.T, dialect, target string) *sqlstore.Store {
	t.Helper()
	var s *sqlstore.Store
	var err error
	if dialect == "sqlite" {
		s, err = sqlstore.OpenSQLite(context.Background(), target)
	} else {
		s, err = sqlstore.OpenPostgres(context.Background(), target)
	}
	if err != nil {
		t.Fatalf("opening %s: %v", dialect, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestWorker is the body of a process started by TestProcesses; run
// directly, it skips.
func TestWorker(t *testing.T) {
	dialect := os.Getenv(envWorkerDialect)
	if dialect == "" {
		t.Skip("a worker process of TestProcesses")
	}
	ctx := context.Background()
	s := openTarget(t, dialect, os.Getenv(envWorkerTarget))
	me := "worker-" + os.Getenv(envWorkerName)
	err := s.CreateCase(ctx, &casemgmt.Case{ID: "shared", Title: "shared", Fields: casemgmt.Values{"n": int64(0)}}, casemgmt.Write{})
	if err != nil && !errors.Is(err, casemgmt.ErrDuplicate) {
		t.Fatal(err)
	}
	for r := range workerClaims {
		for range workerUpdates / workerClaims {
			increment(t, s)
		}
		name := fmt.Sprintf("job-%d", r)
		ok, err := s.AcquireClaim(ctx, name, me, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			fmt.Printf("CLAIMED %s\n", name)
		}
	}
	for range workerUpdates - workerClaims*(workerUpdates/workerClaims) {
		increment(t, s)
	}
}

func increment(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	for {
		c, err := s.GetCase(ctx, "shared")
		if err != nil {
			t.Fatal(err)
		}
		n := c.Fields["n"].(int64)
		c.Fields["n"] = n + 1
		err = s.UpdateCase(ctx, c, casemgmt.Write{Audit: []casemgmt.AuditEntry{{
			Field: "n", Old: n, New: n + 1, Actor: casemgmt.Actor{Kind: casemgmt.ActorSystem},
		}}})
		if errors.Is(err, casemgmt.ErrConflict) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
}
