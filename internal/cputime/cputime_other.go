//go:build !unix

package cputime

import "time"

// Used returns 0: CPU time is not read on this system, and benchmarks
// report wall time only.
func Used() time.Duration { return 0 }
