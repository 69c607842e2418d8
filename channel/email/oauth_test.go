package email

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel"
	"golang.org/x/oauth2"
)

// TestOAuthSASLMessages: the initial responses are byte for byte those of
// RFC 7628 (OAUTHBEARER) and of the XOAUTH2 protocol, and a refusing
// challenge is answered so that the server can end the exchange.
func TestOAuthSASLMessages(t *testing.T) {
	tests := []struct {
		name     string
		sasl     OAuthSASL
		mech     string
		ir       string
		response string
	}{
		{"xoauth2", OAuthSASL{Mechanism: XOAuth2, Username: "help@example.com", Token: "tok-123"},
			"XOAUTH2", "user=help@example.com\x01auth=Bearer tok-123\x01\x01", ""},
		{"oauthbearer with host and port", OAuthSASL{Mechanism: OAuthBearer, Username: "help@example.com", Token: "tok-123", Host: "imap.example.com", Port: 993},
			"OAUTHBEARER", "n,a=help@example.com,\x01host=imap.example.com\x01port=993\x01auth=Bearer tok-123\x01\x01", "\x01"},
		{"oauthbearer alone", OAuthSASL{Mechanism: OAuthBearer, Username: "help@example.com", Token: "tok-123"},
			"OAUTHBEARER", "n,a=help@example.com,\x01auth=Bearer tok-123\x01\x01", "\x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mech, ir, err := tt.sasl.Start()
			if err != nil {
				t.Fatal(err)
			}
			if mech != tt.mech || string(ir) != tt.ir {
				t.Errorf("Start = %q, %q; want %q, %q", mech, ir, tt.mech, tt.ir)
			}
			resp, err := tt.sasl.Next([]byte(`{"status":"invalid_token"}`))
			if err != nil || string(resp) != tt.response {
				t.Errorf("Next = %q, %v; want %q", resp, err, tt.response)
			}
			if tt.sasl.ServerError != `{"status":"invalid_token"}` {
				t.Errorf("ServerError = %q", tt.sasl.ServerError)
			}
		})
	}
	for _, bad := range []OAuthSASL{
		{Mechanism: XOAuth2, Username: "a\x01b", Token: "t"},
		{Mechanism: OAuthBearer, Username: "a,b", Token: "t"},
		{Mechanism: XOAuth2, Username: "a", Token: "t t"},
		{Mechanism: AutoMechanism, Username: "a", Token: "t"},
	} {
		if _, _, err := bad.Start(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Start(%q, %q, %v) = %v, want ErrInvalidConfig", bad.Username, bad.Token, bad.Mechanism, err)
		}
	}
}

func TestOAuthMechanismChoose(t *testing.T) {
	tests := []struct {
		want    OAuthMechanism
		offered []string
		got     OAuthMechanism
		err     error
	}{
		{AutoMechanism, []string{"PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"}, OAuthBearer, nil},
		{AutoMechanism, []string{"LOGIN", "xoauth2"}, XOAuth2, nil}, // Microsoft 365 offers no OAUTHBEARER
		{AutoMechanism, []string{"PLAIN", "LOGIN"}, AutoMechanism, ErrNoOAuthMechanism},
		{AutoMechanism, nil, AutoMechanism, ErrNoOAuthMechanism},
		{XOAuth2, []string{"OAUTHBEARER"}, XOAuth2, nil}, // an explicit choice is tried as asked
	}
	for _, tt := range tests {
		got, err := tt.want.Choose(tt.offered)
		if got != tt.got || !errors.Is(err, tt.err) {
			t.Errorf("%v.Choose(%v) = %v, %v; want %v, %v", tt.want, tt.offered, got, err, tt.got, tt.err)
		}
	}
}

// countingSource issues numbered tokens valid for ttl on clock, or fails
// while fail is set.
type countingSource struct {
	clock func() time.Time
	ttl   time.Duration
	calls atomic.Int64
	fail  atomic.Bool
	delay time.Duration
}

func (s *countingSource) Token() (*oauth2.Token, error) {
	n := s.calls.Add(1)
	time.Sleep(s.delay)
	if s.fail.Load() {
		return nil, errors.New(`oauth2: cannot fetch token: 401 Unauthorized Response: {"error":"invalid_client","client_secret":"s3cr3t-value-x"}`)
	}
	tok := &oauth2.Token{AccessToken: "tok-" + string(rune('0'+n))}
	if s.ttl > 0 {
		tok.Expiry = s.clock().Add(s.ttl)
	}
	return tok, nil
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestTokenCache: a token is reused until the margin before its expiry;
// a failed refresh falls back on the current token while it is valid and
// is an error once it has expired; a token without expiry is kept.
func TestTokenCache(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	src := &countingSource{clock: clock.now, ttl: time.Hour}
	c, err := NewTokenCache(src, WithRefreshMargin(10*time.Minute), WithTokenClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		advance time.Duration
		fail    bool
		want    string // "" for an error
		fetches int
	}
	steps := []step{
		{0, false, "tok-1", 1},
		{49 * time.Minute, false, "tok-1", 1},            // 11 minutes left
		{2 * time.Minute, false, "tok-2", 2},             // 9 minutes left: refreshed
		{50*time.Minute + time.Second, true, "tok-2", 2}, // refresh fails, tok-2 still valid for 9m59s
		{10 * time.Minute, true, "", 2},                  // expired, refresh fails
		{0, false, "tok-5", 3},                           // the source works again
	}
	for i, st := range steps {
		clock.advance(st.advance)
		src.fail.Store(st.fail)
		tok, err := c.Token()
		got := ""
		if err == nil {
			got = tok.AccessToken
		}
		if got != st.want || c.Fetches() != st.fetches {
			t.Errorf("step %d: Token = %q, %v, %d fetched; want %q, %d", i, got, err, c.Fetches(), st.want, st.fetches)
		}
	}

	forever, _ := NewTokenCache(&countingSource{clock: clock.now}, WithTokenClock(clock.now))
	for range 3 {
		if _, err := forever.Token(); err != nil {
			t.Fatal(err)
		}
		clock.advance(24 * time.Hour)
	}
	if forever.Fetches() != 1 {
		t.Errorf("a token without expiry was fetched %d times, want once", forever.Fetches())
	}
	if _, err := NewTokenCache(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewTokenCache(nil) = %v, want ErrInvalidConfig", err)
	}
}

// TestTokenCacheOneRefreshAtATime: callers that need a token at once
// share one refresh.
func TestTokenCacheOneRefreshAtATime(t *testing.T) {
	src := &countingSource{clock: time.Now, ttl: time.Hour, delay: 20 * time.Millisecond}
	c, _ := NewTokenCache(src)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.Token(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := src.calls.Load(); n != 1 {
		t.Errorf("20 concurrent callers made %d refreshes, want 1", n)
	}
}

func TestNewSMTPSenderOAuthValidates(t *testing.T) {
	src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"})
	base := SMTPConfig{Addr: "smtp.example.com:587", From: channel.Address{Email: "help@example.com"}, Username: "help@example.com", TokenSource: src}
	tests := []struct {
		name string
		edit func(*SMTPConfig)
	}{
		{"password and token", func(c *SMTPConfig) { c.Password = "pw" }},
		{"token without user", func(c *SMTPConfig) { c.Username = "" }},
		{"token in clear text", func(c *SMTPConfig) { c.TLS = NoTLS }},
		{"unknown mechanism", func(c *SMTPConfig) { c.Mechanism = OAuthMechanism(7) }},
	}
	for _, tt := range tests {
		cfg := base
		tt.edit(&cfg)
		if _, err := NewSMTPSender(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", tt.name, err)
		}
	}
	if _, err := NewSMTPSender(base); err != nil {
		t.Errorf("a valid OAuth configuration: %v", err)
	}
}

// TestSMTPOAuthAgainstFakeServer: the token reaches the server after
// STARTTLS; a refused token is ErrAuthFailed with the server's reason,
// and neither the token nor the SASL message carrying it shows in the
// error, even from a server that echoes them; a failing token source
// stops before connecting, its secrets redacted.
func TestSMTPOAuthAgainstFakeServer(t *testing.T) {
	const token = "ya29.a0-the-real-Access-Token-value"
	msg := &channel.Outgoing{To: []channel.Address{{Email: "ann@example.org"}}, Subject: "x", Text: "y"}
	withToken := func(tok string, mech OAuthMechanism) func(*SMTPConfig) {
		return func(c *SMTPConfig) {
			c.Password, c.Username = "", "help@example.com"
			c.TokenSource, c.Mechanism = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), mech
		}
	}

	srv := newSMTPServer(t, func(s *smtpServer) { s.user, s.token = "help@example.com", token })
	for _, mech := range []OAuthMechanism{AutoMechanism, XOAuth2, OAuthBearer} {
		if _, err := newTestSender(t, srv, withToken(token, mech)).Send(context.Background(), msg); err != nil {
			t.Errorf("%v: %v", mech, err)
		}
	}
	if d := srv.deliveries(); len(d) != 3 || !d[0].tls {
		t.Errorf("deliveries = %+v, want 3 over TLS", d)
	}

	_, err := newTestSender(t, srv, withToken("an-expired-token-value", XOAuth2)).Send(context.Background(), msg)
	var se *SendError
	if !errors.As(err, &se) || se.Op != "auth" || !errors.Is(err, ErrAuthFailed) || !strings.Contains(err.Error(), "invalid_token") {
		t.Errorf("refused token: err = %v; want an auth SendError, ErrAuthFailed, with the server's reason", err)
	}

	echo := newSMTPServer(t, func(s *smtpServer) { s.user, s.token, s.echo = "help@example.com", "another", true })
	for _, mech := range []OAuthMechanism{XOAuth2, OAuthBearer} {
		_, err := newTestSender(t, echo, withToken(token, mech)).Send(context.Background(), msg)
		if err == nil {
			t.Fatalf("%v: no error for a refused token", mech)
		}
		_, ir, _ := (&OAuthSASL{Mechanism: mech, Username: "help@example.com", Token: token, Host: "127.0.0.1", Port: portOf(echo)}).Start()
		// "auth=Bearer " in base64, as a part of a message would show it.
		for _, leak := range []string{token, base64.StdEncoding.EncodeToString(ir), "YXV0aD1CZWFyZXIg"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("%v: the error shows %q: %s", mech, leak, err)
			}
		}
	}

	plainOnly := newSMTPServer(t, func(s *smtpServer) { s.user, s.pw = "help@example.com", "pw" })
	err = newTestSender(t, plainOnly, withToken(token, AutoMechanism)).Probe(context.Background())
	if !errors.Is(err, ErrNoOAuthMechanism) || !strings.Contains(err.Error(), "PLAIN") {
		t.Errorf("server without OAuth: err = %v; want ErrNoOAuthMechanism naming what it offers", err)
	}

	failing := &countingSource{clock: time.Now}
	failing.fail.Store(true)
	err = newTestSender(t, srv, func(c *SMTPConfig) { c.Password, c.TokenSource = "", failing }).Probe(context.Background())
	if !errors.As(err, &se) || se.Op != "token" || strings.Contains(err.Error(), "s3cr3t-value-x") {
		t.Errorf("failing token source: err = %v; want a token SendError without the secret", err)
	}
}

func portOf(s *smtpServer) int { return s.ln.Addr().(*net.TCPAddr).Port }
