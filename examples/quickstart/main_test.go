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
// that updates it; then, on the help center's line of business, one case
// resolved by an answer quoted from a knowledge article with its
// citations, and one question for the missing order number.
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
		"=== Email 3: a question the help center's articles answer",
		`-> resolution (line "help center", automation full): intent reset_password`,
		"decision: resolved",
		`cites kb-password-reset: "Open the Acme Home app, tap Sign in`,
		"would send: Re: Forgot my password [CAS-000004]",
		"    | Hello Chen Wei,",
		"    | Open the Acme Home app, tap Sign in, then tap \"Forgot password?\".",
		"    | - Reset a forgotten password: https://help.acme-home.example/en/reset-password",
		`CAS-000004  "Forgot my password"  status waiting_on_customer`,
		"=== Email 4: a return that needs the order number",
		"intent return_product",
		"decision: question, asking for order_number",
		"would send: Re: Sending the hub back [CAS-000005]",
		"    | - What is your order number?",
		`CAS-000005  "Sending the hub back"  status waiting_on_customer`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q\n%s", want, got)
		}
	}
	if strings.Contains(got, "CAS-000006") {
		t.Errorf("the third chat, the redelivery and the reply must not become cases\n%s", got)
	}
	if n := strings.Count(got, "would send:"); n != 3 {
		t.Errorf("%d messages sent, want one acknowledgement, one answer and one question\n%s", n, got)
	}
	if n := strings.Count(got, "What is your order number?"); n != 1 {
		t.Errorf("the order number asked %d times, want once\n%s", n, got)
	}
}
