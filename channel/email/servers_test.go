package email

import (
	"strings"
	"testing"

	"github.com/caseagent/caseagent/channel"
	"github.com/google/go-cmp/cmp"
)

// TestBulkMailIsFlagged: list, bulk and junk mail is flagged on the
// message, whatever else it is, so that it creates no case and gets no
// acknowledgement by default.
func TestBulkMailIsFlagged(t *testing.T) {
	base := "From: News <news@shop.example>\nTo: help@example.com\nSubject: Our spring offers\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nMessage-ID: <n1@shop.example>\n"
	tests := []struct {
		name      string
		header    string
		bulk      bool
		automated bool
	}{
		{"precedence bulk", "Precedence: bulk\n", true, false},
		{"precedence list", "Precedence: list\n", true, false},
		{"precedence junk", "Precedence: junk\n", true, false},
		{"list-id", "List-Id: Offers <offers.shop.example>\n", true, false},
		{"list-unsubscribe", "List-Unsubscribe: <https://shop.example/u?x=1>, <mailto:u@shop.example>\n", true, false},
		{"auto-reply to a list", "Auto-Submitted: auto-replied\nList-Id: <team.example.org>\n", true, true},
		{"person", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, crlf(base+tt.header+"\nHello.\n"))
			if p.Message.Bulk != tt.bulk || p.Classification.Bulk != tt.bulk || p.Message.Automated() != tt.automated {
				t.Errorf("Bulk = %v (classification %v), Automated = %v; want %v, %v (%v)",
					p.Message.Bulk, p.Classification.Bulk, p.Message.Automated(), tt.bulk, tt.automated, p.Classification.Reasons)
			}
		})
	}
}

// TestHeaderAsServersWriteIt: header syntax readers must accept.
func TestHeaderAsServersWriteIt(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want channel.Message
	}{
		{
			"space before the colon",
			"From : Ann <ann@example.org>\nSubject\t: Printer broken\nMessage-ID : <s1@example.org>\nDate: Mon, 3 Feb 2025 10:12:00 +0100\n\nIt prints blank pages.\n",
			channel.Message{ID: "s1@example.org", From: channel.Address{Name: "Ann", Email: "ann@example.org"}, Subject: "Printer broken", Text: "It prints blank pages."},
		},
		{
			"no blank line before the body",
			"From: ann@example.org\nSubject: Printer broken\nMessage-ID: <s2@example.org>\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nMy printer prints blank pages.\nModel X300.\n",
			channel.Message{ID: "s2@example.org", From: channel.Address{Email: "ann@example.org"}, Subject: "Printer broken", Text: "My printer prints blank pages.\nModel X300."},
		},
		{
			"no blank line, the body line has a colon later",
			"From: ann@example.org\nSubject: Printer broken\nMessage-ID: <s3@example.org>\nDate: Mon, 3 Feb 2025 10:12:00 +0100\nThe display says: error 42\n",
			channel.Message{ID: "s3@example.org", From: channel.Address{Email: "ann@example.org"}, Subject: "Printer broken", Text: "The display says: error 42"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, crlf(tt.raw))
			m := p.Message
			got := channel.Message{ID: m.ID, From: m.From, Subject: m.Subject, Text: m.Text}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s\nproblems: %v", d, p.Problems)
			}
		})
	}
}

// TestBouncesServersSend: bounces that are not delivery-status reports.
func TestBouncesServersSend(t *testing.T) {
	sesInner := `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"gone@example.net"}]},"mail":{"messageId":"0100018d-aaaa"}}`
	complaintInner := `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"ann@example.net"}]},"mail":{"messageId":"0100018d-bbbb"}}`
	wrap := func(inner string) string {
		esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(inner)
		return `{"Type":"Notification","MessageId":"11-22","TopicArn":"arn:aws:sns:eu-west-1:1:ses","Message":"` + esc + `"}`
	}
	tests := []struct {
		name   string
		raw    string
		bounce bool
	}{
		{"ses bounce escaped in sns", "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n" + wrap(sesInner) + "\n", true},
		{"ses complaint escaped in sns", "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n" + wrap(complaintInner) + "\n", true},
		{"ses bounce as sent", "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n" + sesInner + "\n", true},
		{"undeliverable message in the subject", "From: Mail Server <server@mx.example.net>\nSubject: Undeliverable message\nAuto-Submitted: auto-generated\n\nYour note to bob@example.net did not arrive.\n", true},
		{"provider text, english", "From: Mail Server <notify@mx.example.net>\nSubject: Notice\nAuto-Submitted: auto-generated\n\nYour message wasn't delivered to bob@example.net because the address couldn't be found.\n", true},
		{"provider text, german", "From: Mailsystem <system@mx.example.de>\nSubject: Hinweis\nReturn-Path: <>\n\nIhre Nachricht konnte nicht zugestellt werden: Empfänger unbekannt.\n", true},
		{"provider text, french", "From: Serveur <serveur@mx.example.fr>\nSubject: Avis\nAuto-Submitted: auto-replied\n\nVotre message n'a pas pu être remis au destinataire.\n", true},
		{"provider text, spanish", "From: Servidor <srv@mx.example.es>\nSubject: Aviso\nAuto-Submitted: auto-generated\n\nEl mensaje no se pudo entregar al destinatario.\n", true},
		{"provider text, dutch", "From: Server <srv@mx.example.nl>\nSubject: Melding\nAuto-Submitted: auto-generated\n\nUw bericht kon niet worden bezorgd bij de ontvanger.\n", true},
		{"a person quoting a bounce text", "From: ann@example.org\nSubject: Your address\n\nWhen I write to you I get \"Your message wasn't delivered\". Why?\n", false},
		{"a person forwarded by an exchange rule", "From: ann@example.org\nSubject: Printer\nX-MS-Exchange-Inbox-Rules-Loop: ann@example.org\n\nThe printer is broken.\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, crlf(tt.raw))
			if p.Message.Bounce != tt.bounce {
				t.Errorf("Bounce = %v (%s %v), want %v", p.Message.Bounce, p.Classification.Class, p.Classification.Reasons, tt.bounce)
			}
			if !tt.bounce && p.Message.Automated() {
				t.Errorf("a person's message is classified %s (%v)", p.Classification.Class, p.Classification.Reasons)
			}
		})
	}
}
