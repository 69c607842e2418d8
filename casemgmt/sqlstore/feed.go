package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
)

var (
	_ casemgmt.Lister = (*Store)(nil)
	_ casemgmt.Feed   = (*Store)(nil)
	_ casemgmt.Purger = (*Store)(nil)
)

// appendFeed numbers the feed entries of a write and inserts them, in tx.
//
// The numbers come from the counter row 'feed', incremented by the write's
// own UPDATE, which locks the row until the transaction ends: a second
// writer waits there until the first commits (PostgreSQL) or cannot be in
// a transaction at all (SQLite, one writer at a time). So numbers are
// handed out in commit order and an entry commits only after every entry
// with a lower number has: a reader that sees entry n sees every entry
// before it, and a consumer going on from the last number it read never
// skips one that commits later (which a sequence or an identity column,
// whose values commit in any order, would not give). Every write takes
// this lock last, after the rows it changes, so that writers cannot wait
// for each other in a cycle; the price is that, on PostgreSQL, the commits
// of case writes follow one another.
func appendFeed(ctx context.Context, tx querier, feed []casemgmt.FeedEntry) error {
	if len(feed) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx,
		"UPDATE {counters} SET value = value + $1 WHERE name = 'feed' RETURNING value", int64(len(feed))).Scan(&last); err != nil {
		return err
	}
	first := last - int64(len(feed)) + 1
	var q strings.Builder
	q.WriteString("INSERT INTO {feed} (seq, case_id, kind, time, entry) VALUES ")
	args := make([]any, 0, 5*len(feed))
	for i := range feed {
		e := &feed[i]
		e.Seq = first + int64(i)
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("%w: feed entry: %v", casemgmt.ErrInvalid, err)
		}
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d)", 5*i+1, 5*i+2, 5*i+3, 5*i+4, 5*i+5)
		args = append(args, e.Seq, e.CaseID, string(e.Kind), e.Time.UnixNano(), string(b))
	}
	_, err := tx.ExecContext(ctx, q.String(), args...)
	return err
}

// notify calls the change hook, if any, with the entries of a committed
// write.
func (s *Store) notify(ctx context.Context, feed []casemgmt.FeedEntry) {
	if s.cfg.hook != nil && len(feed) > 0 {
		s.cfg.hook(ctx, feed)
	}
}

const qReadFeed = "SELECT seq, entry FROM {feed} WHERE seq > $1 ORDER BY seq LIMIT "

// ReadChanges implements casemgmt.Feed.
func (s *Store) ReadChanges(ctx context.Context, after int64, limit int) ([]casemgmt.FeedEntry, error) {
	n, err := casemgmt.StartReadChanges(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out, err := queryJSON(ctx, s.rq, jsonQuery[casemgmt.FeedEntry]{doing: "reading changes", what: "feed entry",
		fix: func(seq int64, e *casemgmt.FeedEntry) { e.Seq = seq }, query: qReadFeed + strconv.Itoa(n), args: []any{after}})
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && out[0].Seq == after+1 {
		return out, nil
	}
	// A gap after the cursor: Purge removed entries (it records how far in
	// the transaction that removes them, so reading the mark after the
	// entries sees it).
	var purged int64
	if err := s.rq.QueryRowContext(ctx, "SELECT value FROM {counters} WHERE name = 'feed_purged'").Scan(&purged); err != nil {
		return nil, wrap("reading changes", err)
	}
	if purged > after {
		return nil, fmt.Errorf("%w: after %d, up to %d", casemgmt.ErrChangesPurged, after, purged)
	}
	if len(out) > 0 {
		return nil, fmt.Errorf("sqlstore: feed entry %d follows %d: entries are missing", out[0].Seq, after)
	}
	return out, nil
}

// LastChange implements casemgmt.Feed.
func (s *Store) LastChange(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.rq.QueryRowContext(ctx, "SELECT value FROM {counters} WHERE name = 'feed'").Scan(&n)
	return n, wrap("reading the last change", err)
}

// qListCases builds the query of ListCases.
func qListCases(q *casemgmt.ListQuery, pos *casemgmt.ListPosition) (query string, args []any, none bool, err error) {
	var conds []string
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(q.Statuses) > 0 {
		ps := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			ps[i] = arg(string(st))
		}
		conds = append(conds, "status IN ("+strings.Join(ps, ", ")+")")
	}
	if q.ContactID != "" {
		p := arg(q.ContactID)
		conds = append(conds, "id IN (SELECT id FROM {cases} WHERE contact_id = "+p+
			" UNION SELECT case_id FROM {case_contacts} WHERE contact_id = "+p+")")
	}
	if !q.UpdatedSince.IsZero() {
		switch {
		case q.UpdatedSince.After(maxTime):
			return "", nil, true, nil
		case !q.UpdatedSince.Before(minTime):
			conds = append(conds, "updated_at >= "+arg(q.UpdatedSince.UnixNano()))
		}
	}
	cmp, dir := ">", ""
	if q.Newest() {
		cmp, dir = "<", " DESC"
	}
	if pos != nil {
		n, err := nanos(pos.CreatedAt, "list cursor")
		if err != nil {
			return "", nil, false, err
		}
		if n == nil {
			n = int64(0)
		}
		conds = append(conds, "(created_at, id) "+cmp+" ("+arg(n)+", "+arg(pos.ID)+")")
	}
	query = "SELECT " + caseColumns + " FROM {cases}"
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	query += " ORDER BY created_at" + dir + ", id" + dir + " LIMIT " + strconv.Itoa(q.PageSize()+1)
	return query, args, false, nil
}

// ListCases implements casemgmt.Lister: one indexed query that reads the
// page (and one case more, to know whether there is a next page) after
// the cursor's (created_at, id).
func (s *Store) ListCases(ctx context.Context, q casemgmt.ListQuery) (casemgmt.CasePage, error) {
	pos, err := q.Start(ctx)
	if err != nil {
		return casemgmt.CasePage{}, err
	}
	if pos != nil && !storableText(pos.ID) {
		return casemgmt.CasePage{}, fmt.Errorf("%w: bad list cursor", casemgmt.ErrInvalid)
	}
	query, args, none, err := qListCases(&q, pos)
	if err != nil || none {
		return casemgmt.CasePage{}, err
	}
	cs, err := queryCases(ctx, s.rq, query, args...)
	if err != nil {
		return casemgmt.CasePage{}, wrap("listing cases", err)
	}
	return q.Page(cs), nil
}

// purgeBatch bounds the rows one transaction of Purge removes, so that
// writers never wait long for it.
const purgeBatch = 1000

// Purge implements casemgmt.Purger. It removes rows in transactions of at
// most purgeBatch rows, so that it never holds locks for long; several
// processes may run it at once, and each row is removed, and counted,
// once.
func (s *Store) Purge(ctx context.Context, before time.Time) (casemgmt.PurgeResult, error) {
	var r casemgmt.PurgeResult
	if err := ctx.Err(); err != nil {
		return r, err
	}
	if before.IsZero() {
		return r, fmt.Errorf("%w: purge without a time", casemgmt.ErrInvalid)
	}
	var cut int64
	switch {
	case before.Before(minTime):
		return r, nil
	case before.After(maxTime):
		cut = 1<<63 - 1
	default:
		cut = before.UnixNano()
	}
	var err error
	if r.Keys, err = s.purgeRows(ctx, "DELETE FROM {idempotency_keys} WHERE key IN "+
		"(SELECT key FROM {idempotency_keys} WHERE used_at < $1 LIMIT "+strconv.Itoa(purgeBatch)+")", cut); err != nil {
		return r, wrap("purging keys", err)
	}
	if r.Interactions, err = s.purgeRows(ctx, "DELETE FROM {interactions} WHERE seq IN "+
		"(SELECT seq FROM {interactions} WHERE time < $1 LIMIT "+strconv.Itoa(purgeBatch)+")", cut); err != nil {
		return r, wrap("purging interactions", err)
	}
	if r.Changes, err = s.purgeFeed(ctx, cut); err != nil {
		return r, wrap("purging the feed", err)
	}
	return r, nil
}

// purgeRows runs a DELETE of at most purgeBatch rows until it removes
// fewer, and returns how many it removed.
func (s *Store) purgeRows(ctx context.Context, query string, args ...any) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.inTx(ctx, func(tx querier) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}

// purgeFeed removes the oldest feed entries up to the first whose time is
// not before cut, a batch at a time, recording in 'feed_purged' the
// highest number removed, in the same transaction.
func (s *Store) purgeFeed(ctx context.Context, cut int64) (int64, error) {
	var total int64
	for {
		var n int64
		var done bool
		err := s.inTx(ctx, func(tx querier) error {
			n, done = 0, true
			rows, err := tx.QueryContext(ctx, "SELECT seq, time FROM {feed} ORDER BY seq LIMIT "+strconv.Itoa(purgeBatch))
			if err != nil {
				return err
			}
			var upTo int64
			seen, young := 0, false
			for rows.Next() {
				var seq, t int64
				if err := rows.Scan(&seq, &t); err != nil {
					rows.Close()
					return err
				}
				seen++
				if t >= cut {
					young = true
					break
				}
				upTo = seq
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if upTo == 0 {
				return nil
			}
			res, err := tx.ExecContext(ctx, "DELETE FROM {feed} WHERE seq <= $1", upTo)
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE {counters} SET value = CASE WHEN value < $1 THEN $1 ELSE value END "+
				"WHERE name = 'feed_purged'", upTo); err != nil {
				return err
			}
			done = young || seen < purgeBatch
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if done {
			return total, nil
		}
	}
}
