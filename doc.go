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
//     the write policy), the Store interface every storage implements, and
//     the Agent that creates and updates cases from chats and email,
//     follows up and closes them. casemgmt/memstore is the in-memory
//     reference store, casemgmt/sqlstore the SQL store (SQLite as the
//     embedded default, PostgreSQL at scale), casemgmt/storetest the
//     conformance suite that proves a store, and casemgmt/replay replays
//     acceptance scenarios against the agent.
//   - rules: conditions, in a structured form or as expr-lang expressions,
//     compiled once against typed variables and matched many times. Update
//     rules, email intake rules and follow-up policies are built on it.
//   - predict: the Predictor contract and the guards every answer passes
//     through. predict/heuristic is the offline default predictor,
//     predict/textclass the classifier it trains from a tenant's history,
//     predict/llm a predictor on any langchaingo model, predict/predicttest
//     a scripted fake, and predict/eval replays labelled data to measure
//     any predictor.
//   - channel: the Message and Conversation every channel produces.
//     channel/email reads real email (MIME, quoted replies, signatures,
//     auto-replies, bounces, threading), receives it from webhooks and
//     sends it over SMTP; channel/email/imapsource polls IMAP mailboxes;
//     channel/chat receives live-chat events.
//
// A host builds an agent from a store, a predictor and a configuration:
//
//	cfg, _ := agent.LoadConfig("tenant.json")
//	store, _ := sqlstore.OpenSQLite(ctx, "cases.db")
//	pred, _ := heuristic.New()
//	agent, _ := agent.New(store, pred, cfg)
//
// and calls it from its handlers: agent.ConversationEnded for a chat,
// agent.InboundEmail (or the email webhook and IMAP poller, which call
// it) for mail, agent.RunDue from a timer for follow-ups.
//
// Where to start: run the quickstart (go run ./examples/quickstart), then
// read the package documentation of rules, casemgmt and predict.
package caseagent
