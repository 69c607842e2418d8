package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
)

// The command reads a SQLite file and writes the page, or the figures as
// JSON, for the days asked.
func TestInsightsCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "cases.db")
	store, err := sqlstore.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	bot := casemgmt.Actor{Kind: casemgmt.ActorAgent}
	c := &casemgmt.Case{Title: "Plug sparks", Fields: casemgmt.Values{"priority": "High"}}
	if err := store.CreateCase(ctx, c, casemgmt.Write{Time: at,
		Audit:       []casemgmt.AuditEntry{{Field: "priority", New: "High", Actor: bot}},
		Interaction: &casemgmt.Interaction{Trigger: "conversation_ended", Actor: bot, Outcome: casemgmt.OutcomeCreated}}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	html := filepath.Join(dir, "report.html")
	var out bytes.Buffer
	if err := run(ctx, []string{"-db", db, "-o", html, "-from", "2026-02-24", "-to", "2026-03-02", "-tz", "Europe/Paris"}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "1 runs, 1 values written (1 kept, 0 corrected, 0 removed), 1 cases read, 2026-02-24 to 2026-03-02"; !strings.Contains(out.String(), want) {
		t.Errorf("summary %q; want it to say %q", out.String(), want)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte("<svg")) || !bytes.Contains(page, []byte("Tue 24 Feb 2026 – Mon 2 Mar 2026 (Europe/Paris)")) {
		t.Errorf("the page lacks its charts or its period:\n%.600s", page)
	}

	out.Reset()
	if err := run(ctx, []string{"-db", db, "-o", "-", "-json", "-from", "2026-03-02", "-to", "2026-03-02"}, &out); err != nil {
		t.Fatal(err)
	}
	var figures struct {
		Days []struct{ Date string } `json:"days"`
		Runs struct{ Created int }   `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &figures); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if len(figures.Days) != 1 || figures.Days[0].Date != "2026-03-02" || figures.Runs.Created != 1 {
		t.Errorf("JSON figures %+v; want one day, 2026-03-02, one case created", figures)
	}

	if err := run(ctx, []string{"-db", filepath.Join(dir, "missing.db")}, &out); err == nil {
		t.Error("a missing database file is not an error")
	}
}
