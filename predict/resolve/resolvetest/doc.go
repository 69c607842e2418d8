// Package resolvetest holds a scripted fake resolve.Resolver (Script) for
// tests of code that acts on decisions, and the conformance suite every
// Resolver should pass (Run): decisions that resolve.Validate leaves as they
// are, no answer without articles, requests left unmodified, cancelled
// contexts honoured, and concurrent use.
package resolvetest
