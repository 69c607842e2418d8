// Command custom-store is a template for a storage adapter: a complete
// casemgmt.Store kept in one JSON file, proven by the same conformance
// suite as the stores the SDK ships.
//
// # Adapting it
//
// Copy this folder into your project and replace FileStore's insides with
// calls to your database or CRM, method by method. What each method must
// do is written on casemgmt.Store and its parts (CaseStore, ContactStore,
// Journal, Coordinator); the points that take care:
//
//   - A write and what it records (Write: audit entries, the interaction,
//     the idempotency key) happen in one transaction: all or nothing.
//     FileStore gets that by writing a whole new file and renaming it; a
//     database gets it from BEGIN ... COMMIT.
//   - UpdateCase compares versions inside the transaction (UPDATE ... WHERE
//     id = ? AND version = ?) and returns casemgmt.ErrConflict when the
//     version moved on.
//   - Conversation and email links belong to one case at most, external ids
//     and contact emails are unique: unique indexes, mapped to
//     casemgmt.ErrDuplicate.
//   - Errors wrap the casemgmt sentinels so errors.Is works; a cancelled
//     context returns ctx.Err() and changes nothing.
//   - Field values keep their Go types (string, bool, int64, float64):
//     store casemgmt.Values as JSON, or use casemgmt.EncodeValue.
//   - Contacts are found by email, phone and name as casemgmt.MatchContact
//     compares them; index phones by casemgmt.PhoneKey.
//
// Beyond Store, FileStore implements the optional interfaces hosts use to
// follow the store: casemgmt.Lister (cases page by page, by creation time
// and id), casemgmt.Feed (every committed change in commit order, written
// with the change: in a database, number entries from a counter row each
// write updates last, not from a sequence) and casemgmt.Purger (old keys,
// interactions and feed entries). The suite tests each one a store has,
// and skips the others.
//
// Then keep store_test.go: storetest.Run(t, newStore) runs the whole
// suite, concurrency included, against your adapter. Run it with -race.
//
// # Running it
//
//	go run ./examples/custom-store -file /tmp/cases.json
//
// creates a case in the file (or the next one, when run again) and prints
// what the store holds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
)

func main() {
	file := flag.String("file", filepath.Join(os.TempDir(), "caseagent-cases.json"), "the JSON file that keeps the store")
	flag.Parse()
	if err := run(context.Background(), *file); err != nil {
		fmt.Fprintln(os.Stderr, "custom-store:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, file string) error {
	s, err := OpenFileStore(file)
	if err != nil {
		return err
	}
	person := casemgmt.Actor{Kind: casemgmt.ActorPerson, ID: "demo"}
	c := &casemgmt.Case{
		Title:  "Router reboots every few minutes",
		Origin: "Chat",
		Fields: casemgmt.Values{"issue_description": "The router reboots every few minutes."},
		Provenance: map[string]casemgmt.Provenance{
			"issue_description": {Actor: person, Time: time.Now()},
		},
	}
	err = s.CreateCase(ctx, c, casemgmt.Write{Audit: []casemgmt.AuditEntry{
		{Field: casemgmt.AttrCase, New: "created", Actor: person, Reason: "custom-store demo"},
	}})
	if err != nil {
		return err
	}
	audit, err := s.ListAudit(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Printf("%s %q (%s, version %d) in %s, %d audit entries\n", c.Number, c.Title, c.Status, c.Version, file, len(audit))
	return nil
}
