package mailtest_test

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/caseagent/caseagent/internal/mailtest"
	"github.com/emersion/go-imap/v2/imapclient"
)

// xoauth2 is the XOAUTH2 SASL client, as go-imap takes it; it ends the
// exchange when the server refuses.
type xoauth2 struct{ user, token string }

func (a xoauth2) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + a.user + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

func (a xoauth2) Next([]byte) ([]byte, error) { return nil, errRefused }

var errRefused = errors.New("the server refused the token")

// smtpXOAuth2 is the same for net/smtp.
type smtpXOAuth2 struct{ xoauth2 }

func (a smtpXOAuth2) Start(*smtp.ServerInfo) (string, []byte, error) { return a.xoauth2.Start() }
func (a smtpXOAuth2) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return []byte{}, nil
	}
	return nil, nil
}

// TestTokens: a token logs its user in over IMAP and SMTP submission
// until it expires or is revoked; every login is checked; another user
// cannot use it; submission takes no mail without AUTH.
func TestTokens(t *testing.T) {
	s := mailtest.Start(t, mailtest.Config{SMTP: true, Users: []string{"support", "sales"}})
	u := s.User(t, "support")
	valid := s.IssueToken(t, u, time.Hour)
	revoked := s.IssueToken(t, u, time.Hour)
	s.RevokeToken(revoked)
	imapLogin := func(user, tok string) error {
		c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.Authenticate(xoauth2{user, tok})
	}
	smtpLogin := func(user, tok string) error {
		c, err := smtp.Dial(s.SubmissionAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.StartTLS(s.TLSConfig()); err != nil {
			t.Fatalf("starttls: %v\n%s", err, s.Log())
		}
		return c.Auth(smtpXOAuth2{xoauth2{user, tok}})
	}
	tests := []struct {
		name, user, tok string
		ok              bool
	}{
		{"valid", u.Address, valid, true},
		{"revoked", u.Address, revoked, false},
		{"expired", u.Address, s.IssueToken(t, u, -time.Second), false},
		{"another user's", s.User(t, "sales").Address, valid, false},
		{"unknown", u.Address, "mt-never-issued-0123456789", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for proto, login := range map[string]func(string, string) error{"imap": imapLogin, "smtp": smtpLogin} {
				before := s.TokenChecks()
				err := login(tt.user, tt.tok)
				if (err == nil) != tt.ok {
					t.Errorf("%s login: err = %v, want success %v", proto, err, tt.ok)
				}
				if got := s.TokenChecks() - before; got != 1 {
					t.Errorf("%s login: %d token checks, want 1", proto, got)
				}
			}
		})
	}
	t.Run("submission needs auth", func(t *testing.T) {
		c, err := smtp.Dial(s.SubmissionAddr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.StartTLS(&tls.Config{RootCAs: s.TLSConfig().RootCAs, ServerName: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		err = c.Mail("a@customer.test")
		if err == nil {
			err = c.Rcpt(u.Address)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "5") {
			t.Errorf("mail without AUTH: err = %v, want a 5xx refusal", err)
		}
	})
}
