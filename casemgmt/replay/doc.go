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
// Steps the agent cannot serve yet are reported as unsupported, and the
// scenario fails: nothing is counted as passed that was not checked.
//
// Every field expectation ends as met, missed (nothing was written) or
// wrong (another value was written, or a value where the story expects
// none), per scenario and per field. A wrong value costs more than a
// missing one, so the report gives, next to the pass rate, the precision
// of written values: met / (met + wrong).
package replay
