// Package budget keeps a predictor's spending within limits: a Budget is
// a predict.Predictor that wraps a paid one (typically llm.Predictor),
// counts its model calls, tokens and cost per period (a calendar day or
// month in a time zone) in a Counter shared by every process, warns past
// a soft limit, and past the hard limit answers with a fallback predictor
// (the offline heuristic one) or refuses with an *ExhaustedError.
//
// # Never more than one call over
//
// Before each call the Budget reserves the call's estimated usage in the
// Counter, atomically: the reservation is granted only while the period's
// usage, spent plus reserved by calls still running, is below every cap of
// the hard limit. After the call, the reservation is replaced by what the
// call used. So the call that crosses the hard limit is the last one, in
// one process or many, as long as no call uses more than it was estimated
// to; llm.Predictor estimates its prompt with its tokenizer and the
// answer at its token cap, which bounds a call without a repair round.
// Estimates only matter while calls overlap: a finished call counts
// what it used, and a call that only reservations of calls in flight keep
// from the limit waits for them (WithMaxWait) rather than being refused.
//
// A reservation whose process dies before it is committed stays counted
// until the period ends: the budget errs towards spending less.
//
// # Counters
//
// Counter is an optional capability of stores: memstore and sqlstore
// (SQLite and PostgreSQL) implement it, budgettest.RunCounter and
// budgettest.RunShared prove an implementation, and MemoryCounter is one
// for a single process. Counter keys are the Budget's scope (WithScope, a
// tenant id, say) and the period's label: "acme/2026-12".
//
// # Status
//
// Status reports the current period's usage against the limits with a
// State (ok, warning, exhausted) and a one-line message, for a health
// panel (the agent's Check) and reports.
package budget
