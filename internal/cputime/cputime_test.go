package cputime_test

import (
	"runtime"
	"testing"

	"github.com/caseagent/caseagent/internal/cputime"
)

// Work done shows as CPU time used, and the count never goes back.
func TestUsedGrowsWithWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("CPU time is not read on this system")
	}
	start := cputime.Used()
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	end := cputime.Used()
	if end <= start {
		t.Fatalf("CPU time went from %v to %v over a busy loop (%d)", start, end, x)
	}
}
