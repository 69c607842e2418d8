package casemgmt

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caseagent/caseagent/predict"
)

// Status is where a case stands in its lifecycle.
type Status string

// The statuses of a case.
const (
	StatusActive            Status = "active"
	StatusWaitingOnCustomer Status = "waiting_on_customer"
	StatusResolved          Status = "resolved"
	StatusClosed            Status = "closed"
	StatusCancelled         Status = "cancelled"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusWaitingOnCustomer, StatusResolved, StatusClosed, StatusCancelled:
		return true
	}
	return false
}

// Open reports whether a case in status s is still being worked on
// (active or waiting on the customer).
func (s Status) Open() bool { return s == StatusActive || s == StatusWaitingOnCustomer }

// Names of case attributes that are not schema fields. Audit entries use
// them in Field, and conditions may refer to them.
const (
	AttrStatus       = "status"
	AttrStatusReason = "status_reason"
	AttrLink         = "link"
	AttrCase         = "case" // the case as a whole: created, deleted
	AttrNextDue      = "next_due_at"
)

// Names of schema fields that are a case attribute. A case's title,
// contact and origin are one value each: when the schema declares a field
// with one of these names, the field is how the value is set (with its
// provenance and audit), and Apply keeps the attribute (Title, ContactID,
// Origin) equal to it; when it declares none, the attribute alone holds
// the value. Writers that set a title or an origin go through the field
// where there is one.
const (
	FieldTitle   = "title"
	FieldContact = "contact"
	FieldOrigin  = "origin"
)

// LinkKind is what a case is linked to.
type LinkKind string

// The kinds of link.
const (
	// LinkConversation links a live conversation by its id. A conversation
	// is linked to at most one case in a store.
	LinkConversation LinkKind = "conversation"
	// LinkEmail links an email by its Message-ID (without angle brackets),
	// inbound or outbound. A Message-ID is linked to at most one case in a
	// store; replies find their case through it.
	LinkEmail LinkKind = "email"
	// LinkContact links a contact other than the case's own ContactID
	// (someone in copy, a colleague). A contact may be linked to any
	// number of cases.
	LinkContact LinkKind = "contact"
)

// Valid reports whether k is one of the known link kinds.
func (k LinkKind) Valid() bool {
	return k == LinkConversation || k == LinkEmail || k == LinkContact
}

// Unique reports whether an id of this kind may be linked to one case only.
func (k LinkKind) Unique() bool { return k == LinkConversation || k == LinkEmail }

// Link ties a case to a conversation, an email or a contact.
type Link struct {
	Kind LinkKind `json:"kind"`
	// ID is the conversation id, the Message-ID or the contact id.
	ID string `json:"id"`
}

// String formats the link as kind:id.
func (l Link) String() string { return string(l.Kind) + ":" + l.ID }

// Validate reports whether the link is well formed: a known kind and an
// id that is not empty, has no surrounding white space, is at most 998
// bytes long and passes ValidateText. The error wraps ErrInvalid.
func (l Link) Validate() error {
	if !l.Kind.Valid() {
		return fmt.Errorf("%w: unknown link kind %q", ErrInvalid, l.Kind)
	}
	if l.ID == "" || strings.TrimSpace(l.ID) != l.ID || len(l.ID) > 998 {
		return fmt.Errorf("%w: bad %s link id %q", ErrInvalid, l.Kind, truncate(l.ID, 60))
	}
	return ValidateText(string(l.Kind)+" link id", l.ID)
}

// CompareLinks orders links by kind, then id. Stores return a case's links
// in this order.
func CompareLinks(a, b Link) int {
	if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// SortLinks sorts links by kind and id and removes duplicates, in place,
// and returns the result.
func SortLinks(ls []Link) []Link {
	slices.SortFunc(ls, CompareLinks)
	return slices.Compact(ls)
}

// ActorKind is the kind of who changed something.
type ActorKind string

// The kinds of actor.
const (
	// ActorPerson is a person: a representative, an administrator.
	ActorPerson ActorKind = "person"
	// ActorAgent is the automated agent, from a prediction.
	ActorAgent ActorKind = "agent"
	// ActorIntakeRule is an intake rule that created the case from an
	// email; Actor.ID names the rule.
	ActorIntakeRule ActorKind = "intake_rule"
	// ActorSystem is the host application or the channel itself (the
	// origin of a chat, an authenticated contact, an import).
	ActorSystem ActorKind = "system"
)

// Valid reports whether k is one of the known actor kinds.
func (k ActorKind) Valid() bool {
	switch k {
	case ActorPerson, ActorAgent, ActorIntakeRule, ActorSystem:
		return true
	}
	return false
}

// Actor is who made a change.
type Actor struct {
	Kind ActorKind `json:"kind"`
	// ID identifies the actor within its kind: a user id, the agent's
	// name, an intake rule's name.
	ID string `json:"id,omitempty"`
}

// String formats the actor as kind or kind:id.
func (a Actor) String() string {
	if a.ID == "" {
		return string(a.Kind)
	}
	return string(a.Kind) + ":" + a.ID
}

// Provenance says where a field's current value came from.
type Provenance struct {
	// Actor set the value.
	Actor Actor `json:"actor"`
	// Time is when it was set.
	Time time.Time `json:"time"`
	// MessageIDs are the messages the value was taken from.
	MessageIDs []string `json:"message_ids,omitempty"`
	// Confidence is the predictor's confidence for agent values; 0 for
	// values a person or a rule set.
	Confidence float64 `json:"confidence,omitempty"`
	// Evidence quotes the messages that support an agent value.
	Evidence []predict.Evidence `json:"evidence,omitempty"`
	// Rule names the update or intake rule under which it was set.
	Rule string `json:"rule,omitempty"`
	// Model names the predictor or model that predicted it.
	Model string `json:"model,omitempty"`
}

// Clone returns a deep copy of p.
func (p Provenance) Clone() Provenance {
	p.MessageIDs = slices.Clone(p.MessageIDs)
	p.Evidence = slices.Clone(p.Evidence)
	return p
}

// Case is a support case. It is plain data: not safe for concurrent
// modification; stores hand out copies.
type Case struct {
	// ID identifies the case in its store. The store assigns one on create
	// when it is empty.
	ID string `json:"id"`
	// Number is the human-readable number ("CAS-000123"), unique within a
	// store and assigned by the store on create; what callers put here is
	// ignored.
	Number string `json:"number"`
	// ExternalID is the case's id in a host system, when it has one. It is
	// unique within a store when set; UpsertCase matches on it.
	ExternalID string `json:"external_id,omitempty"`

	Title string `json:"title"`
	// Status is where the case stands; empty means StatusActive on create.
	Status       Status `json:"status"`
	StatusReason string `json:"status_reason,omitempty"`
	// StatusChangedAt is when Status last changed.
	StatusChangedAt time.Time `json:"status_changed_at,omitzero"`
	// ContactID is the contact the case is about, when known.
	ContactID string `json:"contact_id,omitempty"`
	// Origin is the channel the case came from ("Chat", "Email", ...).
	Origin string `json:"origin,omitempty"`

	// Fields holds the values of schema fields by name, each of the Go
	// type of its field's type (see predict.FieldType): string, bool,
	// int64 or float64. A field without a value is absent.
	Fields Values `json:"fields,omitempty"`
	// Provenance says, per field in Fields, who set the value and how.
	Provenance map[string]Provenance `json:"provenance,omitempty"`
	// Links are the conversations, emails and contacts the case is tied
	// to, ordered by kind and id. Only CreateCase, Relate and Unrelate
	// change them.
	Links []Link `json:"links,omitempty"`

	// NextDueAt is when scheduled work (a follow-up, a closure) is next
	// due for the case; zero when none is.
	NextDueAt time.Time `json:"next_due_at,omitzero"`
	// Meta holds the agent's bookkeeping that is neither a field nor an
	// attribute (the follow-up step reached, the last message predicted
	// from). Keys are owned by whoever sets them.
	Meta map[string]string `json:"meta,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version is 1 after create and grows by one with every update. An
	// update must carry the version it read.
	Version int64 `json:"version"`
}

// Clone returns a deep copy of c. Field values are scalars and are
// shared.
func (c *Case) Clone() *Case {
	if c == nil {
		return nil
	}
	d := *c
	if c.Fields != nil {
		d.Fields = make(Values, len(c.Fields))
		for k, v := range c.Fields {
			d.Fields[k] = v
		}
	}
	if c.Provenance != nil {
		d.Provenance = make(map[string]Provenance, len(c.Provenance))
		for k, p := range c.Provenance {
			d.Provenance[k] = p.Clone()
		}
	}
	d.Links = slices.Clone(c.Links)
	if c.Meta != nil {
		d.Meta = make(map[string]string, len(c.Meta))
		for k, v := range c.Meta {
			d.Meta[k] = v
		}
	}
	return &d
}

// Value returns the value of a field and whether it has one.
func (c *Case) Value(name string) (any, bool) {
	v, ok := c.Fields[name]
	return v, ok && v != nil
}

// HasLink reports whether the case has the link.
func (c *Case) HasLink(l Link) bool {
	return slices.Contains(c.Links, l)
}

// LinkIDs returns the ids of the case's links of one kind.
func (c *Case) LinkIDs(kind LinkKind) []string {
	var ids []string
	for _, l := range c.Links {
		if l.Kind == kind {
			ids = append(ids, l.ID)
		}
	}
	return ids
}

// Validate reports whether c is well formed enough to be stored: a known
// status (or empty), well-formed links, field values of the canonical Go
// types only (string, bool, int64, float64), no provenance without a
// value's field name, no empty field names, and text that passes
// ValidateText everywhere in the case. It does not know the schema; see
// Schema.Validate for values. Stores call it on every write and return
// its error, which wraps ErrInvalid.
func (c *Case) Validate() error {
	if c == nil {
		return fmt.Errorf("%w: nil case", ErrInvalid)
	}
	if c.Status != "" && !c.Status.Valid() {
		return fmt.Errorf("%w: unknown status %q", ErrInvalid, c.Status)
	}
	for _, l := range c.Links {
		if err := l.Validate(); err != nil {
			return err
		}
	}
	for k, v := range c.Fields {
		if k == "" {
			return fmt.Errorf("%w: empty field name", ErrInvalid)
		}
		if !storable(v) {
			return fmt.Errorf("%w: field %s: value of type %T cannot be stored", ErrInvalid, k, v)
		}
	}
	for k := range c.Provenance {
		if k == "" {
			return fmt.Errorf("%w: provenance for an empty field name", ErrInvalid)
		}
	}
	return ValidateText("case", c)
}

// storable reports whether v is one of the canonical value types.
func storable(v any) bool {
	switch v.(type) {
	case nil, string, bool, int64, float64:
		return true
	}
	return false
}

// Contact is a person in the tenant's directory. It is plain data.
type Contact struct {
	// ID identifies the contact; the store assigns one when it is empty.
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	// Phone is kept as written; lookups compare NormalizePhone forms.
	Phone     string    `json:"phone,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// PredictContact returns the contact as the predictors see it.
func (c *Contact) PredictContact() predict.Contact {
	return predict.Contact{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone}
}

// FormatNumber formats the n-th case number of a store: CAS-000001 and up,
// with more digits past 999999. Stores number cases 1, 2, 3, ... in the
// order they were created.
func FormatNumber(n int64) string { return fmt.Sprintf("CAS-%06d", n) }

// NewID returns a new random id with the given prefix, such as
// "case_3f9c1e0a7b5d4c2e8f6a1b3c5d7e9f01". Stores use it for ids a caller
// left empty.
func NewID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
