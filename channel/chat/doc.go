// Package chat is the live-chat channel: the lifecycle of a conversation
// (requested, accepted, active, ended), the events a chat widget or
// platform sends, and an HTTP handler that receives them.
//
// A chat platform posts JSON events to the [Handler]: a conversation was
// requested, a representative accepted it, a message was written, the
// conversation ended. The handler checks the shared-secret signature,
// the size and the shape of every event, and hands valid ones to a
// [Receiver] (in a host application, the case agent). Bad events are
// answered with a 4xx status and a clear message, and change nothing.
//
// [Apply] moves a [channel.Conversation] through its lifecycle and is
// what receivers use to keep the conversation they store consistent:
// a customer may write before a representative accepted the chat, nobody
// writes after it ended, and an event is never applied twice.
//
// # Signatures
//
// Every request carries two headers: X-Caseagent-Timestamp, the Unix time
// in seconds when it was sent, and X-Caseagent-Signature, "sha256=" and
// the hex HMAC-SHA256 of the timestamp, a dot, and the raw body, under the
// shared secret. Requests older or newer than the tolerance (five minutes
// by default) are refused, so a captured request cannot be replayed later.
// [Sign] computes the headers for a sender.
package chat
