package chat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
)

type recorder struct {
	mu     sync.Mutex
	events []*chat.Event
	err    error
}

func (r *recorder) ReceiveChatEvent(_ context.Context, ev *chat.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.events = append(r.events, ev)
	return nil
}

func newHandler(t *testing.T, r chat.Receiver, opts ...chat.Option) *chat.Handler {
	t.Helper()
	opts = append([]chat.Option{chat.WithClock(func() time.Time { return now })}, opts...)
	h, err := chat.NewHandler(secret, r, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func signed(body string, at time.Time) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/chat", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	ts, sig := chat.Sign(secret, []byte(body), at)
	req.Header.Set(chat.HeaderTimestamp, ts)
	req.Header.Set(chat.HeaderSignature, sig)
	return req
}

const goodMessage = `{"id":"ev-1","type":"message","conversation_id":"conv-1","time":"2026-03-02T10:00:00Z",` +
	`"message":{"id":"m-1","role":"customer","text":"My router reboots every hour."}}`

func TestHandlerStatuses(t *testing.T) {
	tests := []struct {
		name   string
		req    func() *http.Request
		recErr error
		want   int
		taken  bool
	}{
		{"valid message", func() *http.Request { return signed(goodMessage, now) }, nil, http.StatusNoContent, true},
		{"valid request with customer", func() *http.Request {
			return signed(`{"id":"ev-0","type":"requested","conversation_id":"c","time":"2026-03-02T10:00:00Z","customer":{"contact_id":"C-1"}}`, now)
		}, nil, http.StatusNoContent, true},
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/chat", nil) }, nil, http.StatusMethodNotAllowed, false},
		{"not JSON", func() *http.Request {
			r := signed(goodMessage, now)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, nil, http.StatusUnsupportedMediaType, false},
		{"unsigned", func() *http.Request {
			r := signed(goodMessage, now)
			r.Header.Del(chat.HeaderSignature)
			return r
		}, nil, http.StatusUnauthorized, false},
		{"tampered body", func() *http.Request {
			r := signed(goodMessage, now)
			r.Body = httptestBody(strings.Replace(goodMessage, "reboots", "explodes", 1))
			return r
		}, nil, http.StatusUnauthorized, false},
		{"replayed an hour later", func() *http.Request { return signed(goodMessage, now.Add(-time.Hour)) }, nil, http.StatusUnauthorized, false},
		{"signed with another secret", func() *http.Request {
			r := signed(goodMessage, now)
			_, sig := chat.Sign([]byte("another-secret-of-enough-length"), []byte(goodMessage), now)
			r.Header.Set(chat.HeaderSignature, sig)
			return r
		}, nil, http.StatusUnauthorized, false},
		{"too large", func() *http.Request {
			return signed(strings.Replace(goodMessage, "My router", strings.Repeat("x", 70<<10), 1), now)
		}, nil, http.StatusRequestEntityTooLarge, false},
		{"malformed JSON", func() *http.Request { return signed(`{"id":`, now) }, nil, http.StatusBadRequest, false},
		{"unknown key", func() *http.Request {
			return signed(strings.Replace(goodMessage, `"type"`, `"tpye":"x","type"`, 1), now)
		}, nil, http.StatusBadRequest, false},
		{"two events in one body", func() *http.Request { return signed(goodMessage+goodMessage, now) }, nil, http.StatusBadRequest, false},
		{"unknown type", func() *http.Request {
			return signed(strings.Replace(goodMessage, `"type":"message"`, `"type":"typing"`, 1), now)
		}, nil, http.StatusBadRequest, false},
		{"empty text", func() *http.Request {
			return signed(strings.Replace(goodMessage, "My router reboots every hour.", "   ", 1), now)
		}, nil, http.StatusBadRequest, false},
		{"receiver refuses", func() *http.Request { return signed(goodMessage, now) }, chat.ErrEnded, http.StatusConflict, false},
		{"redelivery", func() *http.Request { return signed(goodMessage, now) }, chat.ErrDuplicateMessage, http.StatusNoContent, false},
		{"receiver fails", func() *http.Request { return signed(goodMessage, now) }, errors.New("disk on fire"), http.StatusInternalServerError, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{err: tt.recErr}
			w := httptest.NewRecorder()
			newHandler(t, rec).ServeHTTP(w, tt.req())
			if w.Code != tt.want {
				t.Fatalf("status = %d, want %d (body %s)", w.Code, tt.want, w.Body)
			}
			if got := len(rec.events) == 1; got != tt.taken {
				t.Errorf("event taken = %v, want %v", got, tt.taken)
			}
			if w.Code >= 400 && !strings.Contains(w.Body.String(), `"error"`) {
				t.Errorf("error answer has no message: %s", w.Body)
			}
			if tt.name == "receiver fails" && strings.Contains(w.Body.String(), "disk") {
				t.Errorf("internal error leaked to the client: %s", w.Body)
			}
		})
	}
}

func httptestBody(s string) *readCloser { return &readCloser{strings.NewReader(s)} }

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestHandlerDecodesEvent(t *testing.T) {
	rec := &recorder{}
	w := httptest.NewRecorder()
	newHandler(t, rec).ServeHTTP(w, signed(goodMessage, now))
	want := &chat.Event{
		ID: "ev-1", Type: chat.EventMessage, ConversationID: "conv-1", Time: now,
		Message: &chat.MessagePayload{ID: "m-1", Role: channel.RoleCustomer, Text: "My router reboots every hour."},
	}
	if len(rec.events) != 1 {
		t.Fatalf("got %d events", len(rec.events))
	}
	if diff := cmp.Diff(want, rec.events[0]); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}
}

func TestNewHandlerRejectsWeakSecret(t *testing.T) {
	if _, err := chat.NewHandler([]byte("short"), &recorder{}); !errors.Is(err, chat.ErrWeakSecret) {
		t.Fatalf("err = %v, want ErrWeakSecret", err)
	}
}

func TestValidate(t *testing.T) {
	base := func() chat.Event {
		return chat.Event{ID: "e", Type: chat.EventMessage, ConversationID: "c", Time: now,
			Message: &chat.MessagePayload{ID: "m", Role: channel.RoleCustomer, Text: "hi"}}
	}
	tests := []struct {
		name   string
		mutate func(*chat.Event)
		ok     bool
	}{
		{"valid", func(*chat.Event) {}, true},
		{"no id", func(e *chat.Event) { e.ID = "" }, false},
		{"no conversation", func(e *chat.Event) { e.ConversationID = "" }, false},
		{"no time", func(e *chat.Event) { e.Time = time.Time{} }, false},
		{"control characters in id", func(e *chat.Event) { e.ID = "a\x00b" }, false},
		{"long id", func(e *chat.Event) { e.ConversationID = strings.Repeat("c", 300) }, false},
		{"no message", func(e *chat.Event) { e.Message = nil }, false},
		{"bad role", func(e *chat.Event) { e.Message.Role = "boss" }, false},
		{"no role", func(e *chat.Event) { e.Message.Role = "" }, false},
		{"invalid UTF-8", func(e *chat.Event) { e.Message.Text = "caf\xe9" }, false},
		{"text over limit", func(e *chat.Event) { e.Message.Text = strings.Repeat("a", chat.DefaultLimits.MaxText+1) }, false},
		{"ended with a message", func(e *chat.Event) { e.Type = chat.EventEnded }, false},
		{"ended", func(e *chat.Event) { e.Type = chat.EventEnded; e.Message = nil }, true},
		{"bad customer email", func(e *chat.Event) { e.Customer = &channel.Customer{Email: "a\nb@x"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base()
			tt.mutate(&ev)
			err := ev.Validate(chat.DefaultLimits)
			if (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, chat.ErrInvalidEvent) {
				t.Errorf("error %v does not wrap ErrInvalidEvent", err)
			}
		})
	}
}

func ev(id string, typ chat.EventType, at time.Duration, msg *chat.MessagePayload) *chat.Event {
	return &chat.Event{ID: id, Type: typ, ConversationID: "conv-9", Time: now.Add(at), Message: msg}
}

func TestApplyLifecycle(t *testing.T) {
	var conv channel.Conversation
	steps := []struct {
		ev     *chat.Event
		status channel.ConversationStatus
		err    error
	}{
		{ev("1", chat.EventMessage, 0, &chat.MessagePayload{ID: "m1", Role: channel.RoleCustomer, Text: "anyone there?"}), channel.StatusRequested, nil},
		{ev("2", chat.EventAccepted, time.Minute, nil), channel.StatusAccepted, nil},
		{ev("3", chat.EventMessage, 2*time.Minute, &chat.MessagePayload{ID: "m2", Role: channel.RoleRepresentative, Text: "Hello!"}), channel.StatusActive, nil},
		{ev("4", chat.EventMessage, 3*time.Minute, &chat.MessagePayload{ID: "m2", Role: channel.RoleRepresentative, Text: "Hello!"}), channel.StatusActive, chat.ErrDuplicateMessage},
		{ev("5", chat.EventEnded, 4*time.Minute, nil), channel.StatusEnded, nil},
		{ev("6", chat.EventMessage, 5*time.Minute, &chat.MessagePayload{ID: "m3", Role: channel.RoleCustomer, Text: "wait"}), channel.StatusEnded, chat.ErrEnded},
	}
	for i, s := range steps {
		before := len(conv.Messages)
		err := chat.Apply(&conv, s.ev)
		if !errors.Is(err, s.err) {
			t.Fatalf("step %d: err = %v, want %v", i, err, s.err)
		}
		if conv.Status != s.status {
			t.Fatalf("step %d: status = %s, want %s", i, conv.Status, s.status)
		}
		if err != nil && len(conv.Messages) != before {
			t.Fatalf("step %d: a refused event changed the messages", i)
		}
	}
	if got := len(conv.Messages); got != 2 {
		t.Fatalf("messages = %d, want 2", got)
	}
	if conv.Messages[0].Direction != channel.Inbound || conv.Messages[1].Direction != channel.Outbound {
		t.Errorf("directions = %s, %s", conv.Messages[0].Direction, conv.Messages[1].Direction)
	}
	if !conv.StartedAt.Equal(now) || !conv.EndedAt.Equal(now.Add(4*time.Minute)) {
		t.Errorf("times = %v .. %v", conv.StartedAt, conv.EndedAt)
	}
}

func TestApplyKeepsAuthenticatedIdentity(t *testing.T) {
	var conv channel.Conversation
	first := ev("1", chat.EventRequested, 0, nil)
	first.Customer = &channel.Customer{ContactID: "C-1001"}
	second := ev("2", chat.EventAccepted, time.Minute, nil)
	second.Customer = &channel.Customer{ContactID: "C-6666", Email: "x@example.org"}
	for _, e := range []*chat.Event{first, second} {
		if err := chat.Apply(&conv, e); err != nil {
			t.Fatal(err)
		}
	}
	want := channel.Customer{ContactID: "C-1001", Email: "x@example.org"}
	if diff := cmp.Diff(want, conv.Customer); diff != "" {
		t.Errorf("customer (-want +got):\n%s", diff)
	}
	other := ev("3", chat.EventEnded, 0, nil)
	other.ConversationID = "conv-other"
	if err := chat.Apply(&conv, other); !errors.Is(err, chat.ErrWrongConversation) {
		t.Errorf("err = %v, want ErrWrongConversation", err)
	}
}

func FuzzDecodeValidate(f *testing.F) {
	f.Add([]byte(goodMessage))
	f.Add([]byte(`{"id":"e","type":"ended","conversation_id":"c","time":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"message":{"role":"customer","text":"\u0000"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := chat.Decode(body)
		if err != nil {
			if !errors.Is(err, chat.ErrInvalidEvent) {
				t.Fatalf("decode error %v does not wrap ErrInvalidEvent", err)
			}
			return
		}
		if err := ev.Validate(chat.DefaultLimits); err != nil {
			return
		}
		var conv channel.Conversation
		_ = chat.Apply(&conv, ev)
	})
}
