// Command mirror is a host application that keeps a cases table of its
// own in sync with the SDK's store from the change feed alone, in the
// same SQLite database as the SDK's tables.
//
//	go run ./examples/mirror -db /tmp/helpdesk.db
//
// The host's database already has a table called cases (its helpdesk's);
// the SDK's tables get the prefix "caseagent_" (sqlstore.WithTablePrefix)
// and its migrations are recorded in caseagent_migrations, never in the
// host's schema_migrations. The program writes a few cases the way the
// agent does (a case created with an acknowledgement sent, a status
// change with a follow-up draft waiting, an email linked, a case
// deleted), syncs the host's table from the feed (Mirror.Sync) and prints
// it.
//
// How the mirror stays right: every committed write appends feed entries
// in its own transaction, numbered in commit order without gaps
// (casemgmt.Feed); entries of the store's own kinds carry the case as
// committed, so applying them in order gives the store's cases. The
// mirror applies each page of entries in one transaction of the host's
// database together with the position it reached, so a crash repeats a
// page and never applies one twice. A mirror that fell behind a purge
// (casemgmt.ErrChangesPurged) copies the cases afresh through
// casemgmt.Lister and goes on from there (Mirror.Resync).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
)

func main() {
	path := flag.String("db", filepath.Join(os.TempDir(), "caseagent-mirror.db"), "the SQLite database the host and the SDK share")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *path); err != nil {
		fmt.Fprintln(os.Stderr, "mirror:", err)
		os.Exit(1)
	}
}

// openShared opens the host's connection to the database file and the
// SDK's store on the same file, its tables prefixed.
func openShared(ctx context.Context, path string) (*sql.DB, *sqlstore.Store, error) {
	db, err := sql.Open("sqlite", path+"?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlstore.OpenSQLite(ctx, path, sqlstore.WithTablePrefix("caseagent_"))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, s, nil
}

func run(ctx context.Context, w io.Writer, path string) error {
	db, s, err := openShared(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	defer s.Close()
	m, err := NewMirror(ctx, s, db, "helpdesk")
	if err != nil {
		return err
	}
	if err := agentLikeWrites(ctx, s, time.Now()); err != nil {
		return err
	}
	n, err := m.Sync(ctx)
	if err != nil {
		return err
	}
	rows, err := m.Rows(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "applied %d feed entries; the host's table holds %d cases:\n", n, len(rows))
	for _, r := range rows {
		fmt.Fprintf(w, "  %s %-28q %-20s priority %-6s v%d, %d email(s) sent, %d draft(s) waiting\n",
			r.Number, r.Title, r.Status, r.Priority, r.Version, r.EmailsSent, r.DraftsWaiting)
	}
	return nil
}

var agent = casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "caseagent"}

// agentLikeWrites writes what the agent writes for three conversations.
func agentLikeWrites(ctx context.Context, s casemgmt.Store, now time.Time) error {
	ack := casemgmt.Event{Kind: casemgmt.ChangeEmailSent, Actor: agent, Data: map[string]string{"purpose": "acknowledgement"}}
	created := func(title, priority string) (*casemgmt.Case, error) {
		c := &casemgmt.Case{Title: title, Origin: "Email", Fields: casemgmt.Values{"priority": priority}}
		err := s.CreateCase(ctx, c, casemgmt.Write{Time: now,
			Audit:  []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: agent}},
			Events: []casemgmt.Event{ack}})
		return c, err
	}
	router, err := created("Router reboots every hour", "high")
	if err != nil {
		return err
	}
	invoice, err := created("Invoice charged twice", "normal")
	if err != nil {
		return err
	}
	spam, err := created("Newsletter reply", "low")
	if err != nil {
		return err
	}
	// The agent asks for the serial number and waits; its follow-up is a
	// draft for a person to confirm.
	router.Status = casemgmt.StatusWaitingOnCustomer
	err = s.UpdateCase(ctx, router, casemgmt.Write{Time: now.Add(time.Minute),
		Audit:  []casemgmt.AuditEntry{{Field: casemgmt.AttrStatus, Old: "active", New: string(router.Status), Actor: agent}},
		Events: []casemgmt.Event{{Kind: casemgmt.ChangeDraftWaiting, Actor: agent, Data: map[string]string{"purpose": "follow_up"}}}})
	if err != nil {
		return err
	}
	// The customer's reply is linked, and the priority revised.
	if err := s.Relate(ctx, invoice.ID, casemgmt.Link{Kind: casemgmt.LinkEmail, ID: "reply-" + invoice.Number + "@example.com"}, casemgmt.Write{Time: now.Add(2 * time.Minute)}); err != nil {
		return err
	}
	invoice, err = s.GetCase(ctx, invoice.ID)
	if err != nil {
		return err
	}
	invoice.Fields["priority"] = "high"
	err = s.UpdateCase(ctx, invoice, casemgmt.Write{Time: now.Add(3 * time.Minute),
		Audit: []casemgmt.AuditEntry{{Field: "priority", Old: "normal", New: "high", Actor: agent}}})
	if err != nil {
		return err
	}
	return s.DeleteCase(ctx, spam.ID, casemgmt.Write{Time: now.Add(4 * time.Minute),
		Audit: []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, Old: "created", Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "rep-1"}}}})
}
