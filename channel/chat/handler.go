package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/internal/webhooksig"
)

// The headers that carry a request's signature.
const (
	HeaderTimestamp = "X-Caseagent-Timestamp"
	HeaderSignature = "X-Caseagent-Signature"
)

// Receiver takes valid events. The case agent is the usual receiver;
// a receiver returns an error wrapping ErrInvalidEvent or ErrEnded for an
// event it refuses, and ErrDuplicateMessage for one it already has.
type Receiver interface {
	ReceiveChatEvent(ctx context.Context, ev *Event) error
}

// ReceiverFunc adapts a function to the Receiver interface.
type ReceiverFunc func(ctx context.Context, ev *Event) error

// ReceiptReceiver is a Receiver that says what it did with an event: the
// handler then answers 200 with the receipt as JSON instead of 204.
type ReceiptReceiver interface {
	Receiver
	ReceiveChatEventReceipt(ctx context.Context, ev *Event) (channel.Receipt, error)
}

// ReceiveChatEvent calls f.
func (f ReceiverFunc) ReceiveChatEvent(ctx context.Context, ev *Event) error { return f(ctx, ev) }

// Handler is an http.Handler that receives chat events as JSON, one per
// POST. It is safe for concurrent use.
type Handler struct {
	secret    []byte
	recv      Receiver
	limits    Limits
	maxBody   int64
	tolerance time.Duration
	now       func() time.Time
	log       *slog.Logger
}

// Option configures a Handler.
type Option func(*Handler)

// WithLimits sets the limits on event content.
func WithLimits(l Limits) Option { return func(h *Handler) { h.limits = l } }

// WithMaxBody sets the largest request body accepted, in bytes
// (default 64 KiB).
func WithMaxBody(n int64) Option { return func(h *Handler) { h.maxBody = n } }

// WithTolerance sets how far a request's timestamp may be from now
// (default five minutes).
func WithTolerance(d time.Duration) Option { return func(h *Handler) { h.tolerance = d } }

// WithClock sets the clock used to check timestamps.
func WithClock(now func() time.Time) Option { return func(h *Handler) { h.now = now } }

// WithLogger sets the logger for failures of the receiver.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// ErrWeakSecret is returned by NewHandler for a secret under 16 bytes.
var ErrWeakSecret = errors.New("chat: the shared secret must be at least 16 bytes")

// NewHandler returns a handler that checks signatures with secret and
// hands valid events to recv.
func NewHandler(secret []byte, recv Receiver, opts ...Option) (*Handler, error) {
	if len(secret) < 16 {
		return nil, ErrWeakSecret
	}
	if recv == nil {
		return nil, errors.New("chat: nil receiver")
	}
	h := &Handler{
		secret:    bytes.Clone(secret),
		recv:      recv,
		limits:    DefaultLimits,
		maxBody:   64 << 10,
		tolerance: 5 * time.Minute,
		now:       time.Now,
		log:       slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(h)
	}
	if h.maxBody <= 0 || h.tolerance <= 0 {
		return nil, errors.New("chat: body limit and tolerance must be positive")
	}
	return h, nil
}

// Sign returns the timestamp and signature headers for a body sent at t.
func Sign(secret, body []byte, t time.Time) (timestamp, signature string) {
	return webhooksig.Sign(secret, body, t)
}

// ServeHTTP implements http.Handler. It answers 204 when the event was
// taken (or was a redelivery), 400 for a malformed request, 401 for a bad
// signature, 405 for a method other than POST, 409 for an event on an
// ended conversation, 413 for a body over the limit, 415 for a body that is
// not JSON, 422 for an event the receiver refused, and 500 when the
// receiver failed.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		fail(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			fail(w, http.StatusUnsupportedMediaType, "the body must be application/json")
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", h.maxBody))
			return
		}
		fail(w, http.StatusBadRequest, "could not read the body")
		return
	}
	if msg := h.verify(r.Header, body); msg != "" {
		fail(w, http.StatusUnauthorized, msg)
		return
	}
	ev, err := Decode(body)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := ev.Validate(h.limits); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	var receipt *channel.Receipt
	if rr, ok := h.recv.(ReceiptReceiver); ok {
		var rc channel.Receipt
		rc, err = rr.ReceiveChatEventReceipt(r.Context(), ev)
		receipt = &rc
	} else {
		err = h.recv.ReceiveChatEvent(r.Context(), ev)
	}
	switch {
	case (err == nil || errors.Is(err, ErrDuplicateMessage)) && receipt != nil:
		if errors.Is(err, ErrDuplicateMessage) {
			receipt.Outcome, receipt.Reason = "duplicate", err.Error()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_ = json.NewEncoder(w).Encode(receipt)
	case err == nil, errors.Is(err, ErrDuplicateMessage):
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, ErrEnded):
		fail(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrInvalidEvent), errors.Is(err, ErrWrongConversation):
		fail(w, http.StatusUnprocessableEntity, err.Error())
	default:
		h.log.ErrorContext(r.Context(), "chat event failed", "event", ev.ID, "conversation", ev.ConversationID, "err", err)
		fail(w, http.StatusInternalServerError, "the event could not be processed; retry later")
	}
}

// verify returns why the signature is refused, or "" when it holds.
func (h *Handler) verify(hdr http.Header, body []byte) string {
	return webhooksig.Verify(h.secret, webhooksig.Check{TimestampHeader: HeaderTimestamp, SignatureHeader: HeaderSignature,
		Timestamp: hdr.Get(HeaderTimestamp), Signature: hdr.Get(HeaderSignature), Body: body}, h.now(), h.tolerance)
}

// Decode reads one event from JSON. Unknown fields and trailing data are
// errors; it does not validate the content (see Event.Validate).
func Decode(body []byte) (*Event, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var ev Event
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidEvent, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the event", ErrInvalidEvent)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the event", ErrInvalidEvent)
	}
	return &ev, nil
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}
