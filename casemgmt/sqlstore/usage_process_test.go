package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/internal/pgtest"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/budget"
)

// Environment of a worker process started by TestUsageProcesses.
const (
	envUsageDialect = "SQLSTORE_TEST_USAGE_DIALECT"
	envUsageTarget  = "SQLSTORE_TEST_USAGE_TARGET"
)

const (
	usageWorkers   = 3
	usageCallers   = 17 // goroutines per worker: 51 calls in all
	usageCallLimit = 10
)

// usageLimits is the budget every worker shares: 10 model calls a month.
var usageLimits = budget.Limits{Period: budget.Monthly(nil), Hard: budget.Limit{Calls: usageCallLimit}}

// usageNow is the workers' clock, so that they count in one period.
func usageNow() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }

// TestUsageProcesses runs three operating-system processes (this test
// binary, started again as TestUsageWorker), each making 17 concurrent
// predictions through a Budget of 10 calls on one database: together
// they make at most 11 calls, and the store counts what they made.
func TestUsageProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, tt := range []struct {
		dialect string
		target  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "usage.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.DSN(t) }},
	} {
		t.Run(tt.dialect, func(t *testing.T) {
			target := tt.target(t)
			// Migrate before the workers start, so that they race on the
			// budget only.
			s := openTarget(t, tt.dialect, target)
			cmds := make([]*exec.Cmd, usageWorkers)
			outs := make([]*bytes.Buffer, usageWorkers)
			for i := range cmds {
				cmd := exec.Command(os.Args[0], "-test.run=^TestUsageWorker$", "-test.count=1", "-test.v")
				cmd.Env = append(os.Environ(), envUsageDialect+"="+tt.dialect, envUsageTarget+"="+target)
				outs[i] = new(bytes.Buffer)
				cmd.Stdout, cmd.Stderr = outs[i], outs[i]
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				cmds[i] = cmd
			}
			made, refused := 0, 0
			for i, cmd := range cmds {
				if err := cmd.Wait(); err != nil {
					t.Fatalf("worker %d: %v\n%s", i, err, outs[i])
				}
				sc := bufio.NewScanner(outs[i])
				for sc.Scan() {
					line := strings.TrimSpace(sc.Text())
					if v, ok := strings.CutPrefix(line, "MADE "); ok {
						n, _ := strconv.Atoi(v)
						made += n
					}
					if v, ok := strings.CutPrefix(line, "REFUSED "); ok {
						n, _ := strconv.Atoi(v)
						refused += n
					}
				}
			}
			t.Logf("%d processes: %d calls made, %d refused, against a budget of %d", usageWorkers, made, refused, usageCallLimit)
			if made < usageCallLimit || made > usageCallLimit+1 {
				t.Errorf("%d calls made against a budget of %d, want %d (or one more at most)", made, usageCallLimit, usageCallLimit)
			}
			if made+refused != usageWorkers*usageCallers {
				t.Errorf("%d made and %d refused, want %d in all", made, refused, usageWorkers*usageCallers)
			}
			b, err := budget.New(predict.Func(nil), s, usageLimits, budget.WithClock(usageNow))
			if err != nil {
				t.Fatal(err)
			}
			st, err := b.Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Spent.Calls != made || st.InFlight != (predict.Usage{}) || st.State != budget.StateExhausted {
				t.Errorf("status %+v, want %d calls spent, none in flight, exhausted", st, made)
			}
		})
	}
}

// TestUsageWorker is the body of a process started by
// TestUsageProcesses; run directly, it skips.
func TestUsageWorker(t *testing.T) {
	dialect := os.Getenv(envUsageDialect)
	if dialect == "" {
		t.Skip("a worker process of TestUsageProcesses")
	}
	s := openTarget(t, dialect, os.Getenv(envUsageTarget))
	var made, refused atomic.Int64
	model := predict.Func(func(ctx context.Context, _ *predict.Request) (*predict.Result, error) {
		made.Add(1)
		time.Sleep(5 * time.Millisecond)
		return &predict.Result{Usage: predict.Usage{Calls: 1, PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110}}, nil
	})
	b, err := budget.New(model, s, usageLimits, budget.WithClock(usageNow))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range usageCallers {
		wg.Go(func() {
			_, err := b.Predict(context.Background(), &predict.Request{})
			switch {
			case errors.Is(err, budget.ErrExhausted):
				refused.Add(1)
			case err != nil:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	os.Stdout.WriteString("MADE " + strconv.FormatInt(made.Load(), 10) + "\nREFUSED " + strconv.FormatInt(refused.Load(), 10) + "\n")
}
