package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
)

// Times are stored as Unix nanoseconds, NULL for the zero time, which
// keeps them exact and comparable in both dialects. UnixNano reaches from
// 1678 to 2262.
var (
	minTime = time.Unix(0, -1<<63).Add(time.Second)
	maxTime = time.Unix(0, 1<<63-1).Add(-time.Second)
)

// nanos returns t as a column value: nil for the zero time.
func nanos(t time.Time, what string) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("%w: %s %s is outside the years 1678 to 2262", casemgmt.ErrInvalid, what, t)
	}
	return t.UnixNano(), nil
}

// fromNanos turns a column value back into a time, in UTC.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// nullString stores "" as NULL, so that partial and unique indexes skip it.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// caseColumns are the columns scanCase reads, in order.
const caseColumns = "id, number, external_id, title, status, status_reason, status_changed_at, contact_id, origin, " +
	"fields, provenance, meta, next_due_at, created_at, updated_at, version"

// caseRow is a case as its columns hold it.
type caseRow struct {
	externalID, contactID any
	statusChangedAt       any
	nextDueAt             any
	fields, prov, meta    string
}

// encodeCase turns the attributes of c that are stored as given into
// column values; c has passed Case.Validate, text included. Errors wrap
// casemgmt.ErrInvalid.
func encodeCase(c *casemgmt.Case) (caseRow, error) {
	var r caseRow
	var err error
	if r.statusChangedAt, err = nanos(c.StatusChangedAt, "status_changed_at"); err != nil {
		return r, err
	}
	if r.nextDueAt, err = nanos(c.NextDueAt, "next_due_at"); err != nil {
		return r, err
	}
	b, err := json.Marshal(c.Fields)
	if err != nil {
		return r, fmt.Errorf("%w: fields: %v", casemgmt.ErrInvalid, err)
	}
	r.fields = string(b)
	if b, err = json.Marshal(c.Provenance); err != nil {
		return r, fmt.Errorf("%w: provenance: %v", casemgmt.ErrInvalid, err)
	}
	r.prov = string(b)
	if b, err = json.Marshal(c.Meta); err != nil {
		return r, fmt.Errorf("%w: meta: %v", casemgmt.ErrInvalid, err)
	}
	r.meta = string(b)
	r.externalID = nullString(c.ExternalID)
	r.contactID = nullString(c.ContactID)
	return r, nil
}

type scanner interface{ Scan(dest ...any) error }

// scanCase reads the caseColumns of one row.
func scanCase(sc scanner) (*casemgmt.Case, error) {
	var (
		c                            casemgmt.Case
		ext, contact                 sql.NullString
		changed, due, created, upd   sql.NullInt64
		fields, prov, meta, statusSt string
	)
	if err := sc.Scan(&c.ID, &c.Number, &ext, &c.Title, &statusSt, &c.StatusReason, &changed, &contact, &c.Origin,
		&fields, &prov, &meta, &due, &created, &upd, &c.Version); err != nil {
		return nil, err
	}
	c.Status = casemgmt.Status(statusSt)
	c.ExternalID, c.ContactID = ext.String, contact.String
	c.StatusChangedAt, c.NextDueAt = fromNanos(changed), fromNanos(due)
	c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(upd)
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		return nil, fmt.Errorf("sqlstore: case %s: decoding fields: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(prov), &c.Provenance); err != nil {
		return nil, fmt.Errorf("sqlstore: case %s: decoding provenance: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(meta), &c.Meta); err != nil {
		return nil, fmt.Errorf("sqlstore: case %s: decoding meta: %w", c.ID, err)
	}
	return &c, nil
}

// queryCases runs a query selecting caseColumns and loads the links of
// the cases it returns.
func queryCases(ctx context.Context, q querier, query string, args ...any) ([]*casemgmt.Case, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []*casemgmt.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	if err := loadLinks(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// loadLinks sets the Links of the cases, sorted by kind and id.
func loadLinks(ctx context.Context, q querier, cases []*casemgmt.Case) error {
	byID := make(map[string]*casemgmt.Case, len(cases))
	ids := make([]any, 0, len(cases))
	for _, c := range cases {
		if _, dup := byID[c.ID]; !dup {
			byID[c.ID] = c
			ids = append(ids, c.ID)
		}
	}
	rows, err := q.QueryContext(ctx, qLinks(len(ids)), ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, ref string
		if err := rows.Scan(&id, &kind, &ref); err != nil {
			return err
		}
		if c := byID[id]; c != nil {
			c.Links = append(c.Links, casemgmt.Link{Kind: casemgmt.LinkKind(kind), ID: ref})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cases {
		c.Links = casemgmt.SortLinks(c.Links)
	}
	return nil
}

// qLinks selects the links of n cases.
func qLinks(n int) string {
	in := placeholders(1, n)
	return "SELECT case_id, kind, ref FROM {case_refs} WHERE case_id IN (" + in + ") " +
		"UNION ALL SELECT case_id, 'contact', contact_id FROM {case_contacts} WHERE case_id IN (" + in + ")"
}

// placeholders returns "$from, $from+1, ..." n times.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// filterSQL returns the conditions and limit of a filter, with arguments
// numbered from next.
func filterSQL(f casemgmt.Filter, next int) (where, limit string, args []any, err error) {
	if f.Limit < 0 {
		return "", "", nil, fmt.Errorf("%w: negative limit", casemgmt.ErrInvalid)
	}
	if len(f.Statuses) > 0 {
		for _, st := range f.Statuses {
			if !st.Valid() {
				return "", "", nil, fmt.Errorf("%w: unknown status %q", casemgmt.ErrInvalid, st)
			}
			args = append(args, string(st))
		}
		where = " AND status IN (" + placeholders(next, len(args)) + ")"
	}
	if f.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(f.Limit)
	}
	return where, limit, args, nil
}
