// Package replay replays customer stories against the agent and says,
// scenario by scenario and field by field, whether the outcome is the one a
// careful person would have reached.
//
// A scenario file (*.scenario.json) holds an id, a channel ("chat" or
// "email"), for chat the visitor ({"authenticated_contact": "C-1001"} or
// {} for an anonymous one), and steps replayed in order:
//
//	{"event": "accepted"}                    a representative accepts the chat
//	{"event": "ended"}                       the chat is wrapped up
//	{"event": "update_requested", "by": "rep-7"}  "Update from conversation"
//	{"customer": "..."} / {"rep": "..."}     one chat message
//	{"email": "...raw RFC 5322 message..."}  one inbound email
//	{"human_edit": {"category": "Billing"}}  a representative edits fields
//	{"advance": "48h"}                       the clock moves on
//	{"expect": {...}}                        what must hold at this point
//
// An expect step may check "case" ("none", "created", "updated",
// "unchanged" since the previous expect), "fields" (a plain value must
// match exactly; {"mentions": [...]} asks that a text contain each word,
// case-insensitively; {"empty": true} that the field be unset), "status",
// and "sent" (emails the agent sent for the case so far). A scenario passes
// when every expect holds.
//
// Stories of autonomous resolution add, at the top of a scenario, "tenant"
// (another configuration file), "shadow" (replay with a shadow agent) and
// "resolvers" (an intent's own resolver: a name registered in
// Runner.Resolvers, or scripted decisions); the steps
//
//	{"event": "resolve_requested", "by": "rep-7", "automation": "confirm"}
//	{"draft": "approve"} / {"draft": "edit", "text": "..."} / {"draft": "discard", "reason": "..."}
//
// and, in expect steps, "intent", "resolution" (where it stands on the
// case), "summary", "messages" (what the agent sent since the previous
// expect: kind, mentions, cited articles, the attributes a question asks
// for), "draft" and "outbox". Knowledge articles come from
// Runner.Articles; LoadSuite reads a folder of stories with its
// helpdesk.json and knowledge folder. FORMAT.md, beside this package,
// documents the whole format for people who write stories.
//
// Steps the agent cannot serve yet are reported as unsupported, and the
// scenario fails: nothing is counted as passed that was not checked.
//
// Every field expectation ends as met, missed (nothing was written) or
// wrong (another value was written, or a value where the story expects
// none), per scenario and per field. A wrong value costs more than a
// missing one, so the report gives, next to the pass rate, the precision
// of written values: met / (met + wrong).
package replay
