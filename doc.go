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
//     the write policy, audit and interaction records, the change feed) and
//     the Store interface every storage implements. It imports no mail,
//     chat or condition code, so a store adapter builds without them.
//     casemgmt/memstore is the in-memory reference store, casemgmt/sqlstore
//     the SQL store (SQLite as the embedded default, PostgreSQL at scale),
//     casemgmt/storetest the conformance suite that proves a store.
//   - casemgmt/agent: the Agent that creates and updates cases from chats
//     and email, follows up, resolves cases from the knowledge base (or a
//     host's resolver), drafts for people to confirm, checks its
//     prerequisites, and reports what it did; with the tenant
//     configuration and its loader. casemgmt/livechat drives it from a
//     live-chat platform; casemgmt/learn trains the classifier from the
//     store; casemgmt/insights reports on it as an HTML page;
//     casemgmt/replay replays acceptance stories against it.
//   - rules: conditions, in a structured form or as expr-lang expressions,
//     compiled once against typed variables and matched many times.
//   - predict: the Predictor contract and predict.Validate, which every
//     answer passes. predict/heuristic is the offline default,
//     predict/textclass the classifier trained from a tenant's cases,
//     predict/llm a predictor (and resolver) on any langchaingo model,
//     predict/instruct the instruction detector they share,
//     predict/knowledge the knowledge base and retrieval, predict/resolve
//     the Resolver contract, predict/budget the spending budget,
//     predict/predicttest a scripted fake and the predictor conformance
//     suite, and predict/eval measures any predictor.
//   - channel: the Message and Conversation every channel produces, the
//     Sender interface and an in-memory Outbox. channel/email reads real
//     email (MIME, quoted replies, signatures, auto-replies, bounces,
//     threading), receives it from webhooks and sends it over SMTP (with
//     OAuth for Microsoft 365 and Google Workspace);
//     channel/email/imapsource polls IMAP mailboxes; channel/chat receives
//     live-chat events.
//
// A host builds an agent from a store, a predictor and a configuration:
//
//	cfg, _ := agent.LoadConfig("tenant.yaml")
//	store, _ := sqlstore.OpenSQLite(ctx, "cases.db")
//	pred, _ := heuristic.New()
//	ag, _ := agent.New(store, pred, cfg)
//
// and calls it from its handlers: ag.ConversationEnded for a chat (or
// livechat.New(ag) behind chat.NewHandler), ag.InboundEmail (or the email
// webhook and IMAP poller, which call it) for mail, ag.RunDue from a timer
// for follow-ups. examples/server is all of that as a ready service.
//
// Where to start: run the quickstart (go run ./examples/quickstart), then
// read the package documentation of casemgmt/agent, casemgmt, rules and
// predict.
package caseagent
