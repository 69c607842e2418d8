package agent_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/caseagent/caseagent/casemgmt"
	"github.com/caseagent/caseagent/casemgmt/agent"
	"github.com/caseagent/caseagent/casemgmt/memstore"
	"github.com/caseagent/caseagent/channel"
	"github.com/caseagent/caseagent/predict"
)

const followUpConfig = `{
  "fields": [
    {"name": "issue_description", "type": "text"},
    {"name": "contact", "type": "lookup", "lookup": "contacts"}
  ],
  "contacts": [{"id": "C-1", "name": "Ana Lima", "email": "ana@example.org"},
               {"id": "C-2", "name": "No Mail", "phone": "+1 415 555 0199"}],
  "create": {"fields": ["contact"], "require": "all"},
  "follow_up": [{
    "name": "waiting", "when": {"field": "status", "op": "equals", "value": "waiting_on_customer"},
    "automation": "%s", "waits": ["48h", "48h", "72h"], "close_after_last": true,
    "messages": [{"subject": "About {{case_number}}", "body": "Any news on {{title}}? (follow-up {{step}})"}]
  }]
}`

type followUpRig struct {
	t     *testing.T
	store casemgmt.Store
	ag    *agent.Agent
	box   *channel.Outbox
	now   time.Time
	mu    sync.Mutex
}

func (r *followUpRig) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *followUpRig) advance(d time.Duration) {
	r.t.Helper()
	end := r.clock().Add(d)
	for r.clock().Before(end) {
		r.mu.Lock()
		r.now = r.now.Add(30 * time.Minute)
		if r.now.After(end) {
			r.now = end
		}
		now := r.now
		r.mu.Unlock()
		if _, err := r.ag.RunDue(context.Background(), now); err != nil {
			r.t.Fatalf("RunDue: %v", err)
		}
	}
}

func newFollowUpRig(t *testing.T, automation string) *followUpRig {
	t.Helper()
	cfg, err := agent.ParseConfig([]byte(strings.Replace(followUpConfig, "%s", automation, 1)))
	if err != nil {
		t.Fatal(err)
	}
	r := &followUpRig{t: t, box: &channel.Outbox{}, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	r.store = memstore.New(memstore.WithClock(r.clock))
	if _, err := cfg.ImportContacts(context.Background(), r.store); err != nil {
		t.Fatal(err)
	}
	pred := predict.Func(func(_ context.Context, req *predict.Request) (*predict.Result, error) {
		return &predict.Result{Predictions: map[string]predict.Prediction{
			"contact": {Value: req.Customer.ContactID, Confidence: 1},
		}}, nil
	})
	r.ag, err = agent.New(r.store, pred, cfg, agent.WithClock(r.clock),
		agent.WithSender(r.box, channel.Address{Email: "support@example.org"}))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newWaitingCase creates a case from a chat and sets it waiting on the
// customer, as a representative would.
func (r *followUpRig) newWaitingCase(contact string) *casemgmt.Case {
	r.t.Helper()
	ctx := context.Background()
	conv := &channel.Conversation{ID: "conv-" + contact, Kind: channel.KindChat, Status: channel.StatusEnded,
		Customer: channel.Customer{ContactID: contact},
		Messages: []channel.Message{{ID: "m1", Role: channel.RoleCustomer, Text: "my hub is offline", Time: r.clock()}}}
	res, err := r.ag.ConversationEnded(ctx, conv, "rep-1")
	if err != nil || res.Outcome != casemgmt.OutcomeCreated {
		r.t.Fatalf("create: %v %+v", err, res)
	}
	if _, err := r.ag.EditCase(ctx, res.Case.ID, "rep-1", map[string]any{"status": "waiting_on_customer"}); err != nil {
		r.t.Fatal(err)
	}
	return r.get(res.Case.ID)
}

func (r *followUpRig) get(id string) *casemgmt.Case {
	r.t.Helper()
	c, err := r.store.GetCase(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

func TestFollowUpSequenceClosesUnansweredCase(t *testing.T) {
	r := newFollowUpRig(t, "full")
	c := r.newWaitingCase("C-1")
	if want := r.clock().Add(48 * time.Hour); !c.NextDueAt.Equal(want) {
		t.Fatalf("due = %v, want %v", c.NextDueAt, want)
	}
	steps := []struct {
		advance time.Duration
		sent    int
		status  casemgmt.Status
	}{
		{47 * time.Hour, 0, casemgmt.StatusWaitingOnCustomer},
		{2 * time.Hour, 1, casemgmt.StatusWaitingOnCustomer},
		{49 * time.Hour, 2, casemgmt.StatusWaitingOnCustomer},
		{73 * time.Hour, 3, casemgmt.StatusWaitingOnCustomer},
		{73 * time.Hour, 3, casemgmt.StatusClosed},
		{200 * time.Hour, 3, casemgmt.StatusClosed},
	}
	for i, s := range steps {
		r.advance(s.advance)
		got := r.get(c.ID)
		if r.box.Len() != s.sent || got.Status != s.status || agent.SentCount(got) != s.sent {
			t.Fatalf("step %d: sent %d (case says %d), status %s; want %d, %s", i, r.box.Len(), agent.SentCount(got), got.Status, s.sent, s.status)
		}
	}
	m := r.box.Sent()[0].Message
	if m.To[0].Email != "ana@example.org" || !m.Automated || m.CaseID != c.ID {
		t.Errorf("follow-up = %+v", m)
	}
	if want := "Any news on " + c.Title + "? (follow-up 1)"; m.Text != want {
		t.Errorf("text = %q, want %q", m.Text, want)
	}
	closed := r.get(c.ID)
	if !closed.NextDueAt.IsZero() || closed.StatusReason == "" {
		t.Errorf("closed case: due %v, reason %q", closed.NextDueAt, closed.StatusReason)
	}
	// Every follow-up is linked, so that replies to it find the case.
	if n := len(closed.LinkIDs(casemgmt.LinkEmail)); n != 3 {
		t.Errorf("email links = %d, want 3", n)
	}
}

func TestFollowUpStopsWhenStatusChanges(t *testing.T) {
	r := newFollowUpRig(t, "full")
	c := r.newWaitingCase("C-1")
	r.advance(49 * time.Hour)
	if _, err := r.ag.EditCase(context.Background(), c.ID, "rep-1", map[string]any{"status": "active"}); err != nil {
		t.Fatal(err)
	}
	if got := r.get(c.ID); !got.NextDueAt.IsZero() {
		t.Fatalf("due = %v after the case went active", got.NextDueAt)
	}
	r.advance(300 * time.Hour)
	if n := r.box.Len(); n != 1 {
		t.Errorf("sent %d follow-ups, want 1", n)
	}
}

func TestFollowUpDraftSendsNothing(t *testing.T) {
	r := newFollowUpRig(t, "draft")
	c := r.newWaitingCase("C-1")
	r.advance(49 * time.Hour)
	_ = r.get(c.ID)
	if r.box.Len() != 0 {
		t.Fatalf("draft automation sent %d messages", r.box.Len())
	}
	d, err := r.ag.PendingDraft(context.Background(), c.ID)
	if err != nil || !strings.Contains(d.Message.Text, "follow-up 1") || d.Kind != "follow_up" || d.Message.To[0].Email != "ana@example.org" {
		t.Fatalf("draft = %+v, %v", d, err)
	}
	// A person approves it: it goes out as the agent's follow-ups do.
	if _, err := r.ag.ApproveDraft(context.Background(), c.ID, "rep-1", nil); err != nil {
		t.Fatal(err)
	}
	if sent, ok := r.box.Last(); !ok || !strings.Contains(sent.Message.Text, "follow-up 1") {
		t.Errorf("approved follow-up not sent: %v %+v", ok, sent)
	}
}

func TestFollowUpWithoutEmailStops(t *testing.T) {
	r := newFollowUpRig(t, "full")
	c := r.newWaitingCase("C-2")
	r.advance(100 * time.Hour)
	got := r.get(c.ID)
	if r.box.Len() != 0 || !got.NextDueAt.IsZero() {
		t.Fatalf("sent %d, due %v", r.box.Len(), got.NextDueAt)
	}
	ins, err := r.store.ListInteractions(context.Background(), casemgmt.InteractionQuery{CaseID: c.ID, Outcome: casemgmt.OutcomeSkipped})
	if err != nil || len(ins) == 0 || !strings.Contains(ins[len(ins)-1].Reason, "no email") {
		t.Errorf("skip not recorded: %v %+v", err, ins)
	}
}

// Two processes running scheduled work at once send each follow-up once.
func TestFollowUpConcurrentRunners(t *testing.T) {
	r := newFollowUpRig(t, "full")
	c := r.newWaitingCase("C-1")
	r.mu.Lock()
	r.now = r.now.Add(49 * time.Hour)
	now := r.now
	r.mu.Unlock()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := r.ag.RunDue(context.Background(), now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := r.box.Len(); n != 1 {
		t.Errorf("sent %d, want 1", n)
	}
	if got := agent.SentCount(r.get(c.ID)); got != 1 {
		t.Errorf("case counts %d sent", got)
	}
}

func TestReplyToWaitingCase(t *testing.T) {
	tests := []struct {
		reply string
		want  casemgmt.Status
	}{
		{"Thanks, that fixed it! You can close this.", casemgmt.StatusResolved},
		{"I tried the reset but it is still not working.", casemgmt.StatusActive},
		{"I will be home on Saturday and try then.", casemgmt.StatusActive},
	}
	for _, tt := range tests {
		t.Run(tt.reply, func(t *testing.T) {
			r := newFollowUpRig(t, "full")
			c := r.newWaitingCase("C-1")
			r.advance(49 * time.Hour)
			out := r.box.Sent()[0].Message
			reply := &channel.Message{ID: "reply-1@example.org", Kind: channel.KindEmail, Role: channel.RoleCustomer,
				From: channel.Address{Email: "ana@example.org"}, Subject: "Re: " + out.Subject, Text: tt.reply,
				InReplyTo: strings.Trim(r.get(c.ID).LinkIDs(casemgmt.LinkEmail)[0], "<>"), Time: r.clock()}
			if _, err := r.ag.InboundEmail(context.Background(), "support@example.org", reply); err != nil {
				t.Fatal(err)
			}
			got := r.get(c.ID)
			if got.Status != tt.want || !got.NextDueAt.IsZero() {
				t.Fatalf("status %s due %v, want %s and no due time", got.Status, got.NextDueAt, tt.want)
			}
			r.advance(300 * time.Hour)
			if n := r.box.Len(); n != 1 {
				t.Errorf("sent %d after the reply, want 1", n)
			}
		})
	}
}

func TestDefaultReplyJudge(t *testing.T) {
	tests := []struct {
		text string
		want string
	}{
		{"Thanks, that did the trick, all good now", "resolved"},
		{"Ya funciona, gracias. Pueden cerrar el caso.", "resolved"},
		{"Danke, funktioniert wieder!", "resolved"},
		{"Merci, ça marche maintenant.", "resolved"},
		{"Obrigado, já funciona.", "resolved"},
		{"It worked for a day but the problem came back", "unresolved"},
		{"Sigue sin funcionar después del reinicio", "unresolved"},
		{"Das Gerät funktioniert immer noch nicht", "unresolved"},
		{"Ça ne marche pas", "unresolved"},
		{"Ainda não funciona", "unresolved"},
		{"What does the amber light mean?", "neutral"},
	}
	judge := agent.DefaultReplyJudge()
	names := map[agent.Verdict]string{agent.VerdictNeutral: "neutral", agent.VerdictResolved: "resolved", agent.VerdictUnresolved: "unresolved"}
	var got, want []string
	for _, tt := range tests {
		v, err := judge.Judge(context.Background(), &channel.Message{Text: tt.text})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tt.text+": "+names[v])
		want = append(want, tt.text+": "+tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
}
