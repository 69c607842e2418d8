package imapsource

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/internal/backoff"
	"github.com/caseagent/caseagent/internal/redact"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/oauth2"
)

// TLSMode is how a Poller secures its connection.
type TLSMode int

// The TLS modes.
const (
	// ImplicitTLS speaks TLS from the start (port 993). It is the default.
	ImplicitTLS TLSMode = iota
	// StartTLS upgrades a plain connection with STARTTLS (port 143) and
	// fails when the server does not offer it.
	StartTLS
	// NoTLS logs in over a clear-text connection. It is for test servers
	// on loopback only: New refuses it for any other address.
	NoTLS
)

// Mark is what the poller does to a message once its receiver accepted it.
type Mark int

// The marks.
const (
	// MarkSeen sets \Seen. Messages already \Seen are not fetched, so mail
	// someone read in a mail program before the poller saw it is left
	// alone. It is the default.
	MarkSeen Mark = iota
	// MarkFlag sets the keyword Config.Flag; messages carrying it are not
	// fetched. The server must allow keywords (PERMANENTFLAGS \*).
	MarkFlag
	// MarkMove moves the message to Config.MoveTo (with MOVE, or COPY,
	// STORE \Deleted and EXPUNGE where MOVE is missing).
	MarkMove
)

// Defaults of Config.
const (
	DefaultMailbox     = "INBOX"
	DefaultFlag        = "$CaseAgentProcessed"
	DefaultSkipFlag    = "$CaseAgentSkipped"
	DefaultBatchSize   = 50
	DefaultInterval    = time.Minute
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultDialTimeout = 30 * time.Second
)

// Config configures a Poller. Addr, Username, and a Password or a
// TokenSource are required; every other field has a default.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// Username is the mailbox to log in as. Password logs in with LOGIN;
	// TokenSource instead authenticates with an OAuth 2.0 access token,
	// by the SASL Mechanism (default email.AutoMechanism: OAUTHBEARER
	// when the server offers it, else XOAUTH2), as Microsoft 365 and
	// Google Workspace require. A token is asked of TokenSource at every
	// login: give an email.TokenCache (or another source that reuses a
	// token until shortly before it expires). A connection is logged in
	// anew before the token it logged in with expires (see Now), since
	// some servers end a session when its token expires.
	Username    string
	Password    string
	TokenSource oauth2.TokenSource
	Mechanism   email.OAuthMechanism
	// TLS is the TLS mode; TLSConfig, when set, is used for it (the
	// default verifies the server's certificate for the host of Addr).
	TLS       TLSMode
	TLSConfig *tls.Config
	// Mailbox is the folder polled; default DefaultMailbox.
	Mailbox string
	// Name is the mailbox name given to the receiver (which dedupes by
	// mailbox and Message-ID); default Username.
	Name string
	// StateKey is the key of the position in State; default
	// "imap:" + Username + "@" + Addr + "/" + Mailbox. Two pollers of the
	// same mailbox must not share a key.
	StateKey string
	// IsNotFound tells whether an error of State.GetState means the key
	// was never stored, such as errors.Is(err, casemgmt.ErrNotFound).
	// ErrNoState is recognised without it.
	IsNotFound func(error) bool

	// Mark is what happens to a message the receiver accepted; Flag is
	// the keyword of MarkFlag (default DefaultFlag) and MoveTo the folder
	// of MarkMove (required with it).
	Mark   Mark
	Flag   string
	MoveTo string
	// SkipFlag is the keyword set on messages that are skipped (too large,
	// not mail at all, or refused MaxAttempts times); default
	// DefaultSkipFlag. They stay in the mailbox for a person. "-" sets no
	// keyword.
	SkipFlag string

	// Parser parses the messages; default email.NewParser(). MaxSize is
	// the largest message downloaded, checked with RFC822.SIZE before
	// download; default the parser's MaxSize.
	Parser  *email.Parser
	MaxSize int64
	// BatchSize is the most messages handled in one poll; default
	// DefaultBatchSize. Run polls again at once while more are waiting.
	BatchSize int
	// MaxAttempts, when positive, is how often the receiver may fail on a
	// message before it is skipped. Zero means it is retried on every poll
	// for as long as it fails (the position then remembers, in State,
	// every message handled after it).
	MaxAttempts int

	// Interval is the wait between polls in Run; default DefaultInterval.
	Interval time.Duration
	// Idle makes Run wait for new mail with IMAP IDLE, where the server
	// offers it, so that mail is fetched as soon as it arrives; it still
	// polls at least every Interval. While Run idles, PollOnce waits.
	Idle bool
	// MinBackoff and MaxBackoff bound the wait before reconnecting after
	// a failed poll: it doubles from MinBackoff up to MaxBackoff, each
	// wait drawn between half and all of it (jitter). Defaults
	// DefaultMinBackoff and DefaultMaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Sleep waits d or until ctx ends, returning ctx's error then; default
	// a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock that token expiries are compared with; default
	// time.Now.
	Now func() time.Time
	// Dial opens the TCP connection; default a net.Dialer with
	// DefaultDialTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// OnSkip, when set, is called for every skipped message, in addition
	// to the report of PollOnce and a warning in the log.
	OnSkip func(ctx context.Context, s Skip)
	// Logger receives what the poller does; default discards.
	Logger *slog.Logger
}

// ErrInvalidConfig is returned by New for an unusable Config.
var ErrInvalidConfig = errors.New("imapsource: invalid configuration")

// ErrGaveUp is the reason of a Skip for a message the receiver refused
// MaxAttempts times; it wraps the last refusal.
var ErrGaveUp = errors.New("imapsource: receiver failed too often")

// Error is a failure to talk to the server or the State, with the step
// that failed. It unwraps to the underlying error (an *imap.Error for a NO
// or BAD answer). The connection is dropped after it; Run reconnects.
type Error struct {
	Op  string
	Err error
}

// Error returns the failure with any credentials, keys and tokens in the
// server's answer redacted.
func (e *Error) Error() string { return redact.String("imapsource: " + e.Op + ": " + e.Err.Error()) }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Skip is a message the poller did not give to the receiver and will not
// try again: too large (Reason is an *email.SizeError, which matches
// channel.ErrTooLarge with errors.Is), not mail at all (email.ErrUnusable), or refused
// MaxAttempts times (ErrGaveUp).
type Skip struct {
	UID         uint32
	UIDValidity uint32
	Size        int64
	Reason      error
}

// Failure is a message the receiver refused in this poll; it is tried
// again on the next one.
type Failure struct {
	UID      uint32
	Attempts int
	Err      error
}

// Report says what one poll did.
type Report struct {
	UIDValidity uint32
	// Reset is set when the mailbox's UIDVALIDITY changed since the
	// stored position, so the poller started over.
	Reset bool
	// Received counts the messages the receiver accepted.
	Received int
	Skipped  []Skip
	Failed   []Failure
	// More is set when messages are waiting beyond BatchSize.
	More bool
}

// Poller fetches new mail from one IMAP mailbox, incrementally by UID,
// and hands each message to an email.Receiver. The position (UIDVALIDITY
// and the UIDs handled) is kept in a State, written after every message
// the receiver accepted and before the message is marked, so that a
// restart neither loses nor repeats work beyond what the receiver's
// dedupe by Message-ID absorbs. A message the receiver refuses is left as
// it is and offered again on the next poll.
//
// A Poller is safe for concurrent use; polls are serialised (PollOnce
// waits for a running poll to end). It keeps one connection open between
// polls; Close drops it.
type Poller struct {
	cfg   Config
	state State
	recv  email.Receiver
	log   *slog.Logger

	mu     sync.Mutex // serialises polls; guards client and expires
	client *imapclient.Client
	// expires is when the token the client logged in with expires; zero
	// for a password or a token without expiry.
	expires time.Time
	// newMail is signalled when the server says the mailbox grew.
	newMail chan struct{}
}

// New checks cfg and returns a Poller. It does not connect.
func New(cfg Config, state State, r email.Receiver) (*Poller, error) {
	if state == nil || r == nil {
		return nil, fmt.Errorf("%w: a State and a Receiver are required", ErrInvalidConfig)
	}
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	return newPoller(cfg, state, r), nil
}

func newPoller(cfg Config, state State, r email.Receiver) *Poller {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("mailbox", cfg.Name, "folder", cfg.Mailbox)
	return &Poller{cfg: cfg, state: state, recv: r, log: log, newMail: make(chan struct{}, 1)}
}

// normalize checks cfg and fills in its defaults.
func (cfg Config) normalize() (Config, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return cfg, fmt.Errorf("%w: address %q is not host:port", ErrInvalidConfig, cfg.Addr)
	}
	if cfg.Username == "" {
		return cfg, fmt.Errorf("%w: Username is required", ErrInvalidConfig)
	}
	if cfg.TokenSource != nil && cfg.Password != "" {
		return cfg, fmt.Errorf("%w: give a Password or a TokenSource, not both", ErrInvalidConfig)
	}
	if !cfg.Mechanism.Valid() {
		return cfg, fmt.Errorf("%w: unknown OAuth mechanism %d", ErrInvalidConfig, cfg.Mechanism)
	}
	switch cfg.TLS {
	case ImplicitTLS, StartTLS:
	case NoTLS:
		if !isLoopback(host) {
			return cfg, fmt.Errorf("%w: NoTLS is for loopback test servers only, not %s", ErrInvalidConfig, host)
		}
	default:
		return cfg, fmt.Errorf("%w: unknown TLS mode %d", ErrInvalidConfig, cfg.TLS)
	}
	if cfg.Mailbox == "" {
		cfg.Mailbox = DefaultMailbox
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Username
	}
	if cfg.StateKey == "" {
		cfg.StateKey = "imap:" + cfg.Username + "@" + cfg.Addr + "/" + cfg.Mailbox
	}
	switch cfg.Mark {
	case MarkSeen:
	case MarkFlag:
		if cfg.Flag == "" {
			cfg.Flag = DefaultFlag
		}
		if !validKeyword(cfg.Flag) {
			return cfg, fmt.Errorf("%w: Flag %q is not an IMAP keyword", ErrInvalidConfig, cfg.Flag)
		}
	case MarkMove:
		if cfg.MoveTo == "" {
			return cfg, fmt.Errorf("%w: MarkMove needs MoveTo", ErrInvalidConfig)
		}
		if cfg.MoveTo == cfg.Mailbox {
			return cfg, fmt.Errorf("%w: MoveTo is the polled mailbox", ErrInvalidConfig)
		}
	default:
		return cfg, fmt.Errorf("%w: unknown Mark %d", ErrInvalidConfig, cfg.Mark)
	}
	switch cfg.SkipFlag {
	case "":
		cfg.SkipFlag = DefaultSkipFlag
	case "-":
		cfg.SkipFlag = ""
	default:
		if !validKeyword(cfg.SkipFlag) {
			return cfg, fmt.Errorf("%w: SkipFlag %q is not an IMAP keyword", ErrInvalidConfig, cfg.SkipFlag)
		}
	}
	if cfg.Parser == nil {
		cfg.Parser = email.NewParser()
	}
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = cfg.Parser.MaxSize()
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Dial == nil {
		d := &net.Dialer{Timeout: DefaultDialTimeout}
		cfg.Dial = d.DialContext
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validKeyword reports whether s is an IMAP flag keyword (an atom).
func validKeyword(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '{', '%', '*', '"', '\\', ']':
			return false
		}
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run polls until ctx ends and then returns ctx's error. After a poll
// that failed (the server is unreachable, the connection dropped, the
// State failed) it reconnects with exponential backoff and jitter; after a
// successful one it waits Interval, or polls again at once when more
// messages are waiting.
func (p *Poller) Run(ctx context.Context) error {
	defer p.Close()
	failures := 0
	for {
		rep, err := p.PollOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait := p.cfg.Interval
		if err != nil {
			wait = p.backoff(failures)
			failures++
			p.log.Warn("imap poll failed", "err", err, "attempt", failures, "retry_in", wait)
		} else {
			failures = 0
			if rep.More {
				continue
			}
		}
		if err == nil && p.cfg.Idle {
			if idled, err := p.idle(ctx, wait); idled || err != nil {
				if err != nil {
					return err
				}
				continue
			}
		}
		if err := p.cfg.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// idle waits with IDLE until the server reports new mail, limit passes or
// ctx ends. It reports false, without waiting, when there is no connection
// or the server has no IDLE; a connection that fails while idling is
// dropped, and the next poll reconnects.
func (p *Poller) idle(ctx context.Context, limit time.Duration) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.client
	if c == nil || !c.Caps().Has(imap.CapIdle) {
		return false, nil
	}
	select {
	case <-p.newMail: // mail announced during the poll
		return true, nil
	default:
	}
	if !p.expires.IsZero() {
		// End the wait before the token expires, so that the next poll
		// logs in anew rather than losing the session.
		limit = max(min(limit, p.expires.Sub(p.cfg.Now())-sessionMargin), 0)
	}
	cmd, err := c.Idle()
	if err != nil {
		p.log.Debug("imap IDLE failed", "err", err)
		c.Close()
		p.client = nil
		return true, nil
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-p.newMail:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	err = cmd.Close()
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		c.Close()
		p.client = nil
	}
	return true, ctx.Err()
}

// backoff is the wait after n consecutive failures (n from 0).
func (p *Poller) backoff(n int) time.Duration {
	return backoff.Policy{Base: p.cfg.MinBackoff, Max: p.cfg.MaxBackoff, Jitter: 0.5}.Delay(n)
}

// Close logs out and drops the connection, if one is open. A later poll
// connects again.
func (p *Poller) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.client
	p.client = nil
	if c == nil {
		return nil
	}
	return logout(c)
}

// PollOnce connects if needed, handles the messages waiting (at most
// BatchSize) and reports what it did. Receiver failures are in the report,
// not the error: the error is for what stopped the poll (connection,
// server, State, ctx), after which the connection is dropped.
func (p *Poller) PollOnce(ctx context.Context) (Report, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	c, err := p.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return Report{}, ctx.Err()
		}
		return Report{}, err
	}
	// imapclient has no contexts: closing the connection ends whatever
	// command is waiting.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	rep, err := p.poll(ctx, c)
	if !stop() || err != nil {
		c.Close()
		p.client = nil
		if ctx.Err() != nil {
			err = ctx.Err()
		}
	}
	return rep, err
}

// sessionMargin is how long before its token expires a connection is
// logged in anew.
const sessionMargin = time.Minute

// connect returns the open connection, or opens and logs in a new one.
func (p *Poller) connect(ctx context.Context) (*imapclient.Client, error) {
	if c := p.client; c != nil {
		select {
		case <-c.Closed():
			p.client = nil
		default:
			if p.expires.IsZero() || p.cfg.Now().Add(sessionMargin).Before(p.expires) {
				return c, nil
			}
			p.log.Debug("imap token about to expire: logging in anew")
			logout(c)
			p.client = nil
		}
	}
	conn, err := p.cfg.Dial(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		return nil, &Error{Op: "dial", Err: err}
	}
	host, _, _ := net.SplitHostPort(p.cfg.Addr)
	tlsConfig := p.cfg.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	opts := &imapclient.Options{
		TLSConfig: tlsConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case p.newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	var c *imapclient.Client
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	switch p.cfg.TLS {
	case ImplicitTLS:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &Error{Op: "tls", Err: err}
		}
		c = imapclient.New(tc, opts)
	case StartTLS:
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, &Error{Op: "starttls", Err: err}
		}
	default:
		c = imapclient.New(conn, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, &Error{Op: "greeting", Err: err}
	}
	expires, err := p.login(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	p.log.Debug("imap connected", "addr", p.cfg.Addr)
	p.client, p.expires = c, expires
	return c, nil
}

// login authenticates on c with the password or a token, and returns
// the token's expiry.
func (p *Poller) login(c *imapclient.Client) (time.Time, error) {
	if p.cfg.TokenSource == nil {
		if err := c.Login(p.cfg.Username, p.cfg.Password).Wait(); err != nil {
			// Servers may echo what they were sent.
			return time.Time{}, &Error{Op: "login", Err: redact.Error(refused(err, ""), p.cfg.Password)}
		}
		return time.Time{}, nil
	}
	tok, err := p.cfg.TokenSource.Token()
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errors.New("the token source returned no access token")
	}
	if err != nil {
		return time.Time{}, &Error{Op: "token", Err: redact.Error(err)}
	}
	mech, err := p.cfg.Mechanism.Choose(c.Caps().AuthMechanisms())
	if err != nil {
		return time.Time{}, &Error{Op: "authenticate", Err: err}
	}
	host, portStr, _ := net.SplitHostPort(p.cfg.Addr)
	port, _ := strconv.Atoi(portStr)
	a := &saslClient{OAuthSASL: email.OAuthSASL{Mechanism: mech, Username: p.cfg.Username, Token: tok.AccessToken, Host: host, Port: port}}
	if err := c.Authenticate(a); err != nil {
		// The SASL messages before the token, so that each is masked whole.
		var secrets []string
		for _, m := range []email.OAuthMechanism{email.XOAuth2, email.OAuthBearer} {
			s := email.OAuthSASL{Mechanism: m, Username: a.Username, Token: a.Token, Host: host, Port: port}
			if _, ir, err := s.Start(); err == nil {
				secrets = append(secrets, base64.StdEncoding.EncodeToString(ir))
			}
		}
		secrets = append(secrets, tok.AccessToken)
		return time.Time{}, &Error{Op: "authenticate " + mech.String(), Err: redact.Error(refused(err, a.ServerError), secrets...)}
	}
	return tok.Expiry, nil
}

// saslClient is email.OAuthSASL for go-imap. XOAUTH2's empty answer to
// a refusal cannot be sent in IMAP (go-imap writes "=", which servers
// read as a bad base64 line), so the exchange ends on the client's side
// with errTokenRefused instead; the connection is dropped after it.
type saslClient struct{ email.OAuthSASL }

var errTokenRefused = errors.New("the server refused the token")

func (a *saslClient) Next(challenge []byte) ([]byte, error) {
	resp, err := a.OAuthSASL.Next(challenge)
	if err == nil && len(resp) == 0 {
		return nil, errTokenRefused
	}
	return resp, err
}

// refused marks a refusal of the credentials (a NO answer to LOGIN or
// AUTHENTICATE, or a refusing challenge) as email.ErrAuthFailed, with
// what the server said in its challenge.
func refused(err error, detail string) error {
	var ie *imap.Error
	if errors.Is(err, errTokenRefused) || (errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo) {
		return &email.AuthError{Err: err, Detail: detail}
	}
	return err
}

// logout says LOGOUT, waiting for the answer at most a few seconds, and
// closes c.
func logout(c *imapclient.Client) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.Logout().Wait()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return c.Close()
}

// Probe checks that the mailbox can be read: it connects, logs in with a
// connection of its own, selects the polled folder read-only and logs
// out. Its error is an *Error (errors.Is(err, email.ErrAuthFailed) when
// the credentials were refused), with any secret redacted. It is for a
// prerequisites check and leaves the poller's own connection alone.
func (p *Poller) Probe(ctx context.Context) error {
	return probe(ctx, p.cfg)
}

// Probe checks cfg as New does and then the mailbox as Poller.Probe
// does, without a State or a Receiver.
func Probe(ctx context.Context, cfg Config) error {
	cfg, err := cfg.normalize()
	if err != nil {
		return err
	}
	return probe(ctx, cfg)
}

func probe(ctx context.Context, cfg Config) error {
	p := newPoller(cfg, nil, nil)
	c, err := p.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := c.Select(cfg.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &Error{Op: "select " + cfg.Mailbox, Err: err}
	}
	if err := logout(c); err != nil && ctx.Err() == nil {
		p.log.Debug("imap logout after probe", "err", err)
	}
	return ctx.Err()
}

// loadState reads the stored position.
func (p *Poller) loadState(ctx context.Context) (position, error) {
	b, err := p.state.GetState(ctx, p.cfg.StateKey)
	if err != nil {
		if errors.Is(err, ErrNoState) || (p.cfg.IsNotFound != nil && p.cfg.IsNotFound(err)) {
			return position{}, nil
		}
		return position{}, &Error{Op: "reading state", Err: err}
	}
	pos, err := decodePosition(b)
	if err != nil {
		return position{}, &Error{Op: "reading state", Err: err}
	}
	return pos, nil
}

func (p *Poller) saveState(ctx context.Context, pos *position) error {
	if err := p.state.PutState(ctx, p.cfg.StateKey, pos.encode()); err != nil {
		return &Error{Op: "writing state", Err: err}
	}
	return nil
}

// poll is one poll on an open connection.
func (p *Poller) poll(ctx context.Context, c *imapclient.Client) (Report, error) {
	var rep Report
	sel, err := c.Select(p.cfg.Mailbox, nil).Wait()
	if err != nil {
		return rep, &Error{Op: "select " + p.cfg.Mailbox, Err: err}
	}
	rep.UIDValidity = sel.UIDValidity
	if p.cfg.Mark == MarkFlag && !canStore(sel.PermanentFlags, p.cfg.Flag) {
		return rep, &Error{Op: "select " + p.cfg.Mailbox,
			Err: fmt.Errorf("the server does not keep the keyword %s (PERMANENTFLAGS %v)", p.cfg.Flag, sel.PermanentFlags)}
	}
	pos, err := p.loadState(ctx)
	if err != nil {
		return rep, err
	}
	if !pos.found || pos.UIDValidity != sel.UIDValidity {
		if pos.found {
			rep.Reset = true
			p.log.Warn("imap UIDVALIDITY changed: starting over", "old", pos.UIDValidity, "new", sel.UIDValidity)
		}
		pos = position{UIDValidity: sel.UIDValidity, Next: 1, found: true}
	}
	uidNext := uint32(sel.UIDNext)
	startNext := pos.Next
	if uidNext != 0 && pos.Next >= uidNext {
		if !rep.Reset {
			return rep, nil // nothing arrived
		}
		return rep, p.saveState(ctx, &pos)
	}

	criteria := &imap.SearchCriteria{
		UID:     []imap.UIDSet{{imap.UIDRange{Start: imap.UID(pos.Next), Stop: 0}}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}
	switch p.cfg.Mark {
	case MarkSeen:
		criteria.NotFlag = append(criteria.NotFlag, imap.FlagSeen)
	case MarkFlag:
		criteria.NotFlag = append(criteria.NotFlag, imap.Flag(p.cfg.Flag))
	}
	if p.cfg.SkipFlag != "" {
		criteria.NotFlag = append(criteria.NotFlag, imap.Flag(p.cfg.SkipFlag))
	}
	found, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return rep, &Error{Op: "search", Err: err}
	}
	var uids []uint32
	for _, u := range found.AllUIDs() {
		// "n:*" always matches the last message, even below n.
		if !pos.done(uint32(u)) {
			uids = append(uids, uint32(u))
		}
	}
	slices.Sort(uids)
	batch := uids[:min(len(uids), p.cfg.BatchSize)]
	rep.More = len(uids) > len(batch)

	sizes := map[uint32]int64{}
	if len(batch) > 0 {
		set := imap.UIDSetNum(toUIDs(batch)...)
		msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		if err != nil {
			return rep, &Error{Op: "fetch sizes", Err: err}
		}
		for _, m := range msgs {
			sizes[uint32(m.UID)] = m.RFC822Size
		}
	}

	r := &run{p: p, c: c, pos: &pos, rep: &rep, sizes: sizes, skipFlag: p.cfg.SkipFlag}
	if r.skipFlag != "" && len(batch) > 0 && !canStore(sel.PermanentFlags, r.skipFlag) {
		p.log.Warn("imap server does not keep keywords: skipped messages are not flagged", "flag", r.skipFlag)
		r.skipFlag = ""
	}
	var failed []uint32
	maxDone := uint32(0)
	for _, uid := range batch {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		ok, err := r.handle(ctx, uid)
		if err != nil {
			return rep, err
		}
		if ok {
			maxDone = max(maxDone, uid)
		} else {
			failed = append(failed, uid)
		}
	}

	// Advance the position past everything handled, up to the first
	// message still pending (a failure, or beyond the batch).
	next := max(uidNext, maxDone+1, pos.Next)
	if len(failed) > 0 {
		next = min(next, failed[0])
	}
	if rep.More {
		next = min(next, uids[len(batch)])
	}
	pos.Next = max(next, pos.Next)
	if pos.Next == startNext && len(batch) == 0 && !rep.Reset {
		return rep, nil
	}
	return rep, p.saveState(ctx, &pos)
}

func toUIDs(nums []uint32) []imap.UID {
	out := make([]imap.UID, len(nums))
	for i, n := range nums {
		out[i] = imap.UID(n)
	}
	return out
}

func canStore(permanent []imap.Flag, flag string) bool {
	for _, f := range permanent {
		if f == imap.FlagWildcard || string(f) == flag {
			return true
		}
	}
	return false
}

// run is the state of one poll.
type run struct {
	p        *Poller
	c        *imapclient.Client
	pos      *position
	rep      *Report
	sizes    map[uint32]int64 // RFC822.SIZE of the batch
	skipFlag string           // SkipFlag, or "" when the server keeps no keywords
}

// handle downloads, parses and delivers one message. It reports whether
// the message is done (received or skipped); false means the receiver
// refused it and it stays pending. An error stops the poll.
func (r *run) handle(ctx context.Context, uid uint32) (bool, error) {
	p, c, pos, rep := r.p, r.c, r.pos, r.rep
	size, ok := r.sizes[uid]
	if !ok {
		// Expunged since the search: nothing to do.
		pos.markDone(uid)
		return true, nil
	}
	if size > p.cfg.MaxSize {
		return true, r.skip(ctx, Skip{UID: uid, Size: size,
			Reason: &email.SizeError{Limit: p.cfg.MaxSize}})
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.UIDSetNum(imap.UID(uid)), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{section},
	}).Collect()
	if err != nil {
		return false, &Error{Op: fmt.Sprintf("fetch %d", uid), Err: err}
	}
	var raw []byte
	found := false
	for _, m := range msgs {
		if uint32(m.UID) == uid {
			raw, found = m.FindBodySection(section), true
		}
	}
	if !found {
		pos.markDone(uid)
		return true, nil
	}
	parsed, err := p.cfg.Parser.ParseBytes(raw)
	if err != nil {
		return true, r.skip(ctx, Skip{UID: uid, Size: size, Reason: err})
	}
	if err := p.recv.ReceiveEmail(ctx, p.cfg.Name, parsed); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		n := pos.fail(uid)
		if p.cfg.MaxAttempts > 0 && n >= p.cfg.MaxAttempts {
			return true, r.skip(ctx, Skip{UID: uid, Size: size,
				Reason: fmt.Errorf("%w (%d attempts): %w", ErrGaveUp, n, err)})
		}
		rep.Failed = append(rep.Failed, Failure{UID: uid, Attempts: n, Err: err})
		p.log.Warn("imap receiver failed; the message stays for the next poll",
			"uid", uid, "message_id", parsed.Message.ID, "attempt", n, "err", err)
		if p.cfg.MaxAttempts > 0 {
			// Remember the count; the position does not move past uid.
			if err := p.saveState(ctx, pos); err != nil {
				return false, err
			}
		}
		return false, nil
	}
	rep.Received++
	pos.markDone(uid)
	// The position first: a crash before marking repeats nothing.
	if err := p.saveState(ctx, pos); err != nil {
		return true, err
	}
	p.log.Debug("imap message received", "uid", uid, "message_id", parsed.Message.ID)
	return true, p.mark(c, uid)
}

// mark applies Config.Mark to a received message.
func (p *Poller) mark(c *imapclient.Client, uid uint32) error {
	set := imap.UIDSetNum(imap.UID(uid))
	switch p.cfg.Mark {
	case MarkMove:
		if _, err := c.Move(set, p.cfg.MoveTo).Wait(); err != nil {
			return &Error{Op: fmt.Sprintf("move %d to %s", uid, p.cfg.MoveTo), Err: err}
		}
		return nil
	case MarkFlag:
		return p.store(c, uid, p.cfg.Flag)
	default:
		return p.store(c, uid, string(imap.FlagSeen))
	}
}

func (p *Poller) store(c *imapclient.Client, uid uint32, flag string) error {
	err := c.Store(imap.UIDSetNum(imap.UID(uid)), &imap.StoreFlags{
		Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(flag)},
	}, nil).Close()
	if err != nil {
		return &Error{Op: fmt.Sprintf("store %s on %d", flag, uid), Err: err}
	}
	return nil
}

// skip records a message that will not be delivered: the position passes
// it, it gets SkipFlag, and it is reported.
func (r *run) skip(ctx context.Context, s Skip) error {
	p, pos, rep := r.p, r.pos, r.rep
	s.UIDValidity = pos.UIDValidity
	rep.Skipped = append(rep.Skipped, s)
	pos.markDone(s.UID)
	p.log.Warn("imap message skipped; it stays in the mailbox",
		"uid", s.UID, "size", s.Size, "reason", s.Reason)
	if p.cfg.OnSkip != nil {
		p.cfg.OnSkip(ctx, s)
	}
	if err := p.saveState(ctx, pos); err != nil {
		return err
	}
	if r.skipFlag != "" {
		return p.store(r.c, s.UID, r.skipFlag)
	}
	return nil
}
