package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/caseagent/caseagent/casemgmt"
)

// Source is what the mirror needs of a store: the change feed, and, to
// start over when it fell behind a purge, the listing.
type Source interface {
	casemgmt.Feed
	casemgmt.Lister
}

// hostTables are the host's own tables: its copy of the cases, what it
// counts per case from the agent's events, and the feed position it has
// applied. They live in the same database as the SDK's tables (which have
// a prefix), and the host names them as it likes.
var hostTables = []string{
	`CREATE TABLE IF NOT EXISTS cases (
		id TEXT PRIMARY KEY,
		number TEXT NOT NULL,
		title TEXT NOT NULL,
		status TEXT NOT NULL,
		contact_id TEXT NOT NULL,
		priority TEXT NOT NULL,
		version INTEGER NOT NULL,
		emails_sent INTEGER NOT NULL DEFAULT 0,
		drafts_waiting INTEGER NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS mirror_position (
		name TEXT PRIMARY KEY,
		seq INTEGER NOT NULL)`,
}

// Mirror keeps the host's cases table equal to the store's cases, from
// the feed alone. Each batch of entries is applied in one transaction of
// the host's database together with the new feed position, so a crash
// between reading and applying repeats the batch, and a batch is never
// applied twice. It is safe for concurrent use: Sync calls take turns
// through the database's write lock.
type Mirror struct {
	src  Source
	db   *sql.DB
	name string // the position's key: one row per mirror
}

// NewMirror creates the host's tables when they are missing and returns a
// mirror of src into db, whose position is kept under name.
func NewMirror(ctx context.Context, src Source, db *sql.DB, name string) (*Mirror, error) {
	if src == nil || db == nil || name == "" {
		return nil, errors.New("mirror: a source, a database and a name are needed")
	}
	for _, q := range hostTables {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("mirror: creating the host's tables: %w", err)
		}
	}
	return &Mirror{src: src, db: db, name: name}, nil
}

// position returns the last feed entry applied.
func (m *Mirror) position(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, "SELECT seq FROM mirror_position WHERE name = $1", m.name).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// Sync applies every feed entry after the mirror's position and returns
// how many it applied. When the entries it needs were purged it copies the
// cases afresh (Resync).
func (m *Mirror) Sync(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := m.syncBatch(ctx)
		if errors.Is(err, casemgmt.ErrChangesPurged) {
			if err := m.Resync(ctx); err != nil {
				return total, err
			}
			continue
		}
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// syncBatch applies one page of the feed, in one transaction with the new
// position.
func (m *Mirror) syncBatch(ctx context.Context) (int, error) {
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Read the position in the transaction that moves it: two syncs at
	// once apply a batch once.
	pos, err := m.position(ctx, tx)
	if err != nil {
		return 0, err
	}
	entries, err := m.src.ReadChanges(ctx, pos, 200)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	for _, e := range entries {
		if err := apply(ctx, tx, e); err != nil {
			return 0, fmt.Errorf("mirror: applying entry %d (%s of %s): %w", e.Seq, e.Kind, e.CaseNumber, err)
		}
	}
	if err := setPosition(ctx, tx, m.name, entries[len(entries)-1].Seq); err != nil {
		return 0, err
	}
	return len(entries), tx.Commit()
}

func setPosition(ctx context.Context, tx *sql.Tx, name string, seq int64) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO mirror_position (name, seq) VALUES ($1, $2) "+
		"ON CONFLICT (name) DO UPDATE SET seq = excluded.seq", name, seq)
	return err
}

// apply makes one feed entry's change to the host's table. Entries that
// the store appends carry the case as committed, so the host's row simply
// becomes it; the agent's events count.
func apply(ctx context.Context, tx *sql.Tx, e casemgmt.FeedEntry) error {
	var err error
	switch {
	case e.Kind == casemgmt.ChangeCaseDeleted:
		_, err = tx.ExecContext(ctx, "DELETE FROM cases WHERE id = $1", e.CaseID)
	case e.Case != nil:
		err = upsert(ctx, tx, e.Case)
	case e.Kind == casemgmt.ChangeEmailSent:
		_, err = tx.ExecContext(ctx, "UPDATE cases SET emails_sent = emails_sent + 1 WHERE id = $1", e.CaseID)
	case e.Kind == casemgmt.ChangeDraftWaiting:
		_, err = tx.ExecContext(ctx, "UPDATE cases SET drafts_waiting = drafts_waiting + 1 WHERE id = $1", e.CaseID)
	}
	return err
}

func upsert(ctx context.Context, tx *sql.Tx, c *casemgmt.Case) error {
	priority, _ := c.Fields["priority"].(string)
	_, err := tx.ExecContext(ctx, "INSERT INTO cases (id, number, title, status, contact_id, priority, version) "+
		"VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET "+
		"title = excluded.title, status = excluded.status, contact_id = excluded.contact_id, "+
		"priority = excluded.priority, version = excluded.version",
		c.ID, c.Number, c.Title, string(c.Status), c.ContactID, priority, c.Version)
	return err
}

// Resync copies every case afresh, for a mirror that is new on a store
// whose feed was purged, or that fell behind a purge: it notes the feed's
// last entry first, lists the cases, and goes on from that entry, so that
// changes made while it lists are applied again afterwards (the row
// becomes the newer case). The event counts start again from zero.
func (m *Mirror) Resync(ctx context.Context) error {
	last, err := m.src.LastChange(ctx)
	if err != nil {
		return err
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "DELETE FROM cases"); err != nil {
		return err
	}
	q := casemgmt.ListQuery{Limit: casemgmt.MaxPageSize}
	for {
		p, err := m.src.ListCases(ctx, q)
		if err != nil {
			return err
		}
		for _, c := range p.Cases {
			if err := upsert(ctx, tx, c); err != nil {
				return err
			}
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if err := setPosition(ctx, tx, m.name, last); err != nil {
		return err
	}
	return tx.Commit()
}

// Row is a case as the host's table holds it.
type Row struct {
	ID, Number, Title, Status, ContactID, Priority string
	Version                                        int64
	EmailsSent, DraftsWaiting                      int
}

// Rows returns the host's table, by number.
func (m *Mirror) Rows(ctx context.Context) ([]Row, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT id, number, title, status, contact_id, priority, version, emails_sent, drafts_waiting "+
		"FROM cases ORDER BY number")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.ID, &r.Number, &r.Title, &r.Status, &r.ContactID, &r.Priority, &r.Version, &r.EmailsSent, &r.DraftsWaiting); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
