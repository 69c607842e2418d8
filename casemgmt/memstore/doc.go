// Package memstore is the in-memory casemgmt.Store: the reference
// implementation of the contract, and the fake that host applications use
// in their tests. It passes the storetest conformance suite.
//
// Everything is kept in maps behind one lock, with indexes for every
// finder (conversation and email links, contacts, due times), so lookups
// do not scan. Values going in and out are deep copies: callers cannot
// change stored state through a pointer they hold.
//
// Knowledge articles (knowledge.Store) live in a knowledge.Index, which
// also serves their search (knowledge.Searcher).
package memstore
