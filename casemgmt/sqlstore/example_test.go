package sqlstore_test

import (
	"context"
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
