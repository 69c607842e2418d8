package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The quickstart is the first thing a newcomer runs: it must work offline
// and show a case created, a person's edit kept, a chat with too little
// context left without a case, an email that becomes a case through the
// intake rule and is acknowledged, its redelivery dropped, and the reply
// that updates it.
func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, ""); err != nil {
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
		"=== Email 1: a new email to the support mailbox",
		"would send: [CAS-000003] Outdoor camera floodlight stays on all night",
		`To: "Elif Demir" <elif.demir@example.com>`,
		"In-Reply-To: <8f2e1c@mail.example.com>",
		"-> at arrival: created case CAS-000003 (origin, title, contact,",
		"-> at arrival: duplicate: duplicate delivery of 8f2e1c@mail.example.com",
		"-> at arrival: updated case CAS-000003 (serial_number)",
		`CAS-000003  "Outdoor camera floodlight stays on all night"`,
		"contact           = C-1005",
		"product           = P-CAM4O",
		"serial_number     = SN-F4Q8L2ZC",
		"intake_rule:support mailbox case              created",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n%s", want, got)
		}
	}
	if strings.Contains(got, "CAS-000004") {
		t.Errorf("the third chat, the redelivery and the reply must not become cases\n%s", got)
	}
	if n := strings.Count(got, "would send:"); n != 1 {
		t.Errorf("%d messages sent, want one acknowledgement\n%s", n, got)
	}
}
