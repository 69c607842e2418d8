package email

import (
	"regexp"
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestThreadKeys(t *testing.T) {
	m := &channel.Message{ID: "self@x", InReplyTo: "c@x", References: []string{"a@x", "b@x", "c@x", "self@x"}}
	want := []string{"c@x", "b@x", "a@x"}
	if d := cmp.Diff(want, ThreadKeys(m)); d != "" {
		t.Errorf("ThreadKeys (-want +got):\n%s", d)
	}
	if got := ThreadKeys(&channel.Message{}); len(got) != 0 {
		t.Errorf("ThreadKeys of a new message = %v", got)
	}
}

func TestNormalizeSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Printer jam", "Printer jam"},
		{"Re: Printer jam", "Printer jam"},
		{"RE: AW: Printer  jam", "Printer jam"},
		{"Aw: WG: Printer jam", "Printer jam"},
		{"RE[2]: Printer jam", "Printer jam"},
		{"Re^2: Printer jam", "Printer jam"},
		{"Fwd: FW: TR: RV: Printer jam", "Printer jam"},
		{"SV: VS: Antw: R: Odp: Printer jam", "Printer jam"},
		{"[support] Re: [CAS-000123] Printer jam", "Printer jam"},
		{"Re : Printer jam", "Printer jam"},
		{"回复: Printer jam", "Printer jam"},
		{"Re:", ""},
		{"Regarding invoices", "Regarding invoices"},
		{"Reply needed", "Reply needed"},
	}
	for _, tt := range tests {
		if got := NormalizeSubject(tt.in); got != tt.want {
			t.Errorf("NormalizeSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsForward(t *testing.T) {
	tests := []struct {
		name string
		m    channel.Message
		want bool
	}{
		{"fwd subject", channel.Message{Subject: "Fwd: invoice", InReplyTo: "a@x"}, true},
		{"german wg", channel.Message{Subject: "WG: Rechnung"}, true},
		{"french tr", channel.Message{Subject: "TR: facture"}, true},
		{"list tag then fw", channel.Message{Subject: "[ext] FW: invoice"}, true},
		{"reply to forward", channel.Message{Subject: "Re: Fwd: invoice", InReplyTo: "a@x"}, false},
		{"plain reply", channel.Message{Subject: "Re: invoice", InReplyTo: "a@x"}, false},
		{"forwarded block, no prefix", channel.Message{Subject: "look at this", Quoted: "---------- Forwarded message ---------\nFrom: x"}, true},
		{"original message block is not a forward", channel.Message{Subject: "hi", Quoted: "-----Original Message-----\nFrom: x"}, false},
		{"new message", channel.Message{Subject: "Printer"}, false},
	}
	for _, tt := range tests {
		if got := IsForward(&tt.m); got != tt.want {
			t.Errorf("%s: IsForward = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCaseNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Re: [CAS-000123] Printer", []string{"CAS-000123"}},
		{"[Case #CAS-42] and [CAS-43] and [CAS-42]", []string{"CAS-42", "CAS-43"}},
		{"CAS-000123 without brackets", nil},
		{"[support] hello", nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, CaseNumbers(tt.in), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("CaseNumbers(%q) (-want +got):\n%s", tt.in, d)
		}
	}
	own := regexp.MustCompile(`Ticket (\d{4,})`)
	if d := cmp.Diff([]string{"98765"}, CaseNumbersMatching("About Ticket 98765", own)); d != "" {
		t.Errorf("CaseNumbersMatching (-want +got):\n%s", d)
	}
}

func TestMessageIDs(t *testing.T) {
	g := MessageIDs{Key: []byte("0123456789abcdef0123"), Domain: "help.example.com"}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, caseID := range []string{"CAS-000123", "case_7", "8f14e45f-ceea-467e-a8f1-9d3b7a9e2d10", "odd.id@with spaces/ü"} {
		id := g.New(caseID)
		if !strings.HasPrefix(id, "<c") || !strings.HasSuffix(id, "@help.example.com>") {
			t.Errorf("New(%q) = %q: not a bracketed id on our domain", caseID, id)
		}
		if ids := ParseMessageIDs(id); len(ids) != 1 {
			t.Errorf("New(%q) = %q does not parse as one message id", caseID, id)
		}
		got, ok := g.Verify(id)
		if !ok || got != caseID {
			t.Errorf("Verify(New(%q)) = %q, %v", caseID, got, ok)
		}
		if got, ok := g.Verify(strings.Trim(id, "<>")); !ok || got != caseID {
			t.Errorf("Verify without brackets = %q, %v", got, ok)
		}
	}
	if a, b := g.New("CAS-1"), g.New("CAS-1"); a == b {
		t.Errorf("two ids for the same case are equal: %s", a)
	}

	id := strings.Trim(g.New("CAS-000123"), "<>")
	local, domain, _ := strings.Cut(id, "@")
	parts := strings.Split(local, ".")
	forged := []string{
		"<ca.CAS-000124." + parts[2] + "." + parts[3] + "@" + domain + ">",  // another case
		"<ca.CAS-000123." + parts[2] + "X." + parts[3] + "@" + domain + ">", // edited random part
		"<ca.CAS-000123." + parts[2] + ".AAAAAAAAAAAAAAAAAAAAAAAA@" + domain + ">",
		"<" + local + "@evil.example.net>", // another domain
		"<ca.CAS-000123." + parts[2] + "@" + domain + ">",
		"<cb.!!!." + parts[2] + "." + parts[3] + "@" + domain + ">",
		"<" + local + ">",
		"",
		"<>",
	}
	for _, f := range forged {
		if c, ok := g.Verify(f); ok {
			t.Errorf("Verify(%q) = %q, true; a forged id must not verify", f, c)
		}
	}
	other := MessageIDs{Key: []byte("another key of 16+ bytes"), Domain: "help.example.com"}
	if _, ok := other.Verify(id); ok {
		t.Error("an id made with another key verifies")
	}
	if _, ok := (MessageIDs{Domain: "help.example.com"}).Verify(id); ok {
		t.Error("an empty key verifies")
	}
	if got, ok := g.CaseOf(&channel.Message{InReplyTo: "x@y", References: []string{id, "z@w"}}); !ok || got != "CAS-000123" {
		t.Errorf("CaseOf = %q, %v", got, ok)
	}
}

func TestMessageIDsInvalidConfig(t *testing.T) {
	for _, g := range []MessageIDs{{Key: []byte("short"), Domain: "x.example"}, {Key: []byte("0123456789abcdef"), Domain: "not a domain"}} {
		if err := g.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", g)
		}
		id := g.New("CAS-1")
		if _, ok := g.Verify(id); ok {
			t.Errorf("an id made with an invalid configuration verifies: %s", id)
		}
		if len(ParseMessageIDs(id)) != 1 {
			t.Errorf("New made an unusable id %q", id)
		}
	}
}
