package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The quickstart is the first thing a newcomer runs: it must work offline
// and show a case created, a person's edit kept, and a chat with too little
// context left without a case.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"created case CAS-000001",
		"kept priority: write policy: a person set this value",
		"serial_number     = SN-R7T2K9WM",
		"created case CAS-000002",
		"order_number      = ORD-771204",
		"skipped: create rule needs all of its fields",
		"audit trail:",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n%s", want, got)
		}
	}
	if strings.Contains(got, "CAS-000003") {
		t.Errorf("the third chat must not become a case\n%s", got)
	}
}
