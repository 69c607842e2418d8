// Package storetest is the conformance suite for casemgmt.Store: one call,
// Run(t, newStore), proves an implementation against the contract
// documented on casemgmt.Store and its parts.
//
// It covers every method, the errors (matched with errors.Is), values
// coming back with their Go types, copies, cancelled contexts changing
// nothing, text that casemgmt.ValidateText refuses being refused in
// everything written (and found nowhere when looked up), and concurrency: updates retried on conflict lose nothing, one
// idempotency key has one effect, one conversation gets one case, two
// owners never hold one claim, and a change is never visible without its
// audit entries.
//
// For the optional interfaces a store may implement, it proves listing
// (casemgmt.Lister: filters, both orders, pages that neither skip nor
// repeat a case while other goroutines create, update and delete cases),
// the change feed (casemgmt.Feed: an entry of the right kind for every
// committed write and none for a failed one, the write's events after it,
// numbers without gaps in commit order, and consumers that follow it
// while writers run concurrently rebuilding the store's cases from it
// alone) and purging (casemgmt.Purger: old keys, interactions and feed
// entries go, cases, links, audit, claims and state stay, and purges run
// at once remove each record once). A store without one of them has those
// subtests skipped, with a message that says so.
//
// Every subtest gets a new store from newStore. The suite takes a few
// seconds; its concurrency tests are worth running with -race.
//
// RunKnowledge proves the optional knowledge capability
// (knowledge.Store, and knowledge.Searcher when a store searches its own
// articles) with knowledgetest.RunStore.
package storetest
