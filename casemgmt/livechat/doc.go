// Package livechat connects a live-chat platform to the agent: its
// Receiver takes the events of channel/chat's webhook handler, keeps each
// conversation in the store, and drives the agent when a representative
// accepts a conversation, when the customer writes (optionally) and when
// the conversation ends.
//
//	recv, err := livechat.New(ag)
//	h, err := chat.NewHandler(secret, recv)
//	http.Handle("/chat", h)
//
// Redelivered events change nothing, and the events of one conversation
// are handled one at a time, across processes sharing a store too.
package livechat
