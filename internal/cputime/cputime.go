// Package cputime reads the CPU time, user and system, that the process
// has used. On a machine shared with other work it measures the work
// done more steadily than the wall clock, so benchmarks report it next
// to ns/op.
package cputime
