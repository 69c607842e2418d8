package email

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/redact"
	"github.com/caseagent/caseagent/internal/webhooksig"
)

// Receiver takes the inbound mail a Handler accepted. mailbox names the
// mailbox the mail was delivered to, as configured with WithMailbox (never
// as the request says), or "". A Receiver must be idempotent: providers
// deliver a message again when they do not get a success answer in time.
//
// Implementations must be safe for concurrent use.
type Receiver interface {
	ReceiveEmail(ctx context.Context, mailbox string, p *Parsed) error
}

// ReceiverFunc adapts a function to Receiver.
type ReceiverFunc func(ctx context.Context, mailbox string, p *Parsed) error

// ReceiptReceiver is a Receiver that says what it did with a message: the
// handler adds the receipt (case id and number, outcome, reason) to its
// answer.
type ReceiptReceiver interface {
	Receiver
	ReceiveEmailReceipt(ctx context.Context, mailbox string, p *Parsed) (channel.Receipt, error)
}

// ReceiveEmail calls f.
func (f ReceiverFunc) ReceiveEmail(ctx context.Context, mailbox string, p *Parsed) error {
	return f(ctx, mailbox, p)
}

// The headers that carry a signed request's timestamp and signature: the
// same names and scheme as the chat handler's (package chat), so that one
// signing routine serves both.
const (
	HeaderTimestamp = "X-Caseagent-Timestamp"
	HeaderSignature = "X-Caseagent-Signature"
)

// DefaultTolerance is how far a signed request's timestamp may be from
// the handler's clock when WithTolerance does not say otherwise.
const DefaultTolerance = 5 * time.Minute

// Sign returns the values of the HeaderTimestamp and HeaderSignature
// headers for a request whose body is body, sent at t: the Unix time in
// seconds, and "sha256=" and the hex HMAC-SHA-256 under key of the
// timestamp, a dot and the body.
func Sign(key, body []byte, t time.Time) (timestamp, signature string) {
	return webhooksig.Sign(key, body, t)
}

// HandlerOption configures a Handler. WithLogger is one too.
type HandlerOption interface {
	applyHandler(*Handler)
}

type handlerOption func(*Handler)

func (f handlerOption) applyHandler(h *Handler) { f(h) }

// WithSharedSecret makes the handler accept requests that present the
// secret as "Authorization: Bearer <secret>", as the password of HTTP basic
// authentication, or in the X-Webhook-Secret header. It is compared in
// constant time. Such a request may carry the message as the body or in
// a form field of the body; the URL is never read.
func WithSharedSecret(secret string) HandlerOption {
	return handlerOption(func(h *Handler) { h.secret = []byte(secret) })
}

// WithSignature makes the handler accept requests signed under key as
// Sign does: HeaderTimestamp within the tolerance of the handler's clock
// (see WithTolerance) and HeaderSignature the HMAC of timestamp and body.
// A signed request carries the raw message as its body, and nothing but
// the signed body is read: not the URL, not a form, whatever the
// Content-Type says.
func WithSignature(key []byte) HandlerOption {
	return handlerOption(func(h *Handler) { h.sigKey = bytes.Clone(key) })
}

// WithTolerance sets how far a signed request's timestamp may be from
// the handler's clock, in either direction (default DefaultTolerance). A
// captured request can be replayed only within this window, and then
// only as the same message, which the Receiver drops as a duplicate.
func WithTolerance(d time.Duration) HandlerOption {
	return handlerOption(func(h *Handler) { h.tolerance = d })
}

// WithClock sets the clock that signed requests' timestamps are checked
// against (default time.Now).
func WithClock(now func() time.Time) HandlerOption {
	return handlerOption(func(h *Handler) { h.now = now })
}

// WithMailbox names the mailbox the handler's mail is delivered to; it is
// passed to the Receiver with every message. A request cannot name or
// change it: mount one Handler per mailbox.
func WithMailbox(name string) HandlerOption {
	return handlerOption(func(h *Handler) { h.mailbox = name })
}

// WithParser sets the parser, and with it the size and structure limits.
// The default is NewParser().
func WithParser(p *Parser) HandlerOption {
	return handlerOption(func(h *Handler) { h.parser = p })
}

// Handler is an http.Handler for inbound-mail webhooks. It checks the
// caller's shared secret or signature, enforces the size limit, parses
// the message and hands it to the Receiver with the configured mailbox.
//
// A request authenticated by the shared secret carries a raw MIME message
// as the POST body (any content type but forms), or in a form field
// ("email", "body-mime", "raw", "message" or "mime") of a multipart or
// URL-encoded form body. A signed request (WithSignature) carries the raw
// message as the body, which is all the signature covers and all that is
// read. The URL's query is never read.
//
// Answers: 200 with a small JSON document on success; 401 for a missing
// or wrong secret or signature, or a timestamp outside the window; 405
// for methods other than POST; 413 for a message over the size or
// structure limits; 400 for a body that is not a message; 415 for a form
// without a message field; 500 when the Receiver fails, so that the
// provider retries.
//
// A Handler is safe for concurrent use.
type Handler struct {
	recv      Receiver
	parser    *Parser
	secret    []byte
	sigKey    []byte
	tolerance time.Duration
	now       func() time.Time
	mailbox   string
	log       *slog.Logger
}

// NewHandler returns a Handler that passes messages to r. It refuses to
// build a handler without WithSharedSecret or WithSignature (an open
// inbound-mail endpoint would let anyone inject mail), with a secret or
// key under 16 bytes, a tolerance that is not positive, or a nil parser or
// clock; the error matches ErrInvalidConfig.
func NewHandler(r Receiver, opts ...HandlerOption) (*Handler, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil Receiver", ErrInvalidConfig)
	}
	h := &Handler{
		recv:      r,
		parser:    NewParser(),
		tolerance: DefaultTolerance,
		now:       time.Now,
		log:       slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o != nil {
			o.applyHandler(h)
		}
	}
	switch {
	case len(h.secret) == 0 && len(h.sigKey) == 0:
		return nil, fmt.Errorf("%w: a webhook needs WithSharedSecret or WithSignature", ErrInvalidConfig)
	case len(h.secret) > 0 && len(h.secret) < 16:
		return nil, fmt.Errorf("%w: the shared secret must be at least 16 bytes", ErrInvalidConfig)
	case len(h.sigKey) > 0 && len(h.sigKey) < 16:
		return nil, fmt.Errorf("%w: the signature key must be at least 16 bytes", ErrInvalidConfig)
	case h.tolerance <= 0:
		return nil, fmt.Errorf("%w: the signature tolerance must be positive", ErrInvalidConfig)
	case h.parser == nil:
		return nil, fmt.Errorf("%w: nil Parser", ErrInvalidConfig)
	case h.now == nil:
		return nil, fmt.Errorf("%w: nil clock", ErrInvalidConfig)
	case h.log == nil:
		return nil, fmt.Errorf("%w: nil logger", ErrInvalidConfig)
	}
	return h, nil
}

// formFields are the form fields inbound-mail providers put raw MIME in.
var formFields = []string{"email", "body-mime", "raw", "message", "mime"}

// formOverhead is what a form may add to the message size.
const formOverhead = 1 << 20

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "use POST with the raw message as the body")
		return
	}
	// A caller with the shared secret is known before the body is read;
	// without a signature key there is nothing else to wait for.
	authed := h.secretOK(r)
	if !authed && len(h.sigKey) == 0 {
		h.unauthorized(w, r)
		return
	}
	limit := h.parser.MaxSize()
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+formOverhead+1))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		return
	}
	if int64(len(body)) > limit+formOverhead {
		httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("message larger than the limit of %d bytes", limit))
		return
	}
	// The caller proves itself before anything of the body is parsed.
	raw := body
	if authed {
		var status int
		var msg string
		raw, status, msg = extractMessage(r, body)
		if status != 0 {
			httpError(w, status, msg)
			return
		}
	} else if why := h.verifySignature(r.Header, body); why != "" {
		h.log.Warn("email webhook: unauthorized request", "remote", r.RemoteAddr, "reason", why)
		w.Header().Set("WWW-Authenticate", `Bearer realm="inbound-mail"`)
		httpError(w, http.StatusUnauthorized, "missing or wrong webhook secret or signature: "+why)
		return
	}
	p, err := h.parser.ParseBytes(raw)
	switch {
	case errors.Is(err, ErrUnusable):
		httpError(w, http.StatusBadRequest, "the body is not a mail message: "+err.Error())
		return
	case errors.Is(err, channel.ErrTooLarge):
		httpError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	case err != nil:
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	var receipt channel.Receipt
	var err2 error
	if rr, ok := h.recv.(ReceiptReceiver); ok {
		receipt, err2 = rr.ReceiveEmailReceipt(r.Context(), h.mailbox, p)
	} else {
		err2 = h.recv.ReceiveEmail(r.Context(), h.mailbox, p)
	}
	if err := err2; err != nil {
		// A store's error may carry a connection string with its password.
		h.log.Error("email webhook: receiver failed", "message_id", p.Message.ID, "err", redact.String(err.Error(), string(h.secret), string(h.sigKey)))
		httpError(w, http.StatusInternalServerError, "the message could not be stored; retry later")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		MessageID string `json:"message_id"`
		Class     Class  `json:"class,omitempty"`
		Problems  int    `json:"problems"`
		channel.Receipt
	}{p.Message.ID, p.Classification.Class, len(p.Problems), receipt})
}

func httpError(w http.ResponseWriter, status int, msg string) {
	http.Error(w, "inbound mail: "+msg, status)
}

func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request) {
	h.log.Warn("email webhook: unauthorized request", "remote", r.RemoteAddr)
	w.Header().Set("WWW-Authenticate", `Bearer realm="inbound-mail"`)
	httpError(w, http.StatusUnauthorized, "missing or wrong webhook secret or signature")
}

func (h *Handler) secretOK(r *http.Request) bool {
	ok := false
	if len(h.secret) > 0 {
		for _, presented := range presentedSecrets(r) {
			if subtle.ConstantTimeCompare([]byte(presented), h.secret) == 1 {
				ok = true
			}
		}
	}
	return ok
}

// verifySignature returns why a request's signature is refused, or ""
// when it holds.
func (h *Handler) verifySignature(hdr http.Header, body []byte) string {
	if len(h.sigKey) == 0 {
		return "no secret presented"
	}
	return webhooksig.Verify(h.sigKey, webhooksig.Check{TimestampHeader: HeaderTimestamp, SignatureHeader: HeaderSignature,
		Timestamp: hdr.Get(HeaderTimestamp), Signature: hdr.Get(HeaderSignature), Body: body}, h.now(), h.tolerance)
}

func presentedSecrets(r *http.Request) []string {
	var out []string
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "Bearer ") {
		out = append(out, strings.TrimSpace(a[7:]))
	}
	if _, pw, ok := r.BasicAuth(); ok {
		out = append(out, pw)
	}
	if s := r.Header.Get("X-Webhook-Secret"); s != "" {
		out = append(out, s)
	}
	return out
}

// extractMessage returns the raw message of a request: the body, or a
// field of a form in the body (never of the URL's query). status is
// non-zero with a message when there is none.
func extractMessage(r *http.Request, body []byte) (raw []byte, status int, msg string) {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data", "application/x-www-form-urlencoded":
	default:
		return body, 0, ""
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(strings.NewReader(string(body)))
	var err error
	if ct == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, http.StatusBadRequest, "multipart form without a boundary"
		}
		err = r2.ParseMultipartForm(int64(len(body)) + 1)
	} else {
		err = r2.ParseForm()
	}
	if err != nil {
		return nil, http.StatusBadRequest, "reading the form: " + err.Error()
	}
	if r2.MultipartForm != nil {
		defer func() { _ = r2.MultipartForm.RemoveAll() }()
	}
	for _, f := range formFields {
		if v := r2.PostFormValue(f); v != "" {
			return []byte(v), 0, ""
		}
		if r2.MultipartForm != nil {
			if files := r2.MultipartForm.File[f]; len(files) > 0 {
				fh, err := files[0].Open()
				if err != nil {
					return nil, http.StatusBadRequest, "reading the form file: " + err.Error()
				}
				b, err := io.ReadAll(fh)
				_ = fh.Close()
				if err != nil {
					return nil, http.StatusBadRequest, "reading the form file: " + err.Error()
				}
				return b, 0, ""
			}
		}
	}
	return nil, http.StatusUnsupportedMediaType, "form without a message field (one of " + strings.Join(formFields, ", ") + ")"
}
