package email

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OAuthMechanism is the SASL mechanism that carries an OAuth 2.0 access
// token to a mail server.
type OAuthMechanism int

// The mechanisms.
const (
	// AutoMechanism uses OAUTHBEARER when the server offers it and
	// XOAUTH2 otherwise. It is the default.
	AutoMechanism OAuthMechanism = iota
	// XOAuth2 is the XOAUTH2 mechanism of Google and Microsoft; Microsoft
	// 365 offers no other.
	XOAuth2
	// OAuthBearer is the OAUTHBEARER mechanism of RFC 7628.
	OAuthBearer
)

// String returns the SASL name of m, or "auto".
func (m OAuthMechanism) String() string {
	switch m {
	case AutoMechanism:
		return "auto"
	case XOAuth2:
		return "XOAUTH2"
	case OAuthBearer:
		return "OAUTHBEARER"
	}
	return "OAuthMechanism(" + strconv.Itoa(int(m)) + ")"
}

// Valid reports whether m is one of the mechanisms above.
func (m OAuthMechanism) Valid() bool { return m >= AutoMechanism && m <= OAuthBearer }

// ErrNoOAuthMechanism is returned when AutoMechanism finds neither
// OAUTHBEARER nor XOAUTH2 among the mechanisms the server offers.
var ErrNoOAuthMechanism = errors.New("email: the server offers neither OAUTHBEARER nor XOAUTH2")

// Choose returns the mechanism to use with a server that offers the SASL
// mechanisms offered (as listed in its capabilities, any case): m itself
// unless it is AutoMechanism, which picks OAUTHBEARER when offered, then
// XOAUTH2, and otherwise fails with ErrNoOAuthMechanism.
func (m OAuthMechanism) Choose(offered []string) (OAuthMechanism, error) {
	if m != AutoMechanism {
		return m, nil
	}
	has := func(name string) bool {
		for _, o := range offered {
			if strings.EqualFold(strings.TrimSpace(o), name) {
				return true
			}
		}
		return false
	}
	switch {
	case has("OAUTHBEARER"):
		return OAuthBearer, nil
	case has("XOAUTH2"):
		return XOAuth2, nil
	}
	return m, fmt.Errorf("%w (it offers %s)", ErrNoOAuthMechanism, strings.Join(offered, " "))
}

// ErrAuthFailed is matched (errors.Is) by the errors of a server that
// refused the credentials: a wrong password, or an expired, revoked or
// wrong access token. Sending again with the same credentials will not
// help.
var ErrAuthFailed = errors.New("email: the server refused the credentials")

// OAuthSASL is one SASL exchange that authenticates Username with an
// OAuth 2.0 access token, by XOAUTH2 or OAUTHBEARER. It has the methods of
// github.com/emersion/go-sasl's Client, which go-imap's Authenticate
// takes; SMTPSender uses it for SMTP AUTH. Host and Port, when set, go
// into OAUTHBEARER's message. Use one per login; it is not safe for
// concurrent use.
type OAuthSASL struct {
	Mechanism OAuthMechanism // XOAuth2 or OAuthBearer
	Username  string
	Token     string
	Host      string
	Port      int

	// ServerError is the error the server sent as a challenge when it
	// refused the token (a JSON object such as
	// {"status":"invalid_token"}), for the error message; Next sets it.
	ServerError string
}

// Start returns the mechanism's name and its initial response.
func (a *OAuthSASL) Start() (mech string, ir []byte, err error) {
	if strings.ContainsAny(a.Username, "\x01,=") || strings.ContainsAny(a.Token, "\x01 ") {
		return "", nil, fmt.Errorf("%w: the user name or the token has characters SASL cannot carry", ErrInvalidConfig)
	}
	switch a.Mechanism {
	case XOAuth2:
		return "XOAUTH2", []byte("user=" + a.Username + "\x01auth=Bearer " + a.Token + "\x01\x01"), nil
	case OAuthBearer:
		var b strings.Builder
		b.WriteString("n,a=" + a.Username + ",\x01")
		if a.Host != "" {
			b.WriteString("host=" + a.Host + "\x01")
		}
		if a.Port > 0 {
			b.WriteString("port=" + strconv.Itoa(a.Port) + "\x01")
		}
		b.WriteString("auth=Bearer " + a.Token + "\x01\x01")
		return "OAUTHBEARER", []byte(b.String()), nil
	}
	return "", nil, fmt.Errorf("%w: mechanism %v is not XOAuth2 or OAuthBearer", ErrInvalidConfig, a.Mechanism)
}

// Next answers a challenge. Both mechanisms send a challenge only to
// refuse the token: it is kept in ServerError, and the answer is the one
// that ends the exchange (empty for XOAUTH2, %x01 for OAUTHBEARER), after
// which the server reports the failure.
func (a *OAuthSASL) Next(challenge []byte) ([]byte, error) {
	a.ServerError = strings.TrimSpace(string(challenge))
	if a.Mechanism == OAuthBearer {
		return []byte{0x01}, nil
	}
	return []byte{}, nil
}

// encodedResponse is the base64 of the initial response, as servers
// that echo what they got may show it; "" when there is none.
func (a *OAuthSASL) encodedResponse() string {
	_, ir, err := a.Start()
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(ir)
}

// DefaultRefreshMargin is how long before its expiry a TokenCache
// replaces a token.
const DefaultRefreshMargin = 5 * time.Minute

// TokenCache is an oauth2.TokenSource that hands out the token of its
// source until a margin (DefaultRefreshMargin unless WithRefreshMargin
// says otherwise) before the token expires, and then gets a new one, so
// that a token never expires between being handed out and being checked
// by a server. A token without an expiry is kept for good. When a refresh
// fails while the current token has not expired yet, that token is still
// handed out and the next call tries again; once it has expired, the
// refresh's error is returned.
//
// The source should fetch a new token whenever it is asked, such as
// ClientCredentials does. A source that caches tokens itself, such as the
// ones clientcredentials.Config.TokenSource and jwt.Config.TokenSource
// return, hands back its cached token until its own margin: give it the
// same margin with oauth2.ReuseTokenSourceWithExpiry.
//
// A TokenCache is safe for concurrent use; one refresh runs at a time.
type TokenCache struct {
	src    oauth2.TokenSource
	margin time.Duration
	now    func() time.Time

	mu      sync.Mutex
	tok     *oauth2.Token
	fetches int
}

// TokenCacheOption configures a TokenCache.
type TokenCacheOption func(*TokenCache)

// WithRefreshMargin sets how long before its expiry a token is replaced.
func WithRefreshMargin(d time.Duration) TokenCacheOption {
	return func(c *TokenCache) {
		if d > 0 {
			c.margin = d
		}
	}
}

// WithTokenClock sets the clock that expiries are compared with; default
// time.Now.
func WithTokenClock(now func() time.Time) TokenCacheOption {
	return func(c *TokenCache) {
		if now != nil {
			c.now = now
		}
	}
}

// NewTokenCache returns a TokenCache over src. It fetches nothing yet.
func NewTokenCache(src oauth2.TokenSource, opts ...TokenCacheOption) (*TokenCache, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: a token source is required", ErrInvalidConfig)
	}
	c := &TokenCache{src: src, margin: DefaultRefreshMargin, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// ClientCredentials returns a TokenCache over the OAuth 2.0 client
// credentials grant of cfg: the application identity of Microsoft 365
// (an app registration with the Office 365 Exchange Online permissions
// IMAP.AccessAsApp and SMTP.SendAsApp, and a service principal given
// access to the mailbox). Every refresh asks the token endpoint for a new
// token, with ctx, which must last as long as the cache is used.
func ClientCredentials(ctx context.Context, cfg *clientcredentials.Config, opts ...TokenCacheOption) (*TokenCache, error) {
	if cfg == nil || cfg.TokenURL == "" || cfg.ClientID == "" {
		return nil, fmt.Errorf("%w: client credentials need a token URL and a client id", ErrInvalidConfig)
	}
	return NewTokenCache(tokenFunc(func() (*oauth2.Token, error) { return cfg.Token(ctx) }), opts...)
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// Token returns a token that is valid for at least the margin, fetching
// a new one when needed.
func (c *TokenCache) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.tok != nil && (c.tok.Expiry.IsZero() || now.Add(c.margin).Before(c.tok.Expiry)) {
		return c.tok, nil
	}
	tok, err := c.src.Token()
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errors.New("the token source returned no access token")
	}
	if err != nil {
		if c.tok != nil && now.Before(c.tok.Expiry) {
			return c.tok, nil
		}
		return nil, fmt.Errorf("email: getting an OAuth 2.0 token: %w", err)
	}
	c.fetches++
	c.tok = tok
	return tok, nil
}

// Fetches counts the tokens the cache got from its source.
func (c *TokenCache) Fetches() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches
}
