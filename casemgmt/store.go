package casemgmt

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caseagent/caseagent/predict"
)

// Store is the storage a platform team implements: cases, contacts, the
// audit trail and interaction records, and the coordination that lets
// several agent processes share one database. storetest.Run proves an
// implementation; memstore is the reference.
//
// Common rules for every method:
//
//   - A context that is already done makes the method return ctx.Err()
//     (unwrapped or wrapped, so errors.Is works) and change nothing.
//   - Errors match the sentinels of this package with errors.Is. A method
//     that fails changes nothing: no part of a write, its audit entries,
//     its interaction or its idempotency key is kept.
//   - Text anywhere in what is written (case fields and attributes, links,
//     audit entries, interactions, contacts, keys, claim names, state keys)
//     must pass ValidateText: valid UTF-8 without NUL bytes; ErrInvalid
//     otherwise. Look-ups with such text find nothing.
//   - Pointers passed in are not retained; values returned are copies the
//     caller owns. Slices returned for "no match" are empty (nil is fine)
//     with a nil error.
//   - Times are kept to at least microsecond precision and may come back
//     in another location (UTC); compare them with time.Time.Equal.
//   - Field values (Case.Fields, AuditEntry.Old and New, FieldOutcome.Value)
//     come back with the Go type they were written with (string, bool,
//     int64, float64); Values, EncodeValue and DecodeValue give a JSON
//     form that keeps it.
//
// Implementations must be safe for concurrent use, from one process or, for
// shared databases, from several.
type Store interface {
	CaseStore
	ContactStore
	Journal
	Coordinator
}

// Write is what a change records besides itself, all in the one
// transaction of the change. The store never modifies a Write: what it
// fills in, it fills in on the copies it keeps.
type Write struct {
	// Time is the time of the change: the case's CreatedAt or UpdatedAt,
	// and the time of audit entries and the interaction that have none.
	// Zero means the store's current time.
	Time time.Time
	// Audit entries describe the change. Each must pass AuditEntry.Validate
	// (ErrInvalid otherwise). The stored entries get the case's id as
	// CaseID, whatever the entry said, and the next Seq; a zero Time
	// becomes the write's time.
	Audit []AuditEntry
	// Interaction, when set, is the agent run that made the change. It
	// must pass Interaction.Validate (ErrInvalid), and an ID already taken
	// is ErrDuplicate. The stored record gets the case's id as CaseID when
	// it has none, a new ID when it has none, and the write's time when
	// its Time is zero.
	Interaction *Interaction
	// Key, when set, is an idempotency key claimed by the write: if the key
	// was used before (by UseKey or another write) the write changes
	// nothing and returns ErrKeyUsed. A write that fails for another reason
	// does not use the key.
	Key string
	// Events are appended to the change feed after the change's own entry,
	// in the same transaction, by stores that keep a feed (Feed): what the
	// agent did along with the change, such as an email sent
	// (ChangeEmailSent) or a draft waiting for a person
	// (ChangeDraftWaiting). Each must pass Event.Validate (ErrInvalid). Stores
	// without a feed check them and drop them. A write that writes
	// nothing (Relate of a link the case has) appends no event.
	Events []Event
}

// Validate reports whether the write's own parts can be stored: every audit
// entry (AuditEntry.Validate), the interaction (Interaction.Validate), every
// event (Event.Validate) and the key's text (ValidateText). Stores call it before anything else of the
// write; the error wraps ErrInvalid.
func (w *Write) Validate() error {
	for i := range w.Audit {
		if err := w.Audit[i].Validate(); err != nil {
			return err
		}
	}
	if w.Interaction != nil {
		if err := w.Interaction.Validate(); err != nil {
			return err
		}
	}
	for i := range w.Events {
		if err := w.Events[i].Validate(); err != nil {
			return err
		}
	}
	return ValidateText("idempotency key", w.Key)
}

// Filter narrows a list of cases. An unknown status or a negative limit
// is ErrInvalid.
type Filter struct {
	// Statuses keeps cases in one of these statuses; empty keeps all.
	Statuses []Status
	// Limit is the most cases returned; 0 means no limit. It applies after
	// ordering.
	Limit int
}

// CaseStore stores cases and their links.
//
// Order of checks, so that all stores fail alike when several things are
// wrong: ctx.Err(), then ErrInvalid (Case.Validate, Link.Validate,
// AuditEntry.Validate and Interaction.Validate of the Write, empty arguments),
// then ErrNotFound, then ErrConflict, then ErrDuplicate, then ErrKeyUsed.
// Invalid input is refused before anything is written, so it never takes
// a case number.
type CaseStore interface {
	// CreateCase stores a new case with its write's audit entries and
	// interaction. When c.ID is empty the store assigns one (NewID("case_")
	// or any unique string); a c.ID or c.ExternalID already taken is
	// ErrDuplicate, as is a conversation or email link already linked to
	// another case. The store assigns Number (FormatNumber of the next
	// number, starting at 1, never reused), sets Version to 1, sets an
	// empty Status to StatusActive, sets CreatedAt and UpdatedAt to the
	// write's time, sorts and dedupes Links (SortLinks), and writes all of
	// that back into c. Every other attribute is stored as given.
	CreateCase(ctx context.Context, c *Case, w Write) error

	// GetCase returns the case with the id, or ErrNotFound.
	GetCase(ctx context.Context, id string) (*Case, error)

	// GetCaseByNumber returns the case with the number, or ErrNotFound.
	GetCaseByNumber(ctx context.Context, number string) (*Case, error)

	// UpdateCase stores c over the case with c.ID, with its write's audit
	// entries and interaction. c.Version must equal the stored version,
	// else ErrConflict; a missing case is ErrNotFound; an ExternalID taken
	// by another case is ErrDuplicate. It replaces every attribute except
	// ID, Number, CreatedAt and Links (which only Relate and Unrelate
	// change); an empty Status keeps the stored one. It sets Version to
	// the stored version plus one and UpdatedAt to the write's time, and
	// writes back into c the new Version, UpdatedAt and Status and the
	// stored Number, CreatedAt and Links.
	UpdateCase(ctx context.Context, c *Case, w Write) error

	// UpsertCase creates or replaces the case whose ExternalID is
	// c.ExternalID, which must not be empty (ErrInvalid). When there is
	// none it behaves as CreateCase and reports created. Otherwise it
	// behaves as UpdateCase on that case without the version check: c.ID
	// and c.Version are ignored and overwritten with the stored case's id
	// and new version, and c.Links with its links.
	UpsertCase(ctx context.Context, c *Case, w Write) (created bool, err error)

	// DeleteCase removes the case and its links, writing the write's audit
	// entries and interaction, or returns ErrNotFound. Its links and
	// external id are free for other cases afterwards; its number is not
	// reused. Audit entries and interactions of the case stay listable.
	DeleteCase(ctx context.Context, id string, w Write) error

	// Relate links the case to a conversation, email or contact, with the
	// write's audit entries and interaction. A missing case is ErrNotFound;
	// a conversation or email already linked to another case is
	// ErrDuplicate. If the case already has the link nothing is written,
	// the key is not used, and the result is nil. Links do not change the
	// case's Version or UpdatedAt.
	Relate(ctx context.Context, caseID string, l Link, w Write) error

	// Unrelate removes a link from the case, with the write's audit
	// entries and interaction. A missing case, or a case without the link,
	// is ErrNotFound.
	Unrelate(ctx context.Context, caseID string, l Link, w Write) error

	// FindCaseByConversation returns the case linked to the conversation,
	// or ErrNotFound.
	FindCaseByConversation(ctx context.Context, conversationID string) (*Case, error)

	// FindCasesByMessageID returns the cases with an email link to any of
	// the Message-IDs (a reply's In-Reply-To and References), each once,
	// ordered by CreatedAt, then ID. No ids, or no match, is an empty
	// result.
	FindCasesByMessageID(ctx context.Context, messageIDs []string) ([]*Case, error)

	// FindCasesByContact returns the cases whose ContactID is the contact
	// or that have a contact link to it, each once, that pass the filter,
	// ordered by CreatedAt, then ID.
	FindCasesByContact(ctx context.Context, contactID string, f Filter) ([]*Case, error)

	// FindDueCases returns the cases with a NextDueAt that is not zero and
	// not after before, that pass the filter, ordered by NextDueAt, then
	// ID.
	FindDueCases(ctx context.Context, before time.Time, f Filter) ([]*Case, error)
}

// ContactStore stores the tenant's directory of contacts.
type ContactStore interface {
	// CreateContact stores a new contact. When c.ID is empty the store
	// assigns one (NewID("contact_") or any unique string); a zero
	// CreatedAt becomes the store's current time; both are written back
	// into c. A contact needs a name, an email or a phone (ErrInvalid
	// otherwise). A c.ID already taken, or an email equal (after
	// channel.NormalizeEmail) to another contact's, is ErrDuplicate.
	CreateContact(ctx context.Context, c *Contact) error

	// GetContact returns the contact with the id, or ErrNotFound.
	GetContact(ctx context.Context, id string) (*Contact, error)

	// FindContacts returns the contacts that match every criterion set in
	// q, ordered by ID: Email compared after channel.NormalizeEmail, Phone
	// with PhonesMatch, Name with NormalizeName. A query with no criterion
	// is ErrInvalid. A phone that NormalizePhone cannot read matches
	// nothing.
	FindContacts(ctx context.Context, q predict.ContactQuery) ([]Contact, error)
}

// Journal keeps what happened: audit entries (written with the changes
// they describe; see Write) and agent interaction records.
type Journal interface {
	// ListAudit returns the case's audit entries in the order they were
	// written (by Seq). A case without entries, or unknown, gives an empty
	// result; entries of a deleted case are still returned.
	ListAudit(ctx context.Context, caseID string) ([]AuditEntry, error)

	// AddInteraction records an agent run that changed no case (or whose
	// change was recorded with it through Write). When in.ID is empty the
	// store assigns one (NewID("ia_") or any unique string), and a zero
	// Time becomes the store's current time; both are written back into
	// in. An ID already taken is ErrDuplicate; an unknown Outcome is
	// ErrInvalid.
	AddInteraction(ctx context.Context, in *Interaction) error

	// ListInteractions returns the interactions that match every criterion
	// set in q (InteractionQuery.Match), ordered by Time, then by the order
	// they were recorded, at most q.Limit of them when it is positive. A
	// negative limit is ErrInvalid.
	ListInteractions(ctx context.Context, q InteractionQuery) ([]Interaction, error)
}

// Coordinator lets several processes sharing a store divide work.
type Coordinator interface {
	// UseKey uses an idempotency key (for example "msg:" plus a mailbox
	// and a Message-ID). It reports whether this was the first use; a
	// later use changes nothing and reports false. Keys are kept until a
	// Purger removes them.
	// An empty key is ErrInvalid.
	UseKey(ctx context.Context, key string) (first bool, err error)

	// AcquireClaim claims the named work for owner until ttl from now. It
	// reports true when the claim was free, had expired, or was already
	// owner's (whose expiry it then extends to ttl from now), and false
	// when another owner holds it. Empty names or owners and a ttl that is
	// not positive are ErrInvalid. The clock is the store's own.
	AcquireClaim(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)

	// ReleaseClaim ends owner's claim on the named work. When owner does
	// not hold it (it expired and someone else took it, or it was never
	// taken) nothing changes and the result is nil.
	ReleaseClaim(ctx context.Context, name, owner string) error

	// GetState returns the value stored under key (a channel's position,
	// such as an IMAP mailbox's UIDVALIDITY and last UID), or ErrNotFound.
	GetState(ctx context.Context, key string) ([]byte, error)

	// PutState stores value under key, replacing what was there. An empty
	// key is ErrInvalid. A nil value is stored as an empty one.
	PutState(ctx context.Context, key string, value []byte) error
}

// Pinger is implemented by stores that can tell whether they are
// reachable and ready: for a database, connected and with its schema
// migrated. The agent's prerequisite check calls it when the store has it.
// It is an optional interface, not part of Store.
type Pinger interface {
	// Ping returns nil when the store is ready, or an error saying what is
	// wrong.
	Ping(ctx context.Context) error
}

// Order is the order in which ListCases returns cases.
type Order string

// The orders of a listing. Both go by creation time, then id, which never
// change, so that paging stays correct while cases are written.
const (
	// OldestFirst lists cases by CreatedAt, then ID, ascending. It is the
	// default.
	OldestFirst Order = "oldest_first"
	// NewestFirst lists cases by CreatedAt, then ID, descending.
	NewestFirst Order = "newest_first"
)

// Bounds of a page of ListCases.
const (
	// DefaultPageSize is the page size of a ListQuery without a Limit.
	DefaultPageSize = 100
	// MaxPageSize is the largest page; a larger Limit is lowered to it.
	MaxPageSize = 1000
)

// ListQuery selects a page of cases for Lister.ListCases. Every criterion
// that is set must hold. It is plain data.
type ListQuery struct {
	// Statuses keeps cases in one of these statuses; empty keeps all.
	Statuses []Status
	// ContactID keeps the cases of the contact: its ContactID or a contact
	// link, as FindCasesByContact.
	ContactID string
	// UpdatedSince keeps cases with UpdatedAt not before it, when not zero.
	UpdatedSince time.Time
	// Order is OldestFirst (the default, for "") or NewestFirst.
	Order Order
	// Limit is the most cases on the page: 0 is DefaultPageSize, more than
	// MaxPageSize is MaxPageSize; negative is ErrInvalid.
	Limit int
	// Cursor continues a listing where the page that returned it as Next
	// ended; empty starts at the beginning. It is opaque; a cursor that is
	// not one, or that was made for the other Order, is ErrInvalid. The
	// other criteria may change between pages.
	Cursor string
}

// CasePage is one page of a listing.
type CasePage struct {
	// Cases are the cases of the page, in the query's order.
	Cases []*Case
	// Next, when not empty, is the cursor of the next page; it is empty
	// when the listing is complete.
	Next string
}

// Lister lists cases with cursor pagination. It is an optional interface
// that memstore and sqlstore implement; storetest proves it for any store
// that has it.
//
// Paging goes by creation time and id, which never change, and each
// cursor marks the last case returned, so that while other writers create,
// update and delete cases:
//
//   - no case is returned twice in one listing (pages that follow each
//     other through Next);
//   - every case that exists and matches the criteria from the first page
//     to the last is returned exactly once;
//   - a case created, deleted, or whose status or contact changes during
//     the listing is returned at most once (whether it is depends on when
//     the change commits relative to the pages);
//   - each case returned is as committed when its page was read.
//
// For "everything that changed since", read the change feed (Feed), which
// orders changes by commit; UpdatedSince suits a first synchronisation.
type Lister interface {
	// ListCases returns the page of cases that match q after q.Cursor, in
	// q's order. An unknown status or order, a negative limit or a bad
	// cursor is ErrInvalid.
	ListCases(ctx context.Context, q ListQuery) (CasePage, error)
}

// Validate reports whether q can be run: known statuses and order, a limit
// that is not negative, a cursor made by a listing in q's order, and text
// that passes ValidateText. The error wraps ErrInvalid.
func (q *ListQuery) Validate() error {
	for _, st := range q.Statuses {
		if !st.Valid() {
			return fmt.Errorf("%w: unknown status %q", ErrInvalid, st)
		}
	}
	if q.Order != "" && q.Order != OldestFirst && q.Order != NewestFirst {
		return fmt.Errorf("%w: unknown order %q", ErrInvalid, q.Order)
	}
	if q.Limit < 0 {
		return fmt.Errorf("%w: negative limit", ErrInvalid)
	}
	if _, err := q.Position(); err != nil {
		return err
	}
	return ValidateText("list query", q.ContactID)
}

// Start does what every ListCases begins with: it checks ctx and q
// (Validate) and returns the position of q's cursor, nil for the first
// page. Store adapters call it first.
func (q *ListQuery) Start(ctx context.Context) (*ListPosition, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return q.Position()
}

// PageSize returns the number of cases a page of q holds at most.
func (q *ListQuery) PageSize() int {
	switch {
	case q.Limit == 0:
		return DefaultPageSize
	case q.Limit > MaxPageSize:
		return MaxPageSize
	}
	return q.Limit
}

// Newest reports whether q lists newest first.
func (q *ListQuery) Newest() bool { return q.Order == NewestFirst }

// ListPosition is where a listing stands: after the case created at
// CreatedAt with ID. It is what a cursor holds, for stores to decode
// (Position) and encode (NextCursor).
type ListPosition struct {
	CreatedAt time.Time
	ID        string
}

// Position decodes q.Cursor: nil for none, ErrInvalid for a cursor that is
// not one or was made for the other order.
func (q *ListQuery) Position() (*ListPosition, error) {
	if q.Cursor == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(q.Cursor)
	if err != nil {
		return nil, fmt.Errorf("%w: bad list cursor", ErrInvalid)
	}
	// c1|<o or n>|<RFC 3339 time>|<id>
	parts := strings.SplitN(string(raw), "|", 4)
	if len(parts) != 4 || parts[0] != "c1" {
		return nil, fmt.Errorf("%w: bad list cursor", ErrInvalid)
	}
	want := "o"
	if q.Newest() {
		want = "n"
	}
	if parts[1] != want {
		return nil, fmt.Errorf("%w: list cursor made for another order", ErrInvalid)
	}
	t, err := time.Parse(time.RFC3339Nano, parts[2])
	if err != nil || !utf8.ValidString(parts[3]) {
		return nil, fmt.Errorf("%w: bad list cursor", ErrInvalid)
	}
	return &ListPosition{CreatedAt: t.UTC(), ID: parts[3]}, nil
}

// NextCursor returns the cursor of the page that follows c in q's order.
func (q *ListQuery) NextCursor(c *Case) string {
	o := "o"
	if q.Newest() {
		o = "n"
	}
	raw := "c1|" + o + "|" + c.CreatedAt.UTC().Format(time.RFC3339Nano) + "|" + c.ID
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// Compare orders two cases as q lists them: by CreatedAt, then ID,
// ascending or (NewestFirst) descending.
func (q *ListQuery) Compare(a, b *Case) int {
	c := a.CreatedAt.Compare(b.CreatedAt)
	if c == 0 {
		c = strings.Compare(a.ID, b.ID)
	}
	if q.Newest() {
		return -c
	}
	return c
}

// Match reports whether c passes q's criteria and comes after the
// position p (when not nil) in q's order.
func (q *ListQuery) Match(c *Case, p *ListPosition) bool {
	if len(q.Statuses) > 0 && !slices.Contains(q.Statuses, c.Status) {
		return false
	}
	if q.ContactID != "" && c.ContactID != q.ContactID && !c.HasLink(Link{Kind: LinkContact, ID: q.ContactID}) {
		return false
	}
	if !q.UpdatedSince.IsZero() && c.UpdatedAt.Before(q.UpdatedSince) {
		return false
	}
	if p != nil && q.Compare(c, &Case{CreatedAt: p.CreatedAt, ID: p.ID}) <= 0 {
		return false
	}
	return true
}

// Page makes the page of q from cases that match it (Match), in q's order,
// with at least one more than q.PageSize when there are more: it keeps
// PageSize of them and sets Next when some were left.
func (q *ListQuery) Page(sorted []*Case) CasePage {
	n := q.PageSize()
	if len(sorted) <= n {
		return CasePage{Cases: sorted}
	}
	sorted = sorted[:n]
	return CasePage{Cases: sorted, Next: q.NextCursor(sorted[n-1])}
}

// PurgeResult counts what Purge removed.
type PurgeResult struct {
	// Keys are idempotency keys, including the records of processed
	// emails (the agent's "msg:" keys) and the keys of writes.
	Keys int64
	// Interactions are agent interaction records.
	Interactions int64
	// Changes are entries of the change feed.
	Changes int64
}

// Purger removes records kept for coordination and reporting once they
// are old. It is an optional interface that memstore and sqlstore
// implement; storetest proves it for any store that has it.
type Purger interface {
	// Purge removes, in one call:
	//
	//   - idempotency keys used before before, by the store's clock (a
	//     message redelivered after its key was purged is processed again,
	//     so keep keys longer than any source redelivers);
	//   - interaction records whose Time is before before;
	//   - the oldest entries of the change feed, up to the first entry
	//     whose Time is not before before (the feed stays gap-free after
	//     its first entry; see Feed).
	//
	// It never touches cases, their links, contacts, the audit trail,
	// claims or state. Several processes may run it at once: each record
	// is removed once, and the counts of all calls add up to what was
	// removed. A zero before is ErrInvalid.
	Purge(ctx context.Context, before time.Time) (PurgeResult, error)
}
