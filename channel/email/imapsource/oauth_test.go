package imapsource_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/channel/email/imapsource"
	"github.com/caseagent/caseagent/internal/mailtest"
	"golang.org/x/oauth2"
)

func static(tok string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})
}

// TestOAuthLogin: with a valid token, each mechanism over each TLS mode
// logs in, the server checks the token once, and the mail is read.
func TestOAuthLogin(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	dialAdmin(t, s, u).append("INBOX", message("oauth@client.test", "Printer broken."))
	tests := []struct {
		name string
		mech email.OAuthMechanism
		mode imapsource.TLSMode
		addr string
	}{
		{"xoauth2 implicit tls", email.XOAuth2, imapsource.ImplicitTLS, s.IMAPSAddr()},
		{"oauthbearer starttls", email.OAuthBearer, imapsource.StartTLS, s.IMAPAddr()},
		{"auto clear text on loopback", email.AutoMechanism, imapsource.NoTLS, s.IMAPAddr()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			before := s.TokenChecks()
			p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
				c.Password, c.TokenSource, c.Mechanism = "", static(s.IssueToken(t, u, time.Hour)), tt.mech
				c.TLS, c.Addr, c.TLSConfig = tt.mode, tt.addr, s.TLSConfig()
				c.Mark, c.Flag = imapsource.MarkFlag, "$done"+strings.ReplaceAll(tt.name, " ", "-")
			})
			rep, err := p.PollOnce(context.Background())
			if err != nil || rep.Received != 1 {
				t.Fatalf("PollOnce = %+v, %v; want the message\n%s", rep, err, s.Log())
			}
			if got := s.TokenChecks() - before; got != 1 {
				t.Errorf("the server checked %d tokens, want 1", got)
			}
		})
	}
}

// TestOAuthRefused: an expired, revoked or another mailbox's token is
// refused by the server; the error is email.ErrAuthFailed, names the
// step and does not show the token; nothing is read.
func TestOAuthRefused(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support", "sales"}})
	u := s.User(t, "support")
	dialAdmin(t, s, u).append("INBOX", message("refused@client.test", "x"))
	revoked := s.IssueToken(t, u, time.Hour)
	s.RevokeToken(revoked)
	tests := []struct {
		name string
		tok  string
		mech email.OAuthMechanism
	}{
		{"expired", s.IssueToken(t, u, -time.Second), email.XOAuth2},
		{"revoked", revoked, email.OAuthBearer},
		{"another mailbox's", s.IssueToken(t, s.User(t, "sales"), time.Hour), email.XOAuth2},
		{"unknown", "mt-not-a-token-the-server-issued-0123456789", email.OAuthBearer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
				c.Password, c.TokenSource, c.Mechanism = "", static(tt.tok), tt.mech
			})
			_, err := p.PollOnce(context.Background())
			var ie *imapsource.Error
			if !errors.As(err, &ie) || !strings.HasPrefix(ie.Op, "authenticate") || !errors.Is(err, email.ErrAuthFailed) {
				t.Fatalf("PollOnce: %v; want an *Error of authenticate that is email.ErrAuthFailed", err)
			}
			if strings.Contains(err.Error(), tt.tok) {
				t.Errorf("the error shows the token: %s", err)
			}
			if len(rec.IDs()) != 0 {
				t.Errorf("read %v with a refused token", rec.IDs())
			}
		})
	}
}

// TestOAuthSessionRenewedBeforeExpiry: the poller keeps its connection
// while the token it logged in with is valid, and logs in anew, with a
// fresh token from the TokenCache, shortly before that token expires;
// the old token, revoked on the server by then, is not used again.
func TestOAuthSessionRenewedBeforeExpiry(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	a := dialAdmin(t, s, u)
	clock := mailtest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	src := &mailtest.TokenSource{T: t, Server: s, User: u, TTL: 10 * time.Minute, Now: clock.Now}
	cache, err := email.NewTokenCache(src, email.WithRefreshMargin(5*time.Minute), email.WithTokenClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	d := &countingDialer{}
	rec := &recorder{}
	p := newPoller(t, s, u, newMemState(), rec, func(c *imapsource.Config) {
		c.Password, c.TokenSource, c.Now, c.Dial = "", cache, clock.Now, d.Dial
	})
	poll := func(step string, wantDials, wantFetches int) {
		t.Helper()
		a.append("INBOX", message(step+"@client.test", "x"))
		if rep, err := p.PollOnce(context.Background()); err != nil || rep.Received != 1 {
			t.Fatalf("%s: PollOnce = %+v, %v\n%s", step, rep, err, s.Log())
		}
		if got := int(d.dials.Load()); got != wantDials {
			t.Errorf("%s: %d connections, want %d", step, got, wantDials)
		}
		if got := cache.Fetches(); got != wantFetches {
			t.Errorf("%s: %d tokens fetched, want %d", step, got, wantFetches)
		}
	}
	poll("first", 1, 1)
	clock.Advance(6 * time.Minute) // 4 minutes left: the session goes on
	poll("second", 1, 1)
	clock.Advance(3*time.Minute + 30*time.Second) // 30 s left: log in anew
	s.RevokeToken(src.Issued()[0])
	poll("third", 2, 2)
}

// TestProbe: Probe logs in and selects the folder; wrong credentials, a
// missing folder and a closed port are errors that say which, without
// the secret.
func TestProbe(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{Users: []string{"support"}})
	u := s.User(t, "support")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name     string
		edit     func(*imapsource.Config)
		secret   string
		wantOp   string // "" for success
		rejected bool
	}{
		{"password", func(*imapsource.Config) {}, "", "", false},
		{"token", func(c *imapsource.Config) { c.Password, c.TokenSource = "", static(s.IssueToken(t, u, time.Hour)) }, "", "", false},
		{"wrong password", func(c *imapsource.Config) { c.Password = "not-the-Passw0rd" }, "not-the-Passw0rd", "login", true},
		{"expired token", func(c *imapsource.Config) {
			c.Password, c.TokenSource = "", static("mt-expired-token-0123456789")
		}, "mt-expired-token-0123456789", "authenticate", true},
		{"missing folder", func(c *imapsource.Config) { c.Mailbox = "Nowhere" }, "", "select Nowhere", false},
		{"refused connection", func(c *imapsource.Config) { c.Addr = closed }, "", "dial", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := imapsource.Config{Addr: s.IMAPSAddr(), Username: u.Address, Password: u.Password, TLSConfig: s.TLSConfig()}
			tt.edit(&cfg)
			err := imapsource.Probe(context.Background(), cfg)
			if tt.wantOp == "" {
				if err != nil {
					t.Fatalf("Probe: %v\n%s", err, s.Log())
				}
				return
			}
			var ie *imapsource.Error
			if !errors.As(err, &ie) || !strings.HasPrefix(ie.Op, tt.wantOp) {
				t.Fatalf("Probe: %v; want an *Error of %s", err, tt.wantOp)
			}
			if errors.Is(err, email.ErrAuthFailed) != tt.rejected {
				t.Errorf("errors.Is(err, email.ErrAuthFailed) = %v, want %v: %v", !tt.rejected, tt.rejected, err)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("the error shows the secret: %s", err)
			}
		})
	}
	t.Run("poller", func(t *testing.T) {
		p := newPoller(t, s, u, newMemState(), &recorder{}, nil)
		if err := p.Probe(context.Background()); err != nil {
			t.Fatalf("Poller.Probe: %v", err)
		}
	})
}
