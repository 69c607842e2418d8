package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/internal/pgtest"
)

// planQueries are the queries the Store finds things with, with sample
// arguments. None may read a whole table.
func planQueries(t *testing.T) []struct {
	name  string
	query string
	args  []any
} {
	type pq = struct {
		name  string
		query string
		args  []any
	}
	open := casemgmt.Filter{Statuses: []casemgmt.Status{casemgmt.StatusActive, casemgmt.StatusWaitingOnCustomer}, Limit: 20}
	where, limit, fargs, err := filterSQL(open, 2)
	if err != nil {
		t.Fatal(err)
	}
	interactions := func(q casemgmt.InteractionQuery) pq {
		query, args, _ := qListInteractions(q)
		return pq{"interactions", query, args}
	}
	now := time.Now()
	list := func(name string, q casemgmt.ListQuery, pos *casemgmt.ListPosition) pq {
		query, args, _, err := qListCases(&q, pos)
		if err != nil {
			t.Fatal(err)
		}
		return pq{name, query, args}
	}
	pos := &casemgmt.ListPosition{CreatedAt: now, ID: "case_1"}
	qs := []pq{
		list("list first page", casemgmt.ListQuery{}, nil),
		list("list next page", casemgmt.ListQuery{Limit: 10}, pos),
		list("list newest first", casemgmt.ListQuery{Order: casemgmt.NewestFirst}, pos),
		list("list a contact's open cases", casemgmt.ListQuery{ContactID: "C-1", Statuses: open.Statuses}, pos),
		{"feed", qReadFeed + "100", []any{int64(42)}},
		{"case by number", qGetCaseByNumber, []any{"CAS-000001"}},
		{"case by conversation", qFindByConversation, []any{"chat-1"}},
		{"cases by message ids", qFindByMessageID(3), []any{"a@x", "b@x", "c@x"}},
		{"cases by contact", qFindByContact("", ""), []any{"C-1"}},
		{"open cases by contact", qFindByContact(where, limit), append([]any{"C-1"}, fargs...)},
		{"due cases", qFindDue("", ""), []any{now.UnixNano()}},
		{"open due cases", qFindDue(where, limit), append([]any{now.UnixNano()}, fargs...)},
		{"links", qLinks(3), []any{"a", "b", "c"}},
		{"contacts by email", qFindContacts("email_norm"), []any{"a@example.com"}},
		{"contacts by phone", qFindContacts("phone_key"), []any{"5550101"}},
		{"contacts by name", qFindContacts("name_norm"), []any{"ada lovelace"}},
		{"audit", qListAudit, []any{"case_1"}},
		interactions(casemgmt.InteractionQuery{CaseID: "case_1"}),
		interactions(casemgmt.InteractionQuery{ConversationID: "chat-1", Limit: 10}),
		interactions(casemgmt.InteractionQuery{Since: now.Add(-time.Hour), Until: now}),
	}
	return qs
}

// TestQueryPlans proves that every finder is an index search: on SQLite
// no step of the plan scans a table; on PostgreSQL, with sequential scans
// priced out, no plan has one (the planner falls back to a sequential scan
// only when no index can answer).
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	t.Run("SQLite", func(t *testing.T) {
		s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "plans.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, q := range planQueries(t) {
			var steps []string
			rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+s.names.expand(q.query), q.args...)
			if err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				steps = append(steps, detail)
			}
			rows.Close()
			for _, step := range steps {
				// A listing walks the index of cases by creation, in
				// order, until LIMIT ends it: not a scan of the table.
				if strings.HasPrefix(q.name, "list ") && strings.HasPrefix(step, "SCAN cases USING INDEX cases_created") {
					continue
				}
				if strings.HasPrefix(step, "SCAN") {
					t.Errorf("%s scans: %s\nplan:\n%s", q.name, step, strings.Join(steps, "\n"))
				}
			}
		}
	})
	t.Run("Postgres", func(t *testing.T) {
		s, err := OpenPostgres(ctx, pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn, err := s.w.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		for _, q := range planQueries(t) {
			plan, err := explainPostgres(ctx, conn, s.names.expand(q.query), q.args)
			if err != nil {
				t.Fatalf("%s: %v", q.name, err)
			}
			if strings.Contains(plan, "Seq Scan") {
				t.Errorf("%s scans a table:\n%s", q.name, plan)
			}
		}
	})
}

func explainPostgres(ctx context.Context, conn *sql.Conn, query string, args []any) (string, error) {
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), rows.Err()
}
