package agent_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/channel/email"
	"github.com/caseagent/caseagent/predict"
)

// mailTenant is the configuration of the inbound email tests: three
// intake rules, tried in order, for a VIP sender domain, the support
// mailbox and the sales mailbox.
const mailTenant = `{
  "fields": [
    {"name": "title", "type": "text"},
    {"name": "issue_description", "type": "text", "multiline": true},
    {"name": "category", "type": "choice", "options": [
      {"value": "Product defect"}, {"value": "Billing"}, {"value": "Question"}]},
    {"name": "contact", "type": "lookup", "lookup": "contacts"},
    {"name": "priority", "type": "choice", "options": [{"value": "Low"}, {"value": "Normal"}, {"value": "High"}]},
    {"name": "origin", "type": "choice", "options": [{"value": "Chat"}, {"value": "Email"}]}
  ],
  "contacts": [
    {"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"},
    {"id": "C-2", "name": "Bo Chen", "email": "bo@example.net"},
    {"id": "C-3", "name": "Vera Ikeda", "email": "vera@vip.example"}
  ],
  "create": {"fields": ["issue_description", "contact"], "require": "all"},
  "default_update_fields": ["issue_description", "category"],
  "update_rules": [
    {"name": "defects get a priority", "when": {"field": "category", "op": "equals", "value": "Product defect"},
     "predict": ["priority"]}
  ],
  "intake_rules": [
    {"name": "vip", "when": {"field": "from", "op": "contains", "value": "@vip.example"},
     "set": {"priority": "High", "title": "VIP: {{subject}}", "origin": "Email"},
     "unknown_senders": "create_contact",
     "acknowledge": {"subject": "[{{case_number}}] {{subject}}", "body": "Dear {{from_name}}, we have your message about {{subject}}."}},
    {"name": "support", "when": {"field": "to", "op": "contains", "value": "support@acme.example"},
     "set": {"title": "{{ subject }}", "origin": "Email"},
     "unknown_senders": "create_contact", "require_no_open_case": true,
     "acknowledge": {"subject": "[{{case_number}}] Re: {{subject}}", "body": "Hello {{from_name}}, your case {{case_number}} is open."}},
    {"name": "sales", "when": {"field": "to", "op": "contains", "value": "sales@acme.example"},
     "set": {"category": "Billing"}, "unknown_senders": "skip", "wait_after_resolved": "2d"}
  ]
}`

// mailKey signs the agent's Message-IDs in these tests.
var mailIDs = email.MessageIDs{Key: []byte("0123456789abcdef0123456789abcdef"), Domain: "acme.example"}

// mailClock is a settable clock.
type mailClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *mailClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *mailClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newMailSender records what the agent sends and names each message with a
// signed Message-ID, as the SMTP sender does.
func newMailSender() *channel.Outbox {
	return &channel.Outbox{NewID: func(m *channel.Outgoing) string { return mailIDs.New(m.CaseID) }}
}

// mailPredictor answers from a table for the requested fields only and
// counts its calls.
type mailPredictor struct {
	mu    sync.Mutex
	table map[string]predict.Prediction
	calls atomic.Int64
	asked [][]string
	// delay makes each call take a while, so that concurrent deliveries
	// overlap.
	delay time.Duration
	// err, when set, is the answer to every call.
	err error
}

func (p *mailPredictor) set(t map[string]predict.Prediction) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.table = t
}

func (p *mailPredictor) Predict(_ context.Context, req *predict.Request) (*predict.Result, error) {
	p.calls.Add(1)
	time.Sleep(p.delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	var names []string
	res := &predict.Result{Predictions: map[string]predict.Prediction{}, Predictor: "table"}
	for _, f := range req.Fields {
		names = append(names, f.Name)
		if v, ok := p.table[f.Name]; ok {
			res.Predictions[f.Name] = v
		}
	}
	p.asked = append(p.asked, names)
	if p.err != nil {
		return nil, p.err
	}
	return res, nil
}

// guess is a prediction quoting text from the message.
func guess(v any, quote string) predict.Prediction {
	p := predict.Prediction{Value: v, Confidence: 0.9}
	if quote != "" {
		p.Evidence = []predict.Evidence{{Quote: quote}}
	}
	return p
}

// mailFixture is an agent over a memstore, a table predictor, a recording
// sender and a settable clock.
type mailFixture struct {
	store  *memstore.Store
	pred   *mailPredictor
	sender *channel.Outbox
	clock  *mailClock
	ag     *agent.Agent
	cfg    *agent.Config
}

func newMailFixture(t testing.TB, edit func(*agent.Config), opts ...agent.Option) *mailFixture {
	t.Helper()
	cfg, err := agent.ParseConfig([]byte(mailTenant))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(cfg)
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	f := &mailFixture{pred: &mailPredictor{}, sender: newMailSender(), cfg: cfg,
		clock: &mailClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	f.store = memstore.New(memstore.WithClock(f.clock.now))
	if _, err := cfg.ImportContacts(context.Background(), f.store); err != nil {
		t.Fatal(err)
	}
	f.pred.set(map[string]predict.Prediction{
		"issue_description": guess("The X200 camera does not start", "does not start"),
		"category":          guess("Product defect", "does not start"),
		"priority":          guess("Low", ""),
	})
	all := append([]agent.Option{agent.WithClock(f.clock.now),
		agent.WithSender(f.sender, channel.Address{Name: "Acme Support", Email: "support@acme.example"}),
		agent.WithMessageIDs(mailIDs)}, opts...)
	f.ag, err = agent.New(f.store, f.pred, cfg, all...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// msg is one raw RFC 5322 message written for these tests.
type msg struct {
	id, from, to, subject, inReplyTo, references, body string
	extra                                              []string // more header lines
}

func (m msg) raw() string {
	var b strings.Builder
	if m.id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.id)
	}
	b.WriteString("Date: Mon, 02 Mar 2026 08:55:00 +0000\r\n")
	from := m.from
	if from == "" {
		from = "Ana Lima <ana@example.org>"
	}
	to := m.to
	if to == "" {
		to = "Acme Support <support@acme.example>"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from, to, m.subject)
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\r\n", m.inReplyTo)
	}
	if m.references != "" {
		fmt.Fprintf(&b, "References: %s\r\n", m.references)
	}
	for _, h := range m.extra {
		b.WriteString(h + "\r\n")
	}
	body := m.body
	if body == "" {
		body = "Hello,\r\n\r\nmy X200 camera does not start since this morning.\r\n\r\nAna\r\n"
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
	return b.String()
}

// parse reads a raw message with the email channel's parser.
func parse(t testing.TB, raw string) *channel.Message {
	t.Helper()
	p, err := email.NewParser().ParseBytes([]byte(raw))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, raw)
	}
	return &p.Message
}

// deliver hands a message to the agent as the support mailbox received it.
func (f *mailFixture) deliver(t testing.TB, m msg) *agent.Result {
	t.Helper()
	return f.deliverTo(t, "support@acme.example", m)
}

func (f *mailFixture) deliverTo(t testing.TB, mailbox string, m msg) *agent.Result {
	t.Helper()
	res, err := f.ag.InboundEmail(context.Background(), mailbox, parse(t, m.raw()))
	if err != nil {
		t.Fatalf("InboundEmail(%s): %v", m.id, err)
	}
	return res
}

// created delivers a new email that must become a case.
func (f *mailFixture) created(t testing.TB, m msg) *casemgmt.Case {
	t.Helper()
	res := f.deliver(t, m)
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("%s: outcome %s (%s), want created", m.id, res.Outcome, res.Reason)
	}
	return f.get(t, res.Case.ID)
}

func (f *mailFixture) get(t testing.TB, id string) *casemgmt.Case {
	t.Helper()
	c, err := f.store.GetCase(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *mailFixture) audit(t testing.TB, caseID string) []casemgmt.AuditEntry {
	t.Helper()
	es, err := f.store.ListAudit(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// runsOf returns the interaction records of email runs about a message.
func (f *mailFixture) runsOf(t testing.TB, msgID string) []casemgmt.Interaction {
	t.Helper()
	all, err := f.store.ListInteractions(context.Background(), casemgmt.InteractionQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []casemgmt.Interaction
	for _, in := range all {
		if slices.Contains(in.MessageIDs, msgID) {
			out = append(out, in)
		}
	}
	return out
}

func (f *mailFixture) cases(t testing.TB) []*casemgmt.Case {
	t.Helper()
	var out []*casemgmt.Case
	for i := 1; ; i++ {
		c, err := f.store.GetCaseByNumber(context.Background(), casemgmt.FormatNumber(int64(i)))
		if err != nil {
			return out
		}
		out = append(out, c)
	}
}

var signedID = regexp.MustCompile(`ca\.[A-Za-z0-9_.-]+@acme\.example`)

// mailAuditSummary is what audit entries say, without ids and times.
func mailAuditSummary(es []casemgmt.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		s := fmt.Sprintf("%s %v->%v by %s/%s: %s", e.Field, e.Old, e.New, e.Actor.Kind, e.Actor.ID, e.Reason)
		out[i] = signedID.ReplaceAllString(s, "<signed id>")
	}
	return out
}

func TestEmailBecomesCaseThroughIntake(t *testing.T) {
	f := newMailFixture(t, nil)
	c := f.created(t, msg{id: "new-1@example.org", subject: "Camera dead"})
	got := map[string]any{}
	for k, v := range c.Fields {
		got[k] = v
	}
	want := map[string]any{
		"title": "Camera dead", "origin": "Email", "contact": "C-1",
		"issue_description": "The X200 camera does not start", "category": "Product defect", "priority": "Low",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if c.Title != "Camera dead" || c.ContactID != "C-1" || c.Status != casemgmt.StatusActive {
		t.Errorf("case = %q %q %q", c.Title, c.ContactID, c.Status)
	}
	if !slices.Contains(c.LinkIDs(casemgmt.LinkEmail), "new-1@example.org") {
		t.Errorf("links = %v, want the email", c.Links)
	}
	for _, field := range []string{"title", "origin"} {
		if p := c.Provenance[field]; p.Actor.Kind != casemgmt.ActorIntakeRule || p.Actor.ID != "support" {
			t.Errorf("%s provenance = %+v, want the support intake rule", field, p.Actor)
		}
	}
	// One call, without the fields the rule set nor the contact, which is
	// the sender.
	if diff := cmp.Diff([][]string{{"issue_description", "category", "priority"}}, f.pred.asked); diff != "" {
		t.Errorf("asked (-want +got):\n%s", diff)
	}
	if runs := f.runsOf(t, "new-1@example.org"); len(runs) != 1 || runs[0].Outcome != casemgmt.OutcomeCreated || runs[0].Trigger != agent.TriggerEmail {
		t.Errorf("runs = %+v, want one created email run", runs)
	}
}

func TestEmailDuplicatesDropped(t *testing.T) {
	f := newMailFixture(t, nil)
	first := msg{id: "dup-1@example.org", subject: "Camera dead"}
	c := f.created(t, first)
	calls, audit, sent := f.pred.calls.Load(), len(f.audit(t, c.ID)), f.sender.Len()

	for _, mailbox := range []string{"support@acme.example", "SUPPORT@acme.example", ""} {
		res := f.deliverTo(t, mailbox, first)
		if res.Outcome != casemgmt.OutcomeDuplicate || !strings.Contains(res.Reason, "duplicate") {
			t.Errorf("redelivery to %q: %s (%s), want a duplicate", mailbox, res.Outcome, res.Reason)
		}
	}
	if n := len(f.audit(t, c.ID)); n != audit || f.pred.calls.Load() != calls {
		t.Errorf("redeliveries wrote %d audit entries and made %d calls", n-audit, f.pred.calls.Load()-calls)
	}
	// A reply, processed once, then delivered again.
	reply := msg{id: "dup-2@example.org", subject: "Re: Camera dead", inReplyTo: "<dup-1@example.org>",
		body: "It is the X300, sorry.\r\n"}
	if res := f.deliver(t, reply); res.Outcome != casemgmt.OutcomeUpdated && res.Outcome != casemgmt.OutcomeUnchanged {
		t.Fatalf("reply: %s (%s)", res.Outcome, res.Reason)
	}
	calls++
	audit = len(f.audit(t, c.ID))
	if res := f.deliver(t, reply); res.Outcome != casemgmt.OutcomeDuplicate {
		t.Errorf("reply redelivered: %s (%s), want a duplicate", res.Outcome, res.Reason)
	}
	// An email that was skipped is a duplicate the second time too.
	stray := msg{id: "dup-3@example.org", to: "nobody@acme.example", subject: "Hello"}
	if res := f.deliverTo(t, "nobody@acme.example", stray); res.Outcome != casemgmt.OutcomeSkipped {
		t.Fatalf("stray: %s", res.Outcome)
	}
	res := f.deliverTo(t, "nobody@acme.example", stray)
	if !strings.Contains(res.Reason, "duplicate") {
		t.Errorf("stray redelivered: %s (%s), want a duplicate", res.Outcome, res.Reason)
	}

	if n := f.pred.calls.Load(); n != calls {
		t.Errorf("predictor calls = %d, want %d: duplicates must make none", n, calls)
	}
	if n := len(f.audit(t, c.ID)); n != audit {
		t.Errorf("audit entries = %d, want %d", n, audit)
	}
	if n := f.sender.Len(); n != sent {
		t.Errorf("sent = %d, want %d", n, sent)
	}
	if n := len(f.cases(t)); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
	// Each redelivery is recorded as a skip with its reason.
	dups := 0
	for _, in := range f.runsOf(t, "dup-1@example.org") {
		if in.Outcome == casemgmt.OutcomeDuplicate && strings.HasPrefix(in.Reason, "duplicate delivery") {
			dups++
		}
	}
	if dups != 3 {
		t.Errorf("%d duplicate runs recorded, want 3", dups)
	}
}

func TestEmailDuplicatesConcurrent(t *testing.T) {
	const n = 16
	run := func(f *mailFixture, m msg) []*agent.Result {
		raw := m.raw()
		var wg sync.WaitGroup
		out := make([]*agent.Result, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				p, err := email.NewParser().ParseBytes([]byte(raw))
				if err != nil {
					errs[i] = err
					return
				}
				out[i], errs[i] = f.ag.InboundEmail(context.Background(), "support@acme.example", &p.Message)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	count := func(rs []*agent.Result, o casemgmt.Outcome) int {
		k := 0
		for _, r := range rs {
			if r.Outcome == o {
				k++
			}
		}
		return k
	}

	// The same fixture processed once, for comparison.
	once := newMailFixture(t, nil)
	oc := once.created(t, msg{id: "conc-1@example.org", subject: "Camera dead"})
	wantAudit := mailAuditSummary(once.audit(t, oc.ID))

	f := newMailFixture(t, nil)
	f.pred.delay = 20 * time.Millisecond
	rs := run(f, msg{id: "conc-1@example.org", subject: "Camera dead"})
	if got := count(rs, casemgmt.OutcomeCreated); got != 1 {
		t.Errorf("created %d times, want once", got)
	}
	if got := count(rs, casemgmt.OutcomeDuplicate); got != n-1 {
		t.Errorf("duplicates %d, want %d", got, n-1)
	}
	cs := f.cases(t)
	if len(cs) != 1 {
		t.Fatalf("%d cases, want 1", len(cs))
	}
	if diff := cmp.Diff(wantAudit, mailAuditSummary(f.audit(t, cs[0].ID))); diff != "" {
		t.Errorf("audit (-once +concurrent):\n%s", diff)
	}
	if got := f.pred.calls.Load(); got != 1 {
		t.Errorf("predictor calls = %d, want 1", got)
	}
	if got := f.sender.Len(); got != 1 {
		t.Errorf("acknowledgements = %d, want 1", got)
	}
	created := 0
	for _, in := range f.runsOf(t, "conc-1@example.org") {
		if in.Outcome == casemgmt.OutcomeCreated {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d created runs recorded, want 1", created)
	}

	// A reply delivered 16 times at once is one update.
	rs = run(f, msg{id: "conc-2@example.org", subject: "Re: Camera dead", inReplyTo: "<conc-1@example.org>",
		body: "It reboots every hour now.\r\n"})
	if got := count(rs, casemgmt.OutcomeDuplicate); got != n-1 {
		t.Errorf("reply: duplicates %d, want %d", got, n-1)
	}
	if got := f.pred.calls.Load(); got != 2 {
		t.Errorf("predictor calls after the reply = %d, want 2", got)
	}
}

// bounceOf is a delivery-status report for the message with id orig.
func bounceOf(id, orig string) string {
	return "Message-ID: <" + id + ">\r\n" +
		"Date: Mon, 02 Mar 2026 09:01:00 +0000\r\n" +
		"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n" +
		"To: support@acme.example\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\n" +
		"Auto-Submitted: auto-replied\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n\r\n" +
		"--b1\r\nContent-Type: message/delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; ana@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
		"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n" +
		"Message-ID: " + orig + "\r\nFrom: support@acme.example\r\nTo: ana@example.org\r\nSubject: Your case\r\n\r\n" +
		"--b1--\r\n"
}

func TestEmailAutoRepliesAndBounces(t *testing.T) {
	f := newMailFixture(t, nil)
	c := f.created(t, msg{id: "auto-0@example.org", subject: "Camera dead"})
	if f.sender.Len() != 1 {
		t.Fatalf("no acknowledgement sent")
	}
	ack := f.sender.Sent()[0].ID
	calls, sent, version := f.pred.calls.Load(), f.sender.Len(), c.Version

	tests := []struct {
		name, id, raw string
		linked        bool
	}{
		{"out of office to the acknowledgement", "auto-1@example.org", msg{id: "auto-1@example.org",
			subject: "Automatic reply: [CAS] Camera dead", inReplyTo: ack,
			extra: []string{"Auto-Submitted: auto-replied"}, body: "I am out of the office until Monday.\r\n"}.raw(), true},
		{"vacation notice by vendor header", "auto-2@example.org", msg{id: "auto-2@example.org",
			subject: "Out of office", references: "<auto-0@example.org>",
			extra: []string{"X-Autoreply: yes"}, body: "Back next week.\r\n"}.raw(), true},
		{"bounce of the acknowledgement", "auto-3@mx.example.org", bounceOf("auto-3@mx.example.org", ack), true},
		{"auto-reply to nothing of ours", "auto-4@example.org", msg{id: "auto-4@example.org", from: "Bo <bo@example.net>",
			subject: "Out of office", extra: []string{"Auto-Submitted: auto-replied"}, body: "Away.\r\n"}.raw(), false},
		{"bounce of nothing of ours", "auto-5@mx.example.org", bounceOf("auto-5@mx.example.org", "<unknown@elsewhere.example>"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parse(t, tt.raw)
			if !m.Automated() {
				t.Fatalf("fixture not classified as automated")
			}
			res, err := f.ag.InboundEmail(context.Background(), "support@acme.example", m)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != casemgmt.OutcomeSkipped {
				t.Errorf("outcome = %s (%s), want skipped", res.Outcome, res.Reason)
			}
			got := f.get(t, c.ID)
			if has := slices.Contains(got.LinkIDs(casemgmt.LinkEmail), tt.id); has != tt.linked {
				t.Errorf("linked to the case = %v, want %v", has, tt.linked)
			}
			if got.Version != version || got.Status != casemgmt.StatusActive {
				t.Errorf("case changed: version %d status %s", got.Version, got.Status)
			}
			runs := f.runsOf(t, tt.id)
			if len(runs) != 1 || runs[0].Outcome != casemgmt.OutcomeSkipped || runs[0].Reason == "" {
				t.Errorf("runs = %+v, want one skip with its reason", runs)
			}
		})
	}
	if got := f.pred.calls.Load(); got != calls {
		t.Errorf("predictor calls = %d, want %d", got, calls)
	}
	if got := f.sender.Len(); got != sent {
		t.Errorf("sent = %d, want %d", got, sent)
	}
	if n := len(f.cases(t)); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}
}

func TestEmailReplyThreading(t *testing.T) {
	other := email.MessageIDs{Key: []byte("another key of 32 bytes, not ours"), Domain: "acme.example"}
	tests := []struct {
		name string
		// reply builds the reply from the first case's number and id.
		reply   func(number, caseID string) msg
		threads bool
	}{
		{"In-Reply-To", func(string, string) msg {
			return msg{subject: "Re: Camera dead", inReplyTo: "<th-0@example.org>"}
		}, true},
		{"References only", func(string, string) msg {
			return msg{subject: "Camera dead", references: "<unrelated@example.org> <th-0@example.org>"}
		}, true},
		{"our signed Message-ID", func(_, id string) msg {
			return msg{subject: "Re: your case", inReplyTo: mailIDs.New(id)}
		}, true},
		{"a Message-ID signed with another key", func(_, id string) msg {
			return msg{subject: "Re: your case", inReplyTo: other.New(id)}
		}, false},
		{"case number from the contact", func(n, _ string) msg {
			return msg{subject: "[" + n + "] still broken"}
		}, true},
		{"case number from the contact, other case", func(string, string) msg {
			return msg{subject: "[CAS-999999] still broken"}
		}, false},
		{"case number guessed by a stranger", func(n, _ string) msg {
			return msg{from: "Eve <eve@attacker.example>", subject: "[" + n + "] my case"}
		}, false},
		{"case number guessed by another contact", func(n, _ string) msg {
			return msg{from: "Bo Chen <bo@example.net>", subject: "[" + n + "] my case"}
		}, false},
		{"a forward with In-Reply-To", func(string, string) msg {
			return msg{subject: "Fwd: Camera dead", inReplyTo: "<th-0@example.org>",
				body: "See below, the same with my second camera.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Ana\r\n\r\nold text\r\n"}
		}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newMailFixture(t, func(cfg *agent.Config) { cfg.IntakeRules[1].RequireNoOpenCase = false })
			c := f.created(t, msg{id: "th-0@example.org", subject: "Camera dead"})
			m := tt.reply(c.Number, c.ID)
			m.id = fmt.Sprintf("th-%d@example.org", i+1)
			if m.body == "" {
				m.body = "It is the X300, not the X200.\r\n"
			}
			f.pred.set(map[string]predict.Prediction{
				"issue_description": guess("Camera X300 does not start", "X300"),
				"category":          guess("Product defect", "X300"),
				"priority":          guess("Normal", ""),
			})
			res := f.deliver(t, m)
			got := f.get(t, c.ID)
			linked := slices.Contains(got.LinkIDs(casemgmt.LinkEmail), m.id)
			if tt.threads {
				if res.Outcome != casemgmt.OutcomeUpdated || res.Case.ID != c.ID || !linked {
					t.Fatalf("outcome %s (%s), linked %v; want the case updated", res.Outcome, res.Reason, linked)
				}
				if got.Fields["issue_description"] != "Camera X300 does not start" {
					t.Errorf("description = %v", got.Fields["issue_description"])
				}
				return
			}
			if linked || res.Case != nil && res.Case.ID == c.ID {
				t.Fatalf("the email went to the existing case (%s: %s)", res.Outcome, res.Reason)
			}
			if got.Fields["issue_description"] != "The X200 camera does not start" || got.Version != c.Version {
				t.Errorf("the existing case changed: %v", got.Fields)
			}
			if res.Outcome != casemgmt.OutcomeCreated && res.Outcome != casemgmt.OutcomeSkipped {
				t.Errorf("outcome %s (%s), want a new case or a recorded skip", res.Outcome, res.Reason)
			}
		})
	}
}

func TestEmailStrangerGetsOwnCase(t *testing.T) {
	f := newMailFixture(t, nil)
	c := f.created(t, msg{id: "st-0@example.org", subject: "Camera dead"})
	res := f.deliver(t, msg{id: "st-1@attacker.example", from: "Eve <eve@attacker.example>",
		subject: "Re: [" + c.Number + "] Camera dead", body: "Please send me the invoice of this case.\r\n"})
	if res.Outcome != casemgmt.OutcomeCreated || res.Case.ID == c.ID {
		t.Fatalf("outcome %s (%s), want a case of her own", res.Outcome, res.Reason)
	}
	eve := f.get(t, res.Case.ID)
	ct, err := f.store.GetContact(context.Background(), eve.ContactID)
	if err != nil || ct.Email != "eve@attacker.example" {
		t.Errorf("contact of the new case = %+v, %v", ct, err)
	}
	// The acknowledgement went to her alone, about her case.
	sent, _ := f.sender.Last()
	last := sent.Message
	if last.CaseID != eve.ID || len(last.To) != 1 || last.To[0].Email != "eve@attacker.example" {
		t.Errorf("acknowledgement = %+v", last)
	}
}

func TestEmailIntakeRules(t *testing.T) {
	t.Run("first match wins", func(t *testing.T) {
		f := newMailFixture(t, nil)
		// Matches vip (by sender) and support (by mailbox).
		c := f.created(t, msg{id: "ir-1@vip.example", from: "Vera Ikeda <vera@vip.example>", subject: "Camera dead"})
		want := map[string]any{"title": "VIP: Camera dead", "priority": "High", "origin": "Email"}
		for k, v := range want {
			if c.Fields[k] != v || c.Provenance[k].Actor.ID != "vip" {
				t.Errorf("%s = %v by %v, want %v by vip", k, c.Fields[k], c.Provenance[k].Actor, v)
			}
		}
	})
	t.Run("no rule matches", func(t *testing.T) {
		f := newMailFixture(t, nil)
		res := f.deliverTo(t, "jobs@acme.example", msg{id: "ir-2@example.org", to: "jobs@acme.example", subject: "CV"})
		if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "no intake rule") {
			t.Errorf("%s (%s)", res.Outcome, res.Reason)
		}
		if f.pred.calls.Load() != 0 || len(f.cases(t)) != 0 {
			t.Errorf("a skipped email predicted or created")
		}
		if runs := f.runsOf(t, "ir-2@example.org"); len(runs) != 1 || runs[0].Reason != res.Reason {
			t.Errorf("runs = %+v", runs)
		}
	})
	t.Run("unknown sender skipped", func(t *testing.T) {
		f := newMailFixture(t, nil)
		res := f.deliverTo(t, "sales@acme.example", msg{id: "ir-3@example.com", from: "Zoe <zoe@example.com>",
			to: "sales@acme.example", subject: "Quote"})
		if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "unknown senders") {
			t.Errorf("%s (%s)", res.Outcome, res.Reason)
		}
		cs, err := f.store.FindContacts(context.Background(), predict.ContactQuery{Email: "zoe@example.com"})
		if err != nil || len(cs) != 0 {
			t.Errorf("contacts = %v, %v; want none created", cs, err)
		}
		if runs := f.runsOf(t, "ir-3@example.com"); len(runs) != 1 || runs[0].Reason != res.Reason {
			t.Errorf("runs = %+v", runs)
		}
	})
	t.Run("unknown sender becomes a contact", func(t *testing.T) {
		f := newMailFixture(t, nil)
		c := f.created(t, msg{id: "ir-4@example.com", from: "Zoe Park <zoe@example.com>", subject: "Camera dead"})
		ct, err := f.store.GetContact(context.Background(), c.ContactID)
		if err != nil || ct.Email != "zoe@example.com" || ct.Name != "Zoe Park" || c.Fields["contact"] != ct.ID {
			t.Errorf("contact = %+v, %v; field %v", ct, err, c.Fields["contact"])
		}
	})
	t.Run("require no open case", func(t *testing.T) {
		f := newMailFixture(t, nil)
		c := f.created(t, msg{id: "ir-5@example.org", subject: "Camera dead"})
		res := f.deliver(t, msg{id: "ir-6@example.org", subject: "Another thing"})
		if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "open case "+c.Number) {
			t.Errorf("%s (%s)", res.Outcome, res.Reason)
		}
		if runs := f.runsOf(t, "ir-6@example.org"); len(runs) != 1 || runs[0].Reason != res.Reason {
			t.Errorf("runs = %+v", runs)
		}
		if _, err := f.ag.EditCase(context.Background(), c.ID, "rep-1", map[string]any{"status": "resolved"}); err != nil {
			t.Fatal(err)
		}
		f.created(t, msg{id: "ir-7@example.org", subject: "Another thing"})
	})
	t.Run("wait after resolved", func(t *testing.T) {
		f := newMailFixture(t, nil)
		sales := func(id string) msg {
			return msg{id: id, from: "Bo Chen <bo@example.net>", to: "sales@acme.example", subject: "Invoice"}
		}
		res := f.deliverTo(t, "sales@acme.example", sales("ir-8@example.net"))
		if res.Outcome != casemgmt.OutcomeCreated {
			t.Fatalf("%s (%s)", res.Outcome, res.Reason)
		}
		if _, err := f.ag.EditCase(context.Background(), res.Case.ID, "rep-1", map[string]any{"status": "resolved"}); err != nil {
			t.Fatal(err)
		}
		f.clock.advance(47 * time.Hour)
		res = f.deliverTo(t, "sales@acme.example", sales("ir-9@example.net"))
		if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "resolved less than") {
			t.Errorf("%s (%s), want a skip", res.Outcome, res.Reason)
		}
		if runs := f.runsOf(t, "ir-9@example.net"); len(runs) != 1 || runs[0].Reason != res.Reason {
			t.Errorf("runs = %+v", runs)
		}
		f.clock.advance(2 * time.Hour)
		if res = f.deliverTo(t, "sales@acme.example", sales("ir-10@example.net")); res.Outcome != casemgmt.OutcomeCreated {
			t.Errorf("%s (%s), want a case after the wait", res.Outcome, res.Reason)
		}
	})
}

func TestEmailIntakeValuesKept(t *testing.T) {
	f := newMailFixture(t, nil)
	// The predictor disagrees with everything the vip rule set.
	f.pred.set(map[string]predict.Prediction{
		"issue_description": guess("The X200 camera does not start", "does not start"),
		"category":          guess("Product defect", "does not start"),
		"priority":          guess("Low", ""),
		"title":             guess("Something else", ""),
		"origin":            guess("Chat", ""),
	})
	c := f.created(t, msg{id: "kept-1@vip.example", from: "Vera Ikeda <vera@vip.example>", subject: "Camera dead"})
	res := f.deliver(t, msg{id: "kept-2@vip.example", from: "Vera Ikeda <vera@vip.example>",
		subject: "Re: Camera dead", inReplyTo: "<kept-1@vip.example>", body: "Not urgent at all, by the way.\r\n"})
	if res.Case == nil || res.Case.ID != c.ID {
		t.Fatalf("reply not threaded: %s (%s)", res.Outcome, res.Reason)
	}
	got := f.get(t, c.ID)
	want := map[string]any{"priority": "High", "title": "VIP: Camera dead", "origin": "Email"}
	for k, v := range want {
		if got.Fields[k] != v || got.Provenance[k].Actor.Kind != casemgmt.ActorIntakeRule {
			t.Errorf("%s = %v (%v), want %v from the intake rule", k, got.Fields[k], got.Provenance[k].Actor, v)
		}
	}
	// The reply's run asked for priority (the case is a defect) and says
	// why the answer was not applied.
	found := false
	for _, in := range f.runsOf(t, "kept-2@vip.example") {
		for _, fo := range in.Fields {
			if fo.Field == "priority" {
				found = true
				if fo.Applied || fo.Value != "Low" || !strings.Contains(fo.Reason, "intake rule") {
					t.Errorf("priority outcome = %+v", fo)
				}
			}
		}
	}
	if !found {
		t.Error("the reply's run has no outcome for priority")
	}
}

func TestEmailAcknowledgement(t *testing.T) {
	f := newMailFixture(t, nil, agent.WithAckLimit(2))
	c := f.created(t, msg{id: "ack-1@example.org", subject: "Camera dead"})
	if f.sender.Len() != 1 {
		t.Fatalf("sent %d acknowledgements, want 1", f.sender.Len())
	}
	got := f.sender.Sent()[0].Message
	want := channel.Outgoing{
		From:    channel.Address{Name: "Acme Support", Email: "support@acme.example"},
		To:      []channel.Address{{Name: "Ana Lima", Email: "ana@example.org"}},
		Subject: "[" + c.Number + "] Re: Camera dead", Text: "Hello Ana Lima, your case " + c.Number + " is open.",
		InReplyTo: "ack-1@example.org", References: []string{"ack-1@example.org"}, Automated: true, CaseID: c.ID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("acknowledgement (-want +got):\n%s", diff)
	}
	// Its Message-ID is linked to the case, so a reply to it alone threads.
	ackID := strings.Trim(f.sender.Sent()[0].ID, "<>")
	if !slices.Contains(f.get(t, c.ID).LinkIDs(casemgmt.LinkEmail), ackID) {
		t.Errorf("acknowledgement %s not linked to the case", ackID)
	}
	f.pred.set(map[string]predict.Prediction{"issue_description": guess("The X300 camera does not start", "X300")})
	res := f.deliver(t, msg{id: "ack-2@example.org", subject: "Thanks", inReplyTo: "<" + ackID + ">",
		body: "It is the X300 in fact.\r\n"})
	if res.Case == nil || res.Case.ID != c.ID || res.Outcome != casemgmt.OutcomeUpdated {
		t.Errorf("reply to the acknowledgement: %s (%s)", res.Outcome, res.Reason)
	}
	if f.sender.Len() != 1 {
		t.Errorf("a reply was acknowledged")
	}
}

func TestEmailAcknowledgementLimits(t *testing.T) {
	noOpen := func(cfg *agent.Config) { cfg.IntakeRules[1].RequireNoOpenCase = false }
	t.Run("per address per day", func(t *testing.T) {
		f := newMailFixture(t, noOpen, agent.WithAckLimit(2))
		for i := range 3 {
			f.created(t, msg{id: fmt.Sprintf("lim-%d@example.org", i), subject: fmt.Sprintf("Problem %d", i)})
		}
		if n := f.sender.Len(); n != 2 {
			t.Errorf("sent %d, want 2", n)
		}
		runs := f.runsOf(t, "lim-2@example.org")
		if !slices.ContainsFunc(runs, func(in casemgmt.Interaction) bool {
			return in.Outcome == casemgmt.OutcomeSkipped && strings.Contains(in.Reason, "limit")
		}) {
			t.Errorf("runs = %+v, want the skipped acknowledgement recorded", runs)
		}
		// Another address has its own count.
		f.created(t, msg{id: "lim-b@example.net", from: "Bo Chen <bo@example.net>", subject: "Problem"})
		if n := f.sender.Len(); n != 3 {
			t.Errorf("sent %d, want 3", n)
		}
		// The next day, the count starts again.
		f.clock.advance(24 * time.Hour)
		f.created(t, msg{id: "lim-9@example.org", subject: "Problem 9"})
		if n := f.sender.Len(); n != 4 {
			t.Errorf("sent %d, want 4", n)
		}
	})
	t.Run("never to no-reply addresses", func(t *testing.T) {
		f := newMailFixture(t, noOpen)
		for i, from := range []string{"No Reply <no-reply@shop.example>", "noreply@shop.example", "do_not_reply@shop.example", "notifications@github.example"} {
			id := fmt.Sprintf("nr-%d@shop.example", i)
			f.created(t, msg{id: id, from: from, subject: "Order confirmation"})
			runs := f.runsOf(t, id)
			if !slices.ContainsFunc(runs, func(in casemgmt.Interaction) bool {
				return in.Outcome == casemgmt.OutcomeSkipped && strings.Contains(in.Reason, "acknowledgement")
			}) {
				t.Errorf("%s: runs = %+v, want the skipped acknowledgement recorded", from, runs)
			}
		}
		if n := f.sender.Len(); n != 0 {
			t.Errorf("sent %d, want none", n)
		}
	})
	t.Run("no sender", func(t *testing.T) {
		f := newMailFixture(t, nil)
		a, err := agent.New(f.store, f.pred, f.cfg, agent.WithClock(f.clock.now))
		if err != nil {
			t.Fatal(err)
		}
		f.ag = a
		f.created(t, msg{id: "ns-1@example.org", subject: "Camera dead"})
		runs := f.runsOf(t, "ns-1@example.org")
		if !slices.ContainsFunc(runs, func(in casemgmt.Interaction) bool {
			return in.Outcome == casemgmt.OutcomeSkipped && strings.Contains(in.Reason, "no sender")
		}) {
			t.Errorf("runs = %+v, want the unsent acknowledgement recorded", runs)
		}
	})
}

func TestEmailBadInput(t *testing.T) {
	f := newMailFixture(t, nil)
	if _, err := f.ag.InboundEmail(context.Background(), "support@acme.example", nil); err == nil {
		t.Error("nil message accepted")
	}
	if err := f.ag.ReceiveEmail(context.Background(), "support@acme.example", nil); err == nil {
		t.Error("nil parsed message accepted")
	}
	// A Message-ID handed in with its angle brackets is the same id.
	bracketed := parse(t, msg{id: "br-1@example.org", from: "Bo Chen <bo@example.net>", subject: "Hub offline"}.raw())
	bracketed.ID = " <br-1@example.org> "
	res, err := f.ag.InboundEmail(context.Background(), "support@acme.example", bracketed)
	if err != nil || res.Outcome != casemgmt.OutcomeCreated || !slices.Contains(res.Case.LinkIDs(casemgmt.LinkEmail), "br-1@example.org") {
		t.Fatalf("bracketed id: %v %+v", err, res)
	}
	if res := f.deliver(t, msg{id: "br-1@example.org", from: "Bo Chen <bo@example.net>", subject: "Hub offline"}); !strings.Contains(res.Reason, "duplicate") {
		t.Errorf("the same id without brackets: %s (%s), want a duplicate", res.Outcome, res.Reason)
	}
	// A message without a Message-ID gets one from its content: the same
	// message twice is still a duplicate.
	m := msg{subject: "Camera dead"}
	f.created(t, m)
	if res := f.deliver(t, m); res.Outcome != casemgmt.OutcomeDuplicate {
		t.Errorf("redelivery without Message-ID: %s (%s)", res.Outcome, res.Reason)
	}
}

func TestEmailBusyChangesNothing(t *testing.T) {
	f := newMailFixture(t, nil, agent.WithEmailWait(20*time.Millisecond))
	ctx := context.Background()
	// Another process holds the message.
	if ok, err := f.store.AcquireClaim(ctx, "email:busy-1@example.org", "elsewhere", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	m := msg{id: "busy-1@example.org", subject: "Camera dead"}
	_, err := f.ag.InboundEmail(ctx, "support@acme.example", parse(t, m.raw()))
	if !errors.Is(err, agent.ErrEmailBusy) {
		t.Fatalf("err = %v, want ErrEmailBusy", err)
	}
	if len(f.cases(t)) != 0 || f.pred.calls.Load() != 0 || len(f.runsOf(t, m.id)) != 0 {
		t.Fatal("a busy email changed something")
	}
	// Once the other delivery gives up, the message is processed.
	if err := f.store.ReleaseClaim(ctx, "email:busy-1@example.org", "elsewhere"); err != nil {
		t.Fatal(err)
	}
	f.created(t, m)
}

func TestEmailFromOwnAddress(t *testing.T) {
	f := newMailFixture(t, nil)
	if err := f.store.CreateContact(context.Background(), &casemgmt.Contact{Name: "Support", Email: "support@acme.example"}); err != nil {
		t.Fatal(err)
	}
	c := f.created(t, msg{id: "own-0@example.org", subject: "Camera dead"})
	calls, sent := f.pred.calls.Load(), f.sender.Len()
	for _, m := range []msg{
		// Our own mail coming back in, and a representative's copy.
		{id: "own-1@acme.example", from: "Acme Support <support@acme.example>", subject: "Internal note"},
		{id: "own-2@acme.example", from: "Acme Support <SUPPORT@acme.example>", subject: "Re: Camera dead",
			inReplyTo: "<own-0@example.org>", body: "We will send a new camera, it is the X300.\r\n"},
	} {
		res := f.deliver(t, m)
		if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "own address") {
			t.Errorf("%s: %s (%s), want skipped as our own mail", m.id, res.Outcome, res.Reason)
		}
	}
	if got := f.get(t, c.ID); !slices.Contains(got.LinkIDs(casemgmt.LinkEmail), "own-2@acme.example") || got.Version != c.Version {
		t.Errorf("the copy is not stored on its case, or the case changed: %v v%d", got.Links, got.Version)
	}
	if len(f.cases(t)) != 1 || f.pred.calls.Load() != calls || f.sender.Len() != sent {
		t.Error("our own mail made a case, a prediction or mail")
	}
}

func TestEmailIntakeSetsAttributes(t *testing.T) {
	// A schema without title and origin fields: the rule's title is the
	// case's title, and it may set the status reason.
	cfg := `{
	  "fields": [{"name": "issue_description", "type": "text"}, {"name": "contact", "type": "lookup", "lookup": "contacts"}],
	  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"}],
	  "create": {"fields": ["issue_description", "contact"]},
	  "intake_rules": [{"name": "all mail", "set": {"title": "Mail: {{subject}}", "status_reason": "new mail"}}]
	}`
	c, err := agent.ParseConfig([]byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	if _, err := c.ImportContacts(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	pred := &mailPredictor{table: map[string]predict.Prediction{"issue_description": guess("Camera does not start", "does not start")}}
	a, err := agent.New(st, pred, c)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.InboundEmail(context.Background(), "support@acme.example", parse(t, msg{id: "attr-1@example.org", subject: "Camera dead"}.raw()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeCreated {
		t.Fatalf("%s (%s)", res.Outcome, res.Reason)
	}
	got, err := st.GetCase(context.Background(), res.Case.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Mail: Camera dead" || got.StatusReason != "new mail" || got.Fields["issue_description"] != "Camera does not start" {
		t.Errorf("case = title %q, status reason %q, fields %v", got.Title, got.StatusReason, got.Fields)
	}
}

func TestEmailUnknownSendersSkippedByDefault(t *testing.T) {
	f := newMailFixture(t, func(cfg *agent.Config) { cfg.IntakeRules[1].UnknownSenders = "" })
	res := f.deliver(t, msg{id: "def-1@example.com", from: "Zoe <zoe@example.com>", subject: "Camera dead"})
	if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "skips unknown senders") {
		t.Errorf("%s (%s), want skipped: a rule that says nothing skips unknown senders", res.Outcome, res.Reason)
	}
	if cs, _ := f.store.FindContacts(context.Background(), predict.ContactQuery{Email: "zoe@example.com"}); len(cs) != 0 {
		t.Errorf("contact created: %v", cs)
	}
	// A known sender still gets a case.
	f.created(t, msg{id: "def-2@example.org", subject: "Camera dead"})
}

func TestEmailWithoutSenderAddress(t *testing.T) {
	f := newMailFixture(t, nil)
	raw := "Message-ID: <nosender-1@example.org>\r\nTo: support@acme.example\r\nSubject: Camera dead\r\n\r\nIt does not start.\r\n"
	res, err := f.ag.InboundEmail(context.Background(), "support@acme.example", parse(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != casemgmt.OutcomeSkipped || !strings.Contains(res.Reason, "no sender address") {
		t.Errorf("%s (%s), want skipped for want of a sender", res.Outcome, res.Reason)
	}
	if f.sender.Len() != 0 || len(f.cases(t)) != 0 {
		t.Error("an email without a sender made a case or mail")
	}
}

func TestEmailShadowWritesNothing(t *testing.T) {
	f := newMailFixture(t, nil)
	c := f.created(t, msg{id: "sh-0@example.org", subject: "Camera dead"})
	audit, sent := len(f.audit(t, c.ID)), f.sender.Len()
	shadow, err := agent.New(f.store, f.pred, f.cfg, agent.WithClock(f.clock.now), agent.WithShadow(true),
		agent.WithSender(f.sender, channel.Address{Email: "support@acme.example"}), agent.WithMessageIDs(mailIDs))
	if err != nil {
		t.Fatal(err)
	}
	f.pred.set(map[string]predict.Prediction{"issue_description": guess("The X300 camera does not start", "X300")})
	for _, m := range []msg{
		{id: "sh-1@example.org", subject: "Re: Camera dead", inReplyTo: "<sh-0@example.org>", body: "It is the X300.\r\n"},
		{id: "sh-2@example.net", from: "Bo Chen <bo@example.net>", subject: "Hub offline"},
		{id: "sh-3@example.com", from: "Zoe <zoe@example.com>", subject: "Hub offline"},
	} {
		res, err := shadow.InboundEmail(context.Background(), "support@acme.example", parse(t, m.raw()))
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != casemgmt.OutcomeShadow {
			t.Errorf("%s: %s (%s), want what would happen", m.id, res.Outcome, res.Reason)
		}
		if runs := f.runsOf(t, m.id); len(runs) != 1 || !runs[0].Shadow {
			t.Errorf("%s: records %v, want one marked shadow", m.id, runs)
		}
	}
	if got := f.get(t, c.ID); got.Fields["issue_description"] != "The X200 camera does not start" || len(f.audit(t, c.ID)) != audit {
		t.Errorf("shadow mode changed the case: %v", got.Fields)
	}
	if len(f.cases(t)) != 1 || f.sender.Len() != sent {
		t.Error("shadow mode created a case or sent mail")
	}
	if cs, _ := f.store.FindContacts(context.Background(), predict.ContactQuery{Email: "zoe@example.com"}); len(cs) != 0 {
		t.Error("shadow mode created a contact")
	}
	// Nothing was marked processed: the real agent still handles them.
	if res := f.deliver(t, msg{id: "sh-2@example.net", from: "Bo Chen <bo@example.net>", subject: "Hub offline"}); res.Outcome != casemgmt.OutcomeCreated {
		t.Errorf("after shadow: %s (%s)", res.Outcome, res.Reason)
	}
}

func TestReceiveEmail(t *testing.T) {
	f := newMailFixture(t, nil)
	p, err := email.NewParser().ParseBytes([]byte(msg{id: "rcv-1@example.org", subject: "Camera dead"}.raw()))
	if err != nil {
		t.Fatal(err)
	}
	var r email.Receiver = f.ag
	if err := r.ReceiveEmail(context.Background(), "support@acme.example", p); err != nil {
		t.Fatal(err)
	}
	if cs := f.cases(t); len(cs) != 1 || !slices.Contains(cs[0].LinkIDs(casemgmt.LinkEmail), "rcv-1@example.org") {
		t.Errorf("cases = %v", cs)
	}
}

// FuzzInboundEmail hands whatever the parser makes of arbitrary input to
// the agent: no panic, and an error only for a store or claim failure
// (there is none here).
func FuzzInboundEmail(f *testing.F) {
	f.Add([]byte(msg{id: "fz-1@example.org", subject: "Camera dead"}.raw()))
	f.Add([]byte(msg{id: "fz-2@example.org", subject: "Re: [CAS-000001] x", inReplyTo: "<fz-1@example.org>"}.raw()))
	f.Add([]byte(bounceOf("fz-3@mx.example.org", "<fz-1@example.org>")))
	f.Add([]byte(msg{id: "fz-4@vip.example", from: "v@vip.example", subject: "Fwd: {{subject}} {{", extra: []string{"X-Autoreply: yes"}}.raw()))
	f.Add([]byte("From: \r\n\r\n"))
	fx := newMailFixture(f, nil)
	parser := email.NewParser()
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := parser.ParseBytes(raw)
		if err != nil {
			return
		}
		if _, err := fx.ag.InboundEmail(context.Background(), "support@acme.example", &p.Message); err != nil && !errors.Is(err, casemgmt.ErrInvalid) {
			t.Fatalf("InboundEmail: %v", err)
		}
	})
}

// BenchmarkInboundEmail measures the agent's own work for one new email
// (parsing excluded, an instant predictor, memstore), with few and with
// many cases already stored: it should not grow with the store.
func BenchmarkInboundEmail(b *testing.B) {
	for _, existing := range []int{100, 10000} {
		b.Run(fmt.Sprintf("cases=%d", existing), func(b *testing.B) {
			f := newMailFixture(b, func(cfg *agent.Config) { cfg.IntakeRules[1].RequireNoOpenCase = false })
			ctx := context.Background()
			for i := range existing {
				c := &casemgmt.Case{Title: "old", ContactID: "C-2",
					Links: []casemgmt.Link{{Kind: casemgmt.LinkEmail, ID: fmt.Sprintf("old-%d@example.net", i)}}}
				if err := f.store.CreateCase(ctx, c, casemgmt.Write{}); err != nil {
					b.Fatal(err)
				}
			}
			msgs := make([]*channel.Message, b.N)
			for i := range msgs {
				msgs[i] = parse(b, msg{id: fmt.Sprintf("bench-%d@example.org", i), subject: "Camera dead"}.raw())
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.ag.InboundEmail(ctx, "support@acme.example", msgs[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An email to the support mailbox becomes a case through the intake rule,
// is acknowledged, and the reply to the acknowledgement updates the case.
func ExampleAgent_InboundEmail() {
	ctx := context.Background()
	cfg, err := agent.ParseConfig([]byte(`{
	  "fields": [
	    {"name": "issue_description", "type": "text"},
	    {"name": "contact", "type": "lookup", "lookup": "contacts"},
	    {"name": "serial_number", "type": "text", "pattern": "SN-[A-Z0-9]{8}"}
	  ],
	  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"}],
	  "create": {"fields": ["issue_description", "contact"]},
	  "default_update_fields": ["serial_number"],
	  "intake_rules": [{"name": "support", "when": {"field": "to", "op": "contains", "value": "support@"},
	    "set": {"title": "{{subject}}"},
	    "acknowledge": {"subject": "[{{case_number}}] {{subject}}", "body": "We are on it."}}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := memstore.New()
	if _, err := cfg.ImportContacts(ctx, store); err != nil {
		fmt.Println(err)
		return
	}
	// A predictor that reads the serial number and describes the issue by
	// the first line; a real one is heuristic.New() or an llm.Predictor.
	serial := regexp.MustCompile(`SN-[A-Z0-9]{8}`)
	pred := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		res := &predict.Result{Predictions: map[string]predict.Prediction{}}
		text := req.Messages[len(req.Messages)-1].Text
		for _, f := range req.Fields {
			switch f.Name {
			case "issue_description":
				first, _, _ := strings.Cut(text, "\n")
				res.Predictions[f.Name] = predict.Prediction{Value: first, Confidence: 0.9, Evidence: []predict.Evidence{{Quote: first}}}
			case "serial_number":
				if sn := serial.FindString(text); sn != "" {
					res.Predictions[f.Name] = predict.Prediction{Value: sn, Confidence: 0.95, Evidence: []predict.Evidence{{Quote: sn}}}
				}
			}
		}
		return res, nil
	})
	ids := email.MessageIDs{Key: []byte("a secret of at least 16 bytes"), Domain: "example.com"}
	// The outbox keeps what the agent sends; a host passes an SMTP sender.
	outbox := &channel.Outbox{NewID: func(m *channel.Outgoing) string { return ids.New(m.CaseID) }}
	ag, err := agent.New(store, pred, cfg,
		agent.WithSender(outbox, channel.Address{Email: "support@example.com"}), agent.WithMessageIDs(ids))
	if err != nil {
		fmt.Println(err)
		return
	}
	parser := email.NewParser()
	deliver := func(raw string) *agent.Result {
		p, err := parser.ParseBytes([]byte(raw))
		if err != nil {
			panic(err)
		}
		res, err := ag.InboundEmail(ctx, "support@example.com", &p.Message)
		if err != nil {
			panic(err)
		}
		fmt.Println(res.Outcome, res.Case.Number, res.ChangedFields())
		return res
	}

	res := deliver("Message-ID: <a1@example.org>\r\nFrom: Ana Lima <ana@example.org>\r\nTo: support@example.com\r\n" +
		"Subject: Camera offline\r\n\r\nMy camera is offline since Monday.\r\n")
	// The acknowledgement's Message-ID carries the case: a reply to it
	// finds the case.
	ack, _ := outbox.Last()
	fmt.Printf("sent to %s: %s\n", ack.Message.To[0].Email, ack.Message.Subject)
	deliver("Message-ID: <a2@example.org>\r\nFrom: Ana Lima <ana@example.org>\r\nTo: support@example.com\r\n" +
		"Subject: Re: [CAS-000001] Camera offline\r\nIn-Reply-To: " + ack.ID + "\r\n\r\nThe serial is SN-4K2P9Q7Z.\r\n")
	c, _ := store.GetCase(ctx, res.Case.ID)
	fmt.Println(c.Title, c.ContactID, c.Fields["serial_number"])
	// Output:
	// created CAS-000001 [title contact issue_description]
	// sent to ana@example.org: [CAS-000001] Camera offline
	// updated CAS-000001 [serial_number]
	// Camera offline C-1 SN-4K2P9Q7Z
}

func TestEmailReplyRetriedAfterFailure(t *testing.T) {
	f := newMailFixture(t, nil)
	c := f.created(t, msg{id: "rt-0@example.org", subject: "Camera dead"})
	reply := msg{id: "rt-1@example.org", subject: "Re: Camera dead", inReplyTo: "<rt-0@example.org>", body: "It is the X300.\r\n"}
	f.pred.mu.Lock()
	f.pred.err = errors.New("model unavailable")
	f.pred.mu.Unlock()
	if _, err := f.ag.InboundEmail(context.Background(), "support@acme.example", parse(t, reply.raw())); err == nil {
		t.Fatal("a failed prediction was not reported")
	}
	if slices.Contains(f.get(t, c.ID).LinkIDs(casemgmt.LinkEmail), reply.id) {
		t.Fatal("the reply was linked although it was not applied: a redelivery would drop it")
	}
	// The source delivers it again once the model is back.
	f.pred.mu.Lock()
	f.pred.err = nil
	f.pred.table = map[string]predict.Prediction{"issue_description": guess("The X300 camera does not start", "X300")}
	f.pred.mu.Unlock()
	res := f.deliver(t, reply)
	if res.Outcome != casemgmt.OutcomeUpdated || f.get(t, c.ID).Fields["issue_description"] != "The X300 camera does not start" {
		t.Errorf("redelivery: %s (%s)", res.Outcome, res.Reason)
	}
	if !slices.Contains(res.Case.LinkIDs(casemgmt.LinkEmail), reply.id) {
		t.Errorf("result case links = %v, want the reply", res.Case.Links)
	}
	if res := f.deliver(t, reply); !strings.Contains(res.Reason, "duplicate") {
		t.Errorf("third delivery: %s (%s), want a duplicate", res.Outcome, res.Reason)
	}
}
