package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict"
	"github.com/caseagent/caseagent/predict/heuristic"
	"github.com/google/go-cmp/cmp"
)

const (
	chatSecret = "chat secret of the tests, 32 b.."
	emailKey   = "email webhook key of the tests..."
	mailbox    = "support@acme-home.example"
)

var testEnv = map[string]string{
	"TEST_CHAT_SECRET": chatSecret,
	"TEST_EMAIL_KEY":   emailKey,
}

// serviceYAML is the service file of the tests; the verbs are the
// process name, the store and any extra YAML.
const serviceYAML = `
name: %s
listen: 127.0.0.1:0
store: %q
tenant: tenant.json
run_due_interval: 50ms
shutdown_timeout: 20s
chat:
  secret_env: TEST_CHAT_SECRET
email_webhooks:
  - path: /webhooks/email
    mailbox: support@acme-home.example
    key_env: TEST_EMAIL_KEY
%s`

// running is a service started by start.
type running struct {
	svc  *service
	url  string
	stop context.CancelFunc
	done chan error
}

// start runs the service on loopback with the SQLite file db until the
// test ends or stop is called.
func start(t *testing.T, db, extra string, opts ...option) *running {
	t.Helper()
	return startNamed(t, "test-1", db, extra, opts...)
}

// startNamed is start with a process name.
func startNamed(t *testing.T, name, db, extra string, opts ...option) *running {
	t.Helper()
	cfg, err := ParseConfig(fmt.Appendf(nil, serviceYAML, name, db, extra))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range testEnv {
		env[k] = v
	}
	opts = append([]option{withGetenv(func(k string) string { return env[k] })}, opts...)
	svc, err := newService(t.Context(), cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{svc: svc, url: "http://" + svc.Addr().String(), stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- svc.run(ctx) }()
	t.Cleanup(func() { r.shutdown(t) })
	return r
}

// shutdown stops the service (as SIGTERM does) and waits for run to end.
func (r *running) shutdown(t *testing.T) {
	t.Helper()
	r.stop()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("run: %v", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not stop")
	}
}

// chatEvent posts a signed chat event and returns the status.
func chatEvent(t *testing.T, url string, ev chat.Event) int {
	t.Helper()
	body, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	ts, sig := chat.Sign([]byte(chatSecret), body, time.Now())
	req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/chat", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(chat.HeaderTimestamp, ts)
	req.Header.Set(chat.HeaderSignature, sig)
	return do(t, req)
}

// postEmail posts a signed raw message to the email webhook.
func postEmail(url string, raw string) (int, error) {
	ts, sig := email.Sign([]byte(emailKey), []byte(raw), time.Now())
	req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/email", strings.NewReader(raw))
	req.Header.Set("Content-Type", "message/rfc822")
	req.Header.Set(email.HeaderTimestamp, ts)
	req.Header.Set(email.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func do(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// chatStory is a signed-in customer's chat: a message before a
// representative accepts it, then the end.
func chatStory(conv string) []chat.Event {
	t0 := time.Now().Add(-time.Minute)
	return []chat.Event{
		{ID: conv + "-e1", Type: chat.EventRequested, ConversationID: conv, Time: t0,
			Customer: &channel.Customer{ContactID: "C-1012"}},
		{ID: conv + "-e2", Type: chat.EventMessage, ConversationID: conv, Time: t0.Add(time.Second),
			Message: &chat.MessagePayload{ID: conv + "-m1", Role: channel.RoleCustomer,
				Text: "Hello, my X300 router restarts by itself every twenty minutes or so since yesterday evening."}},
		{ID: conv + "-e3", Type: chat.EventAccepted, ConversationID: conv, Time: t0.Add(2 * time.Second), Representative: "rep-1"},
		{ID: conv + "-e4", Type: chat.EventEnded, ConversationID: conv, Time: t0.Add(3 * time.Second), Representative: "rep-1"},
	}
}

// newEmail is a customer's first email to the support mailbox.
func newEmail(id, subject string) string {
	return "Message-ID: <" + id + ">\r\n" +
		"Date: " + time.Now().UTC().Format(time.RFC1123Z) + "\r\n" +
		"From: Elif Demir <elif.demir@example.com>\r\n" +
		"To: Acme Home support <support@acme-home.example>\r\n" +
		"Subject: " + subject + "\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Hello,\r\n\r\nsince Saturday the floodlight of my Cam4 Outdoor camera no longer switches off.\r\n" +
		"It stays on from dusk to morning even when nothing moves.\r\n\r\nElif\r\n"
}

// countCases counts the cases of the store by their numbers, which are
// consecutive and never reused.
func countCases(t *testing.T, s casemgmt.CaseStore) int {
	t.Helper()
	for n := int64(1); ; n++ {
		_, err := s.GetCaseByNumber(t.Context(), casemgmt.FormatNumber(n))
		if errors.Is(err, casemgmt.ErrNotFound) {
			return int(n - 1)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func openTestStore(t *testing.T, db string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestServiceWebhooksHealthAndMetrics(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cases.db")
	r := start(t, db, "")

	if code, body := get(t, r.url+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok", code, body)
	}
	code, body := get(t, r.url+"/readyz")
	var ready readiness
	if err := json.Unmarshal([]byte(body), &ready); err != nil {
		t.Fatalf("/readyz body %q: %v", body, err)
	}
	if code != http.StatusOK || !ready.Ready || ready.Process != "test-1" || len(ready.Items) == 0 {
		t.Errorf("/readyz = %d %+v, want 200, ready, process test-1 and the check items", code, ready)
	}

	for _, ev := range chatStory("conv-1") {
		if code := chatEvent(t, r.url, ev); code != http.StatusOK {
			t.Fatalf("chat event %s: status %d, want 200", ev.ID, code)
		}
	}
	c, err := r.svc.store.FindCaseByConversation(t.Context(), "conv-1")
	if err != nil {
		t.Fatalf("the chat made no case: %v", err)
	}
	if got := c.Fields["product"]; got != "P-X300" {
		t.Errorf("chat case product = %v, want P-X300", got)
	}
	// A redelivered event is taken again and changes nothing.
	if code := chatEvent(t, r.url, chatStory("conv-1")[1]); code != http.StatusOK {
		t.Errorf("redelivered chat event: status %d, want 200", code)
	}

	code, err = postEmail(r.url, newEmail("floodlight-1@mail.example.com", "Floodlight stays on"))
	if err != nil || code != http.StatusOK {
		t.Fatalf("email webhook: %d %v, want 200", code, err)
	}
	cases, err := r.svc.store.FindCasesByMessageID(t.Context(), []string{"floodlight-1@mail.example.com"})
	if err != nil || len(cases) != 1 {
		t.Fatalf("the email made %d cases (%v), want 1", len(cases), err)
	}
	if got := cases[0].Title; got != "Floodlight stays on" {
		t.Errorf("email case title = %q, want the subject", got)
	}
	if n := countCases(t, r.svc.store); n != 2 {
		t.Errorf("%d cases, want 2", n)
	}

	// Refused requests: a wrong signature, and an unsigned email.
	ev, _ := json.Marshal(chatStory("conv-2")[0])
	req, _ := http.NewRequest(http.MethodPost, r.url+"/webhooks/chat", bytes.NewReader(ev))
	req.Header.Set("Content-Type", "application/json")
	ts, sig := chat.Sign([]byte("another secret, 32 bytes long..."), ev, time.Now())
	req.Header.Set(chat.HeaderTimestamp, ts)
	req.Header.Set(chat.HeaderSignature, sig)
	if code := do(t, req); code != http.StatusUnauthorized {
		t.Errorf("chat event with a wrong signature: %d, want 401", code)
	}
	req, _ = http.NewRequest(http.MethodPost, r.url+"/webhooks/email", strings.NewReader(newEmail("x@y", "x")))
	if code := do(t, req); code != http.StatusUnauthorized {
		t.Errorf("unsigned email: %d, want 401", code)
	}

	code, metrics := get(t, r.url+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`caseagent_http_requests_total{http_request_method="POST",http_response_status_code="200",http_route="/webhooks/chat"`,
		`caseagent_http_requests_total{http_request_method="POST",http_response_status_code="200",http_route="/webhooks/email"`,
		`caseagent_http_requests_total{http_request_method="POST",http_response_status_code="401",http_route="/webhooks/chat"`,
		`caseagent_http_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="200",http_route="/webhooks/chat"`,
		`caseagent_http_requests_total{http_request_method="GET",http_response_status_code="200",http_route="/readyz"`,
		`caseagent_rundue_runs_total{`,
		`go_goroutines `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	if t.Failed() {
		t.Log(metrics)
	}
}

// slowPredictor holds every prediction until release is closed, counting
// the calls that started.
type slowPredictor struct {
	next    predict.Predictor
	started atomic.Int32
	release chan struct{}
}

func (p *slowPredictor) Predict(ctx context.Context, req *predict.Request) (*predict.Result, error) {
	p.started.Add(1)
	select {
	case <-p.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return p.next.Predict(ctx, req)
}

func TestGracefulShutdownFinishesEventsInFlight(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cases.db")
	offline, err := heuristic.New()
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowPredictor{next: offline, release: make(chan struct{})}
	r := start(t, db, "", withPredictor(slow))
	const n = 3
	var wg sync.WaitGroup
	codes := make([]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			codes[i], errs[i] = postEmail(r.url, newEmail(fmt.Sprintf("inflight-%d@mail.example.com", i), fmt.Sprintf("Floodlight %d", i)))
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for slow.started.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d predictions started", slow.started.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// SIGTERM: the service stops accepting at once...
	r.stop()
	refused := false
	for range 200 {
		if _, err := http.Get(r.url + "/healthz"); err != nil {
			refused = true
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !refused {
		t.Error("the service still accepts connections after the shutdown began")
	}
	select {
	case err := <-r.done:
		t.Fatalf("run returned (%v) while requests were in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	// ... and the requests in flight finish, answered 200 after their
	// cases were committed.
	close(slow.release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || codes[i] != http.StatusOK {
			t.Errorf("in-flight email %d: %d %v, want 200", i, codes[i], errs[i])
		}
	}
	r.shutdown(t)
	if code, err := postEmail(r.url, newEmail("late@mail.example.com", "late")); err == nil {
		t.Errorf("an email after the shutdown was answered %d", code)
	}

	s := openTestStore(t, db)
	for i := range n {
		id := fmt.Sprintf("inflight-%d@mail.example.com", i)
		if cases, err := s.FindCasesByMessageID(t.Context(), []string{id}); err != nil || len(cases) != 1 {
			t.Errorf("email %s: %d cases (%v), want 1", id, len(cases), err)
		}
	}
	if got := countCases(t, s); got != n {
		t.Errorf("%d cases after the shutdown, want %d", got, n)
	}
}

func TestRestartDoesNotDuplicate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cases.db")
	story := chatStory("conv-r")
	mail := newEmail("restart-1@mail.example.com", "Floodlight after restart")

	first := start(t, db, "")
	for _, ev := range story[:3] {
		if code := chatEvent(t, first.url, ev); code != http.StatusOK {
			t.Fatalf("chat event %s: %d", ev.ID, code)
		}
	}
	if code, err := postEmail(first.url, mail); err != nil || code != http.StatusOK {
		t.Fatalf("email: %d %v", code, err)
	}
	before, err := first.svc.store.FindCaseByConversation(t.Context(), "conv-r")
	if err != nil {
		t.Fatal(err)
	}
	first.shutdown(t)

	second := start(t, db, "")
	// The platforms redeliver what they are unsure of, and go on.
	for _, ev := range story {
		if code := chatEvent(t, second.url, ev); code != http.StatusOK {
			t.Fatalf("chat event %s after the restart: %d", ev.ID, code)
		}
	}
	if code, err := postEmail(second.url, mail); err != nil || code != http.StatusOK {
		t.Fatalf("email redelivered after the restart: %d %v", code, err)
	}
	after, err := second.svc.store.FindCaseByConversation(t.Context(), "conv-r")
	if err != nil {
		t.Fatal(err)
	}
	if after.ID != before.ID {
		t.Errorf("the conversation's case changed from %s to %s", before.ID, after.ID)
	}
	if got := countCases(t, second.svc.store); got != 2 {
		t.Errorf("%d cases after the restart and redeliveries, want 2", got)
	}
	// The agent writes under the process's name.
	entries, err := second.svc.store.ListAudit(t.Context(), before.ID)
	if err != nil {
		t.Fatal(err)
	}
	actors := map[string]bool{}
	for _, e := range entries {
		if e.Actor.Kind == casemgmt.ActorAgent {
			actors[e.Actor.ID] = true
		}
	}
	if diff := cmp.Diff(map[string]bool{"test-1": true}, actors); diff != "" {
		t.Errorf("agent actors in the audit (-want +got):\n%s", diff)
	}
}

func TestDrainDelayFailsReadiness(t *testing.T) {
	r := start(t, filepath.Join(t.TempDir(), "cases.db"), "drain_delay: 2s\n")
	if code, _ := get(t, r.url+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before the stop = %d, want 200", code)
	}
	r.stop()
	deadline := time.Now().Add(time.Second)
	for {
		code, body := get(t, r.url+"/readyz")
		if code == http.StatusServiceUnavailable && strings.Contains(body, `"draining":true`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz while draining = %d %s, want 503 draining", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Webhooks are still taken while draining.
	if code := chatEvent(t, r.url, chatStory("conv-d")[0]); code != http.StatusOK {
		t.Errorf("chat event while draining: %d, want 200", code)
	}
}
