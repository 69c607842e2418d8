// Package agent is the case management agent: it creates and updates
// cases from live chats and inbound email, follows up with customers who
// stop answering, closes cases, and records every run.
//
// An Agent is built from a casemgmt.Store, a predict.Predictor and a
// tenant Config, with options for the rest (a clock, a logger, a mail
// sender, shadow mode, profiles):
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
//     last one; a customer's reply settles or reopens the case.
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
package agent
