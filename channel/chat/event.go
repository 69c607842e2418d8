package chat

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
)

// EventType is what happened in a conversation.
type EventType string

// The events of a conversation.
const (
	// EventRequested: a customer asked for a chat; no one answered yet.
	EventRequested EventType = "requested"
	// EventAccepted: a representative accepted the chat.
	EventAccepted EventType = "accepted"
	// EventMessage: someone wrote a message.
	EventMessage EventType = "message"
	// EventEnded: the conversation is over.
	EventEnded EventType = "ended"
)

// Event is one thing that happened in a live conversation, as a chat
// platform reports it.
type Event struct {
	// ID identifies the event, so that a redelivery is recognised. It is
	// required.
	ID             string    `json:"id"`
	Type           EventType `json:"type"`
	ConversationID string    `json:"conversation_id"`
	Time           time.Time `json:"time"`
	// Customer is who the chat is with. Platforms send it with
	// EventRequested; an authenticated visitor has a ContactID.
	Customer *channel.Customer `json:"customer,omitempty"`
	// Representative is the id of the representative who accepted the
	// chat, wrote the message, or ended the conversation.
	Representative string `json:"representative,omitempty"`
	// Message is set for EventMessage.
	Message *MessagePayload `json:"message,omitempty"`
}

// MessagePayload is the message of an EventMessage.
type MessagePayload struct {
	ID   string       `json:"id"`
	Role channel.Role `json:"role"`
	Text string       `json:"text"`
}

// Limits bound what an event may carry.
type Limits struct {
	// MaxText is the longest message text accepted, in bytes.
	MaxText int
	// MaxID is the longest id accepted, in bytes.
	MaxID int
}

// DefaultLimits are the limits a Handler applies unless told otherwise.
var DefaultLimits = Limits{MaxText: 32 << 10, MaxID: 256}

// ErrInvalidEvent is wrapped by every error about an event's content.
var ErrInvalidEvent = errors.New("chat: invalid event")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidEvent, fmt.Sprintf(format, args...))
}

// Validate checks that the event is well formed within the limits. The
// error wraps ErrInvalidEvent and says which part is wrong.
func (e *Event) Validate(l Limits) error {
	if l.MaxText <= 0 {
		l.MaxText = DefaultLimits.MaxText
	}
	if l.MaxID <= 0 {
		l.MaxID = DefaultLimits.MaxID
	}
	if err := checkID("id", e.ID, l); err != nil {
		return err
	}
	if err := checkID("conversation_id", e.ConversationID, l); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return invalid("time is required")
	}
	if e.Representative != "" {
		if err := checkID("representative", e.Representative, l); err != nil {
			return err
		}
	}
	if c := e.Customer; c != nil {
		for _, f := range []struct{ name, v string }{
			{"customer.contact_id", c.ContactID}, {"customer.name", c.Name},
			{"customer.email", c.Email}, {"customer.phone", c.Phone},
		} {
			if len(f.v) > l.MaxID || !utf8.ValidString(f.v) || hasControl(f.v) {
				return invalid("%s is not a valid value", f.name)
			}
		}
	}
	switch e.Type {
	case EventRequested, EventAccepted, EventEnded:
		if e.Message != nil {
			return invalid("a %s event carries no message", e.Type)
		}
	case EventMessage:
		m := e.Message
		if m == nil {
			return invalid("a message event needs a message")
		}
		if err := checkID("message.id", m.ID, l); err != nil {
			return err
		}
		switch m.Role {
		case channel.RoleCustomer, channel.RoleRepresentative, channel.RoleAgent, channel.RoleSystem:
		case "":
			return invalid("message.role is required")
		default:
			return invalid("message.role %q is not one of customer, representative, agent, system", truncate(string(m.Role), 40))
		}
		if strings.TrimSpace(m.Text) == "" {
			return invalid("message.text is empty")
		}
		if len(m.Text) > l.MaxText {
			return invalid("message.text is %d bytes, over the limit of %d", len(m.Text), l.MaxText)
		}
		if !utf8.ValidString(m.Text) {
			return invalid("message.text is not valid UTF-8")
		}
	case "":
		return invalid("type is required")
	default:
		return invalid("type %q is not one of requested, accepted, message, ended", truncate(string(e.Type), 40))
	}
	return nil
}

func checkID(name, v string, l Limits) error {
	switch {
	case v == "":
		return invalid("%s is required", name)
	case len(v) > l.MaxID:
		return invalid("%s is longer than %d bytes", name, l.MaxID)
	case !utf8.ValidString(v) || hasControl(v):
		return invalid("%s holds invalid characters", name)
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
