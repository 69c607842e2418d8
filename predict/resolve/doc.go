// Package resolve is the contract of case resolution: given what the
// customer wants (an Intent, or none), what is known of it, the
// conversation and the knowledge articles retrieved, a Resolver decides
// one of five things (Kind): ask a Question for the missing attributes,
// answer (Resolved) with citations of the articles, say it is
// UnableToResolve so a person takes over, take NoAction, or ResolveCase.
// Every Decision carries the message for the customer and whether a person
// must review it first.
//
// Whatever wrote a decision (the offline Default, a model, a host's own
// Resolver), the caller passes it through Check before acting: a citation
// whose quote does not occur in a retrieved article is dropped, as
// evidence is dropped from predictions, and an answer left without a
// valid citation is not an answer but UnableToResolve, for review. A
// question may ask only for what is not known yet.
//
// Default is the offline resolver: it asks for every missing attribute in
// one message, in the customer's language (English, Spanish, German,
// Portuguese, French, Italian, Dutch; Texts replace or add languages), or
// answers with the passages of the best articles quoted whole, their
// links, and a citation per passage.
//
// The package knows intents, fields and messages, not cases: the agent
// maps a case to a Request and acts on the Decision with its own records
// and safety. resolvetest holds a scripted fake and the conformance suite.
package resolve
