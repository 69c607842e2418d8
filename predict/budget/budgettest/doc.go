// Package budgettest is the conformance suite of budget.Counter: one call,
// RunCounter, proves that a store counts usage per period key and
// reserves atomically; RunShared proves it across several counters on one
// store, as several processes use it, with Budgets on top that never let
// more than one call past the hard limit.
//
// A store that implements budget.Counter runs RunCounter from its tests,
// and RunShared with several stores on one database when processes share
// it:
//
//	func TestUsage(t *testing.T) {
//		budgettest.RunCounter(t, func(t *testing.T) budget.Counter { return openStore(t) })
//	}
//
// storetest.RunUsage does the same for a casemgmt.Store.
package budgettest
