package mailtest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/internal/mailtest"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func login(t *testing.T, addr string, u mailtest.User) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Address, u.Password).Wait(); err != nil {
		t.Fatalf("login %s: %v", u.Address, err)
	}
	return c
}

// TestSMTPToIMAP sends a message through Postfix and reads it back from
// Dovecot; mail for other domains is refused.
func TestSMTPToIMAP(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{SMTP: true, Users: []string{"support"}})
	u := s.User(t, "support")
	other := s.AddUser(t, "sales")
	msg := "From: a@customer.test\r\nTo: support@example.test\r\nSubject: hello\r\nMessage-ID: <m1@customer.test>\r\n\r\nHi.\r\n"
	if err := smtp.SendMail(s.SMTPAddr(), nil, "a@customer.test", []string{u.Address}, []byte(msg)); err != nil {
		t.Fatalf("send: %v\n%s", err, s.Log())
	}
	err := smtp.SendMail(s.SMTPAddr(), nil, "a@customer.test", []string{"x@elsewhere.test"}, []byte(msg))
	if err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("relaying to another domain: err = %v, want a 550 refusal", err)
	}
	if err := smtp.SendMail(s.SMTPAddr(), nil, "a@customer.test", []string{other.Address}, []byte(msg)); err != nil {
		t.Fatalf("send to a user added later: %v\n%s", err, s.Log())
	}
	s.WaitDelivered(t, u, 1, 20*time.Second)
	s.WaitDelivered(t, other, 1, 20*time.Second)

	c := login(t, s.IMAPAddr(), u)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Fatalf("INBOX of %s has %d messages, want 1", u.Address, sel.NumMessages)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].BodySection[0].Bytes), "<m1@customer.test>") {
		t.Errorf("fetched %+v, want the message sent", msgs)
	}
	c2 := login(t, s.IMAPAddr(), other)
	sel, err = c2.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Errorf("INBOX of %s has %d messages, want 1", other.Address, sel.NumMessages)
	}
}

// TestControl checks the failure helpers: UIDVALIDITY changes, a kick
// drops the connection, a restart keeps the mail.
func TestControl(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{})
	u := s.AddUser(t, "support")
	c := login(t, s.IMAPAddr(), u)
	raw := "Subject: x\r\n\r\nx\r\n"
	app := c.Append("INBOX", int64(len(raw)), nil)
	app.Write([]byte(raw))
	app.Close()
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}
	before, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	c.Logout().Wait()

	s.SetUIDValidity(t, u, "INBOX", before.UIDValidity+7)
	c = login(t, s.IMAPAddr(), u)
	after, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if after.UIDValidity != before.UIDValidity+7 {
		t.Errorf("UIDVALIDITY = %d, want %d", after.UIDValidity, before.UIDValidity+7)
	}

	s.Kick(t, u)
	select {
	case <-c.Closed():
	case <-time.After(10 * time.Second):
		t.Fatal("connection still open after Kick")
	}

	s.RestartIMAP(t)
	c = login(t, s.IMAPAddr(), u)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Errorf("after restart: %d messages, want 1", sel.NumMessages)
	}
}

// TestTLS logs in over implicit TLS and over STARTTLS, trusting only the
// server's own certificate.
func TestTLS(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	opts := &imapclient.Options{TLSConfig: s.TLSConfig()}
	c, err := imapclient.DialTLS(s.IMAPSAddr(), opts)
	if err != nil {
		t.Fatalf("implicit TLS: %v\n%s", err, s.Log())
	}
	if err := c.Login(u.Address, u.Password).Wait(); err != nil {
		t.Errorf("login over implicit TLS: %v", err)
	}
	c.Close()
	c, err = imapclient.DialStartTLS(s.IMAPAddr(), opts)
	if err != nil {
		t.Fatalf("STARTTLS: %v\n%s", err, s.Log())
	}
	if err := c.Login(u.Address, u.Password).Wait(); err != nil {
		t.Errorf("login after STARTTLS: %v", err)
	}
	c.Close()
	if c, err := imapclient.DialTLS(s.IMAPSAddr(), nil); err == nil {
		c.Close()
		t.Error("implicit TLS succeeded without trusting the test certificate")
	}
}
