// Package memstore is the in-memory casemgmt.Store: the reference
// implementation of the contract, and the fake that host applications use
// in their tests. It passes the storetest conformance suite.
//
// It also implements the optional interfaces casemgmt.Lister (walking an
// index of cases by creation time and id), casemgmt.Feed (entries numbered
// under the store's lock, so in commit order) and casemgmt.Purger, and
// calls a casemgmt.ChangeHook after each write (WithChangeHook).
//
// Everything is kept in maps behind one lock, with indexes for every
// finder (conversation and email links, contacts, due times), so lookups
// do not scan. Values going in and out are deep copies: callers cannot
// change stored state through a pointer they hold.
//
// Knowledge articles (knowledge.Store) live in a knowledge.Index, which
// also serves their search (knowledge.Searcher).
package memstore
