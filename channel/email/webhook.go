package email

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/caseagent/caseagent/channel"
)

// Receiver takes the inbound mail a Handler accepted. mailbox names the
// mailbox the mail was delivered to, as the webhook said (the "mailbox"
// query parameter or the X-Mailbox header), or "". A Receiver must be
// idempotent: providers deliver a message again when they do not get a
// success answer in time.
//
// Implementations must be safe for concurrent use.
type Receiver interface {
	ReceiveEmail(ctx context.Context, mailbox string, p *Parsed) error
}

// ReceiverFunc adapts a function to Receiver.
type ReceiverFunc func(ctx context.Context, mailbox string, p *Parsed) error

// ReceiveEmail calls f.
func (f ReceiverFunc) ReceiveEmail(ctx context.Context, mailbox string, p *Parsed) error {
	return f(ctx, mailbox, p)
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithSharedSecret makes the handler accept requests that present the
// secret as "Authorization: Bearer <secret>", as the password of HTTP basic
// authentication, or in the X-Webhook-Secret header. It is compared in
// constant time.
func WithSharedSecret(secret string) HandlerOption {
	return func(h *Handler) { h.secret = []byte(secret) }
}

// WithSignature makes the handler accept requests whose header (default
// "X-Signature" when header is "") carries the HMAC-SHA-256 of the request
// body under key, in hex or base64, optionally prefixed "sha256=".
func WithSignature(key []byte, header string) HandlerOption {
	return func(h *Handler) {
		h.sigKey = key
		if header == "" {
			header = "X-Signature"
		}
		h.sigHeader = header
	}
}

// WithParser sets the parser, and with it the size limit. The default is
// NewParser().
func WithParser(p *Parser) HandlerOption {
	return func(h *Handler) {
		if p != nil {
			h.parser = p
		}
	}
}

// WithHandlerLogger sets the logger; the default discards.
func WithHandlerLogger(l *slog.Logger) HandlerOption {
	return func(h *Handler) {
		if l != nil {
			h.log = l
		}
	}
}

// Handler is an http.Handler for inbound-mail webhooks: it accepts a raw
// MIME message as the POST body (any content type but forms), or in a
// form field ("email", "body-mime", "raw", "message" or "mime") of a
// multipart or URL-encoded form, checks the caller's secret or signature,
// enforces the size limit, parses the message and hands it to the
// Receiver.
//
// Answers: 200 with a small JSON document on success; 401 for a missing
// or wrong secret or signature; 405 for methods other than POST; 413 for
// a message over the limit; 400 for a body that is not a message; 415 for
// a form without a message field; 500 when the Receiver fails, so that
// the provider retries.
//
// A Handler is safe for concurrent use.
type Handler struct {
	recv      Receiver
	parser    *Parser
	secret    []byte
	sigKey    []byte
	sigHeader string
	log       *slog.Logger
}

// NewHandler returns a Handler that passes messages to r. It refuses to
// build a handler without WithSharedSecret or WithSignature: an open
// inbound-mail endpoint would let anyone inject mail.
func NewHandler(r Receiver, opts ...HandlerOption) (*Handler, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil Receiver", ErrInvalidConfig)
	}
	h := &Handler{recv: r, parser: NewParser(), log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	if len(h.secret) == 0 && len(h.sigKey) == 0 {
		return nil, fmt.Errorf("%w: a webhook needs WithSharedSecret or WithSignature", ErrInvalidConfig)
	}
	if len(h.secret) > 0 && len(h.secret) < 16 {
		return nil, fmt.Errorf("%w: the shared secret must be at least 16 bytes", ErrInvalidConfig)
	}
	if len(h.sigKey) > 0 && len(h.sigKey) < 16 {
		return nil, fmt.Errorf("%w: the signature key must be at least 16 bytes", ErrInvalidConfig)
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
	if !authed && !h.signatureOK(r, body) {
		h.unauthorized(w, r)
		return
	}
	raw, status, msg := extractMessage(r, body)
	if status != 0 {
		httpError(w, status, msg)
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
	mailbox := r.URL.Query().Get("mailbox")
	if mailbox == "" {
		mailbox = r.Header.Get("X-Mailbox")
	}
	if err := h.recv.ReceiveEmail(r.Context(), mailbox, p); err != nil {
		h.log.Error("email webhook: receiver failed", "message_id", p.Message.ID, "err", err)
		httpError(w, http.StatusInternalServerError, "the message could not be stored; retry later")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		MessageID string `json:"message_id"`
		Class     Class  `json:"class,omitempty"`
		Problems  int    `json:"problems"`
	}{p.Message.ID, p.Classification.Class, len(p.Problems)})
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

func (h *Handler) signatureOK(r *http.Request, body []byte) bool {
	if len(h.sigKey) == 0 {
		return false
	}
	sig := r.Header.Get(h.sigHeader)
	return sig != "" && validSignature(h.sigKey, body, sig)
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

func validSignature(key, body []byte, sig string) bool {
	sig = strings.TrimSpace(sig)
	if i := strings.IndexByte(sig, '='); i > 0 && strings.EqualFold(sig[:i], "sha256") {
		sig = sig[i+1:]
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	want := mac.Sum(nil)
	for _, dec := range []func(string) ([]byte, error){hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString} {
		if got, err := dec(sig); err == nil && len(got) == len(want) {
			return hmac.Equal(got, want)
		}
	}
	return false
}

// extractMessage returns the raw message of a request: the body, or a
// field of a form. status is non-zero with a message when there is none.
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
		if v := r2.FormValue(f); v != "" {
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
