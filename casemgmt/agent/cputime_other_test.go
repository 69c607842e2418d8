//go:build !unix

package agent_test

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
