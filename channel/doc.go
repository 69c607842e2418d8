// Package channel defines what every conversation channel produces: the
// Message, the Conversation it belongs to, and the small interfaces a
// channel implements.
//
// Channels (email in channel/email, live chat in channel/chat) turn what
// arrives on the wire into Messages; the agent in casemgmt consumes them.
// This package imports nothing else of the module, so that predictors and
// channels can share the types without depending on cases or stores.
package channel
