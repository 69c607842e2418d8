package main

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/sqlstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/chat"
	"github.com/caseagent/caseagent/internal/pgtest"
	"github.com/caseagent/caseagent/predict/heuristic"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// EnvScaleFull makes TestScaleProcessesOnPostgres replay 1,000 chats and
// 1,000 emails instead of 50 of each.
const EnvScaleFull = "CASEAGENT_SCALE_FULL"

// EnvScaleMeasure turns on TestScaleThroughput.
const EnvScaleMeasure = "CASEAGENT_SCALE_MEASURE"

// scaleTenantFollowUp is the follow-up policy of the scale tenant: a
// case a representative sets waiting on the customer gets two follow-ups,
// one and two seconds apart, and is closed a second after the last.
const scaleTenantFollowUp = `[{"name": "waiting", "when": {"field": "status", "op": "equals", "value": "waiting_on_customer"},
  "automation": "full", "waits": ["1s", "1s"], "close_after_last": true,
  "messages": [{"subject": "Follow-up {{step}} of {{steps}} [{{case_number}}]", "body": "Any news about {{case_number}}?"}]}]`

// scaleService is the service file of the scale test: the verbs are the
// outbox folder.
const scaleService = `
listen: 127.0.0.1:0
tenant: tenant.json
run_due_interval: 200ms
shutdown_timeout: 10s
claim_ttl: 5s
chat:
  secret_env: TEST_CHAT_SECRET
  claim_ttl: 3s
email_webhooks:
  - path: /webhooks/email
    mailbox: support@acme-home.example
    key_env: TEST_EMAIL_KEY
outbox:
  dir: %q
  from: support@acme-home.example
  from_name: Acme Home support
`

// proc is one service process.
type proc struct {
	name string
	dir  string
	url  atomic.Value // string; "" while down
	cmd  *exec.Cmd
	runs int
}

// cluster is the processes of a run, started from one binary.
type cluster struct {
	t      testing.TB
	bin    string
	config string
	dsn    string
	procs  []*proc
}

// buildServer builds the service's binary into a temporary folder.
func buildServer(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeScaleConfig writes the scale tenant (the shipped one with the
// follow-up policy above) and the service file into dir.
func writeScaleConfig(t testing.TB, dir string) (config, outbox string) {
	t.Helper()
	raw, err := os.ReadFile("tenant.json")
	if err != nil {
		t.Fatal(err)
	}
	var tenant map[string]json.RawMessage
	if err := json.Unmarshal(raw, &tenant); err != nil {
		t.Fatal(err)
	}
	tenant["follow_up"] = json.RawMessage(scaleTenantFollowUp)
	raw, _ = json.Marshal(tenant)
	if err := os.WriteFile(filepath.Join(dir, "tenant.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	outbox = filepath.Join(dir, "outbox")
	config = filepath.Join(dir, "service.yaml")
	if err := os.WriteFile(config, fmt.Appendf(nil, scaleService, outbox), 0o644); err != nil {
		t.Fatal(err)
	}
	return config, outbox
}

func newCluster(t testing.TB, bin, config, dsn string, n int) *cluster {
	c := &cluster{t: t, bin: bin, config: config, dsn: dsn}
	for i := range n {
		p := &proc{name: fmt.Sprintf("scale-%d", i+1), dir: t.TempDir()}
		if d := os.Getenv("CASEAGENT_SCALE_LOGS"); d != "" { // keep the processes' logs there
			p.dir = filepath.Join(d, p.name)
			if err := os.MkdirAll(p.dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		p.url.Store("")
		c.procs = append(c.procs, p)
		c.start(p)
	}
	t.Cleanup(func() {
		for _, p := range c.procs {
			c.stop(p, syscall.SIGTERM)
		}
	})
	return c
}

// start runs p and waits until it listens.
func (c *cluster) start(p *proc) {
	c.t.Helper()
	if err := c.tryStart(p); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) tryStart(p *proc) error {
	p.runs++
	addrFile := filepath.Join(p.dir, fmt.Sprintf("addr-%d", p.runs))
	log, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("log-%d", p.runs)))
	if err != nil {
		return err
	}
	p.cmd = exec.Command(c.bin, "-config", c.config, "-name", p.name, "-store", c.dsn,
		"-addr-file", addrFile, "-log-level", cmp.Or(os.Getenv("CASEAGENT_SCALE_LOG_LEVEL"), "warn"))
	p.cmd.Env = append(os.Environ(), "TEST_CHAT_SECRET="+chatSecret, "TEST_EMAIL_KEY="+emailKey)
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		return err
	}
	log.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(addrFile)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			p.url.Store("http://" + strings.TrimSpace(string(b)))
			return nil
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(p.dir, fmt.Sprintf("log-%d", p.runs)))
			return fmt.Errorf("%s did not start: %s", p.name, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends p with sig and waits for it.
func (c *cluster) stop(p *proc, sig syscall.Signal) {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	p.url.Store("")
	_ = p.cmd.Process.Signal(sig)
	_ = p.cmd.Wait()
	p.cmd = nil
}

// deliver posts one event to process i, and on failure (a process down,
// a 5xx) to the next ones, as a platform redelivers, until one accepts it.
func (c *cluster) deliver(i int, post func(url string) (int, error)) error {
	deadline := time.Now().Add(2 * time.Minute)
	var last string
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		p := c.procs[(i+attempt)%len(c.procs)]
		url := p.url.Load().(string)
		if url == "" {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		t0 := time.Now()
		code, err := post(url)
		if os.Getenv("CASEAGENT_SCALE_LOGS") != "" && time.Since(t0) > 200*time.Millisecond {
			fmt.Fprintf(os.Stderr, "slow delivery to %s: %v %d %v\n", p.name, time.Since(t0), code, err)
		}
		if err == nil && code < 300 {
			return nil
		}
		last = fmt.Sprintf("%s: %d %v", p.name, code, err)
		time.Sleep(time.Duration(min(attempt, 10)) * 20 * time.Millisecond)
	}
	return fmt.Errorf("not accepted in two minutes; last: %s", last)
}

func postChat(ev chat.Event) func(string) (int, error) {
	body, _ := json.Marshal(ev)
	return func(url string) (int, error) {
		ts, sig := chat.Sign([]byte(chatSecret), body, time.Now())
		req, _ := http.NewRequest(http.MethodPost, url+"/webhooks/chat", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(chat.HeaderTimestamp, ts)
		req.Header.Set(chat.HeaderSignature, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
}

// scaleChat is conversation i: four events, the customer's message
// varying with i.
func scaleChat(i int) []chat.Event {
	conv := fmt.Sprintf("conv-%05d", i)
	t0 := time.Now().Add(-time.Minute)
	texts := []string{
		"Hello, my X300 router restarts by itself every twenty minutes or so since yesterday evening.",
		"I was charged twice for my Cloud Plus subscription this month, order ORD-%06d.",
		"I cannot sign in to the Home app, the two-factor code never arrives.",
		"My order ORD-%06d has not arrived yet, the tracking has not moved for a week.",
	}
	text := texts[i%len(texts)]
	if strings.Contains(text, "%") {
		text = fmt.Sprintf(text, 200000+i)
	}
	return []chat.Event{
		{ID: conv + "-e1", Type: chat.EventRequested, ConversationID: conv, Time: t0,
			Customer: &channel.Customer{ContactID: fmt.Sprintf("C-%d", 1001+i%18)}},
		{ID: conv + "-e2", Type: chat.EventMessage, ConversationID: conv, Time: t0.Add(time.Second),
			Message: &chat.MessagePayload{ID: conv + "-m1", Role: channel.RoleCustomer, Text: text}},
		{ID: conv + "-e3", Type: chat.EventAccepted, ConversationID: conv, Time: t0.Add(2 * time.Second), Representative: "rep-1"},
		{ID: conv + "-e4", Type: chat.EventEnded, ConversationID: conv, Time: t0.Add(3 * time.Second), Representative: "rep-1"},
	}
}

// scaleEmail is email i, from a sender of its own (so that processes race
// to create the contact when it is delivered to two).
func scaleEmail(i int) (id, raw string) {
	id = fmt.Sprintf("scale-%05d@mail.example.com", i)
	subjects := []string{"Floodlight stays on", "Thermostat shows the wrong temperature", "Refund for a returned plug"}
	raw = "Message-ID: <" + id + ">\r\n" +
		"Date: " + time.Now().UTC().Format(time.RFC1123Z) + "\r\n" +
		fmt.Sprintf("From: Customer %d <customer-%d@example.com>\r\n", i, i%(max(i/2, 1)+7)) +
		"To: Acme Home support <support@acme-home.example>\r\n" +
		"Subject: " + subjects[i%len(subjects)] + " " + strconv.Itoa(i) + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hello,\r\n\r\nsince Saturday the floodlight of my Cam4 Outdoor camera no longer switches off.\r\n" +
		"It stays on from dusk to morning even when nothing moves.\r\n\r\nThanks\r\n"
	return id, raw
}

// scaleOptions say what a replay does.
type scaleOptions struct {
	n       int  // chats, and as many emails
	workers int  // concurrent deliveries
	kill    bool // SIGKILL one process a third of the way, then restart it
	waiting bool // a representative sets every other case waiting, so follow-ups come due
}

// scaleResult is what a replay did, as the test saw it.
type scaleResult struct {
	events  int // accepted deliveries, duplicates included
	elapsed time.Duration
	waiting map[string]bool // cases set waiting on the customer
	killed  bool
}

// replay delivers n chats (each event twice, to two processes) and n
// emails (each to two processes at once) over the cluster.
func (c *cluster) replay(t testing.TB, o scaleOptions) *scaleResult {
	t.Helper()
	res := &scaleResult{waiting: map[string]bool{}}
	type job struct {
		i    int
		chat bool
	}
	jobs := make(chan job)
	var done atomic.Int64
	var events atomic.Int64
	var errMu sync.Mutex
	var errs []error
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var side sync.WaitGroup
	if o.waiting {
		side.Go(func() {
			if err := representative(ctx, c.dsn, filepath.Join(filepath.Dir(c.config), "tenant.json"), res.waiting); err != nil {
				fail(fmt.Errorf("representative: %w", err))
			}
		})
	}
	if o.kill && len(c.procs) > 1 {
		side.Go(func() {
			for done.Load() < int64(2*o.n/3) {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
			p := c.procs[1]
			c.stop(p, syscall.SIGKILL)
			res.killed = true
			time.Sleep(300 * time.Millisecond)
			if err := c.tryStart(p); err != nil {
				fail(err)
			}
		})
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for j := range jobs {
				if j.chat {
					for k, ev := range scaleChat(j.i) {
						for d := range 2 { // the same event twice, to two processes
							if err := c.deliver(j.i+k+d, postChat(ev)); err != nil {
								fail(fmt.Errorf("chat %d event %s: %w", j.i, ev.ID, err))
								return
							}
							events.Add(1)
						}
					}
				} else {
					_, raw := scaleEmail(j.i)
					var both sync.WaitGroup
					for d := range 2 { // the same email to two processes at once
						both.Go(func() {
							if err := c.deliver(j.i+d, func(url string) (int, error) { return postEmail(url, raw) }); err != nil {
								fail(fmt.Errorf("email %d: %w", j.i, err))
								return
							}
							events.Add(1)
						})
					}
					both.Wait()
				}
				done.Add(1)
			}
		})
	}
	for i := range o.n {
		jobs <- job{i: i, chat: true}
		jobs <- job{i: i}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.events = int(events.Load())
	if o.waiting {
		// Let the representative see the last cases.
		time.Sleep(500 * time.Millisecond)
	}
	cancel()
	side.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	return res
}

// representative is a person's console: a fourth writer, following the
// change feed, that sets every other new case waiting on the customer
// (which starts its follow-ups).
func representative(ctx context.Context, dsn, tenantPath string, waiting map[string]bool) error {
	store, err := sqlstore.OpenPostgres(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	tenant, err := agent.LoadConfig(tenantPath)
	if err != nil {
		return err
	}
	pred, err := heuristic.New()
	if err != nil {
		return err
	}
	a, err := agent.New(store, pred, tenant, agent.WithName("console"))
	if err != nil {
		return err
	}
	var after int64
	seen := 0
	for ctx.Err() == nil {
		entries, err := store.ReadChanges(context.Background(), after, 200)
		if err != nil {
			return err
		}
		for _, e := range entries {
			after = e.Seq
			if e.Kind != casemgmt.ChangeCaseCreated {
				continue
			}
			seen++
			if seen%2 == 1 {
				continue
			}
			if _, err := a.EditCase(context.Background(), e.CaseID, "rep-7", map[string]any{
				"status": string(casemgmt.StatusWaitingOnCustomer), "status_reason": "Asked for details"}); err != nil {
				return fmt.Errorf("editing %s: %w", e.CaseID, err)
			}
			waiting[e.CaseID] = true
		}
		if len(entries) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// TestScaleProcessesOnPostgres runs three service processes on one
// PostgreSQL database and replays chats and emails over them: every chat
// event delivered twice, every email delivered to two processes at once,
// follow-ups coming due while they run, one process killed with SIGKILL a
// third of the way and restarted. Then it checks the database with SQL.
// It replays 50 chats and 50 emails, 1,000 of each with
// CASEAGENT_SCALE_FULL=1.
func TestScaleProcessesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three service processes")
	}
	dsn := pgtest.DSN(t)
	n := 50
	if os.Getenv(EnvScaleFull) != "" {
		n = 1000
	}
	if v, err := strconv.Atoi(os.Getenv("CASEAGENT_SCALE_N")); err == nil && v > 0 {
		n = v
	}
	bin := buildServer(t)
	config, outbox := writeScaleConfig(t, t.TempDir())
	c := newCluster(t, bin, config, dsn, 3)
	res := c.replay(t, scaleOptions{n: n, workers: 8, kill: true, waiting: true})
	if !res.killed {
		t.Fatal("the process was not killed")
	}
	t.Logf("%d chats and %d emails: %d deliveries in %v (%.0f/s), %d cases set waiting",
		n, n, res.events, res.elapsed.Round(time.Millisecond), float64(res.events)/res.elapsed.Seconds(), len(res.waiting))

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Wait until no follow-up is due any more: the waiting cases are
	// closed after their last one. A case whose claim died with the
	// killed process waits out the claim (claim_ttl).
	deadline := time.Now().Add(60 * time.Second)
	for {
		var due int
		if err := db.QueryRow("SELECT count(*) FROM cases WHERE next_due_at IS NOT NULL").Scan(&due); err != nil {
			t.Fatal(err)
		}
		if due == 0 {
			break
		}
		if time.Now().After(deadline) {
			var id, status, meta string
			var at int64
			_ = db.QueryRow("SELECT id, status, next_due_at, meta FROM cases WHERE next_due_at IS NOT NULL LIMIT 1").Scan(&id, &status, &at, &meta)
			t.Fatalf("%d cases still have a follow-up due, such as %s (%s, due %v, %s)", due, id, status, time.Unix(0, at), meta)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, p := range c.procs {
		c.stop(p, syscall.SIGTERM)
	}
	checkScaleDatabase(t, db, n, res, outbox)
}

// checkScaleDatabase checks, by queries over the database, what the
// replay must have left.
func checkScaleDatabase(t *testing.T, db *sql.DB, n int, res *scaleResult, outbox string) {
	t.Helper()
	count := func(q string, args ...any) int {
		t.Helper()
		var v int
		if err := db.QueryRow(q, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	// Every conversation and every email has exactly one case, and there
	// are no others.
	if got := count("SELECT count(*) FROM cases"); got != 2*n {
		t.Errorf("%d cases, want %d", got, 2*n)
	}
	if got := count("SELECT count(DISTINCT ref) FROM case_refs WHERE kind = 'conversation' AND ref LIKE 'conv-%'"); got != n {
		t.Errorf("%d conversations have a case, want %d", got, n)
	}
	if got := count("SELECT count(*) FROM case_refs WHERE kind = 'email' AND ref LIKE 'scale-%'"); got != n {
		t.Errorf("%d emails have a case, want %d", got, n)
	}
	if got := count("SELECT count(DISTINCT case_id) FROM case_refs WHERE (kind = 'conversation' AND ref LIKE 'conv-%') OR (kind = 'email' AND ref LIKE 'scale-%')"); got != 2*n {
		t.Errorf("the conversations and emails are on %d cases, want %d (one each)", got, 2*n)
	}
	// Case numbers are consecutive: no creation was lost after taking one.
	if got := count("SELECT count(*) FROM cases WHERE number NOT IN (SELECT 'CAS-' || lpad(g::text, 6, '0') FROM generate_series(1, $1::int) g)", 2*n); got != 0 {
		t.Errorf("%d case numbers outside CAS-000001..%s", got, casemgmt.FormatNumber(int64(2*n)))
	}
	// Every email sender has one contact.
	if got := count("SELECT count(*) FROM (SELECT lower(email) FROM contacts GROUP BY lower(email) HAVING count(*) > 1) d"); got != 0 {
		t.Errorf("%d addresses have more than one contact", got)
	}

	// The feed: numbered without gaps up to its counter, one creation per
	// case, and the audit it carries is the audit table, entry for entry.
	var feedCount, feedMin, feedMax, counter int64
	if err := db.QueryRow("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM feed").Scan(&feedCount, &feedMin, &feedMax); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT value FROM counters WHERE name = 'feed'").Scan(&counter); err != nil {
		t.Fatal(err)
	}
	if feedMin != 1 || feedMax != feedCount || counter != feedMax {
		t.Errorf("feed: %d entries numbered %d..%d, counter %d: want 1..count, gap-free, counter at the last", feedCount, feedMin, feedMax, counter)
	}
	if got := count("SELECT count(*) FROM cases c WHERE (SELECT count(*) FROM feed f WHERE f.case_id = c.id AND f.kind = 'case_created') <> 1"); got != 0 {
		t.Errorf("%d cases do not have exactly one case_created feed entry", got)
	}
	feedAudit := map[string][]string{}
	rows, err := db.Query("SELECT entry FROM feed ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]int{} // case -> email_sent entries
	for rows.Next() {
		var raw string
		var e casemgmt.FeedEntry
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			t.Fatalf("feed entry: %v", err)
		}
		for _, a := range e.Audit {
			feedAudit[e.CaseID] = append(feedAudit[e.CaseID], auditKey(a))
		}
		if e.Kind == casemgmt.ChangeEmailSent {
			sent[e.CaseID]++
		}
	}
	rows.Close()
	tableAudit := map[string][]string{}
	rows, err = db.Query("SELECT case_id, entry FROM audit ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	auditRows := 0
	for rows.Next() {
		var id, raw string
		var a casemgmt.AuditEntry
		if err := rows.Scan(&id, &raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &a); err != nil {
			t.Fatalf("audit entry: %v", err)
		}
		a.CaseID = id
		tableAudit[id] = append(tableAudit[id], auditKey(a))
		auditRows++
	}
	rows.Close()
	mismatched := 0
	for id, want := range tableAudit {
		if strings.Join(feedAudit[id], "\n") != strings.Join(want, "\n") {
			mismatched++
			if mismatched <= 3 {
				t.Errorf("case %s: the audit table has %d entries, the feed %d, or they differ", id, len(want), len(feedAudit[id]))
			}
		}
	}
	if len(feedAudit) != len(tableAudit) {
		t.Errorf("the feed has audit for %d cases, the audit table for %d", len(feedAudit), len(tableAudit))
	}
	if got := count("SELECT count(*) FROM (SELECT case_id, entry FROM audit GROUP BY case_id, entry HAVING count(*) > 1) d"); got != 0 {
		t.Errorf("%d audit entries are doubled", got)
	}

	// Interactions: each record is whole (it parses, and says what it is
	// about, its trigger and outcome), and each case has one creation.
	rows, err = db.Query("SELECT id, coalesce(case_id, ''), outcome, record FROM interactions")
	if err != nil {
		t.Fatal(err)
	}
	interactions := 0
	for rows.Next() {
		var id, caseID, outcome, raw string
		var in casemgmt.Interaction
		if err := rows.Scan(&id, &caseID, &outcome, &raw); err != nil {
			t.Fatal(err)
		}
		interactions++
		if err := json.Unmarshal([]byte(raw), &in); err != nil {
			t.Errorf("interaction %s: %v", id, err)
			continue
		}
		if in.ID != id || in.CaseID != caseID || string(in.Outcome) != outcome || in.Trigger == "" || in.Time.IsZero() || in.Actor.ID == "" {
			t.Errorf("interaction %s is incomplete: %s", id, raw)
		}
	}
	rows.Close()
	if got := count("SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.case_id = c.id AND i.outcome = 'created')"); got != 0 {
		t.Errorf("%d cases have no creation interaction", got)
	}
	if got := count("SELECT count(*) FROM (SELECT case_id FROM interactions WHERE outcome = 'created' GROUP BY case_id HAVING count(*) > 1) d"); got != 0 {
		t.Errorf("%d cases have more than one creation interaction", got)
	}

	// Follow-ups: each waiting case got follow-up 1 and 2 at most once
	// each (one key, one email_sent entry, one outbox file per step) and
	// was closed; a SIGKILL may lose one in flight, never double one.
	keys := map[string]int{}
	rows, err = db.Query("SELECT key FROM idempotency_keys WHERE key LIKE 'followup:%'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(k, ":")
		keys[parts[1]]++
	}
	rows.Close()
	files := map[string]int{} // case/subject -> files
	perCase := map[string]int{}
	entries, _ := os.ReadDir(outbox)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(outbox, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var m outboxMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("outbox %s: %v", e.Name(), err)
		}
		files[m.Message.CaseID+"/"+m.Message.Subject]++
		perCase[m.Message.CaseID]++
	}
	for k, v := range files {
		if v > 1 {
			t.Errorf("%s sent %d times", k, v)
		}
	}
	lost, total := 0, 0
	for id := range res.waiting {
		total += 2
		if keys[id] > 2 || sent[id] > 2 || perCase[id] > 2 {
			t.Errorf("case %s: %d follow-up keys, %d sent entries, %d messages: more than two", id, keys[id], sent[id], perCase[id])
		}
		if sent[id] > perCase[id] {
			t.Errorf("case %s: %d sent entries for %d messages", id, sent[id], perCase[id])
		}
		lost += 2 - sent[id]
	}
	if got := count("SELECT count(*) FROM cases WHERE status = 'closed'"); got != len(res.waiting) {
		t.Errorf("%d cases closed, want the %d set waiting", got, len(res.waiting))
	}
	// Recording the step before sending loses at most the follow-up a
	// killed process was sending.
	if lost > 1 {
		t.Errorf("%d of %d follow-ups not recorded as sent; a SIGKILL may lose one", lost, total)
	}
	for id := range perCase {
		if !res.waiting[id] {
			t.Errorf("case %s was not set waiting but got mail", id)
		}
	}
	t.Logf("database: %d cases, %d feed entries, %d audit entries, %d interactions, %d follow-ups sent of %d (%d lost to the kill)",
		count("SELECT count(*) FROM cases"), feedCount, auditRows, interactions, total-lost, total, lost)
}

// auditKey is what compares an audit entry of the table with one of the
// feed.
func auditKey(a casemgmt.AuditEntry) string {
	a.Seq = 0
	a.Time = a.Time.UTC().Round(time.Millisecond)
	b, _ := json.Marshal(a)
	return string(b)
}

// metricSum adds the _sum of the histograms whose name starts with prefix
// on the process's /metrics page.
func metricSum(url, prefix string) (float64, error) {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(name, prefix) {
			continue
		}
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name = name[:i]
		}
		if !strings.HasSuffix(name, "_sum") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}

var errNoMeasure = errors.New("set " + EnvScaleMeasure + "=1 to measure")

// TestScaleThroughput measures deliveries per second with one, two and
// three processes on one PostgreSQL database (no kill, no follow-ups),
// and the share of the webhooks' time spent in store calls.
//
//	CASEAGENT_SCALE_MEASURE=1 go test ./examples/server -run TestScaleThroughput -v
func TestScaleThroughput(t *testing.T) {
	if os.Getenv(EnvScaleMeasure) == "" {
		t.Skip(errNoMeasure)
	}
	n := 200
	if v, err := strconv.Atoi(os.Getenv(EnvScaleMeasure)); err == nil && v > 1 {
		n = v
	}
	bin := buildServer(t)
	for procs := 1; procs <= 3; procs++ {
		t.Run(fmt.Sprintf("procs=%d", procs), func(t *testing.T) {
			dsn := pgtest.DSN(t)
			config, _ := writeScaleConfig(t, t.TempDir())
			c := newCluster(t, bin, config, dsn, procs)
			ctx, stop := context.WithCancel(context.Background())
			waits := make(chan map[string]int, 1)
			go func() { waits <- sampleWaits(ctx, dsn) }()
			res := c.replay(t, scaleOptions{n: n, workers: 8})
			stop()
			w := <-waits
			var store, http float64
			for _, p := range c.procs {
				url := p.url.Load().(string)
				s, err := metricSum(url, "caseagent_store_duration")
				if err != nil {
					t.Fatal(err)
				}
				h, err := metricSum(url, "caseagent_http_request_duration")
				if err != nil {
					t.Fatal(err)
				}
				store, http = store+s, http+h
			}
			t.Logf("procs=%d: %d deliveries (%d chats, %d emails, each twice) in %v: %.0f deliveries/s; store calls %.1fs of %.1fs in webhooks (%.0f%%)",
				procs, res.events, n, n, res.elapsed.Round(time.Millisecond), float64(res.events)/res.elapsed.Seconds(),
				store, http, 100*store/max(http, 1e-9))
			t.Logf("procs=%d: PostgreSQL sessions sampled every 10ms (active, by wait event and statement): %s", procs, topWaits(w, 8))
		})
	}
}

// sampleWaits samples, until ctx ends, what the database's active
// sessions are waiting on, counting samples by wait event and the start
// of the statement.
func sampleWaits(ctx context.Context, dsn string) map[string]int {
	out := map[string]int{}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return out
	}
	defer db.Close()
	for ctx.Err() == nil {
		rows, err := db.Query("SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 50) " +
			"FROM pg_stat_activity WHERE state = 'active' AND datname = current_database() AND pid <> pg_backend_pid()")
		if err == nil {
			for rows.Next() {
				var k string
				if rows.Scan(&k) == nil {
					out[k]++
				}
			}
			rows.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	return out
}

// topWaits formats the n most frequent samples.
func topWaits(m map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	total := 0
	for k, v := range m {
		all = append(all, kv{k, v})
		total += v
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	var b strings.Builder
	fmt.Fprintf(&b, "%d samples", total)
	for i := 0; i < len(all) && i < n; i++ {
		fmt.Fprintf(&b, "\n\t%5.1f%% %s", 100*float64(all[i].v)/float64(max(total, 1)), all[i].k)
	}
	return b.String()
}
