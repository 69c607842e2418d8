package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

// Store is a casemgmt.Store on SQLite or PostgreSQL. It is safe for
// concurrent use, and several Stores (in one process or many) may share
// one database: every change is one transaction that checks what it relies
// on (versions in the UPDATE's WHERE clause, unique keys for links,
// idempotency keys and contact emails, conditional upserts for claims).
type Store struct {
	w, r *sql.DB // writes and transactions; plain reads (the same for New)
	rq   querier // reads: r, through rcache for SQLite
	// Prepared statements of w and r (SQLite only, nil otherwise).
	wcache, rcache *stmtCache
	dialect        Dialect
	cfg            config
	log            *slog.Logger
	owned          []*sql.DB
	names          *tableNames
}

var (
	_ casemgmt.Store  = (*Store)(nil)
	_ casemgmt.Pinger = (*Store)(nil)
)

// WithClock makes the Store read the time from now: for writes that carry
// none, contacts' creation, interactions without a time, and claim expiry.
// The default is time.Now. Processes sharing a database should have their
// clocks synchronised well within the ttl of their claims.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// clock returns the store's time to the microsecond, as memstore does.
func (s *Store) clock() time.Time { return s.cfg.now().UTC().Truncate(time.Microsecond) }

func (s *Store) writeTime(w *casemgmt.Write) time.Time {
	if w.Time.IsZero() {
		return s.clock()
	}
	return w.Time
}

// errNoop ends a transaction that has nothing to write; the method then
// returns nil.
var errNoop = errors.New("sqlstore: nothing to write")

// checkWrite validates what can be wrong in a write before touching the
// database. Errors wrap casemgmt.ErrInvalid.
func checkWrite(w *casemgmt.Write) error {
	if err := w.Validate(); err != nil {
		return err
	}
	for i := range w.Audit {
		if _, err := nanos(w.Audit[i].Time, "audit time"); err != nil {
			return err
		}
	}
	if w.Interaction != nil {
		if _, err := nanos(w.Interaction.Time, "interaction time"); err != nil {
			return err
		}
	}
	_, err := nanos(w.Time, "write time")
	return err
}

// caseWrite is a write w to case caseID at time t.
type caseWrite struct {
	caseID string
	w      *casemgmt.Write
	t      time.Time
}

// journal writes a write's interaction, idempotency key, audit entries and
// feed entries (made by casemgmt.NewFeedEntries; journal numbers them) in
// tx, in the order the contract checks them: a duplicate interaction id
// (ErrDuplicate), then a used key (ErrKeyUsed). The feed comes last: its
// counter is the last lock every write takes (see appendFeed).
func (s *Store) journal(ctx context.Context, tx querier, cw caseWrite, feed []casemgmt.FeedEntry) error {
	caseID, w, t := cw.caseID, cw.w, cw.t
	if w.Interaction != nil {
		in := w.Interaction.Clone()
		if in.CaseID == "" {
			in.CaseID = caseID
		}
		if in.ID == "" {
			in.ID = casemgmt.NewID("ia_")
		}
		if in.Time.IsZero() {
			in.Time = t
		}
		if err := insertInteraction(ctx, tx, in); err != nil {
			return err
		}
	}
	if w.Key != "" {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO {idempotency_keys} (key, used_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
			w.Key, s.clock().UnixNano())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%w: %q", casemgmt.ErrKeyUsed, w.Key)
		}
	}
	if err := insertAudit(ctx, tx, caseID, w, t); err != nil {
		return err
	}
	return appendFeed(ctx, tx, feed)
}

// insertAudit writes the audit entries of w.
func insertAudit(ctx context.Context, tx querier, caseID string, w *casemgmt.Write, t time.Time) error {
	if len(w.Audit) == 0 {
		return nil
	}
	args := make([]any, 0, 3*len(w.Audit))
	var q strings.Builder
	q.WriteString("INSERT INTO {audit} (case_id, time, entry) VALUES ")
	for i, e := range w.Audit {
		e.CaseID = caseID
		e.Seq = 0
		if e.Time.IsZero() {
			e.Time = t
		}
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("%w: audit entry for %s: %v", casemgmt.ErrInvalid, e.Field, err)
		}
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		args = append(args, caseID, e.Time.UnixNano(), string(b))
	}
	_, err := tx.ExecContext(ctx, q.String(), args...)
	return err
}

func insertInteraction(ctx context.Context, q querier, in *casemgmt.Interaction) error {
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%w: interaction: %v", casemgmt.ErrInvalid, err)
	}
	res, err := q.ExecContext(ctx,
		"INSERT INTO {interactions} (id, case_id, conversation_id, outcome, time, record) VALUES ($1, $2, $3, $4, $5, $6) "+
			"ON CONFLICT (id) DO NOTHING",
		in.ID, nullString(in.CaseID), nullString(in.ConversationID), string(in.Outcome), in.Time.UnixNano(), string(b))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%w: interaction %q", casemgmt.ErrDuplicate, in.ID)
	}
	return nil
}

// duplicate turns a unique violation into casemgmt.ErrDuplicate, and
// passes other errors through.
func duplicate(err error, what string) error {
	if classify(err) == errUnique {
		return fmt.Errorf("%w: %s (%v)", casemgmt.ErrDuplicate, what, err)
	}
	return err
}

// wrap marks errors that are not the casemgmt sentinels or a context's as
// coming from this package.
func wrap(op string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, sentinel := range []error{casemgmt.ErrNotFound, casemgmt.ErrConflict, casemgmt.ErrDuplicate,
		casemgmt.ErrKeyUsed, casemgmt.ErrInvalid, casemgmt.ErrChangesPurged, ErrSchemaTooNew, ErrTableExists, ErrNotMigrated} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// CreateCase implements casemgmt.CaseStore.
func (s *Store) CreateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkWrite(&w); err != nil {
		return err
	}
	row, err := encodeCase(c)
	if err != nil {
		return err
	}
	id := c.ID
	if id == "" {
		id = casemgmt.NewID("case_")
	}
	status := c.Status
	if status == "" {
		status = casemgmt.StatusActive
	}
	links := casemgmt.SortLinks(slices.Clone(c.Links))
	t := s.writeTime(&w)
	var number string
	var feed []casemgmt.FeedEntry
	err = s.inTx(ctx, func(tx querier) error {
		var err error
		number, feed, err = s.create(ctx, tx, newCase{id: id, status: status, c: c, row: row, links: links}, &w, t)
		return err
	})
	if err != nil {
		return wrap("creating case", err)
	}
	s.notify(ctx, feed)
	c.ID, c.Number, c.Version, c.Status = id, number, 1, status
	c.CreatedAt, c.UpdatedAt = t, t
	c.Links = links
	return nil
}

// newCase is a case to insert: c, encoded as row, with its id, status
// and sorted links.
type newCase struct {
	id     string
	status casemgmt.Status
	c      *casemgmt.Case
	row    caseRow
	links  []casemgmt.Link
}

// create inserts a case in tx and returns its number and feed entries.
//
// The case number comes from the counter row 'case_number', whose row lock
// every creation holds until it commits; so it is taken last but one, just
// before the feed's counter (the same order in every write, so they cannot
// deadlock): the case row is first inserted with its id as a placeholder
// number, and the writes that can fail on a duplicate (a racing delivery
// of the same conversation or email, a used key) do so before the lock is
// taken, instead of holding it while they run.
func (s *Store) create(ctx context.Context, tx querier, nc newCase, w *casemgmt.Write, t time.Time) (string, []casemgmt.FeedEntry, error) {
	id, status, c, row, links := nc.id, nc.status, nc.c, nc.row, nc.links
	tn := t.UnixNano()
	_, err := tx.ExecContext(ctx, "INSERT INTO {cases} ("+caseColumns+") "+
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1)",
		id, id, row.externalID, c.Title, string(status), c.StatusReason, row.statusChangedAt, row.contactID, c.Origin,
		row.fields, row.prov, row.meta, row.nextDueAt, tn, tn)
	if err != nil {
		return "", nil, duplicate(err, fmt.Sprintf("case %q or external id %q", id, c.ExternalID))
	}
	for _, l := range links {
		if err := insertLink(ctx, tx, id, l); err != nil {
			return "", nil, err
		}
	}
	if err := s.journal(ctx, tx, caseWrite{caseID: id, w: w, t: t}, nil); err != nil {
		return "", nil, err
	}
	var n int64
	if err := tx.QueryRowContext(ctx,
		"UPDATE {counters} SET value = value + 1 WHERE name = 'case_number' RETURNING value").Scan(&n); err != nil {
		return "", nil, err
	}
	number := casemgmt.FormatNumber(n)
	if _, err := tx.ExecContext(ctx, "UPDATE {cases} SET number = $1 WHERE id = $2", number, id); err != nil {
		return "", nil, err
	}
	snap := c.Clone()
	snap.ID, snap.Number, snap.Version, snap.Status = id, number, 1, status
	snap.CreatedAt, snap.UpdatedAt = t, t
	snap.Links = links
	feed := casemgmt.NewFeedEntries(casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseCreated, CaseID: id, CaseNumber: number, Case: snap, Write: w, Time: t})
	return number, feed, appendFeed(ctx, tx, feed)
}

// updatedFeed returns the feed entries of an update of c that u describes.
func updatedFeed(c *casemgmt.Case, u *updated, w *casemgmt.Write, t time.Time) []casemgmt.FeedEntry {
	snap := c.Clone()
	u.writeBack(snap, t)
	return casemgmt.NewFeedEntries(casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseUpdated, CaseID: u.id, CaseNumber: u.number, Case: snap, Write: w, Time: t})
}

// insertLink adds a link; a conversation or email linked to another case
// is ErrDuplicate.
func insertLink(ctx context.Context, tx querier, caseID string, l casemgmt.Link) error {
	var err error
	if l.Kind.Unique() {
		_, err = tx.ExecContext(ctx, "INSERT INTO {case_refs} (kind, ref, case_id) VALUES ($1, $2, $3)",
			string(l.Kind), l.ID, caseID)
	} else {
		_, err = tx.ExecContext(ctx, "INSERT INTO {case_contacts} (contact_id, case_id) VALUES ($1, $2)", l.ID, caseID)
	}
	return duplicate(err, l.String()+" is linked to another case")
}

// The queries of the finders, which TestQueryPlans proves use indexes.
const (
	qGetCaseByNumber    = "SELECT " + caseColumns + " FROM {cases} WHERE number = $1"
	qFindByConversation = "SELECT " + caseColumns + " FROM {cases} WHERE id = " +
		"(SELECT case_id FROM {case_refs} WHERE kind = 'conversation' AND ref = $1)"
	qListAudit = "SELECT seq, entry FROM {audit} WHERE case_id = $1 ORDER BY seq"
)

func qFindByMessageID(n int) string {
	return "SELECT " + caseColumns + " FROM {cases} WHERE id IN " +
		"(SELECT case_id FROM {case_refs} WHERE kind = 'email' AND ref IN (" + placeholders(1, n) + "))"
}

func qFindByContact(where, limit string) string {
	return "SELECT " + caseColumns + " FROM {cases} WHERE id IN " +
		"(SELECT id FROM {cases} WHERE contact_id = $1 UNION SELECT case_id FROM {case_contacts} WHERE contact_id = $1)" +
		where + " ORDER BY created_at, id" + limit
}

func qFindDue(where, limit string) string {
	return "SELECT " + caseColumns + " FROM {cases} " +
		"WHERE next_due_at IS NOT NULL AND next_due_at <= $1" + where + " ORDER BY next_due_at, id" + limit
}

func qFindContacts(column string) string {
	return "SELECT " + contactColumns + " FROM {contacts} WHERE " + column + " = $1 ORDER BY id"
}

// GetCase implements casemgmt.CaseStore.
func (s *Store) GetCase(ctx context.Context, id string) (*casemgmt.Case, error) {
	return s.oneCase(ctx, "SELECT "+caseColumns+" FROM {cases} WHERE id = $1", id, "getting case", "case %q")
}

// oneCase returns the case a query finds by one key, or ErrNotFound
// described by notFound (a format with one %q for the key). A key that
// could not have been stored finds nothing without asking the database.
func (s *Store) oneCase(ctx context.Context, query, key, doing, notFound string) (*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storableText(key) {
		return nil, fmt.Errorf("%w: "+notFound, casemgmt.ErrNotFound, key)
	}
	cs, err := queryCases(ctx, s.rq, query, key)
	if err != nil {
		return nil, wrap(doing, err)
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: "+notFound, casemgmt.ErrNotFound, key)
	}
	return cs[0], nil
}

// GetCaseByNumber implements casemgmt.CaseStore.
func (s *Store) GetCaseByNumber(ctx context.Context, number string) (*casemgmt.Case, error) {
	return s.oneCase(ctx, qGetCaseByNumber, number, "getting case", "case number %q")
}

// updateSet is the SET clause shared by UpdateCase and UpsertCase; $1 is
// the key of the WHERE clause.
const updateSet = "UPDATE {cases} SET external_id = $2, title = $3, " +
	"status = CASE WHEN $4 = '' THEN status ELSE $4 END, status_reason = $5, status_changed_at = $6, " +
	"contact_id = $7, origin = $8, fields = $9, provenance = $10, meta = $11, next_due_at = $12, " +
	"updated_at = $13, version = version + 1 "

const updateReturning = " RETURNING id, number, status, created_at, version"

// updated is what an update writes back into the case.
type updated struct {
	id, number, status string
	created            int64
	version            int64
	links              []casemgmt.Link
}

// caseUpdate is an UPDATE built from updateSet: query, with key as $1
// and extra after the case's columns, writing c (encoded as row) at t.
type caseUpdate struct {
	query string
	key   any
	extra []any
	c     *casemgmt.Case
	row   caseRow
	t     time.Time
}

// update runs cu in tx; ok is false when it matched no row.
func (s *Store) update(ctx context.Context, tx querier, cu caseUpdate) (u updated, ok bool, err error) {
	c, row, t := cu.c, cu.row, cu.t
	args := append([]any{cu.key, row.externalID, c.Title, string(c.Status), c.StatusReason, row.statusChangedAt,
		row.contactID, c.Origin, row.fields, row.prov, row.meta, row.nextDueAt, t.UnixNano()}, cu.extra...)
	err = tx.QueryRowContext(ctx, cu.query, args...).Scan(&u.id, &u.number, &u.status, &u.created, &u.version)
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	if err != nil {
		return u, false, duplicate(err, fmt.Sprintf("external id %q", c.ExternalID))
	}
	probe := []*casemgmt.Case{{ID: u.id}}
	if err := loadLinks(ctx, tx, probe); err != nil {
		return u, false, err
	}
	u.links = probe[0].Links
	return u, true, nil
}

func (u *updated) writeBack(c *casemgmt.Case, t time.Time) {
	c.ID, c.Number, c.Status = u.id, u.number, casemgmt.Status(u.status)
	c.CreatedAt = fromNanos(sql.NullInt64{Int64: u.created, Valid: true})
	c.UpdatedAt = t
	c.Version = u.version
	c.Links = u.links
}

// UpdateCase implements casemgmt.CaseStore.
func (s *Store) UpdateCase(ctx context.Context, c *casemgmt.Case, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkWrite(&w); err != nil {
		return err
	}
	row, err := encodeCase(c)
	if err != nil {
		return err
	}
	t := s.writeTime(&w)
	var u updated
	var feed []casemgmt.FeedEntry
	err = s.inTx(ctx, func(tx querier) error {
		var ok bool
		var err error
		u, ok, err = s.update(ctx, tx, caseUpdate{query: updateSet + "WHERE id = $1 AND version = $14" + updateReturning, key: c.ID, extra: []any{c.Version}, c: c, row: row, t: t})
		if err != nil {
			return err
		}
		if !ok {
			var v int64
			err := tx.QueryRowContext(ctx, "SELECT version FROM {cases} WHERE id = $1", c.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, c.ID)
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: case %s is at version %d, not %d", casemgmt.ErrConflict, c.ID, v, c.Version)
		}
		feed = updatedFeed(c, &u, &w, t)
		return s.journal(ctx, tx, caseWrite{caseID: u.id, w: &w, t: t}, feed)
	})
	if err != nil {
		return wrap("updating case", err)
	}
	s.notify(ctx, feed)
	u.writeBack(c, t)
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
	if err := checkWrite(&w); err != nil {
		return false, err
	}
	row, err := encodeCase(c)
	if err != nil {
		return false, err
	}
	id := c.ID
	if id == "" {
		id = casemgmt.NewID("case_")
	}
	status := c.Status
	if status == "" {
		status = casemgmt.StatusActive
	}
	links := casemgmt.SortLinks(slices.Clone(c.Links))
	t := s.writeTime(&w)
	var (
		created bool
		number  string
		u       updated
		feed    []casemgmt.FeedEntry
	)
	for attempt := 0; ; attempt++ {
		err = s.inTx(ctx, func(tx querier) error {
			var ok bool
			var err error
			u, ok, err = s.update(ctx, tx, caseUpdate{query: updateSet + "WHERE external_id = $1" + updateReturning, key: c.ExternalID, c: c, row: row, t: t})
			if err != nil {
				return err
			}
			if ok {
				created = false
				feed = updatedFeed(c, &u, &w, t)
				return s.journal(ctx, tx, caseWrite{caseID: u.id, w: &w, t: t}, feed)
			}
			created = true
			number, feed, err = s.create(ctx, tx, newCase{id: id, status: status, c: c, row: row, links: links}, &w, t)
			return err
		})
		// Another process may have created the case between the UPDATE
		// and the INSERT: then the next attempt updates it.
		if created && errors.Is(err, casemgmt.ErrDuplicate) && attempt == 0 {
			continue
		}
		break
	}
	if err != nil {
		return false, wrap("upserting case", err)
	}
	s.notify(ctx, feed)
	if created {
		c.ID, c.Number, c.Version, c.Status = id, number, 1, status
		c.CreatedAt, c.UpdatedAt = t, t
		c.Links = links
		return true, nil
	}
	u.writeBack(c, t)
	return false, nil
}

// DeleteCase implements casemgmt.CaseStore.
func (s *Store) DeleteCase(ctx context.Context, id string, w casemgmt.Write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkWrite(&w); err != nil {
		return err
	}
	if !storableText(id) {
		return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
	}
	t := s.writeTime(&w)
	var feed []casemgmt.FeedEntry
	err := s.inTx(ctx, func(tx querier) error {
		var number string
		err := tx.QueryRowContext(ctx, "DELETE FROM {cases} WHERE id = $1 RETURNING number", id).Scan(&number)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		// Also without foreign keys enforced (SQLite's default).
		if _, err := tx.ExecContext(ctx, "DELETE FROM {case_refs} WHERE case_id = $1", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM {case_contacts} WHERE case_id = $1", id); err != nil {
			return err
		}
		feed = casemgmt.NewFeedEntries(casemgmt.FeedWrite{Kind: casemgmt.ChangeCaseDeleted, CaseID: id, CaseNumber: number, Write: &w, Time: t})
		return s.journal(ctx, tx, caseWrite{caseID: id, w: &w, t: t}, feed)
	})
	if err == nil {
		s.notify(ctx, feed)
	}
	return wrap("deleting case", err)
}

// caseExists reports whether the case exists, in tx.
func caseExists(ctx context.Context, tx querier, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM {cases} WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, id)
	}
	return err
}

// errLinkRace: a conflicting link vanished between the insert and the
// look-up; the transaction runs again.
var errLinkRace = errors.New("sqlstore: link changed concurrently")

// Relate implements casemgmt.CaseStore.
func (s *Store) Relate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	err := s.changeLink(ctx, linkEdit{caseID: caseID, l: l, k: casemgmt.ChangeLinked}, &w, func(tx querier) error {
		var res sql.Result
		var err error
		if l.Kind.Unique() {
			res, err = tx.ExecContext(ctx,
				"INSERT INTO {case_refs} (kind, ref, case_id) VALUES ($1, $2, $3) ON CONFLICT (kind, ref) DO NOTHING",
				string(l.Kind), l.ID, caseID)
		} else {
			res, err = tx.ExecContext(ctx,
				"INSERT INTO {case_contacts} (contact_id, case_id) VALUES ($1, $2) ON CONFLICT (contact_id, case_id) DO NOTHING",
				l.ID, caseID)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if !l.Kind.Unique() {
			return errNoop
		}
		var owner string
		err = tx.QueryRowContext(ctx, "SELECT case_id FROM {case_refs} WHERE kind = $1 AND ref = $2",
			string(l.Kind), l.ID).Scan(&owner)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errLinkRace
		case err != nil:
			return err
		case owner == caseID:
			return errNoop
		}
		return fmt.Errorf("%w: %s is linked to another case", casemgmt.ErrDuplicate, l)
	})
	if errors.Is(err, errNoop) {
		return nil
	}
	return wrap("relating case", err)
}

// Unrelate implements casemgmt.CaseStore.
func (s *Store) Unrelate(ctx context.Context, caseID string, l casemgmt.Link, w casemgmt.Write) error {
	err := s.changeLink(ctx, linkEdit{caseID: caseID, l: l, k: casemgmt.ChangeUnlinked}, &w, func(tx querier) error {
		var res sql.Result
		var err error
		if l.Kind.Unique() {
			res, err = tx.ExecContext(ctx, "DELETE FROM {case_refs} WHERE kind = $1 AND ref = $2 AND case_id = $3",
				string(l.Kind), l.ID, caseID)
		} else {
			res, err = tx.ExecContext(ctx, "DELETE FROM {case_contacts} WHERE contact_id = $1 AND case_id = $2", l.ID, caseID)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%w: case %s has no link %s", casemgmt.ErrNotFound, caseID, l)
		}
		return nil
	})
	return wrap("unrelating case", err)
}

// linkEdit names what Relate or Unrelate changes: the link l of case
// caseID, journaled as kind k.
type linkEdit struct {
	caseID string
	l      casemgmt.Link
	k      casemgmt.ChangeKind
}

// changeLink is Relate and Unrelate: the checks in the order the Store
// contract gives, then, in one transaction with the case's existence
// checked, change (which returns errNoop when there is nothing to write)
// and the write's journal.
func (s *Store) changeLink(ctx context.Context, e linkEdit, w *casemgmt.Write, change func(tx querier) error) error {
	caseID, l, k := e.caseID, e.l, e.k
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	if err := checkWrite(w); err != nil {
		return err
	}
	if !storableText(caseID) {
		return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, caseID)
	}
	t := s.writeTime(w)
	var feed []casemgmt.FeedEntry
	err := s.inTx(ctx, func(tx querier) error {
		if err := caseExists(ctx, tx, caseID); err != nil {
			return err
		}
		if err := change(tx); err != nil {
			return err
		}
		cs, err := queryCases(ctx, tx, "SELECT "+caseColumns+" FROM {cases} WHERE id = $1", caseID)
		if err != nil {
			return err
		}
		if len(cs) != 1 {
			return fmt.Errorf("%w: case %q", casemgmt.ErrNotFound, caseID)
		}
		feed = casemgmt.NewFeedEntries(casemgmt.FeedWrite{Kind: k, CaseID: caseID, CaseNumber: cs[0].Number, Case: cs[0], Link: &l, Write: w, Time: t})
		return s.journal(ctx, tx, caseWrite{caseID: caseID, w: w, t: t}, feed)
	})
	if err == nil {
		s.notify(ctx, feed)
	}
	return err
}

// FindCaseByConversation implements casemgmt.CaseStore.
func (s *Store) FindCaseByConversation(ctx context.Context, conversationID string) (*casemgmt.Case, error) {
	return s.oneCase(ctx, qFindByConversation, conversationID, "finding case", "no case for conversation %q")
}

// FindCasesByMessageID implements casemgmt.CaseStore.
func (s *Store) FindCasesByMessageID(ctx context.Context, messageIDs []string) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(messageIDs)))
	ids = slices.DeleteFunc(ids, func(id string) bool { return !storableText(id) })
	if len(ids) == 0 {
		return nil, nil
	}
	var out []*casemgmt.Case
	// Bounded batches keep within every driver's limit on parameters.
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		cs, err := queryCases(ctx, s.rq, qFindByMessageID(len(args)), args...)
		if err != nil {
			return nil, wrap("finding cases", err)
		}
		out = append(out, cs...)
	}
	slices.SortFunc(out, compareCases)
	out = slices.CompactFunc(out, func(a, b *casemgmt.Case) bool { return a.ID == b.ID })
	return out, nil
}

func compareCases(a, b *casemgmt.Case) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// FindCasesByContact implements casemgmt.CaseStore.
func (s *Store) FindCasesByContact(ctx context.Context, contactID string, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	where, limit, fargs, err := filterSQL(f, 2)
	if err != nil {
		return nil, err
	}
	if !storableText(contactID) {
		return nil, nil
	}
	cs, err := queryCases(ctx, s.rq, qFindByContact(where, limit), append([]any{contactID}, fargs...)...)
	return cs, wrap("finding cases", err)
}

// FindDueCases implements casemgmt.CaseStore.
func (s *Store) FindDueCases(ctx context.Context, before time.Time, f casemgmt.Filter) ([]*casemgmt.Case, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	where, limit, fargs, err := filterSQL(f, 2)
	if err != nil {
		return nil, err
	}
	var b int64
	switch {
	case before.Before(minTime):
		return nil, nil
	case before.After(maxTime):
		b = 1<<63 - 1
	default:
		b = before.UnixNano()
	}
	cs, err := queryCases(ctx, s.rq, qFindDue(where, limit), append([]any{b}, fargs...)...)
	return cs, wrap("finding due cases", err)
}

// CreateContact implements casemgmt.ContactStore.
func (s *Store) CreateContact(ctx context.Context, c *casemgmt.Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c == nil || (c.Name == "" && c.Email == "" && c.Phone == "") {
		return fmt.Errorf("%w: a contact needs a name, an email or a phone", casemgmt.ErrInvalid)
	}
	if _, err := nanos(c.CreatedAt, "contact created_at"); err != nil {
		return err
	}
	if err := casemgmt.ValidateText("contact", c); err != nil {
		return err
	}
	id := c.ID
	if id == "" {
		id = casemgmt.NewID("contact_")
	}
	created := c.CreatedAt
	if created.IsZero() {
		created = s.clock()
	}
	err := s.inTx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO {contacts} (id, name, email, phone, email_norm, name_norm, phone_key, created_at) "+
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			id, c.Name, c.Email, c.Phone, nullString(channel.NormalizeEmail(c.Email)),
			nullString(casemgmt.NormalizeName(c.Name)), nullString(casemgmt.PhoneKey(c.Phone)), created.UnixNano())
		return duplicate(err, fmt.Sprintf("contact %q or a contact with email %q", id, c.Email))
	})
	if err != nil {
		return wrap("creating contact", err)
	}
	c.ID, c.CreatedAt = id, created
	return nil
}

const contactColumns = "id, name, email, phone, created_at"

func scanContact(sc scanner) (casemgmt.Contact, error) {
	var c casemgmt.Contact
	var created sql.NullInt64
	err := sc.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &created)
	c.CreatedAt = fromNanos(created)
	return c, err
}

// GetContact implements casemgmt.ContactStore.
func (s *Store) GetContact(ctx context.Context, id string) (*casemgmt.Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storableText(id) {
		return nil, fmt.Errorf("%w: contact %q", casemgmt.ErrNotFound, id)
	}
	c, err := scanContact(s.rq.QueryRowContext(ctx, "SELECT "+contactColumns+" FROM {contacts} WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: contact %q", casemgmt.ErrNotFound, id)
	}
	if err != nil {
		return nil, wrap("getting contact", err)
	}
	return &c, nil
}

// FindContacts implements casemgmt.ContactStore. Candidates come from the
// index of the most selective criterion (email, then phone, then name)
// and are checked against all of them with casemgmt.MatchContact.
func (s *Store) FindContacts(ctx context.Context, q predict.ContactQuery) ([]casemgmt.Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Email == "" && q.Phone == "" && q.Name == "" {
		return nil, fmt.Errorf("%w: a contact query needs an email, a phone or a name", casemgmt.ErrInvalid)
	}
	// Text that could not be stored matches nothing, also where
	// normalizing would have replaced its invalid bytes.
	if !storableText(q.Email, q.Phone, q.Name) {
		return nil, nil
	}
	var column, key string
	switch {
	case q.Email != "":
		column, key = "email_norm", channel.NormalizeEmail(q.Email)
	case q.Phone != "":
		column, key = "phone_key", casemgmt.PhoneKey(q.Phone)
	default:
		column, key = "name_norm", casemgmt.NormalizeName(q.Name)
	}
	if key == "" {
		return nil, nil
	}
	rows, err := s.rq.QueryContext(ctx, qFindContacts(column), key)
	if err != nil {
		return nil, wrap("finding contacts", err)
	}
	defer rows.Close()
	var out []casemgmt.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, wrap("finding contacts", err)
		}
		if casemgmt.MatchContact(&c, q) {
			out = append(out, c)
		}
	}
	return out, wrap("finding contacts", rows.Err())
}

// ListAudit implements casemgmt.Journal.
func (s *Store) ListAudit(ctx context.Context, caseID string) ([]casemgmt.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storableText(caseID) {
		return nil, nil
	}
	return queryJSON(ctx, s.rq, jsonQuery[casemgmt.AuditEntry]{doing: "listing audit", what: "audit entry",
		fix: func(seq int64, e *casemgmt.AuditEntry) {
			e.Seq, e.CaseID = seq, caseID
		}, query: qListAudit, args: []any{caseID}})
}

// AddInteraction implements casemgmt.Journal.
func (s *Store) AddInteraction(ctx context.Context, in *casemgmt.Interaction) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	if _, err := nanos(in.Time, "interaction time"); err != nil {
		return err
	}
	stored := in.Clone()
	if stored.ID == "" {
		stored.ID = casemgmt.NewID("ia_")
	}
	if stored.Time.IsZero() {
		stored.Time = s.clock()
	}
	err := s.inTx(ctx, func(tx querier) error { return insertInteraction(ctx, tx, stored) })
	if err != nil {
		return wrap("adding interaction", err)
	}
	in.ID, in.Time = stored.ID, stored.Time
	return nil
}

// qListInteractions builds the query of ListInteractions; none reports a
// time range that no stored time can fall in.
func qListInteractions(q casemgmt.InteractionQuery) (query string, args []any, none bool) {
	var conds []string
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.CaseID != "" {
		add("case_id = ?", q.CaseID)
	}
	if q.ConversationID != "" {
		add("conversation_id = ?", q.ConversationID)
	}
	if q.Outcome != "" {
		add("outcome = ?", string(q.Outcome))
	}
	if !q.Since.IsZero() {
		if q.Since.After(maxTime) {
			return "", nil, true
		}
		if !q.Since.Before(minTime) {
			add("time >= ?", q.Since.UnixNano())
		}
	}
	if !q.Until.IsZero() {
		if !q.Until.After(minTime) {
			return "", nil, true
		}
		if !q.Until.After(maxTime) {
			add("time < ?", q.Until.UnixNano())
		}
	}
	query = "SELECT seq, record FROM {interactions}"
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY time, seq"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return query, args, false
}

// ListInteractions implements casemgmt.Journal.
func (s *Store) ListInteractions(ctx context.Context, q casemgmt.InteractionQuery) ([]casemgmt.Interaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	query, args, none := qListInteractions(q)
	if none || !storableText(q.CaseID, q.ConversationID, string(q.Outcome)) {
		return nil, nil
	}
	return queryJSON(ctx, s.rq, jsonQuery[casemgmt.Interaction]{doing: "listing interactions", what: "interaction", query: query, args: args})
}

// jsonQuery is a query whose rows are a sequence number and a JSON
// document of a T: doing names the query in errors, what a document; fix,
// when set, completes each T from its sequence number.
type jsonQuery[T any] struct {
	doing, what string
	fix         func(seq int64, v *T)
	query       string
	args        []any
}

// queryJSON runs jq and decodes each document into a T.
func queryJSON[T any](ctx context.Context, q querier, jq jsonQuery[T]) ([]T, error) {
	doing, what, fix, query, args := jq.doing, jq.what, jq.fix, jq.query, jq.args
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(doing, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var seq int64
		var doc string
		if err := rows.Scan(&seq, &doc); err != nil {
			return nil, wrap(doing, err)
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, fmt.Errorf("sqlstore: %s %d: %w", what, seq, err)
		}
		if fix != nil {
			fix(seq, &v)
		}
		out = append(out, v)
	}
	return out, wrap(doing, rows.Err())
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
	var first bool
	err := s.inTx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO {idempotency_keys} (key, used_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
			key, s.clock().UnixNano())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n == 1
		return err
	})
	return first, wrap("using key", err)
}

// AcquireClaim implements casemgmt.Coordinator. One conditional upsert
// takes the claim only when it is free, expired or already the owner's.
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
	now := s.cfg.now()
	expires, err := nanos(now.Add(ttl), "claim expiry")
	if err != nil {
		return false, err
	}
	var got bool
	err = s.inTx(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO {claims} AS c (name, owner, expires_at) VALUES ($1, $2, $3) "+
			"ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "+
			"WHERE c.owner = excluded.owner OR c.expires_at <= $4",
			name, owner, expires, now.UnixNano())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		got = n == 1
		return err
	})
	return got, wrap("acquiring claim", err)
}

// ReleaseClaim implements casemgmt.Coordinator.
func (s *Store) ReleaseClaim(ctx context.Context, name, owner string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !storableText(name, owner) {
		return nil
	}
	err := s.inTx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM {claims} WHERE name = $1 AND owner = $2", name, owner)
		return err
	})
	return wrap("releasing claim", err)
}

// GetState implements casemgmt.Coordinator.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storableText(key) {
		return nil, fmt.Errorf("%w: state %q", casemgmt.ErrNotFound, key)
	}
	var v []byte
	err := s.rq.QueryRowContext(ctx, "SELECT value FROM {state} WHERE key = $1", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: state %q", casemgmt.ErrNotFound, key)
	}
	if err != nil {
		return nil, wrap("getting state", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
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
	if value == nil {
		value = []byte{}
	}
	err := s.inTx(ctx, func(tx querier) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO {state} (key, value) VALUES ($1, $2) "+
			"ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
		return err
	})
	return wrap("putting state", err)
}
