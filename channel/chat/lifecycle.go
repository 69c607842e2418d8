package chat

import (
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/channel"
)

// Errors of the conversation lifecycle.
var (
	// ErrEnded is returned for an event on a conversation that has ended.
	ErrEnded = errors.New("chat: conversation has ended")
	// ErrWrongConversation is returned for an event of another conversation.
	ErrWrongConversation = errors.New("chat: event is for another conversation")
	// ErrDuplicateMessage is returned for a message already in the
	// conversation; callers treat it as a redelivery and ignore it.
	ErrDuplicateMessage = errors.New("chat: message already received")
)

// Apply applies a valid event to a conversation: it moves the status
// through requested, accepted, active and ended, records the customer and
// the times, and appends messages. A customer may write before the chat
// is accepted; the first message after acceptance makes it active.
// Nothing is written after the end. A zero conversation is started by its
// first event, whatever it is, since platforms do not all report requests.
//
// On error conv is unchanged.
func Apply(conv *channel.Conversation, ev *Event) error {
	if conv.ID == "" {
		conv.ID = ev.ConversationID
		conv.Kind = channel.KindChat
		conv.StartedAt = ev.Time
		conv.Status = channel.StatusRequested
	}
	if conv.ID != ev.ConversationID {
		return fmt.Errorf("%w: %s is not %s", ErrWrongConversation, ev.ConversationID, conv.ID)
	}
	if conv.Status == channel.StatusEnded {
		return ErrEnded
	}
	if ev.Customer != nil {
		mergeCustomer(&conv.Customer, *ev.Customer)
	}
	switch ev.Type {
	case EventRequested:
		// Already started above; a repeated request changes nothing more.
	case EventAccepted:
		if conv.Status == channel.StatusRequested {
			conv.Status = channel.StatusAccepted
		}
	case EventMessage:
		m := ev.Message
		for i := range conv.Messages {
			if conv.Messages[i].ID == m.ID {
				return ErrDuplicateMessage
			}
		}
		conv.Messages = append(conv.Messages, Message(conv, ev))
		if conv.Status == channel.StatusAccepted {
			conv.Status = channel.StatusActive
		}
	case EventEnded:
		conv.Status = channel.StatusEnded
		conv.EndedAt = ev.Time
	default:
		return invalid("type %q is not one of requested, accepted, message, ended", ev.Type)
	}
	return nil
}

// mergeCustomer fills what the conversation does not know yet. An
// authenticated identity, once set, is never replaced by a later event.
func mergeCustomer(dst *channel.Customer, src channel.Customer) {
	if dst.ContactID == "" {
		dst.ContactID = src.ContactID
	}
	if dst.Name == "" {
		dst.Name = src.Name
	}
	if dst.Email == "" {
		dst.Email = src.Email
	}
	if dst.Phone == "" {
		dst.Phone = src.Phone
	}
}

// Message returns the channel.Message of a message event.
func Message(conv *channel.Conversation, ev *Event) channel.Message {
	m := ev.Message
	dir := channel.Inbound
	from := channel.Address{Name: conv.Customer.Name, Email: conv.Customer.Email}
	if m.Role != channel.RoleCustomer {
		dir = channel.Outbound
		from = channel.Address{Name: ev.Representative}
	}
	return channel.Message{
		ID:             m.ID,
		ConversationID: ev.ConversationID,
		Kind:           channel.KindChat,
		Direction:      dir,
		Role:           m.Role,
		From:           from,
		Text:           m.Text,
		Time:           ev.Time,
	}
}
