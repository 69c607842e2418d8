package email_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/internal/mailtest"
	"golang.org/x/oauth2"
)

// The tests in this file run against Postfix and Dovecot (internal/mailtest):
// Postfix's submission ports take SMTP AUTH through Dovecot, which checks
// every token with the test's introspection endpoint.

func startServers(t *testing.T) (*mailtest.Server, mailtest.User) {
	t.Helper()
	s := mailtest.Start(t, mailtest.Config{SMTP: true, Users: []string{"support", "sales"}})
	return s, s.User(t, "support")
}

func oauthSender(t *testing.T, s *mailtest.Server, u mailtest.User, addr string, tlsMode email.TLSMode, src oauth2.TokenSource, mech email.OAuthMechanism) *email.SMTPSender {
	t.Helper()
	sender, err := email.NewSMTPSender(email.SMTPConfig{
		Addr:        addr,
		Username:    u.Address,
		TokenSource: src,
		Mechanism:   mech,
		TLS:         tlsMode,
		TLSConfig:   s.TLSConfig(),
		From:        channel.Address{Name: "Support", Email: u.Address},
		Timeout:     20 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sender
}

func note(to mailtest.User, subject string) *channel.Outgoing {
	return &channel.Outgoing{To: []channel.Address{{Email: to.Address}}, Subject: subject, Text: "Your case is open."}
}

// TestOAuthSMTPSendsWithValidToken: with a valid token, each mechanism
// logs in to Postfix's submission port (STARTTLS and implicit TLS), the
// server checks the token, and the mail is delivered.
func TestOAuthSMTPSendsWithValidToken(t *testing.T) {
	s, u := startServers(t)
	sales := s.User(t, "sales")
	tests := []struct {
		name string
		mech email.OAuthMechanism
		tls  email.TLSMode
	}{
		{"xoauth2 starttls", email.XOAuth2, email.StartTLS},
		{"oauthbearer starttls", email.OAuthBearer, email.StartTLS},
		{"auto implicit tls", email.AutoMechanism, email.ImplicitTLS},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := s.SubmissionAddr()
			if tt.tls == email.ImplicitTLS {
				addr = s.SubmissionsAddr()
			}
			tok := s.IssueToken(t, u, time.Hour)
			before := s.TokenChecks()
			sender := oauthSender(t, s, u, addr, tt.tls, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), tt.mech)
			if _, err := sender.Send(context.Background(), note(sales, tt.name)); err != nil {
				t.Fatalf("Send: %v\n%s", err, s.Log())
			}
			if got := s.TokenChecks() - before; got != 1 {
				t.Errorf("the server checked %d tokens, want 1", got)
			}
			s.WaitDelivered(t, sales, i+1, 20*time.Second)
		})
	}
}

// TestOAuthSMTPRefusesBadTokens: an expired, revoked, unknown or another
// mailbox's token is refused by the server; the error says the
// credentials were refused and never shows the token; nothing is sent.
func TestOAuthSMTPRefusesBadTokens(t *testing.T) {
	s, u := startServers(t)
	sales := s.User(t, "sales")
	revoked := s.IssueToken(t, u, time.Hour)
	s.RevokeToken(revoked)
	tests := []struct {
		name string
		tok  string
		mech email.OAuthMechanism
	}{
		{"expired", s.IssueToken(t, u, -time.Second), email.XOAuth2},
		{"revoked", revoked, email.OAuthBearer},
		{"unknown", "mt-0123456789abcdef0123456789abcdef0123456789abcdef", email.XOAuth2},
		{"another mailbox's", s.IssueToken(t, sales, time.Hour), email.OAuthBearer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sender := oauthSender(t, s, u, s.SubmissionAddr(), email.StartTLS, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tt.tok}), tt.mech)
			_, err := sender.Send(context.Background(), note(sales, "must not arrive"))
			if err == nil {
				t.Fatal("Send succeeded with a bad token")
			}
			var se *email.SendError
			if !errors.As(err, &se) || se.Op != "auth" || !errors.Is(err, email.ErrAuthFailed) {
				t.Errorf("err = %v (%T); want a *SendError of auth that is ErrAuthFailed\n%s", err, err, s.Log())
			}
			if strings.Contains(err.Error(), tt.tok) {
				t.Errorf("the error shows the token: %s", err)
			}
			if !strings.Contains(err.Error(), "535") {
				t.Errorf("the error lost the server's answer: %s", err)
			}
			if se != nil && se.Temporary() {
				t.Errorf("a refused token is reported as temporary: %s", err)
			}
		})
	}
	time.Sleep(500 * time.Millisecond) // time for a wrongly accepted message to land
	for _, sub := range []string{"new", "cur"} {
		if entries, _ := filepathGlob(s.Maildir(sales), sub); entries > 0 {
			t.Errorf("%d messages delivered with bad tokens", entries)
		}
	}
}

// TestOAuthSMTPRefreshesBeforeExpiry: a TokenCache reuses a token while
// it is valid beyond the margin and fetches a new one once it is within
// the margin, before the server would refuse it; the old token, revoked
// on the server, is not used again.
func TestOAuthSMTPRefreshesBeforeExpiry(t *testing.T) {
	s, u := startServers(t)
	sales := s.User(t, "sales")
	clock := mailtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	src := &mailtest.TokenSource{T: t, Server: s, User: u, TTL: 10 * time.Minute, Now: clock.Now}
	cache, err := email.NewTokenCache(src, email.WithRefreshMargin(5*time.Minute), email.WithTokenClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	sender := oauthSender(t, s, u, s.SubmissionAddr(), email.StartTLS, cache, email.AutoMechanism)
	send := func(step string) {
		t.Helper()
		if _, err := sender.Send(context.Background(), note(sales, step)); err != nil {
			t.Fatalf("%s: %v\n%s", step, err, s.Log())
		}
	}
	send("first")
	clock.Advance(4 * time.Minute) // 6 minutes left: reused
	send("second")
	if got := cache.Fetches(); got != 1 {
		t.Fatalf("after two sends 4 minutes apart: %d tokens fetched, want 1", got)
	}
	clock.Advance(2 * time.Minute) // 4 minutes left, within the margin: replaced
	s.RevokeToken(src.Issued()[0])
	send("third")
	if got := cache.Fetches(); got != 2 {
		t.Errorf("within the margin: %d tokens fetched, want 2", got)
	}
	s.WaitDelivered(t, sales, 3, 20*time.Second)
}

// TestSMTPProbe: Probe logs in and sends nothing; wrong credentials and a
// closed port are errors that say which, without the secret.
func TestSMTPProbe(t *testing.T) {
	s, u := startServers(t)
	sales := s.User(t, "sales")
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	tests := []struct {
		name     string
		addr     string
		password string
		token    string
		wantOp   string // "" for success
		refused  bool
	}{
		{"password", s.SubmissionAddr(), u.Password, "", "", false},
		{"token", s.SubmissionAddr(), "", s.IssueToken(t, u, time.Hour), "", false},
		{"wrong password", s.SubmissionAddr(), "not-the-Passw0rd", "", "auth", true},
		{"expired token", s.SubmissionAddr(), "", s.IssueToken(t, u, -time.Minute), "auth", true},
		{"refused connection", closed, u.Password, "", "dial", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := email.SMTPConfig{
				Addr: tt.addr, Username: u.Address, Password: tt.password,
				TLSConfig: s.TLSConfig(), From: channel.Address{Email: u.Address}, Timeout: 20 * time.Second,
			}
			if tt.token != "" {
				cfg.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tt.token})
			}
			sender, err := email.NewSMTPSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = sender.Probe(context.Background())
			if tt.wantOp == "" {
				if err != nil {
					t.Fatalf("Probe: %v\n%s", err, s.Log())
				}
				return
			}
			var se *email.SendError
			if !errors.As(err, &se) || se.Op != tt.wantOp {
				t.Fatalf("Probe: err = %v; want a *SendError of %s", err, tt.wantOp)
			}
			if errors.Is(err, email.ErrAuthFailed) != tt.refused {
				t.Errorf("errors.Is(err, ErrAuthFailed) = %v, want %v: %v", !tt.refused, tt.refused, err)
			}
			for _, secret := range []string{tt.password, tt.token} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows a secret: %s", err)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	if n, _ := filepathGlob(s.Maildir(sales), "new"); n > 0 {
		t.Errorf("Probe delivered %d messages", n)
	}
}

// filepathGlob counts the files in the folder sub of a Maildir.
func filepathGlob(maildir, sub string) (int, error) {
	entries, err := os.ReadDir(filepath.Join(maildir, sub))
	return len(entries), err
}
