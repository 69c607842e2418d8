// Package storetest is the conformance suite for casemgmt.Store: one call,
// Run(t, newStore), proves an implementation against the contract
// documented on casemgmt.Store and its parts.
//
// It covers every method, the errors (matched with errors.Is), values
// coming back with their Go types, copies, cancelled contexts changing
// nothing, text that casemgmt.CheckText refuses being refused in
// everything written (and found nowhere when looked up), and concurrency: updates retried on conflict lose nothing, one
// idempotency key has one effect, one conversation gets one case, two
// owners never hold one claim, and a change is never visible without its
// audit entries.
//
// Every subtest gets a new store from newStore. The suite takes a few
// seconds; its concurrency tests are worth running with -race.
//
// RunKnowledge proves the optional knowledge capability
// (knowledge.Store, and knowledge.Searcher when a store searches its own
// articles) with knowledgetest.RunStore.
package storetest
