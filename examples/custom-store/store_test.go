package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/storetest"
)

// TestConformance runs the SDK's conformance suite against FileStore.
// Keep this test when you adapt the template.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) casemgmt.Store {
		s, err := OpenFileStore(filepath.Join(t.TempDir(), "cases.json"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestReopen checks that what was written is there after a restart.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cases.json")
	s, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	c := &casemgmt.Case{Title: "t", Fields: casemgmt.Values{"n": int64(2), "x": 2.0}, Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: "m1"}}}
	if err := s.CreateCase(ctx, c, casemgmt.Write{Key: "k", Audit: []casemgmt.AuditEntry{{Field: "n", New: int64(2), Actor: casemgmt.Actor{Kind: casemgmt.ActorPerson}}}}); err != nil {
		t.Fatal(err)
	}
	again, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := again.GetCase(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("case after reopening (-want +got):\n%s", diff)
	}
	if first, _ := again.UseKey(ctx, "k"); first {
		t.Error("the key was forgotten")
	}
	if es, _ := again.ListAudit(ctx, c.ID); len(es) != 1 || es[0].New != int64(2) {
		t.Errorf("audit after reopening: %+v", es)
	}
	// The next case gets the next number.
	c2 := &casemgmt.Case{}
	if err := again.CreateCase(ctx, c2, casemgmt.Write{}); err != nil || c2.Number != casemgmt.FormatNumber(2) {
		t.Errorf("next case: %s, %v", c2.Number, err)
	}
}

func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cases.json")
	for range 2 {
		if err := run(context.Background(), path); err != nil {
			t.Fatal(err)
		}
	}
	s, err := OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetCaseByNumber(context.Background(), casemgmt.FormatNumber(2)); err != nil {
		t.Errorf("second run did not create the second case: %v", err)
	}
}
