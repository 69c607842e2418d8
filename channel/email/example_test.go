package email_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/jwt"
)

func ExampleParse() {
	raw := "Message-ID: <m1@example.org>\r\n" +
		"In-Reply-To: <ack-1@help.example.com>\r\n" +
		"From: =?UTF-8?Q?Ren=C3=A9?= <rene@example.org>\r\n" +
		"Subject: Re: Printer\r\n" +
		"Date: Mon, 3 Feb 2025 10:12:00 +0100\r\n" +
		"\r\n" +
		"It is the X300.\r\n" +
		"\r\n" +
		"Sent from my iPhone\r\n" +
		"\r\n" +
		"On Mon, 3 Feb 2025 at 09:00, Support <help@example.com> wrote:\r\n" +
		"> Which model is it?\r\n"
	p, err := email.Parse(strings.NewReader(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := p.Message
	fmt.Println(m.From.Name, m.ID, m.InReplyTo)
	fmt.Printf("text: %q\n", m.Text)
	fmt.Printf("signature: %q\n", m.Signature)
	fmt.Printf("quoted: %q\n", m.Quoted)
	fmt.Println("automated:", m.Automated())
	// Output:
	// René m1@example.org ack-1@help.example.com
	// text: "It is the X300."
	// signature: "Sent from my iPhone"
	// quoted: "On Mon, 3 Feb 2025 at 09:00, Support <help@example.com> wrote:\n> Which model is it?"
	// automated: false
}

func ExampleParse_bounce() {
	raw := "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n" +
		"\r\n" +
		"--r\r\n\r\nCould not deliver.\r\n" +
		"--r\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <ack-7@help.example.com>\r\n" +
		"--r--\r\n"
	p, err := email.Parse(strings.NewReader(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Classification.Class, p.Message.Bounce, p.Message.BouncedMessageID)
	// Output:
	// bounce true ack-7@help.example.com
}

func ExampleSplitReply() {
	body, quoted, sig := email.SplitReply("Geht immer noch nicht.\n\n" +
		"Von meinem iPhone gesendet\n\n" +
		"Am 03.02.2025 um 10:12 schrieb Support <hilfe@example.de>:\n" +
		"> Haben Sie neu gestartet?\n")
	fmt.Printf("%q\n%q\n%q\n", body, sig, quoted)
	// Output:
	// "Geht immer noch nicht."
	// "Von meinem iPhone gesendet"
	// "Am 03.02.2025 um 10:12 schrieb Support <hilfe@example.de>:\n> Haben Sie neu gestartet?"
}

func ExampleMessageIDs() {
	ids := email.MessageIDs{Key: []byte("a secret of at least 16 bytes"), Domain: "help.example.com"}
	if err := ids.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	id := ids.New("CAS-000123") // the Message-ID of an acknowledgement
	caseID, ok := ids.Verify(id)
	fmt.Println(caseID, ok)
	_, ok = ids.Verify(strings.Replace(id, "CAS-000123", "CAS-000124", 1))
	fmt.Println("edited id verifies:", ok)
	// Output:
	// CAS-000123 true
	// edited id verifies: false
}

func ExampleNormalizeSubject() {
	fmt.Println(email.NormalizeSubject("RE: AW: [CAS-000123] Drucker druckt nicht"))
	fmt.Println(email.CaseNumbers("RE: AW: [CAS-000123] Drucker druckt nicht"))
	// Output:
	// Drucker druckt nicht
	// [CAS-000123]
}

func ExampleClassifyHeaders() {
	c := email.ClassifyHeaders(map[string][]string{
		"Auto-Submitted": {"auto-replied"},
		"Subject":        {"Automatic reply: Printer"},
	})
	fmt.Println(c.Class, c.Reasons)
	// Output:
	// auto-reply [Auto-Submitted: auto-replied subject: Automatic reply: Printer]
}

func ExampleHTMLToText() {
	t := email.HTMLToText(`<div>Yes, <b>tomorrow</b> works.</div>` +
		`<div class="gmail_quote">On Mon, Support wrote:<blockquote>Can we call?</blockquote></div>`)
	fmt.Printf("%q\n%q\n", t.Text, t.Quoted)
	// Output:
	// "Yes, tomorrow works."
	// "On Mon, Support wrote:\n\nCan we call?"
}

func ExampleNewHandler() {
	recv := email.ReceiverFunc(func(ctx context.Context, mailbox string, p *email.Parsed) error {
		fmt.Printf("%s: %s from %s: %q\n", mailbox, p.Message.ID, p.Message.From.Email, p.Message.Text)
		return nil
	})
	key := []byte("a-long-signing-key")
	h, err := email.NewHandler(recv, email.WithSignature(key), email.WithMailbox("support"))
	if err != nil {
		fmt.Println(err)
		return
	}
	raw := "Message-ID: <m9@example.org>\r\nFrom: ann@example.org\r\nSubject: Printer\r\n\r\nIt is broken.\r\n"
	// The sender signs the body and the time it sends it at.
	ts, sig := email.Sign(key, []byte(raw), time.Now())
	req := httptest.NewRequest("POST", "/inbound", strings.NewReader(raw))
	req.Header.Set(email.HeaderTimestamp, ts)
	req.Header.Set(email.HeaderSignature, sig)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code)

	req = httptest.NewRequest("POST", "/inbound", strings.NewReader(raw))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	// Output:
	// support: m9@example.org from ann@example.org: "It is broken."
	// 200
	// 401 inbound mail: missing or wrong webhook secret or signature: missing X-Caseagent-Timestamp or X-Caseagent-Signature
}

func ExampleSMTPSender_Compose() {
	s, err := email.NewSMTPSender(email.SMTPConfig{
		Addr: "smtp.example.com:587",
		From: channel.Address{Name: "Support", Email: "help@example.com"},
		IDs:  email.MessageIDs{Key: []byte("a secret of at least 16 bytes"), Domain: "help.example.com"},
		Now:  func() time.Time { return time.Date(2025, 2, 3, 10, 12, 0, 0, time.UTC) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, raw, err := s.Compose(&channel.Outgoing{
		To:        []channel.Address{{Email: "ann@example.org"}},
		Subject:   "Re: Printer",
		Text:      "We are on it.",
		InReplyTo: "m9@example.org",
		Automated: true,
		CaseID:    "CAS-000123",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if strings.HasPrefix(line, "Message-ID:") {
			line = "Message-ID: <ca.CAS-000123....@help.example.com>" // random part elided
		}
		fmt.Println(line)
	}
	// Output:
	// Date: Mon, 03 Feb 2025 10:12:00 +0000
	// From: "Support" <help@example.com>
	// To: <ann@example.org>
	// Subject: Re: Printer
	// Message-ID: <ca.CAS-000123....@help.example.com>
	// In-Reply-To: <m9@example.org>
	// References: <m9@example.org>
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: quoted-printable
	// X-Loop: help@example.com
	// Auto-Submitted: auto-replied
	// X-Auto-Response-Suppress: All
	//
	// We are on it.
	//
}

// Microsoft 365: the application identity of a tenant sends as a shared
// mailbox, with tokens from the client credentials grant, refreshed five
// minutes before they expire. Nothing is fetched or sent until the first
// Send or Probe.
func Example_microsoft365() {
	ctx := context.Background()
	tenantID := "00000000-0000-0000-0000-000000000000"
	tokens, err := email.ClientCredentials(ctx, &clientcredentials.Config{
		ClientID:     "11111111-1111-1111-1111-111111111111",
		ClientSecret: "the app registration's secret",
		TokenURL:     "https://login.microsoftonline.com/" + tenantID + "/oauth2/v2.0/token",
		Scopes:       []string{"https://outlook.office365.com/.default"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sender, err := email.NewSMTPSender(email.SMTPConfig{
		Addr:        "smtp.office365.com:587",
		TLS:         email.StartTLS,
		Username:    "support@contoso.com",
		TokenSource: tokens,
		From:        channel.Address{Name: "Contoso Support", Email: "support@contoso.com"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = sender // sender.Probe(ctx) checks the login; sender.Send sends.

	// Microsoft 365 offers XOAUTH2 only; the default picks it.
	mech, _ := email.AutoMechanism.Choose([]string{"LOGIN", "XOAUTH2"})
	fmt.Println("mechanism:", mech)
	// Output: mechanism: XOAUTH2
}

// Google Workspace: a service account with domain-wide delegation acts
// as the support mailbox. Its tokens are cached until five minutes
// before they expire.
func Example_googleWorkspace() {
	ctx := context.Background()
	account := &jwt.Config{
		Email:      "caseagent@project-id.iam.gserviceaccount.com", // client_email of the key file
		PrivateKey: []byte("-----BEGIN PRIVATE KEY-----\n..."),     // private_key of the key file
		Scopes:     []string{"https://mail.google.com/"},
		TokenURL:   "https://oauth2.googleapis.com/token",
		Subject:    "support@example.com", // the mailbox to act as
	}
	tokens := oauth2.ReuseTokenSourceWithExpiry(nil, account.TokenSource(ctx), email.DefaultRefreshMargin)
	sender, err := email.NewSMTPSender(email.SMTPConfig{
		Addr:        "smtp.gmail.com:587",
		Username:    "support@example.com",
		TokenSource: tokens,
		Mechanism:   email.OAuthBearer,
		From:        channel.Address{Name: "Support", Email: "support@example.com"},
	})
	fmt.Println(sender != nil, err)
	// Output: true <nil>
}
