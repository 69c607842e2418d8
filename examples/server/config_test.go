package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte("tenant: t.json\nchat: {}\nmailboxes:\n  - {addr: 'imap.example.com:993', username: a@example.com, password_env: P}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := struct {
		Listen, Store, ChatPath, ChatEnv, Kind, Metrics, MailboxName string
		RunDue, Shutdown, Interval                                   time.Duration
		Batch                                                        int
	}{"127.0.0.1:8080", "caseagent.db", "/webhooks/chat", "CASEAGENT_CHAT_SECRET", "offline", "/metrics", "a@example.com",
		time.Minute, 30 * time.Second, time.Minute, 1}
	got := want
	got.Listen, got.Store, got.ChatPath, got.ChatEnv = cfg.Listen, cfg.Store, cfg.Chat.Path, cfg.Chat.SecretEnv
	got.Kind, got.Metrics, got.MailboxName = cfg.Predictor.Kind, cfg.Telemetry.MetricsPath, cfg.Mailboxes[0].Name
	got.RunDue, got.Shutdown = time.Duration(*cfg.RunDueInterval), time.Duration(cfg.ShutdownTimeout)
	got.Interval, got.Batch = time.Duration(cfg.Mailboxes[0].Interval), cfg.Mailboxes[0].BatchSize
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"no tenant", "listen: ':1'", "tenant: the path"},
		{"unknown key", "tenant: t\nlisen: ':1'", "field lisen not found"},
		{"bad duration", "tenant: t\nrun_due_interval: soon", "invalid duration"},
		{"path taken", "tenant: t\nchat: {path: /metrics}", "already used by metrics"},
		{"webhook without secret", "tenant: t\nemail_webhooks: [{mailbox: a@b}]", "key_env or shared_secret_env is required"},
		{"mailbox without password", "tenant: t\nmailboxes: [{addr: 'h:993', username: u}]", "password_env are required"},
		{"mailbox twice", "tenant: t\nmailboxes: [{addr: 'h:993', username: u, password_env: P}, {addr: 'h:993', username: u, password_env: P}]", "polled twice"},
		{"bad tls", "tenant: t\nmailboxes: [{addr: 'h:993', username: u, password_env: P, tls: maybe}]", `tls "maybe"`},
		{"bad mark", "tenant: t\nmailboxes: [{addr: 'h:993', username: u, password_env: P, mark: burn}]", `mark "burn"`},
		{"llm without model", "tenant: t\npredictor: {kind: llm}", "predictor.llm.model is required"},
		{"unknown predictor", "tenant: t\npredictor: {kind: oracle}", `predictor.kind "oracle"`},
		{"smtp without from", "tenant: t\nsmtp: {addr: 'h:587'}", "smtp: addr and from are required"},
		{"outbox without dir", "tenant: t\noutbox: {from: a@b}", "outbox: dir and from are required"},
		{"outbox and smtp", "tenant: t\noutbox: {dir: o, from: a@b}\nsmtp: {addr: 'h:587', from: a@b}", "either smtp or outbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}

func TestStoreKind(t *testing.T) {
	for _, tc := range []struct{ dsn, kind, target string }{
		{"cases.db", "sqlite", "cases.db"},
		{"sqlite:/var/lib/caseagent/cases.db", "sqlite", "/var/lib/caseagent/cases.db"},
		{"postgres://u@db:5432/ca?sslmode=require", "postgres", "postgres://u@db:5432/ca?sslmode=require"},
		{"postgresql://u@db/ca", "postgres", "postgresql://u@db/ca"},
		{"host=db user=u dbname=ca", "postgres", "host=db user=u dbname=ca"},
	} {
		kind, target := storeKind(tc.dsn)
		if kind != tc.kind || target != tc.target {
			t.Errorf("storeKind(%q) = %s %s, want %s %s", tc.dsn, kind, target, tc.kind, tc.target)
		}
	}
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u@db:5432/ca?sslmode=require", "postgres://u:p%40ss@db:5432/ca?sslmode=require"},
		{"host=db user=u", `host=db user=u password='it\'s'`},
	} {
		pw := "p@ss"
		if !strings.HasPrefix(tc.dsn, "postgres") {
			pw = "it's"
		}
		got, err := withPassword(tc.dsn, pw)
		if err != nil || got != tc.want {
			t.Errorf("withPassword(%q) = %q %v, want %q", tc.dsn, got, err, tc.want)
		}
	}
}

func TestLoadConfigResolvesPaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "service.yaml")
	if err := os.WriteFile(path, []byte("tenant: tenant.json\nstore: data/cases.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tenant != filepath.Join(dir, "tenant.json") || cfg.Store != filepath.Join(dir, "data/cases.db") {
		t.Errorf("tenant %s, store %s: want both in %s", cfg.Tenant, cfg.Store, dir)
	}
}

// TestShippedServiceFile runs the -check of the service file shipped with
// the example, on a temporary store.
func TestShippedServiceFile(t *testing.T) {
	t.Setenv("CASEAGENT_CHAT_SECRET", "a secret of at least sixteen bytes")
	var out, errOut bytes.Buffer
	code := cli([]string{"-config", "service.yaml", "-store", filepath.Join(t.TempDir(), "c.db"), "-listen", "127.0.0.1:0", "-log-level", "warn", "-check"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("-check exited %d: %s%s", code, out.String(), errOut.String())
	}
	for _, item := range []string{"store", "predictor", "sender", "rules"} {
		if !strings.Contains(out.String(), item) {
			t.Errorf("-check printed no %s item:\n%s", item, out.String())
		}
	}
	if code := cli(nil, io.Discard, io.Discard); code != 2 {
		t.Errorf("without -config: exit %d, want 2", code)
	}
	t.Setenv("CASEAGENT_CHAT_SECRET", "")
	errOut.Reset()
	if code := cli([]string{"-config", "service.yaml", "-store", filepath.Join(t.TempDir(), "c.db"), "-listen", "127.0.0.1:0", "-check"}, io.Discard, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "CASEAGENT_CHAT_SECRET is empty") {
		t.Errorf("without the chat secret: exit %d, %q; want 1 and the variable named", code, errOut.String())
	}
}

// TestOTLPExport checks that with an OTLP endpoint the service pushes its
// metrics and traces there (at the latest when it stops).
func TestOTLPExport(t *testing.T) {
	var mu sync.Mutex
	paths := map[string]int{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		if len(body) > 0 {
			paths[r.URL.Path]++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	r := start(t, filepath.Join(t.TempDir(), "cases.db"), "telemetry:\n  otlp_endpoint: "+collector.URL+"\n")
	if code, _ := get(t, r.url+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	r.shutdown(t)
	mu.Lock()
	defer mu.Unlock()
	if paths["/v1/metrics"] == 0 || paths["/v1/traces"] == 0 {
		t.Errorf("the collector got %v, want /v1/metrics and /v1/traces", paths)
	}
}

func TestParseConfigBudget(t *testing.T) {
	for _, tc := range []struct{ budget, want string }{
		{"{period: week, hard: {calls: 1}}", `period "week"`},
		{"{hard: {calls: 1}, on_hard: panic}", `on_hard "panic"`},
		{"{soft: {calls: 1}}", "hard: set calls, tokens or cost"},
		{"{time_zone: Mars/Olympus, hard: {cost: 5}}", "Mars/Olympus"},
	} {
		_, err := ParseConfig([]byte("tenant: t\npredictor: {kind: llm, llm: {model: m, budget: " + tc.budget + "}}"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("budget %s: error %v, want one with %q", tc.budget, err, tc.want)
		}
	}
	if _, err := ParseConfig([]byte("tenant: t\npredictor: {kind: llm, llm: {model: m, budget: {period: day, time_zone: Europe/Paris, soft: {cost: 4}, hard: {cost: 5}, on_hard: stop}}}")); err != nil {
		t.Errorf("a valid budget: %v", err)
	}
}
