// Command host is a helpdesk that adopts the SDK the way its package
// documentation describes, and nothing more:
//
//   - it loads its tenant configuration and is told, at load time, of every
//     mistake in it (here a misspelt field in a rule and a misspelt
//     placeholder in an acknowledgement), each with its path;
//
//   - it shares its own SQLite database with the SDK: the helpdesk already
//     has a table called cases, so the SDK's tables get a prefix;
//
//   - it runs the agent on inbound email and prints what the webhook would
//     answer (the receipt: case, number, outcome);
//
//   - it keeps its own cases table in sync from the change feed alone.
//
//     go run ./examples/host
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict/heuristic"
)

// tenant is the helpdesk's configuration as its administrator wrote it,
// with two mistakes: "categroy" in a rule, "{{contact_nme}}" in a template.
const tenant = `
fields:
  - {name: issue_description, type: text, multiline: true}
  - name: category
    type: choice
    options:
      - {value: Billing, description: "Use when: invoices, charges, refunds."}
      - {value: Product defect, description: "Use when: a device does not work."}
  - {name: priority, type: choice, options: [{value: Normal}, {value: High}]}
  - {name: contact, type: lookup, lookup: contacts}
create: {fields: [issue_description, contact]}
default_update_fields: [category]
update_rules:
  - name: defects get a priority
    when: {field: categroy, op: equals, value: Product defect}
    predict: [priority]
intake_rules:
  - name: support
    unknown_senders: create_contact
    set: {title: "{{subject}}"}
    acknowledge: {subject: "[{{case_number}}] {{subject}}", body: "Hello {{contact_nme}}, we have your message."}
`

func main() {
	dir, err := os.MkdirTemp("", "caseagent-host")
	if err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	if err := run(context.Background(), os.Stdout, filepath.Join(dir, "helpdesk.db")); err != nil {
		fmt.Fprintln(os.Stderr, "host:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, path string) error {
	// 1. The configuration, checked at load.
	_, err := agent.ParseConfig([]byte(tenant))
	var ce *casemgmt.ConfigError
	if !errors.As(err, &ce) {
		return fmt.Errorf("the misspelt configuration loaded: %v", err)
	}
	fmt.Fprintln(w, "the configuration is refused at load:")
	for _, p := range ce.Problems {
		fmt.Fprintf(w, "  %s: %s\n", p.Path, firstClause(p.Msg))
	}
	fixed := strings.NewReplacer("categroy", "category", "contact_nme", "contact_name").Replace(tenant)
	cfg, err := agent.ParseConfig([]byte(fixed))
	if err != nil {
		return err
	}

	// 2. One database: the helpdesk's own table, and the SDK's, prefixed.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE cases (ref TEXT PRIMARY KEY, subject TEXT, state TEXT)`); err != nil {
		return err
	}
	store, err := sqlstore.OpenSQLite(ctx, path, sqlstore.WithTablePrefix("caseagent_"))
	if err != nil {
		return err
	}
	defer store.Close()

	// 3. The agent on inbound email.
	pred, err := heuristic.New()
	if err != nil {
		return err
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ag, err := agent.New(store, pred, cfg, agent.WithClock(func() time.Time { return now }),
		agent.WithSender(&channel.Outbox{}, channel.Address{Email: "support@helpdesk.example"}))
	if err != nil {
		return err
	}
	for i, e := range []struct{ from, subject, text string }{
		{"ana@example.org", "Charged twice", "Hello, my March invoice was charged twice. Please refund one."},
		{"bo@example.net", "Camera dead", "My camera does not start since this morning."},
	} {
		m := &channel.Message{ID: fmt.Sprintf("m%d@example.org", i), From: channel.Address{Email: e.from},
			To: []channel.Address{{Email: "support@helpdesk.example"}}, Subject: e.subject, Text: e.text, Time: now}
		for range 2 { // the mail provider delivers each message twice
			res, err := ag.InboundEmail(ctx, "support@helpdesk.example", m)
			if err != nil {
				return err
			}
			rc := res.Receipt()
			fmt.Fprintf(w, "webhook answer for %s: %s %s\n", m.ID, rc.Outcome, rc.CaseNumber)
		}
	}

	// 4. The helpdesk's own table, from the feed alone.
	n, err := casemgmt.FollowFeed(ctx, store, store, casemgmt.FollowOptions{Consumer: "helpdesk", Limit: 100}, func(ctx context.Context, entries []casemgmt.FeedEntry) error {
		for _, e := range entries {
			if e.Case == nil {
				continue
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO cases (ref, subject, state) VALUES (?, ?, ?)
				ON CONFLICT (ref) DO UPDATE SET subject = excluded.subject, state = excluded.state`,
				e.Case.Number, e.Case.Title, string(e.Case.Status)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `SELECT ref, subject, state FROM cases ORDER BY ref`)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintf(w, "the helpdesk's own cases table, from %d feed entries:\n", n)
	for rows.Next() {
		var ref, subject, state string
		if err := rows.Scan(&ref, &subject, &state); err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s  %-14s %s\n", ref, subject, state)
	}
	return rows.Err()
}

// firstClause shortens a problem to what names the mistake.
func firstClause(msg string) string {
	if i := strings.Index(msg, " (known here"); i > 0 {
		return msg[:i]
	}
	return msg
}
