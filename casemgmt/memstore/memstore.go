package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/knowledge"
)

// Store is an in-memory casemgmt.Store. It is safe for concurrent use.
// The zero value is not usable; call New.
type Store struct {
	now  func() time.Time
	hook casemgmt.ChangeHook

	mu         sync.RWMutex
	cases      map[string]*casemgmt.Case
	byNumber   map[string]string
	byExternal map[string]string
	byLink     map[casemgmt.Link]string       // conversation and email links
	byContact  map[string]map[string]struct{} // contact id -> case ids
	due        dueIndex                       // by time, then id
	byCreated  dueIndex                       // by CreatedAt, then id
	lastNumber int64

	contacts  map[string]*casemgmt.Contact
	byEmail   map[string]string              // normalized email -> contact id
	byName    map[string]map[string]struct{} // normalized name -> contact ids
	byPhone   map[string]map[string]struct{} // phone key -> contact ids
	audit     map[string][]casemgmt.AuditEntry
	lastSeq   int64
	inters    []*interaction // by time, then seq
	interByID map[string]struct{}
	interCase map[string][]*interaction // case id -> by time, then seq
	lastInter int64

	keys   map[string]time.Time // key -> when it was used
	claims map[string]claim
	state  map[string][]byte

	kb         knowledge.Index      // knowledge articles (knowledge.go); locks itself
	feed       []casemgmt.FeedEntry // by Seq, consecutive
	lastFeed   int64                // Seq of the newest entry
	feedPurged int64                // highest Seq purged
}

type dueEntry struct {
	at time.Time
	id string
}

func compareDue(a, b dueEntry) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

type interaction struct {
	seq int64
	in  *casemgmt.Interaction
}

func compareInter(a, b *interaction) int {
	if c := a.in.Time.Compare(b.in.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

type claim struct {
	owner   string
	expires time.Time
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from now: for the times of
// writes that carry none, contacts' creation, and claim expiry.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// WithChangeHook makes the store call hook after each write it commits,
// with the feed entries the write appended (see casemgmt.ChangeHook).
func WithChangeHook(hook casemgmt.ChangeHook) Option {
	return func(s *Store) { s.hook = hook }
}

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		now:        time.Now,
		cases:      map[string]*casemgmt.Case{},
		byNumber:   map[string]string{},
		byExternal: map[string]string{},
		byLink:     map[casemgmt.Link]string{},
		byContact:  map[string]map[string]struct{}{},
		contacts:   map[string]*casemgmt.Contact{},
		byEmail:    map[string]string{},
		byName:     map[string]map[string]struct{}{},
		byPhone:    map[string]map[string]struct{}{},
		audit:      map[string][]casemgmt.AuditEntry{},
		interByID:  map[string]struct{}{},
		interCase:  map[string][]*interaction{},
		keys:       map[string]time.Time{},
		claims:     map[string]claim{},
		state:      map[string][]byte{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

var (
	_ casemgmt.Store  = (*Store)(nil)
	_ casemgmt.Lister = (*Store)(nil)
	_ casemgmt.Feed   = (*Store)(nil)
	_ casemgmt.Purger = (*Store)(nil)
)

// lock takes the write lock; the function it returns releases it and then
// calls the change hook with the feed entries appended meanwhile.
func (s *Store) lock(ctx context.Context) (unlock func()) {
	s.mu.Lock()
	mark := s.lastFeed
	return func() {
		var news []casemgmt.FeedEntry
		if s.hook != nil && s.lastFeed > mark {
			n := int(s.lastFeed - mark)
			news = make([]casemgmt.FeedEntry, n)
			for i, e := range s.feed[len(s.feed)-n:] {
				news[i] = e.Clone()
			}
		}
		s.mu.Unlock()
		if news != nil {
			s.hook(ctx, news)
		}
	}
}

// clock returns the store's time, to the microsecond, as every store keeps
// times.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Store) writeTime(w *casemgmt.Write) time.Time {
	if w.Time.IsZero() {
		return s.clock()
	}
	return w.Time
}

// checkDupInteraction checks what fails with ErrDuplicate or ErrKeyUsed, in the
// order of the contract; the caller holds the lock.
func (s *Store) checkDupInteraction(w *casemgmt.Write) error {
	if w.Interaction != nil && w.Interaction.ID != "" {
		if _, dup := s.interByID[w.Interaction.ID]; dup {
			return fmt.Errorf("%w: interaction %q", casemgmt.ErrDuplicate, w.Interaction.ID)
		}
	}
	return nil
}

func (s *Store) checkKey(w *casemgmt.Write) error {
	if w.Key == "" {
		return nil
	}
	if _, used := s.keys[w.Key]; used {
		return casemgmt.ErrKeyUsed
	}
	return nil
}

// journal writes the key, audit entries, interaction and feed entries of
// the write fw describes; the caller holds the lock and has checked them.
func (s *Store) journal(fw casemgmt.FeedWrite) {
	caseID, w, t := fw.CaseID, fw.Write, fw.Time
	if w.Key != "" {
		s.keys[w.Key] = s.clock()
	}
	for _, e := range casemgmt.NewFeedEntries(fw) {
		s.lastFeed++
		e.Seq = s.lastFeed
		s.feed = append(s.feed, e)
	}
	for _, e := range w.Audit {
		e = e.Clone()
		s.lastSeq++
		e.Seq = s.lastSeq
		e.CaseID = caseID
		if e.Time.IsZero() {
			e.Time = t
		}
		s.audit[caseID] = append(s.audit[caseID], e)
	}
	if w.Interaction != nil {
		in := w.Interaction.Clone()
		if in.CaseID == "" {
			in.CaseID = caseID
		}
		s.addInteraction(in, t)
	}
}

func (s *Store) addInteraction(in *casemgmt.Interaction, t time.Time) {
	if in.ID == "" {
		in.ID = casemgmt.NewID("ia_")
	}
	if in.Time.IsZero() {
		in.Time = t
	}
	s.lastInter++
	e := &interaction{seq: s.lastInter, in: in}
	s.inters = insertSorted(s.inters, e, compareInter)
	if in.CaseID != "" {
		s.interCase[in.CaseID] = insertSorted(s.interCase[in.CaseID], e, compareInter)
	}
	s.interByID[in.ID] = struct{}{}
}

func insertSorted[T any](xs []T, x T, cmp func(a, b T) int) []T {
	i, _ := slices.BinarySearchFunc(xs, x, cmp)
	return slices.Insert(xs, i, x)
}

// contactIDs returns the contacts a case is indexed under.
func contactIDs(c *casemgmt.Case) []string {
	ids := c.LinkIDs(casemgmt.LinkContact)
	if c.ContactID != "" {
		ids = append(ids, c.ContactID)
	}
	return ids
}

// index adds c to the secondary indexes; unindex removes it.
func (s *Store) index(c *casemgmt.Case) {
	s.byCreated.insert(dueEntry{c.CreatedAt, c.ID})
	s.byNumber[c.Number] = c.ID
	if c.ExternalID != "" {
		s.byExternal[c.ExternalID] = c.ID
	}
	for _, l := range c.Links {
		if l.Kind.Unique() {
			s.byLink[l] = c.ID
		}
	}
	for _, id := range contactIDs(c) {
		set := s.byContact[id]
		if set == nil {
			set = map[string]struct{}{}
			s.byContact[id] = set
		}
		set[c.ID] = struct{}{}
	}
	if !c.NextDueAt.IsZero() {
		s.due.insert(dueEntry{c.NextDueAt, c.ID})
	}
}

func (s *Store) unindex(c *casemgmt.Case) {
	s.byCreated.delete(dueEntry{c.CreatedAt, c.ID})
	delete(s.byNumber, c.Number)
	if c.ExternalID != "" {
		delete(s.byExternal, c.ExternalID)
	}
	for _, l := range c.Links {
		if l.Kind.Unique() {
			delete(s.byLink, l)
		}
	}
	for _, id := range contactIDs(c) {
		if set := s.byContact[id]; set != nil {
			delete(set, c.ID)
			if len(set) == 0 {
				delete(s.byContact, id)
			}
		}
	}
	if !c.NextDueAt.IsZero() {
		s.due.delete(dueEntry{c.NextDueAt, c.ID})
	}
}

func (s *Store) checkLinksFree(caseID string, links []casemgmt.Link) error {
	for _, l := range links {
		if !l.Kind.Unique() {
			continue
		}
		if other, ok := s.byLink[l]; ok && other != caseID {
			return fmt.Errorf("%w: %s is linked to another case", casemgmt.ErrDuplicate, l)
		}
	}
	return nil
}

// beginCaseWrite runs the checks every write of a whole case starts with,
// in the order of the Store contract (context, case, write), and takes the
// lock; the caller releases it with unlock.
func (s *Store) beginCaseWrite(ctx context.Context, c *casemgmt.Case, w *casemgmt.Write) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	unlock = s.lock(ctx)
	if err := w.Validate(); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

// CreateCase implements casemgmt.CaseStore.
func (s *Store) CreateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	unlock, err := s.beginCaseWrite(ctx, c, &w)
	if err != nil {
		return err
	}
	defer unlock()
	return s.create(c, &w)
}

// create stores a new case; the caller holds the lock and has checked c
// and w's form.
func (s *Store) create(c *casemgmt.Case, w *casemgmt.Write) error {
	if c.ID != "" {
		if _, dup := s.cases[c.ID]; dup {
			return fmt.Errorf("%w: case %q", casemgmt.ErrDuplicate, c.ID)
		}
	}
	if c.ExternalID != "" {
		if _, dup := s.byExternal[c.ExternalID]; dup {
			return fmt.Errorf("%w: external id %q", casemgmt.ErrDuplicate, c.ExternalID)
		}
	}
	links := casemgmt.SortLinks(slices.Clone(c.Links))
	if err := s.checkLinksFree("", links); err != nil {
		return err
	}
	if err := s.checkDupInteraction(w); err != nil {
		return err
	}
	if err := s.checkKey(w); err != nil {
		return err
	}
	t := s.writeTime(w)
	if c.ID == "" {
		c.ID = casemgmt.NewID("case_")
	}
	s.lastNumber++
	c.Number = casemgmt.FormatNumber(s.lastNumber)
	c.Version = 1
	if c.Status == "" {
		c.Status = casemgmt.StatusActive
	}
	c.CreatedAt, c.UpdatedAt = t, t
	c.Links = links
	stored := c.Clone()
	s.cases[c.ID] = stored
	s.index(stored)
	s.journal(casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseCreated, CaseID: c.ID, CaseNumber: c.Number, Case: stored, Write: w, Time: t})
	return nil
}

// GetCase implements casemgmt.CaseStore.
func (s *Store) GetCase(ctx context.Context, id string) (*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.cases[id]
	if !ok {
		return nil, fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
	}
	return c.Clone(), nil
}

// GetCaseByNumber implements casemgmt.CaseStore.
func (s *Store) GetCaseByNumber(ctx context.Context, number string) (*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byNumber[number]
	if !ok {
		return nil, fmt.Errorf("%w: case number %q", casemgmt.ErrNotFound, number)
	}
	return s.cases[id].Clone(), nil
}

// UpdateCase implements casemgmt.CaseStore.
func (s *Store) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	unlock, err := s.beginCaseWrite(ctx, c, &w)
	if err != nil {
		return err
	}
	defer unlock()
	old, ok := s.cases[c.ID]
	if !ok {
		return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, c.ID)
	}
	if c.Version != old.Version {
		return fmt.Errorf("%w: case %s is at version %d, not %d", casemgmt.ErrConflict, old.Number, old.Version, c.Version)
	}
	return s.replace(old, c, &w)
}

// replace stores c over old; the caller holds the lock and has checked
// the version.
func (s *Store) replace(old, c *casemgmt.Case, w *casemgmt.Write) error {
	if c.ExternalID != "" {
		if other, dup := s.byExternal[c.ExternalID]; dup && other != old.ID {
			return fmt.Errorf("%w: external id %q", casemgmt.ErrDuplicate, c.ExternalID)
		}
	}
	if err := s.checkDupInteraction(w); err != nil {
		return err
	}
	if err := s.checkKey(w); err != nil {
		return err
	}
	t := s.writeTime(w)
	c.ID = old.ID
	c.Number = old.Number
	c.CreatedAt = old.CreatedAt
	c.Links = slices.Clone(old.Links)
	c.Version = old.Version + 1
	c.UpdatedAt = t
	if c.Status == "" {
		c.Status = old.Status
	}
	stored := c.Clone()
	s.unindex(old)
	s.cases[c.ID] = stored
	s.index(stored)
	s.journal(casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseUpdated, CaseID: c.ID, CaseNumber: c.Number, Case: stored, Write: w, Time: t})
	return nil
}

// UpsertCase implements casemgmt.CaseStore.
func (s *Store) UpsertCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := c.Validate(); err != nil {
		return false, err
	}
	if c.ExternalID == "" {
		return false, fmt.Errorf("%w: upsert needs an external id", casemgmt.ErrInvalid)
	}
	defer s.lock(ctx)()
	if err := w.Validate(); err != nil {
		return false, err
	}
	id, ok := s.byExternal[c.ExternalID]
	if !ok {
		if err := s.create(c, &w); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, s.replace(s.cases[id], c, &w)
}

// DeleteCase implements casemgmt.CaseStore.
func (s *Store) DeleteCase(ctx context.Context, id string, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer s.lock(ctx)()
	if err := w.Validate(); err != nil {
		return err
	}
	old, ok := s.cases[id]
	if !ok {
		return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
	}
	if err := s.checkDupInteraction(&w); err != nil {
		return err
	}
	if err := s.checkKey(&w); err != nil {
		return err
	}
	s.unindex(old)
	delete(s.cases, id)
	s.journal(casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseDeleted, CaseID: id, CaseNumber: old.Number, Write: &w, Time: s.writeTime(&w)})
	return nil
}

// Relate implements casemgmt.CaseStore.
func (s *Store) Relate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	return s.changeLinks(ctx, linkEdit{caseID, l, casemgmt.ChangeLinked}, w, func(c *casemgmt.Case) (bool, error) {
		if err := s.checkLinksFree(caseID, []casemgmt.Link{l}); err != nil {
			return false, err
		}
		if c.HasLink(l) {
			return false, nil
		}
		c.Links = casemgmt.SortLinks(append(slices.Clone(c.Links), l))
		return true, nil
	})
}

// Unrelate implements casemgmt.CaseStore.
func (s *Store) Unrelate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	return s.changeLinks(ctx, linkEdit{caseID, l, casemgmt.ChangeUnlinked}, w, func(c *casemgmt.Case) (bool, error) {
		i := slices.Index(c.Links, l)
		if i < 0 {
			return false, fmt.Errorf("%w: case %s has no link %s", casemgmt.ErrNotFound, c.Number, l)
		}
		c.Links = slices.Delete(slices.Clone(c.Links), i, i+1)
		return true, nil
	})
}

// linkEdit names what Relate or Unrelate changes: the link l of case
// caseID, journaled as kind k.
type linkEdit struct {
	caseID string
	l      casemgmt.Link
	k      casemgmt.ChangeKind
}

// changeLinks is Relate and Unrelate: the checks in the order the Store
// contract gives, then change, which edits the links of a copy of the case
// and reports whether anything is to be written, under the lock.
func (s *Store) changeLinks(ctx context.Context, e linkEdit, w casemgmt.Write, change func(c *casemgmt.Case) (bool, error)) error {
	caseID, l, k := e.caseID, e.l, e.k
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	defer s.lock(ctx)()
	if err := w.Validate(); err != nil {
		return err
	}
	c, ok := s.cases[caseID]
	if !ok {
		return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, caseID)
	}
	edited := *c
	write, err := change(&edited)
	if err != nil || !write {
		return err
	}
	if err := s.checkDupInteraction(&w); err != nil {
		return err
	}
	if err := s.checkKey(&w); err != nil {
		return err
	}
	s.unindex(c)
	c.Links = edited.Links
	s.index(c)
	s.journal(casemgmt.FeedWrite{Kind: k, CaseID: caseID, CaseNumber: c.Number, Case: c, Link: &l, Write: &w, Time: s.writeTime(&w)})
	return nil
}

// FindCaseByConversation implements casemgmt.CaseStore.
func (s *Store) FindCaseByConversation(ctx context.Context, conversationID string) (*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byLink[casemgmt.Link{Kind: casemgmt.LinkConversation, ID: conversationID}]
	if !ok {
		return nil, fmt.Errorf("%w: no case for conversation %q", casemgmt.ErrNotFound, conversationID)
	}
	return s.cases[id].Clone(), nil
}

func compareCases(a, b *casemgmt.Case) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// FindCasesByMessageID implements casemgmt.CaseStore.
func (s *Store) FindCasesByMessageID(ctx context.Context, messageIDs []string) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[string]bool{}
	var out []*casemgmt.Case
	for _, m := range messageIDs {
		id, ok := s.byLink[casemgmt.Link{Kind: casemgmt.LinkEmail, ID: m}]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, s.cases[id].Clone())
	}
	slices.SortFunc(out, compareCases)
	return out, nil
}

func (f *filterSet) pass(c *casemgmt.Case) bool {
	return len(f.statuses) == 0 || f.statuses[c.Status]
}

type filterSet struct{ statuses map[casemgmt.Status]bool }

func newFilter(f casemgmt.Filter) (*filterSet, error) {
	if f.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	fs := &filterSet{}
	if len(f.Statuses) > 0 {
		fs.statuses = map[casemgmt.Status]bool{}
		for _, st := range f.Statuses {
			if !st.Valid() {
				return nil, fmt.Errorf("%w: unknown status %q", casemgmt.ErrInvalid, st)
			}
			fs.statuses[st] = true
		}
	}
	return fs, nil
}

// FindCasesByContact implements casemgmt.CaseStore.
func (s *Store) FindCasesByContact(ctx context.Context, contactID string, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fs, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*casemgmt.Case
	for id := range s.byContact[contactID] {
		if c := s.cases[id]; fs.pass(c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, compareCases)
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	for i := range out {
		out[i] = out[i].Clone()
	}
	return out, nil
}

// FindDueCases implements casemgmt.CaseStore.
func (s *Store) FindDueCases(ctx context.Context, before time.Time, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fs, err := newFilter(f)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*casemgmt.Case
	s.due.ascend(func(d dueEntry) bool {
		if d.at.After(before) || (f.Limit > 0 && len(out) == f.Limit) {
			return false
		}
		if c := s.cases[d.id]; fs.pass(c) {
			out = append(out, c.Clone())
		}
		return true
	})
	return out, nil
}

// CreateContact implements casemgmt.ContactStore.
func (s *Store) CreateContact(ctx context.Context, c *casemgmt.Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil || (c.Name == "" && c.Email == "" && c.Phone == "") {
		return fmt.Errorf("%w: a contact needs a name, an email or a phone", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("contact", c); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID != "" {
		if _, dup := s.contacts[c.ID]; dup {
			return fmt.Errorf("%w: contact %q", casemgmt.ErrDuplicate, c.ID)
		}
	}
	email := channel.NormalizeEmail(c.Email)
	if email != "" {
		if _, dup := s.byEmail[email]; dup {
			return fmt.Errorf("%w: a contact with email %q", casemgmt.ErrDuplicate, email)
		}
	}
	if c.ID == "" {
		c.ID = casemgmt.NewID("contact_")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.clock()
	}
	stored := *c
	s.contacts[c.ID] = &stored
	if email != "" {
		s.byEmail[email] = c.ID
	}
	addToSet(s.byName, casemgmt.NormalizeName(c.Name), c.ID)
	addToSet(s.byPhone, casemgmt.PhoneKey(c.Phone), c.ID)
	return nil
}

func addToSet(m map[string]map[string]struct{}, key, id string) {
	if key == "" {
		return
	}
	set := m[key]
	if set == nil {
		set = map[string]struct{}{}
		m[key] = set
	}
	set[id] = struct{}{}
}

// GetContact implements casemgmt.ContactStore.
func (s *Store) GetContact(ctx context.Context, id string) (*casemgmt.Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.contacts[id]
	if !ok {
		return nil, fmt.Errorf("%w: contact %q", casemgmt.ErrNotFound, id)
	}
	cp := *c
	return &cp, nil
}

// FindContacts implements casemgmt.ContactStore.
func (s *Store) FindContacts(ctx context.Context, q predict.ContactQuery) ([]casemgmt.Contact, error) {
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
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Candidates from the most selective index set in q.
	var cands []string
	switch {
	case q.Email != "":
		if id, ok := s.byEmail[channel.NormalizeEmail(q.Email)]; ok {
			cands = []string{id}
		}
	case q.Phone != "":
		for id := range s.byPhone[casemgmt.PhoneKey(q.Phone)] {
			cands = append(cands, id)
		}
	default:
		for id := range s.byName[casemgmt.NormalizeName(q.Name)] {
			cands = append(cands, id)
		}
	}
	var out []casemgmt.Contact
	for _, id := range cands {
		if c := s.contacts[id]; casemgmt.MatchContact(c, q) {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b casemgmt.Contact) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ListAudit implements casemgmt.Journal.
func (s *Store) ListAudit(ctx context.Context, caseID string) ([]casemgmt.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	es := s.audit[caseID]
	out := make([]casemgmt.AuditEntry, len(es))
	for i := range es {
		out[i] = es[i].Clone()
	}
	return out, nil
}

// AddInteraction implements casemgmt.Journal.
func (s *Store) AddInteraction(ctx context.Context, in *casemgmt.Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.ID != "" {
		if _, dup := s.interByID[in.ID]; dup {
			return fmt.Errorf("%w: interaction %q", casemgmt.ErrDuplicate, in.ID)
		}
	}
	stored := in.Clone()
	s.addInteraction(stored, s.clock())
	in.ID, in.Time = stored.ID, stored.Time
	return nil
}

// ListInteractions implements casemgmt.Journal.
func (s *Store) ListInteractions(ctx context.Context, q casemgmt.InteractionQuery) ([]casemgmt.Interaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	src := s.inters
	if q.CaseID != "" {
		src = s.interCase[q.CaseID]
	}
	var out []casemgmt.Interaction
	for _, e := range src {
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		if q.Match(e.in) {
			out = append(out, *e.in.Clone())
		}
	}
	return out, nil
}

// UseKey implements casemgmt.Coordinator.
func (s *Store) UseKey(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if key == "" {
		return false, fmt.Errorf("%w: empty idempotency key", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("idempotency key", key); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, used := s.keys[key]; used {
		return false, nil
	}
	s.keys[key] = s.clock()
	return true, nil
}

// AcquireClaim implements casemgmt.Coordinator.
func (s *Store) AcquireClaim(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if name == "" || owner == "" || ttl <= 0 {
		return false, fmt.Errorf("%w: a claim needs a name, an owner and a positive ttl", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("claim name and owner", []string{name, owner}); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if c, ok := s.claims[name]; ok && c.owner != owner && now.Before(c.expires) {
		return false, nil
	}
	s.claims[name] = claim{owner: owner, expires: now.Add(ttl)}
	return true, nil
}

// ReleaseClaim implements casemgmt.Coordinator.
func (s *Store) ReleaseClaim(ctx context.Context, name, owner string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.claims[name]; ok && c.owner == owner {
		delete(s.claims, name)
	}
	return nil
}

// GetState implements casemgmt.Coordinator.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.state[key]
	if !ok {
		return nil, fmt.Errorf("%w: state %q", casemgmt.ErrNotFound, key)
	}
	return slices.Clone(v), nil
}

// PutState implements casemgmt.Coordinator.
func (s *Store) PutState(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("%w: empty state key", casemgmt.ErrInvalid)
	}
	if err := casemgmt.ValidateText("state key", key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := slices.Clone(value)
	if v == nil {
		v = []byte{}
	}
	s.state[key] = v
	return nil
}

// Ping implements casemgmt.Pinger: a memory store is always ready.
func (s *Store) Ping(ctx context.Context) error { return ctx.Err() }

var _ casemgmt.Pinger = (*Store)(nil)
