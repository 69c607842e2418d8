package email

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
)

// TestComposeFoldsLongHeaders: a customer's long subject, answered as
// "Re: {{subject}}", gives header lines within RFC 5322's limits that
// read back as the same subject.
func TestComposeFoldsLongHeaders(t *testing.T) {
	words := func(w string, n int) string {
		var b strings.Builder
		for b.Len() < n {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		}
		return strings.TrimSpace(b.String()[:n])
	}
	tests := []struct {
		name    string
		subject string
		fold78  bool // every line fits 78 octets
	}{
		{"5,000 bytes of words", "Re: " + words("printer", 5000), true},
		{"5,000 bytes of non-ASCII words", "Re: " + words("Drucker-Größe ärgerlich", 5000), true},
		{"5,000 bytes of CJK", "Re: " + strings.Repeat("打印机坏了", 5000/15), true},
		{"5,000 bytes without a space", "Re: " + strings.Repeat("x", 5000), true},
		{"one word of 200 bytes among others", "Re: about " + strings.Repeat("y", 200) + " and more", true},
		{"text that looks like an encoded word", "Re: =?utf-8?q?hello?= there", true},
		{"short", "Re: Printer", true},
	}
	s, err := NewSMTPSender(SMTPConfig{
		Addr: "smtp.example.com:587",
		From: channel.Address{Name: "Support Team of a Company With a Rather Long Name", Email: "help@example.com"},
		IDs:  MessageIDs{Key: []byte("a secret of at least 16 bytes"), Domain: "help.example.com"},
		Now:  func() time.Time { return time.Date(2025, 2, 3, 10, 12, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, raw, err := s.Compose(&channel.Outgoing{
				To:      []channel.Address{{Name: "Ann Müller", Email: "ann@example.org"}},
				Subject: tt.subject,
				Text:    "We are on it.",
				Headers: map[string]string{"X-Note": tt.subject},
			})
			if err != nil {
				t.Fatal(err)
			}
			head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			for _, line := range strings.Split(string(head), "\r\n") {
				if len(line) > 998 || (tt.fold78 && len(line) > 78) {
					t.Errorf("header line of %d octets: %.80q...", len(line), line)
				}
				for i := 0; i < len(line); i++ {
					if line[i] >= 0x80 {
						t.Fatalf("non-ASCII octet in header line %.80q", line)
					}
				}
				for _, w := range strings.Fields(line) {
					if strings.HasPrefix(w, "=?") && len(w) > 75 {
						t.Errorf("encoded word of %d characters", len(w))
					}
				}
			}
			p := mustParse(t, raw)
			if p.Message.Subject != tt.subject {
				t.Errorf("subject read back differs:\n got %.120q (%d bytes)\nwant %.120q (%d bytes)", p.Message.Subject, len(p.Message.Subject), tt.subject, len(tt.subject))
			}
			if !utf8.ValidString(p.Message.Subject) {
				t.Error("subject read back is not UTF-8")
			}
			if got := p.Message.Headers["X-Note"]; len(got) != 1 || got[0] != tt.subject {
				t.Errorf("X-Note read back differs")
			}
			if p.Message.To[0].Name != "Ann Müller" {
				t.Errorf("To read back as %+v", p.Message.To)
			}
		})
	}
}
