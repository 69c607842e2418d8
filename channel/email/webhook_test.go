package email

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caseagent/caseagent/channel/chat"
)

var hookNow = time.Date(2025, 2, 3, 10, 15, 0, 0, time.UTC)

const forgedMessage = "Message-ID: <forged@example.org>\r\nFrom: victim@example.org\r\nSubject: forged\r\n\r\nSet the priority to urgent.\r\n"

// TestHandlerSignedRequestReadsOnlyWhatIsSigned replays a captured signed
// request with what an attacker can change without the key: the URL's
// query, the Content-Type, the mailbox, the time.
func TestHandlerSignedRequestReadsOnlyWhatIsSigned(t *testing.T) {
	key := []byte("signing-key-of-16+bytes")
	ts, sig := Sign(key, []byte(hookMessage), hookNow)
	q := url.Values{"email": {forgedMessage}, "mailbox": {"billing"}}.Encode()
	tests := []struct {
		name        string
		target      string
		contentType string
		header      map[string]string
		at          time.Time
		status      int
	}{
		{"as captured", "/in", "message/rfc822", nil, hookNow, 200},
		{"message added in the query", "/in?" + q, "message/rfc822", nil, hookNow, 200},
		{"query and a form content type", "/in?" + q, "application/x-www-form-urlencoded", nil, hookNow, 200},
		{"multipart form content type", "/in?" + q, "multipart/form-data; boundary=x", nil, hookNow, 200},
		{"mailbox header", "/in", "message/rfc822", map[string]string{"X-Mailbox": "billing"}, hookNow, 200},
		{"replayed after the window", "/in", "message/rfc822", nil, hookNow.Add(DefaultTolerance + time.Second), 401},
		{"timestamp from the future", "/in", "message/rfc822", nil, hookNow.Add(-DefaultTolerance - time.Second), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h, err := NewHandler(rec, WithSignature(key), WithMailbox("support"), WithClock(func() time.Time { return tt.at }))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", tt.target, strings.NewReader(hookMessage))
			req.Header.Set("Content-Type", tt.contentType)
			req.Header.Set(HeaderTimestamp, ts)
			req.Header.Set(HeaderSignature, sig)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status = %d (%s), want %d", w.Code, w.Body.String(), tt.status)
			}
			for i, p := range rec.got {
				if p.Message.ID != "hook-1@example.org" || rec.mailbox[i] != "support" {
					t.Errorf("received %q for mailbox %q, want the signed message for the configured mailbox", p.Message.ID, rec.mailbox[i])
				}
			}
			if (tt.status == 200) != (len(rec.got) == 1) {
				t.Errorf("received %d messages", len(rec.got))
			}
		})
	}
}

// TestHandlerSecretDoesNotReadQuery: with the shared secret, a form's
// message comes from the body, never from the URL.
func TestHandlerSecretDoesNotReadQuery(t *testing.T) {
	rec := &recorder{}
	h, err := NewHandler(rec, WithSharedSecret(hookSecret))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/in?"+url.Values{"email": {forgedMessage}}.Encode(), strings.NewReader(url.Values{"to": {"help@example.com"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Webhook-Secret", hookSecret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnsupportedMediaType || len(rec.got) != 0 {
		t.Errorf("status %d, %d received: a message in the query must not be read", w.Code, len(rec.got))
	}
}

// TestHandlerSignsLikeChat: a request signed for the chat handler's
// scheme is accepted, so that one signing routine serves both.
func TestHandlerSignsLikeChat(t *testing.T) {
	key := []byte("signing-key-of-16+bytes")
	rec := &recorder{}
	h, err := NewHandler(rec, WithSignature(key))
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := chat.Sign(key, []byte(hookMessage), time.Now())
	req := httptest.NewRequest("POST", "/in", strings.NewReader(hookMessage))
	req.Header.Set(chat.HeaderTimestamp, ts)
	req.Header.Set(chat.HeaderSignature, sig)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 200 || len(rec.got) != 1 {
		t.Errorf("status %d (%s), %d received", w.Code, w.Body.String(), len(rec.got))
	}
}

type recorder struct {
	mu      sync.Mutex
	got     []*Parsed
	mailbox []string
	err     error
}

func (r *recorder) ReceiveEmail(_ context.Context, mailbox string, p *Parsed) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.got = append(r.got, p)
	r.mailbox = append(r.mailbox, mailbox)
	return nil
}

const hookSecret = "s3cret-s3cret-s3cret"

var hookMessage = string(crlf("Message-ID: <hook-1@example.org>\nFrom: ann@example.org\nSubject: Printer\nDate: Mon, 3 Feb 2025 10:12:00 +0100\n\nIt is broken.\n"))

func TestHandler(t *testing.T) {
	sigKey := []byte("signing-key-of-16+bytes")
	sign := func(body string) string {
		_, sig := Sign(sigKey, []byte(body), hookNow)
		return sig
	}
	ts := strconv.FormatInt(hookNow.Unix(), 10)
	form := func() (string, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		_ = w.WriteField("to", "help@example.com")
		_ = w.WriteField("email", hookMessage)
		_ = w.Close()
		return b.String(), w.FormDataContentType()
	}
	formBody, formType := form()
	tests := []struct {
		name     string
		method   string
		target   string
		body     string
		header   map[string]string
		user     string
		status   int
		received bool
		errText  string
	}{
		{"bearer", "POST", "/in?mailbox=other", hookMessage, map[string]string{"Authorization": "Bearer " + hookSecret}, "", 200, true, ""},
		{"x-webhook-secret", "POST", "/in", hookMessage, map[string]string{"X-Webhook-Secret": hookSecret}, "", 200, true, ""},
		{"basic auth", "POST", "/in", hookMessage, nil, hookSecret, 200, true, ""},
		{"signature", "POST", "/in", hookMessage, map[string]string{HeaderTimestamp: ts, HeaderSignature: sign(hookMessage)}, "", 200, true, ""},
		{"multipart form", "POST", "/in", formBody, map[string]string{"Content-Type": formType, "X-Webhook-Secret": hookSecret}, "", 200, true, ""},
		{"urlencoded form", "POST", "/in", url.Values{"body-mime": {hookMessage}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Webhook-Secret": hookSecret}, "", 200, true, ""},
		{"form without message", "POST", "/in", url.Values{"text": {"x"}}.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Webhook-Secret": hookSecret}, "", 415, false, "form without a message field"},
		{"no secret", "POST", "/in", hookMessage, nil, "", 401, false, "missing or wrong webhook secret"},
		{"wrong secret", "POST", "/in", hookMessage, map[string]string{"Authorization": "Bearer nope-nope-nope-nope"}, "", 401, false, "missing or wrong"},
		{"secret prefix only", "POST", "/in", hookMessage, map[string]string{"X-Webhook-Secret": hookSecret[:10]}, "", 401, false, "missing or wrong"},
		{"signature of another body", "POST", "/in", hookMessage, map[string]string{HeaderTimestamp: ts, HeaderSignature: sign("other")}, "", 401, false, "missing or wrong"},
		{"signature without timestamp", "POST", "/in", hookMessage, map[string]string{HeaderSignature: sign(hookMessage)}, "", 401, false, "missing or wrong"},
		{"get", "GET", "/in", "", map[string]string{"X-Webhook-Secret": hookSecret}, "", 405, false, "use POST"},
		{"not a message", "POST", "/in", "hello there", map[string]string{"X-Webhook-Secret": hookSecret}, "", 400, false, "not a mail message"},
		{"empty", "POST", "/in", "", map[string]string{"X-Webhook-Secret": hookSecret}, "", 400, false, "not a mail message"},
		{"too large", "POST", "/in", hookMessage + strings.Repeat("x", 3000), map[string]string{"X-Webhook-Secret": hookSecret}, "", 413, false, "larger than the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h, err := NewHandler(rec, WithSharedSecret(hookSecret), WithSignature(sigKey), WithMailbox("support"),
				WithClock(func() time.Time { return hookNow }), WithParser(NewParser(WithMaxSize(2000))))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.user != "" {
				req.SetBasicAuth("mailer", tt.user)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Errorf("status = %d (%s), want %d", w.Code, w.Body.String(), tt.status)
			}
			if !strings.Contains(w.Body.String(), tt.errText) {
				t.Errorf("body %q lacks %q", w.Body.String(), tt.errText)
			}
			if got := len(rec.got) == 1; got != tt.received {
				t.Fatalf("received = %v, want %v", got, tt.received)
			}
			if tt.received && rec.got[0].Message.ID != "hook-1@example.org" {
				t.Errorf("received message id %q", rec.got[0].Message.ID)
			}
			if tt.received && rec.mailbox[0] != "support" {
				t.Errorf("mailbox = %q", rec.mailbox[0])
			}
		})
	}
}

func TestHandlerReceiverFailureIs500(t *testing.T) {
	h, err := NewHandler(&recorder{err: errors.New("db down")}, WithSharedSecret(hookSecret))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/in", strings.NewReader(hookMessage))
	req.Header.Set("X-Webhook-Secret", hookSecret)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "db down") {
		t.Errorf("status %d body %q: want 500 without internal details", w.Code, w.Body.String())
	}
}

func TestHandlerLogsReceiverFailureRedacted(t *testing.T) {
	var logged bytes.Buffer
	h, err := NewHandler(&recorder{err: errors.New("connect postgres://agent:db-Passw0rd-1@db.internal/cases: refused")},
		WithSharedSecret(hookSecret), WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/in", strings.NewReader(hookMessage))
	req.Header.Set("X-Webhook-Secret", hookSecret)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if !strings.Contains(logged.String(), "receiver failed") || strings.Contains(logged.String(), "db-Passw0rd-1") {
		t.Errorf("log: %s", logged.String())
	}
}

func TestNewHandlerNeedsAuthentication(t *testing.T) {
	for name, opts := range map[string][]HandlerOption{
		"none":           nil,
		"short secret":   {WithSharedSecret("short")},
		"short key":      {WithSignature([]byte("short"))},
		"zero tolerance": {WithSharedSecret(hookSecret), WithTolerance(0)},
		"nil parser":     {WithSharedSecret(hookSecret), WithParser(nil)},
		"nil clock":      {WithSharedSecret(hookSecret), WithClock(nil)},
		"nil logger":     {WithSharedSecret(hookSecret), WithLogger(nil)},
	} {
		if _, err := NewHandler(&recorder{}, opts...); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
	if _, err := NewHandler(nil, WithSharedSecret(hookSecret)); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil receiver: err = %v", err)
	}
}

type failingBody struct{ read bool }

func (b *failingBody) Read([]byte) (int, error) {
	b.read = true
	return 0, errors.New("should not be read")
}

func TestHandlerDoesNotReadBodyWithoutSecret(t *testing.T) {
	h, err := NewHandler(&recorder{}, WithSharedSecret(hookSecret))
	if err != nil {
		t.Fatal(err)
	}
	body := &failingBody{}
	req := httptest.NewRequest("POST", "/in", body)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized || body.read {
		t.Errorf("status %d, body read %v: an unauthenticated body must not be read", w.Code, body.read)
	}
}
