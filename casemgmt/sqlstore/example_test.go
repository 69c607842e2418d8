package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
)

// A case created from a chat, found again by its conversation, updated
// with an audit entry, and a stale update refused.
func ExampleOpenSQLite() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "cases.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	c := &casemgmt.Case{
		Title:  "Router reboots",
		Origin: "Chat",
		Fields: casemgmt.Values{"priority": "high"},
		Links:  []casemgmt.Link{{Kind: casemgmt.LinkConversation, ID: "chat-42"}},
	}
	agent := casemgmt.Actor{Kind: casemgmt.ActorAgent, ID: "caseagent"}
	if err := store.CreateCase(ctx, c, casemgmt.Write{
		Audit: []casemgmt.AuditEntry{{Field: casemgmt.AttrCase, New: "created", Actor: agent}},
	}); err != nil {
		fmt.Println(err)
		return
	}

	found, err := store.FindCaseByConversation(ctx, "chat-42")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(found.Number, found.Title, found.Status, "version", found.Version)

	found.Fields["priority"] = "urgent"
	err = store.UpdateCase(ctx, found, casemgmt.Write{
		Audit: []casemgmt.AuditEntry{{Field: "priority", Old: "high", New: "urgent", Actor: agent}},
	})
	fmt.Println("update:", err, "now version", found.Version)

	// c still carries version 1.
	err = store.UpdateCase(ctx, c, casemgmt.Write{})
	fmt.Println("stale update is a conflict:", errors.Is(err, casemgmt.ErrConflict))

	entries, _ := store.ListAudit(ctx, c.ID)
	for _, e := range entries {
		fmt.Println("audit:", e.Seq, e.Field, e.Old, "->", e.New)
	}
	// Output:
	// CAS-000001 Router reboots active version 1
	// update: <nil> now version 2
	// stale update is a conflict: true
	// audit: 1 case <nil> -> created
	// audit: 2 priority high -> urgent
}

// The SDK's tables beside a host's own cases table in one database: with
// a prefix, and migrated when the host chooses.
func ExampleWithTablePrefix() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sqlstore-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "helpdesk.db")
	host, err := sql.Open("sqlite", path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer host.Close()
	if _, err := host.Exec("CREATE TABLE cases (id INTEGER PRIMARY KEY, subject TEXT)"); err != nil {
		fmt.Println(err)
		return
	}

	_, err = sqlstore.OpenSQLite(ctx, path)
	fmt.Println("without a prefix:", errors.Is(err, sqlstore.ErrTableExists))

	store, err := sqlstore.OpenSQLite(ctx, path, sqlstore.WithTablePrefix("caseagent_"), sqlstore.WithAutoMigrate(false))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	fmt.Println("before Migrate:", errors.Is(store.Ping(ctx), sqlstore.ErrNotMigrated))
	if err := store.Migrate(ctx); err != nil {
		fmt.Println(err)
		return
	}
	c := &casemgmt.Case{Title: "Router reboots"}
	if err := store.CreateCase(ctx, c, casemgmt.Write{}); err != nil {
		fmt.Println(err)
		return
	}
	var n int
	_ = host.QueryRow("SELECT COUNT(*) FROM caseagent_cases").Scan(&n)
	fmt.Println("caseagent_cases:", n, c.Number)
	// Output:
	// without a prefix: true
	// before Migrate: true
	// caseagent_cases: 1 CAS-000001
}
