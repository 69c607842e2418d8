// Package caseagent is an embeddable SDK that turns customer conversations
// into well-filled support cases, autonomously.
//
// A host application (a helpdesk, a CRM, a contact-center backend) wires
// caseagent to its storage, its mailboxes, its chat widget and its model.
// caseagent then creates cases from live chats and inbound emails when the
// conversation holds enough context, predicts case fields with a confidence
// and the evidence for each, keeps cases current as the conversation goes
// on under ordered update rules, never overwrites what a person entered,
// and records every change and every AI interaction.
//
// This package holds no code: it is the map. The packages fit together like
// this, dependencies pointing down only:
//
//   - casemgmt: the case domain (cases, the tenant's schema, provenance,
//     the write policy) and the Store interface every storage implements.
//     casemgmt/memstore is the in-memory reference store, casemgmt/sqlstore
//     the SQL store (SQLite as the embedded default, PostgreSQL at scale),
//     and casemgmt/storetest the conformance suite that proves a store.
//   - rules: conditions, in a structured form or as expr-lang expressions,
//     compiled once against typed variables and matched many times. Update
//     rules and email intake rules are built on it.
//   - predict: the Predictor contract and the guards every answer passes
//     through. predict/heuristic is the offline default predictor,
//     predict/textclass the classifier it trains from a tenant's history,
//     predict/llm a predictor on any langchaingo model, predict/predicttest
//     a scripted fake, and predict/eval replays labelled data to measure
//     any predictor.
//   - channel: the Message and Conversation every channel produces.
//     channel/email reads real email (MIME, quoted replies, signatures,
//     auto-replies, bounces, threading).
//
// Where to start: run the quickstart (go run ./examples/quickstart), then
// read the package documentation of rules, casemgmt and predict.
package caseagent
