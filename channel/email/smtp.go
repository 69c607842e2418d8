package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/redact"
	"golang.org/x/oauth2"
)

// TLSMode is how an SMTPSender secures its connection.
type TLSMode int

// The TLS modes.
const (
	// StartTLS upgrades the connection with STARTTLS and fails when the
	// server does not offer it. It is the default (submission, port 587).
	StartTLS TLSMode = iota
	// ImplicitTLS speaks TLS from the start (port 465).
	ImplicitTLS
	// NoTLS sends in clear text. It is for test servers on loopback only:
	// credentials are never sent without TLS.
	NoTLS
)

// SMTPConfig configures an SMTPSender. NewSMTPSender copies it; changing
// it afterwards has no effect on the sender.
type SMTPConfig struct {
	// Addr is the server's host:port.
	Addr string
	// Username is the mailbox to authenticate as; no authentication when
	// it is empty. Password authenticates with AUTH PLAIN; TokenSource
	// instead authenticates with an OAuth 2.0 access token, by the SASL
	// Mechanism (default AutoMechanism), as Microsoft 365 and Google
	// Workspace require. A token is asked of TokenSource for every
	// connection: give a TokenCache (or another source that reuses a
	// token until shortly before it expires). Credentials of either kind
	// are sent over TLS only.
	Username    string
	Password    string
	TokenSource oauth2.TokenSource
	Mechanism   OAuthMechanism
	// TLS is the TLS mode; TLSConfig, when set, is used for it (the
	// default verifies the server's certificate for the host of Addr).
	TLS       TLSMode
	TLSConfig *tls.Config
	// From is the sender used when an Outgoing has none, such as the
	// shared support mailbox.
	From channel.Address
	// EnvelopeFrom is the SMTP MAIL FROM (where bounces go); it defaults to
	// the From address.
	EnvelopeFrom string
	// IDs makes the Message-IDs; with a valid configuration (see
	// MessageIDs.Validate) the case of an Outgoing is signed into it.
	IDs MessageIDs
	// LoopValue is the value of the X-Loop header set on every message;
	// it defaults to the From address. Give the same value to the
	// Parser (WithLoopMarker) so that mail returning to us is recognised.
	LoopValue string
	// LocalName is the name given in EHLO; default "localhost".
	LocalName string
	// Timeout bounds one Send when the context has no earlier deadline;
	// default one minute.
	Timeout time.Duration
	// Now is the clock for the Date header; default time.Now.
	Now func() time.Time
	// Logger receives a debug line per message sent; default discards.
	Logger *slog.Logger
}

// SendError is a failure to send, with the SMTP step that failed. It
// unwraps to the underlying error (a *textproto.Error for an SMTP reply).
// It is immutable, safe to share.
type SendError struct {
	Op  string
	Err error
}

// Error returns the failure with any credentials, keys and tokens in the
// server's answer redacted.
func (e *SendError) Error() string {
	return redact.String("email: smtp " + e.Op + ": " + e.Err.Error())
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// Temporary reports whether the server answered with a transient (4xx)
// failure, or the connection failed, so that sending again later may
// succeed.
func (e *SendError) Temporary() bool {
	var te *textproto.Error
	if errors.As(e.Err, &te) {
		return te.Code >= 400 && te.Code < 500
	}
	var ne net.Error
	return errors.As(e.Err, &ne) || errors.Is(e.Err, context.DeadlineExceeded)
}

// ErrInvalidMessage is returned for an Outgoing that cannot be sent: no
// recipient, an invalid address, or a header that would break the
// message.
var ErrInvalidMessage = errors.New("email: invalid outgoing message")

// SMTPSender sends mail through an SMTP submission server. It implements
// channel.Sender. Every message gets our Message-ID (signed with the case
// when there is one), In-Reply-To and References for replies, an X-Loop
// header, and for Automated mail Auto-Submitted ("auto-replied" for
// replies, "auto-generated" otherwise) and X-Auto-Response-Suppress.
//
// An SMTPSender is safe for concurrent use; each Send uses its own
// connection.
type SMTPSender struct {
	cfg        SMTPConfig
	host, port string
	log        *slog.Logger
}

var _ channel.Sender = (*SMTPSender)(nil)

// NewSMTPSender checks cfg and returns a sender. It does not connect.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("%w: SMTP address %q is not host:port", ErrInvalidConfig, cfg.Addr)
	}
	if cfg.From.Email == "" {
		return nil, fmt.Errorf("%w: SMTPConfig.From is required", ErrInvalidConfig)
	}
	if _, err := mail.ParseAddress(cfg.From.Email); err != nil {
		return nil, fmt.Errorf("%w: From %q: %v", ErrInvalidConfig, cfg.From.Email, err)
	}
	if cfg.TLS == NoTLS && (cfg.Username != "" || cfg.TokenSource != nil) {
		return nil, fmt.Errorf("%w: credentials are never sent without TLS", ErrInvalidConfig)
	}
	if cfg.TokenSource != nil && cfg.Password != "" {
		return nil, fmt.Errorf("%w: give a Password or a TokenSource, not both", ErrInvalidConfig)
	}
	if cfg.TokenSource != nil && cfg.Username == "" {
		return nil, fmt.Errorf("%w: a TokenSource needs the Username it authenticates", ErrInvalidConfig)
	}
	if !cfg.Mechanism.Valid() {
		return nil, fmt.Errorf("%w: unknown OAuth mechanism %d", ErrInvalidConfig, cfg.Mechanism)
	}
	if cfg.TLS < StartTLS || cfg.TLS > NoTLS {
		return nil, fmt.Errorf("%w: unknown TLS mode %d", ErrInvalidConfig, cfg.TLS)
	}
	if cfg.EnvelopeFrom == "" {
		cfg.EnvelopeFrom = cfg.From.Email
	}
	if cfg.LoopValue == "" {
		cfg.LoopValue = cfg.From.Email
	}
	if strings.ContainsAny(cfg.LoopValue+cfg.EnvelopeFrom+cfg.LocalName, "\r\n") {
		return nil, fmt.Errorf("%w: line breaks in a header value", ErrInvalidConfig)
	}
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SMTPSender{cfg: cfg, host: host, port: port, log: log}, nil
}

// reservedHeaders are set by the sender and may not come from
// Outgoing.Headers.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Subject": true, "Date": true,
	"Message-Id": true, "In-Reply-To": true, "References": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Auto-Submitted": true,
	"X-Loop": true, "X-Auto-Response-Suppress": true, "Sender": true, "Return-Path": true,
}

// Compose renders m as it would be sent and returns its Message-ID
// (without angle brackets) and the raw message with CRLF line ends.
func (s *SMTPSender) Compose(m *channel.Outgoing) (id string, raw []byte, err error) {
	if m == nil {
		return "", nil, fmt.Errorf("%w: nil message", ErrInvalidMessage)
	}
	from := m.From
	if from.Email == "" {
		from = s.cfg.From
	}
	if len(m.To)+len(m.Cc) == 0 {
		return "", nil, fmt.Errorf("%w: no recipient", ErrInvalidMessage)
	}
	for _, a := range append(append([]channel.Address{from}, m.To...), m.Cc...) {
		if err := checkAddress(a); err != nil {
			return "", nil, err
		}
	}
	var b bytes.Buffer
	var tooLong string
	header := func(k, v string) {
		f := foldHeader(k, v)
		if f == "" && tooLong == "" {
			tooLong = k
		}
		b.WriteString(f)
	}
	msgID := s.cfg.IDs.New(m.CaseID)
	if s.cfg.IDs.Validate() != nil {
		msgID = MessageIDs{Domain: domainOf(from.Email)}.New("")
	}
	header("Date", s.cfg.Now().Format(time.RFC1123Z))
	header("From", from.String())
	if len(m.To) > 0 {
		header("To", joinAddresses(m.To))
	}
	if len(m.Cc) > 0 {
		header("Cc", joinAddresses(m.Cc))
	}
	header("Subject", encodeHeaderText("Subject", m.Subject))
	header("Message-ID", msgID)
	inReplyTo := strings.Trim(strings.TrimSpace(m.InReplyTo), "<>")
	if strings.ContainsAny(inReplyTo, " \t\r\n<>") {
		return "", nil, fmt.Errorf("%w: In-Reply-To %q is not a message id", ErrInvalidMessage, m.InReplyTo)
	}
	if inReplyTo != "" {
		header("In-Reply-To", "<"+inReplyTo+">")
	}
	if refs := references(m.References, inReplyTo); len(refs) > 0 {
		header("References", "<"+strings.Join(refs, ">\r\n <")+">")
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("X-Loop", s.cfg.LoopValue)
	if m.Automated {
		if inReplyTo != "" {
			header("Auto-Submitted", "auto-replied")
		} else {
			header("Auto-Submitted", "auto-generated")
		}
		header("X-Auto-Response-Suppress", "All")
	}
	for k, v := range m.Headers {
		ck := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
		if ck == "" || !validHeaderName(ck) || strings.ContainsAny(v, "\r\n") {
			return "", nil, fmt.Errorf("%w: header %q", ErrInvalidMessage, k)
		}
		if reservedHeaders[ck] {
			return "", nil, fmt.Errorf("%w: header %s is set by the sender", ErrInvalidMessage, ck)
		}
		header(ck, encodeHeaderText(ck, v))
	}
	if tooLong != "" {
		return "", nil, fmt.Errorf("%w: header %s has a word longer than a line may be", ErrInvalidMessage, tooLong)
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return "", nil, err
	}
	if err := qp.Close(); err != nil {
		return "", nil, err
	}
	b.WriteString("\r\n")
	return strings.Trim(msgID, "<>"), b.Bytes(), nil
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return "localhost"
}

func checkAddress(a channel.Address) error {
	if strings.ContainsAny(a.Name+a.Email, "\r\n") {
		return fmt.Errorf("%w: line break in address %q", ErrInvalidMessage, a.Email)
	}
	p, err := mail.ParseAddress(a.Email)
	if err != nil || p.Address != a.Email {
		return fmt.Errorf("%w: address %q", ErrInvalidMessage, a.Email)
	}
	return nil
}

func validHeaderName(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 127 || c == ':' {
			return false
		}
	}
	return true
}

func joinAddresses(list []channel.Address) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",\r\n ")
}

// The line lengths of RFC 5322 section 2.1.1, without the CRLF: every
// line must fit maxLine and should fit foldAt.
const (
	foldAt  = 78
	maxLine = 998
)

// encodeHeaderText makes the unstructured value of header name safe:
// line breaks become spaces, and text that is not ASCII, that holds a
// word too long to fold, or that could be read as an encoded word becomes
// RFC 2047 encoded words (see encodeWords).
func encodeHeaderText(name, v string) string {
	v = strings.Join(strings.Fields(v), " ")
	nonASCII, longWord, word := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= 0x80 || c < ' ' || c == 0x7f:
			nonASCII++
		case c == ' ':
			word = 0
			continue
		}
		if word++; word > foldAt-len(name)-2 {
			longWord = true
		}
	}
	if nonASCII == 0 && !longWord && !strings.Contains(v, "=?") {
		return v
	}
	return strings.Join(encodeWords(v, nonASCII*3 > len(v), max(foldAt-len(name)-2, 24)), " ")
}

// encodeWords encodes s as RFC 2047 encoded words in UTF-8, B or Q
// encoding, each at most 75 characters (the first at most first) and
// none splitting a character, so that every line of the folded header
// fits foldAt octets.
func encodeWords(s string, useBase64 bool, first int) []string {
	const prefix, suffix = "=?utf-8?q?", "?=" // "=?utf-8?b?" is as long
	var out []string
	limit := min(first, 75)
	var chunk strings.Builder // raw text for B, encoded text for Q
	size := 0                 // the length of the chunk once encoded
	flush := func() {
		if chunk.Len() == 0 {
			return
		}
		if useBase64 {
			out = append(out, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(chunk.String()))+suffix)
		} else {
			out = append(out, prefix+chunk.String()+suffix)
		}
		chunk.Reset()
		size, limit = 0, 75
	}
	for _, r := range s {
		if useBase64 {
			n := chunk.Len() + utf8.RuneLen(r)
			if len(prefix)+len(suffix)+(n+2)/3*4 > limit {
				flush()
			}
			chunk.WriteRune(r)
			continue
		}
		enc := qEncodeRune(r)
		if len(prefix)+len(suffix)+size+len(enc) > limit {
			flush()
		}
		chunk.WriteString(enc)
		size += len(enc)
	}
	flush()
	return out
}

// qEncodeRune is r in the Q encoding of RFC 2047 for unstructured text.
func qEncodeRune(r rune) string {
	switch {
	case r == ' ':
		return "_"
	case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!*+-/", r)):
		return string(r)
	}
	var b strings.Builder
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, c := range buf[:n] {
		b.WriteByte('=')
		b.WriteByte("0123456789ABCDEF"[c>>4])
		b.WriteByte("0123456789ABCDEF"[c&15])
	}
	return b.String()
}

// foldHeader renders a header field as lines of at most foldAt octets
// where the value has white space to fold at, and never more than
// maxLine: a line break goes before a space, which stays as the first
// character of the continuation. Lines the value already breaks with
// CRLF and a space are kept. It returns "" when a line cannot be made to
// fit maxLine.
func foldHeader(name, value string) string {
	var b strings.Builder
	for i, line := range strings.Split(name+": "+value, "\r\n") {
		if i > 0 {
			b.WriteString("\r\n")
		}
		start := 0
		if i == 0 {
			start = len(name) + 2 // never fold before the value
		}
		for len(line) > foldAt {
			cut := strings.LastIndexByte(line[:foldAt+1], ' ')
			if cut <= start {
				// No space within foldAt: fold at the next one.
				next := strings.IndexByte(line[start+1:], ' ')
				if next < 0 {
					break
				}
				cut = start + 1 + next
			}
			if cut > maxLine {
				return ""
			}
			b.WriteString(line[:cut])
			b.WriteString("\r\n")
			line = line[cut:]
			start = 1
		}
		if len(line) > maxLine {
			return ""
		}
		b.WriteString(line)
	}
	b.WriteString("\r\n")
	return b.String()
}

// references returns the References of a reply: the earlier ones, then
// In-Reply-To, without duplicates; long chains keep the first and the
// last 19 ids.
func references(refs []string, inReplyTo string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" || seen[id] || strings.ContainsAny(id, " \t\r\n<>") {
			return
		}
		seen[id] = true
		out = append(out, id)
	}
	for _, r := range refs {
		add(r)
	}
	if inReplyTo != "" {
		delete(seen, inReplyTo)
		for i, id := range out {
			if id == inReplyTo {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
		add(inReplyTo)
	}
	if len(out) > 20 {
		out = append(out[:1], out[len(out)-19:]...)
	}
	return out
}

// sendError is the *SendError of step op, with the configured password
// and secrets redacted from the text of err, alone and as the AUTH
// response that carries them (servers echo what they got).
func (s *SMTPSender) sendError(op string, err error, secrets ...string) *SendError {
	known := append([]string{s.cfg.Password}, secrets...)
	if s.cfg.Password != "" {
		known = append(known, base64.StdEncoding.EncodeToString([]byte("\x00"+s.cfg.Username+"\x00"+s.cfg.Password)))
	}
	return &SendError{Op: op, Err: redact.Error(err, known...)}
}

// Send delivers m and returns its Message-ID without angle brackets.
func (s *SMTPSender) Send(ctx context.Context, m *channel.Outgoing) (string, error) {
	id, raw, err := s.Compose(m)
	if err != nil {
		return "", err
	}
	rcpts := make([]string, 0, len(m.To)+len(m.Cc))
	for _, a := range append(append([]channel.Address(nil), m.To...), m.Cc...) {
		rcpts = append(rcpts, a.Email)
	}
	if err := s.deliver(ctx, rcpts, raw); err != nil {
		return "", err
	}
	s.log.Debug("email: sent", "message_id", id, "recipients", len(rcpts))
	return id, nil
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	if s.cfg.TLSConfig != nil {
		c := s.cfg.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.host
		}
		return c
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}

// Probe checks that the server can be reached and takes the
// credentials: it connects, secures the connection as configured,
// authenticates when a Username is set, and says QUIT, sending no mail.
// Its error is a *SendError (errors.Is(err, ErrAuthFailed) when the
// credentials were refused), with any secret redacted. It is for a
// prerequisites check; Send needs no Probe first.
func (s *SMTPSender) Probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	c, done, err := s.session(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := c.Quit(); err != nil {
		return s.sendError("quit", err)
	}
	return nil
}

// session connects, says EHLO, secures the connection and authenticates;
// done closes the connection.
func (s *SMTPSender) session(ctx context.Context) (c *smtp.Client, done func(), err error) {
	var auth smtp.Auth
	var secrets []string
	switch {
	case s.cfg.TokenSource != nil:
		tok, err := s.cfg.TokenSource.Token()
		if err == nil && (tok == nil || tok.AccessToken == "") {
			err = errors.New("the token source returned no access token")
		}
		if err != nil {
			return nil, nil, s.sendError("token", err)
		}
		port, _ := strconv.Atoi(s.port)
		a := &smtpOAuth{want: s.cfg.Mechanism, sasl: OAuthSASL{Username: s.cfg.Username, Token: tok.AccessToken, Host: s.host, Port: port}}
		auth = a
		// The SASL messages first: the token inside them would otherwise
		// be masked alone and the rest of each message left.
		for _, m := range []OAuthMechanism{XOAuth2, OAuthBearer} {
			a.sasl.Mechanism = m
			secrets = append(secrets, a.sasl.encodedResponse())
		}
		secrets = append(secrets, tok.AccessToken)
		a.sasl.Mechanism = AutoMechanism
	case s.cfg.Username != "":
		auth = smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, nil, s.sendError("dial", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	fail := func(op string, err error) (*smtp.Client, func(), error) {
		stop()
		conn.Close()
		return nil, nil, s.sendError(op, err, secrets...)
	}
	if s.cfg.TLS == ImplicitTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("tls", err)
		}
		conn = tc
	}
	c, err = smtp.NewClient(conn, s.host)
	if err != nil {
		return fail("greeting", err)
	}
	if err := c.Hello(s.cfg.LocalName); err != nil {
		return fail("ehlo", err)
	}
	if s.cfg.TLS == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fail("starttls", errors.New("the server does not offer STARTTLS"))
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fail("starttls", err)
		}
	}
	if auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fail("auth", errors.New("the server does not offer AUTH"))
		}
		if err := c.Auth(auth); err != nil {
			detail := ""
			if a, ok := auth.(*smtpOAuth); ok {
				detail = a.sasl.ServerError
			}
			return fail("auth", refused(err, detail))
		}
	}
	return c, func() { stop(); c.Close() }, nil
}

// refused marks an SMTP error as ErrAuthFailed when the server answered
// with a permanent failure (535 and the like), and adds what the server
// said in its challenge.
func refused(err error, detail string) error {
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code < 500 {
		return err
	}
	return &AuthError{Err: err, Detail: detail}
}

// AuthError is a server's refusal of the credentials (a password or a
// token), with what the server said about it when it said something; it
// matches ErrAuthFailed. The SMTP sender and the IMAP poller return it.
type AuthError struct {
	Err    error
	Detail string
}

func (e *AuthError) Error() string {
	if e.Detail != "" {
		return e.Err.Error() + " (the server said " + e.Detail + ")"
	}
	return e.Err.Error()
}

// Unwrap returns Err.
func (e *AuthError) Unwrap() error { return e.Err }

// Is matches ErrAuthFailed.
func (e *AuthError) Is(target error) bool { return target == ErrAuthFailed }

// smtpOAuth is OAuthSASL as net/smtp's Auth, choosing the mechanism from
// the server's list.
type smtpOAuth struct {
	want OAuthMechanism
	sasl OAuthSASL
}

func (a *smtpOAuth) Start(info *smtp.ServerInfo) (string, []byte, error) {
	if !info.TLS {
		return "", nil, errors.New("tokens are never sent without TLS")
	}
	m, err := a.want.Choose(info.Auth)
	if err != nil {
		return "", nil, err
	}
	a.sasl.Mechanism = m
	return a.sasl.Start()
}

func (a *smtpOAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.sasl.Next(fromServer)
}

func (s *SMTPSender) deliver(ctx context.Context, rcpts []string, raw []byte) (err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	c, done, err := s.session(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := c.Mail(s.cfg.EnvelopeFrom); err != nil {
		return s.sendError("mail from", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return s.sendError("rcpt to "+r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.sendError("data", err)
	}
	if _, err := w.Write(raw); err != nil {
		return s.sendError("data", err)
	}
	if err := w.Close(); err != nil {
		return s.sendError("data", err)
	}
	if err := c.Quit(); err != nil {
		// The message was accepted; a failed QUIT does not undo that.
		s.log.Debug("email: smtp quit", "err", err)
	}
	return nil
}
