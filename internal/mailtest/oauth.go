package mailtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// The OAuth 2.0 side of a Server: Dovecot checks the access tokens given
// with XOAUTH2 and OAUTHBEARER (for IMAP, and for Postfix's SMTP AUTH,
// which asks Dovecot) against an RFC 7662 introspection endpoint that the
// Server runs on 127.0.0.1 and answers from the tokens IssueToken made.
// Dovecot caches nothing: every login is checked, so a token that
// expires or is revoked is refused from then on.

// oauthConf is Dovecot's oauth2 passdb configuration.
const oauthConf = `# written by mailtest
introspection_mode = post
introspection_url = {{url}}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
`

// oauthPassdbName is in Dovecot's authentication process when it has
// the oauth2 passdb (Debian's dovecot-core does, since Dovecot 2.2.28).
const oauthPassdbName = "dovecot-oauth2-passdb"

// hasOAuthPassdb reports whether Dovecot's authentication process has
// the oauth2 passdb.
func hasOAuthPassdb() bool {
	for _, p := range []string{"/usr/lib/dovecot/auth", "/usr/libexec/dovecot/auth", "/usr/local/libexec/dovecot/auth"} {
		b, err := os.ReadFile(p)
		if err == nil {
			return bytes.Contains(b, []byte(oauthPassdbName))
		}
	}
	return false
}

func (s *Server) oauthMechs() string {
	if s.issuer == nil {
		return ""
	}
	return " xoauth2 oauthbearer"
}

func (s *Server) oauthPassdb() string {
	if s.issuer == nil {
		return ""
	}
	return `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ` + filepath.Join(s.dir, "dovecot-oauth2.conf.ext") + `
}
`
}

// issuer is the token registry and its introspection endpoint.
type issuer struct {
	srv *http.Server
	url string

	mu     sync.Mutex
	tokens map[string]issued
	checks int
}

type issued struct {
	user    string
	expires time.Time
}

// startIssuer starts the introspection endpoint on a free loopback port
// and writes Dovecot's oauth2 configuration into dir.
func startIssuer(dir string) (*issuer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	is := &issuer{tokens: map[string]issued{}, url: "http://" + ln.Addr().String() + "/introspect"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /introspect", is.introspect)
	is.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = is.srv.Serve(ln) }()
	conf := strings.ReplaceAll(oauthConf, "{{url}}", is.url)
	if err := os.WriteFile(filepath.Join(dir, "dovecot-oauth2.conf.ext"), []byte(conf), 0o644); err != nil {
		is.srv.Close()
		return nil, err
	}
	return is, nil
}

// introspect answers an RFC 7662 introspection request: the token of the
// form is active while it is known and not expired.
func (is *issuer) introspect(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	tok := r.PostForm.Get("token")
	is.mu.Lock()
	is.checks++
	it, ok := is.tokens[tok]
	is.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok || !time.Now().Before(it.expires) {
		_, _ = w.Write([]byte(`{"active":false}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"active":   true,
		"username": it.user,
		"exp":      it.expires.Unix(),
		"scope":    "mail",
	})
}

func (is *issuer) close() {
	if is != nil {
		is.srv.Close()
	}
}

// IssueToken returns a new access token for u, which the servers accept
// with XOAUTH2 or OAUTHBEARER until ttl has passed (on the real clock) or
// the token is revoked. A token authenticates u and nobody else.
//
// It skips t when Dovecot has no oauth2 passdb.
func (s *Server) IssueToken(t testing.TB, u User, ttl time.Duration) string {
	t.Helper()
	if s.issuer == nil {
		t.Skipf("mailtest: Dovecot's authentication process has no oauth2 passdb (no %s in it); to run this test, install Debian's dovecot-core 2.3 or later (.ci/mail.sh does)", oauthPassdbName)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	tok := "mt-" + hex.EncodeToString(b)
	s.issuer.mu.Lock()
	s.issuer.tokens[tok] = issued{user: u.Address, expires: time.Now().Add(ttl)}
	s.issuer.mu.Unlock()
	return tok
}

// RevokeToken makes the servers refuse tok from now on.
func (s *Server) RevokeToken(tok string) {
	if s.issuer == nil {
		return
	}
	s.issuer.mu.Lock()
	delete(s.issuer.tokens, tok)
	s.issuer.mu.Unlock()
}

// TokenChecks counts the introspection requests the servers made: one per
// OAuth login, which shows that a token was checked and not taken on
// trust.
func (s *Server) TokenChecks() int {
	if s.issuer == nil {
		return 0
	}
	s.issuer.mu.Lock()
	defer s.issuer.mu.Unlock()
	return s.issuer.checks
}

// authListener is Dovecot's authentication socket for Postfix's SMTP
// AUTH, or nothing when there is no postfix user to own it.
func (s *Server) authListener() string {
	if _, err := user.Lookup("postfix"); err != nil {
		return ""
	}
	return `service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
`
}

func (s *Server) authSocket() string { return filepath.Join(s.dir, "run", "auth-postfix") }

// TokenSource is an oauth2.TokenSource that gets a new token from the
// servers at each call, valid there for TTL and dated by Now, and keeps
// every token it handed out.
type TokenSource struct {
	T      testing.TB
	Server *Server
	User   User
	TTL    time.Duration
	Now    func() time.Time

	mu     sync.Mutex
	issued []string
}

// Token issues a new token (see [Server.IssueToken]).
func (src *TokenSource) Token() (*oauth2.Token, error) {
	tok := src.Server.IssueToken(src.T, src.User, src.TTL)
	src.mu.Lock()
	src.issued = append(src.issued, tok)
	src.mu.Unlock()
	return &oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: src.Now().Add(src.TTL)}, nil
}

// Issued returns the tokens handed out so far, oldest first.
func (src *TokenSource) Issued() []string {
	src.mu.Lock()
	defer src.mu.Unlock()
	return append([]string(nil), src.issued...)
}

// Clock is a clock that moves only when told, for token expiry.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
