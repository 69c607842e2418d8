// Package agent is the case management agent: it creates and updates
// cases from live chats and inbound email, follows up with customers who
// stop answering, closes cases, and records every run.
//
// An Agent is built from a casemgmt.Store, a predict.Predictor and a
// tenant Config, with options for the rest (a clock, a logger, a mail
// sender, shadow mode, profiles, OpenTelemetry providers):
//
//	cfg, err := agent.LoadConfig("tenant.yaml")
//	ag, err := agent.New(store, predictor, cfg, agent.WithSender(smtp, from))
//
// Its calls are synchronous and safe for concurrent use, from one process
// or many sharing a store:
//
//   - ConversationAccepted, CustomerMessage and ConversationEnded create a
//     case when the configuration's create rule holds, and update the
//     linked case otherwise; UpdateFromConversation does it on a
//     representative's request; EditCase applies a person's edits.
//   - InboundEmail (and ReceiveEmail, for the webhook and the IMAP
//     poller) drops duplicates, keeps auto-replies and bounces without
//     acting on them, threads replies to their case and runs new email
//     through the intake rules.
//   - RunDue sends the follow-ups that are due and closes cases after the
//     last one; a customer's reply (by email, or in the live chat where an
//     answer was posted) settles or reopens the case. A policy's Calendar
//     makes its waits count business time; RepresentativeEmailed (or a
//     representative's copy reaching the mailbox from the agent's own
//     address) counts a person's email as the first follow-up.
//   - Simulate runs resolution or follow-up over stored cases (by id, or
//     a casemgmt.ListQuery, at most a limit) and returns what the agent
//     would do and send, writing, sending and recording nothing; shadow
//     mode (WithShadow) does the same on live traffic and records what it
//     would have done, marked Shadow.
//   - Check is the prerequisites panel: store, predictor, sender,
//     templates and rules, each with a status and a hint.
//   - Summarize reports on the interaction records every run leaves.
//
// Every change is written with its audit entries and the run's
// interaction record in one store transaction. The write policy of the
// configuration decides what the agent may overwrite: never what a person
// entered, unless the tenant allows it.
//
// # Configuration
//
// Config is the tenant's configuration: the case schema, the contacts,
// the create rule, the default update fields, the update and intake rules
// and the follow-up policies. LoadConfig and ParseConfig read it from JSON
// or YAML and report every problem with its path; New compiles its
// conditions (package rules) against the schema's fields and the channel
// facts (VarChannel, VarFrom, ...). Every condition and every template is
// checked when the configuration is loaded: a misspelt field in a rule or
// a misspelt placeholder in a message is a problem in the *ConfigError,
// with its path, never empty text a customer receives.
//
// # Templates
//
// Intake values, acknowledgements, follow-ups and resolution messages are
// templates: text with placeholders written {{name}}. The same names mean
// the same thing everywhere; each has a value where the list says, and a
// placeholder used where it has none is refused at load time:
//
//   - {{case_number}}, {{title}}, {{contact_name}}: the case's number,
//     title and contact's name, once the case exists (acknowledgements,
//     follow-ups, resolution messages);
//   - {{any_field}}: the value of the schema field of that name, as text,
//     once the case exists (a named placeholder above wins over a field of
//     the same name);
//   - {{subject}}: the subject of the customer's email (intake values,
//     acknowledgements, resolution messages);
//   - {{from}} and {{from_email}}, {{from_name}}, {{body}}, {{mailbox}},
//     {{date}}: the email's sender address and name, its new text, the
//     mailbox it came to and its date as 2006-01-02 (intake values and
//     acknowledgements);
//   - {{step}} and {{steps}}: the follow-up's number and how many the
//     policy has (follow-ups);
//   - {{questions}}, {{answer}}, {{citations}}: what resolution asks, the
//     answer it proposes and the articles it cites (resolution messages).
//
// Resolution's default messages are written in the customer's language
// (the case's "language" field, or the one their words are in) for
// English, Spanish, German, Portuguese, French, Italian and Dutch; an
// intent's attribute_labels and attribute_questions name what is asked for
// in each language ({"order_number": {"de": "Bestellnummer"}}).
//
// # Telemetry
//
// WithTracerProvider and WithMeterProvider give the agent OpenTelemetry
// providers; the host wires exporters (OTLP, Prometheus) to them. Without
// them nothing is traced or measured (the global providers are never
// used) and the agent wraps nothing. With them, the agent wraps its
// store, predictor and sender, so every call it makes is traced; Store
// still returns the store the host gave, so the host's own calls on it
// are not. The library uses the OpenTelemetry API only. The tracer and
// meter are named InstrumentationScope,
// "github.com/caseagent/caseagent/casemgmt/agent". Error messages on
// spans are redacted (API keys, tokens and passwords removed). Names
// below are stable.
//
// Spans:
//
//   - caseagent.agent.run (SpanRun): one agent call: ConversationAccepted,
//     CustomerMessage, ConversationEnded, UpdateFromConversation,
//     EditCase, InboundEmail, and each case RunDue works on. Attributes:
//     caseagent.run.trigger (conversation_accepted, customer_message,
//     conversation_ended, update_requested, human_edit, email,
//     follow_up), caseagent.run.outcome (created, updated, unchanged,
//     skipped, shadow, or failed when the call returned an error),
//     caseagent.conversation.id, caseagent.case.id (once known),
//     caseagent.email.mailbox and caseagent.email.message_id (email),
//     caseagent.followup.action (follow_up). Status Error, with the
//     redacted error as an exception event, when the call failed.
//   - caseagent.agent.run_due (SpanRunDue): one RunDue call, parent of
//     its runs; caseagent.due.cases is the number of cases handled.
//     Calls outside a run (the predictor and store calls of Check) are
//     spans of their own.
//   - caseagent.predictor.predict (SpanPredict): one predictor call,
//     child of its run: caseagent.case.id and caseagent.conversation.id of
//     the run, caseagent.predict.fields (fields asked),
//     caseagent.predictor.name and caseagent.predict.predictions (fields
//     answered), and, when the predictor reports usage,
//     caseagent.model.calls, caseagent.model.prompt_tokens,
//     caseagent.model.completion_tokens and caseagent.model.cost.
//   - caseagent.store.<Method> (for example caseagent.store.UpdateCase):
//     one store call: caseagent.store.operation (the method's name),
//     caseagent.case.id and caseagent.conversation.id (from the call, or
//     its run's), and caseagent.result when it is not ok (not_found,
//     conflict, duplicate, key_used, invalid, canceled, error). Not found
//     is an answer, not a failure; every other error sets status Error.
//   - caseagent.mail.send (SpanMailSend): one mail the agent sends:
//     caseagent.mail.kind (acknowledgement, follow_up, other),
//     caseagent.case.id, caseagent.mail.recipients, and
//     caseagent.mail.message_id once sent.
//
// Metrics (durations in seconds):
//
//   - caseagent.agent.runs, counter {run}: runs by caseagent.run.trigger
//     and caseagent.run.outcome.
//   - caseagent.agent.run.duration, histogram s: their duration, by the
//     same attributes.
//   - caseagent.predictor.duration, histogram s: predictor calls, by
//     caseagent.predictor.name and caseagent.result (ok, error; a failed
//     call has no predictor name).
//   - caseagent.model.calls, counter {call}; caseagent.model.tokens,
//     counter {token}, also by caseagent.token.type (prompt, completion;
//     a bare total counts as prompt); caseagent.model.cost, counter in the
//     host's currency (from the predictor's price table): what
//     predictors reported, by caseagent.predictor.name.
//   - caseagent.store.duration, histogram s: store calls, by
//     caseagent.store.operation and caseagent.result (ok, not_found,
//     conflict, duplicate, key_used, invalid, canceled, error).
//   - caseagent.mail.sent and caseagent.mail.errors, counters {message}:
//     mail sent and failed to send, by caseagent.mail.kind
//     (acknowledgement: the answers to inbound email; follow_up).
//   - caseagent.followup.actions, counter {case}: what RunDue did per
//     case, by caseagent.followup.action (follow_up_sent,
//     follow_up_drafted, closed, stopped, skipped); not counted in shadow
//     mode.
//   - caseagent.feed.lag, gauge s: how far a reader of the store's change
//     feed is behind, by caseagent.feed.name, recorded when the host
//     calls RecordFeedLag.
//
// The span and metric names are the Span and Metric constants, and the
// attribute keys the Attr constants, of this package.
package agent
