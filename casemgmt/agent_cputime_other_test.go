//go:build !unix

package casemgmt_test

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
