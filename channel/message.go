package channel

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"
)

// Kind is the channel a message arrived on.
type Kind string

// The kinds of channel.
const (
	KindEmail Kind = "email"
	KindChat  Kind = "chat"
)

// Direction tells whether a message came to the organisation or left it.
type Direction string

// The directions of a message.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// Role is who wrote a message.
type Role string

// The roles of a message's author.
const (
	// RoleCustomer is the person the case is about.
	RoleCustomer Role = "customer"
	// RoleRepresentative is a person working for the organisation.
	RoleRepresentative Role = "representative"
	// RoleAgent is the automated agent itself (acknowledgements, follow-ups).
	RoleAgent Role = "agent"
	// RoleSystem is a machine: auto-replies, bounces, notifications.
	RoleSystem Role = "system"
)

// Address is a mailbox: a display name and an email address. For chat
// messages it may be empty, or carry what the customer identified as.
type Address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// String formats the address as in a mail header.
func (a Address) String() string {
	if a.Email == "" {
		return a.Name
	}
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// Attachment describes an attached file. The content is not kept in a
// Message; channels that keep it store it elsewhere.
type Attachment struct {
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size"`
	ContentID   string `json:"content_id,omitempty"`
	Inline      bool   `json:"inline,omitempty"`
}

// Message is one message of a conversation, whatever the channel.
//
// Text holds only what the author wrote in this message: quoted history
// and the signature are split off into Quoted and Signature and kept.
// A Message is plain data; it is safe to share once no one modifies it.
type Message struct {
	// ID identifies the message within its channel: the Message-ID of an
	// email (without angle brackets), or the chat platform's message id.
	ID string `json:"id"`
	// ConversationID is the chat conversation the message belongs to.
	// It is empty for email, which threads by InReplyTo and References.
	ConversationID string `json:"conversation_id,omitempty"`
	// InReplyTo and References are the thread keys of an email.
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`

	Kind      Kind      `json:"kind"`
	Direction Direction `json:"direction"`
	Role      Role      `json:"role"`

	From    Address   `json:"from"`
	To      []Address `json:"to,omitempty"`
	Cc      []Address `json:"cc,omitempty"`
	Subject string    `json:"subject,omitempty"`

	// Text is the new text of the message, as readable plain text.
	Text string `json:"text"`
	// Quoted is the quoted history that followed or surrounded Text.
	Quoted string `json:"quoted,omitempty"`
	// Signature is the author's signature block, split off Text.
	Signature string `json:"signature,omitempty"`

	Time        time.Time           `json:"time"`
	Headers     map[string][]string `json:"headers,omitempty"`
	Attachments []Attachment        `json:"attachments,omitempty"`

	// AutoReply is set for automatic answers (out of office, vacation,
	// "we received your message"); such messages never trigger work.
	AutoReply bool `json:"auto_reply,omitempty"`
	// Bounce is set for delivery-status notifications.
	Bounce bool `json:"bounce,omitempty"`
	// Bulk is set for list, bulk and junk mail: mail that says so in its
	// header (Precedence: bulk, list or junk; List-Id; List-Unsubscribe
	// and the like). Unlike AutoReply and Bounce it does not make the
	// message Automated, because a person writing through a mailing list
	// or a group alias sends mail with the same headers; but an answer to
	// it may reach every member of a list. Consumers should by default
	// create no case and send no mail for bulk mail, and let an explicit
	// rule opt in.
	Bulk bool `json:"bulk,omitempty"`
	// BouncedMessageID is, for a bounce, the Message-ID of the message that
	// could not be delivered, when it could be found.
	BouncedMessageID string `json:"bounced_message_id,omitempty"`
}

// Automated reports whether the message was produced by a machine rather
// than a person: an auto-reply, a bounce, or a system message.
func (m *Message) Automated() bool {
	return m.AutoReply || m.Bounce || m.Role == RoleSystem
}

// ConversationStatus is where a live conversation stands.
type ConversationStatus string

// The lifecycle of a live conversation.
const (
	StatusRequested ConversationStatus = "requested"
	StatusAccepted  ConversationStatus = "accepted"
	StatusActive    ConversationStatus = "active"
	StatusEnded     ConversationStatus = "ended"
)

// Customer is what a channel knows of the person on the other side.
type Customer struct {
	// ContactID is set when the channel authenticated the customer as a
	// known contact (a signed-in chat visitor, for example).
	ContactID string `json:"contact_id,omitempty"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Authenticated reports whether the channel vouches for the customer's
// identity.
func (c Customer) Authenticated() bool { return c.ContactID != "" }

// Conversation is a live conversation and its messages, in order.
type Conversation struct {
	ID        string             `json:"id"`
	Kind      Kind               `json:"kind"`
	Status    ConversationStatus `json:"status"`
	Customer  Customer           `json:"customer"`
	Messages  []Message          `json:"messages,omitempty"`
	StartedAt time.Time          `json:"started_at"`
	EndedAt   time.Time          `json:"ended_at,omitzero"`
}

// Outgoing is a message the organisation sends.
type Outgoing struct {
	From    Address
	To      []Address
	Cc      []Address
	Subject string
	Text    string
	// InReplyTo and References thread the message under an earlier one.
	InReplyTo  string
	References []string
	// Automated marks machine-written mail (acknowledgements, follow-ups):
	// senders add Auto-Submitted and loop-prevention headers to it.
	Automated bool
	// CaseID is the case the message is about, if any. Email senders sign
	// it into the Message-ID so that replies find the case.
	CaseID string
	// Headers are extra headers to set.
	Headers map[string]string
}

// Sender delivers outgoing messages. It returns the id the channel gave the
// message (for email, its Message-ID).
//
// Implementations must be safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, m *Outgoing) (id string, err error)
}

// ErrTooLarge is returned by channels for input over their size limit.
var ErrTooLarge = errors.New("channel: message too large")

// NormalizeEmail returns an email address in the form used for matching:
// trimmed and lower-cased. It does not validate the address.
func NormalizeEmail(addr string) string {
	return strings.ToLower(strings.TrimSpace(addr))
}

// Receipt says what became of an inbound message or event: the case it
// went to, if any, and the outcome ("created", "updated", "unchanged",
// "skipped" with the reason, "duplicate", ...). Webhook handlers answer
// with it when their receiver gives one. It is plain data.
type Receipt struct {
	CaseID     string `json:"case_id,omitempty"`
	CaseNumber string `json:"case_number,omitempty"`
	Outcome    string `json:"outcome,omitempty"`
	Reason     string `json:"reason,omitempty"`
}
