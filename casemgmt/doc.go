// Package casemgmt is the case domain: cases and their fields, the
// tenant's schema, who may write what (the write policy), the audit trail
// and agent interaction records, and Store, the one interface a platform
// team implements to keep all of it.
//
// A Case holds field values by name, each with its Provenance: who set it
// (a person, the agent, an intake rule, the system), when, from which
// messages, with what confidence and evidence. Schema.Validate refuses
// unknown fields and invalid values with a *FieldError that names the
// field; WritePolicy.CanWrite decides whether a writer may overwrite a
// value; Schema.Apply does both for a batch of changes and returns the
// audit entries to store with the case.
//
// Stores write a change, its audit entries, its interaction record and its
// idempotency key in one transaction (see Write), check versions
// (ErrConflict), and coordinate processes with idempotency keys and
// claims. The memstore package is the reference implementation; storetest
// is the conformance suite every implementation passes.
//
// Hosts that keep their own systems in sync read the store through
// optional interfaces that stores implement and storetest proves: Lister
// (ListCases: cases by status, contact and update time, oldest or newest
// first, in pages with an opaque cursor that stays correct under
// concurrent writes), Feed (ReadChanges and LastChange: every committed
// case write, as FeedEntry values numbered in commit order without gaps,
// written in the write's own transaction, with the Events a writer adds
// through Write.Events, such as ChangeEmailSent and ChangeDraftWaiting;
// ChangeHook is the in-process callback, and FollowFeed keeps a
// consumer's cursor in the store's state) and Purger (Purge: old
// idempotency keys, interactions and feed entries, never cases or their
// audit trail).
//
// # What this package leaves out, and why
//
// The package imports no channel implementation, no condition language
// and no configuration format: only channel (the Message and Conversation
// types) and predict (fields and evidence). A store adapter that imports
// casemgmt and storetest builds without the mail parser (enmime), the
// HTML-to-text converter or expr; go list -deps ./casemgmt/storetest shows
// it.
//
// The agent that drives the domain lives in casemgmt/agent, with the
// tenant configuration and its loader (agent.LoadConfig): the loader
// compiles every rule condition, so it belongs with the code that runs
// them, and an adapter never needs it. The live-chat receiver lives in
// casemgmt/livechat.
package casemgmt
