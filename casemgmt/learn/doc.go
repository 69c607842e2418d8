// Package learn trains a tenant's classifier from its own store: the
// cases it resolved or closed, with their final field values, are the
// labelled examples, and people's edits, corrections and feedback weigh
// most.
//
// Train reads the store (casemgmt.Lister for the cases, the audit trail
// for who set each value), trains a textclass model per choice field on
// the older cases and evaluates it on the newer ones, so that the figures
// say how it would have done on cases it had not seen. A Registry keeps
// the models in the store's state and replaces the current one (the
// champion) with a new one (the challenger) only when the challenger
// measures at least as well on the same newer cases; every decision is
// recorded with both evaluations. Registry.Predictor gives the chain a
// tenant uses: the classifier where it is confident, the zero-shot
// default elsewhere and for a tenant with no history.
//
// What people say of the agent's values feeds it: casemgmt/agent's
// AcceptValue and RejectValue write audit entries (ReasonAccepted,
// ReasonRejected) that Collect reads, so an accepted value counts as a
// label a person gave, and a rejected one is cleared and no label at all
// until a person sets the field. The options' example phrases
// (predict.Option.Examples) are training examples too, so a field a
// tenant described with a few phrases before it had history keeps them.
//
// Which labels count, and how much, was measured (see DefaultWeights):
// the agent's untouched values are left out by default.
package learn
