package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// FileStore is a casemgmt.Store kept in one JSON file. Every write builds
// the next state from the last one written, saves it to a temporary file,
// syncs it and renames it over the old one: a write is on disk, whole,
// before it is visible, and a failed write leaves nothing behind. That is
// the transaction every Store method needs; in a database it is BEGIN ...
// COMMIT.
//
// Lookups scan the cases, which is fine for a few thousand; a database
// adapter uses indexes instead (see casemgmt/sqlstore).
//
// Like every Store it refuses text that casemgmt.ValidateText refuses:
// Case.Validate, Link.Validate, AuditEntry.Validate and Interaction.Validate do
// that for cases, links and the journal, and the methods for contacts,
// keys, claims and state call ValidateText themselves.
//
// FileStore is safe for concurrent use within one process. Two processes
// must not share one file.
type FileStore struct {
	path string
	now  func() time.Time

	mu   sync.RWMutex
	cur  *fileState // what reads see: the last state written
	last []byte     // cur, as written
}

// fileState is everything the store keeps.
type fileState struct {
	Cases        map[string]*casemgmt.Case    `json:"cases"`
	LastNumber   int64                        `json:"last_number"`
	Contacts     map[string]*casemgmt.Contact `json:"contacts"`
	Audit        []casemgmt.AuditEntry        `json:"audit"`
	Interactions []*casemgmt.Interaction      `json:"interactions"`
	Keys         map[string]time.Time         `json:"keys"` // key -> when it was used
	Feed         []casemgmt.FeedEntry         `json:"feed"`
	LastFeed     int64                        `json:"last_feed"`
	FeedPurged   int64                        `json:"feed_purged"`
	Claims       map[string]fileClaim         `json:"claims"`
	State        map[string][]byte            `json:"state"`
}

type fileClaim struct {
	Owner   string    `json:"owner"`
	Expires time.Time `json:"expires"`
}

var (
	_ casemgmt.Store  = (*FileStore)(nil)
	_ casemgmt.Lister = (*FileStore)(nil)
	_ casemgmt.Feed   = (*FileStore)(nil)
	_ casemgmt.Purger = (*FileStore)(nil)
)

// OpenFileStore opens the store kept in path, creating it when the file
// does not exist.
func OpenFileStore(path string) (*FileStore, error) {
	s := &FileStore{path: path, now: time.Now}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		data = []byte("{}")
	case err != nil:
		return nil, err
	}
	st, err := decodeState(data)
	if err != nil {
		return nil, fmt.Errorf("custom-store: %s: %w", path, err)
	}
	s.cur, s.last = st, data
	return s, nil
}

func decodeState(data []byte) (*fileState, error) {
	var st fileState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, err
	}
	if st.Cases == nil {
		st.Cases = map[string]*casemgmt.Case{}
	}
	if st.Contacts == nil {
		st.Contacts = map[string]*casemgmt.Contact{}
	}
	if st.Keys == nil {
		st.Keys = map[string]time.Time{}
	}
	if st.Claims == nil {
		st.Claims = map[string]fileClaim{}
	}
	if st.State == nil {
		st.State = map[string][]byte{}
	}
	return &st, nil
}

// update runs fn on a copy of the state and, when fn succeeds, writes the
// copy to disk and makes it current. Whatever fn did is dropped when it
// fails.
func (s *FileStore) update(ctx context.Context, fn func(st *fileState) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := decodeState(s.last)
	if err != nil {
		return err
	}
	if err := fn(next); err != nil {
		return err
	}
	data, err := json.Marshal(next)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path, data); err != nil {
		return err
	}
	s.cur, s.last = next, data
	return nil
}

// view runs fn on the current state for reading.
func (s *FileStore) view(ctx context.Context, fn func(st *fileState) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return fn(s.cur)
}

func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".store-*.json")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func (s *FileStore) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// journal checks and appends a write's audit entries and interaction,
// uses its key, and appends the feed entries of the change (of kind k,
// with the case as committed, c, and the link l). It runs inside update,
// after the change itself was checked, so the order of errors is the
// contract's.
func (s *FileStore) journal(st *fileState, fw casemgmt.FeedWrite) error {
	caseID, w, t := fw.CaseID, fw.Write, fw.Time
	if w.Interaction != nil && w.Interaction.ID != "" && st.hasInteraction(w.Interaction.ID) {
		return fmt.Errorf("%w: interaction %q", casemgmt.ErrDuplicate, w.Interaction.ID)
	}
	if w.Key != "" {
		if _, used := st.Keys[w.Key]; used {
			return casemgmt.ErrKeyUsed
		}
		st.Keys[w.Key] = s.clock()
	}
	for _, e := range casemgmt.NewFeedEntries(fw) {
		st.LastFeed++
		e.Seq = st.LastFeed
		st.Feed = append(st.Feed, e)
	}
	for _, e := range w.Audit {
		e = e.Clone()
		e.Seq = int64(len(st.Audit) + 1)
		e.CaseID = caseID
		if e.Time.IsZero() {
			e.Time = t
		}
		st.Audit = append(st.Audit, e)
	}
	if w.Interaction != nil {
		in := w.Interaction.Clone()
		if in.CaseID == "" {
			in.CaseID = caseID
		}
		st.addInteraction(in, t)
	}
	return nil
}

func (st *fileState) hasInteraction(id string) bool {
	return slices.ContainsFunc(st.Interactions, func(in *casemgmt.Interaction) bool { return in.ID == id })
}

func (st *fileState) addInteraction(in *casemgmt.Interaction, t time.Time) {
	if in.ID == "" {
		in.ID = casemgmt.NewID("ia_")
	}
	if in.Time.IsZero() {
		in.Time = t
	}
	st.Interactions = append(st.Interactions, in)
}

// linkOwner returns the case holding a conversation or email link.
func (st *fileState) linkOwner(l casemgmt.Link) (string, bool) {
	for id, c := range st.Cases {
		if c.HasLink(l) {
			return id, true
		}
	}
	return "", false
}

func (st *fileState) externalOwner(ext string) (string, bool) {
	for id, c := range st.Cases {
		if c.ExternalID == ext {
			return id, true
		}
	}
	return "", false
}

func writeTime(w *casemgmt.Write, now time.Time) time.Time {
	if w.Time.IsZero() {
		return now
	}
	return w.Time
}

// CreateCase implements casemgmt.CaseStore.
func (s *FileStore) CreateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	var out *casemgmt.Case
	err := s.update(ctx, func(st *fileState) error {
		var err error
		out, err = s.create(st, c.Clone(), &w)
		return err
	})
	if err == nil {
		*c = *out
	}
	return err
}

func (s *FileStore) create(st *fileState, c *casemgmt.Case, w *casemgmt.Write) (*casemgmt.Case, error) {
	if _, dup := st.Cases[c.ID]; dup && c.ID != "" {
		return nil, fmt.Errorf("%w: case %q", casemgmt.ErrDuplicate, c.ID)
	}
	if _, dup := st.externalOwner(c.ExternalID); dup && c.ExternalID != "" {
		return nil, fmt.Errorf("%w: external id %q", casemgmt.ErrDuplicate, c.ExternalID)
	}
	c.Links = casemgmt.SortLinks(c.Links)
	for _, l := range c.Links {
		if _, taken := st.linkOwner(l); taken && l.Kind.Unique() {
			return nil, fmt.Errorf("%w: %s is linked to another case", casemgmt.ErrDuplicate, l)
		}
	}
	t := writeTime(w, s.clock())
	if c.ID == "" {
		c.ID = casemgmt.NewID("case_")
	}
	st.LastNumber++
	c.Number = casemgmt.FormatNumber(st.LastNumber)
	c.Version = 1
	if c.Status == "" {
		c.Status = casemgmt.StatusActive
	}
	c.CreatedAt, c.UpdatedAt = t, t
	st.Cases[c.ID] = c
	if err := s.journal(st, casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseCreated, CaseID: c.ID, CaseNumber: c.Number, Case: c, Write: w, Time: t}); err != nil {
		return nil, err
	}
	return c.Clone(), nil
}

// GetCase implements casemgmt.CaseStore.
func (s *FileStore) GetCase(ctx context.Context, id string) (*casemgmt.Case, error) {
	var out *casemgmt.Case
	err := s.view(ctx, func(st *fileState) error {
		c, ok := st.Cases[id]
		if !ok {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
		}
		out = c.Clone()
		return nil
	})
	return out, err
}

// GetCaseByNumber implements casemgmt.CaseStore.
func (s *FileStore) GetCaseByNumber(ctx context.Context, number string) (*casemgmt.Case, error) {
	var out *casemgmt.Case
	err := s.view(ctx, func(st *fileState) error {
		for _, c := range st.Cases {
			if c.Number == number {
				out = c.Clone()
				return nil
			}
		}
		return fmt.Errorf("%w: case number %q", casemgmt.ErrNotFound, number)
	})
	return out, err
}

// UpdateCase implements casemgmt.CaseStore.
func (s *FileStore) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	var out *casemgmt.Case
	err := s.update(ctx, func(st *fileState) error {
		old, ok := st.Cases[c.ID]
		if !ok {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, c.ID)
		}
		if old.Version != c.Version {
			return fmt.Errorf("%w: case %s is at version %d, not %d", casemgmt.ErrConflict, old.Number, old.Version, c.Version)
		}
		var err error
		out, err = s.replace(st, old, c.Clone(), &w)
		return err
	})
	if err == nil {
		*c = *out
	}
	return err
}

func (s *FileStore) replace(st *fileState, old, c *casemgmt.Case, w *casemgmt.Write) (*casemgmt.Case, error) {
	if other, dup := st.externalOwner(c.ExternalID); dup && c.ExternalID != "" && other != old.ID {
		return nil, fmt.Errorf("%w: external id %q", casemgmt.ErrDuplicate, c.ExternalID)
	}
	t := writeTime(w, s.clock())
	c.ID, c.Number, c.CreatedAt, c.Links = old.ID, old.Number, old.CreatedAt, old.Links
	c.Version = old.Version + 1
	c.UpdatedAt = t
	if c.Status == "" {
		c.Status = old.Status
	}
	st.Cases[c.ID] = c
	if err := s.journal(st, casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseUpdated, CaseID: c.ID, CaseNumber: c.Number, Case: c, Write: w, Time: t}); err != nil {
		return nil, err
	}
	return c.Clone(), nil
}

// UpsertCase implements casemgmt.CaseStore.
func (s *FileStore) UpsertCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := c.Validate(); err != nil {
		return false, err
	}
	if c.ExternalID == "" {
		return false, fmt.Errorf("%w: upsert needs an external id", casemgmt.ErrInvalid)
	}
	if err := w.Validate(); err != nil {
		return false, err
	}
	var out *casemgmt.Case
	var created bool
	err := s.update(ctx, func(st *fileState) error {
		var err error
		if id, ok := st.externalOwner(c.ExternalID); ok {
			out, err = s.replace(st, st.Cases[id], c.Clone(), &w)
			return err
		}
		created = true
		out, err = s.create(st, c.Clone(), &w)
		return err
	})
	if err != nil {
		return false, err
	}
	*c = *out
	return created, nil
}

// DeleteCase implements casemgmt.CaseStore.
func (s *FileStore) DeleteCase(ctx context.Context, id string, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(st *fileState) error {
		old, ok := st.Cases[id]
		if !ok {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
		}
		delete(st.Cases, id)
		return s.journal(st, casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseDeleted, CaseID: id, CaseNumber: old.Number, Write: &w, Time: writeTime(&w, s.clock())})
	})
}

// Relate implements casemgmt.CaseStore.
func (s *FileStore) Relate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	err := s.update(ctx, func(st *fileState) error {
		c, ok := st.Cases[caseID]
		if !ok {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, caseID)
		}
		if other, taken := st.linkOwner(l); taken && l.Kind.Unique() && other != caseID {
			return fmt.Errorf("%w: %s is linked to another case", casemgmt.ErrDuplicate, l)
		}
		if c.HasLink(l) {
			return errNothingToDo
		}
		c.Links = casemgmt.SortLinks(append(c.Links, l))
		return s.journal(st, casemgmt.FeedWrite{Kind: casemgmt.ChangeLinked, CaseID: caseID, CaseNumber: c.Number, Case: c, Link: &l, Write: &w, Time: writeTime(&w, s.clock())})
	})
	if errors.Is(err, errNothingToDo) {
		return nil
	}
	return err
}

// errNothingToDo ends an update that has nothing to write.
var errNothingToDo = errors.New("nothing to do")

// Unrelate implements casemgmt.CaseStore.
func (s *FileStore) Unrelate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(st *fileState) error {
		c, ok := st.Cases[caseID]
		if !ok {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, caseID)
		}
		i := slices.Index(c.Links, l)
		if i < 0 {
			return fmt.Errorf("%w: case %s has no link %s", casemgmt.ErrNotFound, c.Number, l)
		}
		c.Links = slices.Delete(c.Links, i, i+1)
		return s.journal(st, casemgmt.FeedWrite{Kind: casemgmt.ChangeUnlinked, CaseID: caseID, CaseNumber: c.Number, Case: c, Link: &l, Write: &w, Time: writeTime(&w, s.clock())})
	})
}

// findCases returns copies of the cases that keep returns true for, in
// creation order.
func (s *FileStore) findCases(ctx context.Context, keep func(c *casemgmt.Case) bool) ([]*casemgmt.Case, error) {
	var out []*casemgmt.Case
	err := s.view(ctx, func(st *fileState) error {
		for _, c := range st.Cases {
			if keep(c) {
				out = append(out, c.Clone())
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *casemgmt.Case) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, err
}

// FindCaseByConversation implements casemgmt.CaseStore.
func (s *FileStore) FindCaseByConversation(ctx context.Context, conversationID string) (*casemgmt.Case, error) {
	l := casemgmt.Link{Kind: casemgmt.LinkConversation, ID: conversationID}
	cs, err := s.findCases(ctx, func(c *casemgmt.Case) bool { return c.HasLink(l) })
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: no case for conversation %q", casemgmt.ErrNotFound, conversationID)
	}
	return cs[0], nil
}

// FindCasesByMessageID implements casemgmt.CaseStore.
func (s *FileStore) FindCasesByMessageID(ctx context.Context, messageIDs []string) ([]*casemgmt.Case, error) {
	return s.findCases(ctx, func(c *casemgmt.Case) bool {
		return slices.ContainsFunc(messageIDs, func(id string) bool {
			return c.HasLink(casemgmt.Link{Kind: casemgmt.LinkEmail, ID: id})
		})
	})
}

func checkFilter(f casemgmt.Filter) error {
	if f.Limit < 0 {
		return fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	for _, st := range f.Statuses {
		if !st.Valid() {
			return fmt.Errorf("%w: unknown status %q", casemgmt.ErrInvalid, st)
		}
	}
	return nil
}

func passes(f casemgmt.Filter, c *casemgmt.Case) bool {
	return len(f.Statuses) == 0 || slices.Contains(f.Statuses, c.Status)
}

func limit[T any](xs []T, n int) []T {
	if n > 0 && len(xs) > n {
		return xs[:n]
	}
	return xs
}

// FindCasesByContact implements casemgmt.CaseStore.
func (s *FileStore) FindCasesByContact(ctx context.Context, contactID string, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	l := casemgmt.Link{Kind: casemgmt.LinkContact, ID: contactID}
	cs, err := s.findCases(ctx, func(c *casemgmt.Case) bool {
		return (c.ContactID == contactID || c.HasLink(l)) && passes(f, c)
	})
	return limit(cs, f.Limit), err
}

// FindDueCases implements casemgmt.CaseStore.
func (s *FileStore) FindDueCases(ctx context.Context, before time.Time, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	cs, err := s.findCases(ctx, func(c *casemgmt.Case) bool {
		return !c.NextDueAt.IsZero() && !c.NextDueAt.After(before) && passes(f, c)
	})
	slices.SortStableFunc(cs, func(a, b *casemgmt.Case) int {
		if c := a.NextDueAt.Compare(b.NextDueAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return limit(cs, f.Limit), err
}

// CreateContact implements casemgmt.ContactStore.
func (s *FileStore) CreateContact(ctx context.Context, c *casemgmt.Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil || (c.Name == "" && c.Email == "" && c.Phone == "") {
		return fmt.Errorf("%w: a contact needs a name, an email or a phone", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("contact", c); err != nil {
		return err
	}
	stored := *c
	err := s.update(ctx, func(st *fileState) error {
		if _, dup := st.Contacts[stored.ID]; dup && stored.ID != "" {
			return fmt.Errorf("%w: contact %q", casemgmt.ErrDuplicate, stored.ID)
		}
		if email := channel.NormalizeEmail(stored.Email); email != "" {
			for _, o := range st.Contacts {
				if channel.NormalizeEmail(o.Email) == email {
					return fmt.Errorf("%w: a contact with email %q", casemgmt.ErrDuplicate, email)
				}
			}
		}
		if stored.ID == "" {
			stored.ID = casemgmt.NewID("contact_")
		}
		if stored.CreatedAt.IsZero() {
			stored.CreatedAt = s.clock()
		}
		st.Contacts[stored.ID] = &stored
		return nil
	})
	if err == nil {
		c.ID, c.CreatedAt = stored.ID, stored.CreatedAt
	}
	return err
}

// GetContact implements casemgmt.ContactStore.
func (s *FileStore) GetContact(ctx context.Context, id string) (*casemgmt.Contact, error) {
	var out casemgmt.Contact
	err := s.view(ctx, func(st *fileState) error {
		c, ok := st.Contacts[id]
		if !ok {
			return fmt.Errorf("%w: contact %q", casemgmt.ErrNotFound, id)
		}
		out = *c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// FindContacts implements casemgmt.ContactStore.
func (s *FileStore) FindContacts(ctx context.Context, q predict.ContactQuery) ([]casemgmt.Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Email == "" && q.Phone == "" && q.Name == "" {
		return nil, fmt.Errorf("%w: a contact query needs an email, a phone or a name", casemgmt.ErrInvalid)
	}
	// Text that could not be stored matches nothing, also where
	// normalizing would have replaced its invalid bytes.
	if casemgmt.ValidateText("contact query", []string{q.Email, q.Phone, q.Name}) != nil {
		return nil, nil
	}
	var out []casemgmt.Contact
	err := s.view(ctx, func(st *fileState) error {
		for _, c := range st.Contacts {
			if casemgmt.MatchContact(c, q) {
				out = append(out, *c)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b casemgmt.Contact) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// ListAudit implements casemgmt.Journal.
func (s *FileStore) ListAudit(ctx context.Context, caseID string) ([]casemgmt.AuditEntry, error) {
	var out []casemgmt.AuditEntry
	err := s.view(ctx, func(st *fileState) error {
		for _, e := range st.Audit {
			if e.CaseID == caseID {
				out = append(out, e.Clone())
			}
		}
		return nil
	})
	return out, err
}

// AddInteraction implements casemgmt.Journal.
func (s *FileStore) AddInteraction(ctx context.Context, in *casemgmt.Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	stored := in.Clone()
	err := s.update(ctx, func(st *fileState) error {
		if stored.ID != "" && st.hasInteraction(stored.ID) {
			return fmt.Errorf("%w: interaction %q", casemgmt.ErrDuplicate, stored.ID)
		}
		st.addInteraction(stored, s.clock())
		return nil
	})
	if err == nil {
		in.ID, in.Time = stored.ID, stored.Time
	}
	return err
}

// ListInteractions implements casemgmt.Journal.
func (s *FileStore) ListInteractions(ctx context.Context, q casemgmt.InteractionQuery) ([]casemgmt.Interaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	var out []casemgmt.Interaction
	err := s.view(ctx, func(st *fileState) error {
		for _, in := range st.Interactions { // in the order recorded
			if q.Match(in) {
				out = append(out, *in.Clone())
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b casemgmt.Interaction) int { return a.Time.Compare(b.Time) })
	return limit(out, q.Limit), err
}

// UseKey implements casemgmt.Coordinator.
func (s *FileStore) UseKey(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if key == "" {
		return false, fmt.Errorf("%w: empty idempotency key", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("idempotency key", key); err != nil {
		return false, err
	}
	err := s.update(ctx, func(st *fileState) error {
		if _, used := st.Keys[key]; used {
			return errNothingToDo
		}
		st.Keys[key] = s.clock()
		return nil
	})
	if errors.Is(err, errNothingToDo) {
		return false, nil
	}
	return err == nil, err
}

// AcquireClaim implements casemgmt.Coordinator.
func (s *FileStore) AcquireClaim(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if name == "" || owner == "" || ttl <= 0 {
		return false, fmt.Errorf("%w: a claim needs a name, an owner and a positive ttl", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("claim name and owner", []string{name, owner}); err != nil {
		return false, err
	}
	err := s.update(ctx, func(st *fileState) error {
		now := s.now()
		if c, ok := st.Claims[name]; ok && c.Owner != owner && now.Before(c.Expires) {
			return errNothingToDo
		}
		st.Claims[name] = fileClaim{Owner: owner, Expires: now.Add(ttl)}
		return nil
	})
	if errors.Is(err, errNothingToDo) {
		return false, nil
	}
	return err == nil, err
}

// ReleaseClaim implements casemgmt.Coordinator.
func (s *FileStore) ReleaseClaim(ctx context.Context, name, owner string) error {
	err := s.update(ctx, func(st *fileState) error {
		if c, ok := st.Claims[name]; !ok || c.Owner != owner {
			return errNothingToDo
		}
		delete(st.Claims, name)
		return nil
	})
	if errors.Is(err, errNothingToDo) {
		return nil
	}
	return err
}

// GetState implements casemgmt.Coordinator.
func (s *FileStore) GetState(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := s.view(ctx, func(st *fileState) error {
		v, ok := st.State[key]
		if !ok {
			return fmt.Errorf("%w: state %q", casemgmt.ErrNotFound, key)
		}
		out = slices.Clone(v)
		if out == nil {
			out = []byte{}
		}
		return nil
	})
	return out, err
}

// PutState implements casemgmt.Coordinator.
func (s *FileStore) PutState(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("%w: empty state key", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("state key", key); err != nil {
		return err
	}
	return s.update(ctx, func(st *fileState) error {
		st.State[key] = slices.Clone(value)
		return nil
	})
}

// ListCases implements casemgmt.Lister: it filters and sorts all cases,
// which is fine for a few thousand; a database adapter runs one indexed
// query from the cursor's (created_at, id) instead (see
// casemgmt/sqlstore).
func (s *FileStore) ListCases(ctx context.Context, q casemgmt.ListQuery) (casemgmt.CasePage, error) {
	pos, err := q.Start(ctx)
	if err != nil {
		return casemgmt.CasePage{}, err
	}
	cs, err := s.findCases(ctx, func(c *casemgmt.Case) bool { return q.Match(c, pos) })
	slices.SortFunc(cs, q.Compare)
	return q.Page(limit(cs, q.PageSize()+1)), err
}

// ReadChanges implements casemgmt.Feed. Feed entries are numbered in
// update, which runs one write at a time, so numbers follow the order of
// commits; a database adapter numbers them from a counter row that each
// write updates last in its transaction (see casemgmt/sqlstore).
func (s *FileStore) ReadChanges(ctx context.Context, after int64, n int) ([]casemgmt.FeedEntry, error) {
	most, err := casemgmt.StartReadChanges(ctx, after, n)
	if err != nil {
		return nil, err
	}
	var out []casemgmt.FeedEntry
	err = s.view(ctx, func(st *fileState) error {
		if after < st.FeedPurged {
			return fmt.Errorf("%w: after %d, up to %d", casemgmt.ErrChangesPurged, after, st.FeedPurged)
		}
		for _, e := range st.Feed {
			if e.Seq > after && len(out) < most {
				out = append(out, e.Clone())
			}
		}
		return nil
	})
	return out, err
}

// LastChange implements casemgmt.Feed.
func (s *FileStore) LastChange(ctx context.Context) (int64, error) {
	var n int64
	err := s.view(ctx, func(st *fileState) error {
		n = st.LastFeed
		return nil
	})
	return n, err
}

// Purge implements casemgmt.Purger.
func (s *FileStore) Purge(ctx context.Context, before time.Time) (casemgmt.PurgeResult, error) {
	var r casemgmt.PurgeResult
	if before.IsZero() {
		return r, fmt.Errorf("%w: purge without a time", casemgmt.ErrInvalid)
	}
	err := s.update(ctx, func(st *fileState) error {
		r = casemgmt.PurgeResult{}
		for k, used := range st.Keys {
			if used.Before(before) {
				delete(st.Keys, k)
				r.Keys++
			}
		}
		n := len(st.Interactions)
		st.Interactions = slices.DeleteFunc(st.Interactions, func(in *casemgmt.Interaction) bool { return in.Time.Before(before) })
		r.Interactions = int64(n - len(st.Interactions))
		i := 0
		for i < len(st.Feed) && st.Feed[i].Time.Before(before) {
			i++
		}
		if i > 0 {
			st.FeedPurged = st.Feed[i-1].Seq
			st.Feed = st.Feed[i:]
			r.Changes = int64(i)
		}
		return nil
	})
	return r, err
}
